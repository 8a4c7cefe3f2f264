"""Remote operations of the stations area (see app.remote.decl)."""
from __future__ import annotations


def declare(add) -> None:
    pass
