"""The order window: status tracker, dates, "Update status", items, files, two chats, activity."""
from __future__ import annotations

import tempfile
from html import escape
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateTimeEdit, QDialog,
                               QDialogButtonBox, QFormLayout, QFrame, QGridLayout,
                               QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QListWidget, QListWidgetItem, QMenu, QPlainTextEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QTabWidget, QToolButton, QVBoxLayout,
                               QWidget)

from app.errors import DomainError, StaleEdit
from app.fees import SERVICES
from app.i18n import N_, _, fmt_date, fmt_datetime, fmt_decimal, fmt_money
from app.permissions import Perm
from app.services import orders   # its dataclasses; the data comes through session.call
from app.workflows.orders import ORDER_KIND_LABELS, OrderKind
from ui.common import ask_open_paths, ask_save_path, fit_to_screen, named, open_in_main, report_error
from ui.screens.customer_mail import delivery_note
from ui.screens.order_editor import ConfirmOrderDialog, OrderEditor
from ui.session import Session
from ui.windows import registry
from ui.windows.detail import ActivityTimeline

FILE_KINDS = {"image": N_("Image"), "inspection": N_("Inspection photo"), "report": N_("Report"),
              "other": N_("Other")}
STATUS_COLOURS = {"current": "#1565c0", "passed": "#2e7d32", "ahead": "#9e9e9e", "exit": "#c62828"}


def parcel_status_label(status: str) -> str:
    """A parcel's status in words, from the parcel workflow when one is declared."""
    from app.workflows import FLOWS

    flow = FLOWS.get("parcel")
    return _(flow.label(status)) if flow is not None else status


class StatusTracker(QWidget):
    """Every status of the order's line; passed ones with when and who, the current one marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "order_tracker", _("Status tracker"))
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 4, 0, 4)
        self.grid.setHorizontalSpacing(8)     # a step's name never runs into the next one's

    def show_steps(self, steps: tuple[orders.TrackerStep, ...]) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w:
                w.deleteLater()
        for i, s in enumerate(steps):
            if s.current:
                state = "exit" if s.is_exit else "current"
            else:
                state = "passed" if s.reached else "ahead"
            colour = STATUS_COLOURS[state]
            dot = QLabel("●" if s.reached or s.current else "○")
            dot.setStyleSheet(f"color: {colour}; font-size: 16px;")
            dot.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label = named(QLabel(_(s.label)), f"tracker_{s.status}")
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            weight = "bold" if s.current else "normal"
            label.setStyleSheet(f"color: {colour}; font-weight: {weight}; font-size: 11px;")
            when = QLabel(f"{fmt_datetime(s.at)}\n{s.who}" if s.at else "")
            when.setAlignment(Qt.AlignmentFlag.AlignCenter)
            when.setStyleSheet("color: #666; font-size: 10px;")
            if s.current:
                label.setAccessibleName(_("Current status: {status}").format(status=_(s.label)))
            self.grid.setColumnStretch(i, 1)     # equal columns: a long name wraps inside its own
            self.grid.addWidget(dot, 0, i)
            self.grid.addWidget(label, 1, i)
            self.grid.addWidget(when, 2, i)


class MessageEdit(QPlainTextEdit):
    """A message box that sends on Ctrl+Enter (plain Enter makes a new line)."""

    submitted = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ChatPanel(QWidget):
    """One of the order's two conversations: internal (staff only) or with the customer."""

    def __init__(self, window: "OrderWindow", channel: str) -> None:
        super().__init__(window)
        self.window, self.channel = window, channel
        self.list = named(QListWidget(), f"chat_{channel}_list", _("Messages"))
        self.list.setWordWrap(True)
        self.input = named(MessageEdit(), f"chat_{channel}_input", _("Message"))
        self.input.setMaximumHeight(80)
        self.input.setPlaceholderText(_("Write a message… (Ctrl+Enter sends)"))
        self.send_button = named(QPushButton(_("Send")), f"chat_{channel}_send")
        self.send_button.clicked.connect(self.send)
        self.input.submitted.connect(self.send)
        self.from_customer = named(QCheckBox(_("Record the customer's reply (by phone, Zalo…)")),
                                   f"chat_{channel}_from_customer")
        self.from_customer.setVisible(channel == "customer")
        row = QHBoxLayout()
        row.addWidget(self.from_customer)
        row.addStretch(1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.input)
        layout.addLayout(row)

    def load(self) -> None:
        s = self.window.session
        self.show_messages(s.call("orders.messages", self.window.order_id, self.channel))

    def show_messages(self, messages) -> None:
        self.list.clear()
        for m in messages:
            who = m.author_name + (" " + _("(customer)") if m.from_customer else "") + delivery_note(m)
            item = QListWidgetItem(f"{fmt_datetime(m.created_at)} · {who}\n{m.body}")
            if m.from_customer:
                item.setBackground(Qt.GlobalColor.lightGray)
            self.list.addItem(item)
        self.list.scrollToBottom()

    def send(self) -> None:
        s = self.window.session
        try:
            s.call("orders.post_message", self.window.order_id, self.channel, self.input.toPlainText(),
                   from_customer=self.from_customer.isChecked())
        except DomainError as exc:
            report_error(self, exc)
            return
        self.input.clear()
        self.from_customer.setChecked(False)
        self.load()


class FilesPanel(QWidget):
    def __init__(self, window: "OrderWindow") -> None:
        super().__init__(window)
        self.window = window
        self.list = named(QListWidget(), "order_files_list", _("Files"))
        self.list.setAcceptDrops(True)
        self.list.itemActivated.connect(self.open_file)
        self.kind = named(QComboBox(), "order_file_kind", _("Kind"))
        for code, label in FILE_KINDS.items():
            self.kind.addItem(_(label), code)
        add = named(QPushButton(_("Add file…")), "order_add_file")
        add.clicked.connect(self.choose)
        open_ = named(QPushButton(_("Open file")), "order_open_file")
        open_.clicked.connect(lambda: self.open_file(self.list.currentItem()))
        row = QHBoxLayout()
        row.addWidget(self.kind)
        row.addWidget(add)
        row.addWidget(open_)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self.setAcceptDrops(True)

    def show_files(self, files: tuple[orders.FileView, ...]) -> None:
        self.list.clear()
        for f in files:
            item = QListWidgetItem(f"{f.name} · {_(FILE_KINDS.get(f.kind, f.kind))} · {fmt_decimal(f.size // 1024 or 1)} KB · "
                                   f"{fmt_datetime(f.uploaded_at)} · {f.uploaded_by}")
            item.setData(Qt.ItemDataRole.UserRole, f.file_id)
            self.list.addItem(item)

    def choose(self) -> None:
        paths = ask_open_paths(self, _("Add files"),
                               _("Images, PDF and Excel") + " (*.png *.jpg *.jpeg *.gif *.webp *.pdf *.xlsx)")
        for p in paths:
            self.add_path(p)

    def add_path(self, path: str) -> bool:
        s = self.window.session
        try:
            s.call("orders.attach_file", self.window.order_id, Path(path).name, Path(path).read_bytes(),
                   self.kind.currentData())
        except (DomainError, OSError) as exc:
            report_error(self, exc)
            return False
        self.window.reload()
        return True

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.add_path(url.toLocalFile())

    def open_file(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        s = self.window.session
        try:
            mime, data = s.call("orders.read_file", item.data(Qt.ItemDataRole.UserRole))
        except DomainError as exc:
            report_error(self, exc)
            return
        name = item.text().split(" · ")[0]
        path = Path(tempfile.mkdtemp(prefix="importdesk-")) / name
        path.write_bytes(data)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class OrderWindow(QDialog):
    """One order, everything about it; only the steps the current role may take are offered."""

    def __init__(self, session: Session, order_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "order_window", _("Order"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.session, self.order_id = session, order_id
        self.view: orders.OrderView | None = None
        self.images: dict[int, tuple[str, bytes]] = {}     # the items' pictures, by file id

        self.code = named(QLabel(""), "order_code", _("Order code"))
        self.code.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.kind = named(QLabel(""), "order_kind")
        self.status = named(QLabel(""), "order_status", _("Status"))
        self.status.setStyleSheet("font-size: 14px; font-weight: bold; color: #1565c0;")
        self.update_button = named(QToolButton(), "order_update_status", _("Update status"))
        self.update_button.setText(_("Update status"))
        self.update_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.update_menu = QMenu(self.update_button)
        self.update_menu.setObjectName("order_update_menu")
        self.update_button.setMenu(self.update_menu)
        self.more_button = named(QToolButton(), "order_more", _("More"))
        self.more_button.setText(_("More ⋯"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_menu = QMenu(self.more_button)
        self.more_menu.setObjectName("order_more_menu")
        self.more_button.setMenu(self.more_menu)
        top = QHBoxLayout()
        top.addWidget(self.code)
        top.addWidget(self.kind)
        top.addStretch(1)
        top.addWidget(self.status)
        top.addSpacing(12)
        top.addWidget(self.update_button)
        top.addWidget(self.more_button)

        self.people = named(QLabel(""), "order_people")
        self.people.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dates = named(QLabel(""), "order_dates")
        self.dates.setWordWrap(True)    # five dates and who changed the order last: two lines on a laptop
        self.dates.setTextFormat(Qt.TextFormat.RichText)   # the expected day in red when it is late
        self.notice = named(QLabel(""), "order_notice")
        self.notice.setStyleSheet("color: #b3261e;")
        self.tracker = StatusTracker()
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)

        self.tabs = named(QTabWidget(), "order_tabs")
        self.items = named(QTableWidget(0, 10), "order_items_table", _("Items"))
        self.items.setHorizontalHeaderLabels([_("Image"), _("Shop"), _("Title (Chinese)"), _("Variant"),
                                              _("Qty"), _("Qty bought"), _("Qty received"), _("Unit price (CNY)"),
                                              _("Amount (CNY)"), _("Note")])
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.items.horizontalHeader().setStretchLastSection(True)
        self.items.setColumnWidth(2, 240)
        self.items.cellDoubleClicked.connect(self._open_item_link)
        self.items_total = named(QLabel(""), "order_items_total_view")
        items_page = QWidget()
        il = QVBoxLayout(items_page)
        il.addWidget(self.items, 1)
        il.addWidget(self.items_total)
        self.codes = named(QListWidget(), "order_tracking_codes_view", _("Tracking codes"))
        self.goods = named(QLabel(""), "order_goods_view")
        codes_page = QWidget()
        cl = QVBoxLayout(codes_page)
        cl.addWidget(self.goods)
        cl.addWidget(self.codes, 1)
        self.files = FilesPanel(self)
        self.chat_internal = ChatPanel(self, "internal")
        self.chat_customer = ChatPanel(self, "customer")
        self.timeline = ActivityTimeline()
        # The history is read when its tab is shown (and again on each reload while it is):
        # most people open an order for its items, money or chats, not its history.
        self._history_stale = True
        self.tabs.currentChanged.connect(lambda _i: self._show_history_if_current())
        self._items_page, self._codes_page = items_page, codes_page
        self.extra_tabs: list[QWidget] = []

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.people)
        layout.addWidget(self.dates)
        self.couriers = named(QLabel(""), "order_courier_links")
        self.couriers.setOpenExternalLinks(True)
        self.couriers.hide()
        layout.addWidget(self.couriers)
        layout.addWidget(self.notice)
        layout.addWidget(self.tracker)
        layout.addWidget(line)
        layout.addWidget(self.tabs, 1)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, activated=self.reload)
        QShortcut(QKeySequence("Ctrl+U"), self, activated=self.update_button.showMenu)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.edit)
        fit_to_screen(self, 1240, 800)
        self.reload(first=True)

    # -- loading -----------------------------------------------------------------------------------
    def reload(self, first: bool = False) -> None:
        s = self.session
        w = s.call("orders.window", self.order_id)     # header, tracker, items, files, chats: one call
        v = self.view = w.order
        self.images = w.images
        self.setWindowTitle(_("Order {code} — {customer}").format(code=v.code, customer=v.customer_name))
        self.code.setText(v.code)
        self.kind.setText(_(ORDER_KIND_LABELS[OrderKind(v.kind)]))
        self.status.setText(_(v.status_label))
        services = ", ".join(_(SERVICES[c].label) for c in v.services if c in SERVICES) or _("none")
        self.people.setText(
            _("Customer: {code} {name} · {phone}").format(code=v.customer_code, name=v.customer_name, phone=v.customer_phone)
            + "\n" + _("Customer care: {care} · Ordering staff: {buyer} · VN warehouse: {dest} · CN warehouse: {recv}").format(
                care=v.care_staff_name or "—", buyer=v.ordering_staff_name or "—",
                dest=v.destination_warehouse or "—", recv=v.receiving_warehouse or "—")
            + "\n" + _("Delivery address: {address}").format(address=v.delivery_address or "—")
            + "\n" + _("Extra services: {services}").format(services=services))
        late = v.committed_deliver_by is not None and v.expected_deliver_at is not None \
            and v.expected_deliver_at > v.committed_deliver_by
        expected = escape(fmt_date(v.expected_deliver_at) or "—")
        # the day the customer is told (shipping e-mails) is later than promised: say so at a glance
        self.dates.setText(escape(_("To be shipped by: {ship} (estimate {est_ship}) · To be delivered by: {deliver} "
                                    "(estimate {est_deliver}) · Expected delivery: {expected} · "
                                    "Last change: {changed} by {who}")).format(
            ship=escape(fmt_date(v.committed_ship_by) or "—"), est_ship=escape(fmt_date(v.estimated_ship_at) or "—"),
            deliver=escape(fmt_date(v.committed_deliver_by) or "—"),
            est_deliver=escape(fmt_date(v.estimated_deliver_at) or "—"),
            expected=f'<b style="color: #c62828;">{expected}</b>' if late else expected,
            changed=escape(fmt_datetime(v.updated_at)), who=escape(v.updated_by or "—")))
        self._show_couriers(w.couriers)
        notices = []
        if v.status_reason and v.ended:
            notices.append(_("Reason: {reason}").format(reason=v.status_reason))
        if v.awaiting_customer:
            notices.append(_("Waiting for the customer's answer."))
        if v.approval_pending:
            notices.append(_("A chosen service needs a manager's approval."))
        if v.has_count_differences:
            notices.append(_("The goods count found differences: a complaint is proposed (More ▸ Open the "
                             "proposed complaint…)."))
        if v.is_draft and v.expires_at:
            notices.append(_("This cart expires on {date} unless it is submitted.").format(date=fmt_datetime(v.expires_at)))
        self.notice.setText(" · ".join(notices))
        self.notice.setVisible(bool(notices))
        self.tracker.show_steps(v.tracker)
        self._fill_items(v)
        self.files.show_files(v.files)
        self._history_stale = True
        self._show_history_if_current()
        if first:
            self._build_tabs(v)         # each capability's tab fills itself as it is built
        else:
            for tab in self.extra_tabs:
                if hasattr(tab, "refresh"):
                    tab.refresh(v)
        if w.internal_chat is not None:
            self.chat_internal.show_messages(w.internal_chat)
        if w.customer_chat is not None:
            self.chat_customer.show_messages(w.customer_chat)
        self._build_menus(v)

    def _show_history_if_current(self) -> None:
        if self._history_stale and self.tabs.currentWidget() is self.timeline:
            s = self.session
            self.timeline.show_lines(s.call("activity.history", "order", self.order_id))
            self._history_stale = False

    def _build_tabs(self, v: orders.OrderView) -> None:
        s = self.session
        if v.kind == OrderKind.PURCHASE:
            self.tabs.addTab(self._items_page, _("Items ({n})").format(n=len(v.items)))
        else:
            self.tabs.addTab(self._codes_page, _("Tracking codes ({n})").format(n=len(v.tracking_codes)))
        self.tabs.addTab(self.files, _("Files"))
        if s.can(Perm.CHAT_INTERNAL):
            self.tabs.addTab(self.chat_internal, _("Internal chat"))
        if s.can(Perm.CHAT_CUSTOMER):
            self.tabs.addTab(self.chat_customer, _("Chat with customer"))
        for spec in registry.order_tabs():
            if s.can(spec.perm):
                widget = spec.factory(s, v, self)
                widget.setObjectName(spec.name)
                self.extra_tabs.append(widget)
                self.tabs.addTab(widget, _(spec.title))
        self.tabs.addTab(self.timeline, _("Activity"))

    def _show_couriers(self, rows) -> None:
        """The Vietnamese courier carrying the order's parcels, with its tracking page."""
        parts = [(_("Courier: {courier} · tracking {code}").format(courier=escape(c or "—"), code=escape(t))
                  + (f" · <a href='{escape(link)}'>{escape(link)}</a>" if link else "")) for c, t, link in rows]
        self.couriers.setText("<br>".join(parts))
        self.couriers.setVisible(bool(parts))

    def _fill_items(self, v: orders.OrderView) -> None:
        if v.kind != OrderKind.PURCHASE:
            self.goods.setText(_("Goods: {goods}").format(goods=v.goods_description or "—"))
            self.codes.clear()
            for code, status in v.tracking_codes:
                self.codes.addItem(f"{code} · {parcel_status_label(status)}")
            return
        self.items.setRowCount(len(v.items))
        for r, it in enumerate(v.items):
            received = fmt_decimal(it.quantity_received)
            if it.quantity_damaged or it.quantity_wrong:       # the count's bad pieces, without hovering
                received = _("{good} (+{damaged} damaged, {wrong} wrong item)").format(
                    good=received, damaged=fmt_decimal(it.quantity_damaged), wrong=fmt_decimal(it.quantity_wrong))
            values = ["", " · ".join(x for x in (it.shop_name or _("(shop not known yet)"), it.platform) if x),
                      it.title or it.product_url, it.variant, fmt_decimal(it.quantity),
                      "" if it.quantity_bought is None else fmt_decimal(it.quantity_bought),
                      received, fmt_decimal(it.unit_price_cny, digits=2),
                      fmt_decimal(it.line_total.amount, digits=2),
                      " · ".join(x for x in (_("no tally") if it.tally_exempt else "", it.note) if x)]
            for c, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if c in (4, 5, 6, 7, 8):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c == 2:
                    cell.setToolTip(it.product_url)
                    cell.setData(Qt.ItemDataRole.UserRole, it.product_url)
                if c == 6 and (it.quantity_damaged or it.quantity_wrong):
                    cell.setToolTip(_("Damaged: {damaged} · Wrong item: {wrong}").format(
                        damaged=fmt_decimal(it.quantity_damaged), wrong=fmt_decimal(it.quantity_wrong)))
                    cell.setForeground(QColor("#b3261e"))
                self.items.setItem(r, c, cell)
            if it.image_file_id:
                _mime, data = self.images.get(it.image_file_id, ("", b""))
                pix = QPixmap()
                pix.loadFromData(QByteArray(data))
                if not pix.isNull():
                    self.items.item(r, 0).setData(Qt.ItemDataRole.DecorationRole,
                                                  pix.scaled(56, 56, Qt.AspectRatioMode.KeepAspectRatio))
                    self.items.setRowHeight(r, 60)
        # the image column only when an item has one; the others as wide as what they show
        self.items.setColumnHidden(0, not any(it.image_file_id for it in v.items))
        for c in range(1, self.items.columnCount() - 1):
            self.items.resizeColumnToContents(c)
            self.items.setColumnWidth(c, min(self.items.columnWidth(c), 260))
        self.items_total.setText(_("{n} items · goods {amount}").format(n=fmt_decimal(v.item_count),
                                                                         amount=fmt_money(v.goods_cny)))

    def _open_item_link(self, row: int, column: int) -> None:
        cell = self.items.item(row, 2)
        if cell and cell.data(Qt.ItemDataRole.UserRole):
            QDesktopServices.openUrl(QUrl(cell.data(Qt.ItemDataRole.UserRole)))

    # -- menus -------------------------------------------------------------------------------------
    def _build_menus(self, v: orders.OrderView) -> None:
        self.update_menu.clear()
        for a in v.actions:
            act = self.update_menu.addAction(_(a.label))
            act.setObjectName(f"action_{a.action}")
            act.triggered.connect(lambda _c=False, a=a: self.take(a.action, a.needs_reason))
        self.update_button.setEnabled(bool(v.actions))
        if not v.actions:
            self.update_button.setToolTip(_("Your role has no step to take on this order now."))
        s = self.session
        self.more_menu.clear()

        def add(name: str, text: str, slot, enabled: bool = True) -> None:
            act = self.more_menu.addAction(text)
            act.setObjectName(name)
            act.setEnabled(enabled)
            act.triggered.connect(slot)

        closed = not v.can_edit
        if s.can(Perm.EDIT_ORDERS):
            add("order_edit", _("Edit order…"), self.edit, not closed)
        if s.can(Perm.CONFIRM_ORDERS):
            add("order_assign", _("Assign staff…"), self.assign, not closed)
        if s.can(Perm.EDIT_ORDERS):
            add("order_waiting", _("No longer waiting for the customer") if v.awaiting_customer
                else _("Mark as waiting for the customer"), self.toggle_waiting, not closed)
            add("order_estimates", _("Change estimated dates…"), self.change_estimates, not closed)
        self.more_menu.addSeparator()
        for spec in registry.order_commands():
            if s.can(spec.perm) and spec.available(v, s.actor):
                add(spec.name, _(spec.label), lambda _c=False, spec=spec: self._run_command(spec))
        self.more_menu.addSeparator()
        add("order_export_pdf", _("Export to PDF…"), self.export_pdf)
        add("order_export_xlsx", _("Export to Excel…"), self.export_xlsx)

    # -- actions -------------------------------------------------------------------------------------
    def take(self, action: str, needs_reason: bool, reason: str | None = None) -> bool:
        v = self.view
        if action == "accept":
            dialog = ConfirmOrderDialog(self.session, v, self)
            done = dialog.exec() == QDialog.DialogCode.Accepted
            self.reload()
            return done
        if needs_reason and reason is None:
            label = next((_(a.label) for a in v.actions if a.action == action), action)
            reason, ok = QInputDialog.getMultiLineText(self, label, _("Reason (the customer may read it):"))
            if not ok:
                return False
        try:
            self.session.call("orders.apply_action", v.id, action, reason, seen_version=v.version)
        except StaleEdit as exc:
            report_error(self, exc)
            self.reload()
            return False
        except DomainError as exc:
            report_error(self, exc)
            return False
        self.reload()
        return True

    def edit(self) -> None:
        editor = OrderEditor(self.session, self.view.kind, self.view.id, parent=self)
        if editor.exec() == QDialog.DialogCode.Accepted:
            self.reload()

    def assign(self) -> None:
        v = self.view
        try:
            staff = self.session.call("orders.staff_choices")
        except DomainError as exc:
            report_error(self, exc)
            return
        care = [(None, "—")] + list(staff.care)
        buyers = [(None, "—")] + list(staff.ordering)
        dialog = AssignDialog(care, buyers, v.care_staff_id, v.ordering_staff_id, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.session.call("orders.assign_staff", v.id, dialog.care.currentData(),
                              dialog.buyer.currentData(), seen_version=v.version)
        except DomainError as exc:
            report_error(self, exc)
        self.reload()

    def toggle_waiting(self) -> None:
        try:
            self.session.call("orders.set_awaiting_customer", self.view.id, not self.view.awaiting_customer)
        except DomainError as exc:
            report_error(self, exc)
        self.reload()

    def change_estimates(self) -> None:
        dialog = EstimatesDialog(self.view, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.session.call("orders.update_estimates", self.view.id, dialog.ship(),
                              dialog.deliver(), dialog.reason.toPlainText())
        except DomainError as exc:
            report_error(self, exc)
        self.reload()

    def _run_command(self, spec: registry.OrderCommand) -> None:
        try:
            changed = spec.run(self.session, self.view, self)
        except Exception as exc:
            report_error(self, exc)
            return
        if changed:
            self.reload()

    def export_pdf(self) -> None:
        self._export("pdf")

    def export_xlsx(self) -> None:
        self._export("xlsx")

    def _export(self, kind: str) -> None:
        path = ask_save_path(self, _("Export order"), f"{self.view.code}.{kind}",
                             "PDF (*.pdf)" if kind == "pdf" else "Excel (*.xlsx)")
        if not path:
            return
        try:
            data = self.session.call("orders.export_pdf" if kind == "pdf" else "orders.export_xlsx", self.view.id)
            Path(path).write_bytes(data)    # the server made the document; it is saved here
        except Exception as exc:
            report_error(self, exc)
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))


class AssignDialog(QDialog):
    def __init__(self, care, buyers, care_id, buyer_id, parent=None) -> None:
        super().__init__(parent)
        named(self, "assign_dialog", _("Assign staff"))
        self.setWindowTitle(_("Assign staff"))
        self.care = named(QComboBox(), "assign_care_staff")
        self.buyer = named(QComboBox(), "assign_ordering_staff")
        for box, people, current in ((self.care, care, care_id), (self.buyer, buyers, buyer_id)):
            for uid, name in people:
                box.addItem(name, uid)
            box.setCurrentIndex(max(0, box.findData(current)))
        form = QFormLayout(self)
        form.addRow(_("Customer care"), self.care)
        form.addRow(_("Ordering staff"), self.buyer)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "assign_submit").setText(_("Assign"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)


class EstimatesDialog(QDialog):
    """New estimated dates: a reason is required, the customer is told."""

    def __init__(self, view: orders.OrderView, parent=None) -> None:
        super().__init__(parent)
        named(self, "estimates_dialog", _("Estimated dates"))
        self.setWindowTitle(_("Change estimated dates"))
        from PySide6.QtCore import QDateTime

        def editor(name: str, value):
            w = named(QDateTimeEdit(), name)
            w.setCalendarPopup(True)
            w.setDisplayFormat("dd/MM/yyyy HH:mm")
            if value is not None:
                w.setDateTime(QDateTime(value.astimezone()))
            else:
                w.setDateTime(QDateTime.currentDateTime())
            return w

        self.ship_edit = editor("estimates_ship", view.estimated_ship_at)
        self.deliver_edit = editor("estimates_deliver", view.estimated_deliver_at)
        self.reason = named(QPlainTextEdit(), "estimates_reason", _("Reason"))
        form = QFormLayout(self)
        form.addRow(_("Estimated shipping"), self.ship_edit)
        form.addRow(_("Estimated delivery"), self.deliver_edit)
        form.addRow(_("Reason (sent to the customer)"), self.reason)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "estimates_submit").setText(_("Save"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def ship(self):
        return self.ship_edit.dateTime().toPython().astimezone()

    def deliver(self):
        return self.deliver_edit.dateTime().toPython().astimezone()


def new_purchase_order(session: Session, parent: QWidget) -> None:
    _new_order(session, "purchase", parent)


def new_consignment_order(session: Session, parent: QWidget) -> None:
    _new_order(session, "consignment", parent)


def _new_order(session: Session, kind: str, parent: QWidget) -> None:
    editor = OrderEditor(session, kind, parent=parent)
    editor.saved.connect(lambda oid: open_in_main(parent, "order", oid))
    editor.exec()


registry.register_detail("order", OrderWindow)
