/** @odoo-module **/

import { registry } from "@web/core/registry";

// The role x screen walk in the real web client (tests/test_screens.py): as
// one user, every After-Sales action the user sees, each of its view types,
// its first record, and the forms of records in every state. The plan (action
// and record ids) comes from the test in a cookie; any error dialog, or any
// error the web client logs, fails the walk.

function plan() {
    const match = document.cookie.match(/(?:^|;\s*)rma_unex_walk=([^;]+)/);
    return match ? JSON.parse(decodeURIComponent(match[1])) : { actions: [], records: [] };
}

function services() {
    return odoo.__WOWL_DEBUG__.root.env.services;
}

async function settle(selector, what, timeout = 8000) {
    const start = Date.now();
    while (Date.now() - start < timeout) {
        const error = document.querySelector(".o_error_dialog");
        if (error) {
            throw new Error(`${what}: ${error.innerText.slice(0, 500)}`);
        }
        const found = document.querySelector(selector);
        if (found && !document.querySelector(".o_loading_indicator, .o_blockUI")) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            if (!document.querySelector(".o_error_dialog")) {
                return found;
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${what}: ${selector} did not show within ${timeout} ms`);
}

const VIEW = ".o_action_manager .o_view_controller";

async function openView(actionId, viewType) {
    await services().action.doAction(actionId, { clearBreadcrumbs: true, viewType });
    await settle(`${VIEW}.o_${viewType}_view, ${VIEW} .o_${viewType}_view`, `action ${actionId} ${viewType}`);
}

async function openFirstRecord(actionId) {
    await services().action.doAction(actionId, { clearBreadcrumbs: true });
    await settle(VIEW, `action ${actionId}`);
    const row = document.querySelector(
        ".o_list_view .o_data_row .o_data_cell, .o_kanban_view .o_kanban_record:not(.o_kanban_ghost)"
    );
    if (row) {
        row.click();
        await settle(".o_form_view", `action ${actionId}: its first record`);
    }
}

async function openRecord(model, id) {
    await services().action.doAction(
        { type: "ir.actions.act_window", res_model: model, res_id: id, views: [[false, "form"]] },
        { clearBreadcrumbs: true }
    );
    await settle(".o_form_view .o_form_sheet_bg, .o_form_view .o_form_nosheet", `${model} ${id}`);
}

registry.category("web_tour.tours").add("rma_unex_walk_screens", {
    url: "/odoo",
    steps: () => {
        const { actions, records } = plan();
        const steps = [];
        for (const [actionId, viewTypes, hasForm] of actions) {
            for (const viewType of viewTypes) {
                steps.push({
                    content: `action ${actionId}: its ${viewType} view`,
                    trigger: ".o_main_navbar",
                    run: () => openView(actionId, viewType),
                });
            }
            if (hasForm) {
                steps.push({
                    content: `action ${actionId}: its first record`,
                    trigger: ".o_main_navbar",
                    run: () => openFirstRecord(actionId),
                });
            }
        }
        for (const [model, ids] of records) {
            for (const id of ids) {
                steps.push({
                    content: `open ${model} ${id}`,
                    trigger: ".o_main_navbar",
                    run: () => openRecord(model, id),
                });
            }
        }
        steps.push({ content: "the walk ended", trigger: ".o_main_navbar" });
        return steps;
    },
});
