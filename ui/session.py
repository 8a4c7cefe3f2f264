"""Who is signed in on this desktop, in which role, against which database."""
from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from app.db import Database
from app.permissions import Actor, Perm, Role
from app.services.auth import SignedIn


def settings_store() -> QSettings:
    """Per-desktop UI state (window layout, last role): never company data."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ImportDesk", "ImportDesk")


class Session(QObject):
    role_changed = Signal(object)

    def __init__(self, db: Database, signed: SignedIn) -> None:
        super().__init__()
        self.db = db
        self.signed = signed
        last = settings_store().value(f"user/{signed.user_id}/role", "")
        role = Role(last) if last in {r.value for r in signed.roles} else signed.roles[0]
        self.actor: Actor = signed.actor(role)

    @property
    def role(self) -> Role:
        return self.actor.role

    def can(self, perm: Perm) -> bool:
        return self.actor.can(perm)

    def switch_role(self, role: Role) -> None:
        if role == self.actor.role:
            return
        self.actor = self.actor.as_role(role)
        settings_store().setValue(f"user/{self.signed.user_id}/role", role.value)
        self.role_changed.emit(role)

    def prefix(self) -> str:
        """Key prefix for this person's remembered layout."""
        return f"user/{self.signed.user_id}"
