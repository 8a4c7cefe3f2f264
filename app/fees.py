"""Extra services an order can carry, and the fee engine that prices an order.

``SERVICES`` says what each service is and its rules: whether a customer may choose it,
whether choosing it needs a manager's approval, and which services exclude each other.

The engine below is pure: functions of a ``Tariff`` (one fee policy set) and an order's facts,
no database. Every computed fee carries a human explanation of how it was computed, in the
language of whoever is looking. Amounts are rounded by app.money's one rule (half up): VND to
the đồng, CNY to the fen, once per fee — never on intermediate products.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from app.i18n import N_, _, fmt_decimal, fmt_money, fmt_percent
from app.money import CNY, ROUNDING, VND, Money


@dataclass(frozen=True)
class Service:
    code: str
    label: str                      # N_ msgid
    choosable: bool = True          # False: always applied (the purchasing fee)
    needs_approval: bool = False
    excludes: frozenset[str] = frozenset()


SERVICES: dict[str, Service] = {s.code: s for s in (
    Service("purchasing_fee", N_("Purchasing service"), choosable=False),
    Service("inspection", N_("Tally / inspection")),                    # kiểm đếm
    Service("special_packaging", N_("Wooden crate"), excludes=frozenset({"bubble_wrapping"})),  # đóng gỗ
    Service("bubble_wrapping", N_("Bubble wrapping"), excludes=frozenset({"special_packaging"})),
    Service("cargo_insurance", N_("Cargo insurance"), needs_approval=True),
    Service("express_shipping", N_("Express shipping"), excludes=frozenset({"ecommerce_shipping"})),
    Service("ecommerce_shipping", N_("E-commerce line shipping"), excludes=frozenset({"express_shipping"})),
)}

CHOOSABLE = tuple(code for code, s in SERVICES.items() if s.choosable)


def needs_approval(codes: set[str]) -> bool:
    return any(SERVICES[c].needs_approval for c in codes if c in SERVICES)


# == the fee engine ==============================================================================

#: what each computed fee is called; discount codes and VIP discounts name fees by these codes
FEE_LABELS: dict[str, str] = {
    "purchasing_fee": N_("Purchasing service fee"),
    "freight": N_("International freight"),
    "inspection": N_("Tally / inspection"),          # kiểm đếm
    "special_packaging": N_("Wooden crate"),          # đóng gỗ
    "bubble_wrapping": N_("Bubble wrapping"),
    "cargo_insurance": N_("Cargo insurance"),
    "domestic_shipping": N_("China domestic shipping"),
    "vn_delivery": N_("Delivery in Vietnam"),
}
#: fees a discount may reduce (domestic shipping is passed through at cost, never discounted)
DISCOUNTABLE = tuple(c for c in FEE_LABELS if c != "domestic_shipping")
#: freight lines: the shipping service chosen on the order picks the line
FREIGHT_LINES: dict[str, str] = {
    "normal": N_("Normal line"),
    "express": N_("Express line"),
    "ecommerce": N_("E-commerce line"),
}
LINE_BY_SERVICE = {"express_shipping": "express", "ecommerce_shipping": "ecommerce"}

ZERO = Decimal(0)
HUNDRED = Decimal(100)
KG = Decimal("0.001")       # weights are kept to the gram
M3 = Decimal("0.000001")    # volumes to the cm³


class TariffError(ValueError):
    """A fee policy set that cannot be used; ``field_errors`` maps a path to a message."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


# -- the tariff (one fee policy set) ---------------------------------------------------------------

@dataclass(frozen=True)
class ServiceBand:
    from_cny: Decimal          # goods value from which this percent applies
    percent: Decimal


@dataclass(frozen=True)
class FreightTier:
    from_kg: Decimal           # chargeable weight from which this price per kg applies
    price_vnd: Decimal         # charged to the customer per kg
    cost_vnd: Decimal = ZERO   # what the carrier costs the company per kg (net profit)


@dataclass(frozen=True)
class FreightRoute:
    line: str                  # normal / express / ecommerce
    destination: str           # VN warehouse code, or "*" for any
    divisor: int               # volumetric divisor: cm³ per kg (6000; some lines use 7000)
    tiers: tuple[FreightTier, ...]
    per_m3_vnd: Decimal | None = None       # bulky / sea lines charge per m³ instead
    cost_per_m3_vnd: Decimal | None = None


@dataclass(frozen=True)
class TallyTier:
    from_qty: int              # counted items from which these prices apply
    price_vnd: Decimal         # per item
    expensive_price_vnd: Decimal   # per item whose unit price is at least expensive_from_cny


@dataclass(frozen=True)
class WeightRule:
    """First kilogram, then each further kilogram (the wooden crate: ¥20 + ¥0.8/kg)."""

    first_kg_cny: Decimal
    next_kg_cny: Decimal


@dataclass(frozen=True)
class DeliveryRule:
    base_vnd: Decimal
    included_kg: Decimal
    per_kg_vnd: Decimal


@dataclass(frozen=True)
class Tariff:
    service_bands: tuple[ServiceBand, ...]
    service_minimum_vnd: Decimal
    freight: tuple[FreightRoute, ...]
    tally_tiers: tuple[TallyTier, ...]
    tally_expensive_from_cny: Decimal
    crate: WeightRule
    bubble: WeightRule
    insurance_percent: Decimal
    vn_delivery: DeliveryRule
    #: the group's discounts on named fees (percent), e.g. {"freight": 5}
    discounts: dict[str, Decimal] = field(default_factory=dict)

    # -- reading and writing the stored form ---------------------------------------------------
    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Tariff":
        return _parse_tariff(data)

    def to_json(self) -> dict[str, Any]:
        s = str
        return {
            "service_fee": {"bands": [{"from_cny": s(b.from_cny), "percent": s(b.percent)}
                                      for b in self.service_bands],
                            "minimum_vnd": s(self.service_minimum_vnd)},
            "freight": [{"line": r.line, "destination": r.destination, "divisor": r.divisor,
                         "tiers": [{"from_kg": s(t.from_kg), "price_vnd": s(t.price_vnd),
                                    "cost_vnd": s(t.cost_vnd)} for t in r.tiers],
                         "per_m3_vnd": None if r.per_m3_vnd is None else s(r.per_m3_vnd),
                         "cost_per_m3_vnd": None if r.cost_per_m3_vnd is None else s(r.cost_per_m3_vnd)}
                        for r in self.freight],
            "tally": {"expensive_from_cny": s(self.tally_expensive_from_cny),
                      "tiers": [{"from_qty": t.from_qty, "price_vnd": s(t.price_vnd),
                                 "expensive_price_vnd": s(t.expensive_price_vnd)} for t in self.tally_tiers]},
            "crate": {"first_kg_cny": s(self.crate.first_kg_cny), "next_kg_cny": s(self.crate.next_kg_cny)},
            "bubble": {"first_kg_cny": s(self.bubble.first_kg_cny), "next_kg_cny": s(self.bubble.next_kg_cny)},
            "insurance_percent": s(self.insurance_percent),
            "vn_delivery": {"base_vnd": s(self.vn_delivery.base_vnd),
                            "included_kg": s(self.vn_delivery.included_kg),
                            "per_kg_vnd": s(self.vn_delivery.per_kg_vnd)},
            "discounts": {k: s(v) for k, v in sorted(self.discounts.items())},
        }

    def route(self, line: str, destination: str) -> FreightRoute | None:
        """The route for a line to a destination warehouse; a "*" route covers the rest."""
        exact = [r for r in self.freight if r.line == line and r.destination == destination]
        if exact:
            return exact[0]
        return next((r for r in self.freight if r.line == line and r.destination == "*"), None)


#: the typical tariff of the trade (DESIGN §6): a starting point for the first policy set
DEFAULT_TARIFF = Tariff(
    service_bands=(ServiceBand(Decimal(0), Decimal(3)), ServiceBand(Decimal(5000), Decimal("2.5")), ServiceBand(Decimal(20000), Decimal(2))),
    service_minimum_vnd=Decimal(10000),
    freight=(
        FreightRoute("normal", "*", 6000, (FreightTier(Decimal(0), Decimal(29000), Decimal(18000)),
                                           FreightTier(Decimal(10), Decimal(25000), Decimal(17000)),
                                           FreightTier(Decimal(50), Decimal(22000), Decimal(16000)),
                                           FreightTier(Decimal(100), Decimal(19000), Decimal(15000)))),
        FreightRoute("normal", "VN-SG", 6000, (FreightTier(Decimal(0), Decimal(33000), Decimal(21000)),
                                               FreightTier(Decimal(10), Decimal(29000), Decimal(20000)),
                                               FreightTier(Decimal(50), Decimal(26000), Decimal(19000)),
                                               FreightTier(Decimal(100), Decimal(23000), Decimal(18000)))),
        FreightRoute("express", "*", 6000, (FreightTier(Decimal(0), Decimal(39000), Decimal(26000)),
                                            FreightTier(Decimal(30), Decimal(35000), Decimal(24000)))),
        FreightRoute("ecommerce", "*", 7000, (FreightTier(Decimal(0), Decimal(24000), Decimal(16000)),
                                              FreightTier(Decimal(50), Decimal(20000), Decimal(14000)))),
    ),
    tally_tiers=(TallyTier(1, Decimal(5000), Decimal(10000)), TallyTier(6, Decimal(3500), Decimal(7000)),
                 TallyTier(21, Decimal(2000), Decimal(5000)), TallyTier(101, Decimal(1500), Decimal(3000))),
    tally_expensive_from_cny=Decimal(100),
    crate=WeightRule(Decimal(20), Decimal("0.8")),
    bubble=WeightRule(Decimal(10), Decimal("0.5")),
    insurance_percent=Decimal("1.5"),
    vn_delivery=DeliveryRule(Decimal(30000), Decimal(3), Decimal(5000)),
    discounts={},
)


def _dec(value: Any, path: str, errors: dict[str, str], minimum: Decimal | None = ZERO,
         maximum: Decimal | None = None, optional: bool = False) -> Decimal | None:
    if value is None or value == "":
        if optional:
            return None
        errors[path] = _("Enter a number.")
        return None
    if isinstance(value, (float, bool)):
        errors[path] = _("Enter a number.")
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        errors[path] = _("Enter a number.")
        return None
    if not d.is_finite():
        errors[path] = _("Enter a number.")
        return None
    if minimum is not None and d < minimum:
        errors[path] = _("The smallest allowed value is {minimum}.").format(minimum=fmt_decimal(minimum))
        return None
    if maximum is not None and d > maximum:
        errors[path] = _("The largest allowed value is {maximum}.").format(maximum=fmt_decimal(maximum))
        return None
    return d


def _int(value: Any, path: str, errors: dict[str, str], minimum: int, maximum: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        errors[path] = _("Enter a whole number.")
        return None
    try:
        n = int(str(value).strip())
    except ValueError:
        errors[path] = _("Enter a whole number.")
        return None
    if not minimum <= n <= maximum:
        errors[path] = _("Enter a whole number from {minimum} to {maximum}.").format(
            minimum=minimum, maximum=maximum)
        return None
    return n


def _ascending(values: list[Decimal | int | None], path: str, errors: dict[str, str], what: str) -> None:
    known = [v for v in values if v is not None]
    if len(known) != len(values):
        return
    if not known:
        errors[path] = _("Add at least one row.")
    elif known[0] != 0:
        errors[path] = _("The first {what} must start from 0.").format(what=_(what))
    elif any(b <= a for a, b in zip(known, known[1:])):
        errors[path] = _("Each {what} must start above the one before it.").format(what=_(what))


def _parse_tariff(data: dict[str, Any]) -> Tariff:
    """Read a stored tariff, checking everything; a bad set raises TariffError with every problem."""
    e: dict[str, str] = {}
    if not isinstance(data, dict):
        raise TariffError({"": _("The fee policy is not readable.")})
    sf = data.get("service_fee") or {}
    bands = []
    for i, b in enumerate(sf.get("bands") or []):
        bands.append(ServiceBand(_dec(b.get("from_cny"), f"service_fee.bands.{i}.from_cny", e),
                                 _dec(b.get("percent"), f"service_fee.bands.{i}.percent", e, maximum=HUNDRED)))
    _ascending([b.from_cny for b in bands], "service_fee.bands", e, N_("value band"))
    minimum = _dec(sf.get("minimum_vnd"), "service_fee.minimum_vnd", e)
    routes = []
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(data.get("freight") or []):
        line, dest = r.get("line"), str(r.get("destination") or "").strip() or "*"
        if line not in FREIGHT_LINES:
            e[f"freight.{i}.line"] = _("Choose the normal, express or e-commerce line.")
        if (line, dest) in seen:
            e[f"freight.{i}.destination"] = _("The {line} to {destination} is listed twice.").format(
                line=_(FREIGHT_LINES.get(line, line)), destination=dest)
        seen.add((line, dest))
        divisor = _int(r.get("divisor"), f"freight.{i}.divisor", e, 1000, 10000)
        tiers = tuple(FreightTier(_dec(t.get("from_kg"), f"freight.{i}.tiers.{j}.from_kg", e),
                                  _dec(t.get("price_vnd"), f"freight.{i}.tiers.{j}.price_vnd", e),
                                  _dec(t.get("cost_vnd", "0"), f"freight.{i}.tiers.{j}.cost_vnd", e) or ZERO)
                      for j, t in enumerate(r.get("tiers") or []))
        per_m3 = _dec(r.get("per_m3_vnd"), f"freight.{i}.per_m3_vnd", e, optional=True)
        cost_m3 = _dec(r.get("cost_per_m3_vnd"), f"freight.{i}.cost_per_m3_vnd", e, optional=True)
        if per_m3 is None:
            _ascending([t.from_kg for t in tiers], f"freight.{i}.tiers", e, N_("weight tier"))
        routes.append(FreightRoute(line, dest, divisor or 6000, tiers, per_m3, cost_m3))
    if not any(r.line == "normal" and r.destination == "*" for r in routes):
        e.setdefault("freight", _("Add a normal-line route to any destination (*): every order needs one."))
    tally = data.get("tally") or {}
    tt = tuple(TallyTier(_int(t.get("from_qty"), f"tally.tiers.{i}.from_qty", e, 0, 10**6) or 0,
                         _dec(t.get("price_vnd"), f"tally.tiers.{i}.price_vnd", e),
                         _dec(t.get("expensive_price_vnd"), f"tally.tiers.{i}.expensive_price_vnd", e))
               for i, t in enumerate(tally.get("tiers") or []))
    known = [t.from_qty for t in tt]
    if not known:
        e["tally.tiers"] = _("Add at least one row.")
    elif known[0] not in (0, 1) or any(b <= a for a, b in zip(known, known[1:])):
        e["tally.tiers"] = _("Quantity bands start from 1 and go up.")
    expensive = _dec(tally.get("expensive_from_cny"), "tally.expensive_from_cny", e)

    def weight_rule(key: str) -> WeightRule:
        w = data.get(key) or {}
        return WeightRule(_dec(w.get("first_kg_cny"), f"{key}.first_kg_cny", e),
                          _dec(w.get("next_kg_cny"), f"{key}.next_kg_cny", e))

    crate, bubble = weight_rule("crate"), weight_rule("bubble")
    insurance = _dec(data.get("insurance_percent"), "insurance_percent", e, maximum=HUNDRED)
    vd = data.get("vn_delivery") or {}
    delivery = DeliveryRule(_dec(vd.get("base_vnd"), "vn_delivery.base_vnd", e),
                            _dec(vd.get("included_kg"), "vn_delivery.included_kg", e),
                            _dec(vd.get("per_kg_vnd"), "vn_delivery.per_kg_vnd", e))
    discounts: dict[str, Decimal] = {}
    for code, pct in (data.get("discounts") or {}).items():
        if code not in DISCOUNTABLE:
            e[f"discounts.{code}"] = _("Unknown fee: {code}.").format(code=code)
            continue
        value = _dec(pct, f"discounts.{code}", e, maximum=HUNDRED)
        if value:
            discounts[code] = value
    if e:
        raise TariffError(e)
    return Tariff(tuple(bands), minimum, tuple(routes), tt, expensive, crate, bubble, insurance,
                  delivery, discounts)


# -- an order's facts, and what the engine returns ----------------------------------------------------

@dataclass(frozen=True)
class ItemFact:
    quantity: int
    unit_price_cny: Decimal
    tally_exempt: bool = False


@dataclass(frozen=True)
class Package:
    """One parcel or crate as weighed: actual kg and outer dimensions in cm."""

    actual_kg: Decimal
    length_cm: Decimal = ZERO
    width_cm: Decimal = ZERO
    height_cm: Decimal = ZERO

    @property
    def volume_cm3(self) -> Decimal:
        return self.length_cm * self.width_cm * self.height_cm


@dataclass(frozen=True)
class DiscountRule:
    """A discount code as the engine needs it: percent or amount off the fees it names."""

    code: str
    fee_codes: frozenset[str]
    percent: Decimal | None = None
    amount_vnd: Decimal | None = None


@dataclass(frozen=True)
class OrderFacts:
    goods_cny: Money
    rate: Decimal | None                      # selling rate applied to the order (VND per CNY)
    items: tuple[ItemFact, ...] = ()
    services: frozenset[str] = frozenset()
    destination: str = "*"                    # VN warehouse code
    domestic_shipping_cny: Money = Money.zero(CNY)
    packages: tuple[Package, ...] | None = None   # None: not weighed yet
    declared_value_vnd: Money | None = None
    vip_service_discount: Decimal = ZERO      # the VIP level's discount on the purchasing fee
    discount: DiscountRule | None = None
    deliver: bool = True                      # delivered by us in Vietnam (not picked up)
    #: the customer's "priority shipping on the next order" voucher (a complaint's remedy) is used
    #: on this order: it goes by the express line at the normal line's price
    priority_voucher: bool = False


@dataclass(frozen=True)
class FeeLine:
    code: str
    amount: Money | None          # VND, after discounts; None = not known yet
    explanation: str
    gross: Money | None = None    # before discounts
    original: Money | None = None # the CNY amount of a fee priced in CNY
    cost: Money | None = None     # what it costs the company (freight), for net profit

    @property
    def label(self) -> str:
        return FEE_LABELS.get(self.code, self.code)


@dataclass(frozen=True)
class FeeQuote:
    goods_cny: Money
    goods_vnd: Money | None
    lines: tuple[FeeLine, ...]

    @property
    def fees_vnd(self) -> Money:
        return Money.total((l.amount for l in self.lines if l.amount is not None), VND)

    @property
    def total_vnd(self) -> Money | None:
        """Goods plus every known fee, in VND (None while no rate is known)."""
        if self.goods_vnd is None:
            return None
        return self.goods_vnd + self.fees_vnd

    def total_cny(self, rate: Decimal | None) -> Money | None:
        """The same total expressed in CNY at the order's rate (for the customer's reference)."""
        total = self.total_vnd
        if total is None or not rate:
            return None
        return Money(total.amount / rate, CNY)

    @property
    def pending(self) -> tuple[FeeLine, ...]:
        return tuple(l for l in self.lines if l.amount is None)

    def line(self, code: str) -> FeeLine | None:
        return next((l for l in self.lines if l.code == code), None)


# -- each fee ---------------------------------------------------------------------------------------

def vnd(amount: Decimal) -> Money:
    return Money(amount, VND)


def to_vnd(money: Money, rate: Decimal) -> Money:
    """A CNY amount in VND at ``rate``, rounded once to the đồng (half up)."""
    if money.currency != CNY:
        raise ValueError("to_vnd converts CNY")
    return vnd(money.amount * rate)


def service_percent(tariff: Tariff, goods_cny: Money) -> Decimal:
    band = tariff.service_bands[0]
    for b in tariff.service_bands:
        if goods_cny.amount >= b.from_cny:
            band = b
    return band.percent


def service_fee(tariff: Tariff, goods_cny: Money, rate: Decimal) -> FeeLine:
    """A percent of the goods value (the band the value falls in), never below the minimum."""
    goods_vnd = to_vnd(goods_cny, rate)
    pct = service_percent(tariff, goods_cny)
    raw = goods_vnd.percent(pct)
    minimum = vnd(tariff.service_minimum_vnd)
    text = _("{percent} of goods {goods} ({goods_cny} × {rate}) = {fee}").format(
        percent=fmt_percent(pct), goods=fmt_money(goods_vnd), goods_cny=fmt_money(goods_cny),
        rate=fmt_decimal(rate), fee=fmt_money(raw))
    amount = raw
    if raw < minimum:
        amount = minimum
        text += "; " + _("below the minimum, so {minimum}").format(minimum=fmt_money(minimum))
    return FeeLine("purchasing_fee", amount, text, amount)


def volumetric_kg(package: Package, divisor: int) -> Decimal:
    """L × W × H / divisor, to the gram (half up)."""
    return (package.volume_cm3 / Decimal(divisor)).quantize(KG, rounding=ROUNDING)


def chargeable_kg(package: Package, divisor: int) -> Decimal:
    """The weight freight is charged on: the actual weight or the volumetric one, whichever is more."""
    return max(package.actual_kg.quantize(KG, rounding=ROUNDING), volumetric_kg(package, divisor))


def freight_fee(tariff: Tariff, packages: Iterable[Package], line: str, destination: str) -> FeeLine:
    packages = tuple(packages)
    route = tariff.route(line, destination) or tariff.route("normal", destination)
    if route is None:
        return FeeLine("freight", None, _("No freight route is priced for {destination}.").format(
            destination=destination))
    route_name = _(FREIGHT_LINES.get(route.line, route.line))
    if route.per_m3_vnd is not None:
        m3 = sum((p.volume_cm3 for p in packages), ZERO) / Decimal(1_000_000)
        m3 = m3.quantize(M3, rounding=ROUNDING)
        amount = vnd(m3 * route.per_m3_vnd)
        cost = vnd(m3 * (route.cost_per_m3_vnd or ZERO))
        text = _("{route}: {m3} m³ × {price} per m³ = {fee}").format(
            route=route_name, m3=fmt_decimal(m3), price=fmt_money(vnd(route.per_m3_vnd)), fee=fmt_money(amount))
        return FeeLine("freight", amount, text, amount, cost=cost)
    parts, total_kg = [], ZERO
    for n, p in enumerate(packages, 1):
        vol, act = volumetric_kg(p, route.divisor), p.actual_kg.quantize(KG, rounding=ROUNDING)
        kg = max(act, vol)
        total_kg += kg
        if vol > act:
            parts.append(_("parcel {n}: volumetric {l}×{w}×{h}/{divisor} = {vol} kg > actual {act} kg").format(
                n=n, l=fmt_decimal(p.length_cm), w=fmt_decimal(p.width_cm), h=fmt_decimal(p.height_cm),
                divisor=route.divisor, vol=fmt_decimal(vol), act=fmt_decimal(act)))
        else:
            parts.append(_("parcel {n}: actual {act} kg").format(n=n, act=fmt_decimal(act)))
    tier = route.tiers[0]
    for t in route.tiers:
        if total_kg >= t.from_kg:
            tier = t
    amount = vnd(total_kg * tier.price_vnd)
    cost = vnd(total_kg * tier.cost_vnd)
    text = _("{route}, {kg} kg chargeable ({parts}) × {price} per kg (from {from_kg} kg) = {fee}").format(
        route=route_name, kg=fmt_decimal(total_kg), parts="; ".join(parts),
        price=fmt_money(vnd(tier.price_vnd)), from_kg=fmt_decimal(tier.from_kg), fee=fmt_money(amount))
    return FeeLine("freight", amount, text, amount, cost=cost)


def priority_freight_fee(tariff: Tariff, packages: Iterable[Package], destination: str) -> FeeLine:
    """A "priority shipping on the next order" voucher: the goods go by the express line (its
    cost is the company's) and the customer pays what the normal line would have charged."""
    packages = tuple(packages)
    express = tariff.route("express", destination)
    normal = freight_fee(tariff, packages, "normal", destination)
    if express is None or normal.amount is None:
        return replace(normal, explanation=normal.explanation + "; " + _(
            "priority shipping voucher: no express line to {destination}").format(destination=destination))
    fast = freight_fee(tariff, packages, "express", destination)
    waived = fast.amount - normal.amount if fast.amount is not None and fast.amount > normal.amount else vnd(ZERO)
    text = _("Priority shipping voucher: sent by the express line, charged at the normal line's price. "
             "{normal}").format(normal=normal.explanation)
    if not waived.is_zero():
        text += "; " + _("express would cost {fast}, {waived} waived").format(
            fast=fmt_money(fast.amount), waived=fmt_money(waived))
    return FeeLine("freight", normal.amount, text, normal.amount, cost=fast.cost)


def tally_fee(tariff: Tariff, items: Iterable[ItemFact]) -> FeeLine:
    """Per counted item; the band is chosen by how many items are counted, dearer items cost more;
    items marked exempt are not counted."""
    items = tuple(items)
    counted = [i for i in items if not i.tally_exempt]
    exempt = sum(i.quantity for i in items if i.tally_exempt)
    qty = sum(i.quantity for i in counted)
    expensive = sum(i.quantity for i in counted if i.unit_price_cny >= tariff.tally_expensive_from_cny)
    cheap = qty - expensive
    tier = tariff.tally_tiers[0]
    for t in tariff.tally_tiers:
        if qty >= t.from_qty:
            tier = t
    amount = vnd(cheap * tier.price_vnd + expensive * tier.expensive_price_vnd)
    text = _("{qty} items counted (band from {from_qty}): {cheap} × {price} + {expensive} × {dear_price} "
             "(unit price from {threshold}) = {fee}").format(
        qty=fmt_decimal(qty), from_qty=fmt_decimal(tier.from_qty), cheap=fmt_decimal(cheap),
        price=fmt_money(vnd(tier.price_vnd)), expensive=fmt_decimal(expensive),
        dear_price=fmt_money(vnd(tier.expensive_price_vnd)),
        threshold=fmt_money(Money(tariff.tally_expensive_from_cny, CNY)), fee=fmt_money(amount))
    if exempt:
        text += "; " + _("{n} exempt items not counted").format(n=fmt_decimal(exempt))
    return FeeLine("inspection", amount, text, amount)


def weight_rule_cny(rule: WeightRule, actual_kg: Decimal) -> Money:
    """First kilogram at its price (any part of it), each further kilogram pro rata."""
    if actual_kg <= 0:
        return Money.zero(CNY)
    further = max(actual_kg - 1, ZERO)
    return Money(rule.first_kg_cny + further * rule.next_kg_cny, CNY)


def _weight_rule_fee(code: str, rule: WeightRule, packages: tuple[Package, ...], rate: Decimal) -> FeeLine:
    parts, total = [], Money.zero(CNY)
    for n, p in enumerate(packages, 1):
        cny = weight_rule_cny(rule, p.actual_kg)
        total += cny
        parts.append(_("parcel {n}: {first} first kg + {kg} kg × {next} = {amount}").format(
            n=n, first=fmt_money(Money(rule.first_kg_cny, CNY)),
            kg=fmt_decimal(max(p.actual_kg - 1, ZERO)), next=fmt_money(Money(rule.next_kg_cny, CNY)),
            amount=fmt_money(cny)))
    amount = to_vnd(total, rate)
    text = "; ".join(parts) + " " + _("→ {cny} × {rate} = {fee}").format(
        cny=fmt_money(total), rate=fmt_decimal(rate), fee=fmt_money(amount))
    return FeeLine(code, amount, text, amount, original=total)


def crate_fee(tariff: Tariff, packages: Iterable[Package], rate: Decimal) -> FeeLine:
    return _weight_rule_fee("special_packaging", tariff.crate, tuple(packages), rate)


def bubble_fee(tariff: Tariff, packages: Iterable[Package], rate: Decimal) -> FeeLine:
    return _weight_rule_fee("bubble_wrapping", tariff.bubble, tuple(packages), rate)


def insurance_fee(tariff: Tariff, declared: Money) -> FeeLine:
    amount = declared.percent(tariff.insurance_percent)
    return FeeLine("cargo_insurance", amount, _("{percent} of the declared value {value} = {fee}").format(
        percent=fmt_percent(tariff.insurance_percent), value=fmt_money(declared), fee=fmt_money(amount)), amount)


def vn_delivery_fee(tariff: Tariff, packages: Iterable[Package]) -> FeeLine:
    rule = tariff.vn_delivery
    kg = sum((p.actual_kg for p in packages), ZERO)
    extra = max(kg - rule.included_kg, ZERO)
    amount = vnd(rule.base_vnd + extra * rule.per_kg_vnd)
    text = _("{base} up to {included} kg").format(base=fmt_money(vnd(rule.base_vnd)),
                                                  included=fmt_decimal(rule.included_kg))
    if extra:
        text += " + " + _("{extra} kg × {per_kg}").format(extra=fmt_decimal(extra),
                                                         per_kg=fmt_money(vnd(rule.per_kg_vnd)))
    text += " = " + fmt_money(amount)
    return FeeLine("vn_delivery", amount, text, amount)


def domestic_shipping_line(shipping_cny: Money, rate: Decimal | None) -> FeeLine:
    """Passed through at cost in CNY; shown in VND at the order's rate."""
    if rate is None:
        return FeeLine("domestic_shipping", None, _("{cny}, passed through at cost; in VND once a rate "
                                                   "is set").format(cny=fmt_money(shipping_cny)),
                       original=shipping_cny)
    amount = to_vnd(shipping_cny, rate)
    return FeeLine("domestic_shipping", amount, _("{cny} passed through at cost × {rate} = {fee}").format(
        cny=fmt_money(shipping_cny), rate=fmt_decimal(rate), fee=fmt_money(amount)), amount, original=shipping_cny)


def apply_discounts(lines: Iterable[FeeLine], percents: dict[str, Decimal],
                    code: DiscountRule | None) -> tuple[FeeLine, ...]:
    """The group's percent discounts first, then the discount code, each on the fees it names.

    A code's fixed amount is taken from its fees in the order they are listed and never makes a
    fee negative; whatever it cannot use is lost (it is not money the customer holds).
    """
    out: list[FeeLine] = []
    left = vnd(code.amount_vnd) if code and code.amount_vnd is not None else None
    for line in lines:
        if line.amount is None or line.code not in DISCOUNTABLE:
            out.append(line)
            continue
        amount, notes = line.amount, []
        pct = percents.get(line.code) or ZERO
        if pct:
            cut = amount.percent(pct)
            amount -= cut
            notes.append(_("group discount {percent}: −{cut}").format(percent=fmt_percent(pct), cut=fmt_money(cut)))
        if code and line.code in code.fee_codes:
            if code.percent is not None:
                cut = amount.percent(code.percent)
                notes.append(_("code {code} {percent}: −{cut}").format(
                    code=code.code, percent=fmt_percent(code.percent), cut=fmt_money(cut)))
                amount -= cut
            elif left is not None and not left.is_zero():
                cut = min(left, amount)
                left -= cut
                amount -= cut
                notes.append(_("code {code}: −{cut}").format(code=code.code, cut=fmt_money(cut)))
        if notes:
            line = replace(line, amount=amount, explanation=line.explanation + "; " + "; ".join(notes)
                           + " → " + fmt_money(amount))
        out.append(line)
    return tuple(out)


def quote(tariff: Tariff, facts: OrderFacts, stage: str = "all") -> FeeQuote:
    """Every fee of an order that can be known from its facts.

    ``stage``: "purchase" gives the purchasing fee alone (booked when the order is purchased);
    "billing" the fees known once the parcels are weighed; "all" both, with the domestic
    shipping passed through. Fees needing weights stay pending (amount None) until then.
    """
    rate = facts.rate
    goods_vnd = to_vnd(facts.goods_cny, rate) if rate is not None else None
    lines: list[FeeLine] = []
    waiting = _("billed when the parcels are weighed")
    no_rate = _("needs the order's exchange rate")
    if stage in ("purchase", "all"):
        lines.append(service_fee(tariff, facts.goods_cny, rate) if rate is not None
                     else FeeLine("purchasing_fee", None, no_rate))
    if stage == "all":
        lines.append(domestic_shipping_line(facts.domestic_shipping_cny, rate))
    if stage in ("billing", "all"):
        packages = facts.packages
        line = next((LINE_BY_SERVICE[s] for s in sorted(facts.services) if s in LINE_BY_SERVICE), "normal")
        if facts.priority_voucher:
            lines.append(priority_freight_fee(tariff, packages, facts.destination) if packages
                         else FeeLine("freight", None, waiting + "; " + _("priority shipping voucher")))
        else:
            lines.append(freight_fee(tariff, packages, line, facts.destination) if packages
                         else FeeLine("freight", None, waiting))
        if "inspection" in facts.services:
            lines.append(tally_fee(tariff, facts.items))
        for code, fn in (("special_packaging", crate_fee), ("bubble_wrapping", bubble_fee)):
            if code in facts.services:
                if packages and rate is not None:
                    lines.append(fn(tariff, packages, rate))
                else:
                    lines.append(FeeLine(code, None, waiting if rate is not None else no_rate))
        if "cargo_insurance" in facts.services:
            declared = facts.declared_value_vnd or goods_vnd
            lines.append(insurance_fee(tariff, declared) if declared is not None
                         else FeeLine("cargo_insurance", None, no_rate))
        if facts.deliver:
            lines.append(vn_delivery_fee(tariff, packages) if packages else FeeLine("vn_delivery", None, waiting))
    percents = dict(tariff.discounts)
    if facts.vip_service_discount:
        percents["purchasing_fee"] = facts.vip_service_discount
    return FeeQuote(facts.goods_cny, goods_vnd, apply_discounts(lines, percents, facts.discount))
