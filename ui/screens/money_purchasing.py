"""Shop orders (đơn mua shop) as the ordering staff record them: split the order by shop, then
for each shop the seller's order number, what was paid from which CNY account, and how many of
each item the shop really had — a shortage goes back to the customer's wallet."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.fees import to_vnd
from app.i18n import _, fmt_datetime, fmt_decimal, fmt_money
from app.money import CNY, Money
from app.permissions import Perm
from app.remote.views_money import ShopOrderFigures
from app.services.orders import PLATFORMS
from app.services.purchasing import PurchasingView, ShopOrderView
from app.workflows.money import SHOP_ORDER_LABELS
from ui.common import error_label, fit_to_screen, named, report_error, show_field_errors
from ui.screens.money_common import amount_edit, cell, fill, heading, read_decimal, readonly_table
from ui.session import Session

FIELDS = ("platform_order_no", "goods_cny", "domestic_shipping_cny", "shop_discount_cny",
          "paying_account_id", "tracking_codes", "quantity")


class ShopOrdersDialog(QDialog):
    """Every shop order of one purchase order; the selected one is recorded on the right."""

    def __init__(self, session: Session, order_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "shop_orders_dialog", _("Shop orders"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.session, self.order_id = session, order_id
        self.changed = False
        self.view: PurchasingView | None = None
        self.money = None
        self.current: ShopOrderView | None = None
        self.spins: dict[int, QSpinBox] = {}

        self.header = named(QLabel(""), "shop_orders_header")
        self.header.setWordWrap(True)
        self.prepare_button = named(QPushButton(_("Split items by shop")), "shop_orders_prepare")
        self.prepare_button.clicked.connect(self.prepare)
        self.list = named(QListWidget(), "shop_orders_list", _("Shop orders"))
        self.list.currentRowChanged.connect(self._select)

        # Items whose shop the customer did not say.
        self.unknown_box = QGroupBox(_("Items without a shop"))
        self.unknown_label = named(QLabel(""), "shop_orders_unknown_items")
        self.unknown_label.setWordWrap(True)
        self.unknown_shop = named(QLineEdit(), "shop_orders_unknown_shop", _("Shop name"))
        self.unknown_shop.setPlaceholderText(_("Shop name as on the platform"))
        self.unknown_platform = named(QComboBox(), "shop_orders_unknown_platform", _("Platform"))
        for code, label in PLATFORMS.items():
            self.unknown_platform.addItem(_(label), code)
        set_shop = named(QPushButton(_("Set shop")), "shop_orders_set_shop")
        set_shop.clicked.connect(self.set_shop)
        self.unknown_error = error_label("shop_orders_unknown_error")
        ul = QVBoxLayout(self.unknown_box)
        ul.addWidget(self.unknown_label)
        row = QHBoxLayout()
        row.addWidget(self.unknown_shop, 2)
        row.addWidget(self.unknown_platform, 1)
        row.addWidget(set_shop)
        ul.addLayout(row)
        ul.addWidget(self.unknown_error)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.prepare_button)
        ll.addWidget(self.list, 1)
        ll.addWidget(self.unknown_box)

        # The selected shop order.
        self.title = heading("")
        self.status = named(QLabel(""), "shop_order_status")
        self.items = readonly_table("shop_order_items", _("Items of this shop order"),
                                    [_("Item"), _("Variant"), _("Ordered"), _("Unit price (CNY)"), _("Bought")],
                                    stretch_last=False)
        for col, width in enumerate((320, 150, 80, 130, 90)):
            self.items.setColumnWidth(col, width)
        self.platform_no = named(QLineEdit(), "shop_order_platform_no", _("Seller order number"))
        self.goods = amount_edit("shop_order_goods", _("Goods amount paid (CNY)"), placeholder="0,00")
        self.shipping = amount_edit("shop_order_shipping", _("Domestic shipping (CNY)"), placeholder="0,00")
        self.discount = amount_edit("shop_order_discount", _("Shop discount (CNY)"), placeholder="0,00")
        self.account = named(QComboBox(), "shop_order_account", _("Paid from"))
        self.codes = named(QLineEdit(), "shop_order_codes", _("Tracking codes"))
        self.codes.setPlaceholderText(_("The shop's tracking codes, separated by spaces or commas"))
        self.note = named(QLineEdit(), "shop_order_note", _("Note"))
        self.errors = {k: error_label(f"shop_order_{k}_error") for k in FIELDS}
        for w in (self.goods, self.shipping, self.discount):
            w.textChanged.connect(lambda _t: self._summarise())
        form = QFormLayout()
        form.addRow(_("Seller order number"), self.platform_no)
        form.addRow("", self.errors["platform_order_no"])
        form.addRow(_("Goods amount paid (CNY)"), self.goods)
        form.addRow("", self.errors["goods_cny"])
        form.addRow(_("Domestic shipping (CNY)"), self.shipping)
        form.addRow("", self.errors["domestic_shipping_cny"])
        form.addRow(_("Shop discount (CNY)"), self.discount)
        form.addRow("", self.errors["shop_discount_cny"])
        form.addRow(_("Paid from"), self.account)
        form.addRow("", self.errors["paying_account_id"])
        form.addRow(_("Tracking codes"), self.codes)
        form.addRow("", self.errors["tracking_codes"])
        form.addRow(_("Note"), self.note)
        self.summary = named(QLabel(""), "shop_order_summary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("background: #f3f6fa; padding: 6px;")
        self.place_button = named(QPushButton(_("Save as placed")), "shop_order_place")
        self.place_button.setToolTip(_("Placed on the platform, not paid yet: keeps the seller's order number."))
        self.place_button.clicked.connect(self.place)
        self.record_button = named(QPushButton(_("Record payment")), "shop_order_record")
        self.record_button.setDefault(True)
        self.record_button.clicked.connect(self.record)
        self.add_codes_button = named(QPushButton(_("Add tracking codes")), "shop_order_add_codes")
        self.add_codes_button.clicked.connect(self.add_codes)
        self.claim_button = named(QPushButton(_("Claim from the seller…")), "shop_order_claim",
                                  _("Claim from the seller"))
        self.claim_button.setToolTip(_("A complaint to the shop (khiếu nại người bán), before the platform's "
                                       "after-sale window closes."))
        self.claim_button.clicked.connect(self.claim)
        self.result = named(QLabel(""), "shop_order_result")
        self.result.setWordWrap(True)
        self.result.setStyleSheet("color: #2e7d32;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.claim_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_codes_button)
        buttons.addWidget(self.place_button)
        buttons.addWidget(self.record_button)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.title)
        from ui.screens.remedies import ShopReviewBanner   # a shop flagged for review says so here
        self.review_flag = ShopReviewBanner(self.session)
        rl.addWidget(self.review_flag)
        rl.addWidget(self.status)
        rl.addWidget(self.items, 1)
        rl.addWidget(self.errors["quantity"])
        rl.addLayout(form)
        rl.addWidget(self.summary)
        rl.addWidget(self.result)
        rl.addLayout(buttons)
        self.detail = right

        split = named(QSplitter(Qt.Orientation.Horizontal), "shop_orders_splitter")
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 800])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        named(close.button(QDialogButtonBox.StandardButton.Close), "shop_orders_close").setText(_("Close"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)
        layout.addWidget(close)
        fit_to_screen(self, 1180, 760)
        self.reload()

    # -- loading ------------------------------------------------------------------------------------
    def reload(self, keep: int | None = None) -> None:
        s = self.session
        window = s.call("purchasing.window", self.order_id)       # the order, its money, the CNY accounts
        self.view = v = window.purchasing
        self.money = window.money
        self.setWindowTitle(_("Shop orders — {code}").format(code=v.order_code))
        rate = fmt_decimal(v.selling_rate) if v.selling_rate else "—"
        buying = fmt_decimal(v.buying_rate) if v.buying_rate else _("not set")
        self.header.setText(_("Order {code} · selling rate {rate} · buying rate today {buying} · deposit held {deposit}")
                            .format(code=v.order_code, rate=rate, buying=buying, deposit=fmt_money(v.deposit_held)))
        self.accounts = window.accounts
        self.account.clear()
        self.account.addItem(_("(choose)"), None)
        for a in self.accounts:
            self.account.addItem(a.name, a.id)
        self.list.blockSignals(True)
        self.list.clear()
        for so in v.shop_orders:
            it = QListWidgetItem(f"{so.shop_name} · {_(SHOP_ORDER_LABELS[so.status])}"
                                 + (f" · {so.platform_order_no}" if so.platform_order_no else ""))
            it.setToolTip(f"{so.shop_name} ({so.platform}) · {fmt_money(so.items_value)}")
            it.setData(Qt.ItemDataRole.UserRole, so.id)
            if so.is_paid:
                it.setForeground(Qt.GlobalColor.darkGreen)
            self.list.addItem(it)
        self.list.blockSignals(False)
        self.unknown_box.setVisible(bool(v.unassigned))
        self.unknown_label.setText(_("Name the shop of: {items}").format(
            items="; ".join(f"{i.title} ×{i.quantity}" for i in v.unassigned)))
        self.prepare_button.setEnabled(v.can_prepare and s.can(Perm.PURCHASE))
        self.unknown_box.setEnabled(s.can(Perm.PURCHASE))
        ids = [so.id for so in v.shop_orders]
        if ids:
            target = keep if keep in ids else next((so.id for so in v.shop_orders if not so.is_paid), ids[0])
            self.list.blockSignals(True)
            self.list.setCurrentRow(ids.index(target))
            self.list.blockSignals(False)
            self._select(ids.index(target))
        else:
            self.current = None
            self.review_flag.show_shop_order(None)
            self.detail.setEnabled(False)
            self.title.setText(_("Split the order's items by shop to start."))

    def _select(self, row: int) -> None:
        if self.view is None or not 0 <= row < len(self.view.shop_orders):
            return
        so = self.current = self.view.shop_orders[row]
        self.detail.setEnabled(True)
        show_field_errors(self.errors, {})
        self.result.clear()
        self.title.setText(f"{so.shop_name} · {so.platform}")
        self.review_flag.show_shop_order(so.id)
        paid = so.is_paid or not self.session.can(Perm.PURCHASE)
        line = _(SHOP_ORDER_LABELS[so.status])
        if paid:
            line += " · " + _("{when} by {who} from {account}").format(
                when=fmt_datetime(so.paid_at), who=so.paid_by, account=so.paying_account)
        self.status.setText(line)
        self.items.setRowCount(0)              # drops the previous shop order's spin boxes
        self.items.setRowCount(len(so.items))
        self.spins.clear()
        for r, i in enumerate(so.items):
            self.items.setItem(r, 0, cell(i.title))
            self.items.item(r, 0).setToolTip(i.product_url)
            self.items.setItem(r, 1, cell(i.variant))
            self.items.setItem(r, 2, cell(i.quantity, True))
            self.items.setItem(r, 3, cell(price_text(i.unit_price_cny), True))
            spin = named(QSpinBox(), f"shop_order_bought_{i.id}", _("Bought of {item}").format(item=i.title))
            spin.setRange(0, i.quantity)
            spin.setValue(i.quantity if i.quantity_bought is None else i.quantity_bought)
            spin.setEnabled(not paid)
            spin.valueChanged.connect(lambda _v: self._summarise())
            self.items.setCellWidget(r, 4, spin)
            self.spins[i.id] = spin
        self.platform_no.setText(so.platform_order_no)
        for edit, value in ((self.goods, so.goods_cny), (self.shipping, so.domestic_shipping_cny),
                            (self.discount, so.shop_discount_cny)):
            edit.setText(fmt_decimal(value.amount, digits=2) if value is not None else "")
        self.account.setCurrentIndex(max(0, self.account.findText(so.paying_account)) if paid else
                                     (1 if len(self.accounts) == 1 else 0))
        self.codes.setText(" ".join(so.tracking_codes) if paid else "")
        self.note.setText(so.note)
        for w in (self.platform_no, self.goods, self.shipping, self.discount, self.account, self.note):
            w.setEnabled(not paid)
        self.place_button.setVisible(not paid and so.can_place)
        self.record_button.setVisible(not paid)
        self.add_codes_button.setVisible(paid and self.session.can(Perm.PURCHASE))
        self.claim_button.setVisible(so.is_paid and self.session.can(Perm.SELLER_COMPLAINTS))
        self.codes.setEnabled(self.session.can(Perm.PURCHASE))
        if paid:
            self.codes.clear()
            self.codes.setPlaceholderText(_("Codes so far: {codes}").format(codes=", ".join(so.tracking_codes) or "—"))
        self._summarise()

    # -- the live summary -----------------------------------------------------------------------------
    def _numbers(self) -> tuple[dict[str, Decimal | None], dict[str, str]]:
        errors: dict[str, str] = {}
        values = {"goods_cny": read_decimal(self.goods, errors, "goods_cny"),
                  "domestic_shipping_cny": read_decimal(self.shipping, errors, "domestic_shipping_cny"),
                  "shop_discount_cny": read_decimal(self.discount, errors, "shop_discount_cny")}
        return values, errors

    def _summarise(self) -> None:
        so = self.current
        if so is None:
            self.summary.clear()
            return
        values, errors = self._numbers()
        bought = {i.id: self.spins[i.id].value() for i in so.items if i.id in self.spins}
        value = Money.total((Money(i.unit_price_cny * bought.get(i.id, 0), CNY) for i in so.items), CNY)
        short = sum(i.quantity - bought.get(i.id, 0) for i in so.items)
        parts = []
        if not errors:
            goods = values["goods_cny"] or Decimal(0)
            ship = values["domestic_shipping_cny"] or Decimal(0)
            disc = values["shop_discount_cny"] or Decimal(0)
            charged = value + Money(ship, CNY)
            paid = Money(goods + ship - disc, CNY)
            parts.append(_("Charged to the customer: items {items} + shipping {shipping} = {charged}").format(
                items=fmt_money(value), shipping=fmt_money(Money(ship, CNY)), charged=fmt_money(charged)))
            parts.append(_("Paid to the shop: {paid}").format(paid=fmt_money(paid)))
            if self.session.can(Perm.VIEW_PROFIT) and goods:
                parts.append(_("Bargaining profit: {profit}").format(profit=fmt_money(charged - paid)))
        if short:
            missing = Money.total((Money(i.unit_price_cny * (i.quantity - bought.get(i.id, 0)), CNY)
                                   for i in so.items), CNY)
            estimate = ""
            m = self.money
            if so.is_paid:
                estimate = " " + _("The deposit taken for them went back to the wallet.")
            elif m is not None and m.rate and m.deposit_percent is not None:
                back = min(to_vnd(missing, m.rate).percent(m.deposit_percent), m.deposit_held)
                estimate = " " + _("→ {amount} of the deposit goes back to the wallet").format(amount=fmt_money(back))
            parts.append(_("{n} item(s) short ({missing}).").format(n=short, missing=fmt_money(missing)) + estimate)
        if errors:
            parts.append(next(iter(errors.values())))
        self.summary.setText("\n".join(parts))

    # -- actions --------------------------------------------------------------------------------------
    def prepare(self) -> None:
        try:
            self.session.call("purchasing.prepare_shop_orders", self.order_id)
        except DomainError as exc:
            report_error(self, exc)
            return
        self.changed = True
        self.reload()

    def set_shop(self) -> None:
        ids = [i.id for i in self.view.unassigned] if self.view else []
        try:
            self.session.call("purchasing.set_item_shop", self.order_id, ids, self.unknown_platform.currentData(),
                              self.unknown_shop.text())
        except ValidationFailed as exc:
            self.unknown_error.setText(next(iter(exc.field_errors.values())))
            self.unknown_error.show()
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.unknown_error.hide()
        self.unknown_shop.clear()
        self.changed = True
        self.reload()

    def place(self) -> None:
        so = self.current
        try:
            self.session.call("purchasing.place_shop_order", so.id, self.platform_no.text())
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.changed = True
        self.reload(keep=so.id)

    def record(self) -> None:
        so = self.current
        values, errors = self._numbers()
        if errors:
            show_field_errors(self.errors, errors)
            return
        data = ShopOrderFigures(
            self.platform_no.text(), values["goods_cny"], values["domestic_shipping_cny"],
            values["shop_discount_cny"], self.account.currentData(),
            {item_id: spin.value() for item_id, spin in self.spins.items()}, self.note.text(),
            [c for c in self.codes.text().replace(",", " ").split() if c])
        try:
            result = self.session.call("purchasing.record_shop_order", so.id, data, seen_version=so.version)
        except ValidationFailed as exc:
            errors = dict(exc.field_errors)
            quantity = [m for k, m in errors.items() if k.startswith("quantity.")]
            if quantity:
                errors["quantity"] = "\n".join(quantity)
            show_field_errors(self.errors, errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.changed = True
        self.reload(keep=so.id)
        text = _("Recorded: paid {paid}.").format(paid=fmt_money(result.paid))
        if result.short_items:
            text += " " + _("{n} item(s) short: {refund} back to the customer's wallet; the customer was told.").format(
                n=result.short_items, refund=fmt_money(result.refund))
        if result.order_purchased:
            text += " " + _("Every item is bought or short: the order is purchased.")
        self.result.setText(text)

    def add_codes(self) -> None:
        so = self.current
        codes = [c for c in self.codes.text().replace(",", " ").split() if c]
        try:
            n = self.session.call("purchasing.add_tracking_codes", so.id, codes)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.changed = True
        self.reload(keep=so.id)
        self.result.setText(_("{n} tracking code(s) added.").format(n=n))


    def claim(self) -> None:
        from ui.screens.seller_complaints import seller_complaint_dialog

        if self.current is not None and seller_complaint_dialog(self.session, self.order_id, self, self.current.id):
            self.changed = True


def price_text(price: Decimal) -> str:
    """A unit price with at least two decimals, and all it has (1688 sells at ¥0.035)."""
    return fmt_decimal(price, digits=max(2, -price.normalize().as_tuple().exponent))


def open_shop_orders(session: Session, view, parent: QWidget | None = None) -> bool:
    """The order window's "Shop orders…" command."""
    dialog = ShopOrdersDialog(session, view.id, parent)
    dialog.exec()
    return dialog.changed

