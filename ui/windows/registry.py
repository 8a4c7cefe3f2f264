"""Which window opens a record of each kind, and which "New …" actions each capability offers.

Capabilities register here (``register_detail("order", OrderWindow)``); anything unregistered
opens in the generic detail view. Keeps the main window free of per-entity knowledge.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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
    run: Callable[..., None]   # (session, parent) -> None


CREATE_ACTIONS: list[CreateAction] = []


def register_detail(entity: str, factory: DetailFactory) -> None:
    _DETAILS[entity] = factory


def register_create(action: CreateAction) -> None:
    if all(a.name != action.name for a in CREATE_ACTIONS):
        CREATE_ACTIONS.append(action)


def detail_factory(entity: str) -> DetailFactory | None:
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
