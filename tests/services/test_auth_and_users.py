"""Signing in, lock-out, first-run set-up and user administration — on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select

from app import db as dbmod
from app.errors import DomainError, PermissionDenied, StaleEdit, ValidationFailed
from app.models import ActivityEvent, User
from app.permissions import Role
from app.services import auth, users
from tests.factories import PASSWORD, make_user, make_warehouses


def test_first_run_creates_the_company_and_an_admin_without_a_default_password(db):
    assert dbmod.is_empty(db)
    signed = auth.first_run_setup(db, "Công ty TNHH Hằng Nga", "Admin", "Trần Thị Hằng", "mật khẩu mạnh 1")
    assert not dbmod.is_empty(db)
    assert signed.roles == (Role.ADMIN,) and signed.username == "admin"
    assert auth.login(db, "admin", "mật khẩu mạnh 1").user_id == signed.user_id
    from app.services.settings import read_all
    assert read_all(db)["company.name"] == "Công ty TNHH Hằng Nga"
    with pytest.raises(Exception):
        auth.first_run_setup(db, "Other", "admin2", "X", "another password")


def test_first_run_refuses_a_weak_password_and_says_where(db):
    with pytest.raises(ValidationFailed) as err:
        auth.first_run_setup(db, "", "admin", "Admin", "short")
    assert set(err.value.field_errors) == {"company_name", "password"}
    assert dbmod.is_empty(db)


def test_five_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(db):
    make_warehouses(db)
    admin = make_user(db, Role.ADMIN)
    care = make_user(db, Role.CARE, username="hang")
    for _ in range(4):
        with pytest.raises(auth.LoginFailed):
            auth.login(db, "hang", "wrong password")
    with pytest.raises(auth.LoginFailed):            # the fifth locks, but says no more than "wrong"
        auth.login(db, "hang", "wrong password")
    with pytest.raises(auth.AccountLocked):          # even the right password is refused now
        auth.login(db, "hang", PASSWORD)
    users.unlock_user(db, admin, care.user_id)
    assert auth.login(db, "hang", PASSWORD).user_id == care.user_id
    with db.read() as s:
        actions = list(s.scalars(select(ActivityEvent.action).where(
            ActivityEvent.entity == "user", ActivityEvent.entity_id == care.user_id).order_by(ActivityEvent.id)))
    assert actions == ["login_failed"] * 4 + ["locked", "unlocked", "login"]


def test_user_name_is_case_insensitive_and_unknown_users_get_the_same_message(db):
    make_user(db, Role.CARE, username="lan")
    assert auth.login(db, "  LAN ", PASSWORD).username == "lan"
    with pytest.raises(auth.LoginFailed):
        auth.login(db, "nobody", PASSWORD)


def test_changing_own_password_needs_the_old_one(db):
    care = make_user(db, Role.CARE, username="minh")
    with pytest.raises(ValidationFailed) as err:
        auth.change_own_password(db, care, "not it", "new password 1")
    assert "old_password" in err.value.field_errors
    auth.change_own_password(db, care, PASSWORD, "new password 1")
    assert auth.login(db, "minh", "new password 1").user_id == care.user_id
    with pytest.raises(auth.LoginFailed):
        auth.login(db, "minh", PASSWORD)


def test_admin_creates_a_user_with_several_roles_and_a_home_warehouse(db):
    wh = make_warehouses(db)
    admin = make_user(db, Role.ADMIN)
    uid = users.create_user(db, admin, "Quang", "Lý Văn Quang", "kho quang 123",
                            [Role.FORWARDER_CN.value, Role.FORWARDER_VN.value], wh["CN-GZ"])
    signed = auth.login(db, "quang", "kho quang 123")
    assert signed.user_id == uid
    assert set(signed.roles) == {Role.FORWARDER_CN, Role.FORWARDER_VN}
    assert signed.warehouse_id == wh["CN-GZ"]
    assert signed.must_change_password


def test_only_admins_manage_users(db):
    manager = make_user(db, Role.MANAGER)
    with pytest.raises(PermissionDenied) as err:
        users.create_user(db, manager, "x1", "X", "long enough 1", ["care"])
    assert "Quản lý" in str(err.value)  # the refusal names the role, in Vietnamese


def test_duplicate_user_name_and_missing_roles_are_reported_per_field(db):
    admin = make_user(db, Role.ADMIN, username="boss")
    with pytest.raises(ValidationFailed) as err:
        users.create_user(db, admin, "boss", "", "long enough 1", [])
    assert set(err.value.field_errors) == {"username", "full_name", "roles"}


def test_a_stale_user_edit_is_refused_naming_who_saved_first(db):
    admin1 = make_user(db, Role.ADMIN, full_name="Admin Một")
    admin2 = make_user(db, Role.ADMIN, full_name="Admin Hai")
    uid = users.create_user(db, admin1, "thu", "Thu", "long enough 1", ["care"])
    seen = next(u for u in users.list_users(db, admin1) if u.id == uid).version
    users.update_user(db, admin2, uid, seen, "Nguyễn Thu", ["care", "ordering"], None)
    with pytest.raises(StaleEdit) as err:
        users.update_user(db, admin1, uid, seen, "Thu Nguyễn", ["care"], None)
    assert "Admin Hai" in str(err.value)
    with db.read() as s:
        assert s.get(User, uid).full_name == "Nguyễn Thu"


def test_an_admin_cannot_lock_themselves_out(db):
    admin = make_user(db, Role.ADMIN)
    me = next(u for u in users.list_users(db, admin) if u.id == admin.user_id)
    with pytest.raises(ValidationFailed) as err:
        users.update_user(db, admin, admin.user_id, me.version, me.full_name, ["care"], None, is_active=False)
    assert {"roles", "is_active"} <= set(err.value.field_errors)


@pytest.mark.parametrize("weak", ["12345678", "password1", "qwertyuiop", "iloveyou123", "88888888",
                                  "matkhau123"])
def test_commonly_used_passwords_are_refused_everywhere_a_password_is_set(db, weak):
    make_warehouses(db)
    admin = make_user(db, Role.ADMIN)
    care = make_user(db, Role.CARE)
    with pytest.raises(ValidationFailed) as err:
        users.create_user(db, admin, "quang", "Lý Văn Quang", weak, ["care"])
    assert set(err.value.field_errors) == {"password"}
    with pytest.raises(ValidationFailed) as err:
        users.reset_password(db, admin, care.user_id, weak)
    with pytest.raises(ValidationFailed) as err:
        auth.change_own_password(db, care, PASSWORD, weak)
    assert set(err.value.field_errors) == {"new_password"}


def test_the_user_s_own_name_with_a_year_is_too_easy_to_guess(db):
    make_warehouses(db)
    admin = make_user(db, Role.ADMIN)
    with pytest.raises(ValidationFailed):
        users.create_user(db, admin, "quang", "Lý Văn Quang", "quang1990", ["care"])
    assert users.create_user(db, admin, "quang", "Lý Văn Quang", "kho quảng châu 7", ["care"])


def test_a_locked_account_answers_a_wrong_password_exactly_as_an_unknown_user_name(db):
    make_warehouses(db)
    make_user(db, Role.CARE, username="hang")
    for _ in range(5):
        with pytest.raises(auth.LoginFailed):
            auth.login(db, "hang", "wrong password")
    answers = []
    for name in ("hang", "nobody-here"):
        with pytest.raises(DomainError) as err:
            auth.login(db, name, "wrong password")
        answers.append((type(err.value), str(err.value)))
    assert answers[0] == answers[1]
    with pytest.raises(auth.AccountLocked):          # only the right password learns it is locked
        auth.login(db, "hang", PASSWORD)
