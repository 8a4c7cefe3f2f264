"""Remote operations of seals, custody and claims against the carrier (see app.remote.decl)."""
from __future__ import annotations

from app.services import seals


def declare(add) -> None:
    add("seals.view", seals.seal_view)
    add("seals.release", seals.release_held)
    add("seals.close_claim", seals.close_claim)
    add("seals.add_photo", seals.add_seal_photo)
    add("seals.open_claims", seals.open_claims)
    add("seals.read_photo", seals.read_photo)
