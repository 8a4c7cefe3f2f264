"""Object mother: people and records in the few lines a test needs, through the real services."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from app.db import Database
from app.models import User, UserRole, Warehouse
from app.permissions import Actor, Role
from app.services.activity import now
from app.services.auth import hash_password

_seq = itertools.count(1)
PASSWORD = "correct horse 9"


def make_user(db: Database, *roles: Role, username: str | None = None, full_name: str | None = None,
              warehouse_code: str | None = None) -> Actor:
    """A staff member holding ``roles``, returned as an Actor in the first of them."""
    roles = roles or (Role.CARE,)
    n = next(_seq)
    username = username or f"{roles[0].value}{n}"
    with db.transaction() as tx:
        wid = None
        if warehouse_code:
            wid = tx.scalar(select(Warehouse.id).where(Warehouse.code == warehouse_code))
        user = User(username=username, full_name=full_name or f"Nhân viên {n}",
                    password_hash=hash_password(PASSWORD), created_at=now(tx), home_warehouse_id=wid)
        user.roles = [UserRole(role=r.value) for r in roles]
        tx.add(user)
        tx.flush()
        uid = user.id
    return Actor(uid, full_name or f"Nhân viên {n}", roles[0], frozenset(roles), wid)


def make_warehouses(db: Database) -> dict[str, int]:
    from app.services.auth import DEFAULT_WAREHOUSES

    with db.transaction() as tx:
        for code, name, country, city in DEFAULT_WAREHOUSES:
            if tx.scalar(select(Warehouse.id).where(Warehouse.code == code)) is None:
                tx.add(Warehouse(code=code, name=name, country=country, city=city))
    with db.read() as s:
        return {w.code: w.id for w in s.scalars(select(Warehouse))}
