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


