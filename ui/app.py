"""Starting the desktop app: fonts, language, database, first run, sign-in, the main window."""
from __future__ import annotations

import gc
import os
import sys
import threading
import time
import weakref
from typing import Callable

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, Qt, QTimer, QTranslator, Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from shiboken6 import isValid

from app import db as dbmod
from app.bootstrap import ensure_demo, open_database
from app.errors import DomainError
from app.i18n import LANGUAGES, _, set_language, translate
from app.live import ChangeWatcher
from app.paths import resources_dir
from app.services import settings as settings_service

_START = time.perf_counter()
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "wqy-microhei.ttc")
FONT_FAMILIES = ["DejaVu Sans", "WenQuanYi Micro Hei"]


def install_fonts(app: QApplication) -> None:
    """Ship our own fonts: Vietnamese in DejaVu Sans, Chinese falls back to WenQuanYi Micro Hei
    (a plain Debian desktop has no CJK font and would show boxes)."""
    for name in FONT_FILES:
        QFontDatabase.addApplicationFont(str(resources_dir() / "fonts" / name))
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(10)
    app.setFont(font)


_qt_translator: QTranslator | None = None
_frozen = False


def collect_garbage_again() -> None:
    """Start-up is over (main.py and ``_open`` held the collector back while it ran): what it
    built stays for the app's life, so freeze it once, out of every later collection's way. From
    now on the collector runs on the UI thread only (ui.collector: a cycle holding a Qt object
    freed on a worker thread crashes Qt)."""
    from ui.collector import collect_on_ui_thread

    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True
    collect_on_ui_thread()


def apply_language(lang: str) -> None:
    """Our catalog for our strings; Qt's own catalog (where Qt ships one) for its dialogs."""
    global _qt_translator
    set_language(lang)
    app = QApplication.instance()
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    tr = qt_translator(lang)
    if tr is not None:
        app.installTranslator(tr)
        _qt_translator = tr
    QLocale.setDefault(QLocale(LANGUAGES[lang][1]))


def qt_translator(lang: str) -> QTranslator | None:
    """Qt's own catalog for ``lang`` from the Qt that runs us (standard buttons, file and colour
    dialogs, context menus of text fields): ``qt_<lang>`` (which pulls in qtbase and the other
    modules' catalogs), else ``qtbase_<lang>``. None where Qt ships none (Vietnamese, today)."""
    if lang == "en":
        return None
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in (f"qt_{lang}", f"qtbase_{lang}"):
        tr = QTranslator()
        if tr.load(name, folder):
            return tr
    return StandardButtonsFromOurCatalog(lang)


class StandardButtonsFromOurCatalog(QTranslator):
    """Where Qt ships no catalog (Vietnamese): the standard buttons Qt names itself ("Cancel",
    "&Yes" on a message box or a button box) from our own catalog, where it has the word."""

    CONTEXTS = frozenset({"QPlatformTheme", "QDialogButtonBox", "QMessageBox"})

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def isEmpty(self) -> bool:  # noqa: N802  (Qt's name)
        return False

    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: ARG002
        if context not in self.CONTEXTS or not source:
            return None   # a null string: Qt goes on to the next catalog, or the source text
        plain = source.replace("&", "")
        text = translate(plain, self.lang)
        return text if text != plain else None


class _LiveRelay(QObject):
    """Hands a change committed on any thread (a watcher's, a worker's that committed) to its
    controller on the UI thread. One per process, made on the UI thread and never destroyed: the
    thread emits on an object that cannot go away under it, and holds the controller only by a
    weak reference, so it never lets go of the controller's last reference (its destruction, timers
    and all, would then run on that thread)."""

    changes = Signal(object, object, int)   # (weak reference to the controller, tables, window)

    def __init__(self) -> None:
        super().__init__()
        self.changes.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object, int)
    def _deliver(self, ref, tables, token: int) -> None:
        controller = ref()
        if controller is not None:
            controller._deliver_changes(tables, token)


_live_relay: _LiveRelay | None = None


class _Workers:
    """What a watcher thread may reach besides the relay: plain Python, no Qt object."""

    outbox = None


class AppController(QObject):
    """Runs the sign-in → main window → sign-out loop and keeps the live-update watcher.

    On this computer's own database (``db``) it also runs the timed jobs (housekeeping, overdue
    tasks, the customer outbox). Signed in to an application server (``client``) the desktop
    holds no database: every screen's ``session.call`` goes to the server, which runs those jobs
    itself (``main.py serve``, app.server.jobs), and a session that ends asks for the password
    again (ui.reauth)."""

    def __init__(self, db: dbmod.Database | None, server: str | None = None,
                 open_local: Callable[[], dbmod.Database] | None = None) -> None:
        super().__init__()
        # A watcher thread never emits on the window itself: the window may be deleted on the UI
        # thread between any check and the emit (a crash in Qt, seen once under load). It emits on
        # the process's relay, which hands the change to this controller on the UI thread.
        global _live_relay
        if _live_relay is None:
            _live_relay = _LiveRelay()
        self._workers = _Workers()
        self.db = db
        #: the address the sign-in dialog shows (None: the one used last time)
        self.server_hint = server
        self.open_local = open_local
        self.client = None          # app.remote.client.RemoteClient while signed in to a server
        self.window = None
        self.session = None
        self.watcher = None
        self.unsubscribe = None
        self._timer = QTimer(self, interval=10 * 60 * 1000)
        self._timer.timeout.connect(self._housekeeping)
        # Overdue tasks are looked for every minute (cheap, indexed); the customer outbox is sent
        # by its own thread, woken whenever a message is queued.
        self._minute_timer = QTimer(self, interval=60 * 1000)
        self._minute_timer.timeout.connect(self._escalate)
        self._window_token = 0

    @property
    def outbox(self):
        """The customer outbox's sender thread (this computer's own database only)."""
        return self._workers.outbox

    @outbox.setter
    def outbox(self, worker) -> None:
        self._workers.outbox = worker

    @property
    def remote(self) -> bool:
        return self.client is not None

    def start(self) -> bool:
        if self.db is None:     # a desktop that works through a server: nothing to open here
            apply_language(remembered_language())
            return self.sign_in()
        settings = settings_service.read_all(self.db)
        apply_language(settings["ui.default_language"])
        if dbmod.is_empty(self.db):
            return self._first_run()
        return self.sign_in()

    def _first_run(self) -> bool:
        from ui.dialogs.login import FirstRunDialog

        collect_garbage_again()
        dialog = FirstRunDialog(self.db)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self._open(dialog.signed)

    def sign_in(self) -> bool:
        signed = self.ask_sign_in()
        if signed is None:
            return False
        if signed == "setup":
            return self._first_run()
        return self._open(signed)

    def ask_sign_in(self):
        """The sign-in dialog (or the benchmark's automatic sign-in): the SignedIn, "setup" for a
        new, empty database of this computer, or None when the person gave up."""
        from ui.dialogs.login import ChangePasswordDialog, LoginDialog

        auto_user = os.environ.get("IMPORTDESK_AUTOLOGIN_USER")
        password = os.environ.get("IMPORTDESK_AUTOLOGIN_PASSWORD", "")
        if auto_user and self.db is None and self.server_hint:
            # benchmarks and smoke runs only: the server must be trusted already
            from app.remote.client import RemoteClient

            client = RemoteClient(self.server_hint)
            client.connect()
            signed = client.login(auto_user, password)
            self.client = client
            return signed
        if auto_user and self.db is not None:   # benchmarks and smoke runs only: the password still has to be right
            from app.services import auth

            return auth.login(self.db, auto_user, password)
        company = settings_service.read_all(self.db)["company.name"] if self.db is not None else "ImportDesk"
        collect_garbage_again()
        dialog = LoginDialog(self.db, company, server=self.server_hint, open_local=self.open_local)
        self.login_dialog = dialog
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
        finally:
            self.login_dialog = None
        if dialog.client is not None:
            self.client = dialog.client
            self.server_hint = dialog.server
        else:
            self.db = dialog.db
            self.server_hint = ""
        signed = dialog.signed
        if signed is None:
            return "setup"
        if signed.must_change_password:
            apply_language(signed.language)
            forced = ChangePasswordDialog(self._backend(signed), forced=True)
            if forced.exec() != QDialog.DialogCode.Accepted:
                self._drop_client()
                return None
        return signed

    def _backend(self, signed):
        """The one door to the company's data for ``signed``: on the server (asking for the
        password again when the session ends), or in-process on this computer's database."""
        if self.client is not None:
            from app.remote.backend import Remote
            from ui.reauth import ReauthBackend

            return ReauthBackend(Remote(self.client), signed, lambda: self.window)
        from app.remote.backend import InProcess
        from ui.session import check_wire

        return InProcess(self.db, signed.actor(), check_wire=check_wire())

    def make_session(self, signed):
        from ui.session import Session

        if self.client is not None:
            return Session(None, signed, backend=self._backend(signed), server=self.client.url)
        return Session(self.db, signed)

    def _open(self, signed) -> bool:
        gc.disable()   # until the window is up: the first turn of the event loop hands it back,
        QTimer.singleShot(0, collect_garbage_again)   # even if building the window fails
        from ui.main_window import MainWindow

        import ui.screens  # noqa: F401  (capabilities declare their windows and actions)

        apply_language(signed.language)
        remember_language(signed.language)
        self.session = self.make_session(signed)
        self.window = MainWindow(self.session)
        self.window.signed_out.connect(self._signed_out)
        self.window.language_chosen.connect(self._language)
        self._window_token = max(self._window_token, 0) + 1
        token = self._window_token
        # The background threads live as long as the current main window, however it goes.
        self.window.destroyed.connect(lambda *_a: self._window_gone(token))
        self.window.show()
        self._start_live()
        self.start_timers()
        if os.environ.get("IMPORTDESK_REPORT_READY"):
            QTimer.singleShot(0, lambda: print(f"ready {time.perf_counter() - _START:.3f}", flush=True))
        QTimer.singleShot(200, self._load_capabilities)
        return True

    def start_timers(self) -> None:
        """Housekeeping, overdue tasks and the outbox: on this computer's own database only (a
        server runs them for the desktops signed in to it)."""
        if self.remote or self.db is None:
            return
        self._timer.start()
        self._minute_timer.start()
        self._start_outbox()

    def _load_capabilities(self) -> None:
        """The capability screens, one module per turn of the event loop once the window is up,
        so the first record opened does not wait for them (see ui.windows.registry)."""
        from ui.windows.registry import load_next_capability

        if self.window is None:
            return
        if load_next_capability():
            QTimer.singleShot(0, self._load_capabilities)
        elif not self.remote:
            self._housekeeping()   # its first run, now that start-up is over

    def _deliver_changes(self, tables, token: int) -> None:
        window = self.window
        if token == self._window_token and window is not None and isValid(window):
            window.changes_arrived.emit(tables)

    def _start_live(self) -> None:
        self._stop_live()
        token = self._window_token
        relay, me, workers = _live_relay, weakref.ref(self), self._workers

        def arrived(tables, origin) -> None:     # any thread: holds no Qt object but the relay
            relay.changes.emit(me, tables, token)
            outbox = workers.outbox
            if outbox is not None and (not tables or "customer_messages" in tables):
                outbox.wake()   # a message was queued (here or on another desktop): send it now

        if self.session is not None and self.session.remote:
            # what other desktops change, pushed by the server (it listens to the database for us)
            from app.remote.live import RemoteChangeWatcher

            self.watcher = RemoteChangeWatcher(self.client, arrived)
            self.watcher.start()
            return
        self.watcher = ChangeWatcher(self.db, arrived)
        self.watcher.start()
        self.unsubscribe = self.db.subscribe(arrived)

    def _stop_live(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        if self.unsubscribe is not None:
            self.unsubscribe()
            self.unsubscribe = None

    def _housekeeping(self) -> None:
        from app.services.housekeeping import run_housekeeping
        from ui.background import run_in_background

        if self.db is None or self.remote:
            return
        db = self.db
        # expired carts, lost parcels, shops to chase, escalations, usual stage durations, delay
        # flags, feedback windows (each job logs its own failure; the next run tries again)
        run_in_background(None, lambda p: run_housekeeping(db), lambda r: None,
                          on_error=lambda exc: None, show_progress=False)

    def _escalate(self) -> None:
        from app.services.tasks import escalate_overdue
        from ui.background import run_in_background

        if self.db is None or self.remote:
            return
        db = self.db
        run_in_background(None, lambda p: escalate_overdue(db), lambda n: None,
                          on_error=lambda exc: None, show_progress=False)

    def _start_outbox(self) -> None:
        from app.services.mail_worker import OutboxWorker

        if self.outbox is None:
            self.outbox = OutboxWorker(self.db)
            self.outbox.start()

    def _stop_outbox(self) -> None:
        if self.outbox is not None:
            self.outbox.stop()
            self.outbox = None

    def _drop_client(self, sign_out: bool = False) -> None:
        """Leave the server: end the session there (on a thread of its own: an unreachable server
        must not hold the window) and close the connection."""
        client, self.client = self.client, None
        backend = getattr(self.session, "backend", None)
        if hasattr(backend, "close"):
            backend.close()
        if client is None:
            return

        def leave() -> None:
            try:
                if sign_out:
                    client.logout()
            except Exception:  # noqa: BLE001 — the session ends on the server by itself
                pass
            finally:
                client.close()

        threading.Thread(target=leave, name="importdesk-sign-out", daemon=True).start()

    def _signed_out(self) -> None:
        self._stop_live()
        self._timer.stop()
        self._minute_timer.stop()
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        self._drop_client(sign_out=True)
        os.environ.pop("IMPORTDESK_AUTOLOGIN_USER", None)
        if not self.sign_in():
            QApplication.instance().quit()

    def _language(self, lang: str) -> None:
        """Switch language without restarting: save it, then rebuild the main window."""
        self.session.call("users.set_own_language", lang)
        from dataclasses import replace

        signed = replace(self.session.signed, language=lang)
        role = self.session.role
        old = self.window
        old.close()
        old.deleteLater()
        self._open(signed)
        self.session.switch_role(role)

    def _window_gone(self, token: int) -> None:
        if token == self._window_token:   # not an older window replaced by a newer one
            self.shutdown()

    def shutdown(self) -> None:
        if self._window_token < 0:
            return   # already shut down (the window's destruction at exit calls again)
        self._window_token = -1
        self._stop_live()
        self._timer.stop()
        self._minute_timer.stop()
        self._stop_outbox()
        self._drop_client()


_LANGUAGE_KEY = "ui/language"


def remembered_language() -> str:
    """The language of the last person signed in on this desktop: a desktop working through a
    server knows no company setting before signing in."""
    from app.i18n import DEFAULT_LANGUAGE
    from ui.session import settings_store

    lang = str(settings_store().value(_LANGUAGE_KEY, "") or "")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def remember_language(lang: str) -> None:
    from ui.session import settings_store

    settings_store().setValue(_LANGUAGE_KEY, lang)


def _app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("ImportDesk")
    app.setOrganizationName("ImportDesk")
    install_fonts(app)
    return app


def run(url: str, demo: bool = False, smoke: str | None = None, server: str | None = None,
        remembered_server: bool = False) -> int:
    """Start the desktop. ``server``: sign in to that application server (``--server``); with
    ``remembered_server`` (no --url, --demo or --server given) the server this desktop used last,
    if any. Working through a server, no database is opened here unless the person empties the
    sign-in dialog's Server field (then ``url``, this computer's own database)."""
    app = _app()
    if server is None and remembered_server:
        from ui.dialogs.login import last_server

        server = last_server() or None
    if server:
        return _run_remote(app, server, url, smoke)
    try:
        database = open_database(url)
    except Exception as exc:  # a newer schema, an unreachable server, a locked file…
        QMessageBox.critical(None, "ImportDesk", _("The database could not be opened:\n{error}").format(error=exc))
        return 2
    if demo:
        ensure_demo(database)
    if smoke is not None:
        return _smoke(database, smoke)
    controller = AppController(database, server="")
    if not controller.start():
        return 0
    code = app.exec()
    controller.shutdown()
    return code


def _run_remote(app: QApplication, server: str, local_url: str, smoke: str | None) -> int:
    def open_local() -> dbmod.Database:
        return open_database(local_url)

    controller = AppController(None, server=server, open_local=open_local)
    if smoke is not None and not os.environ.get("IMPORTDESK_AUTOLOGIN_USER"):
        return _smoke_remote(controller, smoke)
    try:
        if not controller.start():
            return 0
    except DomainError as exc:   # the automatic sign-in of a benchmark: an untrusted server, a refusal
        print(f"importdesk: {exc}", file=sys.stderr)
        return 2
    if smoke is not None:        # signed in automatically: paint the main window and exit
        QTimer.singleShot(800, app.quit)
        app.exec()
        if smoke:
            controller.window.grab().save(smoke)
        print(f"smoke ok: {QGuiApplication.platformName()} {controller.window.objectName()} "
              f"server={controller.server_hint}")
        controller.shutdown()
        return 0
    code = app.exec()
    controller.shutdown()
    return code


def _smoke_remote(controller: AppController, png: str) -> int:
    """The sign-in dialog of a desktop started with --server, painted and closed."""
    from ui.dialogs.login import LoginDialog

    apply_language(remembered_language())
    widget = LoginDialog(None, "ImportDesk", server=controller.server_hint, open_local=controller.open_local)
    widget.show()
    QTimer.singleShot(800, QApplication.instance().quit)
    QApplication.instance().exec()
    if png:
        widget.grab().save(png)
    print(f"smoke ok: {QGuiApplication.platformName()} {widget.objectName()} server={controller.server_hint}")
    return 0

def _smoke(database: dbmod.Database, png: str) -> int:
    """Paint the first window (sign-in or main window) and exit: proves a build starts."""
    from ui.dialogs.login import LoginDialog

    settings = settings_service.read_all(database)
    apply_language(settings["ui.default_language"])
    controller = None
    if os.environ.get("IMPORTDESK_AUTOLOGIN_USER"):
        controller = AppController(database)
        controller.start()
        widget = controller.window
    else:
        widget = LoginDialog(database, settings["company.name"])
        widget.show()
    QApplication.processEvents()
    collect_garbage_again()
    import ui.screens  # noqa: F401
    from ui.windows.registry import load_capabilities

    load_capabilities()   # a build missing a screen's module fails here, not on someone's first click
    QTimer.singleShot(800, QApplication.instance().quit)
    QApplication.instance().exec()
    if png:
        widget.grab().save(png)
    print(f"smoke ok: {QGuiApplication.platformName()} {widget.objectName()}")
    if controller:
        controller.shutdown()
    return 0
