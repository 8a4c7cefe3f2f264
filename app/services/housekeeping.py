"""The jobs a timer runs on every desktop (and ``main.py housekeeping`` runs from cron).

Each job is safe to run on several desktops at once and to repeat; one failing does not stop
the others. Time passing is what these react to: overdue tasks, dates that slipped, feedback
windows that closed, carts left too long, parcels that never came, shops that never shipped, sellers' after-sale windows closing; and
the embedded database's daily backup.
"""
from __future__ import annotations

import logging
from typing import Callable

from app.db import Database
from app.services.backup import daily_backup
from app.services.delays import measure_stage_durations, refresh_delay_flags
from app.services.feedback import complete_after_feedback_window
from app.services.orders import expire_carts
from app.services.parcels import flag_lost_parcels
from app.services.purchasing import chase_missing_tracking_codes
from app.services.seller_complaints import warn_seller_deadlines
from app.services.tasks import escalate_overdue

log = logging.getLogger(__name__)

#: (name, job) in the order they run: durations before the flags that use them
JOBS: tuple[tuple[str, Callable[[Database], object]], ...] = (
    ("carts_expired", expire_carts),
    ("parcels_lost", flag_lost_parcels),
    ("shops_chased", chase_missing_tracking_codes),
    ("seller_deadlines", warn_seller_deadlines),
    ("escalated_tasks", escalate_overdue),
    ("stage_durations", lambda db: len(measure_stage_durations(db))),
    ("delay_flags_changed", refresh_delay_flags),
    ("orders_completed", complete_after_feedback_window),
    ("daily_backup", daily_backup),   # the embedded database's copy, once a day
)


def run_housekeeping(db: Database) -> dict[str, object]:
    """Run every job once; returns what each did (or the error it hit)."""
    results: dict[str, object] = {}
    for name, job in JOBS:
        try:
            results[name] = job(db)
        except Exception as exc:  # noqa: BLE001 — logged; the next run tries again
            log.exception("housekeeping job %s failed", name)
            results[name] = exc
    return results
