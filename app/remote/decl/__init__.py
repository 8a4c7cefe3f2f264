"""The remote operations of each area of the desktop, one module per area.

Each module has ``declare(add)`` and calls ``add("area.verb", module.function)`` for every
service function or read model its screens call through ``Session.call``. The list is explicit
(not a directory scan) so the frozen bundle holds every module."""

AREAS = ("shell", "orders_screens", "money_screens", "work_screens", "stations", "chat", "remedies", "lots", "carriers", "quotes", "seals")
