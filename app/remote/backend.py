"""One way for a screen to run a declared operation, in-process or through the server.

    backend.call("wallets.record_payment", "topup", cid, amount, ref, on, account)

``InProcess`` runs the function on the desktop's own database (a single desktop, the demo);
``Remote`` sends it to the application server. Both take the same operation names and
arguments (``app.remote.ops.OPS``), return the same values and raise the same exceptions, so a
screen written against ``Backend`` works either way. (No Qt here: running a call in the
background and showing its error is the UI's part.)
"""
from __future__ import annotations

from typing import Any, Protocol

from app.db import Database
from app.permissions import Actor, Role
from app.remote import wire
from app.remote.client import RemoteClient
from app.remote.errors import RequestRefused
from app.remote.ops import OPS, Operations


class Backend(Protocol):
    def call(self, op: str, *args: Any, **kwargs: Any) -> Any: ...

    def switch_role(self, role: Role) -> None: ...


class InProcess:
    """The operation's function called directly. ``check_wire`` also sends the arguments and the
    result through the wire format and back (tests: what works here works through a server)."""

    def __init__(self, db: Database, actor: Actor, ops: Operations = OPS, check_wire: bool = False) -> None:
        self.db, self.actor, self.ops, self.check_wire = db, actor, ops, check_wire

    def switch_role(self, role: Role) -> None:
        self.actor = self.actor.as_role(role)

    def call(self, op_name: str, *args: Any, **kwargs: Any) -> Any:
        op = self.ops.get(op_name)
        if op is None:
            raise RequestRefused(reason=f"unknown operation “{op_name}”")
        bound = op.bind(args, kwargs)
        if self.check_wire:
            bound = op.decode_args(op.encode_args(bound))
        with self.db.action():
            result = op.run(self.db, self.actor, bound)
        if self.check_wire:
            result = wire.decode(wire.encode(result, op.result), op.result)
        return result


class Remote:
    """Through the application server (the client signed in already)."""

    def __init__(self, client: RemoteClient) -> None:
        self.client = client

    def switch_role(self, role: Role) -> None:
        signed = self.client.signed_in
        if signed is None or role not in signed.roles:
            raise ValueError(f"the signed-in user does not hold the role {role}")
        self.client.role = role

    def call(self, op_name: str, *args: Any, **kwargs: Any) -> Any:
        return self.client.call(op_name, *args, **kwargs)
