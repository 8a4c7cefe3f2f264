"""Queues of money and purchasing: payments awaiting a second approval, the VN and China money
books, wallets, customer debts, bills to approve, bargaining alerts, and the ordering staff's
orders to buy with their purchase deadline (overdue in red).

Each filter/sort pair reads a composite index (app.models.money, app.models.orders):
payments (status, created_at, id) · journal_lines (book, id) and (account_id, id) ·
order_money (due_since, order_id) · bills (status, created_at, id) ·
shop_orders (bargain_alert, paid_at, id) · orders (ordering_staff_id, status, created_at, id).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Select, and_, case, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from app.i18n import N_, render_stored
from app.models import (Bill, Customer, JournalEntry, JournalLine, LedgerAccount, Order, OrderMoney,
                        Payment, Shop, ShopOrder, Task, User, Wallet)
from app.models.types import MoneyType
from app.money import CNY, VND
from app.permissions import Actor, Perm, Role
from app.queries.paging import Column, Context, Filter, Queue, Search
from app.entities import ENTITY_LABELS
from app.queries.queues.registry import CUSTOMER_SEARCH, QUEUES
from app.services.ledger import ENTRY_KIND_LABELS, account_label
from app.workflows.money import (BILL_KIND_LABELS, BILL_LABELS, PAYMENT_KIND_LABELS, PAYMENT_LABELS,
                                 BillStatus, PaymentStatus)
from app.workflows.orders import ORDER_KIND_LABELS, STATUS_LABELS, OrderKind, OrderStatus
from app.workflows.tasks import TaskKind, TaskStatus

#: orders are found as the orders queues find them: by code, or through their customer
ORDER_SEARCH = QUEUES["orders.all"].search

# The records this capability writes to the activity log, named for its "Record type" filter.
for _entity, _label in (("journal_entry", N_("Journal entry")), ("payment", N_("Payment")),
                        ("bill", N_("Bill")), ("exchange_rate", N_("Exchange rate")),
                        ("fee_policy", N_("Fee policy set")), ("vip_level", N_("VIP level")),
                        ("discount_code", N_("Discount code")), ("ledger_account", N_("Company account")),
                        ("order_money", N_("Order money"))):
    ENTITY_LABELS.setdefault(_entity, _label)
#: a debt owed longer than this is painted as overdue in the debts queue
DEBT_OVERDUE_DAYS = 30

# -- payments ---------------------------------------------------------------------------------------

_payment_account = aliased(LedgerAccount)


def _payment_select() -> Select:
    return (select(Payment.id.label("id"), Payment.kind.label("kind"), Payment.status.label("status"),
                   Customer.code.label("customer_code"), Customer.name.label("customer_name"),
                   Payment.amount.label("amount"), Payment.bank_reference.label("bank_reference"),
                   Payment.received_on.label("received_on"), _payment_account.name.label("account"),
                   Payment.created_by_name.label("created_by"), Payment.created_at.label("created_at"))
            .join(Customer, Customer.id == Payment.customer_id)
            .join(_payment_account, _payment_account.id == Payment.cash_account_id))


_PAYMENT_COLUMNS = (
    Column("id", N_("ID"), "int", sortable=True, width=70),
    Column("kind", N_("Type"), "label", labels=PAYMENT_KIND_LABELS, width=120),
    Column("status", N_("Status"), "label", labels=PAYMENT_LABELS, width=160),
    Column("customer_code", N_("Customer code"), width=100),
    Column("customer_name", N_("Customer"), width=180),
    Column("amount", N_("Amount"), "money", width=130),
    Column("bank_reference", N_("Bank reference"), width=150),
    Column("received_on", N_("Bank date"), "date", width=100),
    Column("account", N_("Account"), width=160),
    Column("created_by", N_("Recorded by"), width=150),
    Column("created_at", N_("Recorded"), "datetime", sortable=True, width=130),
)

QUEUES.add(Queue(
    "money.payments_pending", N_("Top-ups and refunds to approve"), "payment",
    lambda ctx: _payment_select().where(Payment.status == PaymentStatus.AWAITING_APPROVAL.value),
    _PAYMENT_COLUMNS, ("created_at", False), frozenset({"payments", "customers"}),
    Search(Payment.bank_reference), perm=Perm.APPROVE_PAYMENTS,
    hint=N_("Payments above the approval limit wait for a second person; the one who recorded "
            "it cannot approve it.")), [Role.ACCOUNTANT, Role.MANAGER])

QUEUES.add(Queue(
    "money.payments", N_("Top-ups and refunds"), "payment",
    lambda ctx: _payment_select(),
    _PAYMENT_COLUMNS, ("id", True), frozenset({"payments", "customers"}), Search(Payment.bank_reference),
    filters=(Filter("status", N_("Status"), lambda s, a: list(PAYMENT_LABELS.items()),
                    lambda sel, v: sel.where(Payment.status == v)),
             Filter("kind", N_("Type"), lambda s, a: list(PAYMENT_KIND_LABELS.items()),
                    lambda sel, v: sel.where(Payment.kind == v))),
    perm=Perm.VIEW_MONEY, hint=N_("Every top-up and refund recorded; search by bank reference.")),
    [Role.ACCOUNTANT])

# -- money books -------------------------------------------------------------------------------------

_book_order = aliased(Order)


def _month_options(session: Session | None, actor: Actor) -> list[tuple[str, str]]:
    """The last 24 months, newest first (values "2026-11"); filter options are built without
    a database session, so they come from this computer's calendar."""
    today = datetime.now().astimezone()
    y, m = today.year, today.month
    out = []
    for _i in range(24):
        out.append((f"{y:04d}-{m:02d}", f"{m:02d}/{y:04d}"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def month_range(value: str) -> tuple[datetime, datetime]:
    """A "YYYY-MM" month as [start, end) in this computer's local time, as aware UTC times."""
    y, m = (int(p) for p in value.split("-"))
    tz = datetime.now().astimezone().tzinfo
    start = datetime(y, m, 1, tzinfo=tz)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _in_month(sel: Select, value: str) -> Select:
    start, end = month_range(value)
    return sel.where(JournalLine.at >= start, JournalLine.at < end)


def _book(book: str) -> Queue:
    cur = VND if book == "vn" else CNY
    suffix = cur.lower()
    money = MoneyType(cur)

    def base(ctx: Context) -> Select:
        return (select(JournalLine.id.label("id"), JournalLine.at.label("at"),
                       LedgerAccount.name.label("account"), LedgerAccount.code.label("account_code"),
                       JournalEntry.kind.label("kind"),
                       JournalEntry.reference.label("reference"), JournalEntry.counterpart.label("counterpart"),
                       _book_order.code.label("order_code"), JournalEntry.memo.label("memo"),
                       JournalEntry.memo_key.label("memo_key"), JournalEntry.memo_params.label("memo_params"),
                       type_coerce(case((JournalLine.amount > 0, JournalLine.amount), else_=None), money)
                       .label(f"in_{suffix}"),
                       type_coerce(case((JournalLine.amount < 0, -JournalLine.amount), else_=None), money)
                       .label(f"out_{suffix}"),
                       type_coerce(JournalLine.balance_after, money).label(f"balance_{suffix}"),
                       JournalEntry.actor_name.label("actor_name"))
                .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
                .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                .outerjoin(_book_order, _book_order.id == JournalEntry.order_id)
                .where(JournalLine.book == book))

    columns = (
        Column("id", N_("ID"), "int", sortable=True, width=70),
        Column("at", N_("Date"), "datetime", width=130),
        Column("account", N_("Account"), width=170, text=lambda row: account_label(row.account_code, row.account)),
        Column("kind", N_("Type"), "label", labels=ENTRY_KIND_LABELS, width=140),
        Column("reference", N_("Reference"), width=140),
        Column("counterpart", N_("Counterpart"), width=180),
        Column("order_code", N_("Order"), width=100),
        Column(f"in_{suffix}", N_("In"), "money", width=120),
        Column(f"out_{suffix}", N_("Out"), "money", width=120),
        Column(f"balance_{suffix}", N_("Balance"), "money", width=130),
        Column("memo", N_("Description"), width=320,
               text=lambda row: render_stored(row.memo, row.memo_key, row.memo_params)),
        Column("actor_name", N_("By"), width=140),
    )
    title = N_("VN money book (VND)") if book == "vn" else N_("China money book (CNY)")
    return Queue(f"money.{book}_book", title, "journal_line", base, columns, ("id", False),
                 frozenset({"journal_lines", "journal_entries"}), Search(JournalEntry.reference),
                 filters=(Filter("month", N_("Month"), _month_options, _in_month),),
                 perm=Perm.VIEW_MONEY,
                 hint=N_("Every movement of the company's accounts in posting order, with the "
                         "account's balance after it. File → Money books… for one account, a "
                         "period's opening and closing balance, and Excel."))


QUEUES.add(_book("vn"), [Role.ACCOUNTANT, Role.MANAGER])
QUEUES.add(_book("cn"), [Role.ACCOUNTANT, Role.MANAGER])

# -- wallets and debts ---------------------------------------------------------------------------------

_wallet_acc = aliased(LedgerAccount)
_VND = MoneyType(VND)


def _wallet_select() -> Select:
    return (select(Customer.id.label("id"), Customer.code.label("code"), Customer.name.label("name"),
                   Customer.phone.label("phone"),
                   type_coerce(-_wallet_acc.balance, _VND).label("balance"),
                   Wallet.credit_limit.label("credit_limit"),
                   type_coerce(Wallet.credit_limit - _wallet_acc.balance, _VND).label("available"))
            .join(Wallet, Wallet.customer_id == Customer.id)
            .join(_wallet_acc, _wallet_acc.id == Wallet.account_id))


QUEUES.add(Queue(
    "money.wallets", N_("Customer wallets"), "wallet", lambda ctx: _wallet_select(),
    (Column("code", N_("Code"), sortable=True, width=100),
     Column("name", N_("Customer"), sortable=True, width=200),
     Column("phone", N_("Phone"), width=120),
     Column("balance", N_("Wallet"), "money", width=130),
     Column("credit_limit", N_("Credit limit"), "money", width=120),
     Column("available", N_("Available"), "money", width=130)),
    ("code", False), frozenset({"ledger_accounts", "wallets", "customers"}),
    CUSTOMER_SEARCH,
    filters=(Filter("state", N_("Show"), lambda s, a: [("overdrawn", N_("Below zero")),
                                                       ("credit", N_("With a credit limit"))],
                    lambda sel, v: sel.where(_wallet_acc.balance > 0) if v == "overdrawn"
                    else sel.where(Wallet.credit_limit > 0)),),
    perm=Perm.VIEW_MONEY,
    flag=lambda row, ctx: "overdue" if row.balance is not None and row.balance.is_negative() else None,
    hint=N_("Every customer's wallet: open one for its statement, a top-up or a refund.")),
    [Role.ACCOUNTANT, Role.MANAGER])

_debt_paid = type_coerce(OrderMoney.charged - OrderMoney.balance_due, _VND)

QUEUES.add(Queue(
    "money.debts", N_("Customer debts by order"), "order",
    lambda ctx: (select(Order.id.label("id"), Order.code.label("code"), Order.status.label("status"),
                        Customer.code.label("customer_code"), Customer.name.label("customer_name"),
                        OrderMoney.charged.label("charged"), _debt_paid.label("paid"),
                        OrderMoney.balance_due.label("due"), OrderMoney.due_since.label("due_since"))
                 .join(Order, Order.id == OrderMoney.order_id)
                 .join(Customer, Customer.id == OrderMoney.customer_id)
                 .where(OrderMoney.due_since.isnot(None))),
    (Column("code", N_("Order"), width=110),
     Column("status", N_("Status"), "label", labels=STATUS_LABELS, width=140),
     Column("customer_code", N_("Customer code"), width=100),
     Column("customer_name", N_("Customer"), width=180),
     Column("charged", N_("Charged"), "money", width=130),
     Column("paid", N_("Paid"), "money", width=130),
     Column("due", N_("Owed"), "money", width=130),
     Column("due_since", N_("Owed since"), "datetime", sortable=True, width=130)),
    ("due_since", False), frozenset({"order_money", "orders", "customers"}), ORDER_SEARCH,
    perm=Perm.VIEW_MONEY,
    flag=lambda row, ctx: "overdue" if row.due_since < ctx.now - timedelta(days=DEBT_OVERDUE_DAYS) else None,
    hint=N_("What customers owe, order by order, oldest first; red when owed more than 30 days.")),
    [Role.ACCOUNTANT, Role.MANAGER])

# -- bills -----------------------------------------------------------------------------------------------

_bill_order = aliased(Order)


def _bill_select() -> Select:
    return (select(Bill.id.label("id"), Bill.kind.label("kind"), Bill.status.label("status"),
                   _bill_order.code.label("order_code"), Customer.name.label("customer_name"),
                   Bill.amount.label("amount"), Bill.reason.label("reason"),
                   Bill.created_by_name.label("created_by"), Bill.created_at.label("created_at"))
            .join(_bill_order, _bill_order.id == Bill.order_id)
            .join(Customer, Customer.id == Bill.customer_id))


_BILL_COLUMNS = (
    Column("id", N_("ID"), "int", sortable=True, width=70),
    Column("kind", N_("Type"), "label", labels=BILL_KIND_LABELS, width=150),
    Column("status", N_("Status"), "label", labels=BILL_LABELS, width=130),
    Column("order_code", N_("Order"), width=110),
    Column("customer_name", N_("Customer"), width=180),
    Column("amount", N_("Amount"), "money", width=130),
    Column("reason", N_("Reason"), width=300),
    Column("created_by", N_("By"), width=150),
    Column("created_at", N_("Created"), "datetime", sortable=True, width=130),
)

QUEUES.add(Queue(
    "money.bills_to_approve", N_("Supplementary bills to approve"), "bill",
    lambda ctx: _bill_select().where(Bill.status == BillStatus.PROPOSED.value),
    _BILL_COLUMNS, ("created_at", False), frozenset({"bills"}), perm=Perm.APPROVE_BILLS,
    hint=N_("Re-weighs and extra services charged after the billing notice: approve or reject.")),
    [Role.MANAGER])

QUEUES.add(Queue(
    "money.bills", N_("Bills"), "bill", lambda ctx: _bill_select(),
    _BILL_COLUMNS, ("id", True), frozenset({"bills"}),
    filters=(Filter("status", N_("Status"), lambda s, a: list(BILL_LABELS.items()),
                    lambda sel, v: sel.where(Bill.status == v)),
             Filter("kind", N_("Type"), lambda s, a: list(BILL_KIND_LABELS.items()),
                    lambda sel, v: sel.where(Bill.kind == v))),
    perm=Perm.VIEW_MONEY, hint=N_("Billing notices and supplementary bills, newest first.")),
    [Role.ACCOUNTANT, Role.MANAGER])

# -- purchasing --------------------------------------------------------------------------------------------

_so_order, _so_buyer = aliased(Order), aliased(User)

QUEUES.add(Queue(
    "money.bargain_alerts", N_("Bargaining alerts"), "shop_order",
    lambda ctx: (select(ShopOrder.id.label("id"), _so_order.code.label("order_code"), Shop.name.label("shop"),
                        ShopOrder.platform_order_no.label("platform_order_no"),
                        ShopOrder.charged_cny.label("charged_cny"), ShopOrder.paid_cny.label("paid_cny"),
                        ShopOrder.bargain_profit_cny.label("profit_cny"), _so_buyer.full_name.label("buyer"),
                        ShopOrder.paid_at.label("paid_at"))
                 .join(_so_order, _so_order.id == ShopOrder.order_id)
                 .join(Shop, Shop.id == ShopOrder.shop_id)
                 .outerjoin(_so_buyer, _so_buyer.id == ShopOrder.paid_by_id)
                 .where(ShopOrder.bargain_alert.is_(True))),
    (Column("order_code", N_("Order"), width=110),
     Column("shop", N_("Shop"), width=180),
     Column("platform_order_no", N_("Seller order no."), width=150),
     Column("charged_cny", N_("Charged (CNY)"), "money", width=120),
     Column("paid_cny", N_("Paid (CNY)"), "money", width=120),
     Column("profit_cny", N_("Bargaining profit (CNY)"), "money", width=150),
     Column("buyer", N_("Ordering staff"), width=150),
     Column("paid_at", N_("Paid"), "datetime", sortable=True, width=130)),
    ("paid_at", True), frozenset({"shop_orders"}), perm=Perm.VIEW_PROFIT,
    flag=lambda row, ctx: "overdue" if row.profit_cny is not None and row.profit_cny.is_negative() else "warning",
    hint=N_("Shop orders paid above what the customer is charged (red), or with a bargaining profit "
            "above the configured percent.")), [Role.MANAGER])

_buy_care, _buy_buyer = aliased(User), aliased(User)
_place_task = aliased(Task)


def _to_buy(ctx: Context) -> Select:
    return (select(Order.id.label("id"), Order.code.label("code"), Order.status.label("status"),
                   Customer.name.label("customer_name"), Order.item_count.label("item_count"),
                   Order.goods_cny.label("goods_cny"), _buy_buyer.full_name.label("ordering_staff"),
                   _place_task.due_at.label("purchase_due_at"), Order.created_at.label("created_at"))
            .join(Customer, Customer.id == Order.customer_id)
            .outerjoin(_buy_buyer, _buy_buyer.id == Order.ordering_staff_id)
            .outerjoin(_place_task, and_(_place_task.entity == "order", _place_task.entity_id == Order.id,
                                         _place_task.kind == TaskKind.PLACE_ORDER.value,
                                         _place_task.status == TaskStatus.OPEN.value))
            .where(Order.kind == OrderKind.PURCHASE.value,
                   Order.status.in_([OrderStatus.ACCEPTED.value, OrderStatus.PURCHASING.value]),
                   or_(Order.ordering_staff_id.is_(None), Order.ordering_staff_id == ctx.actor.user_id)))


def overdue_purchase(row, ctx: Context) -> str | None:
    """Red once the purchase deadline (hours after acceptance, a setting) has passed."""
    return "overdue" if row.purchase_due_at is not None and row.purchase_due_at < ctx.now else None


QUEUES.add(Queue(
    "purchasing.to_buy", N_("Orders to buy (with deadline)"), "order", _to_buy,
    (Column("code", N_("Order"), sortable=True, width=110),
     Column("status", N_("Status"), "label", labels=STATUS_LABELS, width=130),
     Column("customer_name", N_("Customer"), width=180),
     Column("item_count", N_("Qty"), "int", width=60),
     Column("goods_cny", N_("Goods (CNY)"), "money", width=110),
     Column("ordering_staff", N_("Ordering staff"), width=150),
     Column("purchase_due_at", N_("Buy by"), "datetime", width=130),
     Column("created_at", N_("Created"), "datetime", sortable=True, width=130)),
    ("created_at", False), frozenset({"orders", "tasks", "shop_orders"}), ORDER_SEARCH,
    perm=Perm.PURCHASE, flag=overdue_purchase,
    hint=N_("Accepted orders to place with the shops, yours and unclaimed; red when the purchase "
            "deadline has passed. Open one, then More ⋯ → Shop orders.")), [Role.ORDERING])

# -- billing -------------------------------------------------------------------------------------------

#: the goods have left China weighed and measured: freight can be charged
_WEIGHED = (OrderStatus.IN_TRANSIT.value, OrderStatus.AWAITING_DELIVERY.value)


def _to_bill(ctx: Context) -> Select:
    return (select(Order.id.label("id"), Order.code.label("code"), Order.kind.label("kind"),
                   Order.status.label("status"), Customer.code.label("customer_code"),
                   Customer.name.label("customer_name"), OrderMoney.charged.label("charged"),
                   Order.created_at.label("created_at"))
            .join(Customer, Customer.id == Order.customer_id)
            .outerjoin(OrderMoney, OrderMoney.order_id == Order.id)
            .where(Order.status.in_(_WEIGHED), OrderMoney.billed_at.is_(None)))


QUEUES.add(Queue(
    "money.to_bill", N_("Orders to bill"), "order", _to_bill,
    (Column("code", N_("Order"), sortable=True, width=110),
     Column("kind", N_("Type"), "label", labels=ORDER_KIND_LABELS, width=110),
     Column("status", N_("Status"), "label", labels=STATUS_LABELS, width=140),
     Column("customer_code", N_("Customer code"), width=100),
     Column("customer_name", N_("Customer"), width=180),
     Column("charged", N_("Charged so far"), "money", width=130),
     Column("created_at", N_("Created"), "datetime", sortable=True, width=130)),
    ("created_at", False), frozenset({"orders", "order_money", "parcels"}), ORDER_SEARCH,
    perm=Perm.RECORD_PAYMENTS,
    hint=N_("Orders whose parcels left China weighed and measured and have no billing notice yet. "
            "Open one, then Money → Billing notice…: the parcels' weights are filled in.")),
    [Role.ACCOUNTANT, Role.MANAGER])
