"""The declared list of remote operations: nothing else is callable from the network.

Each line names an operation and the public function behind it — a service
(``fn(db, actor, ...)``) or a read model. The argument types are the function's own
annotations: from them the server builds a strict msgspec struct per operation (unknown fields,
missing ones and wrong types are refused before the function runs) and the desktop decodes the
result against the return annotation. The actor is never an argument: the server makes it from
the session, and the service checks its permission as it does in-process.

To make a service callable from a desktop, add one ``OPS.add("area.verb", module.function)``
below. The function must take ``db`` first (and ``actor`` second if it acts for someone), and
its parameters and return value must be data: dataclasses, Money, Decimal, dates, enums, str,
int, bytes, tuples and lists of those.
"""
from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any, Callable

import msgspec

from app.remote import wire


@dataclass(frozen=True)
class Operation:
    name: str
    fn: Callable[..., Any]
    #: parameter name -> its annotation, in the function's order (db and actor left out)
    params: dict[str, Any]
    defaults: dict[str, Any]
    result: Any
    takes_actor: bool
    args_type: type

    def bind(self, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The call's arguments by name, checked against the signature (TypeError as in-process)."""
        names = list(self.params)
        if len(args) > len(names):
            raise TypeError(f"{self.name}() takes {len(names)} arguments, got {len(args)}")
        bound = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in self.params:
                raise TypeError(f"{self.name}() got an unexpected argument {key!r}")
            if key in bound:
                raise TypeError(f"{self.name}() got {key!r} twice")
            bound[key] = value
        missing = [n for n in names if n not in bound and n not in self.defaults]
        if missing:
            raise TypeError(f"{self.name}() is missing {', '.join(missing)}")
        return bound

    def encode_args(self, bound: dict[str, Any]) -> bytes:
        return wire.encode_prepared({k: wire.prepare(v, self.params[k]) for k, v in bound.items()})

    def decode_args(self, body: bytes) -> dict[str, Any]:
        """The arguments sent, decoded strictly against the declared types."""
        args = wire.decode(body or b"\x80", self.args_type)
        return {name: getattr(args, name) for name in self.params}

    def run(self, db: Any, actor: Any, kwargs: dict[str, Any]) -> Any:
        return self.fn(db, actor, **kwargs) if self.takes_actor else self.fn(db, **kwargs)


class Operations:
    def __init__(self) -> None:
        self._ops: dict[str, Operation] = {}

    def add(self, name: str, fn: Callable[..., Any]) -> Operation:
        if name in self._ops:
            if self._ops[name].fn is fn:   # two areas' screens use the same operation
                return self._ops[name]
            raise ValueError(f"operation {name} declared twice, for two functions")
        sig = inspect.signature(fn)
        hints = typing.get_type_hints(fn)
        names = list(sig.parameters)
        if not names or names[0] != "db":
            raise TypeError(f"{name}: {fn.__qualname__} must take db first")
        takes_actor = len(names) > 1 and names[1] == "actor"
        params: dict[str, Any] = {}
        defaults: dict[str, Any] = {}
        fields = []
        for pname in names[2 if takes_actor else 1:]:
            p = sig.parameters[pname]
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{name}: *args/**kwargs cannot be declared for the network")
            tp = hints.get(pname, Any)
            params[pname] = tp
            if p.default is p.empty:
                fields.append((pname, tp))
            else:
                defaults[pname] = p.default
                fields.append((pname, tp, msgspec.field(default_factory=lambda d=p.default: d)))
        args_type = msgspec.defstruct(f"{name}:args", fields, kw_only=True,
                                      forbid_unknown_fields=True)
        op = Operation(name, fn, params, defaults, hints.get("return", Any), takes_actor, args_type)
        self._ops[name] = op
        return op

    def get(self, name: str) -> Operation | None:
        return self._ops.get(name)

    def __getitem__(self, name: str) -> Operation:
        return self._ops[name]

    def __contains__(self, name: str) -> bool:
        return name in self._ops

    def names(self) -> list[str]:
        return sorted(self._ops)


OPS = Operations()


def _declare() -> None:
    from app.remote import views
    from app.services import (auth, customers, item_counts, ledger, orders, parcels, shipments, stocktakes, users,
                              wallets)

    add = OPS.add
    # sign-in itself is POST /login; changing one's password needs the session
    add("auth.change_own_password", auth.change_own_password)
    add("users.set_own_language", users.set_own_language)
    add("users.list_warehouses", users.list_warehouses)
    add("users.staff_with_role", users.staff_with_role)
    # the main window and its queues
    add("queues.counts", views.queue_counts)
    add("queues.page", views.queue_page)
    # customers and wallets
    add("customers.find", customers.find_customers)
    add("customers.get", customers.get_customer)
    add("wallets.view", wallets.wallet_view)
    add("wallets.get_payment", wallets.get_payment)
    add("wallets.record_payment", wallets.record_payment)
    add("wallets.approve_payment", wallets.approve_payment)
    add("ledger.statement", ledger.statement)
    # the order window
    add("orders.get", orders.get_order)
    add("orders.window", views.order_window)        # the first paint in one call
    add("orders.read_file", orders.read_file)
    add("orders.attach_file", orders.attach_file)
    add("orders.post_message", orders.post_message)
    add("orders.messages", orders.list_messages)
    add("orders.apply_action", orders.apply_action)
    add("orders.confirm", orders.confirm_order)
    add("orders.assign_staff", orders.assign_staff)
    add("orders.count_sheet", item_counts.count_sheet)
    add("orders.record_item_counts", item_counts.record_item_counts)
    # scan stations
    add("parcels.receive_cn", parcels.receive_cn)
    add("shipments.pack_scan", shipments.pack_scan)
    add("shipments.receive_scan", shipments.receive_scan)
    add("stocktakes.scan", stocktakes.stocktake_scan)
    # each area's own declarations (one module per area, so areas do not edit one list)
    import importlib

    from app.remote import decl
    for area in decl.AREAS:
        importlib.import_module(f"app.remote.decl.{area}").declare(add)


_declare()
