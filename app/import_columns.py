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
from typing import Any, Iterable

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
    """The fields one kind of import reads; ``kind`` also keys the remembered mappings. The first
    field is what names a row (the tracking code, the link, the shipment code)."""

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


_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")


def parse_number(text: str) -> Decimal:
    """"1,25", "1.250,5", "1,234.5", "1 234", "1,234,567", "１２３" (full-width) → Decimal;
    ValueError otherwise."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("\u00a0", "").replace("'", "")
    t = t.replace("\u202f", "").replace("\u3000", "")
    if "," in t and "." in t:
        # the last separator is the decimal point, the other one groups thousands
        t = t.replace(",", "") if t.rfind(".") > t.rfind(",") else t.replace(".", "").replace(",", ".")
    elif t.count(",") > 1 or t.count(".") > 1:
        # one separator written several times groups thousands: "1,234,567", "1.234.567"
        if not _GROUPED.match(t):
            raise ValueError(text)
        t = t.replace(",", "").replace(".", "")
    elif t.count(",") == 1:
        t = t.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", t):
        raise ValueError(text)
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def parse_whole_number(text: str) -> Decimal:
    """A count or a VND amount, which have no decimals: "1,000" and "1.000" group thousands
    (1000), where ``parse_number`` would read a decimal comma; otherwise as ``parse_number``."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("\u00a0", "")
    if _GROUPED.match(t):
        return Decimal(t.replace(",", "").replace(".", ""))
    return parse_number(text)


_PREFIX = re.compile(r"^([^\d\s+.,-]+)\s*(?=[+-]?[\d.,])")


def parse_measure(text: str, quantity: str, unit: Unit | None) -> Decimal | None:
    """A cell's number in the canonical unit of ``quantity``: the cell's own unit ("800 g")
    wins over the column's; None for an empty cell; ValueError for anything else."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    if not t:
        return None
    prefix = _PREFIX.match(t)
    if prefix and unit_named(prefix.group(1)) is not None:      # "¥35.50", "RMB 12"
        t = t[prefix.end():] + " " + prefix.group(1)
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
    #: the columns whose cell the workbook stored as a number (a code there may have lost digits)
    numbers: set[int] = field(default_factory=set)


#: what the label of a total row says (folded), in the languages of our files
TOTAL_WORDS = frozenset({
    "total", "totals", "grand total", "subtotal", "sub total", "sum", "tong", "tong cong", "cong", "tong so",
    "tong tien", "tong cong tien", "合计", "总计", "小计", "共计", "总数", "合计金额", "总计金额"})


def is_total_label(text: str) -> bool:
    return _words(text).rstrip(" :") in TOTAL_WORDS


@dataclass
class Sheet:
    file_name: str
    rows: list[SheetRow]
    header_at: int = 0          # index into rows of the header row
    columns: list[Column] = field(default_factory=list)
    #: the field naming what a row is (the schema's first): a row labelled "Total"/"Tổng cộng"/"合计"
    #: with none of its own there is the total (or a subtotal), whatever it sums
    key_field: str = ""
    #: rows under the header: 1, or 2 when a merged title sits above sub-titles ("Size" over L, W, H)
    header_rows: int = 1

    def column_of(self, key: str) -> int | None:
        return next((c.index for c in self.columns if c.field == key), None)

    def code(self, row: SheetRow, values: dict[str, str], key: str) -> tuple[str, str | None]:
        """``code_cell`` of a record's ``key`` field (a tracking code, an order or shipment
        number): the exact text, and the error when Excel already changed it."""
        return code_cell(values.get(key, ""), self.column_of(key) in row.numbers)

    def records(self) -> list[tuple[SheetRow, dict[str, str]]]:
        """Each non-empty data row under the header with {field: text} for the mapped columns;
        a total row at the bottom (or a subtotal) is not a record."""
        out = []
        for row in self.rows[self.header_at + self.header_rows:]:
            values = {c.field: (row.cells[c.index].strip() if c.index < len(row.cells) else "")
                      for c in self.columns if c.field}
            if not any(values.values()):
                continue
            key = values.get(self.key_field, "")
            if (not key or is_total_label(key)) and any(is_total_label(c) for c in row.cells if c.strip()):
                continue
            out.append((row, values))
        return out


#: the files an import reads, for the desktop's file dialogs
SHEET_PATTERNS = "*.xlsx *.xlsm *.xls *.csv *.txt"
_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")
#: this many empty rows in a row end the sheet (a sheet formatted down to row 1,048,576 is empty there)
EMPTY_RUN = 10_000


def read_sheet(file_name: str, content: bytes, max_rows: int, schema: Schema | None = None) -> list[SheetRow]:
    """The sheet holding the data of an XLSX, an old Excel 97-2003 XLS, an HTML table or an Excel
    2003 XML workbook saved as ".xls" (what Chinese back ends export), or a CSV/text export (comma,
    semicolon or tab; UTF-8, UTF-16, GB18030 or Windows-1258), as text rows — the format is read
    from the bytes, not the name. Empty rows are left out (each row keeps its number as the
    spreadsheet shows it) and reading stops once more than ``max_rows`` rows (plus the title rows
    a header may have above it) are read, so that the caller's limit is seen, not a cut file.
    Of a workbook's sheets the one read is the visible one whose header names most of ``schema``'s
    fields (the data may sit on the second sheet behind an empty or a cover sheet). An unreadable
    file raises ``ValidationFailed`` on "file" saying why."""
    from app import sheet_formats as fmt

    if Path(file_name).suffix.lower() not in _SUFFIXES:
        raise ValidationFailed({"file": _("Choose an Excel (.xlsx, .xls) or CSV file.")})
    if not content or not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ValidationFailed({"file": _(fmt.EMPTY)})
    kind = fmt.sniff(content)
    limit = max_rows + HEADER_SCAN_ROWS + 1
    if kind == fmt.XLSX:
        rows = _xlsx_rows(content, limit, schema)
    elif kind == fmt.XLS:
        rows = _xls_rows(content, limit, schema)
    elif kind == fmt.HTML:
        table = fmt.html_tables(_html_text(content))
        if not table:               # a back end's error or sign-in page saved as the "export"
            raise ValidationFailed({"file": _(fmt.NOT_A_SHEET).format(kind=_("web page without a table"))})
        rows = _kept([SheetRow(i, cells) for i, cells in enumerate(table, start=1)], limit)
    elif kind == fmt.XML2003:
        try:
            cells = fmt.spreadsheet_xml(content)
        except Exception as exc:  # not well-formed: a damaged or cut file
            raise ValidationFailed({"file": _(fmt.DAMAGED)}) from exc
        rows = _kept([SheetRow(i, [c.strip() for c in r]) for i, r in enumerate(cells, start=1)], limit)
    else:
        if b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ValidationFailed({"file": _(fmt.NOT_A_SHEET).format(kind=_("binary file"))})
        rows = _csv_rows(content, limit)
    if not rows:
        raise ValidationFailed({"file": _(fmt.EMPTY)})
    return rows


def _html_text(content: bytes) -> str:
    from app import sheet_formats as fmt

    charset = fmt.html_charset(content)
    if charset and not content.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        try:
            return unicodedata.normalize("NFC", content.decode(charset))
        except (UnicodeDecodeError, LookupError):
            pass
    return decode_text(content)


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _kept(rows: Iterable[SheetRow], limit: int) -> list[SheetRow]:
    """The non-empty rows (trailing empty cells cut), up to ``limit`` of them; a run of
    ``EMPTY_RUN`` empty rows ends the sheet."""
    kept: list[SheetRow] = []
    empty = 0
    for row in rows:
        if _blank(row.cells) and not row.formulas:
            empty += 1
            if empty >= EMPTY_RUN:
                break
            continue
        empty = 0
        while row.cells and not row.cells[-1].strip() and len(row.cells) - 1 not in row.formulas:
            row.cells.pop()
        kept.append(row)
        if len(kept) >= limit:
            break
    return kept


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


def _csv_rows(content: bytes, limit: int) -> list[SheetRow]:
    text = decode_text(content)
    first = 1
    hint = re.match(r"^\ufeff?sep=(.)\r?\n", text, re.I)     # Excel's own "sep=;" line names the separator
    if hint:
        text, first = text[hint.end():], 2

        class dialect(csv.excel):  # noqa: N801 (a csv dialect is a class)
            delimiter = hint.group(1)
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
    return _kept((SheetRow(i, [_as_text(c) for c in cells])
                  for i, cells in enumerate(csv.reader(io.StringIO(text), dialect), start=first)), limit)


_FORCED_TEXT = re.compile(r'^\s*="(.*)"\s*$', re.S)


def _as_text(cell: str) -> str:
    """A CSV cell as its text: back ends write ``="773120001234"`` (or a leading tab) so that Excel
    keeps a long number as text; the value is what is inside."""
    m = _FORCED_TEXT.match(cell)
    return m.group(1).replace('""', '"') if m else cell.lstrip("\t")


def _sheet_score(schema: Schema | None, rows: list[list[str]]) -> int:
    """How much a sheet looks like the data: the fields its best header row names (or, without a
    schema, whether it has any cell at all)."""
    if not any(c.strip() for r in rows for c in r):
        return -1
    if schema is None:
        return 0
    return max(sum(1 for c in r if c.strip() and match_header(schema, c)[0]) for r in rows)


def _choose_sheet(previews: list[tuple[bool, list[list[str]]]], schema: Schema | None) -> int:
    """The sheet to read: among the visible sheets holding cells, the first whose header names the
    most fields; a hidden sheet only when no visible one holds anything; else the first sheet."""
    best, best_key = 0, None
    for i, (visible, rows) in enumerate(previews):
        score = _sheet_score(schema, rows)
        if score < 0:
            continue
        key = (visible, score)
        if best_key is None or key > best_key:
            best, best_key = i, key
    return best


def _xlsx_rows(content: bytes, limit: int, schema: Schema | None = None) -> list[SheetRow]:
    import zipfile

    from openpyxl import load_workbook

    from app import sheet_formats as fmt

    try:
        names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationFailed({"file": _(fmt.DAMAGED)}) from exc
    if "xl/workbook.xml" not in names and not any(n.endswith("/workbook.xml") for n in names):
        kind = (_("LibreOffice spreadsheet (.ods)") if "content.xml" in names else
                _("Word document") if "word/document.xml" in names else _("zip archive"))
        raise ValidationFailed({"file": _(fmt.NOT_A_SHEET).format(kind=kind)})
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook: say so, whatever openpyxl raised
        raise ValidationFailed({"file": _(fmt.DAMAGED)}) from exc
    try:
        previews = []
        for ws in wb.worksheets:
            ws.reset_dimensions()        # the stored size may lie ("A1" from some exporters)
            head = [[cell_text(v) for v in r] for r in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
            previews.append((ws.sheet_state == "visible", head))
        index = _choose_sheet(previews, schema) if previews else 0
        raw: list[list[Any]] = []
        filled = empty = 0
        ws = wb.worksheets[index]
        ws.reset_dimensions()
        for values in ws.iter_rows(values_only=True):
            raw.append(list(values))
            if any(v is not None and str(v).strip() for v in values):
                filled, empty = filled + 1, 0
                if filled >= limit:
                    break
            else:
                empty += 1
                if empty >= EMPTY_RUN:
                    break
    except ValidationFailed:
        raise
    except Exception as exc:  # a sheet's XML damaged past its first rows
        raise ValidationFailed({"file": _(fmt.DAMAGED)}) from exc
    finally:
        wb.close()
    # a formula whose result the file does not hold reads as empty: put it back, to be flagged
    raw = mark_uncomputed(content, raw, index)
    return _kept((SheetRow(i, ["" if isinstance(v, Uncomputed) else cell_text(v) for v in values],
                           formulas={j: str(v) for j, v in enumerate(values) if isinstance(v, Uncomputed)},
                           numbers={j for j, v in enumerate(values) if _is_number(v)})
                  for i, values in enumerate(raw, start=1)), limit)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def _xls_rows(content: bytes, limit: int, schema: Schema | None = None) -> list[SheetRow]:
    """The sheet holding the data of an Excel 97-2003 file (xlrd: the only maintained reader of that
    format); dates come back as dates and numbers as the digits typed, as from an XLSX."""
    import xlrd

    from app import sheet_formats as fmt

    if fmt.is_encrypted_ooxml(content):
        raise ValidationFailed({"file": _(fmt.ENCRYPTED)})
    try:
        book = xlrd.open_workbook(file_contents=content, on_demand=True)
    except Exception as exc:  # corrupt, encrypted, or another Office document
        if "encrypt" in str(exc).lower():
            raise ValidationFailed({"file": _(fmt.ENCRYPTED)}) from exc
        raise ValidationFailed({"file": _(fmt.DAMAGED)}) from exc
    try:
        def text_row(sheet, i: int) -> tuple[list[str], set[int]]:
            cells, numbers = [], set()
            for j, c in enumerate(sheet.row(i)):
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
                    if c.ctype == xlrd.XL_CELL_NUMBER:
                        numbers.add(j)
                    cells.append(cell_text(c.value))
            return cells, numbers

        previews = []
        for k in range(book.nsheets):
            sheet = book.sheet_by_index(k)
            previews.append((sheet.visibility == 0,
                             [text_row(sheet, i)[0] for i in range(min(sheet.nrows, HEADER_SCAN_ROWS))]))
        sheet = book.sheet_by_index(_choose_sheet(previews, schema) if previews else 0)

        def rows():
            for i in range(sheet.nrows):
                cells, numbers = text_row(sheet, i)
                yield SheetRow(i + 1, cells, numbers=numbers)

        return _kept(rows(), limit)
    except ValidationFailed:
        raise
    except Exception as exc:  # a damaged sheet
        raise ValidationFailed({"file": _(fmt.DAMAGED)}) from exc
    finally:
        book.release_resources()


_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?E[+-]?\d+$", re.I)
_FLOAT_CODE = re.compile(r"^(\d+)\.0+$")
EXCEL_DIGITS = 15                  # what a number cell holds exactly


def code_cell(text: str, stored_as_number: bool = False) -> tuple[str, str | None]:
    """A code (tracking number, seller's order number) read from a cell, as exact text, with the
    error when Excel already changed it: "7.7312E+11" (a number shown in scientific form and saved
    so: its digits are gone) or a number cell of more than 15 digits (Excel keeps 15, the rest
    become zeros). "773120001234.0" (a program printed the number as a float) is the code."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    if _SCIENTIFIC.match(t.replace(" ", "")):
        return t, _("“{text}” is a code Excel turned into a number and shortened: its digits are lost. In the "
                    "original, format the column as Text, enter the codes again and export again.").format(text=t)
    m = _FLOAT_CODE.match(t)
    if m:
        t = m.group(1)
    if stored_as_number and t.isdigit() and len(t) > EXCEL_DIGITS:
        return t, _("“{text}” was stored by Excel as a number, which keeps only {n} digits: the last digits may "
                    "be wrong. Format the column as Text, enter the codes again and export again.").format(
            text=t, n=EXCEL_DIGITS)
    return t, None


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


def _named_fields(schema: Schema, cells: list[str], remembered: dict[str, str]) -> set[str]:
    found = set()
    for j, text in enumerate(cells):
        if text.strip():
            key = match_header(schema, text)[0] or remembered.get(header_key(text, j))
            if key:
                found.add(key)
    return found


def two_row_header(top: list[str], sub: list[str]) -> list[str]:
    """One header of a title row merged over sub-titles ("Size (cm)" over "L", "W", "H"): a
    sub-title where there is one, keeping the unit its merged title states; the title elsewhere."""
    out, above = [], ""
    for j in range(max(len(top), len(sub))):
        t = top[j].strip() if j < len(top) else ""
        b = sub[j].strip() if j < len(sub) else ""
        above = t or above                # a merged title's text sits in its first cell only
        if not b:
            out.append(t)
            continue
        unit = split_header(above)[1]
        out.append(f"{b} ({unit.symbol})" if unit is not None and split_header(b)[1] is None else b)
    return out


def understand(schema: Schema, file_name: str, rows: list[SheetRow], remembered: dict[str, str] | None = None,
               chosen: dict[str, str] | None = None) -> Sheet:
    """The sheet with its header found and every column matched. A header of two rows — merged
    titles above sub-titles — is read as one when together they name more fields than either."""
    if not rows:
        return Sheet(file_name, rows)
    known = {**(remembered or {}), **(chosen or {})}
    at = find_header(schema, rows, known)
    headers, span = rows[at].cells, 1
    best = len(_named_fields(schema, headers, known))
    for top in (at - 1, at):
        if top < 0 or top + 1 >= len(rows) or rows[top + 1].line != rows[top].line + 1:
            continue
        merged = two_row_header(rows[top].cells, rows[top + 1].cells)
        alone = max(len(_named_fields(schema, rows[top].cells, known)),
                    len(_named_fields(schema, rows[top + 1].cells, known)))
        named = len(_named_fields(schema, merged, known))
        if named > max(best, alone):
            at, headers, span, best = top, merged, 2, named
    first = at + span
    width = max(len(r.cells) for r in [SheetRow(0, headers)] + rows[first:first + 200])
    samples = []
    for j in range(width):
        samples.append(next((r.cells[j] for r in rows[first:first + 200] if j < len(r.cells) and r.cells[j].strip()),
                            ""))
    for row in rows[first:]:       # what needs the header: cells past its last title, formulas' columns
        warning = extra_cells_warning(headers, row.cells)
        if warning:
            row.warnings.append(warning)
        row.errors.extend(uncomputed_error(headers[j] if j < len(headers) and headers[j] else f"#{j + 1}", f)
                          for j, f in row.formulas.items())
    headers = list(headers) + [""] * (width - len(headers))
    return Sheet(file_name, rows, at, match_columns(schema, headers, remembered, chosen, samples),
                 schema.fields[0].key, span)
