"""The files partners really send: an old Excel 97-2003 .xls from a Chinese warehouse, and CSVs
saved by Chinese Excel/WPS (GB18030), by Vietnamese Windows (Windows-1258, tones as combining
marks), as Excel's "Unicode text" (UTF-16, tabs) or as UTF-8 with a BOM — each read as the same
text, NFC."""
import unicodedata
from pathlib import Path

import pytest

from app.errors import ValidationFailed
from app.import_columns import decode_text, read_sheet

DATA = Path(__file__).resolve().parent.parent / "data"

VI = ("Mã vận đơn,Cân nặng (kg),Ghi chú\n"
      "SF1234567890,1.25,Hàng dễ vỡ\n"
      "YT9876543210,0.8,Giày thể thao nữ\n")
ZH = ("快递单号,重量(kg),备注\n"
      "SF1234567890,1.25,易碎品\n"
      "YT9876543210,0.8,女士运动鞋\n")


def windows_1258(text: str) -> bytes:
    """As Vietnamese Windows saves it: a letter with two marks is its base with one mark, plus a
    combining mark (cp1258 has no "ậ": it writes "â" + dot below; no "ã": "a" + tilde)."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for mark in [*marks, ""]:
            rest = "".join(m for m in marks if m != mark)
            try:
                out += unicodedata.normalize("NFC", base + mark).encode("cp1258") + rest.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            raise AssertionError(ch)
    return out


@pytest.mark.parametrize("name, content, text", [
    ("vietnamese windows", windows_1258(VI), VI),
    ("vietnamese windows, one column", windows_1258("Mã vận đơn\nSF1\n"), "Mã vận đơn\nSF1\n"),
    ("chinese excel", ZH.encode("gb18030"), ZH),
    ("chinese excel, short", "单号,重量\nSF1,1.2\n".encode("gbk"), "单号,重量\nSF1,1.2\n"),
    ("unicode text", ZH.replace(",", "\t").encode("utf-16"), ZH.replace(",", "\t")),
    ("utf-8 with a bom", b"\xef\xbb\xbf" + VI.encode(), VI),
    ("utf-8 decomposed", unicodedata.normalize("NFD", VI).encode(), VI),
])
def test_a_csv_is_read_as_the_text_it_was_written_in(name, content, text):
    assert windows_1258(VI) != VI.encode("utf-8")
    assert decode_text(content) == text
    rows = read_sheet("list.csv", content, 100)
    assert [r.cells for r in rows] == [line.split("\t" if "\t" in text else ",") for line in text.splitlines()]


def test_bytes_that_are_no_text_say_so():
    with pytest.raises(ValidationFailed):
        decode_text(b"\xff\xfe\x00\xd8")       # a UTF-16 mark, then half a surrogate pair


def test_an_old_excel_xls_reads_like_the_same_sheet_saved_as_xlsx():
    rows = read_sheet("账单.xls", (DATA / "china-parcel-list.xls").read_bytes(), 100)
    assert [r.cells for r in rows] == [
        ["广州仓 发货清单 2026年11月"],                                  # empty cells after the last are cut
        ["快递单号", "重量(克)", "长(cm)", "宽(cm)", "高(cm)", "入库日期", "备注"],
        ["773012345678901", "1250", "30", "20", "10", "2026-11-28 09:30:00", "易碎品"],   # a code stored as a number
        ["YT7300000000002", "800.5", "20", "15", "5", "2026-11-29 00:00:00", "女士运动鞋"],
        ["SF7300000000003", "2000", "40", "30", "20"],
    ]
    assert [r.line for r in rows] == [1, 2, 3, 4, 5]


def test_a_file_that_is_not_an_xls_is_refused_with_a_message():
    with pytest.raises(ValidationFailed):
        read_sheet("list.xls", b"PK\x03\x04 not really", 100)
    with pytest.raises(ValidationFailed):
        read_sheet("list.ods", b"", 100)
