/** @odoo-module **/

import { registry } from "@web/core/registry";
import { redirect } from "@web/core/utils/urls";

// Data comes from the Python tests (tests/test_portal_tours.py).
registry.category("web_tour.tours").add("rma_unex_portal_tsr", {
    url: "/my/support-requests/new",
    steps: () => [
        { trigger: "#rma_unex_tsr_form input[name=name]", run: "edit Radio dead on site" },
        { trigger: "#rma_unex_tsr_form select[name=device_0_product]", run: "selectByIndex 1" },
        { trigger: "#rma_unex_tsr_form input[name=device_0_mac_address]", run: "edit 0001.a700.0077" },
        { trigger: "#rma_unex_tsr_form input[name=device_0_firmware_version]", run: "edit 7.1.3" },
        {
            content: "the only device cannot be removed",
            trigger: ".rma_unex_device_row .rma_unex_remove_device.d-none:not(:visible)",
        },
        { content: "a second device", trigger: ".rma_unex_add_device", run: "click" },
        { trigger: "#rma_unex_tsr_form select[name=device_1_product]", run: "selectByIndex 1" },
        { trigger: "#rma_unex_tsr_form input[name=device_1_serial]", run: "edit TRTR0078" },
        { trigger: "#rma_unex_tsr_form input[name=device_1_sdk_version]", run: "edit SDK 5.2" },
        { content: "a third, added by mistake", trigger: ".rma_unex_add_device", run: "click" },
        { trigger: ".rma_unex_device_row:eq(2) .rma_unex_device_number:contains(3)" },
        {
            content: "removed again",
            trigger: ".rma_unex_device_row:eq(2) .rma_unex_remove_device",
            run: "click",
        },
        {
            trigger: "#rma_unex_devices:not(:has(select[name=device_2_product]))",
        },
        {
            trigger: "#rma_unex_tsr_form textarea[name=steps_to_reproduce]",
            run: "edit Enable the 6 GHz SSID; no client sees it.",
        },
        { trigger: "#rma_unex_tsr_form input[name=disclaimer]", run: "check" },
        {
            content: "attach a log file",
            trigger: "#rma_unex_tsr_form input[name=attachments]",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(new File(["tx power 0 dBm"], "radio.log", { type: "text/plain" }));
                this.anchor.files = transfer.files;
            },
        },
        {
            trigger: "#rma_unex_tsr_form button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the request page",
            trigger: "body:contains(Radio dead on site)",
            run() {
                redirect("/my/tickets");
            },
            expectUnloadPage: true,
        },
        { content: "listed", trigger: "a:contains(Radio dead on site)" },
    ],
});

registry.category("web_tour.tours").add("rma_unex_portal_rma_quote", {
    url: "/my",
    steps: () => [
        {
            content: "follow the returns from the portal home",
            trigger: ".o_portal_index_card a[href='/my/rmas']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the RMA is listed with its status",
            trigger: "tr:has(a[href^='/my/rmas/']:contains(RMA)) td:contains(Awaiting Approval)",
        },
        {
            content: "open the RMA",
            trigger: "a[href^='/my/rmas/']:contains(RMA)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the RMA page shows its status",
            trigger: ".card-header .badge:contains(Awaiting Approval)",
        },
        {
            content: "and the steps it went through",
            trigger: "#rma_timeline li:contains(Under Evaluation)",
        },
        {
            content: "the unit with its decision",
            trigger: "#rma_units tr:contains(TRTR0001) td:contains(Paid repair)",
        },
        {
            content: "download the authorisation PDF",
            trigger: "#rma_documents a:contains(Return authorisation)",
            async run() {
                const response = await fetch(this.anchor.getAttribute("href"));
                const type = response.headers.get("Content-Type") || "";
                if (!response.ok || !type.includes("pdf")) {
                    throw new Error(`authorisation download: ${response.status} ${type}`);
                }
            },
        },
        {
            content: "open the quotation",
            trigger: "#rma_documents a[href^='/my/orders/']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "give the purchase order number",
            trigger: "#rma_unex_po input[name=client_order_ref]",
            run: "edit PO-LUMEN-0815",
        },
        {
            trigger: "#rma_unex_po button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "sign it", trigger: "a:contains(Sign)", run: "click" },
        {
            // the dialog focuses the name once shown and sized: a signature
            // drawn before that is an empty image
            trigger: ".modal .o_web_sign_name_and_signature input:focus",
            run: "edit Alice A",
        },
        { trigger: ".modal .o_web_sign_auto_select_style button", run: "click" },
        { trigger: ".o-dropdown-item:eq(3)", run: "click" },
        {
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "accepted",
            trigger: "#quote_content:contains(Thank You)",
            run() {
                redirect("/my/rmas");
            },
            expectUnloadPage: true,
        },
        {
            content: "the RMA is approved",
            trigger: "tr:has(a[href^='/my/rmas/']:contains(RMA)) td:contains(Approved)",
        },
    ],
});
