"""Staff administration: accounts, roles, home warehouse, unlock, password reset, warehouses."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.bounds import check_text
from app.db import Database
from app.errors import NotFound, ValidationFailed
from app.i18n import LANGUAGES, Lazy, N_, _
from app.models import User, UserRole, Warehouse
from app.permissions import STAFF_ROLES, Actor, Perm, Role, require
from app.services.activity import changes, now, record, stale_edit, stale_edit_after
from app.services.auth import hash_password, password_problem
from app.services.unique import taken, unique_rules
from app.text import clean

_USERNAME = re.compile(r"^[a-z0-9._-]{2,60}$")


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    full_name: str
    email: str
    phone: str
    roles: tuple[str, ...]
    home_warehouse_id: int | None
    language: str
    is_active: bool
    locked: bool
    version: int


@dataclass(frozen=True)
class WarehouseView:
    id: int
    code: str
    name: str
    country: str
    city: str
    is_active: bool


def _view(u: User) -> UserView:
    return UserView(u.id, u.username, u.full_name, u.email, u.phone, tuple(u.role_names),
                    u.home_warehouse_id, u.language, u.is_active, u.locked_at is not None, u.version)


def _validate(tx, username: str | None, full_name: str, roles: list[str], warehouse_id: int | None,
              language: str, user_id: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if username is not None:
        if not _USERNAME.match(username):
            errors["username"] = _("A user name is 2–60 lower-case letters, digits, dot, dash or underscore.")
        elif tx.scalar(select(User.id).where(User.username == username, User.id != (user_id or -1))):
            errors["username"] = _("This user name is taken.")
    if not full_name.strip():
        errors["full_name"] = _("Enter the full name.")
    check_text(errors, "full_name", full_name.strip(), User.full_name, _("Full name"))
    bad = [r for r in roles if r not in {x.value for x in STAFF_ROLES}]
    if bad or not roles:
        errors["roles"] = _("Give the user at least one role.")
    if warehouse_id is not None and tx.get(Warehouse, warehouse_id) is None:
        errors["home_warehouse_id"] = _("Choose an existing warehouse.")
    if language not in LANGUAGES:
        errors["language"] = _("Choose a language.")
    return errors


def list_users(db: Database, actor: Actor) -> list[UserView]:
    require(actor, Perm.MANAGE_USERS)
    with db.read() as s:
        return [_view(u) for u in s.scalars(select(User).order_by(User.username))]


def staff_with_role(db: Database, actor: Actor, role: Role) -> list[tuple[int, str]]:
    """(id, name) of active staff holding ``role``: the choices of an "assign to" box."""
    require(actor, Perm.VIEW_TASKS)
    with db.read() as s:
        rows = s.execute(select(User.id, User.full_name).join(UserRole)
                         .where(UserRole.role == role.value, User.is_active.is_(True))
                         .order_by(User.full_name))
        return [(r.id, r.full_name) for r in rows]


def create_user(db: Database, actor: Actor, username: str, full_name: str, password: str,
                roles: list[str], home_warehouse_id: int | None = None, email: str = "",
                phone: str = "", language: str = "vi") -> int:
    require(actor, Perm.MANAGE_USERS)
    username = (username or "").strip().lower()
    full_name, email, phone = clean(full_name), clean(email), clean(phone)
    with unique_rules(taken("uq_users_username", "username", lambda: _("This user name is taken."))), \
            db.transaction() as tx:
        errors = _validate(tx, username, full_name or "", roles, home_warehouse_id, language)
        problem = password_problem(password or "", username, full_name or "")
        if problem:
            errors["password"] = problem
        if errors:
            raise ValidationFailed(errors)
        user = User(username=username, full_name=full_name.strip(), email=email.strip(),
                    phone=phone.strip(), password_hash=hash_password(password),
                    home_warehouse_id=home_warehouse_id, language=language, created_at=now(tx),
                    must_change_password=True)
        user.roles = [UserRole(role=r) for r in sorted(set(roles))]
        tx.add(user)
        tx.flush()
        record(tx, actor, "user", user.id, "created",
               after={"username": username, "full_name": user.full_name, "roles": sorted(set(roles)),
                      "home_warehouse_id": home_warehouse_id})
        return user.id


def update_user(db: Database, actor: Actor, user_id: int, seen_version: int, full_name: str,
                roles: list[str], home_warehouse_id: int | None, email: str = "", phone: str = "",
                language: str = "vi", is_active: bool = True) -> None:
    require(actor, Perm.MANAGE_USERS)
    full_name, email, phone = clean(full_name), clean(email), clean(phone)
    try:
        with db.transaction() as tx:
            user = tx.get(User, user_id, with_for_update=True)
            if user is None:
                raise NotFound(what=Lazy(N_("The user")))
            if user.version != seen_version:
                raise stale_edit(tx, "user", user_id, N_("The user"))
            errors = _validate(tx, None, full_name or "", roles, home_warehouse_id, language, user_id)
            if user_id == actor.user_id and Role.ADMIN.value not in roles:
                errors["roles"] = _("You cannot take the administrator role away from yourself.")
            if user_id == actor.user_id and not is_active:
                errors["is_active"] = _("You cannot disable your own account.")
            if errors:
                raise ValidationFailed(errors)
            before, after = changes(user, {"full_name": full_name.strip(), "email": email.strip(),
                                           "phone": phone.strip(), "language": language,
                                           "home_warehouse_id": home_warehouse_id,
                                           "is_active": is_active})
            old_roles, new_roles = sorted(user.role_names), sorted(set(roles))
            if old_roles != new_roles:
                user.roles = [r for r in user.roles if r.role in new_roles] + [
                    UserRole(role=r) for r in new_roles if r not in old_roles]
                before["roles"], after["roles"] = old_roles, new_roles
            if after:
                record(tx, actor, "user", user.id, "updated", before, after)
    except StaleDataError:
        raise stale_edit_after(db, "user", user_id, N_("The user")) from None


def unlock_user(db: Database, actor: Actor, user_id: int) -> None:
    require(actor, Perm.MANAGE_USERS)
    with db.transaction() as tx:
        user = tx.get(User, user_id)
        if user is None:
            raise NotFound(what=Lazy(N_("The user")))
        was_locked = user.locked_at is not None
        user.locked_at = None
        user.failed_logins = 0
        record(tx, actor, "user", user.id, "unlocked", {"locked": was_locked}, {"locked": False})


def reset_password(db: Database, actor: Actor, user_id: int, new_password: str) -> None:
    """An admin sets a temporary password; the user must change it at the next sign-in."""
    require(actor, Perm.MANAGE_USERS)
    with db.transaction() as tx:
        user = tx.get(User, user_id)
        if user is None:
            raise NotFound(what=Lazy(N_("The user")))
        problem = password_problem(new_password or "", user.username, user.full_name)
        if problem:
            raise ValidationFailed({"password": problem})
        user.password_hash = hash_password(new_password)
        user.must_change_password = True
        user.locked_at = None
        user.failed_logins = 0
        record(tx, actor, "user", user.id, "password_reset")


def set_own_language(db: Database, actor: Actor, language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationFailed({"language": _("Choose a language.")})
    with db.transaction() as tx:
        user = tx.get(User, actor.user_id)
        if user is not None and user.language != language:
            record(tx, actor, "user", user.id, "language", {"language": user.language},
                   {"language": language})
            user.language = language


def list_warehouses(db: Database, country: str | None = None, active_only: bool = True) -> list[WarehouseView]:
    with db.read() as s:
        q = select(Warehouse).order_by(Warehouse.country, Warehouse.code)
        if country:
            q = q.where(Warehouse.country == country)
        if active_only:
            q = q.where(Warehouse.is_active.is_(True))
        return [WarehouseView(w.id, w.code, w.name, w.country, w.city, w.is_active) for w in s.scalars(q)]


def save_warehouse(db: Database, actor: Actor, warehouse_id: int | None, code: str, name: str,
                   country: str, city: str = "", address: str = "", is_active: bool = True) -> int:
    require(actor, Perm.MANAGE_USERS)
    code = (code or "").strip().upper()
    errors: dict[str, str] = {}
    if not re.match(r"^[A-Z0-9-]{2,20}$", code):
        errors["code"] = _("A warehouse code is 2–20 capital letters, digits or dashes.")
    if not (name or "").strip():
        errors["name"] = _("Enter the warehouse name.")
    if country not in ("CN", "VN"):
        errors["country"] = _("A warehouse is in China (CN) or Vietnam (VN).")
    with unique_rules(taken("uq_warehouses_code", "code", lambda: _("This warehouse code is taken."))), \
            db.transaction() as tx:
        clash = tx.scalar(select(Warehouse.id).where(Warehouse.code == code,
                                                     Warehouse.id != (warehouse_id or -1)))
        if clash:
            errors["code"] = _("This warehouse code is taken.")
        if errors:
            raise ValidationFailed(errors)
        fields = {"code": code, "name": name.strip(), "country": country, "city": city.strip(),
                  "address": address.strip(), "is_active": is_active}
        if warehouse_id is None:
            w = Warehouse(**fields)
            tx.add(w)
            tx.flush()
            record(tx, actor, "warehouse", w.id, "created", after=fields)
        else:
            w = tx.get(Warehouse, warehouse_id)
            if w is None:
                raise NotFound(what=Lazy(N_("The warehouse")))
            before, after = changes(w, fields)
            if after:
                record(tx, actor, "warehouse", w.id, "updated", before, after)
        return w.id
