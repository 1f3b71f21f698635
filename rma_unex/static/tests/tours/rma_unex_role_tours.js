/** @odoo-module **/

import { registry } from "@web/core/registry";

// The main journey of each staff role through the backend screens. The
// records come from the Python tests (tests/test_role_tours.py), which find
// them again afterwards and check what the journey changed.

// A 1x1 PNG: the photo of a failure analysis.
const PHOTO_PNG =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAACAAFUok9dAAAAAElFTkSuQmCC";

// The RMA number written on the box: the test hands it over in a cookie
// (without it, the tour looks for a number that does not exist and fails).
function boxNumber() {
    const match = document.cookie.match(/(?:^|;\s*)rma_unex_tour_rma=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "no-rma-number-given";
}

function openApp(menuXmlid) {
    return [
        { content: "open the apps menu", trigger: ".o_navbar_apps_menu button:enabled", run: "click" },
        { content: "open After-Sales", trigger: `.o_app[data-menu-xmlid='${menuXmlid}']`, run: "click" },
    ];
}

function openMenu(menuXmlid) {
    return { trigger: `.o_menu_sections [data-menu-xmlid='${menuXmlid}']`, run: "click" };
}

function openRow(text, content) {
    return { content, trigger: `.o_list_view .o_data_row td.o_data_cell:contains(${text})`, run: "click" };
}

function backTo(label) {
    return {
        content: `back to ${label}`,
        trigger: `.o_breadcrumb li.breadcrumb-item a:contains(${label})`,
        run: "click",
    };
}

function backToPrevious(content) {
    return { content, trigger: ".o_breadcrumb li.breadcrumb-item.o_back_button a", run: "click" };
}

function status(label) {
    return {
        content: `the status is ${label}`,
        trigger: `.o_form_view .o_statusbar_status button.o_arrow_button_current:contains(${label})`,
    };
}

function headerButton(name, content) {
    return {
        content,
        trigger: `.o_form_view .o_statusbar_buttons button[name=${name}]:enabled`,
        run: "click",
    };
}

function unitButton(name, content) {
    return {
        content,
        trigger: `.o_field_widget[name=unit_ids] .o_data_row button[name=${name}]:enabled`,
        run: "click",
    };
}

function unitCell(field, text) {
    return {
        content: `the unit shows ${text}`,
        trigger: `.o_field_widget[name=unit_ids] .o_data_row td[name=${field}]:contains(${text})`,
    };
}

function confirmWizard(content) {
    return [
        { content, trigger: ".modal .modal-footer button[name=action_confirm]:enabled", run: "click" },
        { content: "the wizard is closed", trigger: "body:not(:has(.modal))" },
    ];
}

// 1. FAE: answer a submitted request (P1.5, P2.1), escalate it (P2.3).
registry.category("web_tour.tours").add("rma_unex_fae_journey", {
    url: "/odoo/support-requests",
    steps: () => [
        openRow("Radio silent on 6 GHz", "open the submitted request"),
        {
            content: "the request waits for a diagnosis",
            trigger: ".o_form_view .o_field_widget[name=tsr_state]:contains(Submitted)",
        },
        { content: "answer the customer", trigger: "button.o-mail-Chatter-sendMessage", run: "click" },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit Please update to firmware 7.1.4 and send us the boot log.",
        },
        { trigger: ".o-mail-Composer-send:enabled", run: "click" },
        { content: "the answer is on the ticket", trigger: ".o-mail-Message-body:contains(firmware 7.1.4)" },
        backTo("Support Requests"),
        {
            content: "the list shows the first response as met",
            trigger:
                ".o_data_row:contains(Radio silent on 6 GHz) .o_field_widget[name=response_status]:contains(Met)",
        },
        openRow("Radio silent on 6 GHz", "open the request again"),
        {
            content: "the first response is recorded",
            trigger: ".o_form_view .o_field_widget[name=first_response_date] span:not(:empty)",
        },
        headerButton("action_escalate", "hardware failure suspected: escalate"),
        {
            content: "confirm the escalation",
            trigger: ".modal:contains(Hardware failure suspected) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "the new RMA case, from the request",
            trigger: ".o_form_view .o_field_widget[name=ticket_id]:contains(Radio silent on 6 GHz)",
        },
        status("Sales Review"),
        unitCell("product_id", "Test Router"),
    ],
});

// 2. Sales: review and authorise an out-of-warranty case (P2.4, P3.1, P4.1),
// quote a paid repair and confirm it with the customer's PO (P4.4), close a
// shipped case.
registry.category("web_tour.tours").add("rma_unex_sales_journey", {
    url: "/odoo/rma-cases",
    steps: () => [
        openRow("TOUR-SALES-REVIEW", "open the case in sales review"),
        status("Sales Review"),
        unitCell("warranty_status", "Expired"),
        {
            content: "the agreement to charges is still missing",
            trigger: ".o_form_view .alert-warning:contains(record the customer's agreement)",
        },
        unitButton("action_verify_warranty", "verify the warranty from the original sale"),
        headerButton("action_open_charge_agreement_wizard", "record the agreement to charges"),
        {
            content: "agreed by the case's contact, proposed by the wizard",
            trigger: ".modal .o_field_widget[name=partner_id] input:value(Customer A)",
        },
        { trigger: ".modal .o_field_widget[name=method] select", run: 'select "phone"' },
        {
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit Call with Alice, purchasing: agrees to the inspection fee",
        },
        ...confirmWizard("record the agreement"),
        {
            content: "the warning is gone",
            trigger: ".o_form_view:not(:has(.alert-warning:contains(record the customer's agreement)))",
        },
        headerButton("action_authorise", "authorise"),
        status("Authorised"),
        {
            content: "the RMA number is issued",
            trigger: ".o_form_view .oe_title .o_field_widget[name=display_name]:contains(RMA)",
        },
        backTo("RMA Cases"),
        openRow("TOUR-SALES-QUOTE", "open the evaluated case with a paid repair"),
        status("Under Evaluation"),
        unitCell("disposition", "Paid repair"),
        headerButton("action_send_quotation", "create the quotation"),
        {
            content: "a quotation with the repair",
            trigger: ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains(RMA repair labour)",
        },
        { content: "other info", trigger: ".o_notebook a.nav-link[name=other_information]", run: "click" },
        {
            content: "the quotation of the case",
            trigger: ".o_form_view .o_field_widget[name=rma_case_id]:contains(RMA)",
        },
        {
            content: "the customer's purchase order number",
            trigger: ".o_field_widget[name=client_order_ref] input",
            run: "edit PO-TOUR-4711",
        },
        { trigger: ".o_form_view .o_form_button_save:enabled", run: "click" },
        { content: "saved", trigger: ".o_form_view .o_form_saved" },
        backToPrevious("back to the case"),
        status("Awaiting Approval"),
        headerButton("action_confirm_quotation", "record the approval with the PO"),
        status("Approved"),
        backTo("RMA Cases"),
        openRow("TOUR-SALES-SHIPPED", "open the shipped case"),
        status("Shipped"),
        headerButton("action_close", "close it"),
        status("Closed"),
    ],
});

// 3. Warehouse (stock user only): find the receipt by the RMA number on the
// box (P3.4), validate it, open the case.
registry.category("web_tour.tours").add("rma_unex_warehouse_journey", {
    url: "/odoo",
    steps: () => [
        ...openApp("rma_unex.rma_unex_menu_root"),
        openMenu("rma_unex.rma_unex_menu_receipts"),
        {
            content: "type the RMA number written on the box",
            trigger: ".o_control_panel input.o_searchview_input",
            run: `edit ${boxNumber()}`,
        },
        { trigger: ".o_control_panel input.o_searchview_input", run: "press Enter" },
        {
            content: "only the receipt of that RMA is listed",
            trigger: `.o_list_view:not(:has(.o_data_row:not(:contains(${boxNumber()})))) .o_data_row`,
        },
        openRow(boxNumber(), "open the receipt"),
        {
            content: "the receipt belongs to the case",
            trigger: `.o_form_view .o_field_widget[name=rma_case_id]:contains(${boxNumber()})`,
        },
        headerButton("button_validate", "validate the receipt"),
        status("Done"),
        {
            content: "open the case from the receipt",
            trigger: ".o_form_view .o_field_widget[name=rma_case_id] a",
            run: "click",
        },
        {
            content: "the case",
            trigger: `.o_form_view .oe_title .o_field_widget[name=display_name]:contains(${boxNumber()})`,
        },
        status("Received"),
    ],
});

// 4. Quality: evaluate (P4.2, P5.1), decide (P4.3), repair and QC (P6.1).
registry.category("web_tour.tours").add("rma_unex_quality_journey", {
    url: "/odoo/rma-cases",
    steps: () => [
        openRow("TOUR-QUALITY", "open the received case"),
        status("Received"),
        headerButton("action_start_evaluation", "start the evaluation"),
        status("Under Evaluation"),
        unitButton("action_open_cid_wizard", "check for customer-induced damage"),
        {
            content: "no CID",
            trigger: ".modal .o_field_widget[name=cid_type] input[data-value=none]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit Housing sealed, liquid indicator white",
        },
        ...confirmWizard("record the CID finding"),
        unitCell("cid_type", "No CID"),
        unitButton("action_open_fa_wizard", "failure analysis"),
        {
            trigger: ".modal .o_field_widget[name=category_id] input",
            run: "edit Component",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Component failure)",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=findings] textarea",
            run: "edit PA of the 6 GHz chain draws no current",
        },
        {
            trigger: ".modal .o_field_widget[name=root_cause] textarea",
            run: "edit Cracked 0402 capacitor C512",
        },
        {
            content: "upload a photo of the board",
            trigger: ".modal .o_field_widget[name=attachment_ids] input.o_input_file:not(:visible)",
            async run() {
                const blob = await (await fetch(`data:image/png;base64,${PHOTO_PNG}`)).blob();
                const transfer = new DataTransfer();
                transfer.items.add(new File([blob], "c512_crack.png", { type: "image/png" }));
                this.anchor.files = transfer.files;
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "the photo is uploaded",
            trigger:
                ".modal .o_field_widget[name=attachment_ids] .o_attachment:not(.o_attachment_uploading):contains(c512_crack.png)",
        },
        ...confirmWizard("record the failure analysis"),
        unitCell("fa_category_id", "Component failure"),
        unitButton("action_open_decision_wizard", "decide"),
        {
            content: "free repair: in warranty, no CID",
            trigger: ".modal .o_field_widget[name=disposition] input[data-value=free_repair]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Manufacturing defect within warranty",
        },
        ...confirmWizard("record the decision"),
        unitCell("disposition", "Free repair"),
        headerButton("action_start_repair", "start the repair"),
        status("In Repair"),
        {
            content: "open the repair order",
            trigger: ".o-form-buttonbox button[name=action_view_repairs]",
            run: "click",
        },
        {
            content: "the repair order of the unit",
            trigger: ".o_form_view .o_field_widget[name=rma_case_id]:contains(RMA)",
        },
        headerButton("action_repair_start", "start the repair"),
        headerButton("action_repair_end", "end the repair"),
        status("Repaired"),
        backToPrevious("back to the case"),
        status("Quality Control"),
        unitButton("action_open_qc_wizard", "burn-in and QC"),
        {
            trigger: ".modal .o_field_widget[name=burn_in_hours] input",
            run: "edit 26",
        },
        {
            trigger: ".modal .o_field_widget[name=checklist] textarea",
            run:
                "edit Power-on self test: ok; RF output vs. specification: ok; " +
                "Throughput test: 2.4 Gbit/s; Thermal after burn-in: 61 C; Cosmetic inspection: ok",
        },
        {
            trigger: ".modal .o_field_widget[name=result] input[data-value=pass]",
            run: "click",
        },
        ...confirmWizard("record the QC"),
        unitCell("qc_result", "Pass"),
        headerButton("action_pass_qc", "pass QC"),
        status("Ready to Ship"),
    ],
});

// 5. Accounting (invoicing only): invoice the NTF fees of a case (P5.3, P6.3).
registry.category("web_tour.tours").add("rma_unex_accounting_journey", {
    url: "/odoo",
    steps: () => [
        ...openApp("rma_unex.rma_unex_menu_root"),
        openMenu("rma_unex.rma_unex_menu_cases"),
        { trigger: ".o_control_panel .o_searchview_dropdown_toggler", run: "click" },
        { trigger: ".o_filter_menu .o_menu_item:contains(To Invoice)", run: "click" },
        {
            content: "the filter is applied",
            trigger: ".o_searchview_facet:contains(To Invoice)",
        },
        openRow("TOUR-ACCOUNTING", "open the case with the NTF fees"),
        status("Shipped"),
        headerButton("action_create_invoices", "create the invoice"),
        status("Draft"),
        {
            content: "the inspection fee is invoiced",
            trigger: ".o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row:contains(RMA-NTF)",
        },
        {
            content: "billed to the customer",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value(Customer A)",
        },
        { content: "other info", trigger: ".o_notebook a.nav-link[name=other_info]", run: "click" },
        {
            content: "the invoice of the case",
            trigger: ".o_form_view .o_field_widget[name=rma_case_id]:contains(RMA)",
        },
    ],
});
