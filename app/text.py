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


#: control characters kept in text: tab and line feed (notes and addresses have lines)
_KEPT_CONTROLS = frozenset("\t\n")


def clean(text: str | None) -> str:
    """The one form every text takes at the service boundary: Unicode NFC (a Vietnamese name
    typed with combining accents and one typed precomposed are the same name), without NUL and
    other control characters (PostgreSQL refuses NUL; the others are invisible junk from pasted
    text), line ends as ``\\n``, and no surrounding blanks."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isprintable():
        text = "".join(c for c in text if c in _KEPT_CONTROLS or not _is_junk(c))
    return unicodedata.normalize("NFC", text).strip()


def _is_junk(c: str) -> bool:
    # Cc: control characters; Cs: lone surrogates (no encoding can store them). Format
    # characters (Cf: right-to-left marks, zero-width joiners in emoji) stay: they are text.
    return unicodedata.category(c) in ("Cc", "Cs")


def clean_input(value):
    """``value`` with every text in it through ``clean``: a str, or a copy of a dataclass (and of
    the lists and dataclasses inside it) — what a service does first with a dialog's input.
    Fields whose name says password are left exactly as typed."""
    import dataclasses

    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [clean_input(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for f in dataclasses.fields(value):
            current = getattr(value, f.name)
            if not f.init or "password" in f.name:
                continue
            if isinstance(current, (str, list)) or dataclasses.is_dataclass(current):
                changed[f.name] = clean_input(current)
        return dataclasses.replace(value, **changed)
    return value
