/** @odoo-module **/

import { registry } from "@web/core/registry";
import { redirect } from "@web/core/utils/urls";

// Data comes from the Python test (tests/test_portal_case_page.py): a case of
// the portal customer whose quotation waits for their signature (P4.4).
registry.category("web_tour.tours").add("rma_unex_case_page_sign", {
    steps: () => [
        {
            content: "the card says what to sign",
            trigger: "#rma_next_action[data-kind=sign_quotation] .rma_action_order:contains(S0)",
        },
        {
            content: "for how much",
            trigger: "#rma_next_action .rma_action_amount .oe_currency_value",
        },
        {
            content: "and until when",
            trigger: "#rma_next_action .rma_action_validity span:not(:empty)",
        },
        {
            content: "the quotation is the current step",
            trigger: "#rma_steps li[aria-current=step][data-step=quotation]",
        },
        {
            content: "go and sign",
            trigger: "#rma_next_action a.btn-primary[href*='#modalaccept']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            // the dialog opens by itself and focuses the name once shown
            // and sized: a signature drawn before that is an empty image
            content: "the signature dialog is open",
            trigger: ".modal#modalaccept .o_web_sign_name_and_signature input:focus",
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
            content: "back to the case",
            trigger: "a[href^='/my/rmas/']:contains(RMA)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "it moved on: the repair is the current step",
            trigger: "#rma_steps li[aria-current=step][data-step=repair]",
        },
        {
            content: "the quotation step is done",
            trigger: "#rma_steps li.o_rma_step_done[data-step=quotation]",
        },
        {
            content: "no card asks for the signature any more",
            trigger: "body:not(:has(#rma_next_action))",
        },
    ],
});
