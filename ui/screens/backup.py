"""The admin's backups screen: the backups kept, "Back up now", and restoring one after checks.

Opened from Administration → Backups… (``open_backups``). Every step runs off the UI thread
through ``session.call`` (app.remote.views_shell: the backups are named by file name, a file to
restore from is sent as bytes); the service (app.services.backup) checks the permission and the
file. After a restore the app closes, since the person signed in may not exist in the restored copy.

On a desktop signed in to a server the company's database is the server's: it is backed up and
restored on the server machine (its daily backups, ``python main.py backup/restore --url …``), where
every desktop can be stopped first. The screen says so, lists the server's backups so an admin can
see they are made, and offers no button. Why not download a backup made by the server: a backup
holds every customer, wallet and password hash; copying it to office PCs is the spread of data
the server exists to end, and one reply holding a whole database is not what a call is for.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QDialog, QHBoxLayout,
                               QHeaderView, QLabel, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app.i18n import N_, _, fmt_datetime, fmt_decimal
from app.progress import Cancelled
from app.remote.views_shell import BackupEntry, RestoreOutcome
from app.services.backup import COUNTED, BackupRefused, describe_counts
from ui.background import run_in_background
from ui.common import ask_open_path, confirm, named, report_error
from ui.session import Session

COLUMNS = (("date", N_("Taken at")), ("kind", N_("Kind")), ("size", N_("Size")), ("orders", N_("Orders")),
           ("customers", N_("Customers")), ("parcels", N_("Parcels")), ("payments", N_("Payments")),
           ("file", N_("File")))


def open_backups(session: Session, parent: QWidget | None = None) -> None:
    BackupDialog(session, parent).exec()


def restart_app() -> None:
    """After a restore: close the app (the restored copy may not know who is signed in)."""
    QApplication.instance().quit()


def inform(parent: QWidget | None, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, _("Backups"), text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("backup_info_box")
    box.button(QMessageBox.StandardButton.Ok).setText(_("OK"))
    box.exec()


def fmt_size(size: int) -> str:
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("kB", 1024)):
        if size >= factor:
            return f"{fmt_decimal(Decimal(size) / factor, digits=1)} {unit}"
    return f"{fmt_decimal(size)} B"


def kind_label(info: BackupEntry) -> str:
    tag = info.tag
    if tag == "manual":
        return _("By hand")
    if tag == "daily":
        return _("Daily")
    if tag.startswith("before-upgrade"):
        return _("Before a schema upgrade")
    if tag.startswith("before-restore"):
        return _("Before a restore")
    return tag


class BackupDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "backup_dialog", _("Backups"))
        self.setWindowTitle(_("Backups"))
        self.session = session
        self.backups: list[BackupEntry] = []
        self.loading = False
        self.folder = ""
        self.database_kind = ""
        self.where = named(QLabel(""), "backup_folder")
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = named(QTableWidget(0, len(COLUMNS)), "backup_list", _("Backups"))
        self.table.setHorizontalHeaderLabels([_(label) for _k, label in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.status = named(QLabel(""), "backup_status")
        self.status.setWordWrap(True)
        self.backup_button = named(QPushButton(_("Back up now")), "backup_now")
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button = named(QPushButton(_("Restore the selected backup…")), "backup_restore_selected")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button = named(QPushButton(_("Restore from a file…")), "backup_restore_file")
        self.restore_file_button.clicked.connect(self.restore_from_file)
        close = named(QPushButton(_("Close")), "backup_close")
        close.clicked.connect(self.reject)
        if session.remote:
            self.where.setText(_("The company's database is on the server {address}: it is backed up and "
                                 "restored on the server machine (daily backups there, or python main.py "
                                 "backup --url URL), not from this desktop.").format(address=session.server))
            self.backup_button.setEnabled(False)
            self.restore_file_button.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button, self.restore_file_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(900, 460)
        self._selection_changed()
        self.reload()

    @property
    def restorable(self) -> bool:
        """Restoring from here: a single desktop on its own SQLite file only (a PostgreSQL server,
        or any database behind an application server, is restored where it runs)."""
        return not self.session.remote and self.database_kind == "sqlite"

    # -- the list --------------------------------------------------------------------------------
    def reload(self) -> None:
        session = self.session
        self.loading = True
        run_in_background(self, lambda p: session.call("backup.overview"), self._show,
                          on_error=self._failed, show_progress=False)

    def _show(self, overview) -> None:
        self.loading = False
        self.folder, self.database_kind = overview.folder, overview.database_kind
        if not self.session.remote:
            self.where.setText(_("Backups are kept in {folder} (the newest {keep}); the folder and the "
                                 "number are in Settings → Backups.").format(
                                     folder=overview.folder, keep=fmt_decimal(overview.keep)))
        if not self.restorable:
            tip = _("A PostgreSQL server is restored on the server: python main.py restore FILE --url URL") \
                if not self.session.remote else self.where.text()
            for button in (self.restore_button, self.restore_file_button):
                button.setToolTip(tip)
        self._busy(False)
        backups = overview.backups
        self.backups = backups
        self.table.setRowCount(len(backups))
        for row, info in enumerate(backups):
            counts = info.counts or {}
            values = [fmt_datetime(info.taken_at), kind_label(info), fmt_size(info.size)] + \
                     [fmt_decimal(counts[t]) if t in counts else "—" for t, _l in COUNTED] + [info.name]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if 2 <= col <= 6:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        if not backups:
            self.status.setText(_("No backup has been made yet."))
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self.restorable and self.selected() is not None)

    def selected(self) -> BackupEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.backups):
            return None
        return self.backups[rows[0].row()]

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self._busy(False)
        if isinstance(exc, Cancelled):
            self.status.setText(_("Cancelled."))
            return
        report_error(self, exc)

    def _busy(self, busy: bool) -> None:
        self.backup_button.setEnabled(not busy and not self.session.remote)
        self.restore_file_button.setEnabled(not busy and self.restorable)
        if busy:
            self.restore_button.setEnabled(False)
        else:
            self._selection_changed()

    # -- backing up --------------------------------------------------------------------------------
    def back_up_now(self) -> None:
        session = self.session
        self._busy(True)
        self.status.setText(_("Backing up…"))
        run_in_background(self, lambda p: session.call("backup.back_up_now"), self._backed_up,
                          on_error=self._failed, label=_("Backing up the database…"))

    def _backed_up(self, info: BackupEntry) -> None:
        self._busy(False)
        self.status.setText(_("Backed up: {file} ({size}).").format(
            file=str(Path(self.folder) / info.name) if self.folder else info.name, size=fmt_size(info.size)))
        self.reload()

    # -- restoring ---------------------------------------------------------------------------------
    def restore_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        session, name = self.session, info.name
        self._check(info.name, lambda p: session.call("backup.inspect", name))

    def restore_from_file(self) -> None:
        path = ask_open_path(self, _("Restore from a backup"),
                             _("ImportDesk backups (*.sqlite *.db);;All files (*)"), self.folder or None)
        if path:
            self.restore_path(Path(path))

    def restore_path(self, path: Path) -> None:
        """Send the file where the database is (kept beside its backups), check it there, show
        what it holds, ask, then restore."""
        session = self.session

        def send(progress) -> BackupEntry:
            return session.call("backup.receive", path.name, path.read_bytes())

        self._check(path.name, send)

    def _check(self, shown_name: str, work) -> None:
        self._busy(True)
        self.status.setText(_("Checking {file}…").format(file=shown_name))
        run_in_background(self, work, self._checked, on_error=self._refused, label=_("Checking the backup…"))

    def _refused(self, exc: BaseException) -> None:
        self._busy(False)
        self.status.setText(str(exc) if isinstance(exc, BackupRefused) else "")
        report_error(self, exc, _("This backup cannot be restored"))

    def _checked(self, info: BackupEntry) -> None:
        self._busy(False)
        self.status.setText("")
        question = _("Restore the backup taken at {date}?\n\nIt holds {counts}.\n\nEverything entered since then "
                     "will be replaced. The current database is kept aside first, and ImportDesk closes "
                     "afterwards: start it again.").format(
            date=fmt_datetime(info.taken_at), counts=describe_counts(info.counts))
        if not confirm(self, question, _("Restore a backup")):
            self.status.setText(_("Nothing was restored."))
            return
        session, name = self.session, info.name
        self._busy(True)
        self.status.setText(_("Restoring…"))
        run_in_background(self, lambda p: session.call("backup.restore", name), self._restored,
                          on_error=self._failed, label=_("Restoring the database…"))

    def _restored(self, result: RestoreOutcome) -> None:
        self.status.setText(_("Restored."))
        aside = result.aside
        text = _("The backup taken at {date} has been restored.").format(date=fmt_datetime(result.restored.taken_at))
        if aside is not None:
            text += "\n\n" + _("The database as it was before is kept in {file}.").format(file=aside)
        text += "\n\n" + _("ImportDesk will now close. Start it again to work on the restored data.")
        inform(self, text)
        self.accept()
        restart_app()
