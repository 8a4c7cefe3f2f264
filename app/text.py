"""Text folding for search: "Nguyễn Thị Hằng" and "nguyen thi hang" fold to the same thing."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, without diacritics, with đ→d and single spaces: the search column's form."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.lower()).strip()


def digits(text: str | None) -> str:
    return "".join(c for c in (text or "") if c.isdigit())


def search_blob(*parts: str | None) -> str:
    """The folded text a row is found by; phone numbers are added as bare digits too."""
    out: list[str] = []
    for p in parts:
        if not p:
            continue
        out.append(fold(p))
        d = digits(p)
        if len(d) >= 6 and d != p:
            out.append(d)
    return " | ".join(out)
