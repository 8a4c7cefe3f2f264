"""Tasks, delays and notifications register their windows: a task, a customer message, and the
order window's "Schedule" tab."""
from app.i18n import N_
from app.permissions import Perm
from ui.screens.outbox import OutboxMessageWindow
from ui.screens.delay_schedule import ScheduleTab
from ui.screens.task_window import TaskWindow
from ui.windows.registry import OrderTab, register_detail, register_order_tab

register_detail("task", TaskWindow)
register_detail("customer_message", OutboxMessageWindow)
register_order_tab(OrderTab("order_tab_schedule", N_("Schedule"), Perm.VIEW_ORDERS, ScheduleTab, order=20))
