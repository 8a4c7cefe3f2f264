"""Remote operations of the seals area (see app.remote.decl)."""
from __future__ import annotations


def declare(add) -> None:
    pass
