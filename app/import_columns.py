"""Reading an imported sheet's columns: which header means which field, in which unit.

Shared by every file import (a partner's tracking list, a customer's cart, later carrier bills),
so that a header is understood the same way everywhere and a column is never dropped without a
word: each column of the file ends up as a ``Column`` that says what it was taken for — or that
it is ignored — and the preview shows that list.

A header is compared after NFKC (full-width ``（公斤）`` becomes ``(公斤)``), case and diacritic
folding (``Cân nặng`` → ``can nang``) and punctuation/spacing folding; a unit written in any
bracket (``重量(kg)``, ``Weight [KG]``, ``毛重（公斤）``) or trailing the name (``weight_kg``,
``重量公斤``) is recognised, and numbers are converted to the field's canonical unit (g → kg,
mm/m → cm). Reading the file itself (CSV or XLSX → numbered rows of text) is here too, so row
checks that concern the file rather than the business (cell counts, formulas) have one home.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app.errors import ValidationFailed
from app.i18n import _
from app.sheets import Uncomputed, extra_cells_warning, mark_uncomputed, uncomputed_error
from app.text import fold

HEADER_SCAN_ROWS = 20          # a header is looked for in the first rows (titles may sit above it)


# -- units ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    symbol: str                 # as shown: "kg", "g", "cm"…
    quantity: str               # "mass", "length", "money_cny"
    factor: Decimal | None      # value in the canonical unit = value × factor; None: cannot be converted
    words: tuple[str, ...]      # the (folded) ways people write it


UNITS: tuple[Unit, ...] = (
    Unit("kg", "mass", Decimal(1), ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogam", "ki lo",
                                    "ki lo gam", "公斤", "千克")),
    Unit("g", "mass", Decimal("0.001"), ("g", "gr", "gram", "grams", "gam", "克")),
    Unit("lb", "mass", Decimal("0.45359237"), ("lb", "lbs", "pound", "pounds", "磅")),
    Unit("cm", "length", Decimal(1), ("cm", "centimet", "centimeter", "centimeters", "centimetre", "phan",
                                      "厘米", "公分")),
    Unit("mm", "length", Decimal("0.1"), ("mm", "milimet", "millimeter", "millimeters", "millimetre", "li",
                                          "毫米")),
    Unit("m", "length", Decimal(100), ("m", "met", "meter", "meters", "metre", "米")),
    Unit("CNY", "money_cny", Decimal(1), ("cny", "rmb", "te", "ndt", "nhan dan te", "yuan", "元", "人民币", "¥",
                                          "￥")),
    Unit("VND", "money_cny", None, ("vnd", "d", "dong", "vnđ", "₫", "越南盾")),
)
CANONICAL = {"mass": "kg", "length": "cm", "money_cny": "CNY"}
_UNIT_BY_WORD = {w: u for u in UNITS for w in u.words}


def unit_named(text: str) -> Unit | None:
    """"KG", "公斤", "gam" → that unit; None when the text is not a unit."""
    return _UNIT_BY_WORD.get(_words(text))


def canonical_unit(quantity: str) -> Unit:
    return next(u for u in UNITS if u.symbol == CANONICAL[quantity])


# -- fields and schemas --------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    key: str
    label: str                          # N_ msgid, shown in the preview and the column combo
    names: tuple[str, ...]              # synonyms in any language, written naturally (folded on use)
    quantity: str | None = None         # "mass", "length"…: numbers are converted to its canonical unit
    required: bool = False


@dataclass(frozen=True)
class Schema:
    """The fields one kind of import reads; ``kind`` also keys the remembered mappings."""

    kind: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        table: dict[str, str] = {}
        for f in self.fields:
            for name in f.names:
                table.setdefault(_words(name), f.key)
        object.__setattr__(self, "_by_name", table)

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def named(self, words: str) -> str | None:
        return self._by_name.get(words)  # type: ignore[attr-defined]


# -- understanding one header --------------------------------------------------------------------

_BRACKETS = re.compile(r"[(\[{<]([^)\]}>]*)[)\]}>]")
_PUNCT = re.compile(r"[\s_.,:;/\\|*#'\"?!+=~\-–—]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _words(text: str | None) -> str:
    """The comparable form of a header or unit: NFKC, folded, punctuation as single spaces."""
    t = unicodedata.normalize("NFKC", text or "")
    t = fold(t.replace("【", "[").replace("】", "]").replace("〔", "(").replace("〕", ")"))
    return _PUNCT.sub(" ", t).strip()


def header_key(header: str, index: int) -> str:
    """What a remembered mapping is keyed by: the header's comparable form, or the column's
    position for a column without a header."""
    key = _words(_BRACKETS.sub(lambda m: f"({m.group(1)})", unicodedata.normalize("NFKC", header or "")))
    return key[:200] if key else f"#{index + 1}"


def split_header(header: str) -> tuple[str, Unit | None, list[str]]:
    """(name words, the unit the header states, other bracketed words): ``Weight [KG]`` →
    ("weight", kg, []); ``重量公斤`` → ("重量", kg, []); ``Mã (bắt buộc)`` → ("ma", None, ["bat buoc"])."""
    text = unicodedata.normalize("NFKC", header or "").replace("【", "[").replace("】", "]")
    unit: Unit | None = None
    extra: list[str] = []
    for inner in _BRACKETS.findall(text):
        u = unit_named(inner)
        if u is not None and unit is None:
            unit = u
        elif _words(inner):
            extra.append(_words(inner))
    name = _words(_BRACKETS.sub(" ", text))
    if unit is None and unit_named(name) is not None:
        return "", unit_named(name), extra             # a bare "kg" or "公斤"
    if unit is None and name:
        # "weight kg", "weight in kg", "trọng lượng (kg)" without brackets, "重量公斤"
        tokens = name.split(" ")
        if len(tokens) > 1 and unit_named(tokens[-1]) is not None:
            unit, name = unit_named(tokens[-1]), " ".join(tokens[:-1])
            if name.endswith((" in", " theo", " bang")):
                name = name.rsplit(" ", 1)[0]
        else:
            for u in UNITS:
                for w in u.words:
                    if _CJK.search(w) and name.endswith(w) and len(name) > len(w):
                        unit, name = u, name[: -len(w)].strip()
                        break
                if unit is not None:
                    break
    return name, unit, extra


def match_header(schema: Schema, header: str) -> tuple[str | None, Unit | None]:
    """The field a header names (or None) and the unit it states."""
    name, unit, extra = split_header(header)
    key = schema.named(name) if name else None
    if key is None and extra:
        # the bracket held words, not a unit: "Mã vận đơn (tracking)" → try them too
        key = next((schema.named(e) for e in extra if schema.named(e)), None)
    if key is None and not name and unit is not None:
        # a bare "kg" header: the one field measured in that quantity
        candidates = [f.key for f in schema.fields if f.quantity == unit.quantity]
        key = candidates[0] if len(candidates) == 1 else None
    return key, unit


# -- the columns of one file ---------------------------------------------------------------------

IGNORE = ""                     # a mapping's value for "ignore this column"


@dataclass
class Column:
    index: int                  # 0-based position in the file
    header: str                 # as written in the file
    key: str                    # header_key(): what a mapping is remembered by
    field: str | None = None    # the field it was taken for; None: ignored
    unit: Unit | None = None    # the unit its numbers are in (None: the field's canonical unit or none)
    how: str = ""               # "header", "remembered", "chosen" (by hand in this preview), "" (ignored)
    sample: str = ""            # the first value under the header, to help a person map it
    note: str = ""              # why a column that looks meaningful was ignored

    @property
    def ignored(self) -> bool:
        return self.field is None


def understood(schema: Schema, col: Column) -> str:
    """What the preview says about a column: "Weight (kg), converted from g" or "ignored"."""
    if col.field is None:
        return _("ignored") + (f" — {col.note}" if col.note else "")
    f = schema.field(col.field)
    text = _(f.label)
    if f.quantity is not None:
        canonical = CANONICAL[f.quantity]
        text = f"{text} ({canonical})"
        if col.unit is not None and col.unit.symbol != canonical:
            text = _("{field}, converted from {unit}").format(field=text, unit=col.unit.symbol)
    if col.how == "remembered":
        text = _("{field} (remembered choice)").format(field=text)
    elif col.how == "chosen":
        text = _("{field} (chosen by hand)").format(field=text)
    return text


def match_columns(schema: Schema, headers: list[str], remembered: dict[str, str] | None = None,
                  chosen: dict[str, str] | None = None, samples: list[str] | None = None) -> list[Column]:
    """Every column of the header row with what it is taken for. A choice made by hand in this
    preview wins over a remembered one, which wins over the header's own words; a field is read
    from one column only — the one chosen by hand if any, else the first — and any other column
    naming it is ignored and says why."""
    remembered, chosen = remembered or {}, chosen or {}
    cols: list[Column] = []
    wanted: list[tuple[Column, str, Unit | None, str]] = []
    for i, header in enumerate(headers):
        header = (header or "").strip()
        col = Column(i, header, header_key(header, i), sample=(samples[i] if samples and i < len(samples) else ""))
        key, unit = match_header(schema, header)
        how = "header" if key else ""
        for source, table in (("chosen", chosen), ("remembered", remembered)):
            if col.key in table:
                key = table[col.key] if table[col.key] in schema.keys else None
                how = source if key else ""
                break
        if not header and not col.sample and key is None:
            continue                       # an empty column: nothing to say about it
        cols.append(col)
        if key is None:
            continue
        f = schema.field(key)
        if unit is not None and f.quantity is not None and unit.quantity != f.quantity:
            col.note = _("its unit {unit} is not a unit of {field}").format(unit=unit.symbol, field=_(f.label))
        elif unit is not None and f.quantity is not None and unit.factor is None:
            col.note = _("values in {unit} cannot be converted to {canonical}").format(
                unit=unit.symbol, canonical=CANONICAL[f.quantity])
        else:
            wanted.append((col, key, unit, how))
    rank = {"chosen": 0, "remembered": 1, "header": 2}
    taken: dict[str, Column] = {}
    for col, key, unit, how in sorted(wanted, key=lambda w: (rank[w[3]], w[0].index)):
        if key in taken:
            col.note = _("“{field}” is already read from column “{other}”").format(
                field=_(schema.field(key).label), other=taken[key].header or taken[key].key)
            continue
        col.field, col.how = key, how
        col.unit = unit if unit is not None and schema.field(key).quantity else None
        taken[key] = col
    return cols


def missing_required(schema: Schema, cols: list[Column]) -> list[Field]:
    found = {c.field for c in cols if c.field}
    return [f for f in schema.fields if f.required and f.key not in found]


# -- numbers with units --------------------------------------------------------------------------

_NUMBER = re.compile(r"^([+-]?\s*\d[\d\s.,']*|[+-]?[.,]\d+)\s*([^\d\s].*)?$")


def parse_number(text: str) -> Decimal:
    """"1,25", "1.250,5", "1,234.5", "1 234" → Decimal; ValueError otherwise."""
    t = text.strip().replace(" ", "").replace("\u00a0", "").replace("'", "")
    if "," in t and "." in t:
        # the last separator is the decimal point, the other one groups thousands
        t = t.replace(",", "") if t.rfind(".") > t.rfind(",") else t.replace(".", "").replace(",", ".")
    elif t.count(",") == 1:
        t = t.replace(",", ".")
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def parse_measure(text: str, quantity: str, unit: Unit | None) -> Decimal | None:
    """A cell's number in the canonical unit of ``quantity``: the cell's own unit ("800 g")
    wins over the column's; None for an empty cell; ValueError for anything else."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    if not t:
        return None
    m = _NUMBER.match(t)
    if not m:
        raise ValueError(text)
    number, suffix = m.group(1), (m.group(2) or "").strip()
    if suffix:
        cell_unit = unit_named(suffix)
        if cell_unit is None or cell_unit.quantity != quantity or cell_unit.factor is None:
            raise ValueError(text)
        unit = cell_unit
    value = parse_number(number)
    factor = unit.factor if unit is not None and unit.factor is not None else Decimal(1)
    return value * factor


_DIMS = re.compile(r"^\s*([\d.,]+)\s*[x×*X]\s*([\d.,]+)\s*[x×*X]\s*([\d.,]+)\s*([^\d\s].*)?$")


def parse_dims_measure(text: str, unit: Unit | None) -> tuple[Decimal, Decimal, Decimal] | None:
    """"40x30x20", "400*300*200 mm" → three sides in cm; None for an empty cell; ValueError otherwise."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    if not t:
        return None
    m = _DIMS.match(t)
    if not m:
        raise ValueError(text)
    suffix = (m.group(4) or "").strip()
    if suffix:
        unit = unit_named(suffix)
        if unit is None or unit.quantity != "length":
            raise ValueError(text)
    factor = unit.factor if unit is not None and unit.factor is not None else Decimal(1)
    return tuple(parse_number(g) * factor for g in m.groups()[:3])  # type: ignore[return-value]


# -- reading the file ----------------------------------------------------------------------------

@dataclass
class SheetRow:
    """One row of the file as text. ``warnings`` are the file's own remarks about the row
    (kept apart from the business checks, which the importing service adds); every import copies
    them into its preview row, so a check about the file itself is written once, here: one that
    needs only the cells (a formula without a stored value) in ``_xlsx_rows``/``_csv_rows``, one
    that needs the header (more cells than headers) in ``understand`` once the header row is known."""

    line: int                   # the row number as a spreadsheet (or a text editor) shows it
    cells: list[str]
    warnings: list[str] = field(default_factory=list)
    #: what cannot be read from the file itself (a formula without a stored value): refuses the row
    errors: list[str] = field(default_factory=list)
    #: column index -> the formula of a cell whose value the file does not hold
    formulas: dict[int, str] = field(default_factory=dict)


@dataclass
class Sheet:
    file_name: str
    rows: list[SheetRow]
    header_at: int = 0          # index into rows of the header row
    columns: list[Column] = field(default_factory=list)

    def records(self) -> list[tuple[SheetRow, dict[str, str]]]:
        """Each non-empty data row under the header with {field: text} for the mapped columns."""
        out = []
        for row in self.rows[self.header_at + 1:]:
            values = {c.field: (row.cells[c.index].strip() if c.index < len(row.cells) else "")
                      for c in self.columns if c.field}
            if not any(values.values()):
                continue
            out.append((row, values))
        return out


#: the files an import reads, for the desktop's file dialogs
SHEET_PATTERNS = "*.xlsx *.xlsm *.xls *.csv *.txt"


def read_sheet(file_name: str, content: bytes, max_rows: int) -> list[SheetRow]:
    """The first sheet of an XLSX or an old Excel 97-2003 XLS, or a CSV/text export (comma, semicolon
    or tab; UTF-8, UTF-16, GB18030 or Windows-1258), as text rows."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(content, max_rows)
    if suffix == ".xls":
        return _xls_rows(content, max_rows)
    if suffix in (".csv", ".txt"):
        return _csv_rows(content, max_rows)
    raise ValidationFailed({"file": _("Choose an Excel (.xlsx, .xls) or CSV file.")})


#: the legacy encodings a CSV from our partners is written in when it is not Unicode: Chinese Excel
#: and WPS save GB18030 (GBK), Vietnamese Windows saves Windows-1258
LEGACY_ENCODINGS = ("gb18030", "cp1258")


def decode_text(content: bytes) -> str:
    """A text file's characters, NFC: a byte-order mark decides; else UTF-8 when it is valid UTF-8;
    else the legacy encoding (``LEGACY_ENCODINGS``) its text reads most plausibly in. GB18030 accepts
    almost any bytes, so trying it first would read a Vietnamese file as Chinese characters;
    charset-normalizer weighs each candidate's text by language instead."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig",)
        try:
            content.decode("utf-8-sig")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(content[:200_000], cp_isolation=list(LEGACY_ENCODINGS)).best()
            first = best.encoding if best is not None else LEGACY_ENCODINGS[0]
            encodings = (first,) + tuple(e for e in LEGACY_ENCODINGS if e != first)
    for encoding in encodings:
        try:
            return unicodedata.normalize("NFC", content.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    raise ValidationFailed({"file": _("The file is not text in UTF-8, UTF-16, GB18030 or Windows-1258.")})


def _csv_rows(content: bytes, max_rows: int) -> list[SheetRow]:
    text = decode_text(content)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for i, cells in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        rows.append(SheetRow(i, cells))
        if i > max_rows + HEADER_SCAN_ROWS:
            break
    return rows


def _xlsx_rows(content: bytes, max_rows: int) -> list[SheetRow]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or encrypted file: say so, whatever openpyxl raised
        raise ValidationFailed({"file": _("The Excel file cannot be read: {error}").format(error=exc)}) from exc
    try:
        ws = wb.worksheets[0]
        raw = []
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            raw.append(list(values))
            if i > max_rows + HEADER_SCAN_ROWS:
                break
    finally:
        wb.close()
    # a formula whose result the file does not hold reads as empty: put it back, to be flagged
    raw = mark_uncomputed(content, raw)
    return [SheetRow(i, ["" if isinstance(v, Uncomputed) else cell_text(v) for v in values],
                     formulas={j: str(v) for j, v in enumerate(values) if isinstance(v, Uncomputed)})
            for i, values in enumerate(raw, start=1)]


def _xls_rows(content: bytes, max_rows: int) -> list[SheetRow]:
    """The first sheet of an Excel 97-2003 file (xlrd: the only maintained reader of that format);
    dates come back as dates and numbers as the digits typed, as from an XLSX."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content, on_demand=True)
    except Exception as exc:  # corrupt, encrypted, or an XLSX renamed .xls
        raise ValidationFailed({"file": _("The Excel file cannot be read: {error}").format(error=exc)}) from exc
    try:
        sheet = book.sheet_by_index(0)
        rows = []
        for i in range(min(sheet.nrows, max_rows + HEADER_SCAN_ROWS + 1)):
            cells = []
            for c in sheet.row(i):
                if c.ctype == xlrd.XL_CELL_DATE:
                    try:
                        cells.append(cell_text(xlrd.xldate.xldate_as_datetime(c.value, book.datemode)))
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        cells.append(cell_text(c.value))
                elif c.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    cells.append("")
                elif c.ctype == xlrd.XL_CELL_BOOLEAN:
                    cells.append(str(bool(c.value)).upper())
                else:
                    cells.append(cell_text(c.value))
            rows.append(SheetRow(i + 1, cells))
        return rows
    finally:
        book.release_resources()


def cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        # Excel stores 1.25 kg and long codes as floats: print back the digits that were typed
        return format(Decimal(repr(v)).normalize(), "f")
    return str(v).strip()


def find_header(schema: Schema, rows: list[SheetRow], remembered: dict[str, str] | None = None) -> int:
    """The header row: among the first rows, the one naming most fields (a title line above it
    names none); the first non-empty row when none names any (the preview then says so)."""
    remembered = remembered or {}
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = 0
        for j, text in enumerate(row.cells):
            if not text.strip():
                continue
            if match_header(schema, text)[0] or remembered.get(header_key(text, j)):
                score += 1
        if score > best_score:
            best, best_score = i, score
    if best is not None:
        return best
    return next((i for i, r in enumerate(rows) if any(c.strip() for c in r.cells)), 0)


def understand(schema: Schema, file_name: str, rows: list[SheetRow], remembered: dict[str, str] | None = None,
               chosen: dict[str, str] | None = None) -> Sheet:
    """The sheet with its header found and every column matched."""
    if not rows:
        return Sheet(file_name, rows)
    at = find_header(schema, rows, {**(remembered or {}), **(chosen or {})})
    headers = rows[at].cells
    width = max(len(r.cells) for r in rows[at:at + 200])
    samples = []
    for j in range(width):
        samples.append(next((r.cells[j] for r in rows[at + 1:at + 200] if j < len(r.cells) and r.cells[j].strip()),
                            ""))
    for row in rows[at + 1:]:      # what needs the header: cells past its last title, formulas' columns
        warning = extra_cells_warning(headers, row.cells)
        if warning:
            row.warnings.append(warning)
        row.errors.extend(uncomputed_error(headers[j] if j < len(headers) and headers[j] else f"#{j + 1}", f)
                          for j, f in row.formulas.items())
    headers = list(headers) + [""] * (width - len(headers))
    return Sheet(file_name, rows, at, match_columns(schema, headers, remembered, chosen, samples))

