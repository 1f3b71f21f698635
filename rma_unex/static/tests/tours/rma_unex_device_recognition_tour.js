/** @odoo-module **/

import { registry } from "@web/core/registry";

// Data comes from the Python test (tests/test_device_recognition.py): Test
// Router TRTR0001 delivered to the customer, TRTR0002 to another customer.
function selectedLabel(select) {
    return select.selectedOptions[0]?.textContent.trim() || "";
}

registry.category("web_tour.tours").add("rma_unex_device_recognition", {
    url: "/my/support-requests/new",
    steps: () => [
        {
            content: "the form links to the RMA process page",
            trigger: "#rma_unex_tsr_form a[href='/rma']",
        },
        {
            content: "the customer's own product comes first",
            trigger: "select[name=device_0_product]",
            run() {
                const first = this.anchor.querySelector("optgroup");
                if (!first?.textContent.includes("Test Router")) {
                    throw new Error("the customer's product is not in the first group");
                }
            },
        },
        {
            content: "the firmware in use",
            trigger: "input[name=device_0_firmware_version]",
            run: "edit 7.1.2",
        },
        {
            content: "the customer's own serial, in lower case",
            trigger: "input[name=device_0_serial]",
            run: "edit trtr0001",
        },
        {
            content: "leave the field",
            trigger: "input[name=device_0_sdk_version]",
            run: "click",
        },
        {
            content: "recognised: the product and its warranty under the row",
            trigger:
                ".rma_unex_device_row:eq(0) .rma_unex_device_recognition[aria-live]:contains(Test Router):contains(in warranty until)",
        },
        {
            content: "the product is chosen",
            trigger: "select[name=device_0_product]",
            run() {
                if (!selectedLabel(this.anchor).includes("Test Router")) {
                    throw new Error(`product not chosen: ${selectedLabel(this.anchor)}`);
                }
            },
        },
        {
            content: "the bulletin of the product and firmware beside the form",
            trigger: "#rma_unex_device_bulletins li:contains(Radio drops on DFS channels)",
        },
        {
            content: "not the bulletin of another firmware",
            trigger: "#rma_unex_device_bulletins:not(:contains(Fan noise after 8.0))",
        },
        { content: "a second device", trigger: ".rma_unex_add_device", run: "click" },
        {
            trigger: "select[name=device_1_product]",
            run: "selectByLabel Test Switch",
        },
        {
            content: "another customer's serial",
            trigger: "input[name=device_1_serial]",
            run: "edit TRTR0002",
        },
        {
            content: "leave the field",
            trigger: "input[name=device_1_firmware_version]",
            run: "click",
        },
        {
            content: "not found, and nothing else",
            trigger:
                ".rma_unex_device_row:eq(1) .rma_unex_device_recognition.text-danger:contains(Not found)",
            run() {
                const text = this.anchor.textContent;
                if (text.includes("Test Router") || text.includes("Customer B")) {
                    throw new Error(`the answer tells too much: ${text}`);
                }
            },
        },
        {
            content: "the product select is unchanged",
            trigger: "select[name=device_1_product]",
            run() {
                if (!selectedLabel(this.anchor).includes("Test Switch")) {
                    throw new Error(`product changed: ${selectedLabel(this.anchor)}`);
                }
            },
        },
        {
            content: "the first device is still recognised",
            trigger: ".rma_unex_device_row:eq(0) .rma_unex_device_recognition:contains(Test Router)",
        },
    ],
});
