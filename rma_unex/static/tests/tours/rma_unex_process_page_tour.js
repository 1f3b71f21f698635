/** @odoo-module **/

import { registry } from "@web/core/registry";

// Data comes from the Python tests (tests/test_process_page.py).

// Each step of the diagram and a sentence of its text (P1-P6, M1-M5).
const STEPS = [
    [1, "Device identity"],
    [2, "field application engineers"],
    [3, "RMA marking"],
    [4, "Quotation validity"],
    [5, "No trouble found"],
    [6, "Burn-in"],
    [7, "Repair warranty"],
];

function clickSteps(order) {
    return order.flatMap((index) => {
        const [number, text] = STEPS[index];
        return [
            {
                content: `open step ${number}`,
                trigger: `#rma_step_${number}_tab`,
                run: "click",
            },
            {
                content: `step ${number}: its button is the selected one`,
                trigger: `#rma_step_${number}_tab.active[aria-selected=true]`,
            },
            {
                content: `step ${number}: its text is shown`,
                trigger: `#rma_step_${number}.active:contains(${text})`,
            },
        ];
    });
}

registry.category("web_tour.tours").add("rma_unex_process_page", {
    url: "/rma",
    steps: () => [
        {
            content: "the page starts with the support request",
            trigger: "#rma_process_support a[href='/my/support-requests/new']",
        },
        { content: "and the existing RMAs", trigger: "#rma_process_existing a" },
        // the last step first: each click shows its own text, not the next one's
        ...clickSteps([6, 0, 1, 2, 3, 4, 5]),
        {
            content: "one text at a time",
            trigger: "#rma_process_panels:not(:has(#rma_step_5.active))",
        },
    ],
});

// The figures of the configuration the test set (45 days for a quotation,
// 365 days of warranty, 48 hours of burn-in).
registry.category("web_tour.tours").add("rma_unex_process_page_figures", {
    url: "/rma",
    steps: () => [
        { trigger: "#rma_step_4_tab", run: "click" },
        { trigger: "#rma_step_4 [data-figure=quotation_validity_days]:contains(45)" },
        { trigger: "#rma_step_4 [data-figure=warranty_days]:contains(365)" },
        { trigger: "#rma_step_6_tab", run: "click" },
        { trigger: "#rma_step_6 [data-figure=burn_in_hours]:contains(48)" },
    ],
});

// The portal home of a customer with one quotation to approve
// (tests/test_portal_home.py): the counters arrive, the process card leads
// to the process page.
registry.category("web_tour.tours").add("rma_unex_portal_home", {
    url: "/my",
    steps: () => [
        {
            content: "one RMA waits for the customer",
            trigger: "#portal_alert_category .o_portal_index_card:not(.d-none) [data-placeholder_count=rma_waiting_count]:contains(1)",
        },
        {
            content: "one RMA is open",
            trigger: ".o_portal_index_card:not(.d-none) [data-placeholder_count=rma_open_count]:contains(1)",
        },
        { content: "one support entry", trigger: "#rma_unex_support_card a[href='/my/support-requests/new']" },
        {
            content: "open the RMA process",
            trigger: ".o_portal_index_card a[href='/rma']",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "the diagram", trigger: "#rma_step_1.active:contains(Device identity)" },
    ],
});

// At a phone's width (the test sets 375 px): nothing wider than the screen,
// the steps stacked one under the other, each still opening its text.
registry.category("web_tour.tours").add("rma_unex_process_page_phone", {
    url: "/rma",
    steps: () => [
        {
            content: "no horizontal scrolling",
            trigger: "#rma_process_steps",
            run() {
                const doc = document.documentElement;
                if (window.innerWidth > 400 || doc.scrollWidth > window.innerWidth) {
                    throw new Error(`${doc.scrollWidth}px wide in ${window.innerWidth}px`);
                }
            },
        },
        {
            content: "the steps are stacked",
            trigger: "#rma_step_2_tab",
            run() {
                const first = document.querySelector("#rma_step_1_tab").getBoundingClientRect();
                const second = this.anchor.getBoundingClientRect();
                if (second.top < first.bottom || second.left !== first.left) {
                    throw new Error("steps 1 and 2 are side by side");
                }
            },
        },
        { trigger: "#rma_step_5_tab", run: "click" },
        { trigger: "#rma_step_5.active:contains(No trouble found)" },
    ],
});
