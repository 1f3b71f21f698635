/** @odoo-module **/

import { registry } from "@web/core/registry";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/**
 * Put the filled form the Python test published (an attachment with the XML
 * id __rma_unex_tour__.<name>) into the upload field, as a customer choosing
 * their file would.
 */
async function chooseFilledForm(input, name) {
    const response = await fetch(`/web/content/__rma_unex_tour__.${name}`);
    if (!response.ok) {
        throw new Error(`test file ${name}: ${response.status}`);
    }
    const transfer = new DataTransfer();
    transfer.items.add(new File([await response.blob()], "RMA form.xlsx", { type: XLSX }));
    input.files = transfer.files;
}

// Data comes from the Python test (tests/test_application_form_portal.py).
registry.category("web_tour.tours").add("rma_unex_application_form", {
    url: "/my/support-requests/new",
    steps: () => [
        {
            content: "download my application form",
            trigger: "#rma_unex_application_form a#rma_unex_application_form_download",
            async run() {
                const response = await fetch(this.anchor.getAttribute("href"));
                const type = response.headers.get("Content-Type") || "";
                if (!response.ok || type !== XLSX) {
                    throw new Error(`form download: ${response.status} ${type}`);
                }
            },
        },
        {
            content: "choose the filled form, one device in error",
            trigger: "#rma_unex_application_form input[name=application_form]",
            async run() {
                await chooseFilledForm(this.anchor, "form_with_error");
            },
        },
        {
            trigger: "#rma_unex_application_form button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the preview shows the error on its row, with its column",
            trigger:
                "#rma_unex_application_form_rows tr.table-danger[data-row='Row 8'] td:contains(column C (MAC address))",
        },
        {
            content: "the other rows are fine",
            trigger: "#rma_unex_application_form_rows tr[data-row='Row 7']:not(.table-danger)",
        },
        {
            content: "no confirmation with an error",
            trigger: "#rma_unex_application_form_preview:not(:has(#rma_unex_application_form_confirm))",
        },
        {
            content: "upload it again, fixed",
            trigger: "#rma_unex_application_form_reupload input[name=application_form]",
            async run() {
                await chooseFilledForm(this.anchor, "form_fixed");
            },
        },
        {
            trigger: "#rma_unex_application_form_reupload button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "three devices, none in error",
            trigger:
                "#rma_unex_application_form_rows:not(:has(tr.table-danger)) tr[data-row='Row 9']",
        },
        { trigger: "#rma_unex_application_form_confirm input[name=disclaimer]", run: "check" },
        {
            trigger: "#rma_unex_application_form_confirm button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the new request, with its three devices",
            trigger: "#rma_unex_ticket_devices tbody:has(tr:contains(TRTR0003)) tr:eq(2)",
        },
    ],
});
