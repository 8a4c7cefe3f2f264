"""Checking the freight carrier's bill (đối soát hóa đơn nhà vận chuyển, 核对承运商账单).

The carrier bills each shipment (sack) it carried: its code, the kg and m³ it counted, a unit
price, surcharges and the amount. The bill comes from the carrier's XLSX/CSV (read as parcel
lists are: columns found by their header in en/vi/zh or mapped by hand and remembered for that
carrier, every row checked, the whole file or nothing) or is typed in.

Each line is matched to our shipment by its code and compared with what we know: the gross
weight weighed at sealing (or, unsealed, the sum of our parcels), the volume of our parcels, and
the cost price of the shipment's route in the fee policy set (``FreightTier.cost_vnd`` per kg or
``FreightRoute.cost_per_m3_vnd``). A difference beyond the tolerances in settings is flagged
with its amount. Accepting the bill posts the payable to the carrier (freight cost against
freight payable); disputing it opens a task for the accountants holding the evidence; a
disputed bill accepted for less has recovered the difference.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import posting_rules
from app.bounds import check_text
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.fees import Tariff
from app.i18n import Message, N_, _, fmt_decimal, fmt_money
from app.import_columns import (Column, Field, Schema, Sheet, SheetRow, missing_required,
                                parse_measure, parse_number, parse_whole_number, read_sheet, understand)
from app.models import CarrierBill, CarrierBillLine, Parcel, Shipment, ShipmentCustody, ShipmentParcel, Warehouse
from app.money import VND, Money
from app.permissions import Actor, Perm, Role, require
from app.services import column_maps, ledger
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.tasks import close_tasks, open_task
from app.services.unique import taken, unique_rules
from app.services.transitions import move
from app.text import clean, fold
from app.workflows.money import CARRIER_BILL_FLOW, CARRIER_BILL_LABELS, CarrierBillStatus
from app.workflows.tasks import TaskKind

MAX_ROWS = 5_000
KG = Decimal("0.001")
M3 = Decimal("0.0001")
MAX_KG = Decimal(1_000_000)
MAX_M3 = Decimal(10_000)
MAX_VND = Decimal(10) ** 12

OPEN, DISPUTED, ACCEPTED = CarrierBillStatus.OPEN, CarrierBillStatus.DISPUTED, CarrierBillStatus.ACCEPTED
STATUS_LABELS = CARRIER_BILL_LABELS

#: what the comparison may say about a line
FLAG_LABELS = {
    "unknown": N_("No shipment of ours has this code"),
    "unsealed": N_("Not sealed: compared with the sum of our parcels"),
    "weight": N_("Weight differs"),
    "volume": N_("Volume differs"),
    "price": N_("Amount differs from the route's cost price"),
    "unit_price": N_("Unit price differs from the route's cost price"),
    "no_price": N_("No cost price for this route"),
    "billed_before": N_("Already on another bill"),
}

SCHEMA = Schema("carrier_bill", (
    Field("shipment", N_("Shipment code"), (
        "shipment", "shipment code", "shipment no", "sack", "sack no", "bag", "bag no", "bag code", "code",
        "mã bao", "mã bao hàng", "bao", "số bao", "mã chuyến", "mã lô", "集包号", "包号", "袋号", "批次号", "集包单号"),
        required=True),
    Field("weight", N_("Weight"), (
        "weight", "kg", "billed weight", "gross weight", "chargeable weight", "cân nặng", "trọng lượng",
        "khối lượng", "tl", "kl", "重量", "计费重量", "毛重", "实重"), quantity="mass"),
    Field("volume", N_("Volume (m³)"), (
        "volume", "cbm", "m3", "m³", "khối", "số khối", "thể tích", "体积", "方数", "立方")),
    Field("unit_price", N_("Unit price (VND)"), (
        "unit price", "price", "rate", "đơn giá", "giá", "单价", "运价")),
    Field("surcharges", N_("Surcharges (VND)"), (
        "surcharge", "surcharges", "extra", "extras", "other fees", "phụ phí", "phí khác", "附加费", "杂费")),
    Field("amount", N_("Amount (VND)"), (
        "amount", "total", "sum", "charge", "thành tiền", "tổng", "tổng tiền", "số tiền", "金额", "总计", "合计",
        "运费")),
))


class BillImportRefused(DomainError):
    msgid = N_("The bill was not imported: {n} row(s) have errors. Correct them and import again.")


class BillColumnsMissing(DomainError):
    msgid = N_("The bill was not imported: {problems}")


# -- data ------------------------------------------------------------------------------------------

@dataclass
class BillHeader:
    """What the bill's own paper says: who bills, their number, the date."""

    carrier: str
    bill_no: str
    bill_date: date


@dataclass
class BillLineInput:
    """One line as the carrier wrote it (typed in, or one row of their file)."""

    shipment_code: str
    billed_kg: Decimal | None = None
    billed_m3: Decimal | None = None
    unit_price: Money | None = None
    surcharges: Money | None = None
    amount: Money | None = None


@dataclass
class LineCheck:
    """One billed line beside our figures, and what the comparison flagged."""

    line: int
    shipment_code: str
    billed_kg: Decimal | None
    billed_m3: Decimal | None
    unit_price: Money | None
    surcharges: Money
    amount: Money
    shipment_id: int | None = None
    seal_no: str = ""
    our_gross_kg: Decimal | None = None
    our_parcels_kg: Decimal | None = None
    our_m3: Decimal | None = None
    expected: Money = field(default_factory=lambda: Money.zero(VND))
    kg_diff: Decimal | None = None
    m3_diff: Decimal | None = None
    amount_diff: Money = field(default_factory=lambda: Money.zero(VND))
    flags: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return any(f != "unsealed" for f in self.flags)


@dataclass
class BillPreview:
    file_name: str
    rows: list[LineCheck]
    columns: list[Column] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


@dataclass
class BillSummary:
    bill_id: int
    carrier: str
    bill_no: str
    bill_date: date
    status: str
    billed: Money
    expected: Money
    flagged_lines: int
    lines: int
    #: accepted: nothing is left to decide (its flags are history)
    decided: bool = False


@dataclass
class BillView:
    bill_id: int
    carrier: str
    bill_no: str
    bill_date: date
    status: str
    file_name: str
    billed: Money
    expected: Money
    accepted_amount: Money | None
    dispute_reason: str
    task_id: int | None
    entry_id: int | None
    lines: list[LineCheck]
    #: what this user may do now (CARRIER_BILL_FLOW): "accept", "dispute"
    actions: tuple[str, ...] = ()
    #: disputed: it may be accepted at the amount agreed with the carrier
    can_lower_amount: bool = False

    @property
    def can_accept(self) -> bool:
        return "accept" in self.actions

    @property
    def can_dispute(self) -> bool:
        return "dispute" in self.actions

    @property
    def difference(self) -> Money:
        return self.billed - self.expected


# -- input ------------------------------------------------------------------------------------------

def shipment_code(raw: str) -> str:
    return "".join(clean(raw).split()).upper()


def _check_header(h: BillHeader) -> BillHeader:
    if not isinstance(h, BillHeader):
        raise ValidationFailed({"carrier": _("Say whose bill this is.")})
    h = dataclasses.replace(h, carrier=clean(h.carrier), bill_no=clean(h.bill_no))
    e: dict[str, str] = {}
    if not h.carrier:
        e["carrier"] = _("Enter the carrier's name.")
    if not h.bill_no:
        e["bill_no"] = _("Enter the number on the carrier's bill.")
    if not isinstance(h.bill_date, date) or isinstance(h.bill_date, datetime):
        e["bill_date"] = _("Enter the date of the bill.")
    check_text(e, "carrier", h.carrier, CarrierBill.carrier, _("Carrier"))
    check_text(e, "bill_no", h.bill_no, CarrierBill.bill_no, _("Bill number"))
    if e:
        raise ValidationFailed(e)
    return h


def _money_text(text: str, label: str, errors: list[str]) -> Money | None:
    t = (text or "").strip()
    for sign in ("₫", "đ", "VND", "vnd", "VNĐ", "vnđ"):
        t = t.replace(sign, "")
    t = t.strip()
    if not t:
        return None
    try:
        value = parse_whole_number(t)      # VND has no decimals: "1.234" and "1,234" are 1234
    except ValueError:
        errors.append(_("{what}: cannot read “{text}” as an amount.").format(what=_(label), text=text))
        return None
    return _money_value(value, label, errors)


def _money_value(value: Decimal, label: str, errors: list[str]) -> Money | None:
    if value < 0 or value > MAX_VND:
        errors.append(_("{what}: enter an amount from 0 to {maximum}.").format(
            what=_(label), maximum=fmt_money(Money(MAX_VND, VND))))
        return None
    if value != value.to_integral_value():
        errors.append(_("{what}: VND has no decimals.").format(what=_(label)))
        return None
    return Money(value, VND)


def _quantity(value: Decimal | None, label: str, step: Decimal, maximum: Decimal, errors: list[str]) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value <= 0 or value > maximum:
        errors.append(_("{what}: enter a number above 0 and at most {maximum}.").format(
            what=_(label), maximum=fmt_decimal(maximum)))
        return None
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _money_input(value: Money | None, label: str, errors: list[str]) -> Money | None:
    if value is None:
        return None
    if not isinstance(value, Money) or value.currency != VND:
        errors.append(_("{what}: enter an amount in VND.").format(what=_(label)))
        return None
    return _money_value(value.amount, label, errors)


def _check_line(n: int, li: BillLineInput, errors: list[str]) -> LineCheck:
    code = shipment_code(li.shipment_code or "")
    if not code:
        errors.append(_("No shipment code."))
    elif len(code) > 24:
        errors.append(_("“{code}” is too long for a shipment code.").format(code=code))
    kg = _quantity(li.billed_kg, N_("Weight"), KG, MAX_KG, errors)
    m3 = _quantity(li.billed_m3, N_("Volume (m³)"), M3, MAX_M3, errors)
    price = _money_input(li.unit_price, N_("Unit price (VND)"), errors)
    surcharges = _money_input(li.surcharges, N_("Surcharges (VND)"), errors)
    amount = _money_input(li.amount, N_("Amount (VND)"), errors)
    if kg is None and m3 is None and not errors:
        errors.append(_("Neither a weight nor a volume is billed."))
    if amount is None and price is not None and not errors:
        # the carrier's own arithmetic: unit price × what it is priced on, plus surcharges
        basis = kg if kg is not None else m3
        if basis is not None:
            amount = Money((price.amount * basis).quantize(Decimal(1), rounding=ROUND_HALF_UP), VND) + (
                surcharges or Money.zero(VND))
    if amount is None and not errors:
        errors.append(_("No amount, and no unit price to compute it from."))
    return LineCheck(n, code, kg, m3, price, surcharges or Money.zero(VND), amount or Money.zero(VND),
                     errors=errors)


# -- the comparison --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tolerances:
    kg: Decimal
    m3: Decimal
    percent: Decimal


def tolerances(s: Session) -> Tolerances:
    return Tolerances(settings_service.get(s, "carriers.weight_tolerance_kg"),
                      settings_service.get(s, "carriers.volume_tolerance_m3"),
                      settings_service.get(s, "carriers.price_tolerance_percent"))


@dataclass(frozen=True)
class RouteCost:
    """What the route's cost price says: the price per kg (per m³ on a bulky line) and the total."""

    unit_price: Money
    total: Money


def route_cost(tariff: Tariff, destination: str, kg: Decimal | None, m3: Decimal | None) -> RouteCost | None:
    """What the route's cost price says carrying this much should cost (None: not priced)."""
    route = tariff.route("normal", destination)
    if route is None:
        return None
    if route.per_m3_vnd is not None:
        if route.cost_per_m3_vnd is None or m3 is None:
            return None
        return RouteCost(Money(route.cost_per_m3_vnd, VND),
                         Money((m3 * route.cost_per_m3_vnd).quantize(Decimal(1), rounding=ROUND_HALF_UP), VND))
    volumetric = (m3 * Decimal(1_000_000) / route.divisor) if m3 is not None else Decimal(0)
    chargeable = max(kg or Decimal(0), volumetric)
    tier = route.tiers[0]
    for t in route.tiers:
        if chargeable >= t.from_kg:
            tier = t
    if not tier.cost_vnd:
        return None
    return RouteCost(Money(tier.cost_vnd, VND),
                     Money((chargeable * tier.cost_vnd).quantize(Decimal(1), rounding=ROUND_HALF_UP), VND))


def _compare(s: Session, rows: list[LineCheck], tol: Tolerances, bill_id: int | None = None) -> None:
    from app.services.fee_policies import policy_for

    codes = [r.shipment_code for r in rows if r.shipment_code]
    found: dict[str, Shipment] = {}
    for i in range(0, len(codes), 900):
        for sh in s.scalars(select(Shipment).where(Shipment.code.in_(codes[i:i + 900]))):
            found[sh.code] = sh
    ids = [sh.id for sh in found.values()]
    parcels_kg: dict[int, Decimal] = {}
    volume: dict[int, Decimal] = {}
    before: set[int] = set()
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        for sid, kg in s.execute(select(ShipmentParcel.shipment_id, func.sum(ShipmentParcel.weight_kg))
                                 .where(ShipmentParcel.shipment_id.in_(chunk), ShipmentParcel.extra.is_(False))
                                 .group_by(ShipmentParcel.shipment_id)):
            parcels_kg[sid] = kg
        for sid, length, width, height in s.execute(
                select(ShipmentParcel.shipment_id, Parcel.length_cm, Parcel.width_cm, Parcel.height_cm)
                .join(Parcel, Parcel.id == ShipmentParcel.parcel_id)
                .where(ShipmentParcel.shipment_id.in_(chunk), ShipmentParcel.extra.is_(False))):
            if length and width and height:
                volume[sid] = volume.get(sid, Decimal(0)) + length * width * height / Decimal(1_000_000)
        q = select(CarrierBillLine.shipment_id).where(CarrierBillLine.shipment_id.in_(chunk))
        if bill_id is not None:
            q = q.where(CarrierBillLine.bill_id != bill_id)
        before.update(s.scalars(q))
    tariffs: dict[int, Tariff] = {}
    destinations = {w.id: w.code for w in s.scalars(select(Warehouse))} if found else {}
    for r in rows:
        sh = found.get(r.shipment_code)
        if sh is None:
            if r.shipment_code:
                r.flags.append("unknown")
                r.amount_diff = r.amount
            continue
        r.shipment_id, r.seal_no = sh.id, sh.seal_no
        r.our_gross_kg = sh.gross_weight_kg
        r.our_parcels_kg = parcels_kg.get(sh.id)
        r.our_m3 = volume[sh.id].quantize(M3, rounding=ROUND_HALF_UP) if sh.id in volume else None
        ours = r.our_gross_kg
        if ours is None:
            r.flags.append("unsealed")
            ours = r.our_parcels_kg
        if r.billed_kg is not None and ours is not None:
            r.kg_diff = r.billed_kg - ours
            if abs(r.kg_diff) > tol.kg:
                r.flags.append("weight")
        if r.billed_m3 is not None and r.our_m3 is not None:
            r.m3_diff = r.billed_m3 - r.our_m3
            if abs(r.m3_diff) > tol.m3:
                r.flags.append("volume")
        at = sh.sealed_at or sh.created_at
        policy = policy_for(s, None, at)
        tariff = tariffs.get(policy.id) or tariffs.setdefault(policy.id, Tariff.from_json(policy.rules))
        cost = route_cost(tariff, destinations.get(sh.destination_warehouse_id, "*"), ours, r.our_m3)
        if cost is None:
            r.flags.append("no_price")
            r.amount_diff = r.amount
        else:
            r.expected = cost.total
            r.amount_diff = r.amount - cost.total
            if r.unit_price is not None and abs(r.unit_price.amount - cost.unit_price.amount) > (
                    cost.unit_price.amount * tol.percent / 100):
                r.flags.append("unit_price")
            if abs(r.amount_diff.amount) > cost.total.amount * tol.percent / 100:
                r.flags.append("price")
        if sh.id in before:
            r.flags.append("billed_before")


def _duplicates(rows: list[LineCheck]) -> None:
    seen: dict[str, int] = {}
    for r in rows:
        if r.shipment_code in seen:
            r.errors.append(_("Listed twice (also row {n}).").format(n=seen[r.shipment_code]))
        elif r.shipment_code:
            seen[r.shipment_code] = r.line


# -- reading the carrier's file --------------------------------------------------------------------

def source_of(carrier: str) -> str:
    """Whose files these are, for remembered column choices: the carrier (a long name is cut and
    told apart by a digest, to fit the 60 characters of ``import_column_maps.source``)."""
    key = fold(carrier)
    if len(key) > 50:
        key = key[:33] + "#" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return f"carrier:{key}"


def _file_rows(s: Session, carrier: str, file_name: str, content: bytes,
               chosen: dict[str, str]) -> tuple[Sheet, list[str], list[LineCheck]]:
    sheet_rows: list[SheetRow] = read_sheet(file_name, content, MAX_ROWS, SCHEMA)
    sheet = understand(SCHEMA, file_name, sheet_rows,
                       column_maps.remembered(s, SCHEMA.kind, source_of(carrier)), chosen)
    found = {c.field for c in sheet.columns if c.field}
    problems = []
    if missing_required(SCHEMA, sheet.columns):
        problems.append(_("No column of shipment codes was found: choose which column holds them, or give it a "
                          "header such as “Shipment code”, “Mã bao” or “集包号”."))
    if "amount" not in found and "unit_price" not in found:
        problems.append(_("No column of amounts or unit prices was found: choose which column holds what "
                          "each shipment costs."))
    if "weight" not in found and "volume" not in found:
        problems.append(_("No column of weights or volumes was found: choose which column holds what the "
                          "carrier billed."))
    table = sheet.records()
    if len(table) > MAX_ROWS:
        raise ValidationFailed({"file": _("At most {n} rows per file; split it.").format(n=f"{MAX_ROWS:,}")})
    if not table and not problems:
        problems.append(_("The file has no rows under its header."))
    units = {c.field: c.unit for c in sheet.columns if c.field}
    rows: list[LineCheck] = []
    for sheet_row, v in table:
        errors = list(sheet_row.errors)
        kg = m3 = None
        try:
            kg = parse_measure(v.get("weight", ""), "mass", units.get("weight"))
        except ValueError:
            errors.append(_("Weight: cannot read “{text}” as a number.").format(text=v.get("weight", "")))
        if v.get("volume", "").strip():
            try:
                m3 = parse_number(v["volume"].replace("m³", "").replace("m3", ""))
            except ValueError:
                errors.append(_("Volume: cannot read “{text}” as a number.").format(text=v["volume"]))
        price = _money_text(v.get("unit_price", ""), N_("Unit price (VND)"), errors)
        surcharges = _money_text(v.get("surcharges", ""), N_("Surcharges (VND)"), errors)
        amount = _money_text(v.get("amount", ""), N_("Amount (VND)"), errors)
        code, lost = sheet.code(sheet_row, v, "shipment")
        if lost:
            errors.append(lost)
        rows.append(_check_line(sheet_row.line, BillLineInput(code, kg, m3, price, surcharges, amount), errors))
    _duplicates(rows)
    return sheet, problems, rows


def preview_file(db: Database, actor: Actor, carrier: str, file_name: str, content: bytes,
                 columns: dict[str, str] | None = None) -> BillPreview:
    """What importing the carrier's file would give, line by line with the comparison, changing
    nothing. ``columns``: choices made by hand in this preview, as for parcel lists."""
    require(actor, Perm.APPROVE_PAYMENTS)
    carrier = clean(carrier)
    if not carrier:
        raise ValidationFailed({"carrier": _("Enter the carrier's name.")})
    chosen = column_maps.check_choices(SCHEMA, columns)
    with db.read() as s:
        sheet, problems, rows = _file_rows(s, carrier, file_name, content, chosen)
        _compare(s, [r for r in rows if not r.errors], tolerances(s))
        return BillPreview(Path(file_name).name, rows, sheet.columns, problems)


def _save(tx: Session, actor: Actor, header: BillHeader, rows: list[LineCheck], file_name: str) -> int:
    _compare(tx, rows, tolerances(tx))
    at = now(tx)
    billed = Money.total((r.amount for r in rows), VND)
    expected = Money.total((r.expected for r in rows), VND)
    bill = CarrierBill(carrier=header.carrier, bill_no=header.bill_no, bill_date=header.bill_date, status=OPEN,
                       file_name=file_name[:255], billed=billed, expected=expected,
                       flagged_lines=sum(1 for r in rows if r.flagged), created_at=at, created_by_id=actor.user_id,
                       dispute_reason="")
    tx.add(bill)
    tx.flush()
    for r in rows:
        tx.add(CarrierBillLine(bill_id=bill.id, line_no=r.line, shipment_code=r.shipment_code,
                               shipment_id=r.shipment_id, billed_kg=r.billed_kg, billed_m3=r.billed_m3,
                               unit_price=r.unit_price, surcharges=r.surcharges, amount=r.amount,
                               our_gross_kg=r.our_gross_kg, our_parcels_kg=r.our_parcels_kg, our_m3=r.our_m3,
                               expected=r.expected, flags=list(r.flags)))
    tx.flush()
    record(tx, actor, "carrier_bill", bill.id, "recorded",
           after={"carrier": bill.carrier, "bill_no": bill.bill_no, "lines": len(rows), "billed": billed,
                  "expected": expected, "flagged": bill.flagged_lines, "file": file_name or None})
    return bill.id


def _number_taken():
    return taken("uq_carrier_bills_number", "bill_no",
                 lambda: _("This carrier's bill with this number is recorded already."))


def _refuse_known_number(tx: Session, h: BillHeader) -> None:
    if tx.scalar(select(CarrierBill.id).where(CarrierBill.carrier == h.carrier, CarrierBill.bill_no == h.bill_no)):
        raise ValidationFailed({"bill_no": _("This carrier's bill with this number is recorded already.")})


def import_file(db: Database, actor: Actor, header: BillHeader, file_name: str, content: bytes,
                columns: dict[str, str] | None = None) -> int:
    """Record the carrier's bill from their file: every row, or none (the rows are read and
    checked again here; any row error refuses the whole file). Columns mapped by hand are
    remembered for this carrier's next files."""
    require(actor, Perm.APPROVE_PAYMENTS)
    header = _check_header(header)
    chosen = column_maps.check_choices(SCHEMA, columns)
    with unique_rules(_number_taken()), db.transaction() as tx:
        _refuse_known_number(tx, header)
        _sheet, problems, rows = _file_rows(tx, header.carrier, file_name, content, chosen)
        if problems:
            raise BillColumnsMissing(problems=" ".join(problems))
        bad = sum(1 for r in rows if r.errors)
        if bad or not rows:
            raise BillImportRefused(n=bad)
        column_maps.remember(tx, actor, SCHEMA, source_of(header.carrier), chosen)
        return _save(tx, actor, header, rows, Path(file_name).name)


def enter_bill(db: Database, actor: Actor, header: BillHeader, lines: list[BillLineInput]) -> int:
    """Record a bill typed in from the carrier's paper: every line checked first, all or none."""
    require(actor, Perm.APPROVE_PAYMENTS)
    header = _check_header(header)
    if not lines:
        raise ValidationFailed({"lines": _("Add at least one line.")})
    if len(lines) > MAX_ROWS:
        raise ValidationFailed({"lines": _("At most {n} rows per file; split it.").format(n=f"{MAX_ROWS:,}")})
    rows = [_check_line(i, li, []) for i, li in enumerate(lines, start=1)]
    _duplicates(rows)
    bad = {f"lines.{r.line}": " ".join(r.errors) for r in rows if r.errors}
    if bad:
        raise ValidationFailed(bad)
    with unique_rules(_number_taken()), db.transaction() as tx:
        _refuse_known_number(tx, header)
        return _save(tx, actor, header, rows, "")


# -- reading bills ---------------------------------------------------------------------------------

def list_bills(db: Database, actor: Actor, carrier: str = "") -> list[BillSummary]:
    """The carriers' bills, newest first (the comparison screen's list)."""
    require(actor, Perm.VIEW_MONEY)
    carrier = clean(carrier)
    with db.read() as s:
        counts = dict(s.execute(select(CarrierBillLine.bill_id, func.count()).group_by(CarrierBillLine.bill_id)).all())
        q = select(CarrierBill).order_by(CarrierBill.bill_date.desc(), CarrierBill.id.desc()).limit(500)
        if carrier:
            q = q.where(CarrierBill.carrier == carrier)
        return [BillSummary(b.id, b.carrier, b.bill_no, b.bill_date, b.status, b.billed, b.expected,
                            b.flagged_lines, counts.get(b.id, 0), b.status in CARRIER_BILL_FLOW.terminal)
                for b in s.scalars(q)]


def carriers(db: Database, actor: Actor) -> list[str]:
    """The carriers whose bills were recorded, for the name field's suggestions."""
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        return list(s.scalars(select(CarrierBill.carrier).distinct().order_by(CarrierBill.carrier)))


def _line_view(l: CarrierBillLine) -> LineCheck:
    ours = l.our_gross_kg if l.our_gross_kg is not None else l.our_parcels_kg
    return LineCheck(l.line_no, l.shipment_code, l.billed_kg, l.billed_m3, l.unit_price, l.surcharges, l.amount,
                     l.shipment_id, "", l.our_gross_kg, l.our_parcels_kg, l.our_m3, l.expected,
                     l.billed_kg - ours if l.billed_kg is not None and ours is not None else None,
                     l.billed_m3 - l.our_m3 if l.billed_m3 is not None and l.our_m3 is not None else None,
                     l.amount - l.expected if l.shipment_id is not None and "no_price" not in l.flags else l.amount,
                     list(l.flags or []))


def bill_view(db: Database, actor: Actor, bill_id: int) -> BillView:
    """The comparison: each line, the carrier's figures beside ours, the difference, the flags."""
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        b = s.get(CarrierBill, bill_id)
        if b is None:
            raise NotFound(what=_("Carrier's bill"), key=bill_id)
        lines = [_line_view(l) for l in b.lines]
        seals = dict(s.execute(select(Shipment.id, Shipment.seal_no).where(
            Shipment.id.in_([l.shipment_id for l in lines if l.shipment_id]))).all()) if lines else {}
        for l in lines:
            l.seal_no = seals.get(l.shipment_id, "")
        return BillView(b.id, b.carrier, b.bill_no, b.bill_date, b.status, b.file_name, b.billed, b.expected,
                        b.accepted_amount, b.dispute_reason, b.task_id, b.entry_id, lines,
                        CARRIER_BILL_FLOW.allowed_actions(b, actor), b.status == DISPUTED)


# -- deciding --------------------------------------------------------------------------------------

def _lock(tx: Session, bill_id: int) -> CarrierBill:
    b = tx.scalar(select(CarrierBill).where(CarrierBill.id == bill_id).with_for_update())
    if b is None:
        raise NotFound(what=_("Carrier's bill"), key=bill_id)
    return b


def accept_bill(db: Database, actor: Actor, bill_id: int, amount: Money | None = None) -> int:
    """Accept the bill (or, after a dispute, the amount agreed with the carrier) and post what it
    adds to the payable: the difference between it and the freight cost already booked at the
    route's cost price when the customers were billed (one balanced entry; none when they are
    equal). Returns the entry's id (0 for none). What the carrier took off a disputed bill is what
    the dispute recovered."""
    require(actor, Perm.APPROVE_PAYMENTS)
    with db.transaction() as tx:
        b = _lock(tx, bill_id)
        if b.status not in CARRIER_BILL_FLOW.sources("accept"):
            raise DomainError(N_("This bill was accepted already."))
        pay = b.billed if amount is None else amount
        if not isinstance(pay, Money) or pay.currency != VND or pay.is_negative() or pay > b.billed:
            raise ValidationFailed({"amount": _("Enter an amount in VND from 0 to the billed {billed}.").format(
                billed=fmt_money(b.billed))})
        if pay < b.billed and b.status != DISPUTED:
            raise ValidationFailed({"amount": _("Dispute the bill first: a lower amount is what the carrier "
                                                "agrees to after a dispute.")})
        at = now(tx)
        before = b.status
        entry_id = None
        # Billing the customers already booked each order's freight cost at the route's cost price
        # (freight cost against freight payable): what the carrier bills beyond (or below) that,
        # the expected amount of these sacks, is what is left to book — never the whole bill twice.
        accrued = b.expected if b.expected is not None else Money.zero(VND)
        delta = pay - accrued
        if not delta.is_zero():
            entry = ledger.post_lines(tx, actor, "carrier_bill", posting_rules.carrier_bill(delta),
                memo=Message(N_("Bill {number} of carrier {carrier}: {billed} against {expected} booked at the "
                                "cost price"), number=b.bill_no, carrier=b.carrier, billed=pay, expected=accrued),
                reference=b.bill_no, counterpart=b.carrier, value_date=b.bill_date)
            entry_id = entry.id
        # a conditional UPDATE (the status still what was read): the step's target from its table
        done = tx.execute(update(CarrierBill).where(CarrierBill.id == b.id, CarrierBill.status == before)
                          .values(status=CARRIER_BILL_FLOW.target("accept"), accepted_amount=pay, entry_id=entry_id, decided_at=at,
                                  decided_by_id=actor.user_id))
        if done.rowcount != 1:
            raise DomainError(N_("This bill was accepted already."))
        close_tasks(tx, actor, "carrier_bill", b.id)
        record(tx, actor, "carrier_bill", b.id, "accepted", before={"status": before},
               after={"status": ACCEPTED, "amount": pay, "recovered": b.billed - pay})
        return entry_id or 0


def dispute_bill(db: Database, actor: Actor, bill_id: int, reason: str) -> int:
    """Dispute the bill with the carrier: a task for the accountants holding the evidence (each
    flagged line with our weights and the seal). Returns the task's id."""
    require(actor, Perm.APPROVE_PAYMENTS)
    reason = clean(reason)
    if not reason:
        raise ValidationFailed({"reason": _("Say what is wrong with the bill.")})
    if len(reason) > 2000:
        raise ValidationFailed({"reason": _("At most {maximum} characters.").format(maximum=2000)})
    with db.transaction() as tx:
        b = _lock(tx, bill_id)
        refused = DomainError(N_("Only a bill still to check can be disputed."))
        if b.status not in CARRIER_BILL_FLOW.sources("dispute"):
            raise refused
        flagged = [l for l in b.lines if any(f != "unsealed" for f in (l.flags or []))]
        seals = dict(tx.execute(select(Shipment.id, Shipment.seal_no).where(
            Shipment.id.in_([l.shipment_id for l in flagged if l.shipment_id]))).all()) if flagged else {}
        photographed = set(tx.scalars(select(ShipmentCustody.shipment_id).where(
            ShipmentCustody.shipment_id.in_(list(seals)), ShipmentCustody.photo_file_id.is_not(None)))) if seals else set()
        evidence = [_evidence(l, seals.get(l.shipment_id) or "", l.shipment_id in photographed) for l in flagged]
        note = Message(N_("{reason}\n\nBilled {billed}, expected {expected}.\n{lines}"), reason=reason,
                       billed=b.billed, expected=b.expected,
                       lines=_joined(evidence) if evidence else Message(N_("No line was flagged.")))
        task = open_task(tx, actor, TaskKind.CARRIER_DISPUTE, Role.ACCOUNTANT,
                         Message(N_("Dispute bill {number} of carrier {carrier}"), number=b.bill_no,
                                 carrier=b.carrier),
                         "carrier_bill", b.id, note=note)
        at = now(tx)
        move(tx, actor, b, CARRIER_BILL_FLOW, "dispute", reason, event="disputed", refused=refused,
             stamp={"disputed_at": at, "dispute_reason": reason, "task_id": task.id},
             after={"task_id": task.id}, note=reason[:500])
        return task.id


def _evidence(l: CarrierBillLine, seal: str, photo: bool = False) -> Message:
    """One flagged line as the carrier will be shown it: their figures, ours, the seal (and that
    its photo is kept in the shipment's "Seal and custody")."""
    dash = "—"
    text = (N_("{code}: billed {billed_kg} kg, {amount}; ours: sealed {gross} kg, parcels {parcels} kg, "
               "cost price {expected}; seal {seal} (photo in the shipment's seal and custody)") if photo else
            N_("{code}: billed {billed_kg} kg, {amount}; ours: sealed {gross} kg, parcels {parcels} kg, "
               "cost price {expected}; seal {seal}"))
    return Message(text,
                   code=l.shipment_code, billed_kg=dash if l.billed_kg is None else l.billed_kg, amount=l.amount,
                   gross=dash if l.our_gross_kg is None else l.our_gross_kg,
                   parcels=dash if l.our_parcels_kg is None else l.our_parcels_kg, expected=l.expected,
                   seal=seal or dash)


def _joined(lines: list[Message]) -> Message:
    """The evidence lines, one under the other, each rendered in the reader's language."""
    keys = [f"l{i}" for i in range(len(lines))]
    return Message("\n".join("{" + k + "}" for k in keys), **dict(zip(keys, lines)))
