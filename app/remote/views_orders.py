"""Read models of the order, customer and complaint screens: what each needs for its first paint
(or one user action) in one call, as plain data (see app.remote.views).

Each function takes ``db`` (and the acting ``actor``), reads through the public services and
returns dataclasses the wire format carries exactly; the screens call them through
``Session.call`` (declared in app.remote.decl.orders_screens)."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.db import Database
from app.permissions import Actor, Role
from app.services import (activity, complaints, customers, item_counts, order_export, orders, remedies,
                          seller_complaints, users)


# -- the order window and the order editor --------------------------------------------------------

@dataclass(frozen=True)
class StaffChoices:
    """Who can be named on an order: (id, name) of the active care and ordering staff."""

    care: tuple[tuple[int, str], ...]
    ordering: tuple[tuple[int, str], ...]


def staff_choices(db: Database, actor: Actor) -> StaffChoices:
    """The "Assign staff" and "Confirm and assign" boxes, both lists in one call."""
    return StaffChoices(tuple(users.staff_with_role(db, actor, Role.CARE)),
                        tuple(users.staff_with_role(db, actor, Role.ORDERING)))


@dataclass(frozen=True)
class OrderEditorData:
    """The order editor's first paint: the order being edited (None for a new one) with its item
    pictures, the warehouses to choose from, and the customer a new order starts with."""

    order: orders.OrderView | None
    images: dict[int, tuple[str, bytes]]
    vn_warehouses: tuple[users.WarehouseView, ...]
    cn_warehouses: tuple[users.WarehouseView, ...]
    customer: customers.CustomerView | None


def order_editor(db: Database, actor: Actor, order_id: int | None = None,
                 customer_id: int | None = None) -> OrderEditorData:
    view = orders.get_order(db, actor, order_id) if order_id is not None else None
    images = {fid: orders.read_file(db, actor, fid)
              for fid in dict.fromkeys(i.image_file_id for i in (view.items if view else ()) if i.image_file_id)}
    customer_id = view.customer_id if view is not None else customer_id
    customer = customers.get_customer(db, actor, customer_id) if customer_id is not None else None
    return OrderEditorData(view, images, tuple(users.list_warehouses(db, "VN")),
                           tuple(users.list_warehouses(db, "CN")), customer)


def order_pdf(db: Database, actor: Actor, order_id: int) -> bytes:
    """The order as a PDF, made on the server; the desktop saves the bytes where the user chose."""
    return _exported(db, actor, order_id, "pdf")


def order_xlsx(db: Database, actor: Actor, order_id: int) -> bytes:
    """The order as an Excel workbook, made on the server."""
    return _exported(db, actor, order_id, "xlsx")


def _exported(db: Database, actor: Actor, order_id: int, kind: str) -> bytes:
    write = order_export.order_pdf if kind == "pdf" else order_export.order_xlsx
    with tempfile.TemporaryDirectory(prefix="importdesk-export-") as folder:
        path = Path(folder) / f"order.{kind}"
        write(db, actor, order_id, path)
        return path.read_bytes()



# -- the customer window ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CustomerWindowData:
    """The customer window's first paint: the customer (None for a new one), the VIP levels and
    care staff to choose from, and the ordering-extension link ('' when the company has none)."""

    customer: customers.CustomerView | None
    vip_levels: tuple[tuple[int, str], ...]
    care_staff: tuple[tuple[int, str], ...]
    extension_link: str
    #: "priority shipping on the next order" vouchers the customer holds or used
    vouchers: tuple[remedies.VoucherView, ...] = ()


def customer_window(db: Database, actor: Actor, customer_id: int | None = None) -> CustomerWindowData:
    view = customers.get_customer(db, actor, customer_id) if customer_id is not None else None
    vouchers = tuple(remedies.vouchers_of_customer(db, actor, customer_id)) if customer_id is not None else ()
    return CustomerWindowData(view, tuple(customers.vip_levels(db)),
                              tuple(users.staff_with_role(db, actor, Role.CARE)), customers.extension_link(db),
                              vouchers)


# -- complaints -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ComplaintWindowData:
    """The complaint window in one call: the complaint and its history."""

    complaint: complaints.ComplaintView
    history: tuple[activity.ActivityLine, ...]


def complaint_window(db: Database, actor: Actor, complaint_id: int) -> ComplaintWindowData:
    view = complaints.get_complaint(db, actor, complaint_id)
    return ComplaintWindowData(view, tuple(activity.history(db, actor, "complaint", complaint_id)))


@dataclass(frozen=True)
class OrderComplaints:
    """The order window's Complaints tab: its complaints, claims against sellers, inspections."""

    complaints: tuple[complaints.ComplaintSummary, ...]
    claims: tuple[seller_complaints.SellerComplaintSummary, ...]
    inspections: tuple[complaints.InspectionView, ...]


def order_complaints(db: Database, actor: Actor, order_id: int) -> OrderComplaints:
    return OrderComplaints(tuple(complaints.complaints_of_order(db, actor, order_id)),
                           tuple(seller_complaints.seller_complaints_of_order(db, actor, order_id)),
                           tuple(complaints.inspections_of_order(db, actor, order_id)))


@dataclass(frozen=True)
class SellerClaimChoices:
    """The "Claim from a seller" dialog: the shop orders that can be claimed from, the order's
    customer complaints to link, and the server's "now" the countdown starts from."""

    shop_orders: tuple[seller_complaints.ShopOrderChoice, ...]
    complaints: tuple[complaints.ComplaintSummary, ...]
    now: datetime


def seller_claim_choices(db: Database, actor: Actor, order_id: int) -> SellerClaimChoices:
    return SellerClaimChoices(tuple(seller_complaints.claimable_shop_orders(db, actor, order_id)),
                              tuple(complaints.complaints_of_order(db, actor, order_id)), db.clock.now())


@dataclass(frozen=True)
class SellerComplaintWindowData:
    """A claim against a seller with its history, and the server's "now" for its countdown."""

    claim: seller_complaints.SellerComplaintView
    history: tuple[activity.ActivityLine, ...]
    now: datetime


def seller_complaint_window(db: Database, actor: Actor, sc_id: int) -> SellerComplaintWindowData:
    view = seller_complaints.get_seller_complaint(db, actor, sc_id)
    return SellerComplaintWindowData(view, tuple(activity.history(db, actor, "seller_complaint", sc_id)),
                                     db.clock.now())



# -- the complaint a goods count proposes ---------------------------------------------------------

@dataclass(frozen=True)
class CountComplaintForm:
    """The "Open the proposed complaint" dialog's first paint: what a complaint on the order can
    name, and what the Vietnam warehouse's count proposes (None: the count found nothing)."""

    choices: complaints.ComplaintChoices
    proposal: item_counts.ComplaintProposal | None


def count_complaint_form(db: Database, actor: Actor, order_id: int) -> CountComplaintForm:
    proposal = item_counts.complaint_proposal(db, actor, order_id)
    return CountComplaintForm(complaints.complaint_choices(db, actor, order_id), proposal)
