"""The order window's read model: everything it shows about one order (items, parcels, files, the
status tracker, the actions the user may take and the ``can_…`` flags), read in one short
transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.db import Database
from app.errors import NotFound
from app.i18n import Lazy, N_
from app.models import ActivityEvent, Order, OrderFile, OrderItem, StoredFile, User
from app.money import Money
from app.permissions import Actor, Perm, require
from app.services.delays import expected_delivery
from app.services.item_counts import proposes_complaint
from app.workflows.orders import CLOSED, EXITS, ITEMS_EDITABLE, OrderKind, OrderStatus, flow_for
from app.workflows.complaints import AFTER_RECEIPT, CLAIMABLE, NOT_COMPLAINABLE
from app.workflows.money import BILLABLE, SHOP_ORDER_STAGES
from app.workflows.parcels import IN_VIETNAM
from app.workflows.quotes import QUOTABLE


# -- the order window ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackerStep:
    status: str
    label: str
    reached: bool
    current: bool
    at: datetime | None
    who: str

    @property
    def is_exit(self) -> bool:
        """A status that ends the order off the main line (cancelled, out of stock, lost, refused)."""
        return self.status in EXITS


@dataclass(frozen=True)
class ItemView:
    id: int
    shop_name: str
    platform: str
    product_url: str
    title: str
    variant: str
    quantity: int
    quantity_bought: int | None
    quantity_received: int
    unit_price_cny: Decimal
    line_total: Money
    note: str
    image_file_id: int | None
    tally_exempt: bool = False
    quantity_damaged: int = 0      # the Vietnam warehouse's count (app.services.item_counts)
    quantity_wrong: int = 0


@dataclass(frozen=True)
class FileView:
    id: int
    file_id: int
    name: str
    kind: str
    mime: str
    size: int
    uploaded_at: datetime
    uploaded_by: str


@dataclass(frozen=True)
class ActionView:
    action: str
    label: str
    needs_reason: bool


@dataclass(frozen=True)
class OrderView:
    id: int
    code: str
    kind: str
    status: str
    status_label: str
    status_reason: str
    version: int
    customer_id: int
    customer_code: str
    customer_name: str
    customer_phone: str
    care_staff_id: int | None
    care_staff_name: str
    ordering_staff_id: int | None
    ordering_staff_name: str
    destination_warehouse_id: int | None
    destination_warehouse: str
    receiving_warehouse_id: int | None
    receiving_warehouse: str
    delivery_address_id: int | None
    delivery_address: str
    services: tuple[str, ...]
    needs_approval: bool
    awaiting_customer: bool
    note: str
    customer_note: str
    goods_description: str
    goods_cny: Money
    item_count: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    expires_at: datetime | None
    committed_ship_by: datetime | None
    committed_deliver_by: datetime | None
    estimated_ship_at: datetime | None
    estimated_deliver_at: datetime | None
    items: tuple[ItemView, ...]
    tracking_codes: tuple[tuple[str, str], ...]
    files: tuple[FileView, ...]
    tracker: tuple[TrackerStep, ...]
    actions: tuple[ActionView, ...]
    #: the Vietnam warehouse's count found differences care staff have not taken up yet: it
    #: proposes a complaint (app.services.item_counts)
    has_count_differences: bool = False
    #: the delivery day the customer is told in shipping e-mails (app.services.delays.expected_delivery:
    #: the forecast of the order window's Schedule tab, else the estimate, else the committed date)
    expected_deliver_at: datetime | None = None

    @property
    def editable_items(self) -> bool:
        return self.status in ITEMS_EDITABLE

    # what the order's screens ask of its status, answered from the order workflow's tables
    @property
    def is_draft(self) -> bool:
        """A cart: not submitted (its customer may change; it expires unless submitted)."""
        return self.status == OrderStatus.DRAFT

    @property
    def ended(self) -> bool:
        """Ended off the main line (cancelled, out of stock, lost, refused): its reason is shown."""
        return self.status in EXITS

    @property
    def can_edit(self) -> bool:
        """Not closed (received or ended): its details may still be edited."""
        return self.status not in CLOSED

    @property
    def approval_pending(self) -> bool:
        """Deposited and waiting for a manager's approval of a chosen service."""
        return self.needs_approval and self.status in (OrderStatus.DEPOSITED, OrderStatus.AWAITING_APPROVAL)

    @property
    def can_quote(self) -> bool:
        """A purchase order whose rate is not fixed yet: a quote may be sent."""
        return self.kind == OrderKind.PURCHASE and self.status in QUOTABLE

    @property
    def can_change_committed_dates(self) -> bool:
        """Submitted and not delivered yet: its committed dates still matter."""
        return self.status not in CLOSED | {OrderStatus.DRAFT, OrderStatus.DELIVERED}

    @property
    def can_bill(self) -> bool:
        """A billing notice or a supplementary bill may be made."""
        return self.status in BILLABLE

    @property
    def has_shop_orders(self) -> bool:
        """A purchase order at the stage its shop orders are placed and followed."""
        return self.kind == OrderKind.PURCHASE and self.status in SHOP_ORDER_STAGES

    @property
    def has_goods_in_vietnam(self) -> bool:
        """A purchase order with a parcel in (or past) a Vietnam warehouse: its goods can be counted."""
        return self.kind == OrderKind.PURCHASE and any(status in IN_VIETNAM for _code, status in self.tracking_codes)

    @property
    def can_complain(self) -> bool:
        """Something was bought or sent and the order is not cancelled: a complaint may be opened."""
        return self.status not in NOT_COMPLAINABLE

    @property
    def can_inspect(self) -> bool:
        """The customer has the goods: their inspection may be recorded."""
        return self.status in AFTER_RECEIPT

    @property
    def can_claim_from_seller(self) -> bool:
        """A purchase order whose goods were bought: a shop order may be claimed from its seller."""
        return self.kind == OrderKind.PURCHASE and self.status in CLAIMABLE

    @property
    def can_rate(self) -> bool:
        """Delivered (or received): the customer's rating may be recorded."""
        return self.status in (OrderStatus.DELIVERED, OrderStatus.RECEIVED)


def _tracker(s: Session, order: Order) -> tuple[TrackerStep, ...]:
    """Every status of the main line: reached ones with when and by whom, the current one marked.

    A status skipped on the way (e.g. the seller's shipping never recorded) counts as passed
    once a later one is reached; optional side steps appear only if the order went through them.
    """
    flow = flow_for(order.kind)
    reached: dict[str, tuple[datetime | None, str]] = {OrderStatus.DRAFT.value: (order.created_at, "")}
    events = s.execute(select(ActivityEvent.at, ActivityEvent.actor_name, ActivityEvent.after)
                       .where(ActivityEvent.entity == "order", ActivityEvent.entity_id == order.id)
                       .order_by(ActivityEvent.id))
    for at, who, after in events:
        if after and "status" in after:
            reached[after["status"]] = (at, who)
    exit_status = order.status if order.status in flow.terminal else None
    line = [st for st in flow.statuses
            if st not in flow.terminal and (st not in flow.optional or st in reached)]
    furthest = max((i for i, st in enumerate(line) if st in reached), default=0)
    if exit_status:
        line.append(exit_status)
    steps = []
    for i, status in enumerate(line):
        at, who = reached.get(status, (None, ""))
        passed = status in reached or (status != exit_status and i <= furthest)
        steps.append(TrackerStep(status, flow.statuses[status], passed, status == order.status, at, who))
    return tuple(steps)


_WINDOW_LOADS = (joinedload(Order.customer), joinedload(Order.destination_warehouse),
                 joinedload(Order.receiving_warehouse), joinedload(Order.delivery_address),
                 selectinload(Order.items).joinedload(OrderItem.shop), selectinload(Order.services),
                 selectinload(Order.parcels))


def get_order(db: Database, actor: Actor, order_id: int) -> OrderView:
    """Everything the order window shows, read in one short transaction."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        # what the window shows, loaded with the order: a few statements, not one per item
        # (each one a round trip to a database that may be across a link from the server)
        o = s.get(Order, order_id, options=_WINDOW_LOADS)
        if o is None:
            raise NotFound(what=Lazy(N_("The order")))
        c = o.customer
        names = {u.id: u.full_name for u in s.scalars(select(User).where(
            User.id.in_([x for x in (o.care_staff_id, o.ordering_staff_id, o.updated_by_id) if x])))}
        files = s.execute(select(OrderFile, StoredFile.mime, StoredFile.size, User.full_name)
                          .join(StoredFile, StoredFile.id == OrderFile.file_id)
                          .outerjoin(User, User.id == OrderFile.uploaded_by_id)
                          .where(OrderFile.order_id == o.id).order_by(OrderFile.id))
        flow = flow_for(o.kind)
        items = tuple(ItemView(i.id, i.shop.name if i.shop else "", i.shop.platform if i.shop else "",
                               i.product_url, i.title, i.variant, i.quantity, i.quantity_bought,
                               i.quantity_received, i.unit_price_cny, i.line_total, i.note,
                               i.image_file_id, bool(i.tally_exempt), i.quantity_damaged or 0,
                               i.quantity_wrong or 0) for i in o.items)
        return OrderView(
            o.id, o.code, o.kind, o.status, flow.label(o.status), o.status_reason, o.version,
            c.id, c.code, c.name, c.phone, o.care_staff_id, names.get(o.care_staff_id, ""),
            o.ordering_staff_id, names.get(o.ordering_staff_id, ""),
            o.destination_warehouse_id, o.destination_warehouse.name if o.destination_warehouse else "",
            o.receiving_warehouse_id, o.receiving_warehouse.name if o.receiving_warehouse else "",
            o.delivery_address_id, o.delivery_address.one_line() if o.delivery_address else "",
            tuple(sorted(o.service_codes)), o.needs_approval, o.awaiting_customer, o.note,
            o.customer_note, o.goods_description, o.goods_cny, o.item_count, o.created_at,
            o.updated_at, names.get(o.updated_by_id, ""), o.expires_at, o.committed_ship_by,
            o.committed_deliver_by, o.estimated_ship_at, o.estimated_deliver_at, items,
            tuple((p.tracking_code, p.status) for p in o.parcels),
            tuple(FileView(f.id, f.file_id, f.name, f.kind, mime, size, f.uploaded_at, who or "")
                  for f, mime, size, who in files),
            _tracker(s, o),
            tuple(ActionView(st.action, st.label, st.needs_reason) for st in flow.allowed(o, actor)),
            o.kind == OrderKind.PURCHASE and any(p.status in IN_VIETNAM for p in o.parcels)
            and proposes_complaint(s, o.id),
            expected_delivery(s, o),
        )
