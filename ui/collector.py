"""Python's cyclic garbage collector runs on the UI thread only, once the window is up.

CPython collects on whichever thread happens to allocate past the collector's threshold: a worker
writing an export, the live-update watcher, the sign-out thread. A reference cycle that holds a
Qt object (a dialog whose wrapper refers to itself, a widget kept by a lambda it owns) is freed by
that collection, so its C++ destructor runs on the worker while the UI thread paints or delivers
an event to it: a segmentation fault inside Qt with no Python frame. That is how a CI worker died
in the desktop-on-a-server test, whose in-process server thread allocates on every call; a
30-line script destroying dialogs from a collecting thread beside a busy event loop crashes the
same way within seconds.

So the desktop turns automatic collection off and ``UiThreadCollector`` does the collector's own
arithmetic on a UI-thread timer: every ``INTERVAL_MS`` it collects the oldest generation whose
count has passed its threshold, exactly what the automatic collector would have done at the next
allocation. Nested event loops (a modal dialog, a progress dialog) run the timer too. The cost is
a ``gc.get_count()`` four times a second; garbage made by a worker waits at most that long.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: how often the UI thread looks at the collector's counts
INTERVAL_MS = 250

_installed: "UiThreadCollector | None" = None


class UiThreadCollector(QObject):
    """Made on the UI thread (its timer fires there). ``start()`` turns automatic collection off,
    ``stop()`` turns it back on."""

    def __init__(self, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__()
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()

    def check(self) -> int:
        """Collect the oldest generation over its threshold (none: nothing to do); the number of
        unreachable objects found."""
        counts = gc.get_count()
        generation = -1
        for gen, (count, threshold) in enumerate(zip(counts, self.thresholds)):
            if threshold <= 0 or count <= threshold:
                break
            generation = gen
        if generation < 0:
            return 0
        return gc.collect(generation)


def collect_on_ui_thread() -> UiThreadCollector:
    """Called on the UI thread once start-up is over (``ui.app.collect_garbage_again``); calling
    again keeps the one collector."""
    global _installed
    if _installed is None:
        _installed = UiThreadCollector()
    _installed.start()
    return _installed


def stop_collecting_on_ui_thread() -> None:
    """Back to CPython's automatic collection (tests, between one screen test and a service one)."""
    global _installed
    collector, _installed = _installed, None
    if collector is not None:
        collector.stop()
        collector.deleteLater()
