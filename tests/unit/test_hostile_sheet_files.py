"""The files Chinese warehouses, carriers and customers really send, read by the one reader every
import shares (``app.import_columns.read_sheet``): the format is taken from the bytes, not the
name; the sheet holding the data is found; empty rows never hide the row limit; a file that
cannot be read says why in the user's language, never with a library's English exception."""
import io
import zipfile

import pytest

from app import sheet_formats
from app.errors import ValidationFailed
from app.i18n import _
from app.import_columns import (code_cell, parse_measure, parse_number, parse_whole_number, read_sheet,
                                understand)
from app.services import parcel_imports
from tests.unit.test_sheet_files import DATA

TAOBAO_HTML = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<style>td {{ mso-number-format:"\\@"; }}</style></head><body>
<table border="1">
<tr><td colspan="4" align="center"><b>广州仓 发货清单</b></td></tr>
<tr><th>快递单号</th><th>重量(kg)</th><th>订单号</th><th>备注</th></tr>
<tr><td>SF7300000000001</td><td>1.25</td><td x:num="3512345678901234567">3.51235E+18</td><td>易碎&amp;轻放</td></tr>
<tr><td>YT7300000000002</td><td>0.8</td><td></td><td>女士<br>运动鞋</td></tr>
{extra}</table></body></html>"""


def _xlsx(*sheets, hidden: tuple[int, ...] = ()) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for i, rows in enumerate(sheets):
        ws = wb.create_sheet(f"Sheet{i + 1}")
        for r in rows:
            ws.append(r)
        if i in hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cells(rows):
    return [r.cells for r in rows]


def test_an_html_table_saved_as_xls_is_read_with_its_charset_merged_title_and_breaks():
    content = TAOBAO_HTML.format(extra="").encode("gbk")
    rows = read_sheet("淘宝导出.xls", content, 100)
    assert _cells(rows) == [
        ["广州仓 发货清单"],                                # a merged title (colspan) in its first cell
        ["快递单号", "重量(kg)", "订单号", "备注"],
        ["SF7300000000001", "1.25", "3512345678901234567", "易碎&轻放"],   # Excel's own stored number
        ["YT7300000000002", "0.8", "", "女士 运动鞋"],
    ]


def test_a_tab_separated_text_and_an_excel_2003_xml_named_xls_are_read():
    tsv = "快递单号\t重量(kg)\nSF7300000000001\t1.25\n".encode("gb18030")
    assert _cells(read_sheet("list.xls", tsv, 100)) == [["快递单号", "重量(kg)"], ["SF7300000000001", "1.25"]]
    xml = ('<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table>'
           '<Row><Cell><Data ss:Type="String">Mã vận đơn</Data></Cell><Cell><Data ss:Type="String">Cân nặng'
           '</Data></Cell></Row><Row ss:Index="3"><Cell><Data ss:Type="String">SF7300000000001</Data></Cell>'
           '<Cell ss:Index="2"><Data ss:Type="Number">1.5</Data></Cell></Row></Table></Worksheet></Workbook>')
    rows = read_sheet("list.xls", xml.encode(), 100)
    assert _cells(rows) == [["Mã vận đơn", "Cân nặng"], ["SF7300000000001", "1.5"]]
    assert [r.line for r in rows] == [1, 3]


def test_an_xlsx_named_xls_and_an_xls_named_xlsx_are_read_by_what_they_are():
    xlsx = _xlsx([["快递单号", "重量"], ["SF7300000000001", 1.25]])
    assert _cells(read_sheet("renamed.xls", xlsx, 100)) == [["快递单号", "重量"], ["SF7300000000001", "1.25"]]
    xls = (DATA / "china-parcel-list.xls").read_bytes()
    assert _cells(read_sheet("renamed.xlsx", xls, 100))[1][0] == "快递单号"


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", sheet_formats.EMPTY),
    ("empty.xlsx", b"", sheet_formats.EMPTY),
    ("blank.csv", b"\xef\xbb\xbf\r\n\r\n", sheet_formats.EMPTY),
    ("only-blank-rows.xlsx", _xlsx([[None], [None, ""]]), sheet_formats.EMPTY),
    ("cut.xlsx", _xlsx([["a"], ["b"]])[:700], sheet_formats.DAMAGED),
    ("cut.xls", (DATA / "china-parcel-list.xls").read_bytes()[:1536], sheet_formats.DAMAGED),
    # saved with the password "secret" (msoffcrypto-tool's OOXML encryption, as Excel does it)
    ("locked.xlsx", (DATA / "password-protected.xlsx").read_bytes(), sheet_formats.ENCRYPTED),
    ("locked.xls", (DATA / "password-protected.xlsx").read_bytes(), sheet_formats.ENCRYPTED),
])
def test_a_file_that_cannot_be_read_says_why_in_the_users_language(name, content, message):
    with pytest.raises(ValidationFailed) as caught:
        read_sheet(name, content, 100)
    assert caught.value.field_errors == {"file": _(message)}


def test_a_word_document_renamed_xlsx_is_named_for_what_it_is():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ValidationFailed) as caught:
        read_sheet("cart.xlsx", buf.getvalue(), 100)
    assert caught.value.field_errors["file"] == _(sheet_formats.NOT_A_SHEET).format(kind=_("Word document"))


def test_a_sign_in_page_saved_as_the_export_is_named_for_what_it_is():
    page = "<html><head><title>登录</title></head><body><p>您的登录已过期，请重新登录</p></body></html>"
    with pytest.raises(ValidationFailed) as caught:
        read_sheet("订单导出.xls", page.encode("utf-8"), 100)
    assert caught.value.field_errors["file"] == _(sheet_formats.NOT_A_SHEET).format(
        kind=_("web page without a table"))


def test_a_formula_without_a_stored_value_on_the_data_sheet_is_still_flagged():
    rows = read_sheet("f.xlsx", _xlsx([], [["快递单号", "重量"], ["SF7300000000001", "=0.5*3"]]), 100)
    assert rows[1].formulas == {1: "=0.5*3"}


def test_the_data_on_a_second_sheet_behind_an_empty_or_hidden_or_cover_sheet_is_read():
    data = [["快递单号", "重量(kg)"], ["SF7300000000001", 1.25]]
    assert _cells(read_sheet("a.xlsx", _xlsx([], data), 100))[0] == ["快递单号", "重量(kg)"]
    hidden = _xlsx([["lookup", "x"], ["y", "z"]], data, hidden=(0,))
    assert _cells(read_sheet("b.xlsx", hidden, 100))[0] == ["快递单号", "重量(kg)"]
    cover = _xlsx([["Hướng dẫn: điền mỗi kiện một dòng"]], data)
    assert _cells(read_sheet("c.xlsx", cover, 100, parcel_imports.SCHEMA))[0] == ["快递单号", "重量(kg)"]


def test_a_workbook_whose_stored_size_says_a1_is_read_whole():
    """Some exporters write ``<dimension ref="A1"/>``: openpyxl's read-only mode then read one row."""
    content = _xlsx([["快递单号", "重量"], ["SF7300000000001", 1.25], ["SF7300000000002", 2]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for n in src.namelist():
            data = src.read(n)
            if n.startswith("xl/worksheets/sheet"):
                data = data.replace(b'<dimension ref="A1:B3" />', b'<dimension ref="A1" />')
                assert b'<dimension ref="A1" />' in data
            dst.writestr(n, data)
    assert len(read_sheet("lied.xlsx", out.getvalue(), 100)) == 3


def test_blank_rows_between_the_data_never_hide_rows_past_the_limit():
    """Reading stopped after the limit's count of *rows*, blank or not: a list with a blank line
    after each parcel came back cut in half, and the caller's row limit never fired."""
    rows = [["快递单号", "重量"]]
    for i in range(30):
        rows += [[f"SF73000000{i:05d}", 1], [None, None], [None, None]]
    read = read_sheet("gappy.xlsx", _xlsx(rows), 20)
    assert len(read) > 21 and all(any(r.cells) for r in read)
    assert read[-1].line == len(read) * 3 - 4            # each row keeps its own number


def test_a_header_of_merged_titles_over_sub_titles_is_read_as_one():
    csv = ("快递单号,尺寸(cm),,,重量\n"
           ",长,宽,高,\n"
           "SF7300000000001,40,30,20,1.5\n").encode()
    sheet = understand(parcel_imports.SCHEMA, "two-rows.csv", read_sheet("two-rows.csv", csv, 100))
    assert {c.field for c in sheet.columns if c.field} == {"code", "length", "width", "height", "weight"}
    [(row, values)] = sheet.records()
    assert row.line == 3 and values["height"] == "20"


def test_a_total_row_at_the_bottom_is_not_a_record():
    csv = "快递单号,重量\nSF7300000000001,1.5\nSF7300000000002,2\n合计,3.5\n,\nTổng cộng:,3.5\n".encode()
    sheet = understand(parcel_imports.SCHEMA, "t.csv", read_sheet("t.csv", csv, 100))
    assert [v["code"] for _row, v in sheet.records()] == ["SF7300000000001", "SF7300000000002"]


@pytest.mark.parametrize("text, stored_as_number, code, lost", [
    ("7.7312E+11", False, "7.7312E+11", True),            # a CSV saved from Excel: digits gone
    ("7,7312E+11", False, "7,7312E+11", True),            # the same in a Vietnamese Excel
    ("773120001234.0", False, "773120001234", False),     # a program printed the number as a float
    ("773012345678901200", True, "773012345678901200", True),   # an 18-digit number cell
    ("773012345678901", True, "773012345678901", False),  # 15 digits are kept exactly
    ("SF7300000000001", False, "SF7300000000001", False),
])
def test_a_code_excel_already_rounded_is_refused_and_a_float_code_is_read_exactly(text, stored_as_number,
                                                                                   code, lost):
    got, error = code_cell(text, stored_as_number)
    assert got == code and (error is not None) == lost


def test_an_xlsx_number_cell_is_marked_so_a_long_code_there_is_caught():
    rows = read_sheet("n.xlsx", _xlsx([["快递单号"], [773012345678901234], ["SF1"]]), 100)
    assert rows[1].numbers == {0} and rows[2].numbers == set()
    assert code_cell(rows[1].cells[0], True)[1] is not None


@pytest.mark.parametrize("text, value", [
    ("1.234,5", "1234.5"), ("1,234.5", "1234.5"), ("１２３", "123"), ("1,234,567", "1234567"),
    ("1.234.567", "1234567"), ("\u00a01\u00a0234,5\u00a0", "1234.5"), ("１２３．５", "123.5"),
])
def test_numbers_written_the_ways_people_write_them(text, value):
    assert str(parse_number(text)) == value


def test_measures_with_a_currency_sign_before_or_a_unit_after():
    assert parse_measure("¥35.50", "money_cny", None) == parse_measure("35.50 元", "money_cny", None) == \
        parse_measure("￥３５.５", "money_cny", None)
    assert parse_measure("12 kg", "mass", None) == 12 and parse_measure("800 g", "mass", None) == \
        parse_measure("0.8", "mass", None)


def test_whole_numbers_read_a_thousands_separator_as_one():
    assert parse_whole_number("1,000") == parse_whole_number("1.000") == 1000
    assert parse_whole_number("1.234.000") == 1234000 and parse_whole_number("2,5") == parse_number("2.5")


def test_a_semicolon_csv_with_decimal_commas_and_a_bom():
    content = "\ufeffMã vận đơn;Cân nặng\nSF7300000000001;1,5\nSF7300000000002;2,25\n".encode()
    assert _cells(read_sheet("vi.csv", content, 100)) == [
        ["Mã vận đơn", "Cân nặng"], ["SF7300000000001", "1,5"], ["SF7300000000002", "2,25"]]


def test_a_code_a_back_end_forced_to_text_for_excel_is_read_as_the_code():
    """Taobao/1688 order exports write ="…" (or a leading tab) so Excel keeps a long number as text."""
    content = '订单号,快递单号\n="3512345678901234567",\t773120001234\n'.encode("gb18030")
    assert _cells(read_sheet("orders.csv", content, 100))[1] == ["3512345678901234567", "773120001234"]


def test_excels_sep_line_names_the_separator():
    content = "sep=;\r\nMã vận đơn;Ghi chú\r\nSF7300000000001;hàng dễ vỡ, bọc kỹ\r\n".encode("utf-8")
    rows = read_sheet("vi.csv", content, 100)
    assert _cells(rows) == [["Mã vận đơn", "Ghi chú"], ["SF7300000000001", "hàng dễ vỡ, bọc kỹ"]]
    assert [r.line for r in rows] == [2, 3]


def test_a_page_of_huge_merges_is_read_without_filling_memory():
    """Each cell claims 1000 rows × 1000 columns: past 200,000 covered cells a merge down is read
    as one row, so a hostile page (the server previews files too) cannot exhaust its memory."""
    import tracemalloc

    cell = '<td rowspan="1000" colspan="1000">x</td>'
    page = ("<table><tr><td>Mã vận đơn</td></tr>" + "".join(f"<tr>{cell * 5}</tr>" for _ in range(20))
            + "</table>").encode()
    tracemalloc.start()
    try:
        rows = sheet_formats.html_tables(page.decode())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows[0] == ["Mã vận đơn"] and rows[1][0] == "x"
    assert peak < 100 * 1024 * 1024
