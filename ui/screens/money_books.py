"""The money books: the VN book (VND bank/cash accounts) and the China book (CNY accounts), every
movement with its running balance, a period's opening and closing, and the export to Excel.
Also where accountants name a new company account and record CNY bought with VND."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import _, fmt_date, fmt_datetime, fmt_money
from app.permissions import Perm
from app.progress import Cancelled
from app.services.ledger import ENTRY_KIND_LABELS, BookLine
from ui.background import run_in_background
from ui.common import ask_save_path, error_label, fit_to_screen, named, report_error, show_field_errors
from ui.screens.money_common import (amount_edit, call_reporting, fill, read_decimal, readonly_table,
                                     utc_offset_minutes, write_file)
from ui.session import Session

PAGE = 500


def _date_edit(name: str, accessible: str, value: date) -> QDateEdit:
    w = named(QDateEdit(), name, accessible)
    w.setCalendarPopup(True)
    w.setDisplayFormat("dd/MM/yyyy")
    w.setDate(QDate(value.year, value.month, value.day))
    return w


def _day(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class MoneyBookDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "book_dialog", _("Money books"))
        self.setWindowTitle(_("Money books"))
        self.session = session
        self.lines: list[BookLine] = []
        self.now = None
        self.book = named(QComboBox(), "book_kind", _("Book"))
        self.book.addItem(_("VN money book (VND)"), "vn")
        self.book.addItem(_("China money book (CNY)"), "cn")
        self.book.currentIndexChanged.connect(lambda _i: self._accounts())
        self.account = named(QComboBox(), "book_account", _("Account"))
        # this month up to today (the server's today): set by the first read
        self.start = _date_edit("book_from", _("From"), date.today().replace(day=1))
        self.end = _date_edit("book_to", _("To"), date.today())
        show = named(QPushButton(_("Show")), "book_show")
        show.clicked.connect(self.load)
        self.summary = named(QLabel(""), "book_summary")
        self.summary.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.table = readonly_table("book_table", _("Movements"), [
            _("No."), _("Date"), _("Bank date"), _("Account"), _("Type"), _("Reference"), _("Counterpart"),
            _("Order"), _("In"), _("Out"), _("Balance"), _("In VND"), _("Description")])
        for col, width in enumerate((60, 130, 90, 150, 120, 130, 170, 90, 110, 110, 120, 110)):
            self.table.setColumnWidth(col, width)
        self.table.cellDoubleClicked.connect(self._open)
        self.more = named(QPushButton(_("Load more")), "book_more")
        self.more.clicked.connect(lambda: self.load(more=True))
        export = named(QPushButton(_("Export to Excel…")), "book_export")
        export.clicked.connect(lambda: self.export())
        export.setVisible(session.can(Perm.EXPORT_DATA))
        new_account = named(QPushButton(_("New account…")), "book_new_account")
        new_account.clicked.connect(self._new_account)
        cny = named(QPushButton(_("Record CNY bought…")), "book_cny_purchase")
        cny.clicked.connect(self._cny_purchase)
        for b in (new_account, cny):
            b.setVisible(session.can(Perm.RECORD_PAYMENTS))
        self.status = named(QLabel(""), "book_status")
        filters = QHBoxLayout()
        for label, w in ((_("Book"), self.book), (_("Account"), self.account), (_("From"), self.start),
                         (_("To"), self.end)):
            filters.addWidget(QLabel(label))
            filters.addWidget(w)
        filters.addWidget(show)
        filters.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.more)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(new_account)
        buttons.addWidget(cny)
        buttons.addWidget(export)
        close = named(QPushButton(_("Close")), "book_close")
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        fit_to_screen(self, 1320, 720)
        self._accounts()

    def _accounts(self) -> None:
        """The book's accounts, read with its first page (one call)."""
        self.load(with_accounts=True)

    def _show_accounts(self, accounts) -> None:
        self.account.blockSignals(True)
        self.account.clear()
        self.account.addItem(_("All accounts"), None)
        for a in accounts:
            self.account.addItem(f"{a.name} ({fmt_money(a.balance)})", a.id)
        self.account.blockSignals(False)

    def load(self, more: bool = False, with_accounts: bool = False) -> None:
        first = self.now is None          # the period's dates come from the server's today
        book = self.book.currentData()
        account = None if with_accounts else self.account.currentData()
        after = self.lines[-1].id if more and self.lines else None
        view = self.session.call("ledger.book", book, account, None if first else _day(self.start),
                                 None if first else _day(self.end), utc_offset_minutes(), after, PAGE,
                                 with_accounts)
        self.now = view.now
        if first:
            for edit, day in ((self.start, view.start), (self.end, view.end)):
                edit.setDate(QDate(day.year, day.month, day.day))
        if view.accounts is not None:
            self._show_accounts(view.accounts)
        page = view.lines
        self.lines = (self.lines if more else []) + page
        summary = view.summary
        self.summary.setText(_("Opening {opening} · in {money_in} · out {money_out} · closing {closing}").format(
            opening=fmt_money(summary.opening), money_in=fmt_money(summary.money_in),
            money_out=fmt_money(summary.money_out), closing=fmt_money(summary.closing)))
        fill(self.table, [[l.id, fmt_datetime(l.at), fmt_date(l.value_date), l.account_name,
                           _(ENTRY_KIND_LABELS.get(l.kind, l.kind)), l.reference, l.counterpart, l.order_code,
                           l.money_in, l.money_out, l.balance, l.amount_vnd if book == "cn" else None, l.memo]
                          for l in self.lines], right={0, 8, 9, 10, 11})
        self.table.setColumnHidden(11, book != "cn")
        for r, l in enumerate(self.lines):
            if l.balance.is_negative():                 # a book below zero: something is not recorded
                self.table.item(r, 10).setForeground(Qt.GlobalColor.red)
        self.more.setEnabled(len(page) == PAGE)
        self.status.setText(_("{n} movements shown").format(n=len(self.lines)))

    def export(self, path: str | None = None) -> None:
        if path is None:
            path = ask_save_path(self, _("Export to Excel"), f"{self.book.currentText()}.xlsx", "Excel (*.xlsx)")
            if not path:
                return
        s = self.session
        start, end = _day(self.start), _day(self.end)
        book, account = self.book.currentData(), self.account.currentData()
        title = f"{self.book.currentText()} — {self.account.currentText()}"
        subtitle = _("From {start} to {end} · printed {when} by {who}").format(
            start=fmt_date(start), end=fmt_date(end), when=fmt_datetime(self.now), who=s.signed.full_name)
        offset = utc_offset_minutes()

        def work(p) -> int:
            # the server builds the workbook; this desktop writes the file where the user chose
            result = call_reporting(s, p, "ledger.export_book", book, account, start, end, offset, title, subtitle)
            write_file(path, result.data)
            return result.rows

        run_in_background(self, work,
                          lambda n: self.status.setText(_("Exported {n} movements to {path}").format(n=n, path=path)),
                          on_error=self._export_failed, label=_("Exporting to Excel…"))

    def _export_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.status.setText(_("Export cancelled; nothing was written."))
        else:
            report_error(self, exc)

    def _open(self, row: int, _col: int) -> None:
        from ui.screens.money_wallets import EntryWindow

        EntryWindow(self.session, self.lines[row].entry_id, self).exec()
        self.load()

    def _new_account(self) -> None:
        if NewAccountDialog(self.session, self.book.currentData(), self).exec() == QDialog.DialogCode.Accepted:
            self._accounts()

    def _cny_purchase(self) -> None:
        if CnyPurchaseDialog(self.session, self).exec() == QDialog.DialogCode.Accepted:
            self._accounts()


class NewAccountDialog(QDialog):
    def __init__(self, session: Session, book: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "account_dialog", _("New account"))
        self.setWindowTitle(_("New company account"))
        self.session = session
        self.name = named(QLineEdit(), "account_name", _("Name"))
        self.name.setPlaceholderText(_("e.g. Vietcombank 0451 or Alipay Quảng Châu"))
        self.book = named(QComboBox(), "account_book", _("Currency"))
        self.book.addItem(_("VND (VN money book)"), "vn")
        self.book.addItem(_("CNY (China money book)"), "cn")
        self.book.setCurrentIndex(self.book.findData(book))
        self.errors = {k: error_label(f"account_{k}_error") for k in ("name", "book")}
        form = QFormLayout(self)
        form.addRow(_("Name"), self.name)
        form.addRow("", self.errors["name"])
        form.addRow(_("Currency"), self.book)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "account_submit").setText(_("Create"))
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "account_cancel").setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def accept(self) -> None:
        try:
            self.session.call("ledger.create_cash_account", self.name.text(), self.book.currentData())
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        super().accept()


class CnyPurchaseDialog(QDialog):
    """Yuan bought with đồng: in to a CNY account, out of a VND account."""

    FIELDS = ("cny_account_id", "cny_amount", "vnd_account_id", "vnd_amount", "fee_vnd", "reference")

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "cny_purchase_dialog", _("CNY bought"))
        self.setWindowTitle(_("Record CNY bought with VND"))
        self.session = session
        self.cny_account = named(QComboBox(), "cny_purchase_cny_account", _("Into CNY account"))
        form_data = session.call("ledger.cny_purchase_form")
        for a in form_data.cny_accounts:
            self.cny_account.addItem(a.name, a.id)
        self.cny_amount = amount_edit("cny_purchase_cny_amount", _("Yuan received"))
        self.vnd_account = named(QComboBox(), "cny_purchase_vnd_account", _("Paid from VND account"))
        for a in form_data.vnd_accounts:
            self.vnd_account.addItem(a.name, a.id)
        self.vnd_amount = amount_edit("cny_purchase_vnd_amount", _("Đồng paid"))
        self.fee = amount_edit("cny_purchase_fee", _("Fees (VND)"))
        self.reference = named(QLineEdit(), "cny_purchase_reference", _("Reference"))
        self.date = _date_edit("cny_purchase_date", _("Date"), form_data.now.astimezone().date())
        self.note = named(QLineEdit(), "cny_purchase_note", _("Note"))
        self.errors = {k: error_label(f"cny_purchase_{k}_error") for k in self.FIELDS}
        form = QFormLayout(self)
        for label, w, key in ((_("Into CNY account"), self.cny_account, "cny_account_id"),
                              (_("Yuan received"), self.cny_amount, "cny_amount"),
                              (_("Paid from VND account"), self.vnd_account, "vnd_account_id"),
                              (_("Đồng paid"), self.vnd_amount, "vnd_amount"),
                              (_("Fees (VND)"), self.fee, "fee_vnd"),
                              (_("Reference"), self.reference, "reference")):
            form.addRow(label, w)
            form.addRow("", self.errors[key])
        form.addRow(_("Date"), self.date)
        form.addRow(_("Note"), self.note)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "cny_purchase_submit").setText(_("Record"))
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "cny_purchase_cancel").setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def accept(self) -> None:
        errors: dict[str, str] = {}
        cny = read_decimal(self.cny_amount, errors, "cny_amount", empty=None)
        vnd = read_decimal(self.vnd_amount, errors, "vnd_amount", empty=None)
        fee = read_decimal(self.fee, errors, "fee_vnd", empty=Decimal(0))
        if errors:
            show_field_errors(self.errors, errors)
            return
        try:
            self.session.call("ledger.record_cny_purchase", self.cny_account.currentData(), cny,
                              self.vnd_account.currentData(), vnd, self.reference.text(), _day(self.date),
                              self.note.text(), fee_vnd=fee)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        super().accept()

