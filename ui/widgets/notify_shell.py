"""What tasks, delays and notifications add to the main window, installed in one call so the main
window stays free of this capability: the notification centre (toolbar button and panel), the
bar of actions on the selected task or message, and the menu entries for the shipments
calendar and the mail server."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from app.i18n import _
from app.permissions import Perm
from ui.widgets.notifications import NotificationCentre
from ui.widgets.queue_actions import QueueActionsBar


def install(main) -> None:
    toolbar = main.findChild(QToolBar, "main_toolbar")
    toolbar.addSeparator()
    main.notifications = NotificationCentre(main)
    toolbar.addWidget(main.notifications.button)
    main.addToolBarBreak()
    main.queue_actions = QueueActionsBar(main)
    main.addToolBar(main.queue_actions)

    view_menu = main.findChild(QMenu, "menu_view")
    view_menu.addSeparator()
    notifications = QAction(_("Notifications"), main)
    notifications.setObjectName("action_notifications")
    notifications.setShortcut(QKeySequence("F9"))   # on the window, not the button: it may be in the toolbar's overflow
    notifications.triggered.connect(lambda: main.notifications.button.toggle())
    view_menu.addAction(notifications)
    main.addAction(notifications)
    shipments = QAction(_("Upcoming shipments…"), main)
    shipments.setObjectName("action_shipments")
    shipments.setShortcut(QKeySequence("Ctrl+Shift+G"))   # Ctrl+Shift+S is Statistics
    shipments.triggered.connect(lambda: open_shipments(main))
    view_menu.addAction(shipments)
    main.addAction(shipments)
    admin_menu = main.findChild(QMenu, "menu_admin")
    mail = QAction(_("Mail server…"), main)
    mail.setObjectName("action_mail_server")
    mail.triggered.connect(lambda: open_mail_server(main))
    admin_menu.addAction(mail)

    def follow_role(_role=None) -> None:
        shipments.setVisible(main.session.can(Perm.VIEW_ORDERS))
        shipments.setEnabled(main.session.can(Perm.VIEW_ORDERS))
        mail.setVisible(main.session.can(Perm.EDIT_SETTINGS))

    main.session.role_changed.connect(follow_role)
    follow_role()


def open_shipments(main) -> None:
    from ui.screens.delay_schedule import UpcomingShipmentsWindow

    window = getattr(main, "shipments_window", None)
    if window is not None and window.isVisible():
        window.raise_()
        window.activateWindow()
        return
    main.shipments_window = UpcomingShipmentsWindow(main.session, main)
    main.shipments_window.show()


def open_mail_server(main) -> None:
    from ui.screens.outbox import MailServerDialog

    MailServerDialog(main.session, main).exec()
