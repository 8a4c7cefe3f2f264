"""Task status table: every step that waits on a person is a task (nhiệm vụ) in a role's queue."""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_
from app.permissions import Role
from app.workflows.engine import Workflow, step

_STAFF = {Role.ADMIN, Role.MANAGER, Role.CARE, Role.ORDERING, Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN,
          Role.ACCOUNTANT, Role.SYSTEM}


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskKind(StrEnum):
    """The task types of DESIGN §4; later capabilities create and close them."""

    HANDLE_ORDER = "handle_order"                  # xử lý đơn order
    HANDLE_CONSIGNMENT = "handle_consignment"      # xử lý đơn ký gửi
    TAKE_DEPOSIT = "take_deposit"                  # chờ khách đặt cọc
    PLACE_ORDER = "place_order"                    # đặt hàng với shop
    CHASE_SHOP = "chase_shop"                      # đòi mã vận đơn
    COMPLAINT_ORDERING = "complaint_ordering"      # khiếu nại – đặt hàng
    COMPLAINT_CARE = "complaint_care"              # khiếu nại – CSKH
    CHECK_PARCEL = "check_parcel"                  # kiểm hàng
    COUNT_DIFFERENCES = "count_differences"        # chênh lệch kiểm đếm (care staff)
    RECEIVE_WAREHOUSE = "receive_warehouse"        # nhập kho
    MATCH_PARCEL = "match_parcel"                  # vận đơn vô chủ
    LOST_PARCEL = "lost_parcel"                    # thất lạc
    DELIVER = "deliver"                            # giao hàng
    RETURN_TO_CHINA = "return_to_china"            # trả hàng về Trung Quốc (a complaint)
    SELLER_COMPLAINT = "seller_complaint"          # khiếu nại người bán
    CARRIER_CLAIM = "carrier_claim"                # khiếu nại nhà vận chuyển (seal, weight)
    APPROVE = "approve"                            # duyệt (manager)
    CARRIER_DISPUTE = "carrier_dispute"            # khiếu nại hóa đơn nhà vận chuyển
    OTHER = "other"


TASK_KIND_LABELS: dict[str, str] = {
    TaskKind.HANDLE_ORDER: N_("Handle order"),
    TaskKind.HANDLE_CONSIGNMENT: N_("Handle consignment order"),
    TaskKind.TAKE_DEPOSIT: N_("Take deposit"),
    TaskKind.PLACE_ORDER: N_("Place order with shop"),
    TaskKind.CHASE_SHOP: N_("Chase shop for tracking code"),
    TaskKind.COMPLAINT_ORDERING: N_("Complaint – ordering"),
    TaskKind.COMPLAINT_CARE: N_("Complaint – customer care"),
    TaskKind.CHECK_PARCEL: N_("Check parcel"),
    TaskKind.COUNT_DIFFERENCES: N_("Differences at the count"),
    TaskKind.RECEIVE_WAREHOUSE: N_("Receive into warehouse"),
    TaskKind.MATCH_PARCEL: N_("Match ownerless parcel"),
    TaskKind.LOST_PARCEL: N_("Find lost parcel"),
    TaskKind.DELIVER: N_("Deliver"),
    TaskKind.RETURN_TO_CHINA: N_("Pack a return to China"),
    TaskKind.SELLER_COMPLAINT: N_("Complaint to a seller"),
    TaskKind.CARRIER_CLAIM: N_("Claim against the carrier"),
    TaskKind.APPROVE: N_("Approve"),
    TaskKind.CARRIER_DISPUTE: N_("Dispute a carrier's bill"),
    TaskKind.OTHER: N_("Other"),
}

TASK_STATUS_LABELS = {
    TaskStatus.OPEN: N_("Open"),
    TaskStatus.DONE: N_("Done"),
    TaskStatus.CANCELLED: N_("Cancelled"),
}

TASK_FLOW = Workflow("task", dict(TASK_STATUS_LABELS), TaskStatus.OPEN, [
    step(TaskStatus.OPEN, "close",  TaskStatus.DONE,      _STAFF,                        N_("Mark done")),
    step(TaskStatus.OPEN, "cancel", TaskStatus.CANCELLED, {Role.MANAGER, Role.ADMIN, Role.SYSTEM}, N_("Cancel task"), reason=True),
    # the work it was about ended without it (a withdrawn complaint): the reason is that record's
    step(TaskStatus.OPEN, "drop",   TaskStatus.CANCELLED, {Role.SYSTEM},                     N_("Task cancelled")),
], terminal=frozenset({TaskStatus.CANCELLED}))
