"""Orders (đơn hàng): create and edit purchase and consignment orders, move them through their
workflow, assign staff. Each public function is one user action.

The order's chats and files are ``order_chat``, the order window's read model ``order_view``;
their public names are re-exported here (``orders.get_order``, ``orders.post_message``).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.bounds import check_text
from app.db import Database
from app.errors import DomainError, ValidationFailed
from app.fees import SERVICES
from app.i18n import Message, N_, _, fmt_decimal
from app.models import (Customer, CustomerAddress, Order, OrderItem, OrderService, Parcel, Shop, User, UserRole,
                        Warehouse)
from app.money import CNY, Money
from app.permissions import SYSTEM_ACTOR, Actor, Perm, Role, require
from app.services import order_lifecycle
from app.services import files as file_store
from app.services import settings as settings_service
from app.services.activity import changes, now, record, stale_edit_after
from app.services.delays import refresh_order_delay
from app.services.notifications import notify_customer, notify_staff
from app.services.order_chat import (MessageView, attach_file, list_messages,  # noqa: F401 (re-exported)
                                     post_message, read_file)
from app.services.order_rows import check_order_version, load_order, order_customer
from app.services.order_view import (ActionView, FileView, ItemView, OrderView,  # noqa: F401 (re-exported)
                                     TrackerStep, get_order)
from app.services.unique import insert_or_get, tracking_code_taken, unique_rules
from app.text import clean_input, search_blob
from app.tracking import is_plausible, normalize_code
from app.workflows.orders import CLOSED, ITEMS_EDITABLE, OrderKind, OrderStatus
from app.workflows.tasks import TaskStatus

PLATFORMS = {"taobao": "Taobao", "1688": "1688", "tmall": "Tmall", "other": N_("Other")}
#: while these hold, the customer's items may still change (purchasing has not started)
#: business maxima: beyond them a figure is a typo (and the order's goods total stays far inside
#: what the database stores: MAX_ITEMS × MAX_LINE_CNY minor units < 2⁶³)
MAX_UNIT_PRICE_CNY = Decimal(10_000_000)
MAX_LINE_CNY = Decimal(1_000_000_000)
MAX_ITEMS = 1000
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


def update_order(db: Database, actor: Actor, order_id: int, seen_version: int, data: OrderInput) -> None:
    """Save the order form; refused with who-and-when if someone saved it after it was opened."""
    require(actor, Perm.EDIT_ORDERS)
    data = clean_input(data)
    try:
        with unique_rules(tracking_code_taken(_typed_codes(data))), db.transaction() as tx:
            order = load_order(tx, order_id)
            check_order_version(tx, order, seen_version)
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


def _price_text(price: Decimal) -> str:
    """A unit price as the item summaries compare it: 25, 25.0 and 25.00 are one price (the form
    sends what it shows, the column keeps its scale)."""
    return format(Decimal(price).normalize(), "f")


def _item_summary(order: Order) -> list[str]:
    return [f"{i.quantity}× {i.title or i.product_url} [{i.variant}] @ {_price_text(i.unit_price_cny)} CNY"
            + (" (no tally)" if i.tally_exempt else "") for i in order.items]


def _input_summary(items: list[ItemInput]) -> list[str]:
    out = []
    for i in items:
        try:
            price = _price_text(parse_price(i.unit_price_cny))
        except ValueError:
            price = i.unit_price_cny
        out.append(f"{i.quantity}× {i.title.strip() or i.product_url.strip()} [{i.variant.strip()}] @ {price} CNY"
                   + (" (no tally)" if i.tally_exempt else ""))
    if any(i.image is not None for i in items):
        out.append("image")
    return out


# -- workflow --------------------------------------------------------------------------------------


def apply_action(db: Database, actor: Actor, order_id: int, action: str, reason: str | None = None,
                 seen_version: int | None = None) -> str:
    """Take one workflow step (the "Update status" menu). Returns the new status."""
    require(actor, Perm.VIEW_ORDERS)
    try:
        with db.transaction() as tx:
            order = load_order(tx, order_id)
            check_order_version(tx, order, seen_version)
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
        order = load_order(tx, order_id)
        check_order_version(tx, order, seen_version)
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
            order = load_order(tx, order_id)
            check_order_version(tx, order, seen_version)
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
        order = load_order(tx, order_id)
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
        order = load_order(tx, order_id)
        before, after = changes(order, {"estimated_ship_at": estimated_ship_at,
                                        "estimated_deliver_at": estimated_deliver_at})
        if not after:
            return
        order.updated_at, order.updated_by_id = now(tx), actor.user_id
        record(tx, actor, "order", order.id, "estimates", before, after, reason.strip())
        notify_customer(tx, order_customer(tx, order), "order_delayed", "order", order.id, code=order.code,
                        date=estimated_deliver_at or estimated_ship_at, reason=reason.strip())
        refresh_order_delay(tx, actor, order)


def expire_carts(db: Database) -> int:
    """Carts not submitted within the configured days are cancelled by the system."""
    with db.transaction() as tx:
        ids = list(tx.scalars(select(Order.id).where(Order.status == OrderStatus.DRAFT.value,
                                                     Order.expires_at < now(tx))))
        reason = _("The cart expired without being submitted.")
        for oid in ids:
            order = load_order(tx, oid)
            order_lifecycle.move(tx, SYSTEM_ACTOR, order, "expire", reason)
        return len(ids)
