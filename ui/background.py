"""Long work off the UI thread: progress after a short delay, Cancel, result back on the UI thread.

``run_in_background(parent, fn, on_done, ...)`` calls ``fn(progress)`` on a worker thread;
``progress.update(done, total, label)`` moves the dialog and raises ``Cancelled`` after Cancel.
Quick work never flashes a dialog (it appears after 600 ms). The callbacks run on the UI thread.
"""
from __future__ import annotations

import itertools
import os
import queue
import sys
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from app.i18n import _
from app.progress import CancellableProgress, Cancelled

#: jobs started and not yet reported, by key: a job lives until the UI thread takes its report
_running: dict[int, "BackgroundJob"] = {}
#: (succeeded, result or exception) of a job whose worker has finished, until the UI thread takes it
_reports: dict[int, tuple[bool, Any]] = {}
_keys = itertools.count(1)

# While a worker runs Python (an export writing rows), the UI thread must take the GIL for every
# call Qt makes into Python (each overridden method of our widgets and models, every cell of a
# table being painted) and may wait up to the switch interval for each. At CPython's 5 ms, a
# window repainting beside an export froze for a second (measured); at 1 ms it stays live, and the
# worker loses a few per cent to the extra switches.
sys.setswitchinterval(0.001)


class _Relay(QObject):
    """Tells the UI thread that a job's worker has finished. Made once, on the UI thread, and never
    destroyed: the worker emits on an object that cannot go away under it."""

    reported = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.reported.connect(self._reported)

    @Slot(int)
    def _reported(self, key: int) -> None:
        job = _running.pop(key, None)
        succeeded, value = _reports.pop(key, (False, None))
        if job is None:
            return
        if succeeded:
            job._finished(value)
        else:
            job._failed(value)


_relay: _Relay | None = None


def _the_relay() -> _Relay:
    global _relay
    if _relay is None:      # on the UI thread: the first job is started there
        _relay = _Relay()
    return _relay


class _QtProgress(CancellableProgress):
    pass


def _work(key: int) -> None:
    """Runs one job's ``fn`` on a worker thread and reports by the job's key.

    The worker never holds the last reference to anything Qt. The job (with its progress dialog,
    and the screen its ``fn`` refers to) and its result or exception (whose traceback holds the
    frames of ``fn``) stay in module dictionaries that only the UI thread empties, and the worker
    lets go of all of them before it reports with a number. An object whose last reference goes
    on a worker is destroyed there, beside the UI thread using it: a crash inside Qt (ui.collector
    closes the same door for the garbage collector)."""
    job = _running[key]
    fn, progress = job.fn, job.progress
    job = None
    try:
        _reports[key] = (True, fn(progress))
    except BaseException as exc:  # reported on the UI thread
        _reports[key] = (False, exc)
    fn = None
    try:
        _relay.reported.emit(key)
    except RuntimeError:   # the app is closing and took the receiver with it
        pass


class _Workers:
    """The threads that run the jobs: plain Python daemon threads taking job keys from a queue.

    Not Qt's thread pool: it needs each job wrapped in a Python-made ``QRunnable``, which the pool
    deletes (wrapper and all) on its worker thread when the job is done, a Qt object destroyed
    off the UI thread on every job. A full test run had a worker process die with a segmentation
    fault on a thread holding Python's lock but no Python frame while a screen's job was running;
    the pool's deletion of the runnable is the one thing our code had such a thread do. Here a
    worker touches no Qt object but the relay's signal. As many threads as Qt's pool had (one per
    core, at least two); a job waits for a free one. Daemon threads: quitting never waits for a
    call still in flight."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, key: int) -> None:
        with self._lock:
            if not self.threads:
                for n in range(self.size):
                    t = threading.Thread(target=self._loop, name=f"importdesk-job-{n + 1}", daemon=True)
                    t.start()
                    self.threads.append(t)
        self.queue.put(key)

    def _loop(self) -> None:
        while True:
            _work(self.queue.get())


_workers = _Workers(max(2, min(os.cpu_count() or 2, 8)))


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
        _the_relay()
        key = next(_keys)
        _running[key] = self
        _workers.submit(key)

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

    def _gone(self) -> bool:
        """The screen that asked for the work was closed meanwhile: drop the result."""
        owner = self._owner
        return not isValid(self) or (owner is not None and not isValid(owner))

    def _finished(self, result: Any) -> None:
        if self._gone():
            return
        self._close()
        self.on_done(result)

    def _failed(self, exc: BaseException) -> None:
        if self._gone():
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
