"""Buttons for the selected row of the open queue: claim / assign / done for tasks, retry / told by
phone for outbox messages. The bar follows whichever queue the main window shows."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QToolBar

from app.i18n import _
from app.permissions import Perm
from app.services.outbox import FAILED, NO_EMAIL, PENDING
from ui.common import named
from ui.windows.registry import resolve


def _screen(target: str) -> Callable:
    """The task and outbox screens' "module:function", imported when a button is first used."""
    return lambda *args: resolve(f"ui.screens.{target}")(*args)


class QueueActionsBar(QToolBar):
    def __init__(self, main) -> None:
        super().__init__(_("Selected row"), main)
        named(self, "queue_actions", _("Actions on the selected row"))
        self.main = main
        self.setMovable(False)
        self._view = None
        self.task_actions = [
            self._action("task_claim", _("Claim"), "Ctrl+Shift+C", _screen("task_window:claim"),
                         _("Take the selected task: it moves to My tasks")),
            self._action("task_assign", _("Assign…"), "Ctrl+Shift+A", _screen("task_window:assign"),
                         _("Give the selected task to someone who holds its role"), Perm.ASSIGN_TASKS),
            self._action("task_reschedule", _("New due time…"), "", _screen("task_window:reschedule"),
                         _("Move the due time of the selected task (with a reason)"), Perm.ASSIGN_TASKS),
            self._action("task_done", _("Mark done"), "Ctrl+Shift+D", _screen("task_window:complete"),
                         _("The selected task is finished")),
        ]
        self.open_subject = QAction(_("Open what it is about"), self)
        self.open_subject.setObjectName("task_open_subject_row")
        self.open_subject.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_subject.triggered.connect(self._open_subject)
        self.addAction(self.open_subject)
        self.task_actions.append(self.open_subject)
        self.addSeparator()
        self.outbox_actions = [
            self._action("outbox_retry", _("Retry now"), "Ctrl+Shift+Y", _screen("outbox:retry"),
                         _("Send the selected message again at once"), Perm.CHAT_CUSTOMER),
            self._action("outbox_phoned", _("Told by phone…"), "", _screen("outbox:phoned"),
                         _("You phoned the customer about the selected message"), Perm.CHAT_CUSTOMER),
        ]
        self.mail_server = QAction(_("Mail server…"), self)
        self.mail_server.setObjectName("outbox_mail_server")
        self.mail_server.setData(Perm.EDIT_SETTINGS)
        self.mail_server.triggered.connect(lambda: _screen("outbox:MailServerDialog")(main.session, main).exec())
        self.addAction(self.mail_server)
        self.outbox_actions.append(self.mail_server)
        self.mailbox_settings = QAction(_("Mailbox for replies…"), self)
        self.mailbox_settings.setObjectName("outbox_mailbox_settings")
        self.mailbox_settings.setData(Perm.EDIT_SETTINGS)
        self.mailbox_settings.triggered.connect(
            lambda: _screen("customer_mail:MailboxSettingsDialog")(main.session, main).exec())
        self.addAction(self.mailbox_settings)
        self.outbox_actions.append(self.mailbox_settings)
        self.outbox_state = named(QLabel(""), "outbox_state")
        self.outbox_state_action = self.addWidget(self.outbox_state)
        main.stack.currentChanged.connect(lambda _i: self.follow())
        main.session.role_changed.connect(lambda _r: self.follow())
        self.follow()

    def _action(self, name: str, text: str, shortcut: str, run: Callable, tip: str,
                perm: Perm = Perm.WORK_TASKS) -> QAction:
        act = QAction(text, self)
        act.setObjectName(name)
        act.setToolTip(tip + (f" ({shortcut})" if shortcut else ""))
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setData(perm)
        act.triggered.connect(lambda _c=False, r=run: self._run(r))
        self.addAction(act)
        return act

    # -- following the open queue and its selection ----------------------------------------------
    def follow(self) -> None:
        view = self.main.current_view()
        if self._view is not None and self._view is not view:
            try:
                self._view.table.selectionModel().selectionChanged.disconnect(self._selection)
            except (RuntimeError, TypeError):
                pass
        entity = view.queue.entity if view is not None else None
        can = self.main.session.can
        for act in self.task_actions:
            act.setVisible(entity == "task" and (act.data() is None or can(act.data())))
        for act in self.outbox_actions:
            act.setVisible(entity == "customer_message" and can(act.data()))
        self.outbox_state_action.setVisible(entity == "customer_message")
        if entity == "customer_message":
            self._show_mail_state()
        self.setVisible(entity in ("task", "customer_message"))
        if view is not None and view is not self._view:
            view.table.selectionModel().selectionChanged.connect(self._selection)
        self._view = view
        self._selection()

    def _show_mail_state(self) -> None:
        """Whether the messages can go out at all: no server set means they wait."""
        try:
            configured = self.main.session.call("outbox.is_configured")
        except Exception:  # noqa: BLE001 — the label is only a hint
            return
        if configured:
            self.outbox_state.setText("  " + _("Messages are sent by e-mail as soon as they are queued."))
            self.outbox_state.setStyleSheet("color: #2e7d32;")
        else:
            self.outbox_state.setText("  " + _("No mail server is set: messages wait until an administrator "
                                               "sets one (Administration → Mail server…)."))
            self.outbox_state.setStyleSheet("color: #b3261e; font-weight: bold;")

    def _row(self):
        view = self._view
        if view is None:
            return None
        rows = view.table.selectionModel().selectedRows()
        return view.model.raw_row(rows[0].row()) if rows else None

    def _selection(self, *_args) -> None:
        """Enable each group's actions from the selected row of its own queue only: the bar
        follows every queue, and a customer or a cash-book row has no assignee or status."""
        entity = self._view.queue.entity if self._view is not None else None
        row = self._row()
        session = self.main.session
        task = row if entity == "task" else None
        for act in self.task_actions:
            act.setEnabled(task is not None)
        if task is not None:
            self.task_actions[0].setEnabled(not getattr(task, "assignee", None)
                                            and getattr(task, "role", None) == session.role.value)
        message = row if entity == "customer_message" else None
        for act in self.outbox_actions[:2]:
            act.setEnabled(message is not None and getattr(message, "status", None) in
                           (FAILED, NO_EMAIL, PENDING))

    # -- doing ---------------------------------------------------------------------------------------
    def _run(self, action: Callable) -> None:
        row = self._row()
        if row is None:
            return
        if action(self.main.session, row.id, self.main):
            view = self._view
            view.refresh()
            self.main.update_counts()
            self._selection()

    def _open_subject(self) -> None:
        row = self._row()
        if row is None:
            return
        try:
            t = self.main.session.call("tasks.get", row.id)
        except Exception as exc:
            from ui.common import report_error

            report_error(self.main, exc)
            return
        if t.entity and t.entity_id is not None:
            self.main.open_record(t.entity, t.entity_id)
        else:
            self.main.open_record("task", t.id)
