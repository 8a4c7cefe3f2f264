"""The PDF fonts: DejaVu for Latin and Vietnamese, WenQuanYi Micro Hei for Chinese runs only.

WQY Micro Hei maps every Vietnamese letter but draws "ờ" with an acute accent ("Người" prints as
"Ngưới"), so text is split into CJK and non-CJK runs and each run is drawn in its own font.
Both fonts ship in resources/fonts and are embedded as subsets.
"""
from __future__ import annotations

import threading
import unicodedata
from xml.sax.saxutils import escape

from app.paths import resources_dir

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
CJK = "WQYMicroHei"
ELLIPSIS = "…"

#: Han ideographs with their radicals and compatibility forms, CJK punctuation, kana and
#: bopomofo (shop titles use them), enclosed/compatibility CJK, and the fullwidth forms block.
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x2FF0, 0x2FFF),    # ideographic description characters
    (0x3000, 0x303F),    # CJK symbols and punctuation (、。「」【】)
    (0x3040, 0x30FF),    # hiragana, katakana
    (0x3100, 0x312F),    # bopomofo
    (0x3190, 0x31FF),    # kanbun, bopomofo extended, CJK strokes, katakana extensions
    (0x3200, 0x33FF),    # enclosed CJK letters, CJK compatibility
    (0x3400, 0x4DBF),    # CJK extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xAC00, 0xD7AF),    # Hangul syllables (Korean shop listings; DejaVu lacks them)
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF00, 0xFFEF),    # halfwidth and fullwidth forms (，：（）！)
    (0x20000, 0x2FA1F),  # CJK extensions B-F, compatibility supplement
)

_lock = threading.Lock()
_registered = False


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def register_fonts() -> None:
    """Register the three fonts with reportlab once per process (safe to call from any thread)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        folder = resources_dir() / "fonts"
        pdfmetrics.registerFont(TTFont(REGULAR, str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFont(TTFont(CJK, str(folder / "wqy-microhei.ttc"), subfontIndex=0))
        # Families let Paragraph's <b> pick DejaVu Bold; WQY has no bold face, so it maps to itself.
        for italic in (0, 1):
            addMapping(REGULAR, 0, italic, REGULAR)
            addMapping(REGULAR, 1, italic, BOLD)
            addMapping(BOLD, 0, italic, BOLD)
            addMapping(BOLD, 1, italic, BOLD)
            addMapping(CJK, 0, italic, CJK)
            addMapping(CJK, 1, italic, CJK)
        _registered = True


def split_runs(text: str | None) -> list[tuple[bool, str]]:
    """Split text into (is_cjk, run) pieces, in order; the text is NFC-normalised first so that
    decomposed Vietnamese (e + combining marks, as some keyboards type it) prints as one letter."""
    if not text:
        return []
    text = unicodedata.normalize("NFC", text)
    runs: list[tuple[bool, str]] = []
    start = 0
    current = is_cjk(text[0])
    for i in range(1, len(text)):
        flag = is_cjk(text[i])
        if flag != current:
            runs.append((current, text[start:i]))
            start, current = i, flag
    runs.append((current, text[start:]))
    return runs


def font_for(cjk: bool, bold: bool = False) -> str:
    if cjk:
        return CJK
    return BOLD if bold else REGULAR


def text_width(text: str | None, size: float, bold: bool = False) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    return sum(stringWidth(run, font_for(cjk, bold), size) for cjk, run in split_runs(text))


def draw_text(canvas, x: float, y: float, text: str | None, size: float, bold: bool = False) -> float:
    """Draw text left-aligned at (x, y) switching fonts per run; return the width drawn."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    start = x
    for cjk, run in split_runs(text):
        font = font_for(cjk, bold)
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += stringWidth(run, font, size)
    return x - start


def draw_text_right(canvas, x_right: float, y: float, text: str | None, size: float,
                    bold: bool = False) -> float:
    width = text_width(text, size, bold)
    draw_text(canvas, x_right - width, y, text, size, bold)
    return width


def draw_text_centred(canvas, x_centre: float, y: float, text: str | None, size: float,
                      bold: bool = False) -> float:
    width = text_width(text, size, bold)
    draw_text(canvas, x_centre - width / 2, y, text, size, bold)
    return width


def _char_widths(text: str, size: float, bold: bool) -> list[float]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    return [stringWidth(ch, font_for(is_cjk(ch), bold), size) for ch in text]


def fit_text(text: str | None, size: float, max_width: float, bold: bool = False) -> str:
    """The text itself if it fits in max_width, else its longest prefix that fits with "…" added."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if text_width(text, size, bold) <= max_width:
        return text
    room = max_width - text_width(ELLIPSIS, size, bold)
    used = 0.0
    cut = 0
    for i, w in enumerate(_char_widths(text, size, bold)):
        if used + w > room:
            break
        used += w
        cut = i + 1
    return text[:cut].rstrip() + ELLIPSIS if room > 0 else ""


#: CJK punctuation that must not start a line (kinsoku): it stays with the character before it.
_NO_LINE_START = set("，。、；：！？）】》」』〉”’％,.;:!?)]")


def _tokens(text: str) -> list[str]:
    """Breakable pieces: a Latin word with its trailing spaces, or a single CJK character
    (Chinese breaks between any two characters) with any closing punctuation after it."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if is_cjk(ch):
            if ch in _NO_LINE_START and (word or tokens):
                if word:
                    word += ch
                else:
                    tokens[-1] += ch
                continue
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        elif ch == " " and word and not word.endswith(" "):
            word += ch
        elif word.endswith(" ") and ch != " ":
            tokens.append(word)
            word = ch
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


def _break_long(token: str, size: float, max_width: float, bold: bool) -> list[str]:
    pieces, piece, used = [], "", 0.0
    for ch, w in zip(token, _char_widths(token, size, bold)):
        if piece and used + w > max_width:
            pieces.append(piece)
            piece, used = "", 0.0
        piece += ch
        used += w
    if piece:
        pieces.append(piece)
    return pieces


def wrap_text(text: str | None, size: float, max_width: float, bold: bool = False,
              max_lines: int | None = None) -> list[str]:
    """Lines that each fit max_width: Latin breaks at spaces, Chinese between characters,
    explicit newlines are kept; past max_lines the last line ends in "…"."""
    if not text:
        return [""]
    text = unicodedata.normalize("NFC", text)
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        line = ""
        for token in _tokens(paragraph):
            candidate = line + token
            if text_width(candidate.rstrip(), size, bold) <= max_width:
                line = candidate
                continue
            if line:
                lines.append(line.rstrip())
            if text_width(token.rstrip(), size, bold) > max_width:
                *full, line = _break_long(token, size, max_width, bold)
                lines.extend(full)
            else:
                line = token
        lines.append(line.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        # The rest no longer fits, so fitting it again cuts it and adds the ellipsis.
        rest = last + " " + " ".join(lines[max_lines:])
        cut = fit_text(rest, size, max_width, bold)
        if not cut.endswith(ELLIPSIS):
            cut = fit_text(last + ELLIPSIS, size, max_width, bold)
        return lines[: max_lines - 1] + [cut]
    return lines


def para_markup(text: str | None, bold: bool = False) -> str:
    """Escaped Paragraph markup with CJK runs wrapped in the WQY font (for platypus documents,
    whose style font should be DejaVuSans)."""
    parts = []
    for cjk, run in split_runs(text):
        run = escape(run).replace("\n", "<br/>")
        parts.append(f'<font name="{CJK}">{run}</font>' if cjk else run)
    markup = "".join(parts)
    return f"<b>{markup}</b>" if bold and markup else markup
