"""The admin screen: staff accounts (roles, home warehouse, unlock, reset) and warehouses."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QInputDialog, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import LANGUAGES, _
from app.permissions import ROLE_LABELS, STAFF_ROLES
from app.services.users import UserView
from ui.common import error_label, named, report_error, show_field_errors
from ui.session import Session


class UsersDialog(QDialog):
    FIELDS = ("username", "full_name", "password", "roles", "home_warehouse_id", "language",
              "email", "phone", "is_active")

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "users_dialog", _("Users"))
        self.setWindowTitle(_("Users and warehouses"))
        self.session = session
        self.current: UserView | None = None
        tabs = named(QTabWidget(), "users_tabs")
        tabs.addTab(self._users_page(), _("Users"))
        tabs.addTab(WarehousesPage(session, self), _("Warehouses"))
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        self.resize(900, 560)
        self.reload()

    # -- users ---------------------------------------------------------------------------------
    def _users_page(self) -> QWidget:
        page = QWidget()
        self.list = named(QListWidget(), "users_list", _("Users"))
        self.list.currentItemChanged.connect(self._select)
        new = named(QPushButton(_("New user")), "users_new")
        new.clicked.connect(self.new_user)
        left = QVBoxLayout()
        left.addWidget(self.list)
        left.addWidget(new)

        self.username = named(QLineEdit(), "user_username", _("User name"))
        self.full_name = named(QLineEdit(), "user_full_name", _("Full name"))
        self.password = named(QLineEdit(), "user_password", _("Password"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.email = named(QLineEdit(), "user_email", _("E-mail"))
        self.phone = named(QLineEdit(), "user_phone", _("Phone"))
        self.language = named(QComboBox(), "user_language", _("Language"))
        for code, (name, _loc) in LANGUAGES.items():
            self.language.addItem(name, code)
        self.warehouse = named(QComboBox(), "user_home_warehouse", _("Home warehouse"))
        self.active = named(QCheckBox(_("Active")), "user_active")
        from ui.screens.remedies import EmailNoticesBox   # seed 002: e-mail copies of notices
        self.email_notices = EmailNoticesBox(session=self.session)
        roles_box = QGroupBox(_("Roles"))
        grid = QGridLayout(roles_box)
        self.role_checks: dict[str, QCheckBox] = {}
        for i, role in enumerate(STAFF_ROLES):
            cb = named(QCheckBox(_(ROLE_LABELS[role])), f"user_role_{role.value}")
            self.role_checks[role.value] = cb
            grid.addWidget(cb, i // 2, i % 2)
        self.errors = {f: error_label(f"user_{f}_error") for f in self.FIELDS}
        self.lock_state = named(QLabel(""), "user_lock_state")
        form = QFormLayout()
        for label, widget, key in ((_("User name"), self.username, "username"),
                                   (_("Full name"), self.full_name, "full_name"),
                                   (_("Password"), self.password, "password"),
                                   (_("E-mail"), self.email, "email"),
                                   (_("Phone"), self.phone, "phone"),
                                   (_("Language"), self.language, "language"),
                                   (_("Home warehouse"), self.warehouse, "home_warehouse_id")):
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        form.addRow("", self.email_notices)
        form.addRow(roles_box)
        form.addRow("", self.errors["roles"])
        form.addRow(self.active)
        form.addRow("", self.errors["is_active"])
        form.addRow(self.lock_state)
        self.save_button = named(QPushButton(_("Save")), "user_save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.unlock_button = named(QPushButton(_("Unlock")), "user_unlock")
        self.unlock_button.clicked.connect(self.unlock)
        self.reset_button = named(QPushButton(_("Set a temporary password…")), "user_reset_password")
        self.reset_button.clicked.connect(self.reset_password)
        self.status = named(QLabel(""), "user_status")
        buttons = QHBoxLayout()
        for b in (self.save_button, self.unlock_button, self.reset_button):
            buttons.addWidget(b)
        right_widget = QWidget()
        right = QVBoxLayout(right_widget)
        right.addLayout(form)
        right.addLayout(buttons)
        right.addWidget(self.status)
        right.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        split = QSplitter()
        split.addWidget(left_widget)
        split.addWidget(right_widget)
        split.setStretchFactor(1, 2)
        outer = QVBoxLayout(page)
        outer.addWidget(split)
        return page

    def reload(self, select_id: int | None = None) -> None:
        try:
            admin = self.session.call("users.admin")   # the users and the warehouses, one call
        except DomainError as exc:
            report_error(self, exc)
            return
        self.warehouse.clear()
        self.warehouse.addItem(_("(none)"), None)
        for w in admin.warehouses:
            self.warehouse.addItem(f"{w.code} — {w.name}", w.id)
        self.list.clear()
        for u in admin.users:
            text = f"{u.username} — {u.full_name}"
            if u.locked:
                text += "  🔒"
            if not u.is_active:
                text += "  " + _("(disabled)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, u)
            self.list.addItem(item)
            if u.id == select_id:
                self.list.setCurrentItem(item)
        if select_id is None:
            self.new_user()

    def _select(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        u: UserView = item.data(Qt.ItemDataRole.UserRole)
        self.current = u
        self.username.setText(u.username)
        self.username.setReadOnly(True)
        self.full_name.setText(u.full_name)
        self.password.clear()
        self.password.setPlaceholderText(_("(unchanged — use “Set a temporary password”)"))
        self.password.setEnabled(False)
        self.email.setText(u.email)
        self.email_notices.load(u.id)
        self.phone.setText(u.phone)
        self.language.setCurrentIndex(max(0, self.language.findData(u.language)))
        self.warehouse.setCurrentIndex(max(0, self.warehouse.findData(u.home_warehouse_id)))
        for role, cb in self.role_checks.items():
            cb.setChecked(role in u.roles)
        self.active.setChecked(u.is_active)
        self.lock_state.setText(_("Locked after failed sign-ins.") if u.locked else "")
        self.unlock_button.setEnabled(u.locked)
        self.reset_button.setEnabled(True)
        show_field_errors(self.errors, {})

    def new_user(self) -> None:
        self.current = None
        self.list.clearSelection()
        for w in (self.username, self.full_name, self.password, self.email, self.phone):
            w.clear()
        self.username.setReadOnly(False)
        self.password.setEnabled(True)
        self.password.setPlaceholderText(_("at least 8 characters"))
        for cb in self.role_checks.values():
            cb.setChecked(False)
        self.active.setChecked(True)
        self.email_notices.setChecked(False)
        self.lock_state.clear()
        self.unlock_button.setEnabled(False)
        self.reset_button.setEnabled(False)
        show_field_errors(self.errors, {})
        self.username.setFocus()

    def save(self) -> None:
        roles = [r for r, cb in self.role_checks.items() if cb.isChecked()]
        common = dict(home_warehouse_id=self.warehouse.currentData(), email=self.email.text(),
                      phone=self.phone.text(), language=self.language.currentData())
        try:
            if self.current is None:
                uid = self.session.call("users.create", self.username.text(), self.full_name.text(),
                                        self.password.text(), roles, **common)
                self.status.setText(_("User created. They must choose their own password at first sign-in."))
            else:
                uid = self.current.id
                self.session.call("users.update", uid, self.current.version, self.full_name.text(), roles,
                                  is_active=self.active.isChecked(), **common)
                self.status.setText(_("Saved."))
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            self.status.setText(_("Nothing was saved: correct the fields marked in red."))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        show_field_errors(self.errors, {})
        self.email_notices.save(uid)
        self.reload(uid)

    def unlock(self) -> None:
        if self.current is None:
            return
        try:
            self.session.call("users.unlock", self.current.id)
        except DomainError as exc:
            report_error(self, exc)
            return
        self.status.setText(_("Unlocked."))
        self.reload(self.current.id)

    def reset_password(self) -> None:
        if self.current is None:
            return
        text, ok = QInputDialog.getText(self, _("Temporary password"),
                                        _("Temporary password for {name}:").format(name=self.current.full_name),
                                        QLineEdit.EchoMode.Password)
        if not ok:
            return
        try:
            self.session.call("users.reset_password", self.current.id, text)
        except (DomainError, ValidationFailed) as exc:
            report_error(self, exc)
            return
        self.status.setText(_("Temporary password set; they must change it at the next sign-in."))
        self.reload(self.current.id)


class WarehousesPage(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.current_id: int | None = None
        self.list = named(QListWidget(), "warehouses_list", _("Warehouses"))
        self.list.currentItemChanged.connect(self._select)
        self.code = named(QLineEdit(), "warehouse_code", _("Code"))
        self.name = named(QLineEdit(), "warehouse_name", _("Name"))
        self.country = named(QComboBox(), "warehouse_country", _("Country"))
        self.country.addItem(_("China"), "CN")
        self.country.addItem(_("Vietnam"), "VN")
        self.city = named(QLineEdit(), "warehouse_city", _("City"))
        self.active = named(QCheckBox(_("Active")), "warehouse_active")
        self.errors = {f: error_label(f"warehouse_{f}_error") for f in ("code", "name", "country")}
        form = QFormLayout()
        form.addRow(_("Code"), self.code)
        form.addRow("", self.errors["code"])
        form.addRow(_("Name"), self.name)
        form.addRow("", self.errors["name"])
        form.addRow(_("Country"), self.country)
        form.addRow(_("City"), self.city)
        form.addRow(self.active)
        save = named(QPushButton(_("Save warehouse")), "warehouse_save")
        save.clicked.connect(self.save)
        new = named(QPushButton(_("New warehouse")), "warehouse_new")
        new.clicked.connect(self.new)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(save)
        right.addWidget(new)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(right, 2)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        try:
            warehouses = self.session.call("users.list_warehouses", active_only=False)
        except DomainError as exc:
            report_error(self, exc)
            return
        for w in warehouses:
            item = QListWidgetItem(f"{w.code} — {w.name} ({w.country})")
            item.setData(Qt.ItemDataRole.UserRole, w)
            self.list.addItem(item)

    def _select(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        w = item.data(Qt.ItemDataRole.UserRole)
        self.current_id = w.id
        self.code.setText(w.code)
        self.name.setText(w.name)
        self.country.setCurrentIndex(self.country.findData(w.country))
        self.city.setText(w.city)
        self.active.setChecked(w.is_active)

    def new(self) -> None:
        self.current_id = None
        for e in (self.code, self.name, self.city):
            e.clear()
        self.active.setChecked(True)

    def save(self) -> None:
        try:
            self.session.call("users.save_warehouse", self.current_id, self.code.text(), self.name.text(),
                              self.country.currentData(), self.city.text(), is_active=self.active.isChecked())
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        show_field_errors(self.errors, {})
        self.reload()
