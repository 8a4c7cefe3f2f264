"""Starting the desktop app: fonts, language, database, first run, sign-in, the main window."""
from __future__ import annotations

import gc
import os
import sys
import time

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import db as dbmod
from app.i18n import LANGUAGES, _, set_language, translate
from app.live import ChangeWatcher
from app.paths import resources_dir
from app.services import settings as settings_service
from app.services import users as users_service

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
    built stays for the app's life, so freeze it once, out of every later collection's way."""
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True
    gc.enable()


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


class AppController(QObject):
    """Runs the sign-in → main window → sign-out loop and keeps the live-update watcher."""

    def __init__(self, db: dbmod.Database) -> None:
        super().__init__()
        self.db = db
        self.window = None
        self.session = None
        self.watcher: ChangeWatcher | None = None
        self.unsubscribe = None
        self._timer = QTimer(self, interval=10 * 60 * 1000)
        self._timer.timeout.connect(self._housekeeping)
        # Overdue tasks are looked for every minute (cheap, indexed); the customer outbox is sent
        # by its own thread, woken whenever a message is queued.
        self._minute_timer = QTimer(self, interval=60 * 1000)
        self._minute_timer.timeout.connect(self._escalate)
        self.outbox = None
        self._window_token = 0

    def start(self) -> bool:
        settings = settings_service.read_all(self.db)
        apply_language(settings["ui.default_language"])
        if dbmod.is_empty(self.db):
            from ui.dialogs.login import FirstRunDialog

            collect_garbage_again()
            dialog = FirstRunDialog(self.db)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            return self._open(dialog.signed)
        return self.sign_in()

    def sign_in(self) -> bool:
        from ui.dialogs.login import ChangePasswordDialog, LoginDialog

        auto_user = os.environ.get("IMPORTDESK_AUTOLOGIN_USER")
        if auto_user:  # benchmarks and smoke runs only: the password still has to be right
            from app.services import auth

            signed = auth.login(self.db, auto_user, os.environ.get("IMPORTDESK_AUTOLOGIN_PASSWORD", ""))
        else:
            company = settings_service.read_all(self.db)["company.name"]
            collect_garbage_again()
            dialog = LoginDialog(self.db, company)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            signed = dialog.signed
            if signed.must_change_password:
                apply_language(signed.language)
                forced = ChangePasswordDialog(self.db, signed.actor(), forced=True)
                if forced.exec() != QDialog.DialogCode.Accepted:
                    return False
        return self._open(signed)

    def _open(self, signed) -> bool:
        gc.disable()   # until the window is up: the first turn of the event loop re-enables it,
        QTimer.singleShot(0, collect_garbage_again)   # even if building the window fails
        from ui.main_window import MainWindow
        from ui.session import Session

        import ui.screens  # noqa: F401  (capabilities declare their windows and actions)

        apply_language(signed.language)
        self.session = Session(self.db, signed)
        self.window = MainWindow(self.session)
        self.window.signed_out.connect(self._signed_out)
        self.window.language_chosen.connect(self._language)
        self._window_token = max(self._window_token, 0) + 1
        token = self._window_token
        # The background threads live as long as the current main window, however it goes.
        self.window.destroyed.connect(lambda *_a: self._window_gone(token))
        self.window.show()
        self._start_live()
        self._timer.start()
        self._minute_timer.start()
        self._start_outbox()
        if os.environ.get("IMPORTDESK_REPORT_READY"):
            QTimer.singleShot(0, lambda: print(f"ready {time.perf_counter() - _START:.3f}", flush=True))
        QTimer.singleShot(200, self._load_capabilities)
        return True

    def _load_capabilities(self) -> None:
        """The capability screens, one module per turn of the event loop once the window is up,
        so the first record opened does not wait for them (see ui.windows.registry)."""
        from ui.windows.registry import load_next_capability

        if self.window is None:
            return
        if load_next_capability():
            QTimer.singleShot(0, self._load_capabilities)
        else:
            self._housekeeping()   # its first run, now that start-up is over

    def _start_live(self) -> None:
        self._stop_live()
        window = self.window

        def arrived(tables, origin) -> None:
            window.changes_arrived.emit(tables)
            if self.outbox is not None and (not tables or "customer_messages" in tables):
                self.outbox.wake()   # a message was queued (here or on another desktop): send it now

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

        # expired carts, lost parcels, shops to chase, escalations, usual stage durations, delay
        # flags, feedback windows (each job logs its own failure; the next run tries again)
        run_in_background(None, lambda p: run_housekeeping(self.db), lambda r: None,
                          on_error=lambda exc: None, show_progress=False)

    def _escalate(self) -> None:
        from app.services.tasks import escalate_overdue
        from ui.background import run_in_background

        run_in_background(None, lambda p: escalate_overdue(self.db), lambda n: None,
                          on_error=lambda exc: None, show_progress=False)

    def _start_outbox(self) -> None:
        from app.services.outbox import OutboxWorker

        if self.outbox is None:
            self.outbox = OutboxWorker(self.db)
            self.outbox.start()

    def _stop_outbox(self) -> None:
        if self.outbox is not None:
            self.outbox.stop()
            self.outbox = None

    def _signed_out(self) -> None:
        self._stop_live()
        self._timer.stop()
        self._minute_timer.stop()
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        os.environ.pop("IMPORTDESK_AUTOLOGIN_USER", None)
        if not self.sign_in():
            QApplication.instance().quit()

    def _language(self, lang: str) -> None:
        """Switch language without restarting: save it, then rebuild the main window."""
        users_service.set_own_language(self.db, self.session.actor, lang)
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


def run(url: str, demo: bool = False, smoke: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("ImportDesk")
    app.setOrganizationName("ImportDesk")
    install_fonts(app)
    try:
        database = dbmod.Database(url)
        dbmod.upgrade(database)
    except Exception as exc:  # a newer schema, an unreachable server, a locked file…
        QMessageBox.critical(None, "ImportDesk", _("The database could not be opened:\n{error}").format(error=exc))
        return 2
    if demo:
        from app.cli import ensure_demo

        ensure_demo(database)
    if smoke is not None:
        return _smoke(database, smoke)
    controller = AppController(database)
    if not controller.start():
        return 0
    code = app.exec()
    controller.shutdown()
    return code


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
