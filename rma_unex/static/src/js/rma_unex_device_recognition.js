/** The support request form knows the device (P1.2, P4.1, M12): a serial or
 * MAC typed in a device row is looked up among the devices delivered to the
 * customer's company. Recognised: the row's product is chosen and its warranty
 * shown under the row; the public bulletins of the product (and firmware)
 * appear beside the form. Not recognised: the server's one "not found"
 * message, and nothing else changes. The texts come from the server or the
 * page (translated there). */
import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";

publicWidget.registry.RmaUnexDeviceRecognition = publicWidget.Widget.extend({
    selector: "#rma_unex_tsr_form[data-recognition-url]",
    events: {
        "change .rma_unex_device_identity": "_onIdentityChange",
        "change .rma_unex_device_firmware": "_onFirmwareChange",
    },

    start() {
        // rows removed (rma_unex_device_rows.js) take their bulletins along
        const devices = this.el.querySelector("#rma_unex_devices");
        if (devices) {
            this._observer = new MutationObserver(() => this._renderBulletins());
            this._observer.observe(devices, { childList: true });
        }
        return this._super(...arguments);
    },

    destroy() {
        this._observer?.disconnect();
        this._super(...arguments);
    },

    _row(target) {
        return target.closest(".rma_unex_device_row");
    },

    _onIdentityChange(ev) {
        return this._recognise(this._row(ev.currentTarget), ev.currentTarget.value.trim());
    },

    /** A new firmware narrows the bulletins of a recognised device. */
    _onFirmwareChange(ev) {
        const row = this._row(ev.currentTarget);
        if (row.dataset.recognised) {
            return this._recognise(row, row.dataset.recognised);
        }
    },

    async _recognise(row, identity) {
        const status = row.querySelector(".rma_unex_device_recognition");
        // only the answer to the latest question of a row counts
        const asked = (row.rmaUnexAsked = (row.rmaUnexAsked || 0) + 1);
        if (!identity) {
            this._show(row, status, null);
            return;
        }
        const firmware = row.querySelector(".rma_unex_device_firmware")?.value.trim() || "";
        let answer;
        try {
            answer = await rpc(this.el.dataset.recognitionUrl, { identity, firmware });
        } catch {
            // the customer can always choose the product: no answer, no change
            return;
        }
        if (asked === row.rmaUnexAsked && row.isConnected) {
            this._show(row, status, answer, identity);
        }
    },

    _show(row, status, answer, identity) {
        status.textContent = answer ? answer.message : "";
        const covered = ["in_warranty", "doa"].includes(answer?.warranty?.status);
        status.classList.toggle("text-success", covered);
        status.classList.toggle("text-danger", Boolean(answer && !answer.found));
        if (answer?.found) {
            row.dataset.recognised = identity;
            row.rmaUnexBulletins = answer.bulletins;
            this._selectProduct(row, answer.product.id);
        } else {
            delete row.dataset.recognised;
            row.rmaUnexBulletins = [];
        }
        this._renderBulletins();
    },

    _selectProduct(row, productId) {
        const select = row.querySelector("select[name$='_product']");
        const value = String(productId);
        if (select && [...select.options].some((option) => option.value === value)) {
            select.value = value;
            select.dispatchEvent(new Event("change", { bubbles: true }));
        }
    },

    /** The bulletins of every recognised row, each once. */
    _renderBulletins() {
        const panel = this.el.querySelector("#rma_unex_device_bulletins");
        if (!panel) {
            return;
        }
        const list = panel.querySelector(".rma_unex_device_bulletin_list");
        const seen = new Set();
        list.replaceChildren();
        for (const row of this.el.querySelectorAll(".rma_unex_device_row")) {
            for (const bulletin of row.rmaUnexBulletins || []) {
                if (!seen.has(bulletin.id)) {
                    seen.add(bulletin.id);
                    list.append(this._bulletinItem(bulletin));
                }
            }
        }
        panel.firstElementChild.classList.toggle("d-none", seen.size === 0);
    },

    _bulletinItem(bulletin) {
        const item = document.createElement("li");
        item.dataset.bulletinId = bulletin.id;
        const title = document.createElement("strong");
        title.textContent = bulletin.name;
        item.append(title);
        if (bulletin.firmware) {
            item.append(` (${bulletin.firmware})`);
        }
        if (bulletin.workaround) {
            const workaround = document.createElement("div");
            workaround.textContent = bulletin.workaround;
            item.append(workaround);
        }
        return item;
    },
});
