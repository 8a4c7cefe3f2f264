"""Fee policy sets (biểu phí), VIP levels (cấp VIP) and discount codes (mã giảm giá).

A fee policy set is versioned and attached to a customer group; once its time has come it is
never edited — a new version is made by copying it. The order keeps the set it was priced by.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.fees import DEFAULT_TARIFF, DISCOUNTABLE, FEE_LABELS, DiscountRule, Tariff, TariffError
from app.i18n import Lazy, N_, _, app_name
from app.models import Customer, DiscountCode, FeePolicy, Order, OrderMoney, VipLevel
from app.money import VND, Money
from app.permissions import SYSTEM_ACTOR, Actor, Perm, require
from app.services import settings as settings_service
from app.services.activity import changes, now, record, stale_edit, stale_edit_after
from app.services.unique import broken_constraint, insert_ignore, taken, unique_rules

#: the default set's start: before any order can exist
BEGINNING = datetime(2000, 1, 1, tzinfo=timezone.utc)
PAST_TOLERANCE = timedelta(minutes=10)
_CODE = re.compile(r"^[A-Z0-9_-]{3,30}$")


# -- fee policy sets -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyView:
    id: int
    name: str
    vip_level_id: int | None
    vip_level_name: str
    version: int
    effective_from: datetime
    created_by: str
    created_at: datetime
    note: str
    rules: dict[str, Any]
    editable: bool          # not in force yet
    in_force: bool          # the set its group uses now
    version_id: int

    @property
    def tariff(self) -> Tariff:
        return Tariff.from_json(self.rules)


#: the name of the set the app creates (stored in English, shown in the reader's language)
STANDARD_FEES = N_("Standard fees")


def policy_name(stored: str) -> str:
    """A fee policy set's name as the reader reads it: the app's own set translated, the
    company's sets as they named them."""
    return app_name(stored, (STANDARD_FEES,))


def default_policy(tx: Session) -> FeePolicy:
    """The set for customers whose group has none: created from the trade's typical tariff."""
    first = (select(FeePolicy).where(FeePolicy.vip_level_id.is_(None))
             .order_by(FeePolicy.effective_from, FeePolicy.id).limit(1))
    p = tx.scalar(first)
    if p is None:
        # version 1 of the default set is unique: desktops pricing their first order at the same
        # moment share the one row
        insert_ignore(tx, FeePolicy, dict(
            name=STANDARD_FEES, vip_level_id=None, version=1, effective_from=BEGINNING,
            rules=DEFAULT_TARIFF.to_json(), created_by_id=None, created_by_name=SYSTEM_ACTOR.name,
            created_at=now(tx), note="", version_id=1))
        p = tx.scalar(first)
    return p


def vip_level(tx: Session, customer_id: int) -> VipLevel | None:
    c = tx.get(Customer, customer_id)
    return tx.get(VipLevel, c.vip_level_id) if c and c.vip_level_id else None


def deposit_percent(tx: Session, order: Order) -> Decimal:
    """The customer's VIP level's deposit percent, else the company setting."""
    level = vip_level(tx, order.customer_id)
    if level is not None and level.deposit_percent is not None:
        return level.deposit_percent
    return settings_service.get(tx, "orders.deposit_percent")


def policy_for(tx: Session, vip_level_id: int | None, at: datetime | None = None) -> FeePolicy:
    """The set in force at ``at`` for a customer group: its own, else the default one."""
    at = at or now(tx)
    default_policy(tx)
    for group in ([vip_level_id] if vip_level_id is not None else []) + [None]:
        q = select(FeePolicy).where(FeePolicy.effective_from <= at)
        q = q.where(FeePolicy.vip_level_id == group) if group is not None else q.where(FeePolicy.vip_level_id.is_(None))
        p = tx.scalar(q.order_by(FeePolicy.effective_from.desc(), FeePolicy.id.desc()).limit(1))
        if p is not None:
            return p
    raise AssertionError("the default policy exists")


def _policy_view(tx: Session, p: FeePolicy, at: datetime, names: dict[int, str]) -> PolicyView:
    in_force = policy_for(tx, p.vip_level_id, at).id == p.id
    return PolicyView(p.id, policy_name(p.name), p.vip_level_id, names.get(p.vip_level_id, _("Every customer")) if p.vip_level_id
                      else _("Every customer"), p.version, p.effective_from, p.created_by_name, p.created_at,
                      p.note, p.rules, p.effective_from > at, in_force, p.version_id)


def list_policies(db: Database, actor: Actor) -> list[PolicyView]:
    require(actor, Perm.VIEW_ORDERS)
    with db.transaction() as tx:          # may create the default set the first time
        at = now(tx)
        default_policy(tx)
        names = {v.id: v.name for v in tx.scalars(select(VipLevel))}
        rows = tx.scalars(select(FeePolicy).order_by(FeePolicy.vip_level_id.is_(None).desc(),
                                                     FeePolicy.vip_level_id, FeePolicy.version.desc()))
        return [_policy_view(tx, p, at, names) for p in rows]


def get_policy(db: Database, actor: Actor, policy_id: int) -> PolicyView:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        p = s.get(FeePolicy, policy_id)
        if p is None:
            raise NotFound(what=Lazy(N_("The fee policy")))
        names = {v.id: v.name for v in s.scalars(select(VipLevel))}
        return _policy_view(s, p, db.clock.now(), names)


def _check_policy(tx: Session, name: str, vip_level_id: int | None, effective_from: datetime,
                  rules: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("Name the fee policy, e.g. “VIP 2 from January”.")
    if vip_level_id is not None and tx.get(VipLevel, vip_level_id) is None:
        errors["vip_level_id"] = _("Choose an existing VIP level.")
    if effective_from.tzinfo is None:
        raise ValueError("effective_from must be timezone-aware")
    if effective_from < now(tx) - PAST_TOLERANCE:
        errors["effective_from"] = _("A fee policy cannot start in the past: orders already priced keep their fees.")
    try:
        Tariff.from_json(rules)
    except TariffError as exc:
        errors.update({f"rules.{k}" if k else "rules": v for k, v in exc.field_errors.items()})
    return errors


def create_policy(db: Database, actor: Actor, name: str, vip_level_id: int | None, effective_from: datetime,
                  rules: dict[str, Any], note: str = "", copied_from_id: int | None = None) -> int:
    """A new version for a customer group, in force from ``effective_from``."""
    require(actor, Perm.EDIT_FEES)
    for attempt in range(10):
        try:
            return _create_policy(db, actor, name, vip_level_id, effective_from, rules, note, copied_from_id)
        except IntegrityError as exc:
            # another manager saved a version of the same group at this moment: take the next number
            if broken_constraint(exc) not in ("uq_fee_policies_version", "uq_fee_policies_default_version") \
                    or attempt == 9:
                raise
    raise AssertionError("unreachable")


def _create_policy(db: Database, actor: Actor, name: str, vip_level_id: int | None, effective_from: datetime,
                   rules: dict[str, Any], note: str, copied_from_id: int | None) -> int:
    with db.transaction() as tx:
        errors = _check_policy(tx, name, vip_level_id, effective_from, rules)
        if errors:
            raise ValidationFailed(errors)
        q = select(func.max(FeePolicy.version))
        q = q.where(FeePolicy.vip_level_id == vip_level_id) if vip_level_id is not None else \
            q.where(FeePolicy.vip_level_id.is_(None))
        version = (tx.scalar(q) or 0) + 1
        rules = Tariff.from_json(rules).to_json()      # stored in its normal form
        p = FeePolicy(name=name.strip()[:120], vip_level_id=vip_level_id, version=version,
                      effective_from=effective_from, rules=rules, copied_from_id=copied_from_id,
                      created_by_id=actor.user_id, created_by_name=actor.name, created_at=now(tx),
                      note=(note or "").strip())
        tx.add(p)
        tx.flush()
        record(tx, actor, "fee_policy", p.id, "created", after={
            "name": p.name, "vip_level_id": vip_level_id, "version": version, "effective_from": effective_from,
            "copied_from": copied_from_id, "rules": rules})
        return p.id


def copy_policy(db: Database, actor: Actor, policy_id: int, effective_from: datetime,
                name: str | None = None, vip_level_id: int | None | str = "same") -> int:
    """The way to change fees: copy a set (usually the one in force) into a new version."""
    require(actor, Perm.EDIT_FEES)
    with db.read() as s:
        src = s.get(FeePolicy, policy_id)
        if src is None:
            raise NotFound(what=Lazy(N_("The fee policy")))
        rules, group = src.rules, src.vip_level_id if vip_level_id == "same" else vip_level_id
        new_name = name or src.name
    return create_policy(db, actor, new_name, group, effective_from, rules, copied_from_id=policy_id)


def update_policy(db: Database, actor: Actor, policy_id: int, seen_version: int, name: str,
                  vip_level_id: int | None, effective_from: datetime, rules: dict[str, Any], note: str = "") -> None:
    """Edit a set that is not in force yet; one whose time has come is refused (copy it instead)."""
    require(actor, Perm.EDIT_FEES)
    try:
        with db.transaction() as tx:
            p = tx.get(FeePolicy, policy_id, with_for_update=True)
            if p is None:
                raise NotFound(what=Lazy(N_("The fee policy")))
            if p.effective_from <= now(tx):
                raise DomainError(N_("This fee policy is in force (or was): it is never edited. "
                                     "Copy it to make a new version."))
            if p.version_id != seen_version:
                raise stale_edit(tx, "fee_policy", p.id, N_("The fee policy"))
            errors = _check_policy(tx, name, vip_level_id, effective_from, rules)
            if errors:
                raise ValidationFailed(errors)
            before, after = changes(p, {"name": name.strip()[:120], "vip_level_id": vip_level_id,
                                        "effective_from": effective_from,
                                        "rules": Tariff.from_json(rules).to_json(), "note": (note or "").strip()})
            if after:
                record(tx, actor, "fee_policy", p.id, "edited", before, after)
    except StaleDataError:
        raise stale_edit_after(db, "fee_policy", policy_id, N_("The fee policy")) from None


# -- VIP levels --------------------------------------------------------------------------------------

@dataclass
class VipLevelInput:
    code: str
    name: str
    rank: int = 0
    min_spend: Decimal = Decimal(0)
    deposit_percent: Decimal | None = None
    service_fee_discount_percent: Decimal = Decimal(0)
    is_active: bool = True


@dataclass(frozen=True)
class VipLevelView:
    id: int
    code: str
    name: str
    rank: int
    min_spend: Money
    deposit_percent: Decimal | None
    service_fee_discount_percent: Decimal
    is_active: bool
    customers: int


def list_vip_levels(db: Database, actor: Actor) -> list[VipLevelView]:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        counts = dict(s.execute(select(Customer.vip_level_id, func.count()).group_by(Customer.vip_level_id)).all())
        return [VipLevelView(v.id, v.code, v.name, v.rank, v.min_spend, v.deposit_percent,
                             v.service_fee_discount_percent, v.is_active, counts.get(v.id, 0))
                for v in s.scalars(select(VipLevel).order_by(VipLevel.rank, VipLevel.id))]


def _percent(value: Any, key: str, errors: dict[str, str], optional: bool = False) -> Decimal | None:
    if value is None and optional:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 100 \
            or value != value.quantize(Decimal("0.01")):
        errors[key] = _("A percent from 0 to 100, at most two decimals.")
        return None
    return value


def save_vip_level(db: Database, actor: Actor, level_id: int | None, data: VipLevelInput) -> int:
    """Create or change a customer group: its threshold, deposit percent and service-fee discount."""
    require(actor, Perm.EDIT_FEES)
    errors: dict[str, str] = {}
    code = (data.code or "").strip().upper()
    if not _CODE.match(code):
        errors["code"] = _("A code of 3–30 letters, digits, - or _, e.g. VIP2.")
    if not (data.name or "").strip():
        errors["name"] = _("Name the level, e.g. VIP 2.")
    if not isinstance(data.rank, int) or isinstance(data.rank, bool) or not 0 <= data.rank <= 100:
        errors["rank"] = _("Enter a whole number from {minimum} to {maximum}.").format(minimum=0, maximum=100)
    if not isinstance(data.min_spend, Decimal) or data.min_spend < 0 or data.min_spend != data.min_spend.to_integral_value():
        errors["min_spend"] = _("The spend threshold is a whole number of đồng from 0.")
    _percent(data.deposit_percent, "deposit_percent", errors, optional=True)
    _percent(data.service_fee_discount_percent, "service_fee_discount_percent", errors)
    with unique_rules(taken("uq_vip_levels_code", "code", lambda: _("Another VIP level has this code."))), \
            db.transaction() as tx:
        other = tx.scalar(select(VipLevel.id).where(VipLevel.code == code))
        if other is not None and other != level_id:
            errors["code"] = _("Another VIP level has this code.")
        if errors:
            raise ValidationFailed(errors)
        fields = {"code": code, "name": data.name.strip()[:80], "rank": data.rank,
                  "min_spend": Money(data.min_spend, VND), "deposit_percent": data.deposit_percent,
                  "service_fee_discount_percent": data.service_fee_discount_percent, "is_active": data.is_active}
        if level_id is None:
            level = VipLevel(**fields)
            tx.add(level)
            tx.flush()
            record(tx, actor, "vip_level", level.id, "created", after=fields)
            return level.id
        level = tx.get(VipLevel, level_id, with_for_update=True)
        if level is None:
            raise NotFound(what=Lazy(N_("The VIP level")))
        before, after = changes(level, fields)
        if after:
            record(tx, actor, "vip_level", level.id, "edited", before, after)
        return level.id


# -- discount codes ------------------------------------------------------------------------------------

@dataclass
class DiscountInput:
    code: str
    fee_codes: list[str]
    percent: Decimal | None = None
    amount: Decimal | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_uses: int | None = None
    max_uses_per_customer: int | None = None
    customer_id: int | None = None
    description: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class DiscountView:
    id: int
    code: str
    description: str
    percent: Decimal | None
    amount: Money | None
    fee_codes: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None
    max_uses: int | None
    max_uses_per_customer: int | None
    customer_id: int | None
    customer_name: str
    used_count: int
    is_active: bool


def list_discount_codes(db: Database, actor: Actor) -> list[DiscountView]:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        names = dict(s.execute(select(Customer.id, Customer.name).join(
            DiscountCode, DiscountCode.customer_id == Customer.id)).all())
        return [DiscountView(d.id, d.code, d.description, d.percent, d.amount, tuple(sorted(d.fee_code_set)),
                             d.valid_from, d.valid_until, d.max_uses, d.max_uses_per_customer, d.customer_id,
                             names.get(d.customer_id, ""), d.used_count, d.is_active)
                for d in s.scalars(select(DiscountCode).order_by(DiscountCode.is_active.desc(), DiscountCode.code))]


def save_discount_code(db: Database, actor: Actor, code_id: int | None, data: DiscountInput) -> int:
    require(actor, Perm.EDIT_FEES)
    errors: dict[str, str] = {}
    code = (data.code or "").strip().upper()
    if not _CODE.match(code):
        errors["code"] = _("A code of 3–30 letters, digits, - or _, e.g. TET2027.")
    if (data.percent is None) == (data.amount is None):
        errors["value"] = _("Give either a percent or an amount, not both.")
    elif data.percent is not None:
        if not isinstance(data.percent, Decimal) or not 0 < data.percent <= 100 or \
                data.percent != data.percent.quantize(Decimal("0.01")):
            errors["value"] = _("A percent above 0 and up to 100, at most two decimals.")
    elif not isinstance(data.amount, Decimal) or data.amount <= 0 or data.amount != data.amount.to_integral_value():
        errors["value"] = _("The amount is a whole number of đồng above 0.")
    unknown = [c for c in data.fee_codes if c not in DISCOUNTABLE]
    if not data.fee_codes or unknown:
        errors["fee_codes"] = _("Tick the fees the code takes off.")
    for key in ("max_uses", "max_uses_per_customer"):
        v = getattr(data, key)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
            errors[key] = _("Leave empty for no limit, or a whole number from 1.")
    with unique_rules(taken("uq_discount_codes_code", "code", lambda: _("This code exists already."))), \
            db.transaction() as tx:
        at = now(tx)
        valid_from = data.valid_from or at
        if data.valid_until is not None and data.valid_until <= valid_from:
            errors["valid_until"] = _("The code must end after it starts.")
        if data.customer_id is not None and tx.get(Customer, data.customer_id) is None:
            errors["customer_id"] = _("Choose the customer.")
        other = tx.scalar(select(DiscountCode.id).where(DiscountCode.code == code))
        if other is not None and other != code_id:
            errors["code"] = _("This code exists already.")
        if errors:
            raise ValidationFailed(errors)
        fields = {"code": code, "description": (data.description or "").strip(), "percent": data.percent,
                  "amount": Money(data.amount, VND) if data.amount is not None else None,
                  "fee_codes": ",".join(sorted(set(data.fee_codes))), "valid_from": valid_from,
                  "valid_until": data.valid_until, "max_uses": data.max_uses,
                  "max_uses_per_customer": data.max_uses_per_customer, "customer_id": data.customer_id,
                  "is_active": data.is_active}
        if code_id is None:
            d = DiscountCode(**fields, used_count=0, created_by_id=actor.user_id, created_at=at)
            tx.add(d)
            tx.flush()
            record(tx, actor, "discount_code", d.id, "created", after=fields)
            return d.id
        d = tx.get(DiscountCode, code_id, with_for_update=True)
        if d is None:
            raise NotFound(what=Lazy(N_("The discount code")))
        if d.used_count and (fields["percent"] != d.percent or fields["amount"] != d.amount
                             or fields["fee_codes"] != d.fee_codes):
            raise DomainError(N_("This code was used on {n} orders: its value and fees can no longer change. "
                                 "Make a new code instead."), n=d.used_count)
        before, after = changes(d, fields)
        if after:
            record(tx, actor, "discount_code", d.id, "edited", before, after)
        return d.id


def discount_rule(tx: Session, order_id: int) -> DiscountRule | None:
    om = tx.get(OrderMoney, order_id)
    if om is None or om.discount_code_id is None:
        return None
    d = tx.get(DiscountCode, om.discount_code_id)
    return DiscountRule(d.code, d.fee_code_set, d.percent, d.amount.amount if d.amount is not None else None)


def fee_label(code: str) -> str:
    return _(FEE_LABELS.get(code, code))

