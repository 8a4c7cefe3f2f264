"""The task window (nhiệm vụ) and the small dialogs to assign, reschedule and cancel a task.

Only what the person may do now is enabled; the services check again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import _, fmt_datetime
from app.permissions import ROLE_LABELS, Perm, Role
from app.services.tasks import TaskView
from app.workflows.tasks import TaskKind
from ui.common import error_label, named, report_error, show_field_errors
from ui.session import Session
from ui.windows.detail import ActivityTimeline


class AssignTaskDialog(QDialog):
    """Choose who does the task: someone holding the task's role, or back to the whole queue."""

    def __init__(self, session: Session, view: TaskView, parent: QWidget | None = None,
                 people: list[tuple[int, str]] | None = None) -> None:
        super().__init__(parent)
        named(self, "task_assign_dialog", _("Assign task"))
        self.setWindowTitle(_("Assign task"))
        self.person = named(QComboBox(), "task_assign_person", _("Assignee"))
        self.person.addItem(_("— anyone in the queue —"), None)
        if people is None:
            people = session.call("users.staff_with_role", Role(view.role))
        for uid, name in people:
            self.person.addItem(name, uid)
        self.person.setCurrentIndex(max(0, self.person.findData(view.assignee_id)))
        form = QFormLayout(self)
        title = QLabel(view.title)
        title.setWordWrap(True)
        form.addRow(_("Task"), title)
        form.addRow(_("Queue"), QLabel(_(ROLE_LABELS[Role(view.role)])))
        form.addRow(_("Assign to"), self.person)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "task_assign_submit").setText(_("Assign"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def chosen(self) -> int | None:
        return self.person.currentData()


class RescheduleDialog(QDialog):
    def __init__(self, view: TaskView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "task_reschedule_dialog", _("New due time"))
        self.setWindowTitle(_("New due time"))
        self.due = named(QDateTimeEdit(), "task_reschedule_due", _("Due"))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("dd/MM/yyyy HH:mm")
        start = view.due_at.astimezone() if view.due_at else datetime.now().astimezone()
        self.due.setDateTime(QDateTime(start))
        self.reason = named(QPlainTextEdit(), "task_reschedule_reason", _("Reason"))
        self.reason.setMaximumHeight(80)
        form = QFormLayout(self)
        form.addRow(_("Due"), self.due)
        form.addRow(_("Reason"), self.reason)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "task_reschedule_submit").setText(_("Save"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def due_at(self) -> datetime:
        return self.due.dateTime().toPython().astimezone()


class NewTaskDialog(QDialog):
    """A manager writes a task by hand for a department (a role's queue) or one person in it."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "new_task_dialog", _("New task"))
        self.setWindowTitle(_("New task"))
        self.session = session
        self.task_id: int | None = None
        self.title = named(QLineEdit(), "new_task_title", _("Task"))
        self.title.setPlaceholderText(_("What is to be done, e.g. Call back Mrs Hằng about order DH0000123"))
        self.title_error = error_label("new_task_title_error")
        self.title.textEdited.connect(lambda _t: self.title_error.hide())
        self.person_error = error_label("new_task_person_error")
        self.due_error = error_label("new_task_due_error")
        self.role = named(QComboBox(), "new_task_role", _("Department"))
        for role in Role:
            if role is not Role.SYSTEM:
                self.role.addItem(_(ROLE_LABELS[role]), role.value)
        self.person = named(QComboBox(), "new_task_person", _("Person"))
        form_data = session.call("tasks.new_task_form", Role(self.role.currentData()))
        self.role.currentIndexChanged.connect(lambda _i: self._fill_people())
        self.has_due = named(QCheckBox(_("Due by")), "new_task_has_due")
        self.due = named(QDateTimeEdit(), "new_task_due", _("Due"))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.due.setDateTime(QDateTime(form_data.now.astimezone() + timedelta(days=1)))
        self.due.setEnabled(False)
        self.has_due.toggled.connect(self.due.setEnabled)
        self.due.dateTimeChanged.connect(lambda _d: self.due_error.hide())
        self.person.currentIndexChanged.connect(lambda _i: self.person_error.hide())
        due_row = QHBoxLayout()
        due_row.addWidget(self.has_due)
        due_row.addWidget(self.due, 1)
        form = QFormLayout(self)
        form.addRow(_("Task"), self.title)
        form.addRow("", self.title_error)
        form.addRow(_("Department"), self.role)
        form.addRow(_("Person"), self.person)
        form.addRow("", self.person_error)
        form.addRow("", due_row)
        form.addRow("", self.due_error)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "new_task_submit").setText(_("Create"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)
        self._fill_people(form_data.people)
        self.resize(560, self.sizeHint().height())

    def _fill_people(self, people=None) -> None:
        if people is None:
            try:
                people = self.session.call("users.staff_with_role", Role(self.role.currentData()))
            except DomainError as exc:
                report_error(self, exc)
                people = []
        self.person.clear()
        self.person.addItem(_("— anyone in the department —"), None)
        for uid, name in people:
            self.person.addItem(name, uid)

    def accept(self) -> None:
        due = self.due.dateTime().toPython().astimezone() if self.has_due.isChecked() else None
        try:
            self.task_id = self.session.call("tasks.create_manual", Role(self.role.currentData()),
                                             self.title.text(), self.person.currentData(), due)
        except ValidationFailed as exc:
            show_field_errors({"title": self.title_error, "assignee": self.person_error, "due_at": self.due_error},
                              dict(exc.field_errors))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        super().accept()


def new_task(session: Session, parent: QWidget | None = None) -> None:
    dialog = NewTaskDialog(session, parent)
    if dialog.exec() and parent is not None and hasattr(parent, "statusBar"):
        parent.statusBar().showMessage(_("Task created."), 6000)


# -- the actions, shared by the window and the main window's queue bar ---------------------------------

def claim(session: Session, task_id: int, parent: QWidget) -> bool:
    try:
        session.call("tasks.claim", task_id)
    except DomainError as exc:
        report_error(parent, exc)
        return False
    return True


def assign(session: Session, task_id: int, parent: QWidget) -> bool:
    try:
        form = session.call("tasks.assign_form", task_id)
        dialog = AssignTaskDialog(session, form.task, parent, list(form.people))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        session.call("tasks.assign", task_id, dialog.chosen())
    except DomainError as exc:
        report_error(parent, exc)
        return False
    return True


def complete(session: Session, task_id: int, parent: QWidget) -> bool:
    try:
        session.call("tasks.complete", task_id)
    except DomainError as exc:
        report_error(parent, exc)
        return False
    return True


def reschedule(session: Session, task_id: int, parent: QWidget) -> bool:
    try:
        view = session.call("tasks.get", task_id)
        dialog = RescheduleDialog(view, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        session.call("tasks.reschedule", task_id, dialog.due_at(), dialog.reason.toPlainText())
    except DomainError as exc:
        report_error(parent, exc)
        return False
    return True


def cancel(session: Session, task_id: int, parent: QWidget) -> bool:
    reason, ok = QInputDialog.getMultiLineText(parent, _("Cancel task"), _("Why is this task no longer needed?"))
    if not ok:
        return False
    try:
        session.call("tasks.cancel", task_id, reason)
    except DomainError as exc:
        report_error(parent, exc)
        return False
    return True


class TaskWindow(QDialog):
    """One task: what, whose, due when, what it is about, its history — and what to do with it."""

    changed = Signal()

    def __init__(self, session: Session, task_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "task_window", _("Task"))
        self.session, self.task_id, self.main = session, task_id, parent
        self.view: TaskView | None = None
        self.heading = named(QLabel(""), "task_heading")
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.status = named(QLabel(""), "task_status")
        self.queue = named(QLabel(""), "task_queue")
        self.assignee = named(QLabel(""), "task_assignee")
        self.due = named(QLabel(""), "task_due")
        self.created = named(QLabel(""), "task_created")
        self.note = named(QLabel(""), "task_note")
        self.note.setWordWrap(True)
        self.subject = named(QPushButton(""), "task_open_subject")
        self.subject.clicked.connect(self.open_subject)
        # a goods count's differences propose a complaint: care staff open it from here in one action
        self.propose_button = named(QPushButton(_("Open the proposed &complaint…")), "task_window_count_complaint")
        self.propose_button.clicked.connect(self.open_proposed_complaint)
        form = QFormLayout()
        form.addRow(_("Status"), self.status)
        form.addRow(_("Queue"), self.queue)
        form.addRow(_("Assignee"), self.assignee)
        form.addRow(_("Due"), self.due)
        form.addRow(_("Created"), self.created)
        about = QHBoxLayout()
        about.addWidget(self.subject)
        about.addWidget(self.propose_button)
        about.addStretch(1)
        form.addRow(_("About"), about)
        form.addRow(_("Note"), self.note)

        self.claim_button = named(QPushButton(_("Claim")), "task_window_claim")
        self.claim_button.setToolTip(_("Take this task: it moves to My tasks"))
        self.assign_button = named(QPushButton(_("Assign…")), "task_window_assign")
        self.reschedule_button = named(QPushButton(_("New due time…")), "task_window_reschedule")
        self.done_button = named(QPushButton(_("Mark done")), "task_window_done")
        self.cancel_button = named(QPushButton(_("Cancel task…")), "task_window_cancel")
        close = named(QPushButton(_("Close")), "task_window_close")
        close.clicked.connect(self.accept)
        for button, action in ((self.claim_button, claim), (self.assign_button, assign),
                               (self.reschedule_button, reschedule), (self.done_button, complete),
                               (self.cancel_button, cancel)):
            button.clicked.connect(lambda _c=False, a=action: self._run(a))
        buttons = QHBoxLayout()
        for b in (self.claim_button, self.assign_button, self.reschedule_button, self.done_button,
                  self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        self.timeline = ActivityTimeline()
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(_("Activity")))
        layout.addWidget(self.timeline, 1)
        self.resize(760, 560)
        self.reload()

    def reload(self) -> None:
        s = self.session
        window = s.call("tasks.window", self.task_id)
        v = self.view = window.task
        self.setWindowTitle(_("Task {id} — {title}").format(id=v.id, title=v.title))
        self.heading.setText(f"{_(v.kind_label)} — {v.title}")
        self.status.setText(_(v.status_label) + (" · " + _("escalated to the managers {when}").format(
            when=fmt_datetime(v.escalated_at)) if v.escalated_at else ""))
        self.queue.setText(_(ROLE_LABELS[Role(v.role)]))
        self.assignee.setText(v.assignee_name or _("nobody yet — anyone in the queue may claim it"))
        due = fmt_datetime(v.due_at) if v.due_at else _("no due time")
        self.due.setText(due + (" · " + _("overdue") if v.overdue else ""))
        self.due.setStyleSheet("color: #b3261e; font-weight: bold;" if v.overdue else "")
        self.created.setText(_("{when} by {who}").format(when=fmt_datetime(v.created_at), who=v.created_by or "—"))
        self.note.setText(v.note or "—")
        if v.entity == "order" and v.entity_id is not None:
            self.subject.setText(_("Open order {code}").format(code=v.subject or v.entity_id))
        elif v.entity and v.entity_id is not None:
            self.subject.setText(_("Open {entity} {id}").format(entity=v.entity, id=v.entity_id))
        self.subject.setVisible(bool(v.entity and v.entity_id is not None))
        self.propose_button.setVisible(v.kind == TaskKind.COUNT_DIFFERENCES and v.entity == "order"
                                       and v.entity_id is not None and v.can_complete
                                       and s.can(Perm.OPEN_COMPLAINTS))
        self.claim_button.setEnabled(v.can_claim)
        self.done_button.setEnabled(v.can_complete)
        for b in (self.assign_button, self.reschedule_button, self.cancel_button):
            b.setVisible(s.can(Perm.ASSIGN_TASKS))
            b.setEnabled(v.can_assign)
        self.timeline.show_lines(window.history)

    def _run(self, action) -> None:
        if action(self.session, self.task_id, self):
            self.reload()
            self.changed.emit()
            if self.main is not None and hasattr(self.main, "refresh_all"):
                self.main.refresh_all()

    def open_proposed_complaint(self) -> None:
        from ui.screens.item_counts import open_proposed_complaint   # loaded when first needed

        if self.view is not None and open_proposed_complaint(self.session, self.view.entity_id, self) is not None:
            self.reload()
            self.changed.emit()
            if self.main is not None and hasattr(self.main, "refresh_all"):
                self.main.refresh_all()

    def open_subject(self) -> None:
        v = self.view
        if v and v.entity and v.entity_id is not None and self.main is not None and hasattr(self.main, "open_record"):
            self.main.open_record(v.entity, v.entity_id)
