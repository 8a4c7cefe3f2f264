"""Importing a partner warehouse's tracking list (XLSX or CSV): preview, row-by-row errors, then
all rows or none.

Columns (recognised by their header in English, Vietnamese or Chinese; order does not matter):
tracking code (required), weight kg, dimensions ("40x30x20" or three columns), the seller's
order number (links an unknown code to its shop order), note. Each row is a receipt in the
chosen China warehouse, exactly as if it had been scanned there: declared codes are received,
unknown codes become ownerless parcels. A code already received is an error (nothing is counted
twice); the whole file is refused while any row has an error.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from app.db import Database
from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _
from app.models import Order, Parcel, ParcelImport, ShopOrder, Warehouse
from app.permissions import Actor, Perm, require
from app.progress import Progress
from app.services.activity import now, record
from app.services.scanning import Measurements, Outcome, check_measurements, core
from app.services.unique import tracking_code_taken, unique_rules
from app.text import fold, search_blob
from app.tracking import is_plausible, normalize_code
from app.workflows.parcels import PARCEL_STATUS_LABELS, ParcelStatus

MAX_ROWS = 20_000
P = ParcelStatus

#: header words (folded) -> field
HEADERS = {
    "code": ("code", "tracking", "tracking code", "tracking no", "tracking number", "ma van don", "van don",
             "ma vd", "快递单号", "单号", "运单号", "物流单号"),
    "weight": ("weight", "weight kg", "kg", "can nang", "trong luong", "can nang kg", "重量", "重量kg"),
    "dims": ("dimensions", "dims", "size", "kich thuoc", "尺寸", "规格"),
    "length": ("length", "dai", "chieu dai", "长"),
    "width": ("width", "rong", "chieu rong", "宽"),
    "height": ("height", "cao", "chieu cao", "高"),
    "shop_order": ("shop order", "seller order", "order no", "order", "ma don", "ma don shop", "don hang",
                   "订单号", "订单", "采购单号"),
    "note": ("note", "notes", "ghi chu", "备注"),
}


class ImportRefused(DomainError):
    msgid = N_("The file was not imported: {n} row(s) have errors. Correct them and import again.")

    def __init__(self, rows: list["PreviewRow"]) -> None:
        super().__init__(n=sum(1 for r in rows if r.errors))
        self.rows = rows


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

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

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

def _field_of(header: str) -> str | None:
    h = re.sub(r"[\s_()（）:：.\-/]+", " ", fold(header)).strip()
    for name, words in HEADERS.items():
        if h in words:
            return name
    return None


def read_table(file_name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, {field: text}) for each data row; raises ValidationFailed for a file that
    cannot be read or has no tracking-code column."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(content)
    elif suffix in (".csv", ".txt"):
        table = _csv_rows(content)
    else:
        raise ValidationFailed({"file": _("Choose an Excel (.xlsx) or CSV file.")})
    header_at, fields = None, {}
    for i, (n, cells) in enumerate(table[:10]):
        found = {j: _field_of(c) for j, c in enumerate(cells) if c and _field_of(c)}
        if "code" in found.values():
            header_at, fields = i, found
            break
    if header_at is None:
        raise ValidationFailed({"file": _("No column of tracking codes was found: the first rows need a "
                                          "header such as “Tracking code”, “Mã vận đơn” or “快递单号”.")})
    out = []
    for n, cells in table[header_at + 1:]:
        values = {name: (cells[j].strip() if j < len(cells) and cells[j] is not None else "")
                  for j, name in fields.items()}
        if any(values.values()):
            out.append((n, values))
    if len(out) > MAX_ROWS:
        raise ValidationFailed({"file": _("At most {n} rows per file; split it.").format(n=f"{MAX_ROWS:,}")})
    return out


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed({"file": _("The CSV file is neither UTF-8 nor GB18030 text.")})
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1)]


def _xlsx_rows(content: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or encrypted file: say so, whatever openpyxl raised
        raise ValidationFailed({"file": _("The Excel file cannot be read: {error}").format(error=exc)}) from exc
    try:
        ws = wb.worksheets[0]
        rows = []
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            rows.append((i, ["" if v is None else _cell_text(v) for v in row]))
            if i > MAX_ROWS + 20:
                break
        return rows
    finally:
        wb.close()


def _cell_text(v) -> str:
    if isinstance(v, float):
        # Excel stores 1.25 kg as a float and long codes as floats too: print them back exactly
        d = Decimal(repr(v))
        return f"{d:f}".rstrip("0").rstrip(".") if "." in f"{d:f}" else f"{d:f}"
    return str(v)


def _decimal(text: str) -> Decimal | None:
    t = text.strip().lower().replace("kg", "").replace("cm", "").strip().replace(",", ".")
    if not t:
        return None
    try:
        return Decimal(t)
    except InvalidOperation:
        raise ValueError(text) from None


# -- checking ------------------------------------------------------------------------------------

def _check(tx, warehouse_id: int, table: list[tuple[int, dict[str, str]]]) -> list[PreviewRow]:
    from app.services.scanning import parse_dims

    wh = tx.get(Warehouse, warehouse_id)
    if wh is None or wh.country != "CN":
        raise ValidationFailed({"warehouse": _("Choose a warehouse in China to receive into.")})
    rows: list[PreviewRow] = []
    seen: dict[str, int] = {}
    for n, v in table:
        raw = v.get("code", "")
        row = PreviewRow(n, raw, normalize_code(raw), shop_order=v.get("shop_order", "").strip(),
                         note=v.get("note", "").strip())
        if not row.code:
            row.errors.append(_("No tracking code."))
        elif not is_plausible(row.code):
            row.errors.append(_("“{code}” does not look like a tracking code.").format(code=raw))
        elif row.code in seen:
            row.errors.append(_("Listed twice (also row {n}).").format(n=seen[row.code]))
        else:
            seen[row.code] = n
        try:
            row.weight_kg = _decimal(v.get("weight", ""))
            if v.get("dims"):
                row.dims = parse_dims(v["dims"])
                if row.dims is None:
                    raise ValueError(v["dims"])
            elif any(v.get(k) for k in ("length", "width", "height")):
                row.dims = tuple(_decimal(v.get(k, "")) for k in ("length", "width", "height"))  # type: ignore[assignment]
            m = check_measurements(Measurements(row.weight_kg, *(row.dims or (None, None, None))))
            row.weight_kg, row.dims = m.weight_kg, m.dims
        except ValueError as exc:
            row.errors.append(_("Cannot read “{text}” as a number or as length×width×height.").format(text=exc))
        except ValidationFailed as exc:
            row.errors.extend(exc.field_errors.values())
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
            if p.status in (P.EXPECTED, P.LOST):
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


def preview(db: Database, actor: Actor, warehouse_id: int, file_name: str, content: bytes) -> ImportPreview:
    """What importing the file would do, row by row, changing nothing."""
    require(actor, Perm.IMPORT_PARCELS)
    table = read_table(file_name, content)
    with db.read() as s:
        return ImportPreview(file_name, warehouse_id, _check(s, warehouse_id, table))


def import_parcels(db: Database, actor: Actor, warehouse_id: int, file_name: str, content: bytes,
                   progress: Progress | None = None) -> ImportResult:
    """Receive every row, or none: the rows are checked again inside the transaction (the
    warehouse may have scanned some since the preview) and any error refuses the whole file."""
    from app.services import parcels as parcel_service

    require(actor, Perm.IMPORT_PARCELS)
    table = read_table(file_name, content)
    # a code linked here that a scan or another import gave a parcel at this very moment
    with unique_rules(tracking_code_taken(field="file")), db.transaction() as tx:
        rows = _check(tx, warehouse_id, table)
        if not rows or any(r.errors for r in rows):
            raise ImportRefused(rows)
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
                              customer_id=order.customer_id, status=P.EXPECTED.value,
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
