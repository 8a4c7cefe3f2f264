"""Long work off the UI thread: progress after a short delay, Cancel, result back on the UI thread.

``run_in_background(parent, fn, on_done, ...)`` calls ``fn(progress)`` on a worker thread;
``progress.update(done, total, label)`` moves the dialog and raises ``Cancelled`` after Cancel.
Quick work never flashes a dialog (it appears after 600 ms). The callbacks run on the UI thread.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from app.i18n import _
from app.progress import CancellableProgress, Cancelled

_running: set["BackgroundJob"] = set()  # keep jobs alive until they report back

# While a worker runs Python (an export writing rows), the UI thread must take the GIL for every
# call Qt makes into Python (each overridden method of our widgets and models, every cell of a
# table being painted) and may wait up to the switch interval for each. At CPython's 5 ms, a
# window repainting beside an export froze for a second (measured); at 1 ms it stays live, and the
# worker loses a few per cent to the extra switches.
sys.setswitchinterval(0.001)


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)


class _QtProgress(CancellableProgress):
    pass


class BackgroundJob(QObject):
    def __init__(self, parent: QWidget | None, fn: Callable[[CancellableProgress], Any],
                 on_done: Callable[[Any], None], on_error: Callable[[BaseException], None] | None,
                 label: str | None, show_progress: bool) -> None:
        # Not a child of ``parent``: a job deleted with its closing window while its worker is about
        # to report would receive a queued call on a dead object; it lives until it has reported
        # (``_running``) and drops the result when the window is gone.
        super().__init__(None)
        self._owner = parent
        self.fn, self.on_done, self.on_error = fn, on_done, on_error
        self.progress = _QtProgress()
        self.signals = _Signals()
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        self.dialog: QProgressDialog | None = None
        if show_progress:
            self.dialog = QProgressDialog(label or _("Working…"), _("Cancel"), 0, 0, parent)
            self.dialog.setObjectName("progress_dialog")
            self.dialog.setAccessibleName("progress")
            self.dialog.setMinimumDuration(600)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.canceled.connect(self.progress.cancel)
            self._timer = QTimer(self)
            self._timer.timeout.connect(self._tick)
            self._timer.start(150)

    def start(self) -> None:
        _running.add(self)
        job = self

        class Runner(QRunnable):
            def run(self) -> None:  # worker thread: never touch a widget here
                try:
                    result = job.fn(job.progress)
                except BaseException as exc:  # reported on the UI thread
                    outcome, value = job.signals.failed, exc
                else:
                    outcome, value = job.signals.finished, result
                try:
                    outcome.emit(value)
                except RuntimeError:   # the app is closing and took the receiver with it
                    pass

        QThreadPool.globalInstance().start(Runner())

    def _tick(self) -> None:
        if self.dialog is None:
            return
        p = self.progress
        if p.total:
            self.dialog.setMaximum(p.total)
            self.dialog.setValue(min(p.done, p.total))
        if p.label:
            self.dialog.setLabelText(p.label)

    def _close(self) -> None:
        if self.dialog is not None:
            self._timer.stop()
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
        _running.discard(self)

    def _gone(self) -> bool:
        """The screen that asked for the work was closed meanwhile: drop the result."""
        owner = self._owner
        return not isValid(self) or (owner is not None and not isValid(owner))

    @Slot(object)
    def _finished(self, result: Any) -> None:
        if self._gone():
            _running.discard(self)
            return
        self._close()
        self.on_done(result)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        if self._gone():
            _running.discard(self)
            return
        self._close()
        if self.on_error is not None:
            self.on_error(exc)
        elif not isinstance(exc, Cancelled):
            from ui.common import report_error

            report_error(self._owner, exc)


def run_in_background(parent: QWidget | None, fn: Callable[[CancellableProgress], Any],
                      on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None] | None = None,
                      label: str | None = None, show_progress: bool = True) -> BackgroundJob:
    job = BackgroundJob(parent, fn, on_done, on_error, label, show_progress)
    job.start()
    return job


def running_jobs() -> int:
    return len(_running)
