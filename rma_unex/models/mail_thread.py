import logging
import re

from odoo import api, models

_logger = logging.getLogger(__name__)

# Subjects auto-responders put first: Outlook ("Automatic reply:", "Out of
# Office:", zh_TW "自動回覆:"), Lotus Notes ("Auto:"), vacation responders.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office(?: auto[- ]?reply)?|automatic reply"
    r"|auto[- ]?reply|auto[- ]?response|auto|自動回覆|自动回复)\s*(?:$|[:：])",
    re.IGNORECASE,
)
# Precedence values of automatic mail (RFC 2076; "list" is a mailing list).
_AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk"}
# Models whose records automatic mail must never create or reach.
_PROTECTED_MODELS = ("helpdesk.ticket",)


class MailThread(models.AbstractModel):
    """Loop protection of the support team's alias: automatic mail creates no
    support request and is not posted on one.

    Odoo's gateway already drops bounces (``_detect_is_bounce``: a
    multipart/report delivery status, MAILER-DAEMON, the bounce alias, before
    any route), replies to its own loop warnings (``_detect_loop_headers``)
    and senders that write too often (``_detect_loop_sender``: 20 records or
    replies in 2 hours). It does not recognise auto-replies, which would open
    a request for every out-of-office notice and answer it with an
    acknowledgement, or post each one on the request it answers: that is
    added here, for routes to support requests only.
    """

    _inherit = "mail.thread"

    @api.model
    def message_route(
        self, message, message_dict, model=None, thread_id=None, custom_values=None
    ):
        routes = super().message_route(
            message,
            message_dict,
            model=model,
            thread_id=thread_id,
            custom_values=custom_values,
        )
        protected = [route for route in routes if route[0] in _PROTECTED_MODELS]
        if protected and self._rma_is_auto_reply(message, message_dict):
            _logger.info(
                "Ignored automatic mail from %s to %s with Message-Id %s: no "
                "support request is made of it",
                message_dict.get("email_from"),
                message_dict.get("to"),
                message_dict.get("message_id"),
            )
            return [route for route in routes if route not in protected]
        return routes

    @api.model
    def _rma_is_auto_reply(self, message, message_dict):
        """Whether an e-mail was sent by a machine answering another one
        (RFC 3834 Auto-Submitted, the headers of common auto-responders, an
        empty return path, an out-of-office subject)."""
        auto_submitted = (message.get("Auto-Submitted") or "").split(";")[0]
        if auto_submitted.strip().lower() not in ("", "no"):
            return True
        for header in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
            if (message.get(header) or "").strip().lower() not in ("", "no"):
                return True
        if (message.get("Precedence") or "").strip().lower() in _AUTO_PRECEDENCE:
            return True
        if (message.get("Return-Path") or "").strip() == "<>":
            return True
        return bool(_AUTO_REPLY_SUBJECT.match(message_dict.get("subject") or ""))
