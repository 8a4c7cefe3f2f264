"""Remote operations of the remedies area (see app.remote.decl): committed dates changed with a
reason, e-mail copies of staff notices, compensation suggested for a complaint, shops flagged for
review (app.services.remedies)."""
from __future__ import annotations


def declare(add) -> None:
    from app.services import complaints, remedies

    add("remedies.committed_dates", remedies.committed_dates)
    add("remedies.change_committed_dates", remedies.change_committed_dates)
    add("remedies.email_notices", remedies.email_notices)
    add("remedies.set_email_notices", remedies.set_email_notices)
    add("remedies.suggest_for_complaint", complaints.suggest_for_complaint)
    add("remedies.vouchers_of_customer", remedies.vouchers_of_customer)
    add("remedies.shop_review", remedies.shop_review)
    add("remedies.shop_order_review", remedies.shop_order_review)
