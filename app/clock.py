"""Where "now" comes from: the system clock in the app, a settable clock in tests.

Services never call datetime.now(); they ask ``db.clock.now()`` so time rules (overdue tasks,
expiring carts, lost parcels, feedback windows) are tested by moving the clock, not by sleeping.
All times are timezone-aware UTC; the UI converts to local time for display.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


class FixedClock:
    """A clock a test can set and move forward."""

    def __init__(self, at: datetime | None = None) -> None:
        self._at = at or datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at

    def advance(self, **kwargs: float) -> datetime:
        self._at = self._at + timedelta(**kwargs)
        return self._at


def local_day(at):
    """The day a customer reads for a moment (the forecast's date, not its minute); '—' for none."""
    return at.astimezone().date() if at is not None else "—"
