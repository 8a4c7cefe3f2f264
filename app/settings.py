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


def _tracking_links(value: str) -> str | None:
    from app.tracking import parse_link_templates

    try:
        parse_link_templates(value)
    except ValueError:
        return N_("Write each courier as Courier = https://…{code}, separated by “;” ({code} is where "
                  "the tracking number goes).")
    return None


def _email(value: str) -> str | None:
    if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
        return N_("Enter an e-mail address such as name@example.com.")
    return None


def _cents(value: Decimal) -> str | None:
    if value != value.quantize(Decimal("0.01")):
        return N_("At most two decimals, e.g. 1.25.")
    return None


G_COMPANY, G_ORDERS, G_WAREHOUSE, G_MONEY, G_DISPLAY, G_MAIL, G_COMPLAINTS, G_COMMISSIONS = (
    N_("Company"), N_("Orders"), N_("Warehouses"), N_("Money"), N_("Display"), N_("E-mail"),
    N_("Complaints"), N_("Commissions"))

SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("company.name", G_COMPANY, N_("Company name"), str, "ImportDesk", maximum=120),
    Setting("ui.default_language", G_DISPLAY, N_("Default language"), str, "vi",
            choices=tuple(LANGUAGES)),
    Setting("ui.page_size", G_DISPLAY, N_("Rows loaded per page"), int, 100, minimum=20, maximum=1000),
    Setting("orders.deposit_percent", G_ORDERS, N_("Deposit (% of goods value)"), Decimal, Decimal("70"),
            minimum=Decimal(0), maximum=Decimal(100)),
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
    Setting("orders.quote_valid_hours", G_ORDERS, N_("Hours a quote holds its exchange rate (default)"), int,
            24, minimum=1, maximum=720),
    Setting("orders.extension_url", G_ORDERS, N_("Ordering browser-extension link"), str,
            "", maximum=300, required=False, check=_url),   # none until the company has one: never a placeholder
    Setting("warehouse.weight_warning_kg", G_WAREHOUSE,
            N_("Warn when CN and VN weights differ by more than (kg)"), Decimal, Decimal("0.5"), minimum=Decimal(0),
            maximum=Decimal(100)),
    Setting("delivery.tracking_links", G_WAREHOUSE,
            N_("Courier tracking pages (Courier = https://…{code}; …)"), str,
            "GHN = https://donhang.ghn.vn/?order_code={code}; GHTK = https://i.ghtk.vn/{code}; "
            "Viettel Post = https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code={code}",
            maximum=1000, required=False, check=_tracking_links),
    Setting("shipments.seal_tolerance_kg", G_WAREHOUSE,
            N_("A sealed sack may weigh this much more or less on arrival (kg)"), Decimal, Decimal("0.5"),
            minimum=Decimal(0), maximum=Decimal(100)),
    Setting("shipments.seal_tolerance_percent", G_WAREHOUSE,
            N_("… or this share of its sealed weight, whichever is larger (%)"), Decimal, Decimal("1"),
            minimum=Decimal(0), maximum=Decimal(50)),
    Setting("warehouse.lost_parcel_days", G_WAREHOUSE,
            N_("Days before an expected parcel counts as lost"), int, 10, minimum=1, maximum=120),
    Setting("warehouse.volumetric_divisor", G_WAREHOUSE, N_("Volumetric divisor (cm³ per kg)"), int,
            6000, minimum=1000, maximum=10000),
    Setting("money.approval_limit_vnd", G_MONEY,
            N_("Manual transactions above this amount need a second person (VND)"), int, 20_000_000,
            minimum=0),
    Setting("money.bargain_alert_percent", G_MONEY,
            N_("Alert when bargaining profit exceeds (% of goods)"), Decimal, Decimal("15"), minimum=Decimal(0),
            maximum=Decimal(100)),
    Setting("money.cny_borrow", G_MONEY,
            N_("Allow paying from a CNY account with too few yuan (valued at the buying rate until the next purchase of yuan)"),
            bool, False),
    Setting("commission.care_percent", G_COMMISSIONS,
            N_("Customer care: % of the service fee of their completed orders"), Decimal, Decimal("1.00"),
            minimum=Decimal(0), maximum=Decimal(100), check=_cents),
    Setting("commission.ordering_percent", G_COMMISSIONS,
            N_("Ordering staff: % of the service fee of the orders they bought, once completed"), Decimal,
            Decimal("1.50"), minimum=Decimal(0), maximum=Decimal(100), check=_cents),
    Setting("commission.forwarder_cn_vnd_per_kg", G_COMMISSIONS,
            N_("Forwarders in China: VND per kg they received into a warehouse"), int, 300,
            minimum=0, maximum=100_000),
    Setting("commission.forwarder_vn_vnd_per_kg", G_COMMISSIONS,
            N_("Forwarders in Vietnam: VND per kg they received into a warehouse"), int, 300,
            minimum=0, maximum=100_000),
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


# -- tasks, delays and notifications (app.services.tasks, .delays, .outbox) ----------------------

G_TASKS, G_DELAYS = N_("Tasks"), N_("Delays")


def _hours(key: str, label: str, default: int, group: str = G_TASKS, maximum: int = 2160) -> Setting:
    return Setting(key, group, label, int, default, minimum=1, maximum=maximum)


#: task kind -> the setting giving its due time in hours after the task opens (placing a shop
#: order keeps its older setting, the purchase deadline)
TASK_DUE_SETTINGS: dict[str, str] = {
    "handle_order": "tasks.due_hours.handle_order",
    "handle_consignment": "tasks.due_hours.handle_consignment",
    "take_deposit": "tasks.due_hours.take_deposit",
    "place_order": "orders.purchase_deadline_hours",
    "chase_shop": "tasks.due_hours.chase_shop",
    "complaint_ordering": "tasks.due_hours.complaint_ordering",
    "complaint_care": "tasks.due_hours.complaint_care",
    "check_parcel": "tasks.due_hours.check_parcel",
    "receive_warehouse": "tasks.due_hours.receive_warehouse",
    "match_parcel": "tasks.due_hours.match_parcel",
    "lost_parcel": "tasks.due_hours.lost_parcel",
    "return_to_china": "tasks.due_hours.return_to_china",
    "seller_complaint": "tasks.due_hours.seller_complaint",
    "deliver": "tasks.due_hours.deliver",
    "approve": "tasks.due_hours.approve",
    "carrier_dispute": "tasks.due_hours.carrier_dispute",
    "other": "tasks.due_hours.other",
    "carrier_claim": "tasks.due_hours.carrier_claim",
}

#: status -> the setting giving the usual hours an order spends in it, until the company's own
#: history has enough orders to measure it (consignment orders wait for their parcels instead
#: of a purchase while "accepted")
STAGE_HOURS_SETTINGS: dict[str, str] = {
    "awaiting_approval": "delays.hours.awaiting_approval",
    "accepted": "delays.hours.accepted",
    "purchasing": "delays.hours.purchasing",
    "purchased": "delays.hours.purchased",
    "seller_shipped": "delays.hours.seller_shipped",
    "in_cn_warehouse": "delays.hours.in_cn_warehouse",
    "in_transit": "delays.hours.in_transit",
    "awaiting_delivery": "delays.hours.awaiting_delivery",
    "delivering": "delays.hours.delivering",
    "consignment:accepted": "delays.hours.consignment_accepted",
}

for _setting in (
    _hours("tasks.due_hours.handle_order", N_("Hours to confirm a deposited order"), 24),
    _hours("tasks.due_hours.handle_consignment", N_("Hours to confirm a new consignment order"), 24),
    _hours("tasks.due_hours.take_deposit", N_("Hours to collect a deposit"), 24),
    _hours("tasks.due_hours.chase_shop", N_("Hours to get a tracking code from a shop"), 24),
    _hours("tasks.due_hours.complaint_ordering", N_("Hours for ordering staff to act on a complaint"), 24),
    _hours("tasks.due_hours.complaint_care", N_("Hours for customer care to act on a complaint"), 24),
    _hours("tasks.due_hours.check_parcel", N_("Hours to check a parcel"), 24),
    _hours("tasks.due_hours.receive_warehouse", N_("Hours to receive goods into a warehouse"), 12),
    _hours("tasks.due_hours.match_parcel", N_("Hours to match an ownerless parcel"), 48),
    _hours("tasks.due_hours.lost_parcel", N_("Hours to look for a lost parcel"), 72),
    _hours("tasks.due_hours.return_to_china", N_("Hours to pack goods going back to China"), 48),
    _hours("tasks.due_hours.seller_complaint", N_("Hours to act on a seller's closing after-sale window"), 24),
    _hours("tasks.due_hours.deliver", N_("Hours to deliver goods that are ready"), 48),
    _hours("tasks.due_hours.approve", N_("Hours for a manager to approve"), 24),
    _hours("tasks.due_hours.carrier_dispute", N_("Hours to settle a dispute with a freight carrier"), 72),
    _hours("tasks.due_hours.other", N_("Hours for other tasks given without a due time"), 48),
    _hours("tasks.due_hours.carrier_claim", N_("Hours to take up a claim against the carrier"), 48),
    Setting("tasks.escalate_after_hours", G_TASKS,
            N_("Tell managers about an overdue task after (hours past due)"), int, 0, minimum=0,
            maximum=720),
    Setting("delays.history_days", G_DELAYS, N_("Measure usual stage durations over the last (days)"),
            int, 90, minimum=7, maximum=730),
    Setting("delays.min_samples", G_DELAYS,
            N_("Orders needed before a measured duration replaces the default"), int, 5, minimum=1,
            maximum=1000),
    _hours("delays.hours.awaiting_approval", N_("Usual hours awaiting a manager's approval"), 24, G_DELAYS),
    _hours("delays.hours.accepted", N_("Usual hours from acceptance until purchasing starts"), 12, G_DELAYS),
    _hours("delays.hours.purchasing", N_("Usual hours purchasing from the shop"), 12, G_DELAYS),
    _hours("delays.hours.purchased", N_("Usual hours until the seller ships"), 48, G_DELAYS),
    _hours("delays.hours.seller_shipped", N_("Usual hours from the seller to the China warehouse"), 48,
           G_DELAYS),
    _hours("delays.hours.in_cn_warehouse", N_("Usual hours in the China warehouse"), 36, G_DELAYS),
    _hours("delays.hours.in_transit", N_("Usual hours of international transit"), 96, G_DELAYS),
    _hours("delays.hours.awaiting_delivery", N_("Usual hours in the Vietnam warehouse before delivery"),
           24, G_DELAYS),
    _hours("delays.hours.delivering", N_("Usual hours out for delivery"), 24, G_DELAYS),
    _hours("delays.hours.consignment_accepted",
           N_("Usual hours until a consignment's parcels reach the China warehouse"), 72, G_DELAYS),
    Setting("mail.retry_first_minutes", G_MAIL, N_("Minutes before retrying an e-mail that failed"), int,
            1, minimum=1, maximum=1440),
    Setting("mail.retry_max_minutes", G_MAIL, N_("Longest wait between retries (minutes)"), int, 60,
            minimum=1, maximum=1440),
    Setting("mail.send_interval_seconds", G_MAIL, N_("Look for e-mails to send every (seconds)"), int,
            30, minimum=5, maximum=3600),
    Setting("mail.timeout_seconds", G_MAIL, N_("Give up on an unresponsive mail server after (seconds)"),
            int, 20, minimum=3, maximum=300),
    # the mailbox the customers' replies arrive in (app.services.mailbox); its password is a secret
    Setting("mail.imap_host", G_MAIL, N_("IMAP server (customers' replies)"), str, "", maximum=200,
            required=False),
    Setting("mail.imap_port", G_MAIL, N_("IMAP port"), int, 993, minimum=1, maximum=65535),
    Setting("mail.imap_security", G_MAIL, N_("IMAP encryption (ssl, starttls or none)"), str, "ssl",
            choices=("ssl", "starttls", "none")),
    Setting("mail.imap_user", G_MAIL, N_("IMAP user name"), str, "", maximum=200, required=False),
    Setting("mail.imap_folder", G_MAIL, N_("IMAP folder with the customers' replies"), str, "INBOX",
            maximum=200),
    Setting("mail.imap_check_minutes", G_MAIL, N_("Check the mailbox for replies every (minutes)"), int,
            5, minimum=1, maximum=1440),
):
    SETTINGS[_setting.key] = _setting
del _setting


# -- backups (app.services.backup) --------------------------------------------------------------

G_BACKUP = N_("Backups")


def _folder(value: str) -> str | None:
    import os

    if value and not os.path.isabs(os.path.expanduser(value)):
        return N_("Enter a full folder path, e.g. D:\\Backups or /srv/backups.")
    return None


for _setting in (
    Setting("backup.folder", G_BACKUP, N_("Backup folder (empty: a 'backups' folder in the data folder)"),
            str, "", maximum=500, required=False, check=_folder),
    Setting("backup.keep", G_BACKUP, N_("Backups to keep (older ones are deleted)"), int, 14, minimum=1,
            maximum=1000),
    Setting("backup.daily", G_BACKUP, N_("Back up the database automatically every day"), bool, True),
):
    SETTINGS[_setting.key] = _setting
del _setting


# -- remedies and shop review (app.remedy_rule: the rules read every one of these) ------------------

G_REMEDIES, G_SHOP_REVIEW = N_("Remedies"), N_("Shop review")

for _setting in (
    Setting("remedies.late_grace_days", G_REMEDIES, N_("Days late that earn no compensation"), int, 2,
            minimum=0, maximum=365),
    Setting("remedies.late_percent_per_day", G_REMEDIES,
            N_("Compensation per day late past the grace (% of the order value)"), Decimal, Decimal("1"),
            minimum=Decimal(0), maximum=Decimal(100), check=_cents),
    Setting("remedies.late_max_percent", G_REMEDIES, N_("Most compensation for lateness (% of the order value)"),
            Decimal, Decimal("10"), minimum=Decimal(0), maximum=Decimal(100), check=_cents),
    Setting("remedies.priority_after_days", G_REMEDIES,
            N_("Days late from which priority shipping on the next order is suggested (0: never)"), int, 7,
            minimum=0, maximum=365),
    Setting("remedies.goods_refund_percent", G_REMEDIES,
            N_("Refund for wrong, missing or damaged goods (% of the items' value)"), Decimal, Decimal("100"),
            minimum=Decimal(0), maximum=Decimal(100), check=_cents),
    Setting("remedies.repeat_complaints", G_REMEDIES,
            N_("Earlier complaints that make a customer a repeat case (0: never)"), int, 2, minimum=0, maximum=100),
    Setting("remedies.repeat_extra_percent", G_REMEDIES,
            N_("Extra compensation for a repeat case (% of the order value)"), Decimal, Decimal("2"),
            minimum=Decimal(0), maximum=Decimal(100), check=_cents),
    Setting("remedies.history_days", G_REMEDIES, N_("Count the customer's earlier complaints over (days)"), int,
            365, minimum=1, maximum=3650),
    Setting("remedies.round_vnd", G_REMEDIES, N_("Round suggested amounts to (đồng)"), int, 1000, minimum=1,
            maximum=1_000_000),
    Setting("shops.review_min_orders", G_SHOP_REVIEW, N_("Shop orders needed before a shop is judged"), int, 5,
            minimum=1, maximum=10_000),
    Setting("shops.review_on_time_percent", G_SHOP_REVIEW, N_("Review a shop shipping on time less than (%)"),
            Decimal, Decimal("80"), minimum=Decimal(0), maximum=Decimal(100), check=_cents),
    Setting("shops.review_short_percent", G_SHOP_REVIEW, N_("Review a shop short of more than (% of items)"),
            Decimal, Decimal("5"), minimum=Decimal(0), maximum=Decimal(100), check=_cents),
    Setting("shops.review_complaints_per_100", G_SHOP_REVIEW,
            N_("Review a shop with more complaints per 100 shop orders than"), Decimal, Decimal("5"), minimum=Decimal(0),
            maximum=Decimal(100), check=_cents),
    Setting("shops.review_days", G_SHOP_REVIEW, N_("Judge a shop while ordering by its last (days)"), int, 90,
            minimum=7, maximum=730),
):
    SETTINGS[_setting.key] = _setting

# -- freight carriers' bills (app.services.carrier_bills) ---------------------------------------

G_CARRIERS = N_("Carriers' bills")

for _setting in (
    Setting("carriers.weight_tolerance_kg", G_CARRIERS,
            N_("Flag a carrier's billed weight that differs from ours by more than (kg)"), Decimal, Decimal("1"),
            minimum=Decimal(0), maximum=Decimal(1000)),
    Setting("carriers.volume_tolerance_m3", G_CARRIERS,
            N_("Flag a carrier's billed volume that differs from ours by more than (m³)"), Decimal, Decimal("0.05"),
            minimum=Decimal(0), maximum=Decimal(100)),
    Setting("carriers.price_tolerance_percent", G_CARRIERS,
            N_("Flag a carrier's billed amount above or below the route's cost price by more than (%)"), Decimal,
            Decimal("2"), minimum=Decimal(0), maximum=Decimal(100), check=_cents),
):
    SETTINGS[_setting.key] = _setting
del _setting
