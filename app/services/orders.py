"""Orders (đơn hàng): create and edit purchase and consignment orders, move them through their
workflow, assign staff, chats and files. Each public function is one user action.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.bounds import check_text
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.fees import SERVICES
from app.i18n import Lazy, Message, N_, _, fmt_decimal
from app.models import (ActivityEvent, Customer, CustomerAddress, Order, OrderFile, OrderItem,
                        OrderMessage, OrderService, Parcel, Shop, StoredFile, User, UserRole,
                        Warehouse)
from app.money import CNY, Money
from app.permissions import SYSTEM_ACTOR, Actor, Perm, Role, require
from app.services import customer_chat, order_lifecycle
from app.services import files as file_store
from app.services import settings as settings_service
from app.services.activity import changes, now, record, stale_edit, stale_edit_after
from app.services.delays import refresh_order_delay
from app.services.notifications import notify_customer, notify_staff
from app.services.unique import insert_or_get, tracking_code_taken, unique_rules
from app.text import clean_input, search_blob
from app.tracking import is_plausible, normalize_code
from app.workflows.orders import CLOSED, EXITS, OrderKind, OrderStatus, flow_for
from app.workflows.complaints import AFTER_RECEIPT, CLAIMABLE, NOT_COMPLAINABLE
from app.workflows.money import BILLABLE, SHOP_ORDER_STAGES
from app.workflows.parcels import IN_VIETNAM
from app.workflows.quotes import QUOTABLE
from app.workflows.tasks import TaskStatus

PLATFORMS = {"taobao": "Taobao", "1688": "1688", "tmall": "Tmall", "other": N_("Other")}
#: while these hold, the customer's items may still change (purchasing has not started)
#: business maxima: beyond them a figure is a typo (and the order's goods total stays far inside
#: what the database stores: MAX_ITEMS × MAX_LINE_CNY minor units < 2⁶³)
MAX_UNIT_PRICE_CNY = Decimal(10_000_000)
MAX_LINE_CNY = Decimal(1_000_000_000)
MAX_ITEMS = 1000
ITEMS_EDITABLE = {OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.DEPOSITED, OrderStatus.ACCEPTED, OrderStatus.AWAITING_APPROVAL}
_URL = re.compile(r"^https?://\S+$", re.I)


# -- input ---------------------------------------------------------------------------------------

@dataclass
class ItemInput:
    shop_name: str
    platform: str
    product_url: str
    quantity: int
    unit_price_cny: Decimal
    title: str = ""
    variant: str = ""
    note: str = ""
    id: int | None = None
    image: tuple[str, bytes] | None = None     # (file name, content) of a new image
    image_file_id: int | None = None           # an image already stored
    tally_exempt: bool = False                 # not counted piece by piece (no tally fee for it)


@dataclass
class OrderInput:
    kind: str
    customer_id: int
    destination_warehouse_id: int | None = None
    receiving_warehouse_id: int | None = None
    delivery_address_id: int | None = None
    services: list[str] = field(default_factory=list)
    note: str = ""
    customer_note: str = ""
    items: list[ItemInput] = field(default_factory=list)
    tracking_codes: list[str] = field(default_factory=list)
    goods_description: str = ""


#: a link's host (its domain, or any sub-domain of it) -> platform; desktop, mobile and share links
_PLATFORM_DOMAINS = (("1688.com", "1688"), ("tmall.com", "tmall"), ("tmall.hk", "tmall"),
                     ("taobao.com", "taobao"), ("tb.cn", "taobao"), ("taobao.hk", "taobao"))
_LINK = re.compile(r"(?:https?://)?([a-z0-9.-]+\.[a-z]{2,})(?=[/:?#]|$)", re.IGNORECASE)


def platform_of(url: str) -> str:
    """The platform a product link points to: detail.1688.com, m.1688.com, detail.tmall.com,
    item.taobao.com, h5.m.taobao.com, the m.tb.cn share links (also inside the text a phone's
    share button copies: "【淘宝】https://m.tb.cn/h.x …"); "other" for anything else."""
    text = (url or "").strip()
    found = re.search(r"https?://\S+", text)
    match = _LINK.match(found.group(0) if found else text)
    host = match.group(1).lower() if match else ""
    for domain, platform in _PLATFORM_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return platform
    return "other"


def parse_price(text: str | Decimal) -> Decimal:
    """A CNY unit price as typed: up to four decimals (1688 prices like ¥0.035 exist)."""
    if isinstance(text, Decimal):
        value = text
    else:
        try:
            value = Decimal(str(text).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(_("Enter the unit price in CNY, e.g. 25.50.")) from None
    if not value.is_finite() or value <= 0:
        raise ValueError(_("The unit price must be more than zero."))
    if value > MAX_UNIT_PRICE_CNY:
        raise ValueError(_("A unit price above {max} CNY is too large to be right; check the digits.").format(
            max=fmt_decimal(MAX_UNIT_PRICE_CNY)))
    if value != value.quantize(Decimal("0.0001")):
        raise ValueError(_("A unit price has at most four decimals."))
    return value


def _validate_item(i: int, item: ItemInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    where = f"items.{i}"
    if item.platform not in PLATFORMS:
        errors[f"{where}.platform"] = _("Item {n}: choose Taobao, 1688, Tmall or Other.").format(n=i + 1)
    if not _URL.match(item.product_url.strip()):
        errors[f"{where}.product_url"] = _("Item {n}: the product link must start with http:// or https://.").format(n=i + 1)
    if not isinstance(item.quantity, int) or isinstance(item.quantity, bool) or not 1 <= item.quantity <= 100000:
        errors[f"{where}.quantity"] = _("Item {n}: the quantity is a whole number from 1.").format(n=i + 1)
    try:
        price = parse_price(item.unit_price_cny)
    except ValueError as exc:
        errors[f"{where}.unit_price_cny"] = _("Item {n}: {problem}").format(n=i + 1, problem=exc)
    else:
        if f"{where}.quantity" not in errors and price * item.quantity > MAX_LINE_CNY:
            errors[f"{where}.unit_price_cny"] = _(
                "Item {n}: quantity × unit price is more than {max} CNY; check the digits.").format(
                n=i + 1, max=fmt_decimal(MAX_LINE_CNY))
    for key, column, label in ((f"{where}.title", OrderItem.title, N_("title")),
                               (f"{where}.variant", OrderItem.variant, N_("variant")),
                               (f"{where}.product_url", OrderItem.product_url, N_("product link")),
                               (f"{where}.shop_name", Shop.name, N_("shop"))):
        check_text(errors, key, getattr(item, key.rsplit(".", 1)[1]), column,
                   _("Item {n}: {field}").format(n=i + 1, field=_(label)))
    return errors


def _validate(tx: Session, data: OrderInput, current: Order | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.kind not in (OrderKind.PURCHASE, OrderKind.CONSIGNMENT):
        errors["kind"] = _("Choose purchase or consignment.")
    customer = tx.get(Customer, data.customer_id) if data.customer_id else None
    if customer is None:
        errors["customer_id"] = _("Choose the customer.")
    for key, country in (("destination_warehouse_id", "VN"), ("receiving_warehouse_id", "CN")):
        wid = getattr(data, key)
        if wid is not None:
            w = tx.get(Warehouse, wid)
            if w is None or w.country != country:
                errors[key] = _("Choose a warehouse in Vietnam.") if country == "VN" else _("Choose a warehouse in China.")
    if data.delivery_address_id is not None:
        addr = tx.get(CustomerAddress, data.delivery_address_id)
        if addr is None or addr.customer_id != data.customer_id:
            errors["delivery_address_id"] = _("Choose one of the customer's addresses.")
    chosen = set(data.services)
    for code in sorted(chosen):
        service = SERVICES.get(code)
        if service is None or not service.choosable:
            errors["services"] = _("Unknown service: {code}.").format(code=code)
        elif service.excludes & chosen:
            other = sorted(service.excludes & chosen)[0]
            errors["services"] = _("These services cannot be combined: {a} and {b}.").format(
                a=_(service.label), b=_(SERVICES[other].label))
    if data.kind == OrderKind.PURCHASE:
        for i, item in enumerate(data.items):
            errors.update(_validate_item(i, item))
        if len(data.items) > MAX_ITEMS:
            errors["items"] = _("An order holds at most {n} items; split it.").format(n=MAX_ITEMS)
    else:
        seen: set[str] = set()
        for raw in data.tracking_codes:
            code = normalize_code(raw)
            if not is_plausible(code):
                errors["tracking_codes"] = _("“{code}” does not look like a tracking code.").format(code=raw.strip())
            elif code in seen:
                errors["tracking_codes"] = _("“{code}” is listed twice.").format(code=code)
            seen.add(code)
            owner = tx.scalar(select(Parcel.order_id).where(Parcel.tracking_code == code))
            if owner is not None and (current is None or owner != current.id):
                errors["tracking_codes"] = _("Tracking code {code} already belongs to another order.").format(code=code)
    return errors


def _shop(tx: Session, platform: str, name: str) -> Shop:
    name = name.strip()
    # (platform, name) is unique: two desktops naming a new shop at once both get the one row
    return insert_or_get(tx, Shop, dict(platform=platform, name=name, search_text=search_blob(name),
                                        created_at=now(tx)), (Shop.platform == platform) & (Shop.name == name))


def _write_items(tx: Session, order: Order, items: list[ItemInput]) -> None:
    keep = {i.id for i in items if i.id}
    order.items = [it for it in order.items if it.id in keep]
    by_id = {it.id: it for it in order.items}
    for pos, data in enumerate(items):
        row = by_id.get(data.id) if data.id else None
        if row is None:
            row = OrderItem()
            order.items.append(row)
        row.position = pos
        # A customer's pasted cart often names no shop yet; ordering staff fill it in.
        # The link says which platform the shop is on; the chosen one counts for links it does not name.
        platform = platform_of(data.product_url)
        platform = data.platform if platform == "other" else platform
        row.shop_id = _shop(tx, platform, data.shop_name).id if data.shop_name.strip() else None
        row.product_url, row.title = data.product_url.strip(), data.title.strip()
        row.variant, row.note = data.variant.strip(), data.note.strip()
        row.quantity, row.unit_price_cny = data.quantity, parse_price(data.unit_price_cny)
        row.tally_exempt = bool(data.tally_exempt)
        if data.image is not None:
            row.image_file_id = file_store.store(tx, data.image[0], data.image[1], images_only=True).id
        elif data.image_file_id is not None:
            row.image_file_id = data.image_file_id
    order.item_count = sum(i.quantity for i in order.items)
    order.goods_cny = Money.total((Money(i.unit_price_cny * i.quantity, CNY) for i in order.items), CNY)


def _typed_codes(data: OrderInput) -> list[str]:
    return [normalize_code(c) for c in data.tracking_codes if c.strip()] if data.kind == OrderKind.CONSIGNMENT else []


def _write_codes(tx: Session, order: Order, raw_codes: list[str]) -> None:
    wanted = [normalize_code(c) for c in raw_codes if c.strip()]
    at = now(tx)
    for parcel in list(order.parcels):
        if parcel.tracking_code not in wanted and parcel.status == "expected":
            order.parcels.remove(parcel)
            tx.delete(parcel)
    have = {p.tracking_code for p in order.parcels}
    for code in wanted:
        if code not in have:
            order.parcels.append(Parcel(tracking_code=code, status="expected", customer_id=order.customer_id,
                                        destination_warehouse_id=order.destination_warehouse_id,
                                        created_at=at, updated_at=at))


def create_order(db: Database, actor: Actor, data: OrderInput) -> int:
    """A new order in the cart (draft) state; it expires unless submitted within the cart days."""
    require(actor, Perm.CREATE_ORDERS)
    data = clean_input(data)
    with unique_rules(tracking_code_taken(_typed_codes(data))), db.transaction() as tx:
        errors = _validate(tx, data)
        if errors:
            raise ValidationFailed(errors)
        at = now(tx)
        customer = tx.get(Customer, data.customer_id)
        cart_days = settings_service.get(tx, "orders.cart_days")
        if data.delivery_address_id is None:   # the customer's default address, if there is one
            data.delivery_address_id = next((a.id for a in customer.addresses if a.is_default), None)
        order = Order(code=f"~{uuid.uuid4().hex[:16]}", kind=data.kind, status=OrderStatus.DRAFT.value,
                      customer_id=customer.id, care_staff_id=customer.care_staff_id,
                      destination_warehouse_id=data.destination_warehouse_id,
                      receiving_warehouse_id=data.receiving_warehouse_id,
                      delivery_address_id=data.delivery_address_id,
                      note=data.note.strip(), customer_note=data.customer_note.strip(),
                      goods_description=data.goods_description.strip(),
                      created_at=at, created_by_id=actor.user_id, updated_at=at,
                      updated_by_id=actor.user_id, status_changed_at=at,
                      expires_at=at + timedelta(days=cart_days))
        order.services = [OrderService(code=c) for c in sorted(set(data.services))]
        order.needs_approval = any(SERVICES[c].needs_approval for c in set(data.services))
        tx.add(order)
        if data.kind == OrderKind.PURCHASE:
            _write_items(tx, order, data.items)
        tx.flush()
        if data.kind == OrderKind.CONSIGNMENT:
            _write_codes(tx, order, data.tracking_codes)
        order.code = f"{'DH' if data.kind == OrderKind.PURCHASE else 'KG'}{order.id:07d}"
        record(tx, actor, "order", order.id, "created",
               after={"code": order.code, "kind": order.kind, "status": order.status,
                      "customer": customer.code, "items": len(order.items),
                      "goods_cny": order.goods_cny, "tracking_codes": order.declared_codes})
        return order.id


def _load(tx: Session, order_id: int, lock: bool = True) -> Order:
    order = tx.get(Order, order_id, with_for_update=lock)
    if order is None:
        raise NotFound(what=Lazy(N_("The order")))
    return order


def _check_version(tx: Session, order: Order, seen_version: int | None) -> None:
    if seen_version is not None and order.version != seen_version:
        raise stale_edit(tx, "order", order.id, N_("The order"))


def update_order(db: Database, actor: Actor, order_id: int, seen_version: int, data: OrderInput) -> None:
    """Save the order form; refused with who-and-when if someone saved it after it was opened."""
    require(actor, Perm.EDIT_ORDERS)
    data = clean_input(data)
    try:
        with unique_rules(tracking_code_taken(_typed_codes(data))), db.transaction() as tx:
            order = _load(tx, order_id)
            _check_version(tx, order, seen_version)
            if order.status in CLOSED:
                raise DomainError(N_("A closed order cannot be edited."))
            if data.customer_id != order.customer_id and order.status != OrderStatus.DRAFT:
                raise DomainError(N_("The customer can only be changed while the order is a cart."))
            errors = _validate(tx, data, order)
            if errors:
                raise ValidationFailed(errors)
            fields: dict[str, Any] = {
                "customer_id": data.customer_id, "note": data.note.strip(),
                "customer_note": data.customer_note.strip(),
                "destination_warehouse_id": data.destination_warehouse_id,
                "receiving_warehouse_id": data.receiving_warehouse_id,
                "delivery_address_id": data.delivery_address_id,
                "goods_description": data.goods_description.strip()}
            before, after = changes(order, fields)
            old_services, new_services = sorted(order.service_codes), sorted(set(data.services))
            if old_services != new_services:
                if order.status not in ITEMS_EDITABLE:
                    raise DomainError(N_("Services can no longer change once purchasing has started."))
                order.services = [s for s in order.services if s.code in new_services] + [
                    OrderService(code=c) for c in new_services if c not in old_services]
                order.needs_approval = any(SERVICES[c].needs_approval for c in new_services)
                before["services"], after["services"] = old_services, new_services
            if order.kind == OrderKind.PURCHASE:
                old_items = _item_summary(order)
                if old_items != _input_summary(data.items):
                    if order.status not in ITEMS_EDITABLE:
                        raise DomainError(N_("Items can no longer change once purchasing has started."))
                    _write_items(tx, order, data.items)
                    before["items"], after["items"] = old_items, _item_summary(order)
            else:
                old_codes = order.declared_codes
                _write_codes(tx, order, data.tracking_codes)
                if sorted(old_codes) != sorted(order.declared_codes):
                    before["tracking_codes"], after["tracking_codes"] = old_codes, order.declared_codes
            if not after:
                return
            order.updated_at, order.updated_by_id = now(tx), actor.user_id
            record(tx, actor, "order", order.id, "edited", before, after)
    except StaleDataError:
        raise stale_edit_after(db, "order", order_id, N_("The order")) from None


def _item_summary(order: Order) -> list[str]:
    return [f"{i.quantity}× {i.title or i.product_url} [{i.variant}] @ {i.unit_price_cny} CNY"
            for i in order.items]


def _input_summary(items: list[ItemInput]) -> list[str]:
    out = []
    for i in items:
        try:
            price = parse_price(i.unit_price_cny)
        except ValueError:
            price = i.unit_price_cny
        out.append(f"{i.quantity}× {i.title.strip() or i.product_url.strip()} [{i.variant.strip()}] @ {price} CNY")
    if any(i.image is not None for i in items):
        out.append("image")
    return out


# -- workflow --------------------------------------------------------------------------------------

def _customer(tx: Session, order: Order) -> Customer:
    return tx.get(Customer, order.customer_id)


def apply_action(db: Database, actor: Actor, order_id: int, action: str, reason: str | None = None,
                 seen_version: int | None = None) -> str:
    """Take one workflow step (the "Update status" menu). Returns the new status."""
    require(actor, Perm.VIEW_ORDERS)
    try:
        with db.transaction() as tx:
            order = _load(tx, order_id)
            _check_version(tx, order, seen_version)
            if action == "accept":
                # Confirming names the people who handle the order (the confirm dialog sends
                # them); taking the step without them is refused.
                from app.workflows.orders import has_staff

                problem = has_staff(order, actor)
                if problem:
                    raise DomainError(problem)
            if action == "claim":
                if order.kind == OrderKind.PURCHASE:
                    order.ordering_staff_id = actor.user_id
                else:
                    order.care_staff_id = actor.user_id
            order_lifecycle.move(tx, actor, order, action, reason)
            return order.status
    except StaleDataError:
        raise stale_edit_after(db, "order", order_id, N_("The order")) from None


def _holds(tx: Session, user_id: int | None, role: Role) -> bool:
    if user_id is None:
        return True
    return tx.scalar(select(UserRole.user_id).join(User).where(
        UserRole.user_id == user_id, UserRole.role == role.value, User.is_active.is_(True))) is not None


def assign_staff(db: Database, actor: Actor, order_id: int, care_staff_id: int | None,
                 ordering_staff_id: int | None, seen_version: int | None = None) -> None:
    """A manager sets (or changes) who looks after the order and who buys it."""
    require(actor, Perm.CONFIRM_ORDERS)
    with db.transaction() as tx:
        order = _load(tx, order_id)
        _check_version(tx, order, seen_version)
        errors: dict[str, str] = {}
        if not _holds(tx, care_staff_id, Role.CARE):
            errors["care_staff_id"] = _("Choose a customer-care staff member.")
        if not _holds(tx, ordering_staff_id, Role.ORDERING):
            errors["ordering_staff_id"] = _("Choose an ordering staff member.")
        if errors:
            raise ValidationFailed(errors)
        before, after = changes(order, {"care_staff_id": care_staff_id,
                                        "ordering_staff_id": ordering_staff_id})
        if after:
            order.updated_at, order.updated_by_id = now(tx), actor.user_id
            record(tx, actor, "order", order.id, "assigned", before, after)
            # Open tasks follow the new people.
            from app.models import Task

            for task in tx.scalars(select(Task).where(Task.entity == "order", Task.entity_id == order.id,
                                                       Task.status == TaskStatus.OPEN)):
                if task.role == Role.CARE.value and "care_staff_id" in after:
                    task.assignee_id = care_staff_id
                if task.role == Role.ORDERING.value and "ordering_staff_id" in after:
                    task.assignee_id = ordering_staff_id
            notify_staff(tx, [after.get("care_staff_id"), after.get("ordering_staff_id")],
                         Message(N_("You were assigned order {code}"), code=order.code),
                         entity="order", entity_id=order.id)


def confirm_order(db: Database, actor: Actor, order_id: int, care_staff_id: int,
                  ordering_staff_id: int | None, seen_version: int | None = None) -> str:
    """The manager's "Confirm and assign": set both people, then accept, in one transaction."""
    require(actor, Perm.CONFIRM_ORDERS)
    try:
        with db.transaction() as tx:
            order = _load(tx, order_id)
            _check_version(tx, order, seen_version)
            errors: dict[str, str] = {}
            if care_staff_id is None or not _holds(tx, care_staff_id, Role.CARE):
                errors["care_staff_id"] = _("Choose a customer-care staff member.")
            if order.kind == OrderKind.PURCHASE and (
                    ordering_staff_id is None or not _holds(tx, ordering_staff_id, Role.ORDERING)):
                errors["ordering_staff_id"] = _("Choose an ordering staff member.")
            if errors:
                raise ValidationFailed(errors)
            before, after = changes(order, {"care_staff_id": care_staff_id,
                                            "ordering_staff_id": ordering_staff_id})
            if after:
                record(tx, actor, "order", order.id, "assigned", before, after)
            order_lifecycle.move(tx, actor, order, "accept")
            return order.status
    except StaleDataError:
        raise stale_edit_after(db, "order", order_id, N_("The order")) from None


def set_awaiting_customer(db: Database, actor: Actor, order_id: int, waiting: bool, note: str = "") -> None:
    """Care staff mark that they asked the customer something (the "waiting on the customer" queue)."""
    require(actor, Perm.EDIT_ORDERS)
    with db.transaction() as tx:
        order = _load(tx, order_id)
        if order.awaiting_customer != waiting:
            record(tx, actor, "order", order.id, "awaiting_customer",
                   {"awaiting_customer": order.awaiting_customer}, {"awaiting_customer": waiting}, note)
            order.awaiting_customer = waiting
            order.updated_at, order.updated_by_id = now(tx), actor.user_id


def update_estimates(db: Database, actor: Actor, order_id: int, estimated_ship_at: datetime | None,
                     estimated_deliver_at: datetime | None, reason: str) -> None:
    """Change the current estimates; needs a reason, and the customer is told."""
    require(actor, Perm.EDIT_ORDERS)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": _("Say why the estimate changes; the customer will read it.")})
    with db.transaction() as tx:
        order = _load(tx, order_id)
        before, after = changes(order, {"estimated_ship_at": estimated_ship_at,
                                        "estimated_deliver_at": estimated_deliver_at})
        if not after:
            return
        order.updated_at, order.updated_by_id = now(tx), actor.user_id
        record(tx, actor, "order", order.id, "estimates", before, after, reason.strip())
        notify_customer(tx, _customer(tx, order), "order_delayed", "order", order.id, code=order.code,
                        date=estimated_deliver_at or estimated_ship_at, reason=reason.strip())
        refresh_order_delay(tx, actor, order)


def expire_carts(db: Database) -> int:
    """Carts not submitted within the configured days are cancelled by the system."""
    with db.transaction() as tx:
        ids = list(tx.scalars(select(Order.id).where(Order.status == OrderStatus.DRAFT.value,
                                                     Order.expires_at < now(tx))))
        reason = _("The cart expired without being submitted.")
        for oid in ids:
            order = _load(tx, oid)
            order_lifecycle.move(tx, SYSTEM_ACTOR, order, "expire", reason)
        return len(ids)


# -- chats and files --------------------------------------------------------------------------------

@dataclass(frozen=True)
class MessageView:
    id: int
    author_name: str
    from_customer: bool
    body: str
    created_at: datetime
    file_id: int | None
    #: a staff line of the customer chat: the outbox status of its e-mail (pending, sent, failed…)
    delivery: str = ""


def post_message(db: Database, actor: Actor, order_id: int, channel: str, body: str,
                 from_customer: bool = False, attachment: tuple[str, bytes] | None = None) -> int:
    """A line in the internal chat, or in the chat with the customer (written by staff, or
    recorded on the customer's behalf when they answered by phone or Zalo)."""
    if channel not in ("internal", "customer"):
        raise ValueError(channel)
    require(actor, Perm.CHAT_INTERNAL if channel == "internal" else Perm.CHAT_CUSTOMER)
    text = (body or "").strip()
    if not text and attachment is None:
        raise ValidationFailed({"body": _("Write a message first.")})
    if len(text) > 4000:
        raise ValidationFailed({"body": _("A message may have at most 4,000 characters.")})
    with db.transaction() as tx:
        order = _load(tx, order_id, lock=False)
        file_id = file_store.store(tx, attachment[0], attachment[1]).id if attachment else None
        customer = _customer(tx, order)
        msg = OrderMessage(order_id=order.id, channel=channel, author_id=actor.user_id,
                           author_name=customer.name if from_customer else actor.name,
                           from_customer=from_customer, body=text, file_id=file_id, created_at=now(tx))
        tx.add(msg)
        tx.flush()
        if channel == "internal":
            notify_staff(tx, [u for u in (order.care_staff_id, order.ordering_staff_id) if u != actor.user_id],
                         Message(N_("New internal message on {code}"), code=order.code), text[:200],
                         "order", order.id)
        elif not from_customer and text:
            customer_chat.queue_chat_line(tx, order, msg)   # the customer reads it by e-mail
        return msg.id


def list_messages(db: Database, actor: Actor, order_id: int, channel: str) -> list[MessageView]:
    require(actor, Perm.CHAT_INTERNAL if channel == "internal" else Perm.CHAT_CUSTOMER)
    with db.read() as s:
        rows = list(s.scalars(select(OrderMessage).where(OrderMessage.order_id == order_id,
                                                         OrderMessage.channel == channel).order_by(OrderMessage.id)))
        sent = customer_chat.delivery_states(s, [m.id for m in rows if not m.from_customer]) \
            if channel == "customer" else {}
        return [MessageView(m.id, m.author_name, m.from_customer, m.body, m.created_at, m.file_id,
                            sent.get(m.id, "")) for m in rows]


def attach_file(db: Database, actor: Actor, order_id: int, name: str, data: bytes, kind: str = "image") -> int:
    """Add a file to the order's files tab (stored once by content hash)."""
    require(actor, Perm.VIEW_ORDERS)
    if kind not in ("image", "report", "inspection", "other"):
        raise ValueError(kind)
    with db.transaction() as tx:
        order = _load(tx, order_id, lock=False)
        stored = file_store.store(tx, name, data)
        row = OrderFile(order_id=order.id, file_id=stored.id, kind=kind, name=name[:255],
                        uploaded_by_id=actor.user_id, uploaded_at=now(tx))
        tx.add(row)
        tx.flush()
        record(tx, actor, "order", order.id, "file_added", after={"name": name, "kind": kind, "size": stored.size})
        return row.id


def read_file(db: Database, actor: Actor, file_id: int) -> tuple[str, bytes]:
    require(actor, Perm.VIEW_ORDERS)
    return file_store.read(db, file_id)


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
        )
