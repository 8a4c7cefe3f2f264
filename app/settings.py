"""Company settings (cấu hình hệ thống), each declared once: type, default, range, label.

Values are stored as text in the ``settings`` table and always read back through their
declaration, so a bad value can never reach a rule. The settings dialog is generated from
``SETTINGS``; changes go through ``app.services.settings.update_settings`` (audited).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from app.i18n import LANGUAGES, N_, _


@dataclass(frozen=True)
class Setting:
    key: str
    group: str          # N_ msgid
    label: str          # N_ msgid
    kind: type          # int, Decimal, str, bool
    default: Any
    minimum: Any = None
    maximum: Any = None
    choices: tuple[str, ...] | None = None
    help: str = ""
    required: bool = True
    check: Callable[[Any], str | None] | None = None

    def parse(self, raw: str | Any) -> Any:
        """Turn user or stored text into a typed value, or raise ValueError with a message."""
        text = raw.strip() if isinstance(raw, str) else raw
        if self.kind is bool:
            if isinstance(text, bool):
                return text
            if str(text).lower() in ("1", "true", "yes", "on"):
                return True
            if str(text).lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(_("Choose yes or no."))
        if text in ("", None):
            if self.required:
                raise ValueError(_("This value is required."))
            return self.kind() if self.kind is str else None
        if self.kind is int:
            try:
                value: Any = int(str(text))
            except ValueError:
                raise ValueError(_("Enter a whole number.")) from None
        elif self.kind is Decimal:
            try:
                value = text if isinstance(text, Decimal) else Decimal(str(text).replace(",", "."))
            except InvalidOperation:
                raise ValueError(_("Enter a number.")) from None
            if not value.is_finite():
                raise ValueError(_("Enter a number."))
        else:
            value = str(text)
        if self.choices is not None and value not in self.choices:
            raise ValueError(_("Choose one of: {choices}.").format(choices=", ".join(self.choices)))
        if self.minimum is not None and value < self.minimum:
            raise ValueError(_("The smallest allowed value is {minimum}.").format(minimum=self.minimum))
        if self.maximum is not None and (len(value) if isinstance(value, str) else value) > self.maximum:
            if isinstance(value, str):
                raise ValueError(_("At most {maximum} characters.").format(maximum=self.maximum))
            raise ValueError(_("The largest allowed value is {maximum}.").format(maximum=self.maximum))
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ValueError(_(problem))
        return value

    def to_text(self, value: Any) -> str:
        if self.kind is bool:
            return "true" if value else "false"
        return "" if value is None else str(value)


def _url(value: str) -> str | None:
    if value and not value.startswith(("http://", "https://")):
        return N_("Enter a web address starting with http:// or https://.")
    return None


def _email(value: str) -> str | None:
    if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
        return N_("Enter an e-mail address such as name@example.com.")
    return None


D = Decimal
G_COMPANY, G_ORDERS, G_WAREHOUSE, G_MONEY, G_DISPLAY, G_MAIL, G_COMPLAINTS = (
    N_("Company"), N_("Orders"), N_("Warehouses"), N_("Money"), N_("Display"), N_("E-mail"),
    N_("Complaints"))

SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("company.name", G_COMPANY, N_("Company name"), str, "ImportDesk", maximum=120),
    Setting("ui.default_language", G_DISPLAY, N_("Default language"), str, "vi",
            choices=tuple(LANGUAGES)),
    Setting("ui.page_size", G_DISPLAY, N_("Rows loaded per page"), int, 100, minimum=20, maximum=1000),
    Setting("orders.deposit_percent", G_ORDERS, N_("Deposit (% of goods value)"), D, D("70"),
            minimum=D(0), maximum=D(100)),
    Setting("orders.cart_days", G_ORDERS, N_("Days a cart (draft order) lives"), int, 30,
            minimum=1, maximum=365),
    Setting("orders.purchase_deadline_hours", G_ORDERS, N_("Hours to place a purchase after acceptance"),
            int, 24, minimum=1, maximum=720),
    Setting("orders.tracking_code_days", G_ORDERS,
            N_("Days a shop order may go without a tracking code"), int, 3, minimum=1, maximum=60),
    Setting("orders.ship_days", G_ORDERS, N_("Days to ship from China, committed at acceptance"), int,
            7, minimum=1, maximum=120),
    Setting("orders.delivery_days", G_ORDERS, N_("Days to deliver, committed at acceptance"), int,
            15, minimum=1, maximum=180),
    Setting("orders.feedback_days", G_ORDERS, N_("Feedback window after delivery (days)"), int, 14,
            minimum=1, maximum=90),
    Setting("orders.extension_url", G_ORDERS, N_("Ordering browser-extension link"), str,
            "https://example.com/importdesk-extension", maximum=300, required=False, check=_url),
    Setting("warehouse.weight_warning_kg", G_WAREHOUSE,
            N_("Warn when CN and VN weights differ by more than (kg)"), D, D("0.5"), minimum=D(0),
            maximum=D(100)),
    Setting("warehouse.lost_parcel_days", G_WAREHOUSE,
            N_("Days before an expected parcel counts as lost"), int, 10, minimum=1, maximum=120),
    Setting("warehouse.volumetric_divisor", G_WAREHOUSE, N_("Volumetric divisor (cm³ per kg)"), int,
            6000, minimum=1000, maximum=10000),
    Setting("money.approval_limit_vnd", G_MONEY,
            N_("Manual transactions above this amount need a second person (VND)"), int, 20_000_000,
            minimum=0),
    Setting("money.bargain_alert_percent", G_MONEY,
            N_("Alert when bargaining profit exceeds (% of goods)"), D, D("15"), minimum=D(0),
            maximum=D(100)),
    Setting("complaints.care_hours", G_COMPLAINTS,
            N_("Hours for customer care to take up a new complaint"), int, 24, minimum=1, maximum=720),
    Setting("complaints.discount_valid_days", G_COMPLAINTS,
            N_("Days a complaint's discount code stays valid"), int, 180, minimum=1, maximum=730),
    Setting("complaints.deadline_warning_hours", G_COMPLAINTS,
            N_("Warn this many hours before a seller's after-sale window closes"), int, 72,
            minimum=1, maximum=720),
    # The platforms' after-sale windows: receipt is confirmed automatically some days after the
    # seller ships (确认收货), and after-sale (售后) closes some days after that.
    Setting("complaints.taobao_confirm_days", G_COMPLAINTS,
            N_("Taobao: days from shipping to automatic receipt"), int, 10, minimum=1, maximum=60),
    Setting("complaints.taobao_after_sale_days", G_COMPLAINTS,
            N_("Taobao: after-sale days after receipt"), int, 15, minimum=1, maximum=90),
    Setting("complaints.tmall_confirm_days", G_COMPLAINTS,
            N_("Tmall: days from shipping to automatic receipt"), int, 10, minimum=1, maximum=60),
    Setting("complaints.tmall_after_sale_days", G_COMPLAINTS,
            N_("Tmall: after-sale days after receipt"), int, 15, minimum=1, maximum=90),
    Setting("complaints.1688_confirm_days", G_COMPLAINTS,
            N_("1688: days from shipping to automatic receipt"), int, 10, minimum=1, maximum=60),
    Setting("complaints.1688_after_sale_days", G_COMPLAINTS,
            N_("1688: after-sale days after receipt"), int, 15, minimum=1, maximum=90),
    Setting("complaints.other_confirm_days", G_COMPLAINTS,
            N_("Other platforms: days from shipping to automatic receipt"), int, 10, minimum=1, maximum=60),
    Setting("complaints.other_after_sale_days", G_COMPLAINTS,
            N_("Other platforms: after-sale days after receipt"), int, 15, minimum=1, maximum=90),
    Setting("mail.smtp_host", G_MAIL, N_("SMTP server"), str, "", maximum=200, required=False),
    Setting("mail.smtp_port", G_MAIL, N_("SMTP port"), int, 587, minimum=1, maximum=65535),
    Setting("mail.smtp_user", G_MAIL, N_("SMTP user name"), str, "", maximum=200, required=False),
    Setting("mail.smtp_starttls", G_MAIL, N_("Use STARTTLS"), bool, True),
    Setting("mail.sender", G_MAIL, N_("Sender address"), str, "", maximum=200, required=False,
            check=_email),
)}


def default_values() -> dict[str, Any]:
    return {k: s.default for k, s in SETTINGS.items()}
