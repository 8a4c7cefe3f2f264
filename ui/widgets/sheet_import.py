"""The frame shared by the dialogs that import a whole spreadsheet (a partner's tracking list, a
carrier's bill): choose the file (the desktop reads its bytes; the server reads the columns), see
how each column is read and map one by hand, read the row preview, import the whole file or
nothing. A dialog names its widgets with its prefix and says what is its own: the call that
previews, the rows of the preview, the ready line, the import call and what follows it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableWidget, QVBoxLayout, QWidget

from app.errors import DomainError, ValidationFailed
from app.progress import Cancelled
from app.i18n import _
from app.import_columns import SHEET_PATTERNS, Schema
from ui.common import ask_open_path, named, report_error
from ui.screens.warehouse_common import FieldDialog
from ui.session import Session
from ui.widgets.column_map import ColumnMapTable, problems_label


#: a file larger than this is previewed in the background (a 60,000-row list takes seconds to read)
PREVIEW_IN_BACKGROUND = 256 * 1024


class SheetImportDialog(FieldDialog):
    """Builds ``{prefix}_choose``, ``{prefix}_file``, ``{prefix}_problems``, ``{prefix}_columns``,
    ``{prefix}_summary``, ``{prefix}_run`` and ``{prefix}_close``; the subclass builds ``self.table``
    (the preview) and its own fields, then calls ``lay_out``.

    The subclass defines what is its own:

    - ``preview_call(name, content) -> (operation, args, kwargs)``: the call that previews the file
      (its answer has ``.columns``, ``.problems``, ``.rows``, ``.ok``, ``.error_count``), or None
      after saying in the summary why there is none yet. A big file is previewed off the UI thread
      (``PREVIEW_IN_BACKGROUND``) with a progress dialog whose Cancel drops the preview;
    - ``show_rows(preview)``: fill ``self.table``;
    - ``ready_text(preview) -> str``: the summary of a file that can be imported;
    - ``import_call(name, content) -> (operation, args, kwargs)``: the call that imports it;
    - ``imported(result)``: what follows a successful import;
    - optionally ``preview_failed()``.
    """

    table: QTableWidget

    def __init__(self, session: Session, schema: Schema, prefix: str, *, run_label: str, file_title: str,
                 file_kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.file_title, self.file_kind = file_title, file_kind
        self.path: Path | None = None
        self.content = b""
        self.preview_data: Any = None
        self._previews = 0                  # the latest preview asked for; an older answer is dropped
        self.file_label = named(QLabel(_("No file chosen")), f"{prefix}_file")
        self.choose_button = named(QPushButton(_("Choose file…")), f"{prefix}_choose")
        self.choose_button.clicked.connect(lambda: self.choose())
        self.problems = problems_label(f"{prefix}_problems")
        self.columns = ColumnMapTable(schema, prefix)
        self.columns.chosen.connect(self.preview)
        self.summary = named(QLabel(""), f"{prefix}_summary")
        self.summary.setWordWrap(True)
        self.import_button = named(QPushButton(run_label), f"{prefix}_run")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run)
        self.close_button = named(QPushButton(_("Close")), f"{prefix}_close")
        self.close_button.clicked.connect(self.reject)

    def lay_out(self, top: QHBoxLayout, *extra: QWidget) -> None:
        """``top`` (the dialog's own fields with the file chooser), the problems, ``extra``, the
        columns, the preview, and the summary with Import and Close."""
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.problems)
        for widget in extra:
            layout.addWidget(widget)
        layout.addWidget(QLabel(_("How the file's columns are read:")))
        layout.addWidget(self.columns, 1)
        layout.addWidget(self.table, 2)
        layout.addLayout(bottom)

    def _new_source(self) -> None:
        # another file or another source: choices made for the previous one do not carry over
        self.columns.clear_choices()
        self.preview()

    def choose(self, path: str | None = None) -> None:
        if path is None:
            path = ask_open_path(self, self.file_title, self.file_kind + f" ({SHEET_PATTERNS})")
        if path:
            try:
                content = Path(path).read_bytes()      # read here; the server gets the bytes
            except OSError as exc:
                report_error(self, exc)
                return
            self.path, self.content = Path(path), content
            self.file_label.setText(str(self.path))
            self._new_source()

    # -- what each dialog says for itself (see the class's docstring) ------------------------------
    def preview_failed(self) -> None:
        """The preview could not be read: hide what belongs to the last one (nothing by default)."""

    # -- the flow ----------------------------------------------------------------------------------
    def preview(self) -> None:
        if self.path is None:
            return
        self.import_button.setEnabled(False)
        self._previews += 1
        token = self._previews
        call = self.preview_call(self.path.name, self.content)
        if call is None:
            return
        op, args, kwargs = call
        if len(self.content) <= PREVIEW_IN_BACKGROUND:
            try:
                pv = self.session.call(op, *args, **kwargs)
            except (ValidationFailed, DomainError) as exc:
                self._preview_refused(exc)
                return
            self._show_preview(pv)
            return
        from ui.background import run_in_background

        s = self.session
        self.summary.setText(_("Reading the file…"))

        def done(pv: Any) -> None:
            if token != self._previews:
                return                      # another file or another choice was asked for since
            if job.progress.cancelled:
                self._preview_refused(None)
                return
            self._show_preview(pv)

        def failed(exc: BaseException) -> None:
            if token != self._previews:
                return
            if job.progress.cancelled:
                exc = Cancelled()
            if isinstance(exc, (ValidationFailed, DomainError, Cancelled)):
                self._preview_refused(None if isinstance(exc, Cancelled) else exc)
            else:
                self._preview_refused(None)
                report_error(self, exc)

        job = run_in_background(self, lambda p: s.call(op, *args, **kwargs), done, failed,
                                label=_("Reading {name}…").format(name=self.path.name))

    def _preview_refused(self, exc: BaseException | None) -> None:
        """No preview: the file was refused (``exc`` says why) or its reading cancelled (None)."""
        self.preview_data = None
        self.table.setRowCount(0)
        self.columns.setRowCount(0)
        self.problems.hide()
        self.preview_failed()
        self.summary.setText(str(exc) if exc is not None else _("Reading the file was cancelled: nothing was "
                                                                 "imported. Choose the file again to read it."))

    def _show_preview(self, pv: Any) -> None:
        self.preview_data = pv
        self.columns.show_columns(pv.columns)
        self.problems.setText("\n".join(pv.problems))
        self.problems.setVisible(bool(pv.problems))
        self.show_rows(pv)
        if pv.ok:
            self.summary.setText(self.ready_text(pv))
        elif pv.problems:
            self.summary.setText(_("Nothing can be imported until the problems at the top are solved."))
        else:
            self.summary.setText(_("{bad} of {n} rows have problems (in red). Correct the file and choose it "
                                   "again: the file is imported whole or not at all.").format(
                bad=pv.error_count, n=len(pv.rows)))
        self.import_button.setEnabled(pv.ok)

    def run(self) -> None:
        from ui.background import run_in_background

        s = self.session
        op, args, kwargs = self.import_call(self.path.name, self.content)
        self.import_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.preview()
            report_error(self, exc)

        run_in_background(self, lambda p: s.call(op, *args, **kwargs), self.imported, failed,
                          label=_("Importing…"))
