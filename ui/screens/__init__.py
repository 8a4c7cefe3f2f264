"""Capability screens: importing this package lets each register its windows and "New …" actions."""
from app.i18n import N_
from app.permissions import Perm
from ui.screens import warehouse as _warehouse  # noqa: F401  (registers the warehouse screens)
from ui.screens.customers import CustomerWindow, _open_in_main
from ui.screens.order_editor import OrderEditor
from ui.screens.orders import OrderWindow
from ui.screens import statistics  # noqa: F401  (registers the Statistics window)
from ui.windows.registry import CreateAction, register_create, register_detail


def _new_order(kind: str):
    def run(session, parent) -> None:
        editor = OrderEditor(session, kind, parent=parent)
        editor.saved.connect(lambda oid: _open_in_main(parent, "order", oid))
        editor.exec()
    return run


def _new_customer(session, parent) -> None:
    window = CustomerWindow(session, None, parent)
    window.exec()
    if window.customer_id is not None:
        _open_in_main(parent, "customer", window.customer_id)


register_detail("order", OrderWindow)
register_detail("customer", CustomerWindow)
register_create(CreateAction("new_purchase_order", N_("New purchase order"), Perm.CREATE_ORDERS, "Ctrl+N",
                             _new_order("purchase")))
register_create(CreateAction("new_consignment_order", N_("New consignment order"), Perm.CREATE_ORDERS,
                             "Ctrl+Shift+N", _new_order("consignment")))
register_create(CreateAction("new_customer", N_("New customer"), Perm.EDIT_CUSTOMERS, "Ctrl+Shift+K",
                             _new_customer))
from ui.screens import money as _money  # noqa: E402,F401  (money and purchasing)
from ui.screens import notify as _notify  # noqa: E402,F401  (tasks, delays, outbox)
from ui.screens import complaints as _complaints  # noqa: E402,F401  (complaints and seller claims)
