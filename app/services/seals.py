"""Sacks that cannot be opened unseen: the seal and the gross weight of a shipment are recorded
when it is sealed (with a photo and who sealed it), each hand-over is a custody record, and on
arrival the receiving warehouse types the seal's number and weighs the sack *before* it is
received. Another seal, a broken seal or a weight off by more than the tolerance stops the
receipt, keeps the evidence and opens a **claim against the carrier** (separate from any
compensation to customers); a manager may then let the shipment be received.

``shipments.seal_shipment``, ``depart_shipment`` and ``arrive_scan`` call in here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _
from app.models import CarrierClaim, Shipment, ShipmentCustody, StoredFile
from app.permissions import Actor, Perm, Role, require
from app.services import files
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.notifications import notify_staff, staff_ids_with_role
from app.services.scanning import Measurements, check_measurements
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.workflows.tasks import TaskKind
from app.workflows.warehouse import CARRIER_CLAIM_FLOW, SEAL_CHECK_FLOW, ClaimStatus

CUSTODY_LABELS = {
    "sealed": N_("Sealed"), "departed": N_("Departed"), "arrived": N_("Arrived, seal checked"),
    "opened": N_("Sack opened"), "refused": N_("Seal refused: receipt stopped"),
    "released": N_("Released for receiving despite the claim"), "photo": N_("Seal photo added"),
}
REASON_LABELS = {
    "seal_number": N_("another seal number"), "seal_broken": N_("the seal is broken"),
    "weight": N_("the gross weight differs"),
}


@dataclass(frozen=True)
class SealCheck:
    """What the receiving warehouse saw before opening the sack."""

    seal_no: str
    gross_weight_kg: Decimal
    intact: bool = True
    photo: tuple[str, bytes] | None = None
    note: str = ""


def normalize_seal(raw: str) -> str:
    return "".join((raw or "").split()).upper()


def custody(tx: Session, actor: Actor, sh: Shipment, event: str, *, seal_no: str = "",
            intact: bool | None = None, gross: Decimal | None = None, photo_file_id: int | None = None,
            claim_id: int | None = None, note: str = "") -> ShipmentCustody:
    row = ShipmentCustody(shipment_id=sh.id, event=event, at=now(tx), by_id=actor.user_id or None,
                          by_name=actor.name[:120], seal_no=seal_no[:40], seal_intact=intact,
                          gross_weight_kg=gross, photo_file_id=photo_file_id, claim_id=claim_id,
                          note=(note or "")[:2000])
    tx.add(row)
    return row


def tolerance_kg(tx: Session, sealed_gross: Decimal) -> Decimal:
    """How far the arrival weight may be from the sealed weight: the larger of the settings'
    kilograms and percent of the sealed weight."""
    kg = settings_service.get(tx, "shipments.seal_tolerance_kg")
    pct = settings_service.get(tx, "shipments.seal_tolerance_percent")
    return max(Decimal(kg), (sealed_gross * Decimal(pct) / 100).quantize(Decimal("0.001")))


def mismatch_reasons(sealed_seal_no: str, sealed_gross_kg: Decimal | None, tolerance: Decimal | None,
                     seal: str, intact: bool, gross: Decimal) -> list[str]:
    """What does not match between the sealed sack and the one that arrived (``REASON_LABELS``
    keys; empty when all matches). Pure: the server on arrival and a receiving station offline
    (with the sealed facts and the tolerance it cached) decide by this one rule."""
    reasons = []
    if seal != normalize_seal(sealed_seal_no):
        reasons.append("seal_number")
    if not intact:
        reasons.append("seal_broken")
    if sealed_gross_kg is not None and tolerance is not None and abs(gross - sealed_gross_kg) > tolerance:
        reasons.append("weight")
    return reasons


def validated(check: SealCheck) -> tuple[str, Decimal]:
    """The seal number as normalised and the gross weight, or ValidationFailed (no database)."""
    return _validated(check)


def _validated(check: SealCheck) -> tuple[str, Decimal]:
    errors: dict[str, str] = {}
    seal = normalize_seal(check.seal_no)
    if not seal or len(seal) > 40:
        errors["seal_no"] = _("Type the number printed on the seal (or what is left of it).")
    gross = None
    try:
        gross = check_measurements(Measurements(check.gross_weight_kg)).weight_kg
    except ValidationFailed as exc:
        errors["gross_weight_kg"] = next(iter(exc.field_errors.values()))
    if gross is None and "gross_weight_kg" not in errors:
        errors["gross_weight_kg"] = _("Weigh the sack and enter its gross weight.")
    if errors:
        raise ValidationFailed(errors)
    return seal, gross


def check_on_arrival(tx: Session, actor: Actor, sh: Shipment, check: SealCheck) -> CarrierClaim | None:
    """Compare what the receiver saw with what was sealed (in the arrival's transaction, the
    shipment locked). None when all matches; else the claim opened and the receipt held."""
    seal, gross = _validated(check)
    photo_id = files.store(tx, check.photo[0], check.photo[1], images_only=True).id if check.photo else None
    tolerance = tolerance_kg(tx, sh.gross_weight_kg) if sh.gross_weight_kg is not None else None
    reasons = mismatch_reasons(sh.seal_no, sh.gross_weight_kg, tolerance, seal, check.intact, gross)
    if not reasons:
        move(tx, actor, sh, SEAL_CHECK_FLOW, "pass", log=False)     # the custody log says it
        custody(tx, actor, sh, "arrived", seal_no=seal, intact=True, gross=gross, photo_file_id=photo_id,
                note=check.note)
        return None
    n = tx.scalar(select(func.count()).select_from(CarrierClaim).where(CarrierClaim.shipment_id == sh.id)) or 0
    claim = CarrierClaim(code=f"CC-{sh.code}-{n + 1}"[:24], shipment_id=sh.id, reasons=",".join(reasons),
                         status=ClaimStatus.OPEN, sealed_seal_no=sh.seal_no, found_seal_no=seal,
                         sealed_gross_kg=sh.gross_weight_kg, found_gross_kg=gross, photo_file_id=photo_id,
                         opened_at=now(tx), opened_by_id=actor.user_id or None, outcome="")
    tx.add(claim)
    tx.flush()
    move(tx, actor, sh, SEAL_CHECK_FLOW, "hold", log=False)         # logged as "seal_refused" below
    custody(tx, actor, sh, "refused", seal_no=seal, intact=check.intact, gross=gross, photo_file_id=photo_id,
            claim_id=claim.id, note=check.note)
    what = Message(N_("Shipment {code}: {reasons} — sealed {sealed_seal} at {sealed_kg} kg, found {found_seal} "
                      "at {found_kg} kg"), code=sh.code,
                   reasons=", ".join(_(REASON_LABELS[r]) for r in reasons), sealed_seal=sh.seal_no or "—",
                   sealed_kg=sh.gross_weight_kg if sh.gross_weight_kg is not None else "—",
                   found_seal=seal, found_kg=gross)
    record(tx, actor, "shipment", sh.id, "seal_refused", {"seal_no": sh.seal_no, "gross_weight_kg": sh.gross_weight_kg},
           {"seal_no": seal, "gross_weight_kg": gross, "intact": check.intact, "claim": claim.code})
    open_task(tx, actor, TaskKind.CARRIER_CLAIM, Role.MANAGER,
              Message(N_("Claim {claim} against the carrier: shipment {code} held at arrival"),
                      claim=claim.code, code=sh.code), "shipment", sh.id, note=what)
    notify_staff(tx, staff_ids_with_role(tx, Role.MANAGER),
                 Message(N_("Shipment {code} held at arrival: the seal or the weight does not match"), code=sh.code),
                 entity="shipment", entity_id=sh.id)
    return claim


def _load(tx: Session, shipment_id: int) -> Shipment:
    sh = tx.scalar(select(Shipment).where(Shipment.id == shipment_id).with_for_update())
    if sh is None:
        raise NotFound(what=Lazy(N_("The shipment")))
    return sh


def release_held(db: Database, actor: Actor, shipment_id: int, reason: str) -> None:
    """A manager lets a held shipment be received (the claim against the carrier stays open)."""
    require(actor, Perm.APPROVE_COMPLAINTS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("Say why the shipment may be received.")})
    with db.transaction() as tx:
        sh = _load(tx, shipment_id)
        move(tx, actor, sh, SEAL_CHECK_FLOW, "release", reason, entity="shipment", event="seal_released",
             refused=DomainError(N_("Shipment {code} is not held."), code=sh.code))
        custody(tx, actor, sh, "released", note=reason)


def close_claim(db: Database, actor: Actor, claim_id: int, outcome: str) -> None:
    """The claim settled with the carrier (what they paid or said)."""
    require(actor, Perm.APPROVE_COMPLAINTS)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed({"outcome": _("Say how the claim ended.")})
    with db.transaction() as tx:
        claim = tx.scalar(select(CarrierClaim).where(CarrierClaim.id == claim_id).with_for_update())
        if claim is None:
            raise NotFound(what=Lazy(N_("The claim")))
        # (logged on its shipment, below)
        move(tx, actor, claim, CARRIER_CLAIM_FLOW, "settle", log=False,
             refused=DomainError(N_("Claim {code} is closed already."), code=claim.code),
             stamp={"closed_at": now(tx), "outcome": outcome[:2000]})
        record(tx, actor, "shipment", claim.shipment_id, "carrier_claim_closed", {"claim": claim.code},
               {"outcome": claim.outcome})
        if tx.scalar(select(func.count()).select_from(CarrierClaim).where(
                CarrierClaim.shipment_id == claim.shipment_id, CarrierClaim.status == ClaimStatus.OPEN)) == 0:
            close_tasks(tx, actor, "shipment", claim.shipment_id, kinds={TaskKind.CARRIER_CLAIM})


def add_seal_photo(db: Database, actor: Actor, shipment_id: int, name: str, data: bytes) -> None:
    """A photo of the sealed sack, taken after sealing (or on arrival, by the receiver)."""
    with db.transaction() as tx:
        sh = _load(tx, shipment_id)
        require(actor, Perm.PACK_SHIPMENTS if sh.seal_check == "" else Perm.RECEIVE_VN)
        if not sh.seal_no:
            raise DomainError(N_("Shipment {code} is not sealed."), code=sh.code)
        photo = files.store(tx, name, data, images_only=True)
        custody(tx, actor, sh, "photo", seal_no=sh.seal_no, photo_file_id=photo.id)


# -- reading ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CustodyLine:
    at: datetime
    event: str
    label: str
    by: str
    seal_no: str
    intact: bool | None
    gross_weight_kg: Decimal | None
    photo_file_id: int | None
    claim_code: str | None
    note: str


@dataclass(frozen=True)
class ClaimView:
    id: int
    code: str
    shipment_id: int
    shipment_code: str
    reasons: tuple[str, ...]
    status: str
    sealed_seal_no: str
    found_seal_no: str
    sealed_gross_kg: Decimal | None
    found_gross_kg: Decimal | None
    photo_file_id: int | None
    opened_at: datetime
    outcome: str
    #: not settled yet (CARRIER_CLAIM_FLOW: a step is still ahead of it)
    is_open: bool = False


@dataclass(frozen=True)
class SealView:
    """A shipment's custody chain and claims (the shipment window's "Seal and custody")."""

    seal_check: str
    can_release: bool
    can_close: bool
    custody: tuple[CustodyLine, ...]
    claims: tuple[ClaimView, ...]


def _claim_view(c: CarrierClaim, shipment_code: str) -> ClaimView:
    return ClaimView(c.id, c.code, c.shipment_id, shipment_code, tuple(r for r in c.reasons.split(",") if r),
                     c.status, c.sealed_seal_no, c.found_seal_no, c.sealed_gross_kg, c.found_gross_kg,
                     c.photo_file_id, c.opened_at, c.outcome, bool(CARRIER_CLAIM_FLOW.steps_from(c.status)))


def seal_view(db: Database, actor: Actor, shipment_id: int) -> SealView:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        sh = s.get(Shipment, shipment_id)
        if sh is None:
            raise NotFound(what=Lazy(N_("The shipment")))
        claims = {c.id: c for c in s.scalars(select(CarrierClaim).where(CarrierClaim.shipment_id == sh.id)
                                             .order_by(CarrierClaim.id))}
        lines = tuple(CustodyLine(r.at, r.event, _(CUSTODY_LABELS.get(r.event, r.event)), r.by_name, r.seal_no,
                                  r.seal_intact, r.gross_weight_kg, r.photo_file_id,
                                  claims[r.claim_id].code if r.claim_id in claims else None, r.note)
                      for r in s.scalars(select(ShipmentCustody).where(ShipmentCustody.shipment_id == sh.id)
                                         .order_by(ShipmentCustody.id)))
        manager = actor.can(Perm.APPROVE_COMPLAINTS)
        return SealView(sh.seal_check, sh.seal_check == "held" and manager, manager, lines,
                        tuple(_claim_view(c, sh.code) for c in claims.values()))


def open_claims(db: Database, actor: Actor) -> list[ClaimView]:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        return [_claim_view(c, code) for c, code in s.execute(
            select(CarrierClaim, Shipment.code).join(Shipment, Shipment.id == CarrierClaim.shipment_id)
            .where(CarrierClaim.status == ClaimStatus.OPEN).order_by(CarrierClaim.id))]


def read_photo(db: Database, actor: Actor, file_id: int) -> tuple[str, bytes]:
    """A seal photo of a custody record or claim (evidence shown in the shipment window)."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        used = s.scalar(select(func.count()).select_from(ShipmentCustody).where(ShipmentCustody.photo_file_id == file_id))
        f = s.get(StoredFile, file_id) if used else None
        if f is None:
            raise NotFound(what=Lazy(N_("The photo")))
        return f.mime, f.data
