"""Remote operations of the shell area (see app.remote.decl): the main window and its queues, the
generic detail window, notifications, the queue export, settings, users and warehouses, backups.
The wire-shaped read models and wrappers are in app.remote.views_shell."""
from __future__ import annotations


def declare(add) -> None:
    from app.remote import views_shell as v
    from app.services import activity, outbox, staff_inbox, tasks, users
    from app.services import settings as settings_service

    # the main window and its queues
    add("queues.count", v.queue_count)
    add("queues.filter_options", v.filter_options)
    add("shell.open_window", v.window_open)              # settings + the first queue, one call
    add("queues.open", v.queue_open)                      # filters' choices + first page, one call
    add("queues.record", v.queue_record)                  # the generic detail window, one call
    add("queues.export_xlsx", v.export_queue)             # XLSX bytes: the desktop writes the file
    add("activity.history", activity.history)
    # notifications and the selected row's actions
    add("notifications.badge", v.notification_badge)      # unread count + newest title, one call
    add("notifications.inbox", staff_inbox.inbox)
    add("notifications.mark_read", v.mark_notifications_read)
    add("notifications.mark_all_read", staff_inbox.mark_all_read)
    add("outbox.is_configured", outbox.is_configured)
    add("tasks.get", tasks.get_task)
    # settings
    add("settings.read_all", settings_service.read_all)
    add("settings.update", settings_service.update_settings)
    # users and warehouses
    add("users.admin", v.users_admin)                     # users + warehouses, one call
    add("users.create", users.create_user)
    add("users.update", users.update_user)
    add("users.unlock", users.unlock_user)
    add("users.reset_password", users.reset_password)
    add("users.save_warehouse", users.save_warehouse)
    # backups (named by file name; a file to restore from travels as bytes)
    add("backup.overview", v.backup_overview)
    add("backup.back_up_now", v.back_up_now)
    add("backup.receive", v.receive_backup)
    add("backup.inspect", v.inspect_backup)
    add("backup.restore", v.restore_backup)
