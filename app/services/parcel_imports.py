"""Importing a partner warehouse's tracking list (XLSX or CSV): preview, row-by-row errors, then
all rows or none.

Columns are recognised by their header (app.import_columns: English, Vietnamese or Chinese, with
or without a unit — ``重量(kg)``, ``Cân nặng (g)``, ``Weight [KG]`` — in any order): tracking code
(required), weight (converted to kg), dimensions ("40x30x20" or three columns, converted to cm),
the seller's order number (links an unknown code to its shop order), note. The preview lists
every column of the file with what it was read as, or "ignored"; a column the words do not name
can be mapped by hand, and that choice is remembered for the warehouse's next files. A file
without a weight column is refused unless a column is mapped to the weight or the person says
to import without weights (billing needs them).

Each row is a receipt in the chosen China warehouse, exactly as if it had been scanned there:
declared codes are received, unknown codes become ownerless parcels. A code already received is
an error (nothing is counted twice); the whole file is refused while any row has an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _
from app.import_columns import (Column, Field, Schema, Sheet, SheetRow, missing_required,
                                parse_dims_measure, parse_measure, read_sheet, understand)
from app.models import Order, Parcel, ParcelImport, ShopOrder, Warehouse
from app.permissions import Actor, Perm, require
from app.progress import Progress
from app.services import column_maps
from app.services.activity import now, record
from app.services.scanning import Measurements, Outcome, check_measurements
from app.services.writes import core
from app.services.unique import tracking_code_taken, unique_rules
from app.text import search_blob
from app.tracking import is_plausible, normalize_code
from app.workflows.parcels import PARCEL_STATUS_LABELS, ParcelStatus

MAX_ROWS = 20_000

SCHEMA = Schema("parcels", (
    Field("code", N_("Tracking code"), (
        "code", "tracking", "tracking code", "tracking no", "tracking number", "tracking id", "waybill",
        "waybill no", "awb", "bill of lading", "mã vận đơn", "vận đơn", "mã vđ", "mvd", "mã kiện", "mã bill",
        "快递单号", "单号", "运单号", "物流单号", "快递号", "运单编号"), required=True),
    Field("weight", N_("Weight"), (
        "weight", "gross weight", "actual weight", "weight kg", "cân nặng", "trọng lượng", "khối lượng",
        "cân nặng thực", "trọng lượng thực", "tl", "kl", "重量", "毛重", "实重", "称重", "实际重量", "包裹重量"),
        quantity="mass"),
    Field("dims", N_("Size (L×W×H)"), (
        "dimensions", "dimension", "dims", "size", "measurements", "l x w x h", "lxwxh", "kích thước", "kt",
        "尺寸", "规格", "长宽高", "体积尺寸"), quantity="length"),
    Field("length", N_("Length"), ("length", "len", "l", "dài", "chiều dài", "长", "长度"), quantity="length"),
    Field("width", N_("Width"), ("width", "w", "rộng", "chiều rộng", "宽", "宽度"), quantity="length"),
    Field("height", N_("Height"), ("height", "h", "cao", "chiều cao", "高", "高度"), quantity="length"),
    Field("shop_order", N_("Shop order number"), (
        "shop order", "seller order", "order no", "order number", "order", "mã đơn", "mã đơn shop",
        "đơn hàng", "订单号", "订单", "采购单号", "订单编号")),
    Field("note", N_("Note"), ("note", "notes", "remark", "remarks", "comment", "ghi chú", "备注", "说明")),
))

NO_WEIGHT = N_("No weight column was found, so no parcel would get a weight. Choose which column holds the "
               "weight, or confirm importing without weights.")


def source_of(warehouse_id: int) -> str:
    """Whose files these are, for remembered column choices: the receiving partner warehouse."""
    return f"warehouse:{warehouse_id}"


class ImportRefused(DomainError):
    msgid = N_("The file was not imported: {n} row(s) have errors. Correct them and import again.")

    def __init__(self, rows: list["PreviewRow"]) -> None:
        super().__init__(n=sum(1 for r in rows if r.errors))
        self.rows = rows


class ColumnsMissing(DomainError):
    msgid = N_("The file was not imported: {problems}")

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems=" ".join(problems))
        self.problems = problems


@dataclass
class PreviewRow:
    line: int                       # the row number as a spreadsheet shows it
    raw_code: str
    code: str
    weight_kg: Decimal | None = None
    dims: tuple[Decimal, Decimal, Decimal] | None = None
    shop_order: str = ""
    note: str = ""
    action: str = ""                # receive, ownerless, link (to a shop order)
    order_code: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    file_name: str
    warehouse_id: int
    rows: list[PreviewRow]
    #: every column of the file with what it was read as (``Column.field`` None: ignored)
    columns: list[Column] = field(default_factory=list)
    #: what keeps the whole file from being imported, most important first (no weight column first)
    problems: list[str] = field(default_factory=list)
    #: no column is read as the weight (whether or not importing without weights was confirmed)
    weight_missing: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    rows: int
    received: int
    ownerless: int
    excess: int


# -- reading the file -----------------------------------------------------------------------------

def _sheet(tx, warehouse_id: int, file_name: str, rows: list[SheetRow], chosen: dict[str, str]) -> Sheet:
    return understand(SCHEMA, file_name, rows, column_maps.remembered(tx, SCHEMA.kind, source_of(warehouse_id)),
                      chosen)


def _problems(sheet: Sheet, without_weights: bool) -> tuple[list[str], bool]:
    """File-level problems, the missing weight column first: it is what billing cannot do without."""
    found = {c.field for c in sheet.columns if c.field}
    problems = []
    weight_missing = "weight" not in found
    if weight_missing and not without_weights:
        problems.append(_(NO_WEIGHT))
    if missing_required(SCHEMA, sheet.columns):            # the tracking code: the only required column
        problems.append(_("No column of tracking codes was found: choose which column holds them, or give it a "
                          "header such as “Tracking code”, “Mã vận đơn” or “快递单号”."))
    return problems, weight_missing


def _table(sheet: Sheet) -> list[tuple[SheetRow, dict[str, str]]]:
    table = sheet.records()
    if len(table) > MAX_ROWS:
        raise ValidationFailed({"file": _("At most {n} rows per file; split it.").format(n=f"{MAX_ROWS:,}")})
    return table


def _measurements(sheet: Sheet, v: dict[str, str], row: PreviewRow) -> None:
    """Weight and size of one row, in kg and cm whatever units the file used; each bad value is
    its own row error (negative, zero, not a number, too big)."""
    units = {c.field: c.unit for c in sheet.columns if c.field}
    weight = dims = None
    try:
        weight = parse_measure(v.get("weight", ""), "mass", units.get("weight"))
    except ValueError:
        row.errors.append(_("Weight: cannot read “{text}” as a number.").format(text=v.get("weight", "")))
    try:
        if v.get("dims"):
            dims = parse_dims_measure(v["dims"], units.get("dims"))
        elif any(v.get(k) for k in ("length", "width", "height")):
            dims = tuple(parse_measure(v.get(k, ""), "length", units.get(k))  # type: ignore[assignment]
                         for k in ("length", "width", "height"))
    except ValueError as exc:
        row.errors.append(_("Size: cannot read “{text}” as a number or as length×width×height.").format(text=exc))
    try:
        m = check_measurements(Measurements(weight, *(dims or (None, None, None))))
        row.weight_kg, row.dims = m.weight_kg, m.dims
    except ValidationFailed as exc:
        row.errors.extend(exc.field_errors.values())
    if "weight" in v and not v["weight"] and not row.errors:
        row.warnings.append(_("No weight on this row: the parcel is received without one."))


# -- checking ------------------------------------------------------------------------------------

def _china_warehouse(tx, warehouse_id: int) -> None:
    wh = tx.get(Warehouse, warehouse_id) if isinstance(warehouse_id, int) else None
    if wh is None or wh.country != "CN":
        raise ValidationFailed({"warehouse": _("Choose a warehouse in China to receive into.")})


def _check(tx, warehouse_id: int, sheet: Sheet, table: list[tuple[SheetRow, dict[str, str]]]) -> list[PreviewRow]:
    rows: list[PreviewRow] = []
    seen: dict[str, int] = {}
    for sheet_row, v in table:
        n = sheet_row.line
        # codes stay exact text; one Excel already rounded is an error, never a wrong parcel
        raw, code_lost = sheet.code(sheet_row, v, "code")
        shop_order, order_lost = sheet.code(sheet_row, v, "shop_order")
        row = PreviewRow(n, raw, "" if code_lost else normalize_code(raw), shop_order=shop_order,
                         note=v.get("note", "").strip(), warnings=list(sheet_row.warnings))
        row.errors.extend(sheet_row.errors)
        if order_lost:
            row.errors.append(order_lost)
        if code_lost:
            row.errors.append(code_lost)
        elif not row.code:
            row.errors.append(_("No tracking code."))
        elif not is_plausible(row.code):
            row.errors.append(_("“{code}” does not look like a tracking code.").format(code=raw))
        elif row.code in seen:
            row.errors.append(_("Listed twice (also row {n}).").format(n=seen[row.code]))
        else:
            seen[row.code] = n
        _measurements(sheet, v, row)
        rows.append(row)
    codes = [r.code for r in rows if r.code]
    known = {}
    for chunk in range(0, len(codes), 900):
        for p, ocode in tx.execute(select(Parcel, Order.code).outerjoin(Order, Order.id == Parcel.order_id)
                                   .where(Parcel.tracking_code.in_(codes[chunk:chunk + 900]))):
            known[p.tracking_code] = (p, ocode)
    numbers = {r.shop_order for r in rows if r.shop_order}
    shop_orders = {}
    if numbers:
        for so, ocode in tx.execute(select(ShopOrder, Order.code).join(Order, Order.id == ShopOrder.order_id)
                                    .where(ShopOrder.platform_order_no.in_(numbers))):
            shop_orders.setdefault(so.platform_order_no, (so, ocode))
    for row in rows:
        if not row.code:
            continue
        hit = known.get(row.code)
        if hit is not None:
            p, ocode = hit
            row.order_code = ocode or ""
            if p.status in (ParcelStatus.EXPECTED, ParcelStatus.LOST):
                row.action = "receive"
            else:
                row.errors.append(_("Already received ({status}); nothing is counted twice.").format(
                    status=_(PARCEL_STATUS_LABELS.get(p.status, p.status)).lower()))
        elif row.shop_order and row.shop_order in shop_orders:
            row.action, row.order_code = "link", shop_orders[row.shop_order][1]
        else:
            row.action = "ownerless"
            if row.shop_order:
                row.warnings.append(_("No shop order has the number {no}: it becomes an ownerless parcel "
                                      "(the number helps match it).").format(no=row.shop_order))
    return rows


def preview(db: Database, actor: Actor, warehouse_id: int, file_name: str, content: bytes,
            columns: dict[str, str] | None = None, without_weights: bool = False) -> ImportPreview:
    """What importing the file would do, column by column and row by row, changing nothing.

    ``columns`` are the choices made by hand in this preview ({header key: field key, or "" to
    ignore the column}); they win over the warehouse's remembered choices and over the headers."""
    require(actor, Perm.IMPORT_PARCELS)
    chosen = column_maps.check_choices(SCHEMA, columns)
    sheet_rows = read_sheet(file_name, content, MAX_ROWS, SCHEMA)
    with db.read() as s:
        _china_warehouse(s, warehouse_id)
        sheet = _sheet(s, warehouse_id, file_name, sheet_rows, chosen)
        problems, weight_missing = _problems(sheet, without_weights)
        table = _table(sheet)
        rows = _check(s, warehouse_id, sheet, table) if "code" in {c.field for c in sheet.columns} else []
        if not table and not problems:
            problems.append(_("The file has no rows under its header."))
        return ImportPreview(file_name, warehouse_id, rows, sheet.columns, problems, weight_missing)


def import_parcels(db: Database, actor: Actor, warehouse_id: int, file_name: str, content: bytes,
                   progress: Progress | None = None, columns: dict[str, str] | None = None,
                   without_weights: bool = False) -> ImportResult:
    """Receive every row, or none: the rows are checked again inside the transaction (the
    warehouse may have scanned some since the preview) and any error refuses the whole file.
    Columns mapped by hand are remembered for this warehouse's next files."""
    from app.services import parcels as parcel_service

    require(actor, Perm.IMPORT_PARCELS)
    chosen = column_maps.check_choices(SCHEMA, columns)
    sheet_rows = read_sheet(file_name, content, MAX_ROWS, SCHEMA)
    # a code linked here that a scan or another import gave a parcel at this very moment
    with unique_rules(tracking_code_taken(field="file")), db.transaction() as tx:
        _china_warehouse(tx, warehouse_id)
        sheet = _sheet(tx, warehouse_id, file_name, sheet_rows, chosen)
        problems, _missing = _problems(sheet, without_weights)
        if problems:
            raise ColumnsMissing(problems)
        table = _table(sheet)
        rows = _check(tx, warehouse_id, sheet, table)
        if not rows or any(r.errors for r in rows):
            raise ImportRefused(rows)
        column_maps.remember(tx, actor, SCHEMA, source_of(warehouse_id), chosen)
        at = now(tx)
        batch = ParcelImport(warehouse_id=warehouse_id, file_name=Path(file_name).name[:255],
                             rows=len(rows), created_at=at, created_by_id=actor.user_id)
        tx.add(batch)
        tx.flush()
        record(tx, actor, "parcel_import", batch.id, "imported",
               after={"file": batch.file_name, "rows": len(rows)})
        numbers = {r.shop_order for r in rows if r.action == "link"}
        shop_orders = {so.platform_order_no: so for so in tx.scalars(
            select(ShopOrder).where(ShopOrder.platform_order_no.in_(numbers)))} if numbers else {}
        received = ownerless = excess = 0
        for i, row in enumerate(rows):
            if row.action == "link":
                so = shop_orders[row.shop_order]
                order = tx.get(Order, so.order_id)
                tx.add(Parcel(tracking_code=row.code, order_id=order.id, shop_order_id=so.id,
                              customer_id=order.customer_id, status=ParcelStatus.EXPECTED.value,
                              destination_warehouse_id=order.destination_warehouse_id,
                              search_text=search_blob(row.code), created_at=at, updated_at=at))
                tx.flush()
            m = Measurements(row.weight_kg, *(row.dims or (None, None, None)))
            result = parcel_service.receive_in_transaction(tx, actor, warehouse_id, row.code, row.raw_code, m,
                                                           stop_on_alerts=False)
            if result.outcome not in (Outcome.RECEIVED, Outcome.EXCESS, Outcome.OWNERLESS):
                raise ImportRefused([PreviewRow(row.line, row.raw_code, row.code, errors=[result.title])])
            received += result.outcome != Outcome.OWNERLESS
            ownerless += result.outcome == Outcome.OWNERLESS
            excess += result.outcome == Outcome.EXCESS
            extra = {"import_id": batch.id}
            if row.note or row.shop_order:
                extra.update(note=row.note, seller_order_no=row.shop_order[:60])
            core(tx, "parcels").execute(Parcel.__table__.update().where(
                Parcel.__table__.c.id == result.parcel_id).values(**extra))
            if progress is not None and i % 200 == 0:
                progress.update(i, len(rows), _("Importing…"))
        batch.received, batch.ownerless = received, ownerless
        return ImportResult(batch.id, len(rows), received, ownerless, excess)
