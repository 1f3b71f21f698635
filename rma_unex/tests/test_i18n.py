import re
import shutil
import subprocess
import unicodedata

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user
from odoo.tools.misc import file_open
from odoo.tools.translate import PoFileReader

from .common import RmaUnexCommon

CUSTOMER_TW = "宏昇網通股份有限公司"
CONTACT_TW = "陳美玲"
PRODUCT_EN = "V2X Roadside Unit"
PRODUCT_TW = "車聯網路側設備"
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|\{\{.*?\}\}|<[^>]+>")


def _po_entries(path):
    with file_open(path, "rb") as po:
        return {(e["src"], e["value"]) for e in PoFileReader(po)}


class TestTraditionalChinese(RmaUnexCommon, HttpCase):
    """A zh_TW customer gets this addon in Traditional Chinese: the portal,
    the emails and the PDFs (issue #8), in their language, not the user's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_TW")
        cls.env["ir.module.module"]._load_module_terms(
            ["rma_unex"], ["zh_TW"], overwrite=True
        )
        Partner = cls.env["res.partner"]
        cls.customer_tw = Partner.create(
            {
                "name": CUSTOMER_TW,
                "is_company": True,
                "lang": "zh_TW",
                "user_id": cls.sales.id,
                "city": "新竹市",
            }
        )
        cls.contact_tw = Partner.create(
            {
                "name": CONTACT_TW,
                "parent_id": cls.customer_tw.id,
                "lang": "zh_TW",
                "email": "meiling@hs.example",
            }
        )
        cls.portal_tw = new_test_user(
            cls.env,
            "t_portal_tw",
            groups="base.group_portal",
            partner_id=cls.contact_tw.id,
            lang="zh_TW",
            name=CONTACT_TW,
        )
        # no internal reference: units are then named after the product
        cls.product_tw = cls.env["product.product"].create(
            {
                "name": PRODUCT_EN,
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 900.0,
            }
        )
        cls.product_tw.with_context(lang="zh_TW").name = PRODUCT_TW
        cls.lot_tw = cls.env["stock.lot"].create(
            {
                "name": "TRSU0001",
                "product_id": cls.product_tw.id,
                "mac_address": "00:01:A7:00:10:01",
            }
        )

    def setUp(self):
        super().setUp()
        # the standard instructions, as in a new database (older ones may
        # still hold the English text of an earlier default)
        self.company.rma_shipping_instructions = False

    def _authorised_case(self):
        case = self.make_case(
            partner=self.customer_tw, lots=self.lot_tw, contact_id=self.contact_tw.id
        )
        self.authorise(case)
        self.send_authorisation_mails()
        self.flush_tracking()
        return case

    def test_po_is_complete_and_keeps_placeholders(self):
        """Every entry of the template is translated; placeholders, QWeb
        markup and inline templates are kept as they are."""
        template = {src for src, _value in _po_entries("rma_unex/i18n/rma_unex.pot")}
        translated = dict(_po_entries("rma_unex/i18n/zh_TW.po"))
        self.assertGreater(len(template), 500)
        missing = sorted(src for src in template if not translated.get(src))
        self.assertFalse(missing, "untranslated in zh_TW.po (run scripts/i18n.sh)")
        for src in template:
            self.assertCountEqual(
                PLACEHOLDER.findall(translated[src]), PLACEHOLDER.findall(src), src
            )

    def test_portal_pages_in_chinese_for_a_zh_tw_user(self):
        case = self._authorised_case()
        self.authenticate(self.portal_tw.login, self.portal_tw.login)
        listing = self.url_open("/my/rmas")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(case.name, listing.text)
        for label in ("RMA 號碼", "您的參考編號", "申請日期", "已核准", PRODUCT_TW):
            self.assertIn(label, listing.text)
        page = self.url_open(f"/my/rmas/{case.id}")
        self.assertEqual(page.status_code, 200)
        for label in (
            "狀態紀錄",
            "進貨運費支付方：",
            "保固",
            "處理決定",
            "退貨授權書與箱貼",
            PRODUCT_TW,
        ):
            self.assertIn(label, page.text)
        # the status history shows the states in the reader's language, not
        # in the language of the sales representative who authorised the case
        timeline = page.text.split('id="rma_timeline"')[1].split("</ul>")[0]
        self.assertIn("已核准", timeline)
        for english in (
            "Status history",
            "Inbound freight paid by",
            "Authorised",
            PRODUCT_EN,
        ):
            self.assertNotIn(english, page.text)
        home = self.url_open("/my/home")
        for label in ("追蹤您的退貨與維修", "回報我方裝置的技術問題"):
            self.assertIn(label, home.text)
        form = self.url_open("/my/support-requests/new")
        self.assertEqual(form.status_code, 200)
        for label in ("新技術支援請求", "產品型號", "重現步驟", "提交請求", PRODUCT_TW):
            self.assertIn(label, form.text)
        for english in ("New support request", "Steps to reproduce", "Submit request"):
            self.assertNotIn(english, form.text)

    def test_emails_in_the_customers_language(self):
        """P3.2: the authorisation email of a zh_TW customer is in Chinese,
        although the sales representative who authorised works in English."""
        self.assertEqual(self.sales.lang, "en_US")
        case = self._authorised_case()
        mail = case.message_ids.filtered(lambda m: m.subject and case.name in m.subject)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.subject, f"RMA {case.name} 已核准：機台寄送方式")
        body = str(mail.body)
        for text in (
            CONTACT_TW,
            "您好",
            "請寄送以下機台",
            "寄送說明",
            PRODUCT_TW,
            "請在箱子外側清楚寫上 RMA 號碼。",
        ):
            self.assertIn(text, body)
        for english in ("Dear", "Write the RMA number"):
            self.assertNotIn(english, body)
        self.assertNotIn(PRODUCT_EN, body)
        # an English customer of the same sales representative still reads English
        english = self.authorise(self.make_case(contact_id=self.contact_a.id))
        self.send_authorisation_mails()
        mail = english.message_ids.filtered(
            lambda m: m.subject and english.name in m.subject
        )
        self.assertIn("how to ship your units", mail.subject)
        self.assertIn("Dear", str(mail.body))
        self.assertIn("Write the RMA number clearly", str(mail.body))

    def test_m14_rejection_notice_in_the_customers_language(self):
        """The sales representative works in English; the notice the customer
        reads on the portal and by email is in Chinese, reason included."""
        case = self.make_case(
            partner=self.customer_tw, lots=self.lot_tw, contact_id=self.contact_tw.id
        )
        reason = self.env.ref("rma_unex.reject_reason_not_our_product")
        self.env["rma.unex.unit.reject.wizard"].with_user(self.sales).create(
            {"unit_ids": [(6, 0, case.unit_ids.ids)], "reject_reason_id": reason.id}
        ).action_confirm()
        notice = str(case.message_ids[0].body)
        for text in ("以下機台無法接受退貨：", "非我方銷售", PRODUCT_TW):
            self.assertIn(text, notice)
        for english in ("cannot be accepted", "Not sold by us", PRODUCT_EN):
            self.assertNotIn(english, notice)

    def test_company_instructions_replace_the_standard_ones(self):
        self.company.with_context(
            lang="en_US"
        ).rma_shipping_instructions = "<p>Use box B</p>"
        self.company.with_context(
            lang="zh_TW"
        ).rma_shipping_instructions = "<p>請用 B 箱</p>"
        body = str(self._authorised_case().message_ids.filtered("subject").body)
        self.assertIn("請用 B 箱", body)
        self.assertNotIn("請在箱子外側清楚寫上 RMA 號碼", body)

    def test_pdf_in_the_customers_language_with_real_glyphs(self):
        """The PDFs of a zh_TW customer hold Chinese text that pdftotext reads
        back: the CJK font is there and the labels and values are translated."""
        pdftotext, pdffonts = shutil.which("pdftotext"), shutil.which("pdffonts")
        self.assertTrue(
            pdftotext and pdffonts,
            "poppler-utils is needed: scripts/test.sh installs it",
        )
        case = self._authorised_case()
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        for xmlid, labels in (
            (
                "rma_unex.action_report_rma_unex_authorisation",
                ("退貨授權", "請貼於箱子外側", "請使用原廠包裝"),
            ),
            ("rma_unex.action_report_rma_unex_proforma", ("形式發票", "無商業價值")),
        ):
            pdf, report_type = Report._render_qweb_pdf(xmlid, case.ids)
            self.assertEqual(report_type, "pdf")
            text = subprocess.run(
                [pdftotext, "-enc", "UTF-8", "-", "-"],
                input=pdf,
                capture_output=True,
                check=True,
            ).stdout.decode()
            # pdftotext maps some glyphs of the CJK font to their Kangxi
            # radical twins (⾞ for 車): NFKC folds them back.
            text = unicodedata.normalize("NFKC", text)
            for expected in (
                CUSTOMER_TW,
                PRODUCT_TW,
                case.name,
                self.lot_tw.name,
                *labels,
            ):
                self.assertIn(expected, text, xmlid)
            fonts = subprocess.run(
                [pdffonts, "-"],
                input=pdf,
                capture_output=True,
                check=True,
            ).stdout.decode()
            # the Traditional Chinese face, not the Japanese one fontconfig prefers
            self.assertRegex(
                fonts, r"NotoSansCJKtc-\w+ .* yes ", "the CJK font is embedded"
            )
            self.assertNotIn("CJKjp", fonts)

    def test_refusals_in_the_users_language(self):
        """X3 refusals reach a zh_TW user in Chinese, states and actions included."""
        case = self._authorised_case()
        with self.assertRaises(UserError) as refused:
            case.with_user(self.sales).with_context(lang="zh_TW").action_authorise()
        self.assertEqual(
            str(refused.exception),
            f"{case.display_name} 目前為 已核准：「核准」僅能在 業務審查 時執行。",
        )
