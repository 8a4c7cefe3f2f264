"""Screens reach the company's data only through ``session.call`` (issue 14): no file under ui/
but ui/app.py (which opens the database of a single desktop) and ui/session.py (the door itself)
mentions ``session.db`` or reads through a ``.db.`` attribute. On a desktop signed in to a server
``session.db`` is None, so any such line is a screen that breaks there."""
from __future__ import annotations

import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"
EXEMPT = {"ui/app.py", "ui/session.py"}
#: Files other helpers convert in parallel this round (not the shell's): the lead empties this
#: list when their branches are merged, and the test then holds for every screen.
NOT_YET_CONVERTED = {
}
PATTERN = re.compile(r"session\.db\b|\.db\.")


def offenders() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(UI.rglob("*.py")):
        rel = path.relative_to(UI.parent).as_posix()
        if rel in EXEMPT:
            continue
        lines = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if PATTERN.search(line)]
        if lines:
            found[rel] = lines
    return found


def test_no_screen_reaches_the_database_but_through_session_call():
    found = offenders()
    unexpected = {f: lines for f, lines in found.items() if f not in NOT_YET_CONVERTED}
    assert not unexpected, "screens using the database directly (use session.call):\n" + "\n".join(
        f"{f}\n    " + "\n    ".join(lines) for f, lines in unexpected.items())


def test_the_allow_list_names_only_files_that_still_need_it():
    """A file converted leaves the list (so it cannot fall back unnoticed)."""
    found = offenders()
    stale = sorted(f for f in NOT_YET_CONVERTED if f not in found)
    assert not stale, f"converted already, remove from NOT_YET_CONVERTED: {stale}"
