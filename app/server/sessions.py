"""Sign-in on the server, session tokens and the actor of every call.

Everything lives in the database (``remote_sessions``, ``remote_login_failures``), so any server
process can answer any desktop and a restart signs nobody out. The password check, the lockout
after failed attempts and the upgrade of old hashes are ``app.services.auth.login``'s, exactly as
on a single desktop; the server adds a rate limit by address on top (which also slows guessing
across many user names, which the per-account lockout cannot).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from app.db import Database
from app.models import RemoteLoginFailure, RemoteSession, User, UserRole
from app.permissions import Actor, Role
from app.remote.errors import RoleNotHeld, SessionExpired, TooManyAttempts
from app.services import auth

#: a session unused this long ends (each call extends it)
IDLE_TIMEOUT = timedelta(hours=12)
#: failed sign-ins from one address within WINDOW before further attempts wait
FAILURES_PER_WINDOW = 10
WINDOW = timedelta(minutes=10)
#: how stale ``last_seen_at`` may get before a call writes it (not a write per call)
TOUCH_EVERY = timedelta(seconds=60)

_ROLE_ORDER = {r: i for i, r in enumerate(Role)}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Opened:
    token: str
    signed_in: auth.SignedIn
    expires_at: datetime


class SessionStore:
    def __init__(self, db: Database, idle_timeout: timedelta = IDLE_TIMEOUT,
                 failures_per_window: int = FAILURES_PER_WINDOW, window: timedelta = WINDOW) -> None:
        self.db = db
        self.idle_timeout = idle_timeout
        self.failures_per_window = failures_per_window
        self.window = window

    # -- sign-in and sign-out -----------------------------------------------------------------------
    def sign_in(self, username: str, password: str, address: str, client: str = "") -> Opened:
        now = self.db.clock.now()
        with self.db.read() as s:
            recent = s.scalar(select(func.count()).select_from(RemoteLoginFailure).where(
                RemoteLoginFailure.address == address, RemoteLoginFailure.at > now - self.window))
        if recent >= self.failures_per_window:
            raise TooManyAttempts(minutes=max(1, int(self.window.total_seconds() // 60)))
        try:
            signed = auth.login(self.db, username, password)
        except (auth.LoginFailed, auth.AccountLocked, auth.AccountDisabled):
            with self.db.transaction() as tx:
                tx.add(RemoteLoginFailure(address=address[:64], username=(username or "")[:60], at=now))
                tx.execute(delete(RemoteLoginFailure).where(RemoteLoginFailure.at < now - 2 * self.window))
            raise
        token = secrets.token_urlsafe(32)
        expires = now + self.idle_timeout
        with self.db.transaction() as tx:
            tx.add(RemoteSession(token_hash=token_hash(token), user_id=signed.user_id, created_at=now,
                                 last_seen_at=now, expires_at=expires, address=address[:64],
                                 client=(client or "")[:120]))
            tx.execute(delete(RemoteSession).where(RemoteSession.expires_at < now))
        return Opened(token, signed, expires)

    def sign_out(self, token: str) -> None:
        with self.db.transaction() as tx:
            tx.execute(delete(RemoteSession).where(RemoteSession.token_hash == token_hash(token)))

    # -- every call ---------------------------------------------------------------------------------
    def actor(self, token: str | None, role: str | None) -> Actor:
        """The actor of a call: the session's user as the database says now (a user disabled or
        stripped of a role since signing in is refused on this very call)."""
        if not token:
            raise SessionExpired()
        now = self.db.clock.now()
        h = token_hash(token)
        with self.db.read() as s:   # one statement: the session, its user, one row per role
            rows = s.execute(select(RemoteSession.id, RemoteSession.expires_at, RemoteSession.last_seen_at,
                                    User.id.label("user_id"), User.full_name, User.is_active,
                                    User.home_warehouse_id, User.language, UserRole.role)
                             .join(User, User.id == RemoteSession.user_id)
                             .outerjoin(UserRole, UserRole.user_id == User.id)
                             .where(RemoteSession.token_hash == h)).all()
        if not rows:
            raise SessionExpired()
        sid, expires_at, last_seen, user = rows[0].id, rows[0].expires_at, rows[0].last_seen_at, rows[0]
        roles = tuple(sorted((Role(r.role) for r in rows if r.role), key=_ROLE_ORDER.__getitem__))
        if expires_at <= now:
            self._end(sid)
            raise SessionExpired()
        if not user.is_active:
            with self.db.transaction() as tx:
                tx.execute(delete(RemoteSession).where(RemoteSession.user_id == user.user_id))
            raise auth.AccountDisabled()
        if not roles:
            raise RoleNotHeld(role="—")
        if role:
            try:
                active = Role(role)
            except ValueError:
                raise RoleNotHeld(role=role) from None
            if active not in roles:
                raise RoleNotHeld(role=role)
        else:
            active = roles[0]
        if now - last_seen >= TOUCH_EVERY:
            with self.db.transaction() as tx:
                tx.execute(update(RemoteSession).where(RemoteSession.id == sid)
                           .values(last_seen_at=now, expires_at=now + self.idle_timeout))
        return Actor(user.user_id, user.full_name, active, frozenset(roles), user.home_warehouse_id,
                     user.language)

    def _end(self, session_id: int) -> None:
        with self.db.transaction() as tx:
            tx.execute(delete(RemoteSession).where(RemoteSession.id == session_id))
