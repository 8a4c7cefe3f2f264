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
