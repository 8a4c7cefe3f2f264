"""Tracking codes (mã vận đơn, 快递单号): how a scanned or typed code is normalised and checked.

Scanners and people add spaces, lower-case letters and carrier prefixes; the stored form is the
bare code in upper case, so the same parcel is found however it was typed.
"""
from __future__ import annotations

import re

#: prefixes some carriers' labels carry in front of the code proper (kept when part of the code)
CARRIER_PREFIXES = ("YUNDA:", "ZTO:", "STO:", "YTO:", "SF:", "JT:", "EMS:", "BEST:")
_ALLOWED = re.compile(r"^[A-Z0-9-]{6,40}$")


def normalize_code(raw: str) -> str:
    code = re.sub(r"\s+", "", raw or "").upper()
    for prefix in CARRIER_PREFIXES:
        if code.startswith(prefix):
            code = code[len(prefix):]
            break
    return code.strip("-")


def is_plausible(code: str) -> bool:
    """6–40 letters, digits or dashes, with at least four digits (no carrier code is all letters)."""
    return bool(_ALLOWED.match(code)) and sum(c.isdigit() for c in code) >= 4
