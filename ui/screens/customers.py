"""The customer window: details, delivery addresses, care staff, VIP level; new orders from here."""
from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.errors import DomainError, StaleEdit, ValidationFailed
from app.i18n import LANGUAGES, N_, _
from app.permissions import Perm
from app.services import customers   # its dataclasses; the data comes through session.call
from ui.common import error_label, named, open_in_main, report_error, show_field_errors
from ui.session import Session
from ui.windows.registry import register_detail

ADDRESS_FIELDS = ("recipient", "phone", "line", "district", "city", "label")
ADDRESS_TITLES = (N_("Recipient"), N_("Phone"), N_("Street address"), N_("District"), N_("City"), N_("Label"))


class CustomerWindow(QDialog):
    FIELDS = ("name", "phone", "phone2", "email", "language", "vip_level_id", "care_staff_id", "addresses")

    def __init__(self, session: Session, customer_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "customer_window", _("Customer"))
        self.session, self.customer_id = session, customer_id
        self.view: customers.CustomerView | None = None
        # the customer, the VIP levels, the care staff and the extension link: one call
        first = session.call("customers.window", customer_id)
        self.extension_link = first.extension_link
        self.code = named(QLabel(""), "customer_code")
        self.code.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.name = named(QLineEdit(), "customer_name", _("Name"))
        self.phone = named(QLineEdit(), "customer_phone", _("Phone"))
        self.phone2 = named(QLineEdit(), "customer_phone2", _("Second phone"))
        self.email = named(QLineEdit(), "customer_email", _("E-mail"))
        self.language = named(QComboBox(), "customer_language", _("Language for messages"))
        for code, (label, _loc) in LANGUAGES.items():
            self.language.addItem(label, code)
        self.vip = named(QComboBox(), "customer_vip", _("VIP level"))
        self.vip.addItem(_("(none)"), None)
        for vid, vname in first.vip_levels:
            self.vip.addItem(vname, vid)
        self.care = named(QComboBox(), "customer_care_staff", _("Customer care"))
        self.care.addItem(_("(none)"), None)
        for uid, uname in first.care_staff:
            self.care.addItem(uname, uid)
        self.note = named(QPlainTextEdit(), "customer_note", _("Note"))
        self.note.setMaximumHeight(60)
        self.addresses = named(QTableWidget(0, len(ADDRESS_FIELDS)), "customer_addresses", _("Addresses"))
        self.addresses.setHorizontalHeaderLabels([_(t) for t in ADDRESS_TITLES])
        self.addresses.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.address_ids: dict[int, int] = {}
        add = named(QPushButton(_("Add address")), "customer_add_address")
        add.clicked.connect(lambda: self._add_address())
        remove = named(QPushButton(_("Remove address")), "customer_remove_address")
        remove.clicked.connect(self._remove_address)
        self.errors = {f: error_label(f"customer_{f}_error") for f in self.FIELDS}
        form = QFormLayout()
        for label, widget, key in ((_("Name"), self.name, "name"), (_("Phone"), self.phone, "phone"),
                                   (_("Second phone"), self.phone2, "phone2"), (_("E-mail"), self.email, "email"),
                                   (_("Language for messages"), self.language, "language"),
                                   (_("VIP level"), self.vip, "vip_level_id"),
                                   (_("Customer care"), self.care, "care_staff_id")):
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        form.addRow(_("Note"), self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        save = named(buttons.button(QDialogButtonBox.StandardButton.Save), "customer_save", _("Save"))
        save.setText(_("Save"))
        save.setEnabled(session.can(Perm.EDIT_CUSTOMERS))
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "customer_close").setText(_("Close"))
        save.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.new_order = named(QPushButton(_("New purchase order for this customer")), "customer_new_order")
        self.new_order.clicked.connect(self._new_order)
        self.new_order.setVisible(session.can(Perm.CREATE_ORDERS) and customer_id is not None)
        self.copy_extension = named(QPushButton(_("Copy the ordering-extension link")), "customer_copy_extension")
        self.copy_extension.setToolTip(_("For the customer: the browser extension that sends us their cart"))
        self.copy_extension.clicked.connect(self._copy_extension)
        self.copy_extension.setVisible(bool(self.extension_link))
        self.status = named(QLabel(""), "customer_status")
        arow = QHBoxLayout()
        arow.addWidget(add)
        arow.addWidget(remove)
        arow.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.code)
        from ui.screens.remedies import VoucherLine   # "priority shipping on the next order" held
        self.vouchers = VoucherLine(session)
        layout.addWidget(self.vouchers)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Delivery addresses (the first is the default)")))
        layout.addWidget(self.addresses, 1)
        layout.addLayout(arow)
        layout.addWidget(self.errors["addresses"])
        layout.addWidget(self.status)
        bottom = QHBoxLayout()
        bottom.addWidget(self.new_order)
        bottom.addWidget(self.copy_extension)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.resize(820, 640)
        if customer_id is not None:
            self.show_customer(first.customer, first.vouchers)
        else:
            self.setWindowTitle(_("New customer"))
            self.code.setText(_("New customer"))
            self._add_address()

    def _copy_extension(self) -> None:
        from PySide6.QtGui import QGuiApplication

        link = self.extension_link
        QGuiApplication.clipboard().setText(link)
        self.status.setText(_("Copied: {link}").format(link=link))

    def load(self) -> None:
        self.show_customer(self.session.call("customers.get", self.customer_id))

    def show_customer(self, v: customers.CustomerView, vouchers=None) -> None:
        self.view = v
        self.setWindowTitle(_("Customer {code} — {name}").format(code=v.code, name=v.name))
        self.code.setText(f"{v.code} — {v.name}")
        self.vouchers.show_customer(v.id, vouchers)
        self.name.setText(v.name)
        self.phone.setText(v.phone)
        self.phone2.setText(v.phone2)
        self.email.setText(v.email)
        self.language.setCurrentIndex(max(0, self.language.findData(v.language)))
        self.vip.setCurrentIndex(max(0, self.vip.findData(v.vip_level_id)))
        self.care.setCurrentIndex(max(0, self.care.findData(v.care_staff_id)))
        self.note.setPlainText(v.note)
        self.addresses.setRowCount(0)
        self.address_ids.clear()
        for a in v.addresses:
            self._add_address({f: getattr(a, f) for f in ADDRESS_FIELDS}, a.id)

    def _add_address(self, values: dict | None = None, address_id: int | None = None) -> None:
        row = self.addresses.rowCount()
        self.addresses.insertRow(row)
        for c, f in enumerate(ADDRESS_FIELDS):
            self.addresses.setItem(row, c, QTableWidgetItem((values or {}).get(f, "")))
        if address_id is not None:
            self.address_ids[row] = address_id

    def _remove_address(self) -> None:
        row = self.addresses.currentRow()
        if row >= 0:
            self.addresses.removeRow(row)
            self.address_ids = {(r - 1 if r > row else r): v for r, v in self.address_ids.items() if r != row}

    def data(self) -> customers.CustomerInput:
        addresses = []
        for row in range(self.addresses.rowCount()):
            vals = {f: (self.addresses.item(row, c).text() if self.addresses.item(row, c) else "")
                    for c, f in enumerate(ADDRESS_FIELDS)}
            if any(v.strip() for v in vals.values()):
                addresses.append(customers.AddressInput(id=self.address_ids.get(row), is_default=row == 0, **vals))
        return customers.CustomerInput(name=self.name.text(), phone=self.phone.text(), phone2=self.phone2.text(),
                                       email=self.email.text(), language=self.language.currentData(),
                                       vip_level_id=self.vip.currentData(), care_staff_id=self.care.currentData(),
                                       note=self.note.toPlainText(), addresses=addresses)

    def save(self) -> None:
        errors_shown = {k: v for k, v in self.errors.items()}
        try:
            if self.customer_id is None:
                self.customer_id = self.session.call("customers.create", self.data())
            else:
                self.session.call("customers.update", self.customer_id, self.view.version, self.data())
        except ValidationFailed as exc:
            errs = dict(exc.field_errors)
            if any(k.startswith("addresses.") for k in errs):
                errs["addresses"] = next(v for k, v in errs.items() if k.startswith("addresses."))
            show_field_errors(errors_shown, errs)
            self.status.setText(_("Nothing was saved: correct the fields marked in red."))
            return
        except (StaleEdit, DomainError) as exc:
            report_error(self, exc)
            return
        show_field_errors(errors_shown, {})
        self.status.setText(_("Saved."))
        self.new_order.setVisible(self.session.can(Perm.CREATE_ORDERS))
        self.load()

    def _new_order(self) -> None:
        from ui.screens.order_editor import OrderEditor

        editor = OrderEditor(self.session, "purchase", customer_id=self.customer_id, parent=self)
        editor.saved.connect(lambda oid: open_in_main(self, "order", oid))
        editor.exec()


def new_customer(session: Session, parent: QWidget) -> None:
    window = CustomerWindow(session, None, parent)
    window.exec()
    if window.customer_id is not None:
        open_in_main(parent, "customer", window.customer_id)


register_detail("customer", CustomerWindow)
