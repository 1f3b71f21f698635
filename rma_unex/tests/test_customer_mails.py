"""The e-mails the customer's contact gets (P1.5, P3.2, P4.4): to them, and
with the documents they need. tests/test_mail_out.py sends the same mails
through a real SMTP server."""

from .common import WorkshopCommon


class TestCustomerMails(WorkshopCommon):
    def _mails(self, message):
        return (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )

    def test_p1_5_portal_acknowledgement_reaches_the_contact_who_submitted(self):
        """The contact submits on the portal, so the acknowledgement is posted
        as them: it still goes to them by e-mail, from the company."""
        values = {
            "name": "Radio dead",
            "steps_to_reproduce": "Enable 6 GHz; nothing",
            "disclaimer": "on",
            "device_0_product": str(self.product.id),
            "device_0_serial": self.lot.name,
            "device_0_firmware_version": "7.1.3",
        }
        # as the portal controller calls it
        ticket = (
            self.env["helpdesk.ticket"]
            .with_user(self.portal_a)
            .sudo()
            ._portal_submit_tsr(self.contact_a, values, [])
        )
        ack = ticket.message_ids.filtered(
            lambda m: "we received your support request" in (m.subject or "")
        )
        self.assertEqual(len(ack), 1)
        self.assertIn(self.contact_a, ack.notified_partner_ids)
        self.assertEqual(ack.author_id, self.company.partner_id)
        self.assertIn(self.contact_a, self._mails(ack).recipient_ids)

    def test_p3_2_authorisation_mail_carries_the_authorisation_and_box_label(self):
        case = self.authorise(self.make_case(contact_id=self.contact_a.id))
        self.send_authorisation_mails()
        mail = case.message_ids.filtered(lambda m: case.name in (m.subject or ""))
        self.assertEqual(len(mail), 1)
        self.assertIn(self.contact_a, mail.notified_partner_ids)
        attachment = mail.attachment_ids
        self.assertEqual(len(attachment), 1)
        # tests render reports as HTML (.html): the label page is in it
        self.assertTrue(attachment.name.startswith(f"RMA Authorisation - {case.name}."))
        self.assertIn(b"rma_box_label", attachment.raw)
        self.assertIn(case.name.encode(), attachment.raw)

    def test_p4_4_quotation_mailed_to_the_contact_with_its_pdf(self):
        case = self.receive_and_evaluate(self.make_case(contact_id=self.contact_a.id))
        self.analyse(case.unit_ids)
        self.decide(case.unit_ids, "paid_repair")
        case.with_user(self.sales).action_send_quotation()
        order = case.sale_order_ids
        self.assertEqual(order.state, "sent")
        mail = order.message_ids.filtered(lambda m: order.name in (m.subject or ""))
        self.assertEqual(len(mail), 1)
        # to the contact of the case, not the company's general address
        self.assertEqual(mail.partner_ids, self.contact_a)
        self.assertEqual(self._mails(mail).recipient_ids, self.contact_a)
        self.assertIn(case.name, mail.body, "the quotation's origin")
        attachment = mail.attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertTrue(attachment.name.startswith(f"Quotation - {order.name}."))
        # the company's general address does not follow it, so gets no copy
        self.assertNotIn(self.customer_a, order.message_partner_ids)
        self.assertIn(self.contact_a, order.message_partner_ids)
