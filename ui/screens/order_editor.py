"""Creating and editing an order: customer, services, items (with images and a cart import) or
declared tracking codes; and the manager's "confirm and assign" dialog."""
from __future__ import annotations

import os
from decimal import Decimal
from typing import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                               QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.errors import DomainError, StaleEdit, ValidationFailed
from app.fees import CHOOSABLE, SERVICES
from app.i18n import N_, NumberInputError, _, fmt_decimal, parse_decimal
from app.import_columns import SHEET_PATTERNS
from app.progress import Cancelled
from app.services import cart_import, orders   # their dataclasses and pure helpers; data comes through session.call
from app.workflows.orders import OrderKind
from ui.common import ask_open_path, error_label, fit_to_screen, named, report_error, show_field_errors
from ui.session import Session
from ui.widgets.customer_picker import CustomerPicker  # noqa: F401 (the editor's customer field)
from ui.widgets.sheet_import import PREVIEW_IN_BACKGROUND

ITEM_COLUMNS = ("shop_name", "platform", "product_url", "title", "variant", "quantity",
                "unit_price_cny", "tally_exempt", "note", "image")
ITEM_TITLES = {"shop_name": N_("Shop"), "platform": N_("Platform"), "product_url": N_("Product link"),
               "title": N_("Title (Chinese)"), "variant": N_("Variant"), "quantity": N_("Qty"),
               "unit_price_cny": N_("Unit price (CNY)"), "note": N_("Note"), "image": N_("Image"),
               "tally_exempt": N_("No tally")}
BAD = QColor("#fde2e1")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def image_bytes(image: QImage) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data())


class ItemsTable(QTableWidget):
    """The items grid: edit in place, paste an image from the clipboard, drop image files."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(ITEM_COLUMNS), parent)
        named(self, "order_items_editor", _("Items"))
        self.setHorizontalHeaderLabels([_(ITEM_TITLES[c]) for c in ITEM_COLUMNS])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = self.horizontalHeader().fontMetrics()
        for i, w in enumerate((150, 90, 220, 180, 120, 50, 110, 60, 140, 70)):   # never narrower than its title
            self.setColumnWidth(i, max(w, metrics.horizontalAdvance(_(ITEM_TITLES[ITEM_COLUMNS[i]])) + 24))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.images: dict[int, tuple[str, bytes]] = {}     # row -> new image
        self.stored_images: dict[int, int] = {}            # row -> stored file id
        self.item_ids: dict[int, int] = {}                 # row -> existing item id
        QShortcut(QKeySequence.StandardKey.Paste, self, activated=self.paste_image,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.itemChanged.connect(self._link_changed)

    def _link_changed(self, cell: QTableWidgetItem) -> None:
        """The platform follows the product link (a 1688 link is a 1688 item)."""
        if cell.column() != ITEM_COLUMNS.index("product_url"):
            return
        platform = orders.platform_of(cell.text())
        box = self.cellWidget(cell.row(), ITEM_COLUMNS.index("platform"))
        if platform != "other" and box is not None:
            box.setCurrentIndex(max(0, box.findData(platform)))

    def add_row(self, values: dict | None = None, item_id: int | None = None) -> int:
        self.blockSignals(True)   # a half-built row must not be read as an item
        try:
            return self._add_row(values, item_id)
        finally:
            self.blockSignals(False)

    def _add_row(self, values: dict | None, item_id: int | None) -> int:
        row = self.rowCount()
        self.insertRow(row)
        values = values or {}
        for c, key in enumerate(ITEM_COLUMNS):
            if key == "platform":
                box = named(QComboBox(), f"item_{row}_platform")
                for code, label in orders.PLATFORMS.items():
                    box.addItem(_(label), code)
                box.setCurrentIndex(max(0, box.findData(values.get("platform", "taobao"))))
                self.setCellWidget(row, c, box)
            elif key == "image":
                cell = QTableWidgetItem("")
                cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.setItem(row, c, cell)
            elif key == "tally_exempt":   # goods not counted piece by piece: no tally fee for them
                cell = QTableWidgetItem("")
                cell.setFlags((cell.flags() | Qt.ItemFlag.ItemIsUserCheckable) & ~Qt.ItemFlag.ItemIsEditable)
                cell.setCheckState(Qt.CheckState.Checked if values.get(key) else Qt.CheckState.Unchecked)
                cell.setToolTip(_("Not counted piece by piece at the warehouse (no tally fee)"))
                self.setItem(row, c, cell)
            else:
                self.setItem(row, c, QTableWidgetItem(str(values.get(key, ""))))
        if item_id is not None:
            self.item_ids[row] = item_id
        return row

    def commit_open_editor(self) -> None:
        """Keep what is typed in a cell still being edited (Ctrl+S does not move the focus)."""
        from PySide6.QtWidgets import QAbstractItemDelegate

        for editor in self.viewport().findChildren(QLineEdit):
            if editor.isVisible():
                self.commitData(editor)
                self.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def remove_current(self) -> None:
        row = self.currentRow()
        if row < 0:
            return
        self.removeRow(row)
        for store in (self.images, self.stored_images, self.item_ids):
            moved = {(r - 1 if r > row else r): v for r, v in store.items() if r != row}
            store.clear()
            store.update(moved)

    def text(self, row: int, key: str) -> str:
        c = ITEM_COLUMNS.index(key)
        if key == "platform":
            box = self.cellWidget(row, c)
            return box.currentData() if box is not None else "other"
        cell = self.item(row, c)
        if key == "tally_exempt":
            return "1" if cell is not None and cell.checkState() == Qt.CheckState.Checked else ""
        return cell.text().strip() if cell else ""

    def set_image(self, row: int, name: str, data: bytes) -> None:
        if not 0 <= row < self.rowCount():
            return
        self.images[row] = (name, data)
        self._show_thumbnail(row, data)

    def _show_thumbnail(self, row: int, data: bytes) -> None:
        pix = QPixmap()
        pix.loadFromData(QByteArray(data))
        cell = self.item(row, ITEM_COLUMNS.index("image"))
        if not pix.isNull():
            cell.setData(Qt.ItemDataRole.DecorationRole, pix.scaled(48, 48, Qt.AspectRatioMode.KeepAspectRatio))
            self.setRowHeight(row, 52)
        cell.setText("✓")

    def paste_image(self) -> None:
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            cell = self.currentItem()
            text = QGuiApplication.clipboard().text()
            if cell is not None and text:
                cell.setText(text)
            return
        row = self.currentRow() if self.currentRow() >= 0 else self.add_row()
        self.set_image(row, "pasted.png", image_bytes(image))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    dragMoveEvent = dragEnterEvent

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        row = self.rowAt(int(event.position().y()))
        if row < 0:
            row = self.add_row()
        if mime.hasImage():
            self.set_image(row, "dropped.png", image_bytes(QImage(mime.imageData())))
        else:
            for url in mime.urls():
                path = url.toLocalFile()
                if path.lower().endswith(IMAGE_SUFFIXES):
                    with open(path, "rb") as f:
                        self.set_image(row, path.rsplit("/", 1)[-1], f.read())
                    break
        event.acceptProposedAction()

    def mark_errors(self, errors: dict[str, str]) -> None:
        for row in range(self.rowCount()):
            for c, key in enumerate(ITEM_COLUMNS):
                cell = self.item(row, c)
                if cell is None:
                    continue
                bad = f"items.{row}.{key}" in errors
                cell.setBackground(QBrush(BAD) if bad else QBrush())
                cell.setToolTip(errors.get(f"items.{row}.{key}", ""))


class OrderEditor(QDialog):
    """New or existing order. A stale save is refused with who-and-when; what was typed stays."""

    saved = Signal(int)

    def __init__(self, session: Session, kind: str, order_id: int | None = None,
                 customer_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "order_editor", _("Order"))
        self.session, self.kind, self.order_id = session, kind, order_id
        self.view: orders.OrderView | None = None
        # the order, its pictures, the warehouses and the customer: the first paint in one call
        first = session.call("orders.editor", order_id, customer_id)
        self._customer = first.customer      # its addresses, for the first choice of the customer
        if order_id is not None:
            self.view = first.order
            self.kind = self.view.kind
        purchase = self.kind == OrderKind.PURCHASE
        title = (_("New purchase order") if purchase else _("New consignment order")) if order_id is None \
            else _("Edit order {code}").format(code=self.view.code)
        self.setWindowTitle(title)

        self.customer = CustomerPicker(session)
        self.customer.chosen.connect(self._load_addresses)
        self.destination = named(QComboBox(), "order_destination", _("Destination warehouse (Vietnam)"))
        self.receiving = named(QComboBox(), "order_receiving", _("Receiving warehouse (China)"))
        for box, warehouses in ((self.destination, first.vn_warehouses), (self.receiving, first.cn_warehouses)):
            for w in warehouses:
                box.addItem(f"{w.code} — {w.name}", w.id)
        self.address = named(QComboBox(), "order_address", _("Delivery address"))
        self.service_boxes: dict[str, QCheckBox] = {}
        services = QGroupBox(_("Extra services"))
        srow = QHBoxLayout(services)
        for code in CHOOSABLE:
            cb = named(QCheckBox(_(SERVICES[code].label)), f"order_service_{code}")
            if SERVICES[code].needs_approval:
                cb.setToolTip(_("Needs a manager's approval before purchasing."))
            self.service_boxes[code] = cb
            srow.addWidget(cb)
        self.note = named(QPlainTextEdit(), "order_note", _("Internal note"))
        self.note.setMaximumHeight(60)
        self.customer_note = named(QPlainTextEdit(), "order_customer_note", _("Customer's note"))
        self.customer_note.setMaximumHeight(60)

        form = QFormLayout()
        form.addRow(_("Customer"), self.customer)
        form.addRow(_("Delivery address"), self.address)
        form.addRow(_("Destination warehouse (Vietnam)"), self.destination)
        form.addRow(_("Receiving warehouse (China)"), self.receiving)
        form.addRow(services)

        body = QVBoxLayout(self)
        body.addLayout(form)
        if purchase:
            self.items = ItemsTable()
            add = named(QPushButton(_("Add item")), "order_add_item")
            add.setShortcut(QKeySequence("Ctrl+Shift+A"))
            add.clicked.connect(lambda: self.items.setCurrentCell(self.items.add_row(), 0))
            remove = named(QPushButton(_("Remove item")), "order_remove_item")
            remove.clicked.connect(self.items.remove_current)
            image = named(QPushButton(_("Image…")), "order_item_image")
            image.clicked.connect(self._choose_image)
            cart = named(QPushButton(_("Import cart from Excel…")), "order_import_cart")
            cart.clicked.connect(self._import_cart)
            hint = QLabel(_("Tip: paste an image with Ctrl+V on a row, or drop image files onto it."))
            hint.setStyleSheet("color: #666;")
            buttons = QHBoxLayout()
            for b in (add, remove, image, cart):
                buttons.addWidget(b)
            buttons.addStretch(1)
            self.total = named(QLabel(""), "order_items_total")
            buttons.addWidget(self.total)
            self.items.itemChanged.connect(lambda _i: self._update_total())
            body.addWidget(QLabel(_("Items")))
            body.addWidget(self.items, 1)
            body.addLayout(buttons)
            body.addWidget(hint)
        else:
            self.codes = named(QPlainTextEdit(), "order_tracking_codes", _("Tracking codes"))
            self.codes.setPlaceholderText(_("One tracking code per line, as the customer declared them"))
            self.goods = named(QLineEdit(), "order_goods_description", _("Goods description"))
            cform = QFormLayout()
            cform.addRow(_("Tracking codes"), self.codes)
            cform.addRow(_("Goods description"), self.goods)
            body.addLayout(cform, 1)
        nform = QFormLayout()
        nform.addRow(_("Internal note"), self.note)
        nform.addRow(_("Customer's note"), self.customer_note)
        body.addLayout(nform)
        self.errors_label = error_label("order_errors")
        body.addWidget(self.errors_label)
        self.field_labels = {k: error_label(f"order_{k}_error") for k in
                             ("customer_id", "destination_warehouse_id", "receiving_warehouse_id",
                              "delivery_address_id", "services", "tracking_codes")}
        for lbl in self.field_labels.values():
            body.addWidget(lbl)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        save = named(box.button(QDialogButtonBox.StandardButton.Save), "order_save", _("Save"))
        save.setText(_("Save (Ctrl+S)"))
        save.setShortcut(QKeySequence("Ctrl+S"))
        save.setAutoDefault(False)
        save.setDefault(False)
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "order_cancel_edit").setText(_("Close"))
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        body.addWidget(box)
        fit_to_screen(self, 1180, 720)
        if self.view is not None:
            self._fill(self.view, first.images)
        else:
            if first.customer is not None:
                hit = first.customer
                self.customer.set_customer(hit.id, f"{hit.code} — {hit.name} — {hit.phone}")
            if purchase:
                self.items.add_row()
            self.customer.search.setFocus()

    # -- filling and reading ----------------------------------------------------------------------
    def _fill(self, v: orders.OrderView, images: dict[int, tuple[str, bytes]]) -> None:
        self.customer.set_customer(v.customer_id, f"{v.customer_code} — {v.customer_name} — {v.customer_phone}")
        self.customer.search.setEnabled(v.is_draft)
        self.destination.setCurrentIndex(max(0, self.destination.findData(v.destination_warehouse_id)))
        self.receiving.setCurrentIndex(max(0, self.receiving.findData(v.receiving_warehouse_id)))
        self.address.setCurrentIndex(max(0, self.address.findData(v.delivery_address_id)))
        for code, cb in self.service_boxes.items():
            cb.setChecked(code in v.services)
        self.note.setPlainText(v.note)
        self.customer_note.setPlainText(v.customer_note)
        if v.kind == OrderKind.PURCHASE:
            for it in v.items:
                row = self.items.add_row({"shop_name": it.shop_name, "platform": it.platform or "other",
                                          "product_url": it.product_url, "title": it.title, "variant": it.variant,
                                          "quantity": it.quantity, "unit_price_cny": fmt_decimal(it.unit_price_cny),
                                          "note": it.note, "tally_exempt": it.tally_exempt}, item_id=it.id)
                if it.image_file_id:
                    self.items.stored_images[row] = it.image_file_id
                    _mime, data = images.get(it.image_file_id, ("", b""))
                    self.items._show_thumbnail(row, data)
            if not v.editable_items:
                self.items.setEnabled(False)
            self._update_total()
        else:
            self.codes.setPlainText("\n".join(code for code, _status in v.tracking_codes))
            self.goods.setText(v.goods_description)

    def _load_addresses(self, customer_id: int) -> None:
        self.address.clear()
        self.address.addItem(_("(no address)"), None)
        view, self._customer = self._customer, None
        if view is None or view.id != customer_id:
            try:
                view = self.session.call("customers.get", customer_id)
            except DomainError as exc:
                report_error(self, exc)
                return
        for a in view.addresses:
            self.address.addItem(f"{a.recipient} — {a.line}, {a.district}, {a.city}", a.id)
            if a.is_default:
                self.address.setCurrentIndex(self.address.count() - 1)

    def _items(self) -> tuple[list[orders.ItemInput], dict[str, str]]:
        out, errors = [], {}
        for row in range(self.items.rowCount()):
            texts = {k: self.items.text(row, k) for k in ITEM_COLUMNS if k != "image"}
            if not any(v for k, v in texts.items() if k != "platform"):
                continue   # a blank row is not an item
            n = len(out)
            try:
                qty = int(texts["quantity"])
            except ValueError:
                qty = 0
                errors[f"items.{n}.quantity"] = _("Item {n}: the quantity is a whole number from 1.").format(n=n + 1)
            try:
                price = parse_decimal(texts["unit_price_cny"]) if texts["unit_price_cny"] else Decimal(0)
            except NumberInputError as exc:
                price = Decimal(0)
                errors[f"items.{n}.unit_price_cny"] = _("Item {n}: {problem}").format(n=n + 1, problem=exc)
            item = orders.ItemInput(shop_name=texts["shop_name"], platform=texts["platform"] or "other",
                                    product_url=texts["product_url"], quantity=qty, unit_price_cny=price,
                                    title=texts["title"], variant=texts["variant"], note=texts["note"],
                                    id=self.items.item_ids.get(row), image=self.items.images.get(row),
                                    image_file_id=self.items.stored_images.get(row),
                                    tally_exempt=bool(texts["tally_exempt"]))
            out.append(item)
        return out, errors

    def _update_total(self) -> None:
        items, _errors = self._items()
        total = sum((i.unit_price_cny * i.quantity for i in items), Decimal(0))
        from app.i18n import fmt_money
        from app.money import CNY, Money
        self.total.setText(_("{n} items · goods {amount}").format(
            n=sum(i.quantity for i in items), amount=fmt_money(Money(total, CNY))))

    def input(self) -> tuple[orders.OrderInput, dict[str, str]]:
        errors: dict[str, str] = {}
        items: list[orders.ItemInput] = []
        if self.kind == OrderKind.PURCHASE:
            self.items.commit_open_editor()
            items, errors = self._items()
        data = orders.OrderInput(
            kind=self.kind, customer_id=self.customer.customer_id or 0,
            destination_warehouse_id=self.destination.currentData(),
            receiving_warehouse_id=self.receiving.currentData(),
            delivery_address_id=self.address.currentData(),
            services=[c for c, cb in self.service_boxes.items() if cb.isChecked()],
            note=self.note.toPlainText(), customer_note=self.customer_note.toPlainText(),
            items=items,
            tracking_codes=[] if self.kind == OrderKind.PURCHASE else
            [line for line in self.codes.toPlainText().splitlines() if line.strip()],
            goods_description="" if self.kind == OrderKind.PURCHASE else self.goods.text())
        return data, errors

    def keyPressEvent(self, event) -> None:
        # Enter moves on in a data-entry form (it confirms a cell, picks a customer); only
        # Ctrl+S or the Save button save, so a half-typed order is never saved by accident.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            event.accept()
            return
        super().keyPressEvent(event)

    # -- actions -----------------------------------------------------------------------------------
    def save(self) -> None:
        data, errors = self.input()
        if errors:
            self._show_errors(errors)
            return
        try:
            if self.order_id is None:
                self.order_id = self.session.call("orders.create", data)
            else:
                self.session.call("orders.update", self.order_id, self.view.version, data)
        except ValidationFailed as exc:
            self._show_errors(exc.field_errors)
            return
        except StaleEdit as exc:
            # Keep what was typed on screen; the person decides after reading who saved first.
            report_error(self, exc)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.saved.emit(self.order_id)
        self.accept()

    def _show_errors(self, errors: dict[str, str]) -> None:
        if self.kind == OrderKind.PURCHASE:
            self.items.mark_errors(errors)
        show_field_errors(self.field_labels, errors, stray=False)
        item_errors = [m for k, m in errors.items() if k not in self.field_labels]
        self.errors_label.setText("\n".join(item_errors[:12]) or _("Please correct the highlighted fields."))
        self.errors_label.show()

    def _choose_image(self) -> None:
        row = self.items.currentRow()
        if row < 0:
            return
        path = ask_open_path(self, _("Choose an image"), _("Images") + " (*.png *.jpg *.jpeg *.gif *.webp)")
        if path:
            with open(path, "rb") as f:
                self.items.set_image(row, path.rsplit("/", 1)[-1], f.read())

    def _import_cart(self) -> None:
        path = ask_open_path(self, _("Customer's cart"), _("Spreadsheets") + f" ({SHEET_PATTERNS})")
        if path:
            self.import_cart_file(path)

    def import_cart_file(self, path: str) -> bool:
        """Read the customer's cart and show its preview; True once its items are in the table. A
        big file is read in the background (progress, Cancel): the preview follows when it is read,
        and this returns False at once."""
        s, customer_id = self.session, self.customer.customer_id
        name = os.path.basename(path)
        try:
            with open(path, "rb") as f:      # the desktop reads the file; the server reads the cart
                content = f.read()
        except OSError as exc:
            report_error(self, exc)
            return False
        if len(content) > PREVIEW_IN_BACKGROUND:
            from ui.background import run_in_background

            def read(first: cart_import.CartPreview) -> None:
                if not job.progress.cancelled:
                    self._preview_cart(first, customer_id, name, content)

            def failed(exc: BaseException) -> None:
                if not job.progress.cancelled and not isinstance(exc, Cancelled):
                    report_error(self, exc)

            job = run_in_background(self, lambda p: s.call("orders.preview_cart", customer_id, name, content),
                                    read, failed, label=_("Reading {name}…").format(name=name))
            return False
        try:
            first = s.call("orders.preview_cart", customer_id, name, content)
        except DomainError as exc:
            report_error(self, exc)
            return False
        return self._preview_cart(first, customer_id, name, content)

    def _preview_cart(self, first: cart_import.CartPreview, customer_id: int | None, name: str,
                      content: bytes) -> bool:
        s = self.session
        preview = CartPreviewDialog(first, lambda choices: s.call("orders.preview_cart", customer_id, name,
                                                                  content, choices), self)
        if preview.exec() != QDialog.DialogCode.Accepted:
            return False
        try:
            s.call("orders.remember_cart_columns", customer_id, preview.columns.choices)
        except DomainError as exc:
            report_error(self, exc)
        for item in preview.items:
            self.items.add_row({"shop_name": item.shop_name, "platform": item.platform,
                                "product_url": item.product_url, "title": item.title,
                                "variant": item.variant, "quantity": item.quantity,
                                "unit_price_cny": fmt_decimal(item.unit_price_cny), "note": item.note})
        # drop the empty starter row if the cart filled the table
        if self.items.rowCount() > len(preview.items) and not any(
                self.items.text(0, k) for k in ("product_url", "title", "quantity")):
            self.items.setCurrentCell(0, 0)
            self.items.remove_current()
        self._update_total()
        return True


class CartPreviewDialog(QDialog):
    """Every column of the customer's cart with what it is read as (an unrecognised one mapped by
    hand, remembered for the customer), then every row; bad rows in red with the reason. Nothing
    is imported until every remaining row is good: fix the cell or drop the row."""

    FIELDS = ("link", "variant", "quantity", "price", "note", "title", "shop")
    TITLES = {"link": N_("Product link"), "variant": N_("Variant"), "quantity": N_("Qty"),
              "price": N_("Unit price (CNY)"), "note": N_("Note"), "title": N_("Title (Chinese)"), "shop": N_("Shop")}

    def __init__(self, preview: cart_import.CartPreview,
                 reread: Callable[[dict[str, str]], cart_import.CartPreview] | None = None,
                 parent: QWidget | None = None) -> None:
        from ui.widgets.column_map import ColumnMapTable, problems_label

        super().__init__(parent)
        named(self, "cart_preview", _("Cart preview"))
        self.setWindowTitle(_("Import the customer's cart"))
        self.reread = reread
        self.rows = preview.rows
        self.problems_list: list[str] = preview.problems
        self.items: list[orders.ItemInput] = []
        self.problems = problems_label("cart_problems")
        self.columns = ColumnMapTable(cart_import.SCHEMA, "cart")
        self.columns.chosen.connect(self._remap)
        self.table = named(QTableWidget(len(self.rows), len(self.FIELDS) + 1), "cart_table", _("Cart rows"))
        self.table.setHorizontalHeaderLabels([_("Row")] + [_(self.TITLES[f]) for f in self.FIELDS])
        self.table.setColumnWidth(1, 260)
        self.summary = named(QLabel(""), "cart_summary")
        drop = named(QPushButton(_("Drop selected row")), "cart_drop_row")
        drop.clicked.connect(self.drop_current)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = named(box.button(QDialogButtonBox.StandardButton.Ok), "cart_import", _("Import"))
        self.ok.setText(_("Import rows"))
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "cart_cancel").setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problems)
        layout.addWidget(QLabel(_("How the cart's columns are read:")))
        layout.addWidget(self.columns, 1)
        layout.addWidget(self.table, 2)
        row = QHBoxLayout()
        row.addWidget(drop)
        row.addWidget(self.summary, 1)
        layout.addLayout(row)
        layout.addWidget(box)
        self.columns.show_columns(preview.columns)
        self._fill()
        self.table.itemChanged.connect(self._edited)
        self.resize(1100, 680)

    def _remap(self) -> None:
        """A column was mapped by hand: read the cart again with it (edits to rows start over)."""
        if self.reread is None:
            return
        try:
            preview = self.reread(dict(self.columns.choices))
        except DomainError as exc:
            report_error(self, exc)
            return
        self.rows, self.problems_list = preview.rows, preview.problems
        self.columns.show_columns(preview.columns)
        self._fill()

    def _fill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            number = QTableWidgetItem(str(row.number))
            number.setFlags(number.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if row.warnings:  # what the file itself says about the row (app.import_columns.SheetRow)
                number.setBackground(QBrush(QColor("#fff4e5")))
            if row.warnings:
                number.setText(f"{row.number} ⚠")
                number.setToolTip("\n".join(row.warnings))
            self.table.setItem(r, 0, number)
            for c, key in enumerate(self.FIELDS, start=1):
                cell = QTableWidgetItem(getattr(row, key))
                if key in row.errors:
                    cell.setBackground(QBrush(BAD))
                    cell.setToolTip(row.errors[key])
                self.table.setItem(r, c, cell)
        self.table.blockSignals(False)
        self.problems.setText("\n".join(self.problems_list))
        self.problems.setVisible(bool(self.problems_list))
        bad = sum(1 for r in self.rows if not r.ok)
        self.summary.setText(_("{good} good rows, {bad} to fix or drop").format(good=len(self.rows) - bad, bad=bad)
                             if bad else _("{good} rows ready to import").format(good=len(self.rows)))
        self.ok.setEnabled(bad == 0 and bool(self.rows) and not self.problems_list)

    def _edited(self, cell: QTableWidgetItem) -> None:
        r, c = cell.row(), cell.column()
        if c == 0:
            return
        setattr(self.rows[r], self.FIELDS[c - 1], cell.text().strip())
        cart_import.check_row(self.rows[r])
        self._fill()

    def drop_current(self) -> None:
        r = self.table.currentRow()
        if 0 <= r < len(self.rows):
            del self.rows[r]
            self._fill()

    def accept(self) -> None:
        try:
            self.items = cart_import.to_items(self.rows)
        except DomainError as exc:
            report_error(self, exc)
            return
        super().accept()


class ConfirmOrderDialog(QDialog):
    """The manager confirms an order and names who looks after it and who buys it."""

    def __init__(self, session: Session, view: orders.OrderView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "confirm_dialog", _("Confirm order"))
        self.setWindowTitle(_("Confirm order {code}").format(code=view.code))
        self.session, self.view = session, view
        self.care = named(QComboBox(), "confirm_care_staff", _("Customer care"))
        self.ordering = named(QComboBox(), "confirm_ordering_staff", _("Ordering staff"))
        staff = session.call("orders.staff_choices")
        for box, people, current in ((self.care, staff.care, view.care_staff_id),
                                     (self.ordering, staff.ordering, view.ordering_staff_id)):
            box.addItem(_("(choose)"), None)
            for uid, name in people:
                box.addItem(name, uid)
            box.setCurrentIndex(max(0, box.findData(current)))
        self.errors = {k: error_label(f"confirm_{k}_error") for k in ("care_staff_id", "ordering_staff_id")}
        form = QFormLayout()
        form.addRow(_("Customer care"), self.care)
        form.addRow("", self.errors["care_staff_id"])
        if view.kind == OrderKind.PURCHASE:
            form.addRow(_("Ordering staff"), self.ordering)
            form.addRow("", self.errors["ordering_staff_id"])
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = named(box.button(QDialogButtonBox.StandardButton.Ok), "confirm_submit", _("Confirm"))
        ok.setText(_("Confirm and assign"))
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "confirm_cancel").setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Order {code} — {customer}").format(code=view.code, customer=view.customer_name)))
        layout.addLayout(form)
        layout.addWidget(box)

    def accept(self) -> None:
        try:
            self.session.call("orders.confirm", self.view.id, self.care.currentData(),
                              self.ordering.currentData() if self.view.kind == OrderKind.PURCHASE else None,
                              seen_version=self.view.version)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        super().accept()
