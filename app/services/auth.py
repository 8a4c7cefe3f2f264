"""Signing in, locking after failed attempts, changing one's own password, first-run set-up.

Passwords are hashed with argon2id (argon2-cffi) at one of OWASP's recommended settings
(46 MiB, 1 pass, 1 lane: ~50 ms here, where the library default took ~0.2 s of every start-up).
A stored hash made with other settings is upgraded at the next successful sign-in.
IMPORTDESK_ARGON2_PROFILE=cheapest selects the library's cheapest profile for tests.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select, update

from app.db import Database
from app.errors import DomainError, ValidationFailed
from app.i18n import LANGUAGES, N_, _
from app.models import SettingValue, User, UserRole, Warehouse
from app.permissions import Actor, Role
from app.services.activity import now, record

MAX_FAILED_LOGINS = 5
MIN_PASSWORD_LENGTH = 8


class LoginFailed(DomainError):
    msgid = N_("Wrong user name or password.")


class AccountLocked(DomainError):
    msgid = N_("This account is locked after {n} failed sign-in attempts. "
               "Ask an administrator to unlock it.")


class AccountDisabled(DomainError):
    msgid = N_("This account is disabled. Ask an administrator.")


@lru_cache(maxsize=1)
def hasher():
    from argon2 import PasswordHasher, profiles

    if os.environ.get("IMPORTDESK_ARGON2_PROFILE") == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher(time_cost=1, memory_cost=47104, parallelism=1)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str = "") -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("A password needs at least {n} characters.").format(n=MIN_PASSWORD_LENGTH)
    if username and password.lower() == username.lower():
        return _("The password must not be the user name.")
    return None


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    username: str
    full_name: str
    roles: tuple[Role, ...]
    language: str
    warehouse_id: int | None
    must_change_password: bool

    def actor(self, role: Role | None = None) -> Actor:
        role = role or self.roles[0]
        return Actor(self.user_id, self.full_name, role, frozenset(self.roles), self.warehouse_id,
                     self.language)


_ROLE_ORDER = {r: i for i, r in enumerate(Role)}


def _signed_in(user: User) -> SignedIn:
    roles = tuple(sorted((Role(r.role) for r in user.roles), key=_ROLE_ORDER.__getitem__))
    return SignedIn(user.id, user.username, user.full_name, roles, user.language,
                    user.home_warehouse_id, user.must_change_password)


def login(db: Database, username: str, password: str) -> SignedIn:
    """Check the password; the fifth wrong one locks the account until an admin unlocks it."""
    name = (username or "").strip().lower()
    with db.transaction() as tx:
        user = tx.scalar(select(User).where(User.username == name))
        if user is None:
            verify_password(_dummy_hash(), password or "")  # same cost whether or not the user exists
            raise LoginFailed()
        if not user.is_active:
            raise AccountDisabled()
        if user.locked_at is not None:
            raise AccountLocked(n=MAX_FAILED_LOGINS)
        if not verify_password(user.password_hash, password or ""):
            # Atomic increment: two desktops failing at once both count.
            tx.execute(update(User).where(User.id == user.id)
                       .values(failed_logins=User.failed_logins + 1)
                       .execution_options(synchronize_session=False))
            failed = tx.scalar(select(User.failed_logins).where(User.id == user.id))
            actor = _signed_in(user).actor() if user.roles else Actor(user.id, user.full_name, Role.ADMIN)
            if failed >= MAX_FAILED_LOGINS:
                tx.execute(update(User).where(User.id == user.id).values(locked_at=now(tx))
                           .execution_options(synchronize_session=False))
                record(tx, actor, "user", user.id, "locked", after={"failed_logins": failed})
                locked = True
            else:
                record(tx, actor, "user", user.id, "login_failed", after={"failed_logins": failed})
                locked = False
        else:
            locked = None
            if hasher().check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.failed_logins = 0
            user.last_login_at = now(tx)
            signed = _signed_in(user)
            if not signed.roles:
                raise DomainError(N_("This account has no role yet. Ask an administrator to give it one."))
            record(tx, signed.actor(), "user", user.id, "login")
    # The failed attempt is committed before we refuse, so it counts even though we raise.
    if locked is True:
        raise AccountLocked(n=MAX_FAILED_LOGINS)
    if locked is False:
        raise LoginFailed()
    return signed


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")


def change_own_password(db: Database, actor: Actor, old_password: str, new_password: str) -> None:
    with db.transaction() as tx:
        user = tx.get(User, actor.user_id)
        if user is None or not verify_password(user.password_hash, old_password or ""):
            raise ValidationFailed({"old_password": _("The current password is wrong.")})
        problem = password_problem(new_password, user.username)
        if problem:
            raise ValidationFailed({"new_password": problem})
        if verify_password(user.password_hash, new_password):
            raise ValidationFailed({"new_password": _("Choose a password different from the current one.")})
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        record(tx, actor, "user", user.id, "password_changed")


DEFAULT_WAREHOUSES = (
    ("CN-GZ", "Kho Quảng Châu 广州仓", "CN", "Guangzhou"),
    ("CN-PX", "Kho Bằng Tường 凭祥仓", "CN", "Pingxiang"),
    ("VN-HN", "Kho Hà Nội", "VN", "Hà Nội"),
    ("VN-SG", "Kho Hồ Chí Minh", "VN", "Hồ Chí Minh"),
)


def first_run_setup(db: Database, company_name: str, username: str, full_name: str,
                    password: str, language: str = "vi") -> SignedIn:
    """Create the company and its first administrator; refused once any account exists."""
    errors: dict[str, str] = {}
    company = (company_name or "").strip()
    name = (username or "").strip().lower()
    if not company:
        errors["company_name"] = _("Enter the company name.")
    if not re.match(r"^[a-z0-9._-]{2,60}$", name):
        errors["username"] = _("A user name is 2–60 lower-case letters, digits, dot, dash or underscore.")
    if not (full_name or "").strip():
        errors["full_name"] = _("Enter the administrator's full name.")
    problem = password_problem(password or "", name)
    if problem:
        errors["password"] = problem
    if language not in LANGUAGES:
        errors["language"] = _("Choose a language.")
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        if tx.scalar(select(func.count()).select_from(User)):
            raise DomainError(N_("This database already has accounts; sign in instead."))
        at = now(tx)
        for code, wname, country, city in DEFAULT_WAREHOUSES:
            tx.add(Warehouse(code=code, name=wname, country=country, city=city))
        user = User(username=name, full_name=full_name.strip(), password_hash=hash_password(password),
                    language=language, created_at=at)
        user.roles = [UserRole(role=Role.ADMIN.value)]
        tx.add(user)
        tx.flush()
        tx.merge(SettingValue(key="company.name", value=company, updated_at=at, updated_by_id=user.id))
        tx.merge(SettingValue(key="ui.default_language", value=language, updated_at=at,
                              updated_by_id=user.id))
        actor = Actor(user.id, user.full_name, Role.ADMIN, frozenset({Role.ADMIN}))
        record(tx, actor, "company", None, "created", after={"company.name": company})
        record(tx, actor, "user", user.id, "created", after={"username": name, "roles": ["admin"]})
        signed = _signed_in(user)
    return signed
