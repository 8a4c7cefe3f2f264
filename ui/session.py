"""Who is signed in on this desktop, in which role, against which database."""
from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from app.db import Database
from app.permissions import Actor, Perm, Role
from app.remote.backend import Backend, InProcess
from app.services.auth import SignedIn


def settings_store() -> QSettings:
    """Per-desktop UI state (window layout, last role): never company data."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ImportDesk", "ImportDesk")


def check_wire() -> bool:
    """Tests set IMPORTDESK_CHECK_WIRE=1: every in-process call's arguments and result also go
    through the wire format and back, so a screen that works here works through a server."""
    return os.environ.get("IMPORTDESK_CHECK_WIRE") == "1"


class Session(QObject):
    """The signed-in person and the one door every screen uses to reach the company's data:

        view = session.call("wallets.view", customer_id)

    ``backend`` runs the declared operation (``app.remote.ops``) in-process on this desktop's own
    database (a single desktop, the demo) or on the application server (``Remote``); screens do
    not know which. ``db`` is None on a desktop signed in to a server."""

    role_changed = Signal(object)

    def __init__(self, db: Database | None, signed: SignedIn, backend: Backend | None = None,
                 server: str | None = None) -> None:
        super().__init__()
        self.db = db
        self.signed = signed
        self.server = server
        last = settings_store().value(f"user/{signed.user_id}/role", "")
        role = Role(last) if last in {r.value for r in signed.roles} else signed.roles[0]
        self.actor: Actor = signed.actor(role)
        if backend is None:
            if db is None:
                raise ValueError("a session needs a database or a backend")
            backend = InProcess(db, self.actor, check_wire=check_wire())
        else:
            backend.switch_role(role)
        self.backend: Backend = backend

    @property
    def remote(self) -> bool:
        """Signed in to an application server (no database on this desktop)."""
        return self.db is None

    def location(self) -> str:
        """Where the company's data is (the status bar, About): the server's address on a desktop
        signed in to one, else the database this desktop opened itself."""
        if self.db is None:
            from app.i18n import _

            return _("Server: {address}").format(address=self.server or "?")
        return self.db.describe()

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        """Run the declared operation ``op`` as the signed-in person (see ``app.remote.ops``)."""
        return self.backend.call(op, *args, **kwargs)

    @property
    def role(self) -> Role:
        return self.actor.role

    def can(self, perm: Perm) -> bool:
        return self.actor.can(perm)

    def switch_role(self, role: Role) -> None:
        if role == self.actor.role:
            return
        self.actor = self.actor.as_role(role)
        self.backend.switch_role(role)
        settings_store().setValue(f"user/{self.signed.user_id}/role", role.value)
        self.role_changed.emit(role)

    def prefix(self) -> str:
        """Key prefix for this person's remembered layout."""
        return f"user/{self.signed.user_id}"
