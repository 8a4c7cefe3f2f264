"""The main window: role switcher, the role's queues on the left, the open queue in the centre."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QApplication, QComboBox, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QMenu, QMessageBox, QSplitter, QStackedWidget, QToolBar, QToolButton, QWidget)

from app import __version__
from app.i18n import LANGUAGES, _, current_language, fmt_decimal
from app.permissions import ROLE_LABELS, Perm, Role
from app.queries.paging import PageRequest
from app.queries.queues import QUEUES
from ui.background import run_in_background
from ui.common import ask_save_path, fit_to_screen, named, report_error
from ui.queues import QueueModel
from ui.session import Session, settings_store
from ui.widgets.notify_shell import install as install_notify_shell
from ui.widgets.queue_view import QueueView
from ui.windows import registry


class MainWindow(QMainWindow):
    signed_out = Signal()
    language_chosen = Signal(str)
    changes_arrived = Signal(object)   # frozenset of table names (empty = anything)

    def __init__(self, session: Session) -> None:
        super().__init__()
        named(self, "main_window", _("ImportDesk"))
        self.session = session
        # the settings and the first queue's filters and first page: one call (one round trip)
        first = self._remembered_queue()
        opening = session.call("shell.open_window", first,
                               QueueModel.first_request(QUEUES[first], 0) if first else PageRequest())
        self.settings = opening.settings
        self._openings = {first: opening.queue} if first and opening.queue is not None else {}
        self.setWindowTitle(_("{company} — ImportDesk").format(company=self.settings["company.name"]))
        self._views: dict[str, QueueView] = {}
        self._windows: dict[tuple[str, int], QWidget] = {}
        self._pending_tables: set[str] = set()
        self._counting = self._recount = False
        self._refresh_timer = QTimer(self, singleShot=True, interval=300)
        self._refresh_timer.timeout.connect(self._apply_changes)
        self.changes_arrived.connect(self._queue_changes)

        self.nav = named(QListWidget(), "queue_nav", _("Queues"))
        self.nav.setMinimumWidth(230)
        self.nav.currentRowChanged.connect(self._show_queue)
        self.stack = named(QStackedWidget(), "queue_stack")
        split = named(QSplitter(Qt.Orientation.Horizontal), "main_splitter")
        split.addWidget(self.nav)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([260, 1000])
        self.splitter = split
        self.setCentralWidget(split)

        self._build_toolbar()
        self._build_menus()
        self._build_status_bar()
        session.role_changed.connect(lambda _r: self._load_role())
        self._restore_layout()
        self._load_role()
        install_notify_shell(self)   # notification centre, task/outbox row actions, calendar
        for act in self.findChildren(QAction):   # after the action's own slot (its dialog closed)
            act.triggered.connect(self._reclaim_activation)

    def _reclaim_activation(self) -> None:
        """An action of this window ran its dialog, which closed and left no window active: be the
        active window again, as a window manager makes it. The offscreen platform and a bare X
        server do not, and every shortcut here waits for this window to be active: the next one
        (Ctrl+Shift+B after recording a top-up) did nothing. Any other window showing (one the
        action opened) keeps the activation it is about to get."""
        if not self.isVisible() or QApplication.activeWindow() is not None or QApplication.activeModalWidget():
            return
        others = [w for w in QApplication.topLevelWidgets() if w is not self and w.isVisible()
                  and w.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)]
        if not others:
            self.activateWindow()

    # -- building --------------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = named(QToolBar(_("Main")), "main_toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addWidget(QLabel(" " + _("Role:") + " "))
        self.role_box = named(QComboBox(), "role_switcher", _("Role"))
        for role in self.session.signed.roles:
            self.role_box.addItem(_(ROLE_LABELS[role]), role.value)
        self.role_box.setCurrentIndex(self.role_box.findData(self.session.role.value))
        self.role_box.currentIndexChanged.connect(
            lambda _i: self.session.switch_role(Role(self.role_box.currentData())))
        bar.addWidget(self.role_box)
        bar.addSeparator()
        self.create_actions: list[QAction] = []
        self.toolbar_groups: dict[str, tuple[QToolButton, QAction, QMenu, list[QAction]]] = {}
        for spec in registry.CREATE_ACTIONS:
            act = QAction(_(spec.label), self)
            act.setObjectName(spec.name)
            act.setShortcut(QKeySequence(spec.shortcut))
            act.triggered.connect(lambda _c=False, s=spec: self._run_create(s))
            act.setData(spec.perm)
            self.create_actions.append(act)
            if not spec.group:
                bar.addAction(act)
                continue
            if spec.group not in self.toolbar_groups:
                button = named(QToolButton(), f"toolbar_group_{spec.group}")
                button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
                self.toolbar_groups[spec.group] = (button, bar.addWidget(button), QMenu(button), [])
            _button, _holder, menu, members = self.toolbar_groups[spec.group]
            menu.addAction(act)
            members.append(act)
        bar.addSeparator()
        self.refresh_action = QAction(_("Refresh"), self)
        self.refresh_action.setObjectName("action_refresh")
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.triggered.connect(self.refresh_all)
        bar.addAction(self.refresh_action)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = named(menu.addMenu(_("&File")), "menu_file")
        for act in self.create_actions:
            file_menu.addAction(act)
        if self.create_actions:
            file_menu.addSeparator()
        self.export_action = self._add(file_menu, "action_export_view", _("Export this view to Excel…"),
                                       "Ctrl+Shift+E", lambda: self.export_view())   # not triggered's bool as the path
        file_menu.addSeparator()
        self._add(file_menu, "action_change_password", _("Change my password…"), "", self.change_password)
        self._add(file_menu, "action_my_notices", _("My notices…"), "",   # e-mail copies (seed 002)
                  lambda: registry.resolve("ui.screens.remedies:open_my_notices")(self.session, self))
        lang_menu = named(file_menu.addMenu(_("Language")), "menu_language")
        group = QActionGroup(self)
        for code, (name, _loc) in LANGUAGES.items():
            act = self._add(lang_menu, f"action_language_{code}", name, "",
                            lambda _c=False, c=code: self.language_chosen.emit(c))
            act.setCheckable(True)
            act.setChecked(code == current_language())
            group.addAction(act)
        file_menu.addSeparator()
        self._add(file_menu, "action_sign_out", _("Sign out"), "Ctrl+Shift+Q", self.sign_out)
        self._add(file_menu, "action_quit", _("Quit"), "Ctrl+Q", self.close)

        view_menu = named(menu.addMenu(_("&View")), "menu_view")
        view_menu.addAction(self.refresh_action)
        self._add(view_menu, "action_search", _("Search in this queue"), "Ctrl+F", self._focus_search)
        self._add(view_menu, "action_open", _("Open the selected row"), "Ctrl+O", self._open_selected)
        self._add(view_menu, "action_next_queue", _("Next queue"), "Ctrl+PgDown", lambda: self._step_queue(1))
        self._add(view_menu, "action_previous_queue", _("Previous queue"), "Ctrl+PgUp", lambda: self._step_queue(-1))
        self._add(view_menu, "action_next_role", _("Next role"), "Ctrl+Shift+R", self._next_role)
        self.admin_menu = named(menu.addMenu(_("&Administration")), "menu_admin")
        self.users_action = self._add(self.admin_menu, "action_users", _("Users and warehouses…"),
                                      "Ctrl+Shift+U", self.open_users)
        self.settings_action = self._add(self.admin_menu, "action_settings", _("Settings…"), "Ctrl+,",
                                         self.open_settings)
        self.backups_action = self._add(self.admin_menu, "action_backups", _("Backups…"), "",
                                        lambda: registry.resolve("ui.screens.backup:open_backups")(
                                            self.session, self))
        help_menu = named(menu.addMenu(_("&Help")), "menu_help")
        self._add(help_menu, "action_shortcuts", _("Keyboard shortcuts"), "F1", self.show_shortcuts)
        self._add(help_menu, "action_about", _("About ImportDesk"), "", self.show_about)

    def _add(self, menu, name: str, text: str, shortcut: str, slot: Callable) -> QAction:
        act = QAction(text, self)
        act.setObjectName(name)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)   # shortcuts work even with the menu closed
        return act

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_db = named(QLabel(self.session.location()), "status_database")
        self.status_user = named(QLabel(), "status_user")
        self.status_role = named(QLabel(), "status_role")
        self.status_live = named(QLabel(), "status_live")
        for w in (self.status_db, self.status_user, self.status_role, self.status_live):
            bar.addPermanentWidget(w)

    # -- roles and queues -------------------------------------------------------------------------
    def _load_role(self) -> None:
        role = self.session.role
        self.role_box.blockSignals(True)
        self.role_box.setCurrentIndex(self.role_box.findData(role.value))
        self.role_box.blockSignals(False)
        self.status_user.setText(f"{self.session.signed.full_name} ({self.session.signed.username})")
        self.status_role.setText(_("Role: {role}").format(role=_(ROLE_LABELS[role])))
        self.admin_menu.menuAction().setVisible(self.session.can(Perm.MANAGE_USERS) or
                                                self.session.can(Perm.VIEW_SETTINGS) or
                                                self.session.can(Perm.MANAGE_BACKUPS))
        self.backups_action.setVisible(self.session.can(Perm.MANAGE_BACKUPS))
        self.users_action.setVisible(self.session.can(Perm.MANAGE_USERS))
        self.settings_action.setVisible(self.session.can(Perm.VIEW_SETTINGS))
        for act in self.create_actions:
            act.setVisible(self.session.can(act.data()))
        for button, holder, menu, members in self.toolbar_groups.values():
            shown = [a for a in members if a.isVisible()]
            holder.setVisible(bool(shown))
            if shown:   # the role's first action of the kind on the button, the others under its arrow
                button.setDefaultAction(shown[0])
                button.setMenu(menu if len(shown) > 1 else None)
        self.export_action.setEnabled(self.session.can(Perm.EXPORT_DATA))
        # the role's queues are declarations (app.queries.queues), not data: no call needed
        self.queues = self._role_queues()
        self.nav.blockSignals(True)
        self.nav.clear()
        for q in self.queues:
            item = QListWidgetItem(_(q.title))
            item.setData(Qt.ItemDataRole.UserRole, q.name)
            item.setToolTip(_(q.hint) if q.hint else "")
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        names = [q.name for q in self.queues]
        first = self._remembered_queue()
        self.nav.setCurrentRow(names.index(first) if first in names else 0)
        self._show_queue(self.nav.currentRow())
        QTimer.singleShot(0, self.update_counts)   # after the open queue is painted

    def _role_queues(self) -> list:
        return [q for q in QUEUES.for_role(self.session.role) if self.session.can(q.perm)]

    def _remembered_queue(self) -> str | None:
        """The queue the role had open last time on this desktop, else its first."""
        names = [q.name for q in self._role_queues()]
        last = settings_store().value(f"{self.session.prefix()}/{self.session.role.value}/queue", "")
        return last if last in names else (names[0] if names else None)

    def _view(self, name: str) -> QueueView:
        key = f"{self.session.role.value}:{name}"
        view = self._views.get(key)
        if view is None:
            view = QueueView(self.session, QUEUES[name], self.settings["ui.page_size"],
                             opening=self._openings.pop(name, None))
            view.open_requested.connect(self.open_record)
            view.count_changed.connect(self._set_count)
            self._views[key] = view
            self.stack.addWidget(view)
            view.load()
        return view

    def _show_queue(self, row: int) -> None:
        if not 0 <= row < len(self.queues):
            return
        name = self.queues[row].name
        view = self._view(name)
        self.stack.setCurrentWidget(view)
        settings_store().setValue(f"{self.session.prefix()}/{self.session.role.value}/queue", name)
        view.table.setFocus()

    def current_view(self) -> QueueView | None:
        w = self.stack.currentWidget()
        return w if isinstance(w, QueueView) else None

    def update_counts(self) -> None:
        """Count every queue of the role on one background thread (not one thread per queue: a
        manager has thirty); a request while a count runs is served once it is over."""
        if self._counting:
            self._recount = True
            return
        self._counting, self._recount = True, False
        session, names = self.session, [q.name for q in self.queues]

        def count(progress) -> dict[str, int]:
            return session.call("queues.counts", names)   # every queue of the role in one call

        def done(totals: dict[str, int] | None) -> None:
            self._counting = False
            for name, total in (totals or {}).items():
                self._set_count(name, total, from_nav=True)
            if self._recount:
                self.update_counts()

        run_in_background(self, count, done, on_error=lambda exc: done(None), show_progress=False)

    def _set_count(self, name: str, total: int, from_nav: bool = False) -> None:
        view = self._views.get(f"{self.session.role.value}:{name}")
        if not from_nav and view is not None and (view.model.search or any(
                v is not None for v in view.model.filters.values())):
            return  # a filtered count is not the queue's size
        titles = {q.name: _(q.title) for q in self.queues}
        for i in range(self.nav.count()):
            item = self.nav.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name and name in titles:   # still this role's
                item.setText(f"{titles[name]} ({fmt_decimal(total)})")

    def _step_queue(self, delta: int) -> None:
        if self.nav.count():
            self.nav.setCurrentRow((self.nav.currentRow() + delta) % self.nav.count())

    def _next_role(self) -> None:
        if self.role_box.count() > 1:
            self.role_box.setCurrentIndex((self.role_box.currentIndex() + 1) % self.role_box.count())

    def _focus_search(self) -> None:
        view = self.current_view()
        if view:
            view.focus_search()

    def _open_selected(self) -> None:
        view = self.current_view()
        if view:
            view.open_current()

    # -- live updates -----------------------------------------------------------------------------
    def _queue_changes(self, tables: frozenset) -> None:
        self._pending_tables |= set(tables) or {"*"}
        self._refresh_timer.start()

    def _apply_changes(self) -> None:
        tables, self._pending_tables = self._pending_tables, set()
        for key, view in self._views.items():
            if not key.startswith(self.session.role.value + ":"):
                continue
            if "*" in tables or tables & set(view.queue.tables):
                if view is self.current_view():
                    view.refresh()
                else:
                    view.model.reload(keep_loaded=False)
        self.update_counts()
        self.status_live.setText(_("Updated"))
        QTimer.singleShot(1500, self.status_live.clear)

    def refresh_all(self) -> None:
        self._queue_changes(frozenset())
        self._refresh_timer.stop()
        self._apply_changes()

    # -- opening records and dialogs -------------------------------------------------------------
    def open_record(self, entity: str, entity_id: int) -> None:
        key = (entity, entity_id)
        existing = self._windows.get(key)
        if existing is not None and existing.isVisible():
            existing.raise_()
            existing.activateWindow()
            return
        factory = registry.detail_factory(entity)
        try:
            if factory is not None:
                window = factory(self.session, entity_id, self)
            else:
                from ui.windows.detail import GenericDetail

                view = self.current_view()
                window = GenericDetail(self.session, entity, entity_id, view.queue.name if view else "", self)
        except Exception as exc:
            report_error(self, exc)
            return
        self._windows[key] = window
        window.show()

    def export_view(self, path: str | None = None) -> None:
        """The open queue exactly as filtered and sorted on screen, every row, to XLSX: built where
        the data is (the server), written here. Cancel drops the workbook; nothing is written."""
        view = self.current_view()
        if view is None:
            return
        if path is None:
            path = ask_save_path(self, _("Export to Excel"), f"{_(view.queue.title)}.xlsx", "Excel (*.xlsx)")
            if not path:
                return
        request = view.model.request(limit=2000)
        filters = [_("Search: {text}").format(text=view.model.search)] if view.model.search else []
        filters += [box.currentText() for box in view.filter_boxes.values() if box.currentData() is not None]
        session, name = self.session, view.queue.name

        def work(progress) -> int:
            progress.update(0, 0, _("Exporting to Excel…"))
            result = session.call("queues.export_xlsx", name, request, filters)
            progress.update(0, 0, _("Writing {path}…").format(path=path))   # Cancel now: nothing written
            write_file(path, result.data, progress)
            return result.rows

        self.statusBar().showMessage(_("Exporting…"))
        run_in_background(self, work,
                          lambda n: self.statusBar().showMessage(
                              _("Exported {n} rows to {path}").format(n=fmt_decimal(n), path=path), 8000),
                          on_error=self._export_failed, label=_("Exporting to Excel…"))

    def _export_failed(self, exc: BaseException) -> None:
        from app.progress import Cancelled

        if isinstance(exc, Cancelled):
            self.statusBar().showMessage(_("Export cancelled: no file was written."), 8000)
            return
        self.statusBar().clearMessage()
        report_error(self, exc)

    def _run_create(self, spec: registry.CreateAction) -> None:
        try:
            spec.runner()(self.session, self)
        except Exception as exc:
            report_error(self, exc)

    def open_users(self) -> None:
        from ui.dialogs.users import UsersDialog

        UsersDialog(self.session, self).exec()
        self.refresh_all()

    def open_settings(self) -> None:
        from ui.dialogs.settings import SettingsDialog

        SettingsDialog(self.session, self).exec()
        try:
            self.settings = self.session.call("settings.read_all")
        except Exception as exc:  # the server went away meanwhile: keep what was read
            report_error(self, exc)

    def change_password(self) -> None:
        from ui.dialogs.login import ChangePasswordDialog

        # the dialog calls through the session (ChangePasswordDialog(caller, actor=None, …), helper
        # "connect"); no database or actor from here
        ChangePasswordDialog(self.session, None, parent=self).exec()

    def sign_out(self) -> None:
        self._save_layout()
        self.signed_out.emit()

    def show_shortcuts(self) -> None:
        lines = []
        for act in self.findChildren(QAction):
            if act.shortcut().isEmpty() or not act.text():
                continue
            lines.append(f"{act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}\t{act.text().replace('&', '')}")
        lines += [f"Enter\t{_('Open the selected row')}", f"Ctrl+F\t{_('Search in this queue')}"]
        box = QMessageBox(QMessageBox.Icon.Information, _("Keyboard shortcuts"), "\n".join(sorted(set(lines))),
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("shortcuts_box")
        box.exec()

    def show_about(self) -> None:
        QMessageBox.about(self, _("About ImportDesk"),
                          _("ImportDesk {version}\n{where}").format(version=__version__, where=self.session.location()))

    # -- remembered layout ---------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        store = settings_store()
        geometry = store.value(f"{self.session.prefix()}/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            fit_to_screen(self, 1360, 820)
        split = store.value(f"{self.session.prefix()}/splitter")
        if split is not None:
            self.splitter.restoreState(split)

    def _save_layout(self) -> None:
        store = settings_store()
        store.setValue(f"{self.session.prefix()}/geometry", self.saveGeometry())
        store.setValue(f"{self.session.prefix()}/splitter", self.splitter.saveState())

    def closeEvent(self, event) -> None:
        self._save_layout()
        for w in list(self._windows.values()):
            w.close()
        super().closeEvent(event)


def write_file(path: str, data: bytes, progress=None, chunk: int = 1 << 20) -> None:
    """Write ``data`` to ``path`` (a file the user chose on this desktop) in pieces, so Cancel
    works while a big workbook is written; a cancelled or failed write leaves no partial file."""
    from pathlib import Path

    target = Path(path)
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as out:
            for start in range(0, len(data), chunk):
                if progress is not None:
                    progress.update(start, len(data))
                out.write(data[start:start + chunk])
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
