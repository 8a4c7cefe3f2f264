"""One account signed in on several desktops at the same moment (a warehouse's shared scanner
login, a manager's two PCs): every desktop gets its session — none is answered "the server
failed" because another sign-in of the same user was being written at the same time."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from app.permissions import Role
from tests.factories import PASSWORD, make_user

DESKTOPS = 8


def test_the_same_user_signing_in_on_several_desktops_at_once_is_signed_in_on_each(db, desktop):
    make_user(db, Role.FORWARDER_CN, username="khotq")
    clients = [desktop() for _ in range(DESKTOPS)]
    for _round in range(10):
        together = threading.Barrier(DESKTOPS, timeout=30)

        def sign_in(client) -> str:
            together.wait()
            return client.login("khotq", PASSWORD).username

        with ThreadPoolExecutor(DESKTOPS) as pool:
            assert list(pool.map(sign_in, clients)) == ["khotq"] * DESKTOPS
    assert len({c.token for c in clients}) == DESKTOPS
    assert all(c.call("users.list_warehouses") is not None for c in clients)
