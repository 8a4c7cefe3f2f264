"""What a spreadsheet file really is, whatever its name says, and the two text formats that pass
for ".xls" (pure: bytes in, rows of cells out; no database).

Chinese back ends (1688, Taobao sellers' tools, warehouse systems) "export to Excel" by writing an
HTML table, or an Excel 2003 XML workbook (SpreadsheetML), or tab-separated text, and name it
``.xls``; people rename an ``.xlsx`` to ``.xls`` and back. So the reader looks at the bytes:
``sniff`` says which format they hold, and ``html_tables``/``spreadsheet_xml`` read the two text
formats (stdlib only). A file the app cannot read is named for what it is — empty, protected by a
password, damaged, not a spreadsheet — by the messages below (``app.import_columns.read_sheet``
raises them).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from app.i18n import N_

XLSX, XLS, HTML, XML2003, TEXT = "xlsx", "xls", "html", "xml2003", "text"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

EMPTY = N_("The file is empty: it holds no rows.")
ENCRYPTED = N_("The file is protected by a password. Open it in Excel or WPS, remove the password "
               "(File → Info → Protect Workbook), save it and import it again.")
DAMAGED = N_("The file is damaged and cannot be opened as a spreadsheet. Open it in Excel or WPS, save it "
             "again as .xlsx and import that copy.")
#: how many cells merges reaching down from a row may cover in one page (``_Tables``)
SPAN_BUDGET = 200_000

NOT_A_SHEET = N_("The file is not a spreadsheet (it looks like a {kind}). Save the sheet as .xlsx or .csv "
                 "and import that.")


def sniff(content: bytes) -> str:
    """XLSX (a zip), XLS (an OLE2 compound file: Excel 97-2003, or an encrypted XLSX), HTML,
    XML2003 (SpreadsheetML) or TEXT (CSV, tab-separated) — from the bytes, never the name."""
    if content.startswith(ZIP_MAGIC) or content.startswith(b"PK\x05\x06"):
        return XLSX
    if content.startswith(OLE_MAGIC):
        return XLS
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        head = content[:8192].decode("utf-16", "ignore").lower().encode("utf-8", "ignore").lstrip(b"\xef\xbb\xbf ")
    if head.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head and b"<workbook" in content[:65536].lower():
            return XML2003
        if re.search(rb"<(html|table|meta|head|body|!doctype\s+html|tr)\b", head) or b"<table" in content.lower():
            return HTML
    return TEXT


def is_encrypted_ooxml(content: bytes) -> bool:
    """An XLSX saved with a password is an OLE2 file holding an ``EncryptedPackage`` stream."""
    return content.startswith(OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in content


def html_charset(content: bytes) -> str | None:
    """The charset an HTML file declares (``<meta charset=gbk>``), as a Python codec name."""
    m = re.search(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", content[:4096], re.I)
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    return "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936") else name


class _Tables(HTMLParser):
    """Every ``<table>`` of a page as rows of cell texts; colspan/rowspan leave empty cells where
    a merged cell spreads (as Excel keeps a merged value in its first cell only)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._stack: list[dict] = []        # open tables: rows, taken cells, the cell being read
        self._skip = 0                       # inside <script>/<style>
        #: the cells below a rowspan that may still be marked covered: a page of cells each
        #: spanning 1000 × 1000 must not fill memory (the server previews files too)
        self._span_budget = SPAN_BUDGET

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            # "next": where the row's next cell may go (the cells left of it are placed)
            self._stack.append({"rows": [], "taken": set(), "cell": None, "row": -1, "next": 0})
        elif not self._stack:
            return
        elif tag == "tr":
            self._end_cell()
            t = self._stack[-1]
            t["row"] += 1
            t["rows"].append([])
            t["next"] = 0
        elif tag in ("td", "th"):
            self._end_cell()
            t = self._stack[-1]
            if t["row"] < 0:                  # a cell before any <tr>
                t["row"] = 0
                t["rows"].append([])
            t["cell"] = {"text": [], "colspan": _span(a.get("colspan")), "rowspan": _span(a.get("rowspan")),
                         "num": a.get("x:num")}
        elif tag == "br" and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"]["text"].append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif not self._stack:
            return
        elif tag in ("td", "th", "tr"):
            self._end_cell()
        elif tag == "table":
            self._end_cell()
            self.tables.append(self._stack.pop()["rows"])

    def handle_data(self, data):
        if self._skip or not self._stack or self._stack[-1]["cell"] is None:
            return
        self._stack[-1]["cell"]["text"].append(data)

    def _end_cell(self) -> None:
        t = self._stack[-1]
        cell, t["cell"] = t["cell"], None
        if cell is None:
            return
        r = t["row"]
        row = t["rows"][r]
        c = t["next"]
        while (r, c) in t["taken"] or (c < len(row) and row[c] is not None):
            c += 1
        text = " ".join("".join(cell["text"]).split())
        if cell["num"] not in (None, ""):       # Excel's own HTML: the number as stored, not as shown
            text = cell["num"].strip()
        rowspan, colspan = cell["rowspan"], cell["colspan"]
        if (rowspan - 1) * colspan > self._span_budget:
            rowspan = 1                      # past the budget a merge down is read as one row
        self._span_budget -= (rowspan - 1) * colspan
        while len(row) < c + colspan:
            row.append(None)
        row[c:c + colspan] = [text] + [""] * (colspan - 1)
        t["next"] = c + colspan
        t["taken"].update((r + dr, c + dc) for dr in range(1, rowspan) for dc in range(colspan))

    def close(self) -> None:
        super().close()
        while self._stack:
            self._end_cell()
            self.tables.append(self._stack.pop()["rows"])


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1000))
    except (TypeError, ValueError):
        return 1


def html_tables(text: str) -> list[list[str]]:
    """The rows of the page's biggest table (a layout table around it holds fewer cells of its own)."""
    parser = _Tables()
    parser.feed(text)
    parser.close()
    if not parser.tables:
        return []
    best = max(parser.tables, key=lambda rows: sum(1 for row in rows for c in row if c))
    return [["" if c is None else c for c in row] for row in best]


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def spreadsheet_xml(content: bytes) -> list[list[str]]:
    """The first worksheet holding cells of an Excel 2003 XML workbook, as text rows
    (``ss:Index`` skips cells and rows, as Excel writes them)."""
    import xml.etree.ElementTree as ET

    if b"<!ENTITY" in content[:65536].upper():
        raise ValueError("entities")            # no entity expansion from a stranger's file
    root = ET.fromstring(content)
    for sheet in root.iter(_SS + "Worksheet"):
        rows: list[list[str]] = []
        for row in sheet.iter(_SS + "Row"):
            index = row.get(_SS + "Index")
            if index and index.isdigit():
                while len(rows) < int(index) - 1:
                    rows.append([])
            cells: list[str] = []
            for cell in row.findall(_SS + "Cell"):
                at = cell.get(_SS + "Index")
                if at and at.isdigit():
                    while len(cells) < int(at) - 1:
                        cells.append("")
                data = cell.find(_SS + "Data")
                cells.append("".join(data.itertext()).strip() if data is not None else "")
                across = cell.get(_SS + "MergeAcross")
                if across and across.isdigit():
                    cells.extend([""] * min(int(across), 1000))
            rows.append(cells)
        if any(c for row in rows for c in row):
            return rows
    return []
