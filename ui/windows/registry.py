"""Which window opens a record of each kind, and which "New …" actions each capability offers.

Capabilities register here (``register_detail("order", OrderWindow)``); anything unregistered
opens in the generic detail view. Keeps the main window free of per-entity knowledge.

The capability screens are heavy to import (a quarter of a second together), so the main window
does not wait for them: ``ui.screens`` declares which modules they are and what "New …" actions
they offer (by "module:function" name), and a module is imported the first time something needs
it — a record of its kind opened, an order window built, its action triggered — or, in the app,
one by one once the main window has been painted (``load_next_capability``).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Union

from PySide6.QtWidgets import QWidget

from app.permissions import Perm

DetailFactory = Callable[..., QWidget]   # (session, entity_id, parent) -> a window
_DETAILS: dict[str, DetailFactory] = {}


@dataclass(frozen=True)
class CreateAction:
    name: str            # objectName of the action: "new_purchase_order"
    label: str           # N_ msgid
    perm: Perm
    shortcut: str
    run: Union[Callable[..., None], str]   # (session, parent) -> None, or its "module:function"
    group: str = ""      # the toolbar button it shares with its kind ("new", "warehouse", "reports", "money")

    def runner(self) -> Callable[..., None]:
        return resolve(self.run)


CREATE_ACTIONS: list[CreateAction] = []
_CAPABILITIES: list[str] = []   # modules that register their windows, order tabs and commands


def resolve(target: Union[Callable, str]) -> Callable:
    """A callable, or the one a "package.module:function" string names (imported now)."""
    if not isinstance(target, str):
        return target
    module, _sep, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def declare_capabilities(*modules: str) -> None:
    for module in modules:
        if module not in _CAPABILITIES:
            _CAPABILITIES.append(module)


def load_capabilities() -> None:
    """Import every declared capability module (each registers itself on import)."""
    for module in _CAPABILITIES:
        importlib.import_module(module)


def load_next_capability() -> bool:
    """Import the next capability module not imported yet; False when none is left."""
    import sys

    for module in _CAPABILITIES:
        if module not in sys.modules:
            importlib.import_module(module)
            return True
    return False


def register_detail(entity: str, factory: DetailFactory) -> None:
    _DETAILS[entity] = factory


def register_create(action: CreateAction) -> None:
    if all(a.name != action.name for a in CREATE_ACTIONS):
        CREATE_ACTIONS.append(action)


def detail_factory(entity: str) -> DetailFactory | None:
    if entity not in _DETAILS:
        load_capabilities()   # its window may be in a module not imported yet
    return _DETAILS.get(entity)


# -- the order window's extension points -------------------------------------------------------

@dataclass(frozen=True)
class OrderTab:
    """A tab other capabilities add to the order window (fees, shop orders, parcels, complaints).

    ``factory(session, order_view, parent) -> QWidget`` builds it already showing ``order_view``;
    the widget may define ``refresh(order_view)``, called after every later reload of the order."""

    name: str            # objectName: "order_tab_fees"
    title: str           # N_ msgid
    perm: Perm
    factory: Callable[..., QWidget]
    order: int = 50      # position among the tabs


@dataclass(frozen=True)
class OrderCommand:
    """An extra command in the order window's "More" menu (e.g. "Record shop order…").

    ``run(session, order_view, parent) -> bool``: True when the order changed (window reloads);
    ``available(order_view, actor) -> bool`` decides whether it shows."""

    name: str
    label: str           # N_ msgid
    perm: Perm
    run: Callable[..., bool]
    available: Callable[..., bool] = lambda view, actor: True


ORDER_TABS: list[OrderTab] = []
ORDER_COMMANDS: list[OrderCommand] = []


def register_order_tab(tab: OrderTab) -> None:
    if all(t.name != tab.name for t in ORDER_TABS):
        ORDER_TABS.append(tab)
        ORDER_TABS.sort(key=lambda t: t.order)


def register_order_command(command: OrderCommand) -> None:
    if all(c.name != command.name for c in ORDER_COMMANDS):
        ORDER_COMMANDS.append(command)


def order_tabs() -> list[OrderTab]:
    load_capabilities()
    return list(ORDER_TABS)   # every capability's, in their order


def order_commands() -> list[OrderCommand]:
    load_capabilities()
    return list(ORDER_COMMANDS)
