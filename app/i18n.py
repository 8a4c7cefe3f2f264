"""Translations and locale formatting: one gettext catalog for app/ and ui/, babel for numbers.

Every user-visible string is written in English inside ``_()`` (or marked with ``N_()`` where it
is declared and translated later, e.g. in tables). Catalogs live in
``resources/locale/<lang>/LC_MESSAGES/importdesk.po``; the .mo beside it is compiled on demand.
Money, numbers and dates always go through babel in the current language's locale.
"""
from __future__ import annotations

import gettext as _gettext
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.paths import resources_dir

DOMAIN = "importdesk"
DEFAULT_LANGUAGE = "vi"
#: language code -> (name shown in its own script, babel locale)
LANGUAGES: dict[str, tuple[str, str]] = {
    "vi": ("Tiếng Việt", "vi_VN"),
    "en": ("English", "en_US"),
    "zh_CN": ("简体中文", "zh_Hans_CN"),
}

_lock = threading.Lock()
_catalogs: dict[str, _gettext.NullTranslations] = {}
_current = {"lang": DEFAULT_LANGUAGE}
#: the language of one piece of work where it differs from the process's (the application server
#: answers each desktop in that desktop's language, several at once on its worker threads)
_override: ContextVar[str | None] = ContextVar("importdesk_language", default=None)


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return msgid


class Lazy(str):
    """A message id carried as a value (e.g. a status label inside an error message);
    ``display()`` translates it when it is shown."""


def locale_dir() -> Path:
    return resources_dir() / "locale"


def _load_catalog(lang: str) -> _gettext.NullTranslations:
    """The compiled .mo if it is current, else the .po compiled now (and cached when writable)."""
    import io

    base = locale_dir() / lang / "LC_MESSAGES"
    po, mo = base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return _gettext.GNUTranslations(f)
    if not po.exists():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        compiled = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, compiled)
    try:
        mo.write_bytes(buf.getvalue())
    except OSError:
        pass  # a read-only install: use the in-memory catalog
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def catalog(lang: str) -> _gettext.NullTranslations:
    with _lock:
        if lang not in _catalogs:
            _catalogs[lang] = _gettext.NullTranslations() if lang == "en" else _load_catalog(lang)
        return _catalogs[lang]


def reload_catalogs() -> None:
    with _lock:
        _catalogs.clear()


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    _current["lang"] = lang


def current_language() -> str:
    return _override.get() or _current["lang"]


@contextmanager
def language(lang: str):
    """Translate and format in ``lang`` inside the block, on this thread (or task) only."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    token = _override.set(lang)
    try:
        yield
    finally:
        _override.reset(token)


def current_locale() -> str:
    return LANGUAGES[current_language()][1]


def _(msgid: str) -> str:
    return catalog(current_language()).gettext(msgid)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(current_language()).ngettext(singular, plural, n)


def translate(msgid: str, lang: str) -> str:
    """Translate into a given language (e.g. a customer's), whatever the UI language is."""
    return catalog(lang).gettext(msgid)


# -- formatting ------------------------------------------------------------------------------

_locales: dict[str, Any] = {}


def _locale(lang: str | None):
    """The babel Locale, parsed once per language (babel parses a locale name on every call:
    half the time of formatting a number, a thousand times for a page of a queue)."""
    from babel import Locale

    lang = lang or current_language()
    loc = _locales.get(lang)
    if loc is None:
        loc = _locales[lang] = Locale.parse(LANGUAGES[lang][1])
    return loc


def fmt_money(money: Any, lang: str | None = None) -> str:
    """1.234.567 ₫ / 1.234,50 CN¥ in Vietnamese; ₫1,234,567 / ¥1,234.50 in Chinese."""
    from babel.numbers import format_currency

    if money is None:
        return ""
    return format_currency(money.amount, money.currency, locale=_locale(lang))


def fmt_decimal(value: Decimal | int | None, lang: str | None = None, digits: int | None = None) -> str:
    from babel.numbers import format_decimal

    if value is None:
        return ""
    if digits is not None:
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=fmt, locale=_locale(lang))
    return format_decimal(value, locale=_locale(lang))


def fmt_percent(value: Decimal | None, lang: str | None = None) -> str:
    if value is None:
        return ""
    return fmt_decimal(value, lang) + " %"


def local_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone()


#: four-digit years everywhere: a back office reads old records too
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "MMM d, yyyy", "zh_CN": "yyyy/MM/dd"}
DATETIME_PATTERNS = {"vi": "HH:mm dd/MM/yyyy", "en": "MMM d, yyyy HH:mm", "zh_CN": "yyyy/MM/dd HH:mm"}


def fmt_datetime(value: datetime | None, lang: str | None = None) -> str:
    from babel.dates import format_datetime

    if value is None:
        return ""
    lang = lang or current_language()
    return format_datetime(local_time(value), format=DATETIME_PATTERNS[lang], locale=_locale(lang))


def fmt_date(value: date | datetime | None, lang: str | None = None) -> str:
    from babel.dates import format_date

    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value).date()
    lang = lang or current_language()
    return format_date(value, format=DATE_PATTERNS[lang], locale=_locale(lang))


def display(value: Any, lang: str | None = None) -> str:
    """Any value a message or a table cell may hold, formatted for the user."""
    from app.money import Money

    if value is None:
        return ""
    if isinstance(value, Lazy):
        return _(value)
    if isinstance(value, Money):
        return fmt_money(value, lang)
    if isinstance(value, datetime):
        return fmt_datetime(value, lang)
    if isinstance(value, date):
        return fmt_date(value, lang)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (Decimal, int)):
        return fmt_decimal(value, lang)
    return str(value)


class Percent(Decimal):
    """A percentage carried as a value in a message ("3 %" / "3 %" per locale when shown)."""


class Message:
    """A sentence the app stores to show later (a notification, a task's subject): its English
    msgid and its values, rendered in the reader's language when it is read, not when written.

    Values keep their type through JSON (``to_json``/``from_json``): money, dates, numbers are
    formatted for the reader's locale; ``Lazy`` values (labels) and nested ``Message``s are
    translated too; plain strings (codes, names people typed) are shown as they are.
    """

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"Message({self.key!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.key, self.params) == (other.key, other.params)

    __hash__ = None  # type: ignore[assignment]

    def render(self, lang: str | None = None) -> str:
        lang = lang or _current["lang"]
        values = {k: _render_value(v, lang) for k, v in self.params.items()}
        template = catalog(lang).gettext(self.key)
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            return template

    def __str__(self) -> str:
        return self.render()

    def to_json(self) -> dict[str, Any]:
        return {k: _encode(v) for k, v in self.params.items()}

    @classmethod
    def from_json(cls, key: str, params: dict[str, Any] | None) -> "Message":
        return cls(key, **{k: _decode(v) for k, v in (params or {}).items()})


def _render_value(value: Any, lang: str) -> str:
    if isinstance(value, Percent):
        return fmt_percent(Decimal(value), lang)
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, Lazy):
        return catalog(lang).gettext(value)
    if isinstance(value, bool):
        return catalog(lang).gettext("Yes") if value else catalog(lang).gettext("No")
    return display(value, lang)


def _encode(value: Any) -> Any:
    """A message value as JSON that keeps its type (money, dates, decimals, labels)."""
    from app.money import Money

    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, Message):
        return {"msg": value.key, "p": value.to_json()}
    if isinstance(value, Lazy):
        return {"t": str(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, Money):
        return {"money": str(value.amount), "cur": value.currency}
    if isinstance(value, Percent):
        return {"pct": str(value)}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return str(value)


def _decode(value: Any) -> Any:
    from app.money import Money

    if not isinstance(value, dict):
        return value
    if "msg" in value:
        return Message.from_json(value["msg"], value.get("p"))
    if "t" in value:
        return Lazy(value["t"])
    if "money" in value:
        return Money(Decimal(value["money"]), value["cur"])
    if "dec" in value:
        return Decimal(value["dec"])
    if "pct" in value:
        return Percent(value["pct"])
    if "dt" in value:
        return datetime.fromisoformat(value["dt"])
    if "date" in value:
        return date.fromisoformat(value["date"])
    return str(value)


def render_stored(text: str, key: str | None, params: dict[str, Any] | None,
                  lang: str | None = None) -> str:
    """A stored message in the reader's language; rows written before messages were stored
    as keys (no key) show the text they were written with."""
    if not key:
        return text or ""
    return Message.from_json(key, params).render(lang)


def app_name(stored: str, msgids) -> str:
    """A name the app gave (the default fee set, a first bank account) in the reader's language;
    a name the company typed, as typed. The app stores its names as the English msgid; rows
    written earlier in the writer's language are recognised by that language's rendering."""
    for msgid in msgids:
        if stored == msgid or any(stored == catalog(lang).gettext(msgid) for lang in LANGUAGES):
            return _(msgid)
    return stored


def message_parts(value: "str | Message") -> tuple[str, str | None, dict[str, Any] | None]:
    """What to store for a text: (text in English for old readers and searching, key, params)."""
    if isinstance(value, Message):
        return value.render("en"), value.key, value.to_json()
    return value, None, None


class NumberInputError(ValueError):
    pass


def parse_decimal(text: str, lang: str | None = None) -> Decimal:
    """Parse what a user typed, strictly, in their locale.

    babel's lenient parser reads "1.5" as 15 in Vietnamese; strict mode refuses it and suggests
    the intended number, which is what the user should see instead of a silent 15.
    A plain "1.5" or "1,5" without group separators is accepted as the decimal it obviously is.
    """
    from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol
    from babel.numbers import parse_decimal as _parse

    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not raw:
        raise NumberInputError(_("Enter a number."))
    loc = _locale(lang)
    dec, group = get_decimal_symbol(loc), get_group_symbol(loc)
    # A single separator with one or two digits after it can only be a decimal point.
    for sep in {".", ","}:
        head, _sep, tail = raw.rpartition(sep)
        if _sep and raw.count(sep) == 1 and (("." if sep == "," else ",") not in raw) \
                and head.lstrip("-").isdigit() and tail.isdigit() and len(tail) != 3:
            return Decimal(f"{head}.{tail}")
    try:
        return _parse(raw, locale=loc, strict=True)
    except NumberFormatError as exc:
        suggestion = getattr(exc, "suggestions", None)
        hint = (" " + _("Did you mean {value}?").format(value=suggestion[0])) if suggestion else ""
        raise NumberInputError(_("“{text}” is not a number here (decimal mark “{dec}”, "
                                 "thousands “{group}”).").format(text=text, dec=dec, group=group)
                               + hint) from exc
