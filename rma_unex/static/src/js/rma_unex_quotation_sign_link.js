/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * The RMA case page's "Review and sign" button leads to the quotation with
 * the anchor #modalaccept: open the signature dialog at once, as the
 * quotation's own "Accept & Sign" button does.
 */
publicWidget.registry.RmaUnexQuotationSignLink = publicWidget.Widget.extend({
    selector: ".o_portal_sale_sidebar",

    start() {
        const def = this._super(...arguments);
        if (window.location.hash === "#modalaccept") {
            const button = this.el.querySelector("a[data-bs-target='#modalaccept']");
            if (button) {
                button.click();
            }
        }
        return def;
    },
});
