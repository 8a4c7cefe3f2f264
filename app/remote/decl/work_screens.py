"""Remote operations of the work screens area (see app.remote.decl): tasks, shipments,
deliveries, the outbox and the mail server, the shipments calendar and the order's schedule
tab, tracking-list imports."""
from __future__ import annotations


def declare(add) -> None:
    from app.remote import views_work as v
    from app.services import activity, alerts, deliveries, delays, outbox, parcel_imports, shipments, tasks
    from app.services import settings as settings_service

    add("activity.history", activity.history)
    # tasks
    add("tasks.window", v.task_window)                 # the task and its history, one call
    add("tasks.new_task_form", v.new_task_form)        # "now" and the department's people, one call
    add("tasks.get", tasks.get_task)
    add("tasks.assign_form", v.assign_form)            # the task and its role's people, one call
    add("tasks.create_manual", tasks.create_manual_task)
    add("tasks.claim", tasks.claim_task)
    add("tasks.assign", tasks.assign_task)
    add("tasks.complete", tasks.complete_task)
    add("tasks.reschedule", tasks.reschedule_task)
    add("tasks.cancel", tasks.cancel_task)
    # shipments (pack_scan and receive_scan are declared in app.remote.ops)
    add("shipments.warehouses", v.warehouses)
    add("shipments.open", shipments.open_shipment)
    add("shipments.get", shipments.get_shipment)
    add("shipments.arrive_scan", shipments.arrive_scan)
    # a scan and the shipment after it, one round trip per scan
    add("shipments.arrive_scan_view", v.shipment_arrive_scan)
    add("shipments.pack_scan_view", v.shipment_pack_scan)
    add("shipments.receive_scan_view", v.shipment_receive_scan)
    add("shipments.unpack", shipments.unpack)
    add("shipments.seal", shipments.seal_shipment)
    add("shipments.reopen", shipments.reopen_shipment)
    add("shipments.cancel", shipments.cancel_shipment)
    add("shipments.depart", shipments.depart_shipment)
    add("shipments.close", shipments.close_shipment)
    add("shipments.manifest", v.manifest)              # PDF or XLSX bytes
    add("alerts.acknowledge", alerts.acknowledge_alerts)
    # deliveries
    add("deliveries.deliverable_parcels", deliveries.deliverable_parcels)
    add("deliveries.create", deliveries.create_delivery)
    add("deliveries.get", deliveries.get_delivery)
    add("deliveries.pack_scan", deliveries.pack_scan)
    add("deliveries.pack_scan_view", v.delivery_pack_scan)   # the scan and the delivery after it
    add("deliveries.issue_slip", deliveries.issue_slip)
    add("deliveries.note", v.delivery_note)            # PDF bytes
    add("deliveries.hand_over", deliveries.hand_over)
    add("deliveries.set_courier_tracking", deliveries.set_courier_tracking)
    add("deliveries.confirm_delivered", deliveries.confirm_delivered)
    add("deliveries.failed", deliveries.delivery_failed)
    add("deliveries.cancel", deliveries.cancel_delivery)
    # the outbox and the mail server
    add("outbox.message_window", v.outbox_message_window)   # the message and its history, one call
    add("outbox.retry_now", outbox.retry_now)
    add("outbox.mark_phoned", outbox.mark_phoned)
    add("outbox.mail_server", v.mail_server)                # the settings and "a password is stored"
    add("outbox.set_smtp_password", outbox.set_smtp_password)
    add("outbox.send_test_email", v.send_test_email)
    add("settings.update", settings_service.update_settings)
    # the shipments calendar and the order's schedule tab
    add("delays.calendar", v.shipments_calendar)            # the month's counts and the day, one call
    add("delays.shipment_counts", v.shipment_counts)
    add("delays.shipments_on", v.shipments_on)
    add("delays.order_schedule", delays.order_schedule)
    # tracking-list imports: the desktop reads the file and sends its bytes
    add("parcel_imports.preview", parcel_imports.preview)
    add("parcel_imports.import", v.import_parcels)
