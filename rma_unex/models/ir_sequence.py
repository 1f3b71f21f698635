from odoo import _, api, fields, models

# The RMA numbers of a company (P3.1): RMA26-00001, RMA26-00002, … and again
# RMA27-00001 in the next year. A standard (PostgreSQL) sequence per company
# and year: no row lock, so concurrent authorisations never wait on each
# other; a number is lost only when its authorisation is rolled back.
RMA_CASE_SEQUENCE_CODE = "rma.unex.case"


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    @api.model
    def _rma_case_sequence(self, company):
        """The RMA number sequence of ``company`` (one is made if missing)."""
        sequence = self.search(
            [("code", "=", RMA_CASE_SEQUENCE_CODE), ("company_id", "=", company.id)],
            limit=1,
        )
        return sequence or self._rma_create_case_sequences(company)

    @api.model
    def _rma_create_case_sequences(self, companies, start=1):
        """One yearly RMA number sequence for each of ``companies`` that has
        none; this year's numbers start at ``start`` (an upgrade continues
        where the earlier, shared sequence stood)."""
        existing = self.search(
            [("code", "=", RMA_CASE_SEQUENCE_CODE), ("company_id", "in", companies.ids)]
        ).company_id
        sequences = self.create(
            [
                {
                    "name": _("RMA Number (%s)", company.name),
                    "code": RMA_CASE_SEQUENCE_CODE,
                    "prefix": "RMA%(range_y)s-",
                    "padding": 5,
                    "implementation": "standard",
                    "use_date_range": True,
                    "company_id": company.id,
                }
                for company in companies - existing
            ]
        )
        for sequence in sequences:
            today = sequence.company_id._rma_local_date(fields.Datetime.now())
            date_range = sequence._create_date_range_seq(today)
            if start > 1:
                date_range._alter_sequence(number_next=start)
        return sequences

    def _rma_date_range(self, day):
        """The date range of ``day``, made once even when several
        authorisations start the year at the same moment."""
        self.ensure_one()
        DateRange = self.env["ir.sequence.date_range"]
        domain = [
            ("sequence_id", "=", self.id),
            ("date_from", "<=", day),
            ("date_to", ">=", day),
        ]
        date_range = DateRange.search(domain, limit=1)
        if date_range:
            return date_range
        # The first number of a year: writing the sequence's row makes a
        # concurrent first number wait, then retry and find this range.
        self.env.cr.execute(
            "UPDATE ir_sequence SET write_date = now() at time zone 'UTC'"
            " WHERE id = %s",
            [self.id],
        )
        return DateRange.search(domain, limit=1) or self._create_date_range_seq(day)

    def _rma_next_batch(self, count, day=None):
        """``count`` next numbers in one query where the sequence allows it.

        Batch actions on many records (the authorisation of 100 cases, repair
        orders for 20 units) would otherwise ask PostgreSQL for one number at
        a time. ``day`` picks the date range of a yearly sequence (today).
        """
        self.ensure_one()
        if count <= 0:
            return []
        if self.implementation == "no_gap" and not self.use_date_range:
            return self._rma_next_no_gap(count)
        sequence, name = self, f"ir_sequence_{self.id:03d}"
        if self.use_date_range:
            date_range = self._rma_date_range(day or fields.Date.context_today(self))
            if self.implementation != "standard":
                return [date_range._next() for _i in range(count)]
            sequence = self.with_context(ir_sequence_date_range=date_range.date_from)
            name = f"ir_sequence_{self.id:03d}_{date_range.id:03d}"
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)", [name, count]
        )
        numbers = [number for (number,) in self.env.cr.fetchall()]
        return [sequence.get_next_char(number) for number in numbers]

    def _rma_next_no_gap(self, count):
        # Lock the row as ir.sequence does for one number, then take them all.
        self.env.cr.execute(
            "SELECT number_next FROM ir_sequence WHERE id = %s FOR UPDATE NOWAIT",
            [self.id],
        )
        first = self.env.cr.fetchone()[0]
        step = self.number_increment
        self.env.cr.execute(
            "UPDATE ir_sequence SET number_next = number_next + %s WHERE id = %s",
            [step * count, self.id],
        )
        self.invalidate_recordset(["number_next"])
        return [self.get_next_char(first + step * i) for i in range(count)]
