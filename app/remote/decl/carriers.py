"""Remote operations of the carriers area: the freight carrier's bill, imported or typed in,
compared with our sacks, accepted or disputed (see app.remote.decl)."""
from __future__ import annotations


def declare(add) -> None:
    from app.services import carrier_bills

    add("carrier_bills.preview", carrier_bills.preview_file)
    add("carrier_bills.import", carrier_bills.import_file)
    add("carrier_bills.enter", carrier_bills.enter_bill)
    add("carrier_bills.list", carrier_bills.list_bills)
    add("carrier_bills.carriers", carrier_bills.carriers)
    add("carrier_bills.view", carrier_bills.bill_view)
    add("carrier_bills.accept", carrier_bills.accept_bill)
    add("carrier_bills.dispute", carrier_bills.dispute_bill)
