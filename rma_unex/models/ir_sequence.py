from odoo import models


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    def _rma_next_batch(self, count):
        """``count`` next numbers in one query where the sequence allows it.

        Batch actions on many RMA units (repair orders for 20 units) would
        otherwise ask PostgreSQL for one number at a time.
        """
        self.ensure_one()
        if count <= 0:
            return []
        if self.use_date_range:
            return [self.next_by_id() for _i in range(count)]
        if self.implementation == "no_gap":
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
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [f"ir_sequence_{self.id:03d}", count],
        )
        return [self.get_next_char(number) for (number,) in self.env.cr.fetchall()]
