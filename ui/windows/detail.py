"""The generic detail view: a record as its queue shows it, and its activity timeline."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from app.activity_labels import action_label, describe_change
from app.entities import ENTITY_LABELS
from app.i18n import _, fmt_datetime
from app.permissions import ROLE_LABELS, Role
from app.queries.queues import QUEUES
from app.services.activity import ActivityLine
from ui.common import named
from ui.format import row_cell_text
from ui.session import Session


class ActivityTimeline(QTreeWidget):
    """When, who (and in which role), what, before → after: the record's history, oldest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "activity_timeline", _("Activity"))
        self.setHeaderLabels([_("When"), _("Who"), _("Action"), _("Change"), _("Note")])
        self.setRootIsDecorated(False)
        self.setColumnWidth(0, 140)
        self.setColumnWidth(1, 180)
        self.setColumnWidth(2, 130)
        self.setColumnWidth(3, 320)

    def show_lines(self, lines: list[ActivityLine]) -> None:
        self.clear()
        for line in lines:
            try:
                role = _(ROLE_LABELS[Role(line.role)])
            except ValueError:
                role = line.role
            QTreeWidgetItem(self, [fmt_datetime(line.at), f"{line.actor_name} ({role})",
                                   action_label(line.entity, line.action),
                                   describe_change(line.flow or line.entity, line.before, line.after,
                                                   line.names), line.note])


class GenericDetail(QDialog):
    def __init__(self, session: Session, entity: str, entity_id: int, queue_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "detail_window", _("Details"))
        self.setWindowTitle(_("Details — {entity} {id}").format(
            entity=_(ENTITY_LABELS.get(entity, entity)), id=entity_id))
        queue = QUEUES[queue_name]
        record = session.call("queues.record", queue_name, entity, entity_id)   # row + history, one call
        row = record.row
        form = QFormLayout()
        for col in queue.columns:
            value = named(QLabel(row_cell_text(col, row)), f"detail_{col.key}")
            value.setWordWrap(True)
            form.addRow(_(col.title), value)
        timeline = ActivityTimeline()
        timeline.show_lines(record.history or [])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        named(close.button(QDialogButtonBox.StandardButton.Close), "detail_close").setText(_("Close"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Activity")))
        layout.addWidget(timeline, 1)
        layout.addWidget(close)
        self.resize(720, 520)
