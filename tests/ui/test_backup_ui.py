"""The admin's backups screen: Back up now fills the list; a restore is checked, shown, confirmed."""
import os
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from sqlalchemy import func, select

from app.i18n import fmt_decimal
from app.models import Customer, Parcel
from app.services import backup
from app.services import settings as settings_service
from tests.factories import make_customer


def _dialog(qtbot, window):
    from ui.screens.backup import BackupDialog

    dialog = BackupDialog(window.session, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.loading)
    return dialog


def _cell(dialog, row, key):
    from ui.screens.backup import COLUMNS

    return dialog.table.item(row, [k for k, _l in COLUMNS].index(key)).text()


def _customers(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Customer))


def test_only_an_admin_sees_backups_in_the_administration_menu(qtbot, company, open_main):
    admin_window = open_main(company["db"], "admin")
    assert admin_window.findChild(type(admin_window.backups_action), "action_backups").isVisible()
    # the menu entry opens the backups screen
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    opened = []

    def close_it():
        dialog = QApplication.activeModalWidget()
        if dialog is not None and dialog.objectName() == "backup_dialog":
            qtbot.waitUntil(lambda: not dialog.loading)
            opened.append(dialog.table.rowCount())
            dialog.reject()
            timer.stop()

    timer = QTimer(interval=50)
    timer.timeout.connect(close_it)
    timer.start()
    admin_window.backups_action.trigger()
    timer.stop()
    assert opened == [0]
    manager_window = open_main(company["db"], "quanly")
    assert not manager_window.backups_action.isVisible()


def test_the_admin_backs_up_now_and_the_list_shows_the_new_backup(qtbot, company, open_main, tmp_path):
    db = company["db"]
    window = open_main(db, "admin")
    settings_service.update_settings(db, window.session.actor, {"backup.folder": str(tmp_path / "copies")})
    dialog = _dialog(qtbot, window)
    assert dialog.table.rowCount() == 0
    assert str(tmp_path / "copies") in dialog.where.text()

    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    files = list((tmp_path / "copies").glob("*.sqlite"))
    assert len(files) == 1 and _cell(dialog, 0, "file") == files[0].name
    assert _cell(dialog, 0, "orders") == fmt_decimal(3)
    assert _cell(dialog, 0, "customers") == fmt_decimal(2)
    with db.read() as s:
        parcels = s.scalar(select(func.count()).select_from(Parcel))
    assert _cell(dialog, 0, "parcels") == fmt_decimal(parcels)
    assert _cell(dialog, 0, "size").endswith(("kB", "MB"))
    assert files[0].name in dialog.status.text()

    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)   # a second one, newest first
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=10000)
    assert _cell(dialog, 0, "file") != files[0].name and _cell(dialog, 1, "file") == files[0].name


def test_a_restore_shows_what_the_backup_holds_asks_and_then_restores(qtbot, company, open_main, tmp_path,
                                                                       monkeypatch):
    import ui.screens.backup as screen

    db = company["db"]
    window = open_main(db, "admin")
    settings_service.update_settings(db, window.session.actor, {"backup.folder": str(tmp_path / "copies")})
    info = backup.back_up_now(db, window.session.actor)
    make_customer(db, name="Lê Văn Mới", phone="0903 000 111", email="moi@example.com")
    assert _customers(db) == 3
    questions, told, restarted = [], [], []
    answers = iter([False, True])
    monkeypatch.setattr(screen, "confirm", lambda parent, text, title=None: questions.append(text) or next(answers))
    monkeypatch.setattr(screen, "inform", lambda parent, text: told.append(text))
    monkeypatch.setattr(screen, "restart_app", lambda: restarted.append(True))
    dialog = _dialog(qtbot, window)
    assert not dialog.restore_button.isEnabled()          # nothing chosen yet
    dialog.table.selectRow(0)

    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)      # "No"
    qtbot.waitUntil(lambda: len(questions) == 1)
    assert screen.fmt_datetime(info.taken_at) in questions[0]
    assert backup.describe_counts(info.counts) in questions[0]            # 3 orders, 2 customers…
    qtbot.waitUntil(lambda: dialog.restore_button.isEnabled())
    assert _customers(db) == 3 and not restarted

    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)      # "Yes"
    qtbot.waitUntil(lambda: bool(restarted), timeout=10000)
    assert _customers(db) == 2                                                # as it was at the backup
    aside = list(tmp_path.glob("*before-restore*"))
    assert len(aside) == 1 and str(aside[0]) in told[0]
    con = sqlite3.connect(aside[0])
    assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 3  # kept, not lost
    con.close()


def test_a_damaged_file_is_refused_with_a_message_and_nothing_is_asked(qtbot, company, open_main, tmp_path,
                                                                        monkeypatch):
    import ui.screens.backup as screen

    db = company["db"]
    window = open_main(db, "admin")
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(os.urandom(50_000))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(damaged), ""))
    errors, questions = [], []
    monkeypatch.setattr(screen, "report_error", lambda parent, exc, title=None: errors.append(exc))
    monkeypatch.setattr(screen, "confirm", lambda *a, **k: questions.append(a) or True)
    dialog = _dialog(qtbot, window)
    qtbot.mouseClick(dialog.restore_file_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert isinstance(errors[0], backup.BackupRefused) and not questions
    assert dialog.status.text() == str(errors[0])
    assert _customers(db) == 2
