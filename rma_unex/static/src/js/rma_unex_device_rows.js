/** The support request form's device rows: add one, remove one, numbered. */
import publicWidget from "@web/legacy/js/public/public_widget";

publicWidget.registry.RmaUnexDeviceRows = publicWidget.Widget.extend({
    selector: "#rma_unex_devices",
    events: {
        "click .rma_unex_add_device": "_onAdd",
        "click .rma_unex_remove_device": "_onRemove",
    },

    start() {
        this._renumber();
        return this._super(...arguments);
    },

    _rows() {
        return [...this.el.querySelectorAll(".rma_unex_device_row")];
    },

    _onAdd() {
        const rows = this._rows();
        const max = parseInt(this.el.querySelector(".rma_unex_add_device").dataset.max, 10);
        if (rows.length >= max) {
            return;
        }
        const used = rows.map((row) => parseInt(row.dataset.index, 10)).filter(Number.isInteger);
        const next = Math.max(-1, ...used) + 1;
        const template = this.el.querySelector("template.rma_unex_device_row_template");
        const html = template.innerHTML.replaceAll("__N__", String(next));
        const holder = document.createElement("div");
        holder.innerHTML = html.trim();
        const row = holder.firstElementChild;
        (rows.at(-1) || template).after(row);
        this._renumber();
        row.querySelector("select, input").focus();
    },

    _onRemove(ev) {
        if (this._rows().length > 1) {
            ev.currentTarget.closest(".rma_unex_device_row").remove();
            this._renumber();
        }
    },

    /** Titles say "Device 1, 2, …"; the last row cannot be removed. */
    _renumber() {
        const rows = this._rows();
        rows.forEach((row, index) => {
            row.querySelector(".rma_unex_device_number").textContent = String(index + 1);
            row.querySelector(".rma_unex_remove_device").classList.toggle("d-none", rows.length === 1);
        });
        const add = this.el.querySelector(".rma_unex_add_device");
        add.disabled = rows.length >= parseInt(add.dataset.max, 10);
    },
});
