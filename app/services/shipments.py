"""Shipments (bao hàng, 集包): open one for a route, scan parcels in, seal, depart; at the other
end scan the shipment, then its parcels (re-weighed), and close it with a reconciliation.

The same functions carry returns to China (Vietnam → China): parcels a complaint sends back are
scanned into a ``to_cn`` shipment in Vietnam and received back in China.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, UnweighedParcels, ValidationFailed
from app.i18n import Lazy, Message, N_, _
from app.models import (ComplaintLine, ComplaintPlan, ComplaintRemedy, Customer, Order, Parcel, Shipment,
                        ShipmentParcel, User, Warehouse)
from app.permissions import Actor, Perm, Role, require
from app.services import files, seals
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.alerts import alert_detail, alert_title, open_alerts
from app.services.notifications import notify_staff, staff_ids_with_role
from app.services.parcels import OWNERLESS_SHELF, shelf_for
from app.workflows.parcels import shelf_label
from app.services.scanning import (Measurements, Outcome, ScanResult, check_measurements,
                                   fmt_kg, follow_orders, refused)
from app.services.writes import log_event
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.services.unique import broken_constraint
from app.text import search_blob
from app.tracking import carrier_of, is_plausible, normalize_code
from app.workflows.parcels import PARCEL_FLOW, PARCEL_STATUS_LABELS, ParcelStatus, Stage
from app.workflows.shipments import (DIRECTION_LABELS, PACKABLE, PACKERS, RECEIVE_STAGE, RECEIVERS,
                                     SHIPMENT_FLOW,
                                     SHIPMENT_STATUS_LABELS, Direction, ShipmentStatus)
from app.workflows.complaints import RemedyKind
from app.workflows.tasks import TaskKind

SH = ShipmentStatus
#: what a parcel becomes in a shipment of each direction (what it must be: ``PACKABLE``)
_PACK_ACTION = {Direction.TO_VN: "pack", Direction.TO_CN: "pack_return"}
_UNPACK_ACTION = {Direction.TO_VN: "unpack", Direction.TO_CN: "unpack_return"}
RETURN_SHELF = "RETURN"
#: who fixes what a reconciliation finds at the warehouse the shipment came from
ORIGIN_TEAM = {Direction.TO_VN: Role.FORWARDER_CN, Direction.TO_CN: Role.WAREHOUSE_VN}


def _load(tx: Session, shipment_id: int, lock: bool = True) -> Shipment:
    sh = tx.get(Shipment, shipment_id, with_for_update=lock)
    if sh is None:
        raise NotFound(what=Lazy(N_("The shipment")))
    return sh


def _require_side(actor: Actor, sh: Shipment, packing: bool) -> None:
    """Packing is done where the shipment leaves from, receiving where it arrives."""
    direction = Direction(sh.direction)
    if packing:
        require(actor, Perm.PACK_SHIPMENTS)
        allowed = PACKERS[direction]
    else:
        require(actor, Perm.RECEIVE_VN if direction is Direction.TO_VN else Perm.RECEIVE_CN)
        allowed = RECEIVERS[direction]
    if actor.role is not Role.SYSTEM and actor.role not in allowed:
        from app.errors import PermissionDenied
        from app.permissions import ROLE_LABELS

        raise PermissionDenied(role=Lazy(ROLE_LABELS[actor.role]),
                               what=Lazy(N_("pack and send this shipment") if packing
                                         else N_("receive this shipment")))


# -- opening and packing --------------------------------------------------------------------------

def open_shipment(db: Database, actor: Actor, origin_warehouse_id: int, destination_warehouse_id: int,
                  note: str = "", transport: str = "") -> int:
    """A new, empty shipment from one warehouse to another: China → Vietnam, or a return
    (Vietnam → China, its note says why)."""
    require(actor, Perm.PACK_SHIPMENTS)
    with db.transaction() as tx:
        origin = tx.get(Warehouse, origin_warehouse_id)
        dest = tx.get(Warehouse, destination_warehouse_id)
        if origin is None or dest is None or {origin.country, dest.country} != {"CN", "VN"}:
            raise ValidationFailed({"route": _("A shipment goes from a China warehouse to a Vietnam "
                                               "warehouse, or back.")})
        direction = Direction.TO_VN if origin.country == "CN" else Direction.TO_CN
        if direction is Direction.TO_CN and not note.strip():
            raise ValidationFailed({"note": _("Say why these goods go back to China (the complaint).")})
        if actor.role is not Role.SYSTEM and actor.role not in PACKERS[direction]:
            from app.errors import PermissionDenied
            from app.permissions import ROLE_LABELS

            raise PermissionDenied(role=Lazy(ROLE_LABELS[actor.role]),
                                   what=Lazy(N_("pack and send this shipment")))
        return new_shipment(tx, actor, origin, dest, direction, note, transport).id


def return_parcels(tx: Session, shipment_id: int) -> set[int] | None:
    """The parcels a complaint's return shipment is for; None when the shipment is no complaint's."""
    plan_id = tx.scalar(select(ComplaintRemedy.plan_id).where(
        ComplaintRemedy.shipment_id == shipment_id, ComplaintRemedy.kind == RemedyKind.RETURN_CN.value).limit(1))
    if plan_id is None:
        return None
    complaint_id = tx.scalar(select(ComplaintPlan.complaint_id).where(ComplaintPlan.id == plan_id))
    return set(tx.scalars(select(ComplaintLine.parcel_id).where(ComplaintLine.complaint_id == complaint_id,
                                                               ComplaintLine.parcel_id.isnot(None))))


def new_shipment(tx: Session, actor: Actor, origin: Warehouse, dest: Warehouse, direction: Direction,
                 note: str = "", transport: str = "") -> Shipment:
    """An open shipment, in the caller's transaction (a complaint's plan opens its return)."""
    at = now(tx)
    sh = Shipment(code=f"~{uuid.uuid4().hex[:16]}", direction=direction.value,
                  origin_warehouse_id=origin.id, destination_warehouse_id=dest.id,
                  status=SH.OPEN.value, note=note.strip(), transport=transport.strip()[:200],
                  created_at=at, created_by_id=actor.user_id, updated_at=at)
    tx.add(sh)
    tx.flush()
    sh.code = f"{'BH' if direction is Direction.TO_VN else 'HT'}{sh.id:07d}"
    record(tx, actor, "shipment", sh.id, "opened",
           after={"code": sh.code, "route": f"{origin.code} → {dest.code}", "direction": direction.value},
           note=sh.note)
    return sh


def _facts(sh: Shipment) -> dict:
    return {"shipment": sh.code, "parcels": sh.parcel_count, "net_kg": sh.net_weight_kg,
            "received": sh.received_count, "extra": sh.extra_count}


def pack_scan(db: Database, actor: Actor, shipment_id: int, raw_code: str) -> ScanResult:
    """Scan one parcel into an open shipment; a parcel of another destination, one already packed,
    one not received or not yet matched to an owner is refused with the reason."""
    require(actor, Perm.PACK_SHIPMENTS)
    code = normalize_code(raw_code)
    if not is_plausible(code):
        return refused(raw_code)
    with db.transaction() as tx:
        return pack_in_transaction(tx, actor, shipment_id, code)


def pack_in_transaction(tx: Session, actor: Actor, shipment_id: int, code: str) -> ScanResult:
    """``pack_scan`` inside the caller's transaction (a station's journalled scan), the code normalised."""
    sh = _load(tx, shipment_id)
    _require_side(actor, sh, packing=True)
    direction = Direction(sh.direction)
    if sh.status != SH.OPEN:
        return ScanResult(Outcome.WRONG, code, _("Shipment {code} is sealed").format(code=sh.code),
                          _("Reopen it (with a reason) to add parcels."), facts=_facts(sh))
    p = tx.scalar(select(Parcel).where(Parcel.tracking_code == code).with_for_update())
    if p is None:
        return ScanResult(Outcome.WRONG, code, _("Unknown parcel — receive it first"),
                          _("{code} was never received in this warehouse. Receive it at the "
                            "receiving station, then pack it.").format(code=code), facts=_facts(sh))
    order = tx.get(Order, p.order_id) if p.order_id else None
    customer = tx.get(Customer, p.customer_id) if p.customer_id else None
    ccode, ocode = (customer.code if customer else ""), (order.code if order else "")
    alerts = open_alerts(tx, Stage.PACK, code, p.order_id)
    if alerts:
        return ScanResult(Outcome.ALERT, code, alert_title(alerts), alert_detail(alerts), p.id,
                          ccode, ocode, alerts=alerts, facts=_facts(sh))

    def wrong(title: str, detail: str = "") -> ScanResult:
        return ScanResult(Outcome.WRONG, code, title, detail, p.id, ccode, ocode, p.shelf,
                          facts=_facts(sh))

    if p.shipment_id == sh.id and p.status in (ParcelStatus.PACKED, ParcelStatus.RETURNING):
        return ScanResult(Outcome.ALREADY, code, _("Already in this shipment"),
                          _("{n} parcels in {code}.").format(n=sh.parcel_count, code=sh.code),
                          p.id, ccode, ocode, p.shelf, facts=_facts(sh))
    if p.status in (ParcelStatus.PACKED, ParcelStatus.RETURNING):
        other = tx.get(Shipment, p.shipment_id)
        return wrong(_("Already packed in {code}").format(code=other.code if other else "?"),
                     _("Take it out of that shipment first if it must travel in this one."))
    if direction is Direction.TO_CN:
        # A complaint's return carries its own parcels only; goods the customer already had
        # come back over the counter and are packed on the same scan.
        listed = return_parcels(tx, sh.id)
        if listed is not None and p.id not in listed:
            return wrong(_("Not part of this return"),
                         _("Shipment {code} carries only the parcels of its complaint.").format(code=sh.code))
        if listed is not None and p.status == ParcelStatus.DELIVERED:
            PARCEL_FLOW.apply(p, "take_back", actor, _("Returned by the customer for a complaint"))
            p.warehouse_id, p.shelf = sh.origin_warehouse_id, RETURN_SHELF
            log_event(tx, actor, now(tx), "parcel", p.id, "take_back", {"status": ParcelStatus.DELIVERED.value},
                      {"status": p.status, "shipment": sh.code})
    packable = PACKABLE[direction]
    if p.status not in (packable if isinstance(packable, tuple) else (packable,)):
        return wrong(_("Cannot pack: the parcel is {status}").format(
            status=_(PARCEL_STATUS_LABELS[p.status]).lower()))
    if p.warehouse_id != sh.origin_warehouse_id:
        here = tx.get(Warehouse, p.warehouse_id) if p.warehouse_id else None
        return wrong(_("This parcel is in another warehouse ({code})").format(code=here.code if here else "—"))
    if p.ownerless:
        return wrong(_("Ownerless parcel — match it to an order first"),
                     _("A parcel travels to its owner's warehouse; find its owner in the ownerless queue."))
    if direction is Direction.TO_VN and p.destination_warehouse_id != sh.destination_warehouse_id:
        dest = tx.get(Warehouse, p.destination_warehouse_id) if p.destination_warehouse_id else None
        mine = tx.get(Warehouse, sh.destination_warehouse_id)
        return wrong(_("Wrong destination: this parcel goes to {dest}").format(
            dest=dest.name if dest else _("no warehouse yet")),
            _("Shipment {code} goes to {mine}. Put the parcel aside for a shipment to its own "
              "destination.").format(code=sh.code, mine=mine.name))
    at = now(tx)
    before = p.status
    PARCEL_FLOW.apply(p, _PACK_ACTION[direction], actor)
    p.shipment_id, p.packed_at, p.updated_at = sh.id, at, at
    p.version += 1
    weight = p.weight_kg if direction is Direction.TO_VN else (p.vn_weight_kg or p.weight_kg)
    tx.add(ShipmentParcel(shipment_id=sh.id, parcel_id=p.id, packed_at=at, packed_by_id=actor.user_id,
                          weight_kg=weight))
    sh.parcel_count += 1
    sh.net_weight_kg = sh.net_weight_kg + (p.weight_kg or Decimal(0))
    sh.updated_at = at
    log_event(tx, actor, at, "parcel", p.id, _PACK_ACTION[direction], {"status": before},
              {"status": p.status, "shipment": sh.code})
    counts = _("{n} parcels in {code}, {kg} kg.").format(n=sh.parcel_count, code=sh.code,
                                                         kg=fmt_kg(sh.net_weight_kg))
    who = " · ".join(x for x in (ccode, ocode) if x)
    if weight is None:      # packed all the same: the sack is not held up, but nobody misses it
        return ScanResult(Outcome.UNWEIGHED, code, _("Packed, but never weighed — {who}").format(who=who),
                          _("Weigh it before the shipment is sealed: its customer is billed by weight.") +
                          "\n" + counts, p.id, ccode, ocode, p.shelf, facts=_facts(sh))
    return ScanResult(Outcome.PACKED, code, _("Packed — {who}").format(who=who),
                      counts,
                      p.id, ccode, ocode, p.shelf, weight_kg=p.weight_kg,
                      chargeable_kg=p.chargeable_kg, facts=_facts(sh))



def unpack(db: Database, actor: Actor, shipment_id: int, parcel_id: int, reason: str) -> None:
    """Take a parcel out of a shipment that is still open."""
    if not (reason or "").strip():
        raise ValidationFailed({"reason": _("Say why the parcel comes out of the shipment.")})
    with db.transaction() as tx:
        sh = _load(tx, shipment_id)
        _require_side(actor, sh, packing=True)
        if sh.status != SH.OPEN:
            raise DomainError(N_("Shipment {code} is sealed; reopen it first."), code=sh.code)
        p = tx.get(Parcel, parcel_id, with_for_update=True)
        line = tx.scalar(select(ShipmentParcel).where(ShipmentParcel.shipment_id == sh.id,
                                                      ShipmentParcel.parcel_id == parcel_id))
        if p is None or line is None or p.shipment_id != sh.id:
            raise DomainError(N_("That parcel is not in this shipment."))
        before = p.status
        PARCEL_FLOW.apply(p, _UNPACK_ACTION[Direction(sh.direction)], actor, reason)
        p.shipment_id, p.packed_at, p.updated_at = None, None, now(tx)
        tx.delete(line)
        sh.parcel_count -= 1
        sh.net_weight_kg = max(Decimal(0), sh.net_weight_kg - (p.weight_kg or Decimal(0)))
        record(tx, actor, "parcel", p.id, "unpacked", {"status": before, "shipment": sh.code},
               {"status": p.status}, reason.strip())


def seal_shipment(db: Database, actor: Actor, shipment_id: int, gross_weight_kg: Decimal, seal_no: str,
                  unweighed_ok: bool = False, photo: tuple[str, bytes] | None = None) -> None:
    """Freeze the manifest: the sack's gross weight and the seal's number are recorded, with who
    sealed it and, when given, a photo of the sealed sack (file name, image bytes) on the same
    custody record — all or nothing: a photo that is not an image seals nothing.

    Parcels never weighed stop it with ``UnweighedParcels`` unless the user confirmed
    (``unweighed_ok``); the confirmation is kept in the shipment's history."""
    errors: dict[str, str] = {}
    seal = (seal_no or "").strip().upper()
    if not seal or len(seal) > 40:
        errors["seal_no"] = _("Enter the number printed on the seal.")
    try:
        gross = check_measurements(Measurements(gross_weight_kg)).weight_kg
    except ValidationFailed as exc:
        errors["gross_weight_kg"] = next(iter(exc.field_errors.values()))
        gross = None
    with db.transaction() as tx:
        sh = _load(tx, shipment_id)
        _require_side(actor, sh, packing=True)
        if gross is not None and gross < sh.net_weight_kg:
            errors["gross_weight_kg"] = _("The gross weight ({gross} kg) is less than the parcels "
                                          "inside ({net} kg): weigh the sack again.").format(
                gross=fmt_kg(gross), net=fmt_kg(sh.net_weight_kg))
        if errors:
            raise ValidationFailed(errors)
        unweighed = list(tx.scalars(select(Parcel.tracking_code).join(
            ShipmentParcel, ShipmentParcel.parcel_id == Parcel.id).where(
            ShipmentParcel.shipment_id == sh.id, ShipmentParcel.weight_kg.is_(None)).order_by(Parcel.tracking_code)))
        if unweighed and not unweighed_ok:
            shown = ", ".join(unweighed[:5]) + (" …" if len(unweighed) > 5 else "")
            raise UnweighedParcels(n=len(unweighed), codes=shown)
        after = {"gross_weight_kg": gross, "seal_no": seal,
                 "parcels": sh.parcel_count, "net_weight_kg": sh.net_weight_kg}
        if unweighed:
            after["unweighed"] = len(unweighed)
        move(tx, actor, sh, SHIPMENT_FLOW, "seal", after=after)
        at = now(tx)
        sh.gross_weight_kg, sh.seal_no, sh.sealed_at, sh.updated_at = gross, seal, at, at
        photo_id = files.store(tx, photo[0], photo[1], images_only=True).id if photo is not None else None
        seals.custody(tx, actor, sh, "sealed", seal_no=seal, intact=True, gross=gross, photo_file_id=photo_id)


def reopen_shipment(db: Database, actor: Actor, shipment_id: int, reason: str) -> None:
    with db.transaction() as tx:
        sh = _load(tx, shipment_id)
        _require_side(actor, sh, packing=True)
        move(tx, actor, sh, SHIPMENT_FLOW, "reopen", reason, before={"seal_no": sh.seal_no})
        sh.sealed_at, sh.updated_at = None, now(tx)
        sh.seal_no, sh.gross_weight_kg = "", None


def cancel_shipment(db: Database, actor: Actor, shipment_id: int) -> None:
    with db.transaction() as tx:
        sh = _load(tx, shipment_id)
        move(tx, actor, sh, SHIPMENT_FLOW, "cancel")
        sh.updated_at = now(tx)


def depart_shipment(db: Database, actor: Actor, shipment_id: int) -> int:
    """The sealed shipment leaves: its parcels are in transit and their orders follow (the
    customer is told the goods left China). Returns the number of parcels."""
    with db.transaction() as tx:
        sh = _load(tx, shipment_id)
        _require_side(actor, sh, packing=True)
        SHIPMENT_FLOW.check(sh, "depart", actor)   # taken (and logged) after its parcels' events
        at = now(tx)
        sh.departed_at = sh.updated_at = at
        direction = Direction(sh.direction)
        rows = list(tx.scalars(select(Parcel).join(ShipmentParcel, ShipmentParcel.parcel_id == Parcel.id)
                               .where(ShipmentParcel.shipment_id == sh.id).with_for_update(of=Parcel)))
        for p in rows:
            before = p.status
            if direction is Direction.TO_VN:
                PARCEL_FLOW.apply(p, "depart", actor)
            p.warehouse_id, p.departed_at, p.updated_at = None, at, at
            p.version += 1
            log_event(tx, actor, at, "parcel", p.id, "departed", {"status": before},
                      {"status": p.status, "shipment": sh.code})
        move(tx, actor, sh, SHIPMENT_FLOW, "depart", after={"parcels": len(rows)})
        seals.custody(tx, actor, sh, "departed", seal_no=sh.seal_no, gross=sh.gross_weight_kg)
        if direction is Direction.TO_CN:
            close_tasks(tx, actor, "shipment", sh.id, {TaskKind.RETURN_TO_CHINA})
        tx.flush()
        follow_orders(tx, actor, [p.order_id for p in rows])
        receivers = RECEIVERS[direction]
        notify_staff(tx, [u for r in receivers for u in staff_ids_with_role(tx, r)],
                     Message(N_("Shipment {code} is on its way ({n} parcels)"), code=sh.code, n=len(rows)),
                     entity="shipment", entity_id=sh.id)
        return len(rows)


# -- receiving at the destination -----------------------------------------------------------------

def find_shipment(db: Database, actor: Actor, raw_code: str) -> int | None:
    require(actor, Perm.VIEW_ORDERS)
    code = "".join((raw_code or "").split()).upper()
    with db.read() as s:
        return s.scalar(select(Shipment.id).where(Shipment.code == code))


def looks_like_shipment(raw_code: str) -> bool:
    code = "".join((raw_code or "").split()).upper()
    return len(code) == 9 and code[:2] in ("BH", "HT") and code[2:].isdigit()


def arrive_scan(db: Database, actor: Actor, raw_code: str, seal: seals.SealCheck | None = None) -> ScanResult:
    """The receiving warehouse scans a shipment's code: it is marked arrived (first scan) and
    becomes the shipment whose parcels are scanned next.

    A sack coming to Vietnam is not received unseen: without ``seal`` (the seal's number as read
    and the gross weight as weighed) the answer is ``CHECK_SEAL`` and nothing changes; a seal or
    a weight that does not match keeps the shipment out, with the evidence and a claim against
    the carrier (``seals.check_on_arrival``), until a manager releases it."""
    code = "".join((raw_code or "").split()).upper()
    with db.transaction() as tx:
        return arrive_in_transaction(tx, actor, code, seal)


def arrive_in_transaction(tx: Session, actor: Actor, code: str, seal: seals.SealCheck | None = None) -> ScanResult:
    """``arrive_scan`` inside the caller's transaction (also a station's journalled arrival)."""
    sh = tx.scalar(select(Shipment).where(Shipment.code == code).with_for_update())
    if sh is None:
        require(actor, Perm.RECEIVE_VN if actor.can(Perm.RECEIVE_VN) else Perm.RECEIVE_CN)
        return ScanResult(Outcome.WRONG, code, _("Unknown shipment {code}").format(code=code),
                          _("No shipment has this code; check the label on the sack."))
    _require_side(actor, sh, packing=False)
    if sh.status == SH.DEPARTED and sh.direction == Direction.TO_VN.value and sh.seal_check not in ("ok", "released"):
        if sh.seal_check == "held":
            return ScanResult(Outcome.WRONG, code, _("Shipment {code} is held: its seal did not match").format(
                code=sh.code), _("A manager must release it (the claim against the carrier stays open)."),
                facts={**_facts(sh), "shipment_id": sh.id})
        if seal is None:
            return ScanResult(Outcome.CHECK_SEAL, code, _("Check the seal of {code}").format(code=sh.code),
                              _("Type the number on the seal and weigh the sack before opening it."),
                              facts={**_facts(sh), "shipment_id": sh.id})
        claim = seals.check_on_arrival(tx, actor, sh, seal)
        if claim is not None:
            reasons = ", ".join(_(seals.REASON_LABELS[r]) for r in claim.reasons.split(","))
            return ScanResult(Outcome.WRONG, code, _("Do not open {code}: receipt stopped").format(code=sh.code),
                              _("{reasons}. The evidence is kept and claim {claim} against the carrier is "
                                "open; a manager decides whether to receive it.").format(
                                  reasons=reasons[:1].upper() + reasons[1:], claim=claim.code),
                              facts={**_facts(sh), "shipment_id": sh.id, "claim": claim.code})
    if sh.status == SH.DEPARTED:
        move(tx, actor, sh, SHIPMENT_FLOW, "arrive")
        sh.arrived_at = sh.updated_at = now(tx)
        seals.custody(tx, actor, sh, "opened", seal_no=sh.seal_no)
        for team in sorted(RECEIVERS[Direction(sh.direction)]):
            open_task(tx, actor, TaskKind.RECEIVE_WAREHOUSE, team,
                      Message(N_("Receive shipment {code} into the warehouse: {n} parcels"),
                              code=sh.code, n=sh.parcel_count), "shipment", sh.id)
    elif sh.status != SH.ARRIVED:
        return ScanResult(Outcome.WRONG, code, _("Shipment {code} is {status}").format(
            code=sh.code, status=_(SHIPMENT_STATUS_LABELS[sh.status]).lower()),
            _("Only a shipment that has departed can be received."), facts=_facts(sh))
    return ScanResult(Outcome.SHIPMENT, code, _("Receiving shipment {code}").format(code=sh.code),
                      _("{received} of {n} parcels received. Scan its parcels now.").format(
                          received=sh.received_count, n=sh.parcel_count),
                      facts={**_facts(sh), "shipment_id": sh.id})


def receive_scan(db: Database, actor: Actor, shipment_id: int, raw_code: str,
                 weight_kg: Decimal | None = None) -> ScanResult:
    """One parcel of an arrived shipment scanned (and re-weighed) at the destination: received;
    a weight far from its China weight is warned about and logged; a parcel not on the manifest
    is received as extra (an unknown code becomes an ownerless parcel here)."""
    code = normalize_code(raw_code)
    if not is_plausible(code):
        require(actor, Perm.RECEIVE_VN if actor.can(Perm.RECEIVE_VN) else Perm.RECEIVE_CN)
        return refused(raw_code)
    m = check_measurements(Measurements(weight_kg)) if weight_kg is not None else Measurements()
    with db.transaction() as tx:
        return receive_vn_in_transaction(tx, actor, shipment_id, code, raw_code, m)


def receive_vn_in_transaction(tx: Session, actor: Actor, shipment_id: int, code: str, raw_code: str,
                              m: Measurements) -> ScanResult:
    """``receive_scan`` inside the caller's transaction (a station's journalled scan)."""
    sh = _load(tx, shipment_id)
    _require_side(actor, sh, packing=False)
    direction = Direction(sh.direction)
    if sh.status != SH.ARRIVED:
        return ScanResult(Outcome.WRONG, code, _("Shipment {code} is {status}").format(
            code=sh.code, status=_(SHIPMENT_STATUS_LABELS[sh.status]).lower()),
            _("Scan the shipment's code first."), facts=_facts(sh))
    p = tx.scalar(select(Parcel).where(Parcel.tracking_code == code).with_for_update())
    alerts = open_alerts(tx, RECEIVE_STAGE[direction], code, p.order_id if p else None)
    if alerts:
        return ScanResult(Outcome.ALERT, code, alert_title(alerts), alert_detail(alerts),
                          p.id if p else None, alerts=alerts, facts=_facts(sh))
    at = now(tx)
    if p is None:
        return _extra_unknown(tx, actor, sh, code, raw_code, m, at)
    line = tx.scalar(select(ShipmentParcel).where(ShipmentParcel.shipment_id == sh.id,
                                                  ShipmentParcel.parcel_id == p.id))
    customer = tx.get(Customer, p.customer_id) if p.customer_id else None
    order = tx.get(Order, p.order_id) if p.order_id else None
    ccode, ocode = (customer.code if customer else ""), (order.code if order else "")
    if line is not None and line.received_at is not None:
        return ScanResult(Outcome.ALREADY, code, _("Already received — {who}").format(
            who=" · ".join(x for x in (ccode, ocode) if x) or _("ownerless")),
            _("{received} of {n} parcels received.").format(received=sh.received_count, n=sh.parcel_count),
            p.id, ccode, ocode, p.shelf, facts=_facts(sh))
    action = "receive_vn" if direction is Direction.TO_VN else "receive_return"
    if p.status not in set().union(*(s.sources for s in PARCEL_FLOW.steps if s.action == action)):
        return ScanResult(Outcome.WRONG, code, _("Cannot receive: the parcel is {status}").format(
            status=_(PARCEL_STATUS_LABELS[p.status]).lower()), "", p.id, ccode, ocode, p.shelf,
            facts=_facts(sh))
    dest = tx.get(Warehouse, sh.destination_warehouse_id)
    before = p.status
    PARCEL_FLOW.apply(p, action, actor)
    p.warehouse_id, p.updated_at = dest.id, at
    p.version += 1
    if direction is Direction.TO_VN:
        p.received_vn_at, p.received_vn_by_id, p.vn_weight_kg = at, actor.user_id, m.weight_kg
        p.shelf = shelf_for(dest.code, p.customer_id)
    else:
        p.shelf = RETURN_SHELF
    extra = line is None
    if extra:
        line = ShipmentParcel(shipment_id=sh.id, parcel_id=p.id, extra=True)
        tx.add(line)
        sh.extra_count += 1
        p.shipment_id = sh.id
    line.received_at, line.received_by_id, line.vn_weight_kg = at, actor.user_id, m.weight_kg
    sh.received_count += 0 if extra else 1
    sh.updated_at = at
    cn_weight = line.weight_kg if line.weight_kg is not None else p.weight_kg
    threshold = settings_service.get(tx, "warehouse.weight_warning_kg")
    diff = (m.weight_kg - cn_weight) if (m.weight_kg is not None and cn_weight is not None) else None
    warning = diff is not None and abs(diff) > threshold
    after = {"status": p.status, "shipment": sh.code, "shelf": p.shelf}
    if m.weight_kg is not None:
        after["weight_kg"] = m.weight_kg
    if extra:
        after["extra"] = True
    log_event(tx, actor, at, "parcel", p.id, action, {"status": before}, after)
    who = " · ".join(x for x in (ccode, ocode) if x) or _("ownerless")
    counts = _("{received} of {n} parcels received.").format(received=sh.received_count, n=sh.parcel_count)
    weights = ""
    if warning:
        line.weight_warning = True
        sh.weight_warnings += 1
        log_event(tx, actor, at, "parcel", p.id, "weight_difference",
                  {"weight_kg": cn_weight}, {"weight_kg": m.weight_kg, "difference_kg": diff},
                  _("Weighs {vn} kg here, {cn} kg when it left (limit ±{limit} kg)").format(
                      vn=fmt_kg(m.weight_kg), cn=fmt_kg(cn_weight), limit=fmt_kg(threshold)))
        weights = _("Weighs {vn} kg here but {cn} kg when it left: {diff} kg difference, more than "
                    "the ±{limit} kg allowed. Check the parcel before shelving it.").format(
            vn=fmt_kg(m.weight_kg), cn=fmt_kg(cn_weight), diff=fmt_kg(abs(diff)), limit=fmt_kg(threshold))
    elif m.weight_kg is not None:
        weights = _("{kg} kg").format(kg=fmt_kg(m.weight_kg))
    tx.flush()
    if direction is Direction.TO_VN:
        follow_orders(tx, actor, [p.order_id])
    detail = "\n".join(x for x in (_("Shelf {shelf}.").format(shelf=shelf_label(p.shelf)) + " " + counts, weights) if x)
    if extra:
        return ScanResult(Outcome.EXTRA, code, _("Extra parcel — not on the manifest · {who}").format(who=who),
                          detail, p.id, ccode, ocode, p.shelf, dest.code, m.weight_kg, facts=_facts(sh))
    outcome = Outcome.WEIGHT_WARNING if warning else Outcome.RECEIVED
    title = (_("Weight differs — {who}") if warning else _("Received — {who}")).format(who=who)
    return ScanResult(outcome, code, title, detail, p.id, ccode, ocode, p.shelf, dest.code,
                      m.weight_kg, p.chargeable_kg, facts=_facts(sh))



def _extra_unknown(tx: Session, actor: Actor, sh: Shipment, code: str, raw: str, m: Measurements,
                   at: datetime) -> ScanResult:
    dest = tx.get(Warehouse, sh.destination_warehouse_id)
    to_vn = Direction(sh.direction) is Direction.TO_VN
    p = Parcel(tracking_code=code, carrier=carrier_of(raw), ownerless=True, warehouse_id=dest.id,
               status=(ParcelStatus.RECEIVED_VN if to_vn else ParcelStatus.RETURNED).value, shelf=OWNERLESS_SHELF,
               shipment_id=sh.id, vn_weight_kg=m.weight_kg, search_text=search_blob(code),
               created_at=at, updated_at=at, received_vn_at=at if to_vn else None,
               received_vn_by_id=actor.user_id if to_vn else None)
    tx.flush()
    try:
        with tx.begin_nested():
            tx.add(p)
            tx.flush()
    except IntegrityError as exc:
        # the code is unique: another desktop's scan gave this unknown code its parcel just now
        if broken_constraint(exc) != "uq_parcels_tracking_code":
            raise
        return ScanResult(Outcome.WRONG, code, _("Scanned on another desktop at this moment"),
                          _("Scan it again to see where it stands."), facts=_facts(sh))
    tx.add(ShipmentParcel(shipment_id=sh.id, parcel_id=p.id, extra=True, received_at=at,
                          received_by_id=actor.user_id, vn_weight_kg=m.weight_kg))
    sh.extra_count += 1
    sh.updated_at = at
    log_event(tx, actor, at, "parcel", p.id, "receive_vn" if to_vn else "receive_return", None,
              {"status": p.status, "ownerless": True, "extra": True, "shipment": sh.code})
    return ScanResult(Outcome.EXTRA, code, _("Extra, unknown parcel — ownerless"),
                      _("Not on the manifest and no order expects it. Put it on the ownerless shelf; "
                        "it is in the ownerless queue."), p.id, shelf=OWNERLESS_SHELF,
                      destination=dest.code, weight_kg=m.weight_kg, facts=_facts(sh))


@dataclass(frozen=True)
class ReconLine:
    parcel_id: int
    tracking_code: str
    customer_code: str
    order_code: str
    weight_kg: Decimal | None
    vn_weight_kg: Decimal | None
    note: str = ""


@dataclass(frozen=True)
class Reconciliation:
    shipment_code: str
    received: tuple[ReconLine, ...]
    missing: tuple[ReconLine, ...]
    extra: tuple[ReconLine, ...]
    weight_warnings: tuple[ReconLine, ...]
    elsewhere: tuple[ReconLine, ...] = field(default_factory=tuple)


def close_shipment(db: Database, actor: Actor, shipment_id: int) -> Reconciliation:
    """Close an arrived shipment: what was received, what is missing (a task to find each), what
    came extra (a task to correct the records at the origin); received parcels become ready."""
    with db.transaction() as tx:
        sh = _load(tx, shipment_id)
        _require_side(actor, sh, packing=False)
        SHIPMENT_FLOW.check(sh, "reconcile", actor)   # taken (and logged) after the tasks and parcels
        close_tasks(tx, actor, "shipment", sh.id, {TaskKind.RECEIVE_WAREHOUSE})
        at = now(tx)
        direction = Direction(sh.direction)
        origin_team = ORIGIN_TEAM[direction]
        recon = _reconciliation(tx, sh)
        for line in recon.missing:
            tx.execute(update(ShipmentParcel).where(ShipmentParcel.shipment_id == sh.id,
                                                    ShipmentParcel.parcel_id == line.parcel_id)
                       .values(missing=True))
            open_task(tx, actor, TaskKind.LOST_PARCEL, origin_team,
                      Message(N_("Parcel {code} left in {shipment} but did not arrive"),
                              code=line.tracking_code, shipment=sh.code), "parcel", line.parcel_id,
                      note=sh.code)
            log_event(tx, actor, at, "parcel", line.parcel_id, "missing_on_arrival", None,
                      {"shipment": sh.code})
        for line in recon.extra:
            open_task(tx, actor, TaskKind.CHECK_PARCEL, origin_team,
                      Message(N_("Parcel {code} arrived in {shipment} without being on its manifest"),
                              code=line.tracking_code, shipment=sh.code), "parcel", line.parcel_id,
                      note=sh.code)
        if direction is Direction.TO_VN:
            for line in recon.received + recon.extra:
                p = tx.get(Parcel, line.parcel_id, with_for_update=True)
                if p.status == ParcelStatus.RECEIVED_VN:
                    PARCEL_FLOW.apply(p, "mark_ready", actor)
                    p.updated_at = at
                    log_event(tx, actor, at, "parcel", p.id, "mark_ready", {"status": ParcelStatus.RECEIVED_VN.value},
                              {"status": p.status})
        sh.missing_count, sh.reconciled_at, sh.updated_at = len(recon.missing), at, at
        move(tx, actor, sh, SHIPMENT_FLOW, "reconcile",
             after={"received": len(recon.received), "missing": len(recon.missing),
                    "extra": len(recon.extra), "weight_warnings": len(recon.weight_warnings)})
        if recon.missing or recon.extra:
            notify_staff(tx, staff_ids_with_role(tx, Role.MANAGER) + staff_ids_with_role(tx, origin_team),
                         Message(N_("Shipment {code} closed: {missing} missing, {extra} extra"),
                                 code=sh.code, missing=len(recon.missing), extra=len(recon.extra)),
                         entity="shipment", entity_id=sh.id)
        return recon


def _reconciliation(s: Session, sh: Shipment) -> Reconciliation:
    rows = s.execute(select(ShipmentParcel, Parcel.tracking_code, Parcel.status, Parcel.shipment_id,
                            Customer.code, Order.code)
                     .join(Parcel, Parcel.id == ShipmentParcel.parcel_id)
                     .outerjoin(Customer, Customer.id == Parcel.customer_id)
                     .outerjoin(Order, Order.id == Parcel.order_id)
                     .where(ShipmentParcel.shipment_id == sh.id).order_by(ShipmentParcel.id))
    received, missing, extra, warnings, elsewhere = [], [], [], [], []
    for line, code, status, current_shipment, ccode, ocode in rows:
        r = ReconLine(line.parcel_id, code, ccode or "", ocode or "", line.weight_kg, line.vn_weight_kg)
        if line.extra:
            extra.append(r)
        elif line.received_at is not None:
            received.append(r)
        elif current_shipment != sh.id:
            # it came with another shipment (received there as extra): not missing
            other = s.scalar(select(Shipment.code).where(Shipment.id == current_shipment))
            elsewhere.append(ReconLine(r.parcel_id, code, r.customer_code, r.order_code, r.weight_kg,
                                       r.vn_weight_kg, _("arrived with {code}").format(code=other or "?")))
        else:
            missing.append(r)
        if line.weight_warning:
            warnings.append(r)
    return Reconciliation(sh.code, tuple(received), tuple(missing), tuple(extra), tuple(warnings),
                          tuple(elsewhere))


# -- reading ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ManifestLine:
    parcel_id: int
    tracking_code: str
    customer_code: str
    customer_name: str
    order_code: str
    weight_kg: Decimal | None
    dims: str
    chargeable_kg: Decimal | None
    packed_at: datetime | None
    received_at: datetime | None
    vn_weight_kg: Decimal | None
    weight_warning: bool
    extra: bool
    missing: bool


@dataclass(frozen=True)
class ShipmentView:
    id: int
    code: str
    direction: str
    direction_label: str
    status: str
    status_label: str
    origin_id: int
    origin: str
    origin_name: str
    destination_id: int
    destination: str
    destination_name: str
    parcel_count: int
    net_weight_kg: Decimal
    gross_weight_kg: Decimal | None
    seal_no: str
    transport: str
    note: str
    created_at: datetime
    created_by: str
    sealed_at: datetime | None
    departed_at: datetime | None
    arrived_at: datetime | None
    reconciled_at: datetime | None
    received_count: int
    extra_count: int
    missing_count: int
    weight_warnings: int
    lines: tuple[ManifestLine, ...]
    actions: tuple[tuple[str, str, bool], ...]      # (action, label, needs reason)
    #: this user scans parcels into it now (open, and theirs to pack) / out of it (on its way or
    #: arrived, and theirs to receive); sealed: ready to depart
    can_pack: bool = False
    can_receive: bool = False
    sealed: bool = False


def _scan_modes(sh: Shipment, actor: Actor) -> tuple[bool, bool, bool]:
    direction = Direction(sh.direction)
    receiving = SHIPMENT_FLOW.sources("arrive") | SHIPMENT_FLOW.sources("reconcile")
    return (sh.status in SHIPMENT_FLOW.sources("seal") and actor.role in PACKERS[direction],
            sh.status in receiving and actor.role in RECEIVERS[direction],
            sh.status in SHIPMENT_FLOW.sources("depart"))


def get_shipment(db: Database, actor: Actor, shipment_id: int) -> ShipmentView:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        sh = s.get(Shipment, shipment_id)
        if sh is None:
            raise NotFound(what=Lazy(N_("The shipment")))
        o, d = s.get(Warehouse, sh.origin_warehouse_id), s.get(Warehouse, sh.destination_warehouse_id)
        creator = s.get(User, sh.created_by_id) if sh.created_by_id else None
        rows = s.execute(select(ShipmentParcel, Parcel, Customer.code, Customer.name, Order.code)
                         .join(Parcel, Parcel.id == ShipmentParcel.parcel_id)
                         .outerjoin(Customer, Customer.id == Parcel.customer_id)
                         .outerjoin(Order, Order.id == Parcel.order_id)
                         .where(ShipmentParcel.shipment_id == sh.id).order_by(ShipmentParcel.id))
        lines = []
        for line, p, ccode, cname, ocode in rows:
            dims = "" if p.length_cm is None else f"{fmt_kg(p.length_cm)}×{fmt_kg(p.width_cm)}×{fmt_kg(p.height_cm)}"
            lines.append(ManifestLine(p.id, p.tracking_code, ccode or "", cname or "", ocode or "",
                                      line.weight_kg, dims, p.chargeable_kg, line.packed_at,
                                      line.received_at, line.vn_weight_kg, line.weight_warning,
                                      line.extra, line.missing))
        actions = tuple((st.action, st.label, st.needs_reason) for st in SHIPMENT_FLOW.allowed(sh, actor))
        return ShipmentView(sh.id, sh.code, sh.direction, DIRECTION_LABELS[sh.direction], sh.status,
                            SHIPMENT_STATUS_LABELS[sh.status], o.id, o.code, o.name, d.id, d.code, d.name,
                            sh.parcel_count, sh.net_weight_kg, sh.gross_weight_kg, sh.seal_no,
                            sh.transport, sh.note, sh.created_at, creator.full_name if creator else "",
                            sh.sealed_at, sh.departed_at, sh.arrived_at, sh.reconciled_at,
                            sh.received_count, sh.extra_count, sh.missing_count, sh.weight_warnings,
                            tuple(lines), actions, *_scan_modes(sh, actor))


def reconciliation(db: Database, actor: Actor, shipment_id: int) -> Reconciliation:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        sh = s.get(Shipment, shipment_id)
        if sh is None:
            raise NotFound(what=Lazy(N_("The shipment")))
        return _reconciliation(s, sh)


def warehouses(db: Database, actor: Actor, country: str | None = None) -> list[tuple[int, str, str, str]]:
    """(id, code, name, country) of the active warehouses, for the stations' choosers."""
    with db.read() as s:
        q = select(Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.country).where(
            Warehouse.is_active.is_(True)).order_by(Warehouse.country, Warehouse.code)
        if country:
            q = q.where(Warehouse.country == country)
        return [tuple(r) for r in s.execute(q)]



def write_manifest(db: Database, actor: Actor, shipment_id: int, path, kind: str = "pdf"):
    """The shipment's manifest as PDF (travels with the sack) or XLSX (for partners)."""
    from app.documents.manifest import write_manifest_pdf, write_manifest_xlsx

    view = get_shipment(db, actor, shipment_id)
    company = settings_service.read_all(db)["company.name"]
    if kind == "xlsx":
        return write_manifest_xlsx(view, path, company)
    return write_manifest_pdf(view, path, company, db.clock.now())
