"""Tracking codes (mã vận đơn, 快递单号): how a scanned or typed code is normalised and checked.

Scanners and people add spaces, lower-case letters, full-width digits (a Chinese input method),
Code 39 start/stop stars and carrier prefixes; the stored form is the bare code in upper case,
so the same parcel is found however it was typed. This is the one place codes are normalised.
"""
from __future__ import annotations

import re
import unicodedata

#: prefixes carriers' labels (or staff) put in front of the code proper, Latin and Chinese names;
#: longest first so "JTSD:" wins over "JT:"
CARRIER_PREFIXES = tuple(sorted((
    "YUNDA:", "ZTO:", "STO:", "YTO:", "SF:", "JT:", "JTSD:", "EMS:", "BEST:", "JD:", "DEPPON:",
    "DBL:", "HTKY:", "YD:", "CAINIAO:",
    "韵达:", "中通:", "申通:", "圆通:", "顺丰:", "极兔:", "京东:", "邮政:", "百世:", "德邦:", "菜鸟:",
), key=len, reverse=True))

#: carrier of a prefix above (and of codes whose own letters say it), for the parcel's record
_PREFIX_CARRIER = {
    "YUNDA": "Yunda", "YD": "Yunda", "韵达": "Yunda", "ZTO": "ZTO", "中通": "ZTO",
    "STO": "STO", "申通": "STO", "YTO": "YTO", "圆通": "YTO", "SF": "SF Express", "顺丰": "SF Express",
    "JT": "J&T", "JTSD": "J&T", "极兔": "J&T", "EMS": "EMS", "邮政": "EMS", "BEST": "Best Express",
    "HTKY": "Best Express", "百世": "Best Express", "JD": "JD Logistics", "京东": "JD Logistics",
    "DEPPON": "Deppon", "DBL": "Deppon", "德邦": "Deppon", "CAINIAO": "Cainiao", "菜鸟": "Cainiao",
}
_CODE_CARRIER = (
    (re.compile(r"^SF\d{12,13}$"), "SF Express"),
    (re.compile(r"^YT\d{13,15}$"), "YTO"),
    (re.compile(r"^JT\d{13}$"), "J&T"),
    (re.compile(r"^JDV?[A-Z]?\d{9,15}"), "JD Logistics"),
    (re.compile(r"^DPK\d{10,13}$"), "Deppon"),
    (re.compile(r"^[A-Z]{2}\d{9}CN$"), "EMS"),
)
_ALLOWED = re.compile(r"^[A-Z0-9-]{6,40}$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"), None)


def _split(raw: str) -> tuple[str, str]:
    """(carrier prefix found or "", the rest) after folding width and removing blanks."""
    text = unicodedata.normalize("NFKC", raw or "").translate(_INVISIBLE)
    text = re.sub(r"\s+", "", text).upper()
    if len(text) > 2 and text.startswith("*") and text.endswith("*"):
        text = text[1:-1]   # Code 39 start/stop characters some scanners pass on
    for prefix in CARRIER_PREFIXES:
        if text.startswith(prefix):
            return prefix[:-1], text[len(prefix):]
    return "", text


def normalize_code(raw: str) -> str:
    return _split(raw)[1].strip("-")


def carrier_of(raw: str) -> str:
    """The carrier a label prefix or the code's own letters name, or "" when it cannot tell."""
    prefix, rest = _split(raw)
    if prefix:
        return _PREFIX_CARRIER.get(prefix, prefix)
    code = rest.strip("-")
    for pattern, carrier in _CODE_CARRIER:
        if pattern.match(code):
            return carrier
    return ""


def is_plausible(code: str) -> bool:
    """6–40 letters, digits or dashes, with at least four digits (no carrier code is all letters)."""
    return bool(_ALLOWED.match(code)) and sum(c.isdigit() for c in code) >= 4


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace(" ", "")


def parse_link_templates(text: str) -> list[tuple[str, str]]:
    """"GHN = https://…{code}; GHTK = https://…/{code}" as (courier, template) pairs; raises
    ValueError naming the first entry that is not 'Courier = http(s)://… {code}'."""
    pairs = []
    for part in re.split(r"[;\n]+", text or ""):
        if not part.strip():
            continue
        name, sep, url = part.partition("=")
        url = url.strip()
        if not sep or not name.strip() or not re.match(r"^https?://\S+$", url) or "{code}" not in url:
            raise ValueError(part.strip())
        pairs.append((name.strip(), url))
    return pairs


def tracking_link(templates: str, courier: str, code: str) -> str:
    """The courier's tracking page for ``code`` from the company's templates ('' when none fits)."""
    if not (code or "").strip() or not (courier or "").strip():
        return ""
    try:
        pairs = parse_link_templates(templates)
    except ValueError:
        return ""
    from urllib.parse import quote

    wanted = _fold(courier)
    compact = quote("".join(code.split()), safe="")      # "GHN 5566 7788" as typed is GHN55667788
    for name, url in pairs:
        if _fold(name) and (_fold(name) in wanted or wanted in _fold(name)):
            return url.replace("{code}", compact)
    return ""
