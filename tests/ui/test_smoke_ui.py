"""No tracebacks, anywhere: every role, on the demo company, at 1366×768, in every language, opens
every queue it sees, selects the first row, opens that record and every tab of its window, and
opens (then cancels) every dialog its toolbar, its queue actions and the record window's "…"
buttons offer. Any exception, Qt critical message, error box or line on stderr fails the test.
Every shortcut of the main window must do what it says, in every role.

``pytest -m smoke_ui`` runs only these; they are part of the normal suite too."""
from __future__ import annotations

import contextlib

import pytest
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from app.demo import ROLE_USERS
from app.permissions import Role
from app.services.auth import login
from tests.ui.smoke_helpers import add_a_record_to_every_queue, copy_database, guarded, visible_top_levels

pytestmark = pytest.mark.smoke_ui

ROLES = [r for r in Role if r != Role.SYSTEM]
LANGUAGES = ["vi", "en", "zh_CN"]
SKIPPED_ACTIONS = {  # leave the window or the role: the walk needs both
    "action_sign_out", "action_quit", "action_next_role", "action_language_vi", "action_language_en",
    "action_language_zh_CN",
}


@pytest.fixture(scope="session")
def demo_company(tmp_path_factory, worker_id):
    """The demo company with a record in every queue, built once for the whole run (the xdist
    workers share it: building takes longer than walking); each test works on a copy."""
    import fcntl
    import json

    from app import db as dbmod
    from app.demo import create_demo_company

    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent   # shared by every worker of this run
    path, secrets = root / "smoke-demo.db", root / "smoke-demo.json"
    with open(root / "smoke-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not secrets.exists():
            path.unlink(missing_ok=True)          # what a worker that failed half-way left behind
            database = dbmod.Database(f"sqlite:///{path}")
            dbmod.upgrade(database)
            passwords = {a.username: a.password for a in create_demo_company(database)}
            add_a_record_to_every_queue(database, passwords)
            database.dispose()
            secrets.write_text(json.dumps(passwords))
    return path, json.loads(secrets.read_text())


@pytest.fixture
def demo(demo_company, tmp_path):
    """A copy of the demo company for one test, and its people's passwords."""
    template, passwords = demo_company
    db = copy_database(template, tmp_path)
    yield db, passwords
    db.dispose()


def _user_for(role: Role) -> str:
    return next(u for u, _n, roles, _w in ROLE_USERS if role in roles)


@pytest.fixture
def language():
    from ui.app import apply_language

    yield apply_language
    apply_language("vi")


def _main_window(qtbot, db, passwords, role: Role):
    import ui.screens  # noqa: F401
    from ui.main_window import MainWindow
    from ui.session import Session

    username = _user_for(role)
    signed = login(db, username, passwords[username])
    session = Session(db, signed)
    session.switch_role(role)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    free = window.screen().availableGeometry()
    assert window.frameGeometry().width() <= free.width() and window.frameGeometry().height() <= free.height()
    window.resize(1366, 768)
    QApplication.processEvents()
    return window


def _close_new_windows(before) -> None:
    for w in visible_top_levels() - before:
        w.close()
    QApplication.processEvents()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_screen_of_the_role_opens_without_a_traceback(qtbot, demo, monkeypatch, capfd, language, role, lang):
    db, passwords = demo
    language(lang)
    with guarded(monkeypatch) as guard:
        window = _main_window(qtbot, db, passwords, role)
        walker = guard.walker
        base = visible_top_levels()
        assert window.queues, f"{role} sees no queue"
        opened: list[str] = []
        for row, queue in enumerate(window.queues):
            guard.where[:] = [f"{role.value}/{lang}", queue.name]
            window.nav.setCurrentRow(row)
            QApplication.processEvents()
            view = window.current_view()
            if view is None or view.queue.name != queue.name:
                guard.fail(f"the queue did not open (shows {view.queue.name if view else None})")
                continue
            if view.model.rowCount() == 0:
                continue
            view.table.selectRow(0)
            view.table.setCurrentIndex(view.model.index(0, 0))
            QApplication.processEvents()
            before = visible_top_levels()
            view.open_current()
            QApplication.processEvents()
            new = visible_top_levels() - before
            for record in new:
                guard.where.append(f"{type(record).__name__}:{record.objectName()}")
                walker.walk(record)
                guard.where.pop()
                opened.append(queue.name)
            _close_new_windows(base)
            # the queue's own actions on the selected row (tasks, outbox): each, once
            view.table.selectRow(0)
            for act in window.queue_actions.actions():
                if act.isVisible() and act.isEnabled() and act.objectName():
                    walker.press(act.objectName(), act.trigger)
                    view = window.current_view()
                    if view.model.rowCount():
                        view.table.selectRow(0)
            _close_new_windows(base)
        guard.where[:] = [f"{role.value}/{lang}", "toolbar and menus"]
        for act in _window_actions(window):
            if isValid(act) and act.isVisible() and act.isEnabled():
                walker.press(act.objectName(), act.trigger)
            _close_new_windows(base)
        window.close()
        QApplication.processEvents()
    assert not guard.errors, "\n\n".join(guard.errors)
    assert not guard.refusals, "\n".join(guard.refusals)
    err = capfd.readouterr().err
    assert err == "", err


def _window_actions(window) -> list[QAction]:
    """The main window's own actions a person can reach now: toolbar, menus, shortcuts."""
    seen, out = set(), []
    for act in window.findChildren(QAction):
        if act in seen or not act.objectName() or act.objectName() in SKIPPED_ACTIONS or act.menu():
            continue
        seen.add(act)
        if act.isVisible() and act.isEnabled() and act.parent() is window:
            out.append(act)
    return out


def _shortcut_actions(window) -> list[QAction]:
    """Every action of the main window (and its row-actions bar) a key can trigger now."""
    return [a for a in window.findChildren(QAction)
            if not a.shortcut().isEmpty() and a.isVisible() and a.isEnabled()
            and a.parent() in (window, window.queue_actions)]


def _show_queue_with_rows(window, entity: str) -> bool:
    for row, queue in enumerate(window.queues):
        if queue.entity == entity:
            window.nav.setCurrentRow(row)
            view = window.current_view()
            if view.model.rowCount():
                view.table.selectRow(0)
                view.table.setCurrentIndex(view.model.index(0, 0))
                view.table.setFocus()
                return True
    return False


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_shortcut_of_the_main_window_does_what_it_says(qtbot, demo, monkeypatch, capfd, role):
    """Each key is sent to the main window as a person types it, one after another: the action
    fires (its slot runs: its dialog opens and is cancelled, its window opens, the queue moves).
    Only windows the key opened are closed in between, and the main window is made active again
    after a non-modal window closes (a window manager's job); after a modal dialog it must take
    the activation back itself."""
    db, passwords = demo
    for leftover in QApplication.topLevelWidgets():   # an earlier test's window in this worker would
        if leftover.isVisible():                      # rightly keep the main window from taking the
            leftover.close()                          # activation back: start from a clean desktop
    with guarded(monkeypatch) as guard:
        window = _main_window(qtbot, db, passwords, role)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        base = visible_top_levels()
        tried: set[str] = set()
        silent: list[str] = []
        last = None
        for entity in (None, "task", "customer_message"):
            if entity is not None and not _show_queue_with_rows(window, entity):
                continue
            queue_row = window.nav.currentRow()
            for act in _shortcut_actions(window):
                name = act.objectName()
                if name in tried or name == "action_quit" or not (act.isVisible() and act.isEnabled()):
                    continue   # (an earlier key may have done the selected task: nothing to open now)
                tried.add(name)
                fired = []
                act.triggered.connect(lambda *_a, f=fired: f.append(True))
                guard.where[:] = [role.value, f"{act.shortcut().toString()} ({name})"]
                with contextlib.suppress(qtbot.TimeoutError):   # the time a person takes to press the next key
                    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=500)
                assert QApplication.activeWindow() is window, f"the main window is not active before {name}" \
                    f" (after {last}): the key would do nothing"
                QTest.keySequence(window, act.shortcut())
                QApplication.processEvents()
                if not fired:
                    silent.append(f"{act.shortcut().toString()} ({name})")
                opened = visible_top_levels() - base
                for w in opened:
                    w.close()
                if opened:
                    window.activateWindow()
                    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
                if window.session.role != role:   # Ctrl+Shift+R moved to the next role
                    window.session.switch_role(role)
                if entity is None:
                    window.nav.setCurrentRow(queue_row)
                else:
                    _show_queue_with_rows(window, entity)
                last = name
        quit_action = next(a for a in window.findChildren(QAction) if a.objectName() == "action_quit")
        QTest.keySequence(window, quit_action.shortcut())
        qtbot.waitUntil(lambda: not window.isVisible())
    assert not silent, f"shortcuts that did nothing for {role.value}: {silent}"
    assert not guard.errors, "\n\n".join(guard.errors)
    assert {"money_books", "open_statistics"} <= tried or role != Role.ACCOUNTANT
    err = capfd.readouterr().err
    assert err == "", err
