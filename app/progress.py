"""Progress and cancel for long work (exports, imports, reports), without Qt.

Long-running functions take a ``progress`` argument and call ``progress.update(done, total)``
every few hundred rows; ``update`` raises ``Cancelled`` once the user pressed Cancel. The UI's
background helper (ui/background.py) supplies a Qt-backed implementation; tests and the CLI use
``NullProgress`` or ``RecordingProgress``.
"""
from __future__ import annotations

import threading
from typing import Protocol


class Cancelled(Exception):
    """The user cancelled; whatever was half-written has been cleaned up."""


class Progress(Protocol):
    def update(self, done: int, total: int | None = None, label: str | None = None) -> None: ...


class NullProgress:
    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        return None


class CancellableProgress:
    """Thread-safe progress that remembers the last figures and raises once cancelled."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self.done = 0
        self.total: int | None = None
        self.label: str | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        self.done, self.total = done, total if total is not None else self.total
        if label is not None:
            self.label = label
        if self._cancel.is_set():
            raise Cancelled()


# -- progress of a call that cannot take a callback -----------------------------------------------

_scope = threading.local()


class reporting_to:
    """``with reporting_to(progress): session.call("stats.export", ...)`` — a declared operation
    cannot take a callback (it may run on the server), so a long one reports to
    ``current_progress()``: the caller's progress when it runs in-process on the same thread,
    ``NullProgress`` on a server (there the desktop shows a busy dialog and Cancel drops the result)."""

    def __init__(self, progress: "Progress | None") -> None:
        self.progress = progress

    def __enter__(self) -> "Progress | None":
        self._previous = getattr(_scope, "progress", None)
        _scope.progress = self.progress
        return self.progress

    def __exit__(self, *exc: object) -> None:
        _scope.progress = self._previous


def current_progress() -> Progress:
    """The progress the caller on this thread reports to (``NullProgress`` if none)."""
    return getattr(_scope, "progress", None) or NullProgress()
