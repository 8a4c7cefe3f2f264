"""Keep the translation catalogs in step with the code.

    python tools/i18n.py update            extract _()/N_()/ngettext() strings from app/, ui/,
                                           main.py into every resources/locale/<lang>/…/importdesk.po
    python tools/i18n.py missing LANG      print untranslated msgids as JSON {msgid: ""}
    python tools/i18n.py apply LANG FILE   merge a JSON {msgid: translation} file into LANG's catalog
    python tools/i18n.py export LANG       print LANG's translations as JSON {msgid: translation}
    python tools/i18n.py check             exit 1 if any msgid lacks a translation or a
                                           placeholder ({name}) differs between msgid and msgstr
    python tools/i18n.py compile           write the .mo files

English is the source language. Catalogs are kept sorted by msgid so merges stay readable.
Merging branches: git does not merge .po files line by line (a union merge pairs translations
with the wrong msgids); on a conflict keep one side's catalogs, run `update`, then `apply` the
other side's `export`.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "resources" / "locale"
LANGS = ("vi", "zh_CN")
DOMAIN = "importdesk"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


def extract() -> dict[str, tuple[str, ...] | None]:
    """msgid -> plural form (or None), in a stable order."""
    found: dict[str, tuple[str, ...] | None] = {}
    method_map = [("**.py", "python")]
    sources = [ROOT / "app", ROOT / "ui"]
    for src in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(src), method_map=method_map, keywords=KEYWORDS, strip_comment_tags=True):
            _add(found, message)
    main = ROOT / "main.py"
    if main.exists():
        from babel.messages.extract import extract as _extract

        with main.open("rb") as f:
            for _line, message, _comments, _context in _extract("python", f, keywords=KEYWORDS):
                _add(found, message)
    return dict(sorted(found.items(), key=lambda kv: kv[0]))


def _add(found: dict, message) -> None:
    if isinstance(message, tuple):
        if message[0]:
            found[message[0]] = tuple(message)
    elif message:
        found.setdefault(message, None)


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="ImportDesk")
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def save(lang: str, catalog: Catalog) -> None:
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, sort_output=True, omit_header=False, width=0, include_lineno=False,
                 no_location=True)


def update() -> None:
    messages = extract()
    for lang in LANGS:
        old = load(lang)
        new = Catalog(locale=lang, domain=DOMAIN, project="ImportDesk", charset="utf-8")
        for msgid, plural in messages.items():
            key = plural if plural else msgid
            prev = old.get(msgid)
            string = prev.string if prev is not None else ("", "") if plural else ""
            new.add(key, string)
        save(lang, new)
        print(f"{lang}: {len(messages)} messages, {len(missing(lang))} untranslated")


def missing(lang: str) -> list[str]:
    cat = load(lang)
    out = []
    for m in cat:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(strings):
            out.append(m.id[0] if isinstance(m.id, tuple) else m.id)
    return out


def apply(lang: str, file: str) -> None:
    data = json.loads(Path(file).read_text(encoding="utf-8"))
    cat = load(lang)
    applied = 0
    for msgid, text in data.items():
        m = cat.get(msgid)
        if m is None or not text:
            continue
        if isinstance(m.id, tuple):
            m.string = tuple(text) if isinstance(text, list) else (text, text)
        else:
            m.string = text
        applied += 1
    save(lang, cat)
    print(f"{lang}: applied {applied}, {len(missing(lang))} still untranslated")


def problems() -> list[str]:
    out: list[str] = []
    code = set(extract())
    for lang in LANGS:
        cat = load(lang)
        ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in cat if m.id}
        for msgid in sorted(code - ids):
            out.append(f"{lang}: not in catalog (run update): {msgid!r}")
        for msgid in missing(lang):
            out.append(f"{lang}: untranslated: {msgid!r}")
        for m in cat:
            if not m.id or isinstance(m.id, tuple) or not m.string:
                continue
            if sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string)):
                out.append(f"{lang}: placeholders differ: {m.id!r} -> {m.string!r}")
    return out


def compile_all() -> None:
    for lang in LANGS:
        cat = load(lang)
        with po_path(lang).with_suffix(".mo").open("wb") as f:
            write_mo(f, cat)


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "update":
        update()
    elif cmd == "missing":
        print(json.dumps({m: "" for m in missing(argv[2])}, ensure_ascii=False, indent=1))
    elif cmd == "apply":
        apply(argv[2], argv[3])
    elif cmd == "export":
        cat = load(argv[2])
        print(json.dumps({m.id: m.string for m in cat if m.id and not isinstance(m.id, tuple) and m.string},
                         ensure_ascii=False, indent=1))
    elif cmd == "compile":
        compile_all()
    elif cmd == "check":
        found = problems()
        for p in found:
            print(p)
        print(f"{len(found)} problem(s)")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
