"""What every scan station shares: the answer a scan gets, measurements, and lean statements.

A scan is one user action (one transaction). Its answer, ``ScanResult``, carries an outcome the
station turns into a colour and a sound, a large title, a detail line and the facts a forwarder
needs (customer code, order, shelf). Statements on the scan path are built once at import:
building a SQLAlchemy statement per call costs about half a millisecond (measured).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.i18n import _, current_language, current_locale, fmt_decimal
from app.models import Order, Parcel
from app.permissions import Actor
from app.services import order_lifecycle
from app.services.writes import system_actor_for
from app.workflows.parcels import RANK, ParcelStatus

MAX_WEIGHT_KG = Decimal("500")
MAX_SIDE_CM = Decimal("500")
GRAM = Decimal("0.001")
MM = Decimal("0.1")


class Outcome(StrEnum):
    RECEIVED = "received"            # received (China or Vietnam), packed, found: all is well
    PACKED = "packed"
    FOUND = "found"                  # stocktake: where it should be
    ALREADY = "already"              # scanned before: nothing counted twice
    OWNERLESS = "ownerless"          # unknown code: became an ownerless parcel
    EXCESS = "excess"                # more parcels than the shop order expects / not expected here
    EXTRA = "extra"                  # arrived with a shipment that did not list it
    WEIGHT_WARNING = "weight_warning"  # Vietnam weight differs from the China weight
    UNWEIGHED = "unweighed"          # packed, but it was never weighed (billing needs its weight)
    ALERT = "alert"                  # an alert note stops the scan until acknowledged
    WRONG = "wrong"                  # refused by a rule (other destination, not received yet…)
    REFUSED = "refused"              # not a plausible tracking code
    SHIPMENT = "shipment"            # a shipment's code was scanned: it is now the one received
    CHECK_SEAL = "check_seal"        # a sack arrived: type its seal and weigh it before receiving


#: outcome -> how the station shows and sounds it
TONE = {
    Outcome.RECEIVED: "ok", Outcome.PACKED: "ok", Outcome.FOUND: "ok", Outcome.SHIPMENT: "ok",
    Outcome.ALREADY: "again", Outcome.OWNERLESS: "unknown",
    Outcome.EXCESS: "warn", Outcome.EXTRA: "warn", Outcome.WEIGHT_WARNING: "warn",
    Outcome.UNWEIGHED: "warn", Outcome.CHECK_SEAL: "warn",
    Outcome.ALERT: "alert", Outcome.WRONG: "error", Outcome.REFUSED: "error",
}


@dataclass(frozen=True)
class AlertView:
    id: int
    stage: str
    text: str
    created_by: str
    created_at: datetime
    target: str          # the order code or tracking code it is pinned to


@dataclass(frozen=True)
class ScanResult:
    outcome: Outcome
    code: str
    title: str                       # translated, shown large
    detail: str = ""                 # translated, shown under it
    parcel_id: int | None = None
    customer_code: str = ""
    order_code: str = ""
    shelf: str = ""
    destination: str = ""
    weight_kg: Decimal | None = None
    chargeable_kg: Decimal | None = None
    alerts: tuple[AlertView, ...] = ()
    #: anything else a station shows (shipment counts, reconciliation figures)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def tone(self) -> str:
        return TONE[self.outcome]


def refused(raw: str) -> ScanResult:
    shown = (raw or "").strip()[:60]
    return ScanResult(Outcome.REFUSED, shown, _("Not a tracking code"),
                      _("“{code}” does not look like a tracking code: 6–40 letters and digits, "
                        "at least four digits. Scan it again or type it.").format(code=shown))


# -- measurements ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measurements:
    """What the scale and the tape measure say (any part may be missing)."""

    weight_kg: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None

    @property
    def empty(self) -> bool:
        return all(v is None for v in (self.weight_kg, self.length_cm, self.width_cm, self.height_cm))

    @property
    def dims(self) -> tuple[Decimal, Decimal, Decimal] | None:
        if None in (self.length_cm, self.width_cm, self.height_cm):
            return None
        return self.length_cm, self.width_cm, self.height_cm  # type: ignore[return-value]


NO_MEASUREMENTS = Measurements()


def check_measurements(m: Measurements) -> Measurements:
    """Rounded to grams and millimetres, within what a parcel can weigh and measure."""
    errors: dict[str, str] = {}
    w = m.weight_kg
    if w is not None:
        if not isinstance(w, Decimal) or not w.is_finite() or w <= 0 or w > MAX_WEIGHT_KG:
            errors["weight_kg"] = _("The weight is more than 0 and at most {max} kg.").format(
                max=fmt_decimal(MAX_WEIGHT_KG))
        else:
            w = w.quantize(GRAM, ROUND_HALF_UP)
    sides = [m.length_cm, m.width_cm, m.height_cm]
    given = [s for s in sides if s is not None]
    if given and len(given) != 3:
        errors["dims"] = _("Give all three sides (length × width × height) or none.")
    elif given:
        if any(not isinstance(s, Decimal) or not s.is_finite() or s <= 0 or s > MAX_SIDE_CM for s in given):
            errors["dims"] = _("Each side is more than 0 and at most {max} cm.").format(
                max=fmt_decimal(MAX_SIDE_CM))
        else:
            sides = [s.quantize(MM, ROUND_HALF_UP) for s in given]
    if errors:
        raise ValidationFailed(errors)
    return Measurements(w, *sides)


def volumetric_kg(dims: tuple[Decimal, Decimal, Decimal] | None, divisor: int) -> Decimal | None:
    if dims is None:
        return None
    length, width, height = dims
    return (length * width * height / Decimal(divisor)).quantize(GRAM, ROUND_HALF_UP)


def chargeable_kg(weight_kg: Decimal | None, dims: tuple[Decimal, Decimal, Decimal] | None,
                  divisor: int) -> Decimal | None:
    """Freight is charged on max(actual kg, L×W×H / divisor) — DESIGN §6 (divisor 6000 or 7000)."""
    values = [v for v in (weight_kg, volumetric_kg(dims, divisor)) if v is not None]
    return max(values) if values else None


_DECIMAL_MARK: dict[str, str] = {}


def fmt_kg(value: Decimal | None) -> str:
    """A weight as the reader writes numbers ("1,25" in Vietnamese), without babel's cost on
    the scan path (weights stay below 1,000 kg, so no thousands separator is needed)."""
    if value is None:
        return ""
    lang = current_language()
    mark = _DECIMAL_MARK.get(lang)
    if mark is None:
        from babel.numbers import get_decimal_symbol

        mark = _DECIMAL_MARK[lang] = get_decimal_symbol(current_locale())
    return f"{value.normalize():f}".replace(".", mark)


def parse_dims(text: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """"40x30x20", "40*30*20", "40 × 30 × 20 cm" → three Decimals; None if it is not that."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*[x×*X]\s*(\d+(?:[.,]\d+)?)\s*[x×*X]\s*(\d+(?:[.,]\d+)?)\s*(?:cm)?\s*",
                     text or "")
    if not m:
        return None
    return tuple(Decimal(g.replace(",", ".")) for g in m.groups())  # type: ignore[return-value]


def parse_weight(text: str) -> Decimal | None:
    """What a keyboard-wedge scale types: "1.250", "1,25 kg", "1.25KG" → Decimal; else None.

    A tracking code never holds a decimal point, so a number with one is a weight."""
    import re

    m = re.fullmatch(r"\s*(\d{1,3}[.,]\d{1,3})\s*(?:kg|KG|Kg)?\s*", text or "")
    if not m:
        m = re.fullmatch(r"\s*(\d{1,3}(?:[.,]\d{1,3})?)\s*(?:kg|KG|Kg)\s*", text or "")
    if not m:
        return None
    return Decimal(m.group(1).replace(",", "."))


# -- orders follow their parcels ------------------------------------------------------------------

#: order step -> the parcel rank every in-play parcel must have reached (arrive_cn: any one)
ORDER_STEPS: tuple[tuple[str, int], ...] = (
    ("arrive_cn", 1), ("depart_cn", 2), ("arrive_vn", 3), ("start_delivery", 4), ("deliver", 5))

def order_stage(statuses: Sequence[str]) -> int:
    """How far an order has come by its parcels: its least advanced parcel in play (lost and
    returned ones are out of play), except that the first parcel received already means "in the
    China warehouse"."""
    ranks = [RANK[s] for s in statuses if s in RANK and s != ParcelStatus.LOST]
    if not ranks:
        return 0
    return max(min(ranks), 1 if max(ranks) >= 1 else 0)


def follow_orders(tx: Session, actor: Actor, order_ids: Sequence[int | None]) -> None:
    """Bring each order's status up to where its parcels are (orders' statuses follow their
    parcels); part of the caller's transaction."""
    for oid in sorted({o for o in order_ids if o is not None}):
        statuses = list(tx.scalars(select(Parcel.status).where(Parcel.order_id == oid)))
        stage = order_stage(statuses)
        actions = [a for a, rank in ORDER_STEPS if rank <= stage]
        if actions:
            order_lifecycle.follow_parcels(tx, system_actor_for(actor), oid, actions)


def order_code(tx: Session, order_id: int | None) -> str:
    if order_id is None:
        return ""
    return tx.scalar(select(Order.code).where(Order.id == order_id)) or ""
