"""Remote operations of the orders screens area (see app.remote.decl): the order window and
editor, the goods count, the customer window, and the complaint screens.

Already declared in app.remote.ops and used here too: orders.get, orders.window, orders.read_file,
orders.attach_file, orders.post_message, orders.messages, orders.apply_action, orders.confirm,
orders.assign_staff, orders.count_sheet, orders.record_item_counts, customers.get,
users.list_warehouses, users.staff_with_role."""
from __future__ import annotations


def declare(add) -> None:
    from app.remote import views_orders as views
    from app.services import (activity, cart_import, complaints, customers, item_counts, ledger, orders,
                              seller_complaints)

    add("activity.history", activity.history)
    # the order window
    add("orders.set_awaiting_customer", orders.set_awaiting_customer)
    add("orders.update_estimates", orders.update_estimates)
    add("orders.staff_choices", views.staff_choices)
    add("orders.export_pdf", views.order_pdf)
    add("orders.export_xlsx", views.order_xlsx)
    # the order editor
    add("orders.editor", views.order_editor)            # its first paint in one call
    add("orders.create", orders.create_order)
    add("orders.update", orders.update_order)
    add("orders.preview_cart", cart_import.preview_cart_content)
    add("orders.remember_cart_columns", cart_import.remember_columns)
    # the customer window
    add("customers.window", views.customer_window)      # its first paint in one call
    add("customers.create", customers.create_customer)
    add("customers.update", customers.update_customer)
    # complaints
    add("complaints.window", views.complaint_window)    # its first paint in one call
    add("complaints.of_order", views.order_complaints)  # the order window's Complaints tab
    add("complaints.choices", complaints.complaint_choices)
    add("complaints.open", complaints.open_complaint)
    add("complaints.add_photos", complaints.add_photos)
    add("complaints.read_photo", complaints.read_photo)
    add("complaints.record_contact", complaints.record_contact)
    add("complaints.propose_plan", complaints.propose_plan)
    add("complaints.approve_plan", complaints.approve_plan)
    add("complaints.reject_plan", complaints.reject_plan)
    add("complaints.execute_plan", complaints.execute_plan)
    add("complaints.dismiss", complaints.dismiss_complaint)
    add("complaints.withdraw", complaints.withdraw_complaint)
    add("complaints.record_inspection", complaints.record_inspection)
    # the complaint a goods count proposes (its dialog's first paint in one call, and opening it)
    add("orders.count_complaint_form", views.count_complaint_form)
    add("orders.open_count_complaint", item_counts.open_count_complaint)
    add("orders.set_tally_exemptions", item_counts.set_tally_exemptions)   # after the form is locked too
    # claims against sellers
    add("seller_complaints.claim_choices", views.seller_claim_choices)
    add("seller_complaints.open", seller_complaints.open_seller_complaint)
    add("seller_complaints.window", views.seller_complaint_window)
    add("seller_complaints.file", seller_complaints.file_seller_complaint)
    add("seller_complaints.record_recovery", seller_complaints.record_recovery)
    add("seller_complaints.refuse", seller_complaints.record_seller_refusal)
    add("seller_complaints.withdraw", seller_complaints.withdraw_seller_complaint)
    add("ledger.cash_accounts", ledger.cash_accounts)
