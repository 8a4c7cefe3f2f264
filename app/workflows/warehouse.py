"""Status tables of the warehouse's paperwork: a stocktake (kiểm kê) and a claim against the
carrier (a broken seal, a sack lighter than it left)."""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_
from app.permissions import Perm
from app.workflows.engine import Workflow, holders, step


class StocktakeStatus(StrEnum):
    OPEN = "open"              # counting: scans are taken
    CLOSED = "closed"          # what was not scanned is listed missing


STOCKTAKE_STATUS_LABELS = {
    StocktakeStatus.OPEN: N_("Counting"),
    StocktakeStatus.CLOSED: N_("Closed"),
}

STOCKTAKE_FLOW = Workflow("stocktake", dict(STOCKTAKE_STATUS_LABELS), StocktakeStatus.OPEN, [
    step(StocktakeStatus.OPEN, "close", StocktakeStatus.CLOSED, holders(Perm.STOCKTAKE), N_("Close the stocktake")),
], terminal=frozenset({StocktakeStatus.CLOSED}))


class SealCheckState(StrEnum):
    """A sack to Vietnam at arrival (``Shipment.seal_check``, beside its status): not checked yet,
    its seal and gross weight found as sealed, held (a claim against the carrier), or released by
    a manager to be received all the same."""
    NOT_CHECKED = ""
    OK = "ok"
    HELD = "held"
    RELEASED = "released"


SEAL_CHECK_LABELS = {
    SealCheckState.NOT_CHECKED: N_("Seal not checked yet"),
    SealCheckState.OK: N_("Seal and weight as sealed"),
    SealCheckState.HELD: N_("Held: seal or weight differs"),
    SealCheckState.RELEASED: N_("Released by a manager"),
}

#: logged on the shipment ("seal_refused", "seal_released"); the custody log keeps the rest
SEAL_CHECK_FLOW = Workflow("seal_check", dict(SEAL_CHECK_LABELS), SealCheckState.NOT_CHECKED, [
    step(SealCheckState.NOT_CHECKED, "pass", SealCheckState.OK, holders(Perm.RECEIVE_VN), N_("Seal checked")),
    step(SealCheckState.NOT_CHECKED, "hold", SealCheckState.HELD, holders(Perm.RECEIVE_VN), N_("Held at arrival")),
    step(SealCheckState.HELD, "release", SealCheckState.RELEASED, holders(Perm.APPROVE_COMPLAINTS),
         N_("Released by a manager")),
], terminal=frozenset({SealCheckState.OK, SealCheckState.RELEASED}), attribute="seal_check")


class ClaimStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


CLAIM_STATUS_LABELS = {
    ClaimStatus.OPEN: N_("Open"),
    ClaimStatus.CLOSED: N_("Closed"),
}

#: the activity log keeps a claim's history on its shipment ("carrier_claim_closed")
CARRIER_CLAIM_FLOW = Workflow("carrier_claim", dict(CLAIM_STATUS_LABELS), ClaimStatus.OPEN, [
    step(ClaimStatus.OPEN, "settle", ClaimStatus.CLOSED, holders(Perm.APPROVE_COMPLAINTS),
         N_("Claim against the carrier closed")),
], terminal=frozenset({ClaimStatus.CLOSED}))


