"""Customers (khách hàng): create, edit, find — accent-insensitive, by name, code or phone."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.bounds import check_text
from app.db import Database
from app.errors import NotFound, ValidationFailed
from app.i18n import LANGUAGES, Lazy, N_, _
from app.models import Customer, CustomerAddress, User, UserRole, VipLevel
from app.permissions import Actor, Perm, Role, require
from app.queries.paging import Search, search_clause
from app.services.activity import changes, now, record, stale_edit, stale_edit_after
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer
from app.text import clean_input, digits, search_blob

_PHONE = re.compile(r"^\+?[0-9 .()-]{8,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class AddressInput:
    recipient: str
    line: str
    phone: str = ""
    district: str = ""
    city: str = ""
    label: str = ""
    is_default: bool = False
    id: int | None = None


@dataclass
class CustomerInput:
    name: str
    phone: str = ""
    phone2: str = ""
    email: str = ""
    language: str = "vi"
    vip_level_id: int | None = None
    care_staff_id: int | None = None
    note: str = ""
    addresses: list[AddressInput] = field(default_factory=list)


@dataclass(frozen=True)
class CustomerView:
    id: int
    code: str
    name: str
    phone: str
    phone2: str
    email: str
    language: str
    vip_level_id: int | None
    vip_level_name: str
    care_staff_id: int | None
    care_staff_name: str
    note: str
    addresses: tuple[AddressInput, ...]
    version: int


def _validate(tx: Session, data: CustomerInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = _("Enter the customer's name.")
    for key in ("phone", "phone2"):
        value = getattr(data, key).strip()
        if value and (not _PHONE.match(value) or len(digits(value)) < 9):
            errors[key] = _("A phone number has 9–15 digits, e.g. 0912 345 678.")
    if not data.phone.strip():
        errors.setdefault("phone", _("Enter a phone number: staff find customers by it."))
    if data.email.strip() and not _EMAIL.match(data.email.strip()):
        errors["email"] = _("Enter an e-mail address such as name@example.com.")
    if data.language not in LANGUAGES:
        errors["language"] = _("Choose a language.")
    if data.vip_level_id is not None and tx.get(VipLevel, data.vip_level_id) is None:
        errors["vip_level_id"] = _("Choose an existing VIP level.")
    if data.care_staff_id is not None:
        ok = tx.scalar(select(UserRole.user_id).where(UserRole.user_id == data.care_staff_id,
                                                      UserRole.role == Role.CARE.value))
        if ok is None:
            errors["care_staff_id"] = _("Choose a customer-care staff member.")
    for i, a in enumerate(data.addresses):
        if not a.recipient.strip() or not a.line.strip():
            errors[f"addresses.{i}"] = _("Each address needs a recipient and a street address.")
        for key in ("recipient", "line", "phone", "district", "city", "label"):
            check_text(errors, f"addresses.{i}", getattr(a, key), getattr(CustomerAddress, key),
                       _("Address {n}").format(n=i + 1))
    for key, label in (("name", N_("Name")), ("phone", N_("Phone")), ("phone2", N_("Second phone")),
                       ("email", N_("E-mail"))):
        check_text(errors, key, getattr(data, key), getattr(Customer, key), _(label))
    return errors


def _apply_addresses(customer: Customer, addresses: list[AddressInput]) -> None:
    keep = {a.id for a in addresses if a.id}
    customer.addresses = [a for a in customer.addresses if a.id in keep]
    by_id = {a.id: a for a in customer.addresses}
    has_default = any(a.is_default for a in addresses)
    for i, a in enumerate(addresses):
        row = by_id.get(a.id) if a.id else None
        if row is None:
            row = CustomerAddress()
            customer.addresses.append(row)
        row.recipient, row.line, row.phone = a.recipient.strip(), a.line.strip(), a.phone.strip()
        row.district, row.city, row.label = a.district.strip(), a.city.strip(), a.label.strip()
        row.is_default = a.is_default if has_default else i == 0


def create_customer(db: Database, actor: Actor, data: CustomerInput) -> int:
    require(actor, Perm.EDIT_CUSTOMERS)
    data = clean_input(data)
    with db.transaction() as tx:
        errors = _validate(tx, data)
        if errors:
            raise ValidationFailed(errors)
        at = now(tx)
        c = Customer(code=f"~{uuid.uuid4().hex[:16]}", name=data.name.strip(), phone=data.phone.strip(),
                     phone2=data.phone2.strip(), email=data.email.strip(), language=data.language,
                     vip_level_id=data.vip_level_id,
                     care_staff_id=data.care_staff_id or (actor.user_id if actor.role is Role.CARE else None),
                     note=data.note.strip(), created_at=at, updated_at=at)
        _apply_addresses(c, data.addresses)
        tx.add(c)
        tx.flush()
        c.code = f"KH{c.id:06d}"
        c.search_text = search_blob(c.code, c.name, c.phone, c.phone2)
        record(tx, actor, "customer", c.id, "created",
               after={"code": c.code, "name": c.name, "phone": c.phone, "care_staff_id": c.care_staff_id})
        _welcome(tx, c)
        return c.id


CUSTOMER_TEMPLATES.setdefault("welcome", (
    N_("Welcome to {company} — your customer code is {code}"),
    N_("Dear {name}, your customer code at {company} is {code}: write it on every bank transfer to us. "
       "To send us the goods you choose on Taobao, 1688 or Tmall in one click, add our ordering "
       "extension to your browser: {extension}")))
CUSTOMER_TEMPLATES.setdefault("welcome_no_extension", (
    N_("Welcome to {company} — your customer code is {code}"),
    N_("Dear {name}, your customer code at {company} is {code}: write it on every bank transfer to us.")))


def extension_link(db: Database) -> str:
    """The ordering browser extension's link customers are given ('' when the company has none)."""
    from app.services import settings as settings_service

    with db.read() as s:
        return settings_service.get(s, "orders.extension_url") or ""


def _welcome(tx: Session, c: Customer) -> None:
    """A new customer's first message: their code, and the ordering extension when there is one."""
    from app.services import settings as settings_service

    url = settings_service.get(tx, "orders.extension_url") or ""
    company = settings_service.get(tx, "company.name")
    notify_customer(tx, c, "welcome" if url else "welcome_no_extension", "customer", c.id,
                    code=c.code, company=company, extension=url)


def update_customer(db: Database, actor: Actor, customer_id: int, seen_version: int,
                    data: CustomerInput) -> None:
    require(actor, Perm.EDIT_CUSTOMERS)
    data = clean_input(data)
    try:
        with db.transaction() as tx:
            c = tx.get(Customer, customer_id, with_for_update=True)
            if c is None:
                raise NotFound(what=Lazy(N_("The customer")))
            if c.version != seen_version:
                raise stale_edit(tx, "customer", customer_id, N_("The customer"))
            errors = _validate(tx, data)
            if errors:
                raise ValidationFailed(errors)
            before, after = changes(c, {
                "name": data.name.strip(), "phone": data.phone.strip(), "phone2": data.phone2.strip(),
                "email": data.email.strip(), "language": data.language,
                "vip_level_id": data.vip_level_id, "care_staff_id": data.care_staff_id,
                "note": data.note.strip()})
            old_addresses = [a.one_line() for a in c.addresses]
            _apply_addresses(c, data.addresses)
            tx.flush()
            new_addresses = [a.one_line() for a in c.addresses]
            if old_addresses != new_addresses:
                before["addresses"], after["addresses"] = old_addresses, new_addresses
            if after:
                c.updated_at = now(tx)
                c.search_text = search_blob(c.code, c.name, c.phone, c.phone2)
                record(tx, actor, "customer", c.id, "updated", before, after)
    except StaleDataError:
        raise stale_edit_after(db, "customer", customer_id, N_("The customer")) from None


def get_customer(db: Database, actor: Actor, customer_id: int) -> CustomerView:
    require(actor, Perm.VIEW_CUSTOMERS)
    with db.read() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound(what=Lazy(N_("The customer")))
        care = s.get(User, c.care_staff_id) if c.care_staff_id else None
        return CustomerView(
            c.id, c.code, c.name, c.phone, c.phone2, c.email, c.language, c.vip_level_id,
            c.vip_level.name if c.vip_level else "", c.care_staff_id, care.full_name if care else "",
            c.note, tuple(AddressInput(a.recipient, a.line, a.phone, a.district, a.city, a.label,
                                       a.is_default, a.id) for a in c.addresses), c.version)


@dataclass(frozen=True)
class CustomerHit:
    id: int
    code: str
    name: str
    phone: str


def find_customers(db: Database, actor: Actor, term: str, limit: int = 20) -> list[CustomerHit]:
    """Customers whose code, name or phone contains every word of ``term`` (accents ignored)."""
    require(actor, Perm.VIEW_CUSTOMERS)
    with db.read() as s:
        clause = search_clause(Search(Customer.search_text, "customers_fts"), Customer.id, term,
                               db.kind)
        q = select(Customer.id, Customer.code, Customer.name, Customer.phone).order_by(Customer.name, Customer.id).limit(limit)
        if clause is not None:
            q = q.where(clause)
        return [CustomerHit(r.id, r.code, r.name, r.phone) for r in s.execute(q)]


def vip_levels(db: Database) -> list[tuple[int, str]]:
    with db.read() as s:
        return [(v.id, v.name) for v in s.scalars(select(VipLevel).where(VipLevel.is_active.is_(True))
                                                  .order_by(VipLevel.rank))]
