"""Starting the desktop app: fonts, language, database, first run, sign-in, the main window."""
from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app import db as dbmod
from app.i18n import LANGUAGES, _, set_language
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


def apply_language(lang: str) -> None:
    """Our catalog for our strings; Qt's own catalog (where Qt ships one) for its dialogs."""
    global _qt_translator
    set_language(lang)
    app = QApplication.instance()
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    qt_name = {"zh_CN": "qtbase_zh_CN"}.get(lang)   # Qt ships no Vietnamese catalog
    if qt_name:
        tr = QTranslator()
        if tr.load(qt_name, QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(tr)
            _qt_translator = tr
    QLocale.setDefault(QLocale(LANGUAGES[lang][1]))


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

    def start(self) -> bool:
        settings = settings_service.read_all(self.db)
        apply_language(settings["ui.default_language"])
        if dbmod.is_empty(self.db):
            from ui.dialogs.login import FirstRunDialog

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
        from ui.main_window import MainWindow
        from ui.session import Session

        import ui.screens  # noqa: F401  (capabilities register their windows and actions)

        apply_language(signed.language)
        self.session = Session(self.db, signed)
        self.window = MainWindow(self.session)
        self.window.signed_out.connect(self._signed_out)
        self.window.language_chosen.connect(self._language)
        self.window.show()
        self._start_live()
        self._timer.start()
        QTimer.singleShot(0, self._housekeeping)
        if os.environ.get("IMPORTDESK_REPORT_READY"):
            QTimer.singleShot(0, lambda: print(f"ready {time.perf_counter() - _START:.3f}", flush=True))
        return True

    def _start_live(self) -> None:
        self._stop_live()
        window = self.window
        self.watcher = ChangeWatcher(self.db, lambda tables, origin: window.changes_arrived.emit(tables))
        self.watcher.start()
        self.unsubscribe = self.db.subscribe(lambda tables, origin: window.changes_arrived.emit(tables))

    def _stop_live(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        if self.unsubscribe is not None:
            self.unsubscribe()
            self.unsubscribe = None

    def _housekeeping(self) -> None:
        from app.services.orders import expire_carts
        from app.services.seller_complaints import warn_seller_deadlines
        from ui.background import run_in_background

        def work(progress) -> None:
            expire_carts(self.db)
            warn_seller_deadlines(self.db)

        run_in_background(None, work, lambda n: None, on_error=lambda exc: None, show_progress=False)

    def _signed_out(self) -> None:
        self._stop_live()
        self._timer.stop()
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

    def shutdown(self) -> None:
        self._stop_live()


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
    QTimer.singleShot(800, QApplication.instance().quit)
    QApplication.instance().exec()
    if png:
        widget.grab().save(png)
    print(f"smoke ok: {QGuiApplication.platformName()} {widget.objectName()}")
    if controller:
        controller.shutdown()
    return 0
