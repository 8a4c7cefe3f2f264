"""Every value fits its column before the database sees it, identically on SQLite and PostgreSQL.

Services validate their fields first, with the names their dialogs show; this module is the
safety net under all of them and the source of the limits they quote:

- ``before_flush``: each text written through the ORM is brought to NFC and loses NUL characters
  (PostgreSQL cannot store them), then must fit its ``String(n)``; each number must fit its column
  (a ``MoneyType``/``Fixed`` amount in a signed 64-bit integer of minor units, an ``Integer`` in 32
  bits, as PostgreSQL stores it; SQLite would store any of them, or fail with ``OverflowError``).
  Anything out of bounds raises ``ValidationFailed`` keyed by the field: "Name: at most 120
  characters." — the same on both databases.
- ``handle_error`` on every engine: statements built without the ORM (Core inserts on the scan
  path) fail in the driver instead; their data errors become the same ``ValidationFailed`` and a
  server that cannot be reached becomes ``DatabaseUnavailable``, never a driver traceback.
"""
from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapper, Session

from app.errors import DatabaseUnavailable, DomainError, ValidationFailed
from app.i18n import N_, _
from app.models.types import Fixed, MoneyType
from app.money import EXPONENT, Money

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
INT16_MAX = 2**15 - 1

#: what a field is called in a message when no service named it first (the columns users type into)
FIELD_LABELS: dict[str, str] = {
    "name": N_("Name"), "full_name": N_("Full name"), "username": N_("User name"),
    "code": N_("Code"), "title": N_("Title"), "variant": N_("Variant"), "note": N_("Note"),
    "phone": N_("Phone"), "phone2": N_("Second phone"), "email": N_("E-mail"),
    "recipient": N_("Recipient"), "line": N_("Address"), "district": N_("District"),
    "city": N_("City"), "label": N_("Label"), "product_url": N_("Product link"),
    "bank_reference": N_("Bank reference"), "reference": N_("Reference"),
    "tracking_code": N_("Tracking code"), "carrier": N_("Carrier"), "reason": N_("Reason"),
    "body": N_("Message"), "description": N_("Description"), "memo": N_("Memo"),
    "seal_number": N_("Seal number"), "platform_order_no": N_("Platform order number"),
    "quantity": N_("Quantity"), "unit_price_cny": N_("Unit price"), "amount": N_("Amount"),
    "weight_kg": N_("Weight"), "value": N_("Value"), "address": N_("Address"),
    "handed_to": N_("Handed to"), "courier": N_("Courier"), "courier_tracking": N_("Courier tracking"),
    "signed_by": N_("Signed by"),
}


def field_label(key: str) -> str:
    """The field's name for a message: a known label, else the column name in words."""
    label = FIELD_LABELS.get(key)
    if label is not None:
        return _(label)
    return key.replace("_", " ").strip().capitalize()


def too_long(label: str, limit: int) -> str:
    return _("{field}: at most {limit} characters.").format(field=label, limit=limit)


def too_large(label: str) -> str:
    return _("{field}: the number is too large to be right; check the digits.").format(field=label)


def too_precise(label: str, scale: int) -> str:
    return _("{field}: at most {n} decimals.").format(field=label, n=scale)


def column_length(attribute: Any) -> int | None:
    """The ``n`` of a mapped attribute's ``String(n)`` column (``Customer.name`` → 120), so a
    service quotes the same limit the database keeps."""
    return getattr(attribute.property.columns[0].type, "length", None)


def check_text(errors: dict[str, str], key: str, value: str | None, attribute: Any,
               label: str | None = None) -> None:
    """Add "<label>: at most n characters." under ``key`` when ``value`` is longer than the
    column of ``attribute`` allows (the service's own, earlier check with the dialog's field)."""
    limit = column_length(attribute)
    if value is not None and limit is not None and len(value) > limit and key not in errors:
        errors[key] = too_long(label or field_label(key), limit)


# -- the flush safety net ---------------------------------------------------------------------

_TEXT, _MONEY, _FIXED, _INT = "text", "money", "fixed", "int"
_PLANS: dict[Mapper, dict[str, tuple[str, Any]]] = {}


def _plan(mapper: Mapper) -> dict[str, tuple[str, Any]]:
    """Per mapped class, once: which attribute is checked how (kind, limit)."""
    plan = _PLANS.get(mapper)
    if plan is None:
        plan = {}
        for prop in mapper.column_attrs:
            if len(prop.columns) != 1:
                continue
            t = prop.columns[0].type
            if isinstance(t, String):      # Text too (length None): NFC and no NUL still apply
                plan[prop.key] = (_TEXT, t.length)
            elif isinstance(t, MoneyType):
                plan[prop.key] = (_MONEY, t.currency)
            elif isinstance(t, Fixed):
                plan[prop.key] = (_FIXED, t.scale)
            elif isinstance(t, BigInteger):
                plan[prop.key] = (_INT, INT64_MAX)
            elif isinstance(t, SmallInteger):
                plan[prop.key] = (_INT, INT16_MAX)
            elif isinstance(t, Integer) and not prop.columns[0].primary_key:
                plan[prop.key] = (_INT, INT32_MAX)
        _PLANS[mapper] = plan
    return plan


def check_value(kind: str, limit: Any, key: str, value: Any) -> tuple[Any, str | None]:
    """(the value to store, the problem or None) for one column value."""
    if kind == _TEXT:
        if not isinstance(value, str):
            return value, None
        if "\x00" in value:
            value = value.replace("\x00", "")
        if not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        if limit is not None and len(value) > limit:
            return value, too_long(field_label(key), limit)
        return value, None
    if kind == _MONEY:
        if isinstance(value, Money):
            if not value.amount.is_finite() \
                    or abs(value.amount) > Decimal(INT64_MAX).scaleb(-EXPONENT[value.currency]):
                return value, too_large(field_label(key))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
            return value, too_large(field_label(key))
        return value, None
    if kind == _FIXED:
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            d = Decimal(value)
            if not d.is_finite() or abs(d) > Decimal(INT64_MAX).scaleb(-limit):
                return value, too_large(field_label(key))
            if d != d.quantize(Decimal(1).scaleb(-limit)):
                return value, too_precise(field_label(key), limit)
        return value, None
    if kind == _INT and isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
        return value, too_large(field_label(key))
    return value, None


@event.listens_for(Session, "before_flush")
def _check_bounds(session: Session, flush_context: Any, instances: Any) -> None:
    errors: dict[str, str] = {}
    for obj in list(session.new) + list(session.dirty):
        state = inspect(obj)
        plan = _plan(state.mapper)
        if not plan:
            continue
        # a new row: every value set; a changed row: only the attributes that changed
        keys = state.dict.keys() if state.key is None else state.committed_state.keys()
        for key in list(keys):
            how = plan.get(key)
            if how is None:
                continue
            value = state.dict.get(key)
            if value is None:
                continue
            fixed, problem = check_value(how[0], how[1], key, value)
            if problem is not None:
                errors.setdefault(key, problem)
            elif fixed is not value:
                setattr(obj, key, fixed)
    if errors:
        raise ValidationFailed(errors)


# -- driver errors, for what the ORM did not see --------------------------------------------------

def _data_error(exc: BaseException) -> bool:
    if isinstance(exc, OverflowError):   # sqlite3: "Python int too large to convert to SQLite INTEGER"
        return True
    try:
        import psycopg
    except ImportError:                    # pragma: no cover - psycopg is a dependency
        return False
    # numeric value out of range, string data right truncation, NUL in text (psycopg refuses it
    # before sending: "PostgreSQL text fields cannot contain NUL (0x00) bytes")
    return isinstance(exc, psycopg.DataError)


def _unreachable(ctx: Any) -> bool:
    import sqlite3

    if ctx.is_pre_ping:
        return False
    exc = ctx.original_exception
    if ctx.connection is None or ctx.is_disconnect:
        # could not connect at all, or the server went away mid-statement
        try:
            import psycopg
            if isinstance(exc, psycopg.OperationalError):
                return True
        except ImportError:                # pragma: no cover
            pass
        return isinstance(exc, sqlite3.OperationalError) and ctx.connection is None
    return False


def describe_url(url: Any) -> str:
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database}"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL {url.host or 'localhost'}{port}/{url.database or ''}"


@event.listens_for(Engine, "handle_error")
def _translate(ctx: Any) -> BaseException | None:
    exc = ctx.original_exception
    if isinstance(exc, DomainError):       # raised by a bind processor (app.models.types)
        return exc
    if _data_error(exc):
        return ValidationFailed({"": _("A value is too long or too large to be stored; "
                                       "shorten the text or check the digits.")})
    if _unreachable(ctx):
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        return DatabaseUnavailable(server=describe_url(ctx.engine.url), detail=detail)
    return None
