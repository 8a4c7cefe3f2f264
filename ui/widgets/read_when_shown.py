"""Tabs of a record's window that read their own data do so when they are first shown, not with
the window's first paint.

Over an application server every read is a round trip the person waits for: an order window
whose five capability tabs each read at once took five sequential requests (measured: 5 round
trips, ~400 ms at a 50 ms link, in benchmarks/remote.py) where the header, items and chats come
in one. A tab made with ``ReadWhenShown`` reads on its first ``showEvent``; after the window
reloads (``refresh(view)``) a visible tab reads again at once and a hidden one when next shown.

    class OrderMoneyTab(ReadWhenShown, QWidget):
        def load(self) -> None:        # the read and the filling, as refresh did before
            ...
"""
from __future__ import annotations

from typing import Any


class ReadWhenShown:
    """Mixed into a QWidget tab that defines ``load()`` (its read and filling)."""

    view: Any = None
    _stale = True

    def refresh(self, view: Any = None) -> None:
        """The order (or record) changed: read again now if shown, else when next shown."""
        if view is not None:
            self.view = view
        self._stale = True
        if self.isVisible():  # type: ignore[attr-defined]
            self.read_now()

    def read_now(self) -> None:
        self._stale = False
        self.load()  # type: ignore[attr-defined]

    def showEvent(self, event) -> None:  # noqa: N802 — Qt's name
        super().showEvent(event)  # type: ignore[misc]
        if self._stale:
            self.read_now()
