from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

CLOSED_STATES = ("closed", "cancelled")
# Units listed per page of an RMA's page: a distributor's case may hold 500.
UNITS_PER_PAGE = 50


class RmaUnexPortal(CustomerPortal):
    """The customer's RMAs on the portal (X2: their commercial partner's only)."""

    def _rma_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "=", partner.id)]

    def _prepare_home_portal_values(self, counters):
        """The home's counters: all and open RMAs (one grouped count), the
        RMAs waiting for the customer and the support requests they must
        complete; a fixed number of queries, whatever the number of cases."""
        values = super()._prepare_home_portal_values(counters)
        Case = request.env["rma.unex.case"]
        can_read = Case.has_access("read")
        if {"rma_count", "rma_open_count"} & set(counters):
            by_state = (
                dict(Case._read_group(self._rma_domain(), ["state"], ["__count"]))
                if can_read
                else {}
            )
            values["rma_count"] = sum(by_state.values())
            values["rma_open_count"] = sum(
                count for state, count in by_state.items() if state not in CLOSED_STATES
            )
        if "rma_waiting_count" in counters:
            # sudo: counted over the customer's own cases (the partner domain)
            # through their quotations and units, which their RMA pages show.
            values["rma_waiting_count"] = (
                Case.sudo().search_count(
                    self._rma_domain() + Case._portal_waiting_domain()
                )
                if can_read
                else 0
            )
        if "support_incomplete_count" in counters:
            Ticket = request.env["helpdesk.ticket"]
            values["support_incomplete_count"] = (
                Ticket.search_count(
                    [
                        (
                            "commercial_partner_id",
                            "=",
                            request.env.user.partner_id.commercial_partner_id.id,
                        ),
                        ("tsr_state", "=", "submitted"),
                        ("tsr_incomplete", "=", True),
                    ]
                )
                if Ticket.has_access("read")
                else 0
            )
        return values

    def _rma_searchbar(self):
        sortings = {
            "date": {"label": _("Newest"), "order": "date_applied desc, id desc"},
            "name": {"label": _("RMA Number"), "order": "name desc, id desc"},
            "state": {"label": _("Status"), "order": "state, id desc"},
        }
        filters = {
            "all": {"label": _("All"), "domain": []},
            "open": {
                "label": _("Open"),
                "domain": [("state", "not in", CLOSED_STATES)],
            },
            "closed": {
                "label": _("Closed"),
                "domain": [("state", "in", CLOSED_STATES)],
            },
        }
        return sortings, filters

    @http.route(
        ["/my/rmas", "/my/rmas/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_rmas(self, page=1, sortby="date", filterby="all", search=None, **kw):
        Case = request.env["rma.unex.case"]
        sortings, filters = self._rma_searchbar()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        domain = self._rma_domain() + filters[filterby]["domain"]
        if search:
            # their own RMA or PO number, or ours (M9)
            domain += [
                "|",
                ("customer_ref", "ilike", search),
                ("name", "ilike", search),
            ]
        pager = portal_pager(
            url="/my/rmas",
            url_args={"sortby": sortby, "filterby": filterby, "search": search or ""},
            total=Case.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        cases = Case.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_rmas_history"] = cases.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # sudo: after the search, where the record rules chose the
                # cases; the customer reads their products and units.
                "cases": cases.sudo(),
                "page_name": "rma",
                "pager": pager,
                "default_url": "/my/rmas",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
                "searchbar_inputs": {
                    "all": {"input": "all", "label": _("RMA or your reference")}
                },
                "search_in": "all",
                "search": search or "",
            }
        )
        return request.render("rma_unex.portal_my_rmas", values)

    def _rma_refuse(self, case_id):
        """A visitor may simply not be logged in yet: send them to the login,
        back to this RMA afterwards. A logged-in user without access gets a
        404, which says nothing about whether the RMA exists (X2)."""
        if request.env.user._is_public():
            return request.redirect(f"/web/login?redirect=/my/rmas/{case_id}")
        return request.not_found()

    @http.route(
        ["/my/rmas/<int:case_id>", "/my/rmas/<int:case_id>/page/<int:page>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_rma(self, case_id, access_token=None, page=1, **kw):
        try:
            case_sudo = self._document_check_access(
                "rma.unex.case", case_id, access_token
            )
        except (AccessError, MissingError):
            return self._rma_refuse(case_id)
        units, unit_pager = self._rma_unit_page(case_sudo, access_token, page)
        orders = case_sudo.sale_order_ids.filtered(
            lambda o: o.state in ("draft", "sent", "sale")
        )
        values = self._get_page_view_values(
            case_sudo,
            access_token,
            {
                "case": case_sudo,
                "page_name": "rma",
                "steps": case_sudo._portal_steps(),
                "next_action": case_sudo._portal_next_action(),
                "timeline": case_sudo._portal_timeline(),
                "units": units,
                "unit_status": case_sudo._portal_unit_status(units),
                "unit_pager": unit_pager,
                # one query, not a read of every unit of a case of hundreds
                "has_failure_analysis": bool(
                    units.search_count(
                        [("case_id", "=", case_sudo.id), ("fa_date", "!=", False)],
                        limit=1,
                    )
                ),
                "orders": orders,
                "order_status": {
                    order.id: case_sudo._portal_order_status(order) for order in orders
                },
                "invoices": case_sudo.sale_order_ids.invoice_ids.filtered(
                    lambda m: m.state == "posted"
                ),
                "token_query": f"&access_token={access_token}" if access_token else "",
            },
            "my_rmas_history",
            False,
        )
        return request.render("rma_unex.portal_my_rma", values)

    def _rma_unit_page(self, case_sudo, access_token, page):
        """The units of one page of the case, read for that page only."""
        Unit = case_sudo.env["rma.unex.unit"]
        domain = [("case_id", "=", case_sudo.id)]
        pager = portal_pager(
            url=f"/my/rmas/{case_sudo.id}",
            url_args={"access_token": access_token} if access_token else None,
            total=Unit.search_count(domain),
            page=page,
            step=UNITS_PER_PAGE,
        )
        units = Unit.search(domain, limit=UNITS_PER_PAGE, offset=pager["offset"])
        return units, pager

    _RMA_REPORTS = {
        "authorisation": "rma_unex.action_report_rma_unex_authorisation",
        "failure-analysis": "rma_unex.action_report_rma_unex_failure_analysis",
        "repair-summary": "rma_unex.action_report_rma_unex_repair_summary",
        "pro-forma": "rma_unex.action_report_rma_unex_proforma",
    }

    @http.route(
        ["/my/rmas/<int:case_id>/report/<string:kind>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_rma_report(
        self, case_id, kind, access_token=None, report_type="pdf", **kw
    ):
        """The RMA's documents, for its owner only (X2)."""
        if kind not in self._RMA_REPORTS or report_type not in ("pdf", "html"):
            return request.not_found()
        try:
            case_sudo = self._document_check_access(
                "rma.unex.case", case_id, access_token
            )
        except (AccessError, MissingError):
            return self._rma_refuse(case_id)
        return self._show_report(
            model=case_sudo,
            report_type=report_type,
            report_ref=self._RMA_REPORTS[kind],
            download=kw.get("download") == "true",
        )

    # Status without login (M9) ------------------------------------------

    @http.route(
        ["/rma/status"],
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
    )
    def rma_status_lookup(self, rma_number=None, identity=None, **kw):
        values = {"rma_number": rma_number or "", "identity": identity or ""}
        if request.httprequest.method == "POST":
            # sudo: anyone may ask; the service returns state and dates only.
            status, error = (
                request.env["rma.unex.status.lookup"]
                .sudo()
                ._lookup(request.httprequest.remote_addr, rma_number, identity)
            )
            values.update(status=status, error=error)
        return request.render("rma_unex.rma_status_lookup", values)
