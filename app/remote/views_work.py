"""Read models and small wrappers for the work screens (tasks, shipments, deliveries, outbox,
the shipments calendar, tracking-list imports), shaped for the wire.

A window that needs several reads for its first paint gets them here in one call (the task and
its history; the customer message and its history; the mail-server settings and whether a
password is stored). Documents are built on the server and returned as bytes: the desktop
writes or prints them. Nothing takes a callback or a path on the server side.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from decimal import Decimal

from app.db import Database
from app.errors import DomainError
from app.permissions import Actor, Role
from app.services import activity, deliveries, delays, outbox, parcel_imports, seals, shipments, tasks, users
from app.services import settings as settings_service
from app.services.activity import ActivityLine
from app.services.scanning import Outcome, ScanResult

#: the mail-server dialog's settings (read and written together)
MAIL_KEYS = ("mail.smtp_host", "mail.smtp_port", "mail.smtp_user", "mail.smtp_starttls", "mail.sender")


# -- tasks ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskWindow:
    """The task window's first paint: the task and its history."""

    task: tasks.TaskView
    history: tuple[ActivityLine, ...]


def task_window(db: Database, actor: Actor, task_id: int) -> TaskWindow:
    view = tasks.get_task(db, actor, task_id)
    return TaskWindow(view, tuple(activity.history(db, actor, "task", view.id)))


@dataclass(frozen=True)
class NewTaskForm:
    """The new-task dialog's first paint: the server's "now" (the default due time counts from
    it) and the people of the department shown first."""

    now: datetime
    people: tuple[tuple[int, str], ...]


def new_task_form(db: Database, actor: Actor, role: Role) -> NewTaskForm:
    return NewTaskForm(db.clock.now(), tuple(tuple(p) for p in users.staff_with_role(db, actor, role)))


@dataclass(frozen=True)
class AssignForm:
    """The assign dialog's first paint: the task and the people holding its role."""

    task: tasks.TaskView
    people: tuple[tuple[int, str], ...]


def assign_form(db: Database, actor: Actor, task_id: int) -> AssignForm:
    view = tasks.get_task(db, actor, task_id)
    return AssignForm(view, tuple(tuple(p) for p in users.staff_with_role(db, actor, Role(view.role))))


# -- shipments and deliveries ----------------------------------------------------------------------

@dataclass(frozen=True)
class ShipmentScan:
    """A scan's answer and the shipment as it is after it, in one call (a station scans all day:
    one round trip per scan). ``view`` is None when the shipment cannot be read back."""

    result: ScanResult
    view: shipments.ShipmentView | None


def _shipment_after(db: Database, actor: Actor, shipment_id: int | None) -> shipments.ShipmentView | None:
    if shipment_id is None:
        return None
    try:
        return shipments.get_shipment(db, actor, shipment_id)
    except DomainError:        # the scan stands; the window reads the shipment again itself
        return None


def shipment_pack_scan(db: Database, actor: Actor, shipment_id: int, raw_code: str) -> ShipmentScan:
    r = shipments.pack_scan(db, actor, shipment_id, raw_code)
    return ShipmentScan(r, _shipment_after(db, actor, shipment_id))


def shipment_receive_scan(db: Database, actor: Actor, shipment_id: int, raw_code: str,
                          weight_kg: Decimal | None = None) -> ShipmentScan:
    r = shipments.receive_scan(db, actor, shipment_id, raw_code, weight_kg)
    return ShipmentScan(r, _shipment_after(db, actor, shipment_id))


def shipment_arrive_scan(db: Database, actor: Actor, raw_code: str,
                         seal: seals.SealCheck | None = None) -> ShipmentScan:
    """The sack's code scanned at the receiving station (with its seal as read and its gross
    weight, once asked for): the shipment arrives and is shown."""
    r = shipments.arrive_scan(db, actor, raw_code, seal)
    sid = r.facts.get("shipment_id") if r.outcome is Outcome.SHIPMENT and r.facts else None
    return ShipmentScan(r, _shipment_after(db, actor, sid))


@dataclass(frozen=True)
class DeliveryScan:
    """A parcel scanned into a delivery's box and the delivery as it is after it, in one call."""

    result: ScanResult
    view: deliveries.DeliveryView | None


def delivery_pack_scan(db: Database, actor: Actor, delivery_id: int, raw_code: str, box_no: int = 1) -> DeliveryScan:
    r = deliveries.pack_scan(db, actor, delivery_id, raw_code, box_no)
    try:
        view = deliveries.get_delivery(db, actor, delivery_id)
    except DomainError:
        view = None
    return DeliveryScan(r, view)


def warehouses(db: Database, actor: Actor, country: str | None = None) -> list[tuple[int, str, str, str]]:
    """The active warehouses (id, code, name, country), of one country or all."""
    return [tuple(w) for w in shipments.warehouses(db, actor, country)]


def _document(write, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="importdesk-doc-") as folder:
        path = Path(folder) / f"document.{suffix}"
        written = write(path)
        return Path(written or path).read_bytes()


def manifest(db: Database, actor: Actor, shipment_id: int, kind: str = "pdf") -> bytes:
    """The shipment's manifest, PDF (travels with the sack) or XLSX (for partners), as bytes."""
    kind = "xlsx" if kind == "xlsx" else "pdf"
    return _document(lambda path: shipments.write_manifest(db, actor, shipment_id, path, kind), kind)


def delivery_note(db: Database, actor: Actor, delivery_id: int) -> bytes:
    """The delivery note PDF (page one inside the box, then a label per box), as bytes."""
    return _document(lambda path: deliveries.write_delivery_note(db, actor, delivery_id, path), "pdf")


# -- the outbox --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutboxMessageWindow:
    """One customer message and its history, for the message window's first paint."""

    message: outbox.OutboxMessageView
    history: tuple[ActivityLine, ...]


def outbox_message_window(db: Database, actor: Actor, message_id: int) -> OutboxMessageWindow:
    view = outbox.get_message(db, actor, message_id)
    return OutboxMessageWindow(view, tuple(activity.history(db, actor, "customer_message", view.id)))


@dataclass(frozen=True)
class MailServer:
    """The mail-server dialog's settings and whether a password is stored (never the password)."""

    values: dict[str, Any]
    has_password: bool


def mail_server(db: Database, actor: Actor) -> MailServer:
    has_password = outbox.smtp_password_is_set(db, actor)      # checks VIEW_SETTINGS
    values = settings_service.read_all(db)
    return MailServer({k: values[k] for k in MAIL_KEYS}, has_password)


def send_test_email(db: Database, actor: Actor, to_address: str) -> None:
    """``outbox.send_test_email`` through the real mail server (no transport passed in)."""
    outbox.send_test_email(db, actor, to_address)


# -- the shipments calendar ----------------------------------------------------------------------------

def _tz(utc_offset_minutes: int) -> timezone:
    return timezone(timedelta(minutes=utc_offset_minutes))


@dataclass(frozen=True)
class ShipmentsCalendar:
    """Counts for the days shown and the orders of the chosen day, in one call."""

    counts: dict[date, delays.DayCount]
    day: tuple[delays.ShipmentRow, ...]


def shipment_counts(db: Database, actor: Actor, first: date, last: date,
                    utc_offset_minutes: int) -> dict[date, delays.DayCount]:
    """``delays.shipment_counts`` with the desktop's time zone as its offset from UTC."""
    return delays.shipment_counts(db, actor, first, last, _tz(utc_offset_minutes))


def shipments_on(db: Database, actor: Actor, day: date, utc_offset_minutes: int) -> list[delays.ShipmentRow]:
    return delays.shipments_on(db, actor, day, _tz(utc_offset_minutes))


def shipments_calendar(db: Database, actor: Actor, first: date, last: date, day: date,
                       utc_offset_minutes: int) -> ShipmentsCalendar:
    tz = _tz(utc_offset_minutes)
    return ShipmentsCalendar(delays.shipment_counts(db, actor, first, last, tz),
                             tuple(delays.shipments_on(db, actor, day, tz)))


# -- tracking-list imports -------------------------------------------------------------------------------

def import_parcels(db: Database, actor: Actor, warehouse_id: int, file_name: str, content: bytes,
                   columns: dict[str, str] | None = None,
                   without_weights: bool = False) -> parcel_imports.ImportResult:
    """``parcel_imports.import_parcels`` without a progress callback: the whole file or nothing."""
    return parcel_imports.import_parcels(db, actor, warehouse_id, file_name, content, None,
                                         columns=columns, without_weights=without_weights)
