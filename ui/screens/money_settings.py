"""Money settings dialogs: exchange rates with their history; fee policy sets (versioned — one
in force is read-only and is changed by copying it), VIP levels and discount codes. Every field
is checked by the service and its problem shown next to it; nothing is saved half."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QRadioButton, QScrollArea,
                               QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QTabWidget,
                               QVBoxLayout, QWidget)

from app.errors import DomainError, StaleEdit, ValidationFailed
from app.fees import DISCOUNTABLE, FEE_LABELS, FREIGHT_LINES
from app.i18n import NumberInputError, _, fmt_datetime, fmt_decimal, fmt_money, parse_decimal
from app.permissions import Perm
from app.remote.views_money import FeesView
from app.services.fee_policies import DiscountInput, PolicyView, VipLevelInput
from app.services.rates import RATE_KINDS, AdjustmentInput
from ui.common import error_label, fit_to_screen, named, report_error, show_field_errors
from ui.screens.money_common import amount_edit, fill, read_decimal, readonly_table
from ui.session import Session


def _datetime_edit(name: str, accessible: str, value: datetime | None) -> QDateTimeEdit:
    w = named(QDateTimeEdit(), name, accessible)
    w.setCalendarPopup(True)
    w.setDisplayFormat("dd/MM/yyyy HH:mm")
    w.setDateTime(QDateTime(value.astimezone()) if value else QDateTime.currentDateTime())
    return w


def _when(edit: QDateTimeEdit) -> datetime:
    return edit.dateTime().toPython().astimezone().astimezone(timezone.utc)


def _text(table: QTableWidget, r: int, c: int) -> str:
    item = table.item(r, c)
    return item.text().strip() if item else ""


def _number_text(table: QTableWidget, r: int, c: int, errors: dict[str, str], key: str) -> str | None:
    """A table cell as a plain decimal string for the stored tariff ("" stays empty)."""
    text = _text(table, r, c)
    if not text:
        return ""
    try:
        return str(parse_decimal(text))
    except NumberInputError as exc:
        errors[key] = str(exc)
        return None


def _editable_table(name: str, accessible: str, headers: list[str]) -> QTableWidget:
    t = named(QTableWidget(0, len(headers)), name, accessible)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    t.setMinimumHeight(120)
    return t


def _row_buttons(table: QTableWidget, prefix: str, add_row) -> QHBoxLayout:
    """Add / Remove row under a table; they follow the table's enabled state."""
    add = named(QPushButton(_("Add row")), f"{prefix}_add_row")
    add.clicked.connect(add_row)
    remove = named(QPushButton(_("Remove row")), f"{prefix}_remove_row")
    remove.clicked.connect(lambda: table.removeRow(table.currentRow()) if table.currentRow() >= 0 else None)
    row = QHBoxLayout()
    row.addWidget(add)
    row.addWidget(remove)
    row.addStretch(1)
    table._row_buttons = (add, remove)     # keep Python references for enabling with the table
    return row


def _set_row(table: QTableWidget, values: list[str]) -> int:
    r = table.rowCount()
    table.insertRow(r)
    for c, v in enumerate(values):
        table.setItem(r, c, QTableWidgetItem(v))
    return r


def _show(value: Any) -> str:
    if value in (None, ""):
        return ""
    return fmt_decimal(Decimal(str(value)))


# -- exchange rates --------------------------------------------------------------------------------------

class ExchangeRateDialog(QDialog):
    """The rates in force, a new rate (managers), and the history: who set what, from when."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "rates_dialog", _("Exchange rates"))
        self.setWindowTitle(_("Exchange rates (VND per CNY)"))
        self.session = session
        view = session.call("rates.view")      # levels, rates now, history: the first paint in one call
        self.levels = view.levels
        self.current = named(QLabel(""), "rates_current")
        self.current.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.kind = named(QComboBox(), "rate_kind", _("Rate"))
        for code, label in RATE_KINDS.items():
            self.kind.addItem(_(label), code)
        self.kind.currentIndexChanged.connect(lambda _i: self.adjust_box.setVisible(self.kind.currentData() == "selling"))
        self.value = amount_edit("rate_value", _("VND per 1 CNY"), placeholder="3.650")
        self.start = _datetime_edit("rate_effective_from", _("In force from"), view.now)
        self.note = named(QLineEdit(), "rate_note", _("Note"))
        self.adjustments = _editable_table("rate_adjustments", _("Adjustments by customer group"),
                                           [_("Customer group"), _("From order value (CNY)"), _("Adjustment (₫ per ¥)")])
        self.adjustments.setColumnWidth(0, 180)
        self.adjustments.setColumnWidth(1, 170)
        self.adjustments.setMinimumHeight(90)
        self.adjustments.setMaximumHeight(130)
        self.adjust_box = QGroupBox(_("Adjustments by customer group and order value (optional)"))
        al = QVBoxLayout(self.adjust_box)
        al.addWidget(self.adjustments)
        al.addLayout(_row_buttons(self.adjustments, "rate_adjustments", self._add_adjustment))
        self.errors = {k: error_label(f"rate_{k}_error") for k in ("kind", "value", "effective_from", "adjustments")}
        al.addWidget(self.errors["adjustments"])
        self.save_button = named(QPushButton(_("Set rate")), "rate_save")
        self.save_button.clicked.connect(self.save)
        self.status = named(QLabel(""), "rate_status")
        form = QFormLayout()
        form.addRow(_("Rate"), self.kind)
        form.addRow(_("VND per 1 CNY"), self.value)
        form.addRow("", self.errors["value"])
        form.addRow(_("In force from"), self.start)
        form.addRow("", self.errors["effective_from"])
        form.addRow(_("Note"), self.note)
        setter = QGroupBox(_("New rate"))
        sl = QVBoxLayout(setter)
        sl.addLayout(form)
        sl.addWidget(self.adjust_box)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        sl.addLayout(row)
        setter.setVisible(session.can(Perm.SET_EXCHANGE_RATES))
        self.history = readonly_table("rates_history", _("History"), [
            _("Rate"), _("VND per CNY"), _("In force from"), _("Set by"), _("Set at"), _("Adjustments"), _("Note")])
        for col, width in enumerate((290, 100, 130, 150, 130, 220)):
            self.history.setColumnWidth(col, width)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        named(close.button(QDialogButtonBox.StandardButton.Close), "rates_close").setText(_("Close"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current)
        layout.addWidget(setter)
        layout.addWidget(QLabel(_("History")))
        layout.addWidget(self.history, 1)
        layout.addWidget(close)
        fit_to_screen(self, 1040, 720)
        self.reload(view)

    def _add_adjustment(self) -> None:
        r = _set_row(self.adjustments, ["", "0", ""])
        group = named(QComboBox(), f"rate_adjustment_group_{r}", _("Customer group"))
        group.addItem(_("Every customer"), None)
        for v in self.levels:
            group.addItem(v.name, v.id)
        self.adjustments.setCellWidget(r, 0, group)

    def reload(self, view=None) -> None:
        view = view or self.session.call("rates.view")
        now = view.current
        self.current.setText(_("Selling {selling} · buying {buying} (₫ per ¥)").format(
            selling=fmt_decimal(now["selling"]) if now["selling"] else _("not set"),
            buying=fmt_decimal(now["buying"]) if now["buying"] else _("not set")))
        rows = []
        for h in view.history:
            adj = "; ".join(_("{group} from {band}: {delta:+}").format(group=a.vip_level_name, band=fmt_money(a.min_goods_cny),
                                                                       delta=a.delta) for a in h.adjustments)
            label = _(RATE_KINDS[h.kind]) + (" ✔ " + _("in force") if h.current else "")
            rows.append([label, fmt_decimal(h.value), fmt_datetime(h.effective_from), h.set_by,
                         fmt_datetime(h.set_at), adj, h.note])
        fill(self.history, rows, right={1})
        for r in range(self.history.rowCount()):
            if "✔" in self.history.item(r, 0).text():
                for c in range(self.history.columnCount()):
                    f = self.history.item(r, c).font()
                    f.setBold(True)
                    self.history.item(r, c).setFont(f)

    def save(self) -> None:
        errors: dict[str, str] = {}
        value = read_decimal(self.value, errors, "value", empty=None)
        adjustments = []
        for r in range(self.adjustments.rowCount()):
            try:
                band = parse_decimal(_text(self.adjustments, r, 1) or "0")
                delta = parse_decimal(_text(self.adjustments, r, 2))
            except NumberInputError as exc:
                errors["adjustments"] = _("Row {n}: {problem}").format(n=r + 1, problem=exc)
                continue
            adjustments.append(AdjustmentInput(self.adjustments.cellWidget(r, 0).currentData(), band, delta))
        if errors:
            show_field_errors(self.errors, errors)
            return
        try:
            self.session.call("rates.set", self.kind.currentData(), value, _when(self.start),
                              adjustments if self.kind.currentData() == "selling" else [], self.note.text())
        except ValidationFailed as exc:
            errs = dict(exc.field_errors)
            rows = [m for k, m in errs.items() if k.startswith("adjustments.")]
            if rows:
                errs["adjustments"] = "\n".join(rows)
            show_field_errors(self.errors, errs)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        show_field_errors(self.errors, {})
        self.status.setText(_("Saved: {kind} {value}.").format(kind=_(RATE_KINDS[self.kind.currentData()]),
                                                               value=fmt_decimal(value)))
        self.value.clear()
        self.note.clear()
        self.adjustments.setRowCount(0)
        self.reload()


# -- fee policy sets ---------------------------------------------------------------------------------------

class PolicyEditor(QWidget):
    """One fee policy set's tariff as tables and fields (read-only once in force)."""

    SECTIONS = ("name", "vip_level_id", "effective_from", "service", "freight", "tally", "other")

    def __init__(self, session: Session, levels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.levels = session, levels
        self.name = named(QLineEdit(), "policy_name", _("Name"))
        self.group = named(QComboBox(), "policy_group", _("Customer group"))
        self.group.addItem(_("Every customer"), None)
        for v in levels:
            self.group.addItem(v.name, v.id)
        self.start = _datetime_edit("policy_effective_from", _("In force from"), None)
        self.note = named(QLineEdit(), "policy_note", _("Note"))
        self.errors = {k: error_label(f"policy_{k}_error") for k in self.SECTIONS}

        self.bands = _editable_table("policy_service_bands", _("Service fee by goods value"),
                                     [_("From goods value (CNY)"), _("Percent")])
        self.minimum = amount_edit("policy_service_minimum", _("Minimum service fee (VND)"))
        self.freight = _editable_table("policy_freight", _("Freight"), [
            _("Line"), _("Destination"), _("Divisor (cm³/kg)"), _("From kg"), _("Price per kg (VND)"),
            _("Cost per kg (VND)")])
        for col, width in enumerate((150, 110, 130, 90, 150)):
            self.freight.setColumnWidth(col, width)
        self.freight.setMinimumHeight(230)
        self.bands.setColumnWidth(0, 200)
        self.bands.setMinimumHeight(130)
        self.tally = _editable_table("policy_tally", _("Tally"), [_("From items"), _("Price per item (VND)"),
                                                                  _("Dear item (VND)")])
        self.tally.setColumnWidth(0, 120)
        self.tally.setColumnWidth(1, 180)
        self.tally_expensive = amount_edit("policy_tally_expensive", _("Dear from unit price (CNY)"))
        self.crate_first = amount_edit("policy_crate_first", _("Wooden crate first kg (CNY)"))
        self.crate_next = amount_edit("policy_crate_next", _("Wooden crate each further kg (CNY)"))
        self.bubble_first = amount_edit("policy_bubble_first", _("Bubble wrap first kg (CNY)"))
        self.bubble_next = amount_edit("policy_bubble_next", _("Bubble wrap each further kg (CNY)"))
        self.insurance = amount_edit("policy_insurance", _("Insurance (% of declared value)"))
        self.delivery_base = amount_edit("policy_delivery_base", _("VN delivery base (VND)"))
        self.delivery_included = amount_edit("policy_delivery_included", _("Included kg"))
        self.delivery_per_kg = amount_edit("policy_delivery_per_kg", _("Each further kg (VND)"))
        self.discounts = {code: amount_edit(f"policy_discount_{code}", _("Group discount on {fee} (%)").format(
            fee=_(FEE_LABELS[code])), placeholder="0") for code in DISCOUNTABLE}

        top = QFormLayout()
        top.addRow(_("Name"), self.name)
        top.addRow("", self.errors["name"])
        top.addRow(_("Customer group"), self.group)
        top.addRow("", self.errors["vip_level_id"])
        top.addRow(_("In force from"), self.start)
        top.addRow("", self.errors["effective_from"])
        top.addRow(_("Note"), self.note)
        service = QGroupBox(_("Purchasing service fee"))
        sl = QVBoxLayout(service)
        sl.addWidget(self.bands)
        sl.addLayout(_row_buttons(self.bands, "policy_service_bands", lambda: _set_row(self.bands, ["", ""])))
        sf = QFormLayout()
        sf.addRow(_("Minimum service fee (VND)"), self.minimum)
        sl.addLayout(sf)
        sl.addWidget(self.errors["service"])
        freight = QGroupBox(_("International freight: one row per weight tier; a row of its own per line and destination"))
        fl = QVBoxLayout(freight)
        fl.addWidget(self.freight)
        fl.addLayout(_row_buttons(self.freight, "policy_freight", lambda: self._freight_row({})))
        fl.addWidget(self.errors["freight"])
        tally = QGroupBox(_("Tally / inspection per item"))
        tl = QVBoxLayout(tally)
        tl.addWidget(self.tally)
        tl.addLayout(_row_buttons(self.tally, "policy_tally", lambda: _set_row(self.tally, ["", "", ""])))
        tf = QFormLayout()
        tf.addRow(_("Dear from unit price (CNY)"), self.tally_expensive)
        tl.addLayout(tf)
        tl.addWidget(self.errors["tally"])
        other = QGroupBox(_("Packing, insurance, delivery and group discounts"))
        grid = QGridLayout(other)
        pairs = [(_("Wooden crate first kg (CNY)"), self.crate_first), (_("each further kg"), self.crate_next),
                 (_("Bubble wrap first kg (CNY)"), self.bubble_first), (_("each further kg"), self.bubble_next),
                 (_("Insurance (% of declared value)"), self.insurance), ("", QWidget()),
                 (_("VN delivery base (VND)"), self.delivery_base), (_("up to kg"), self.delivery_included),
                 (_("Each further kg (VND)"), self.delivery_per_kg), ("", QWidget())]
        pairs += [(_("Discount on {fee} (%)").format(fee=_(FEE_LABELS[c])), w) for c, w in self.discounts.items()]
        for i, (label, w) in enumerate(pairs):
            grid.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            grid.addWidget(w, i // 2, (i % 2) * 2 + 1)
        grid.addWidget(self.errors["other"], len(pairs) // 2 + 1, 0, 1, 4)
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.addLayout(top)
        for box in (service, freight, tally, other):
            bl.addWidget(box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def _freight_row(self, route: dict, tier: dict | None = None) -> None:
        r = _set_row(self.freight, ["", route.get("destination", "*"), str(route.get("divisor", 6000)),
                                    _show((tier or {}).get("from_kg", "")), _show((tier or {}).get("price_vnd", "")),
                                    _show((tier or {}).get("cost_vnd", ""))])
        line = named(QComboBox(), f"policy_freight_line_{r}", _("Line"))
        for code, label in FREIGHT_LINES.items():
            line.addItem(_(label), code)
        line.setCurrentIndex(max(0, line.findData(route.get("line", "normal"))))
        self.freight.setCellWidget(r, 0, line)

    def show_rules(self, name: str, group: int | None, start: datetime | None, note: str, rules: dict,
                   editable: bool) -> None:
        self.name.setText(name)
        self.group.setCurrentIndex(max(0, self.group.findData(group)))
        self.start.setDateTime(QDateTime(start.astimezone()) if start else QDateTime.currentDateTime())
        self.note.setText(note)
        self.bands.setRowCount(0)
        for b in rules["service_fee"]["bands"]:
            _set_row(self.bands, [_show(b["from_cny"]), _show(b["percent"])])
        self.minimum.setText(_show(rules["service_fee"]["minimum_vnd"]))
        self.freight.setRowCount(0)
        for route in rules["freight"]:
            for tier in route["tiers"]:
                self._freight_row(route, tier)
        self.tally.setRowCount(0)
        for t in rules["tally"]["tiers"]:
            _set_row(self.tally, [str(t["from_qty"]), _show(t["price_vnd"]), _show(t["expensive_price_vnd"])])
        self.tally_expensive.setText(_show(rules["tally"]["expensive_from_cny"]))
        for edit, value in ((self.crate_first, rules["crate"]["first_kg_cny"]), (self.crate_next, rules["crate"]["next_kg_cny"]),
                            (self.bubble_first, rules["bubble"]["first_kg_cny"]), (self.bubble_next, rules["bubble"]["next_kg_cny"]),
                            (self.insurance, rules["insurance_percent"]),
                            (self.delivery_base, rules["vn_delivery"]["base_vnd"]),
                            (self.delivery_included, rules["vn_delivery"]["included_kg"]),
                            (self.delivery_per_kg, rules["vn_delivery"]["per_kg_vnd"])):
            edit.setText(_show(value))
        for code, edit in self.discounts.items():
            edit.setText(_show(rules.get("discounts", {}).get(code, "")))
        for w in [self.name, self.group, self.start, self.note, self.bands, self.minimum, self.freight, self.tally,
                  self.tally_expensive, self.crate_first, self.crate_next, self.bubble_first, self.bubble_next,
                  self.insurance, self.delivery_base, self.delivery_included, self.delivery_per_kg,
                  *self.discounts.values()]:
            w.setEnabled(editable)
            for b in getattr(w, "_row_buttons", ()):
                b.setEnabled(editable)
        show_field_errors(self.errors, {})

    def rules(self) -> tuple[dict | None, dict[str, str]]:
        """The tariff as typed, in its stored form; unreadable numbers are reported per section."""
        errors: dict[str, str] = {}

        def num(edit: QLineEdit, section: str) -> str | None:
            text = edit.text().strip()
            if not text:
                return ""
            try:
                return str(parse_decimal(text))
            except NumberInputError as exc:
                errors.setdefault(section, f"{edit.accessibleName()}: {exc}")
                return None

        bands = [{"from_cny": _number_text(self.bands, r, 0, errors, "service"),
                  "percent": _number_text(self.bands, r, 1, errors, "service")} for r in range(self.bands.rowCount())]
        routes: dict[tuple[str, str], dict] = {}
        for r in range(self.freight.rowCount()):
            line = self.freight.cellWidget(r, 0).currentData()
            dest = _text(self.freight, r, 1) or "*"
            route = routes.setdefault((line, dest), {"line": line, "destination": dest,
                                                     "divisor": _text(self.freight, r, 2) or "6000", "tiers": [],
                                                     "per_m3_vnd": None, "cost_per_m3_vnd": None})
            route["tiers"].append({"from_kg": _number_text(self.freight, r, 3, errors, "freight"),
                                   "price_vnd": _number_text(self.freight, r, 4, errors, "freight"),
                                   "cost_vnd": _number_text(self.freight, r, 5, errors, "freight") or "0"})
        tally = [{"from_qty": _text(self.tally, r, 0), "price_vnd": _number_text(self.tally, r, 1, errors, "tally"),
                  "expensive_price_vnd": _number_text(self.tally, r, 2, errors, "tally")}
                 for r in range(self.tally.rowCount())]
        rules = {
            "service_fee": {"bands": bands, "minimum_vnd": num(self.minimum, "service")},
            "freight": list(routes.values()),
            "tally": {"expensive_from_cny": num(self.tally_expensive, "tally"), "tiers": tally},
            "crate": {"first_kg_cny": num(self.crate_first, "other"), "next_kg_cny": num(self.crate_next, "other")},
            "bubble": {"first_kg_cny": num(self.bubble_first, "other"), "next_kg_cny": num(self.bubble_next, "other")},
            "insurance_percent": num(self.insurance, "other"),
            "vn_delivery": {"base_vnd": num(self.delivery_base, "other"),
                            "included_kg": num(self.delivery_included, "other"),
                            "per_kg_vnd": num(self.delivery_per_kg, "other")},
            "discounts": {c: v for c, e in self.discounts.items() if (v := num(e, "other"))},
        }
        return (None if errors else rules), errors

    def show_errors(self, field_errors: dict[str, str]) -> None:
        """Service errors ("rules.freight.0.divisor"…) go to the section they belong to."""
        shown: dict[str, list[str]] = {}
        for key, message in field_errors.items():
            if key.startswith("rules."):
                part = key.split(".")[1]
                section = {"service_fee": "service", "freight": "freight", "tally": "tally"}.get(part, "other")
                detail = key.split(".", 1)[1]
                shown.setdefault(section, []).append(f"{detail}: {message}" if section != "other" else message)
            else:
                shown.setdefault(key, []).append(message)
        show_field_errors(self.errors, {k: "\n".join(v) for k, v in shown.items()})


class PoliciesTab(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None, data: FeesView | None = None) -> None:
        super().__init__(parent)
        self.session = session
        data = data or session.call("fees.view")
        self.levels = data.levels
        self.now = data.now
        self.list = named(QListWidget(), "fee_policies_list", _("Fee policy sets"))
        self.list.currentRowChanged.connect(self._select)
        self.editor = PolicyEditor(session, self.levels, self)
        self.state = named(QLabel(""), "policy_state")
        self.state.setWordWrap(True)
        self.copy_button = named(QPushButton(_("New version from this…")), "policy_copy")
        self.copy_button.clicked.connect(self.copy)
        self.save_button = named(QPushButton(_("Save")), "policy_save")
        self.save_button.clicked.connect(self.save)
        self.result = named(QLabel(""), "policy_result")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.state)
        rl.addWidget(self.editor, 1)
        row = QHBoxLayout()
        row.addWidget(self.result, 1)
        row.addWidget(self.copy_button)
        row.addWidget(self.save_button)
        rl.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setSizes([260, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.policies: list[PolicyView] = []
        self.draft: dict | None = None      # a copy being made, not saved yet
        self.reload(policies=data.policies)

    def reload(self, select: int | None = None, policies: list[PolicyView] | None = None) -> None:
        self.policies = policies if policies is not None else self.session.call("fees.policies")
        self.list.blockSignals(True)
        self.list.clear()
        for p in self.policies:
            mark = " ✔" if p.in_force else (" ✎" if p.editable else "")
            it = QListWidgetItem(f"{p.vip_level_name} · v{p.version}{mark}\n{p.name} · {fmt_datetime(p.effective_from)}")
            self.list.addItem(it)
        self.list.blockSignals(False)
        ids = [p.id for p in self.policies]
        row = ids.index(select) if select in ids else next((i for i, p in enumerate(self.policies) if p.in_force), 0)
        self.list.setCurrentRow(row)
        self._select(row)

    def _select(self, row: int) -> None:
        if not 0 <= row < len(self.policies):
            return
        self.draft = None
        p = self.policies[row]
        can = self.session.can(Perm.EDIT_FEES)
        self.editor.show_rules(p.name, p.vip_level_id, p.effective_from, p.note, p.rules, p.editable and can)
        if p.in_force:
            text = _("In force since {when} for {group}. A set in force is never edited: make a new version from it.")
        elif p.editable:
            text = _("Starts {when} for {group}; it can still be changed until then.")
        else:
            text = _("Was in force from {when} for {group}; kept for the orders it priced.")
        self.state.setText(text.format(when=fmt_datetime(p.effective_from), group=p.vip_level_name)
                           + " " + _("Version {n}, made by {who}.").format(n=p.version, who=p.created_by))
        self.copy_button.setEnabled(can)
        self.save_button.setEnabled(p.editable and can)

    def current(self) -> PolicyView | None:
        row = self.list.currentRow()
        return self.policies[row] if 0 <= row < len(self.policies) else None

    def copy(self) -> None:
        """Open the selected set's copy in the editor as a new version starting tomorrow."""
        p = self.current()
        if p is None:
            return
        self.draft = {"copied_from": p.id}
        from datetime import timedelta

        start = self.now + timedelta(days=1)
        self.editor.show_rules(p.name, p.vip_level_id, start, "", p.rules, True)
        self.state.setText(_("New version (not saved): change what you need, choose when it starts, then Save."))
        self.save_button.setEnabled(True)

    def save(self) -> None:
        rules, errors = self.editor.rules()
        if errors:
            show_field_errors(self.editor.errors, errors)
            return
        e = self.editor
        try:
            if self.draft is not None:
                new_id = self.session.call("fees.create_policy", e.name.text(), e.group.currentData(),
                                           _when(e.start), rules, e.note.text(),
                                           copied_from_id=self.draft["copied_from"])
            else:
                p = self.current()
                self.session.call("fees.update_policy", p.id, p.version_id, e.name.text(), e.group.currentData(),
                                  _when(e.start), rules, e.note.text())
                new_id = p.id
        except ValidationFailed as exc:
            e.show_errors(exc.field_errors)
            self.result.setText(_("Nothing was saved: correct the fields marked in red."))
            return
        except (StaleEdit, DomainError) as exc:
            report_error(self, exc)
            return
        self.result.setText(_("Saved."))
        self.reload(select=new_id)


# -- VIP levels ------------------------------------------------------------------------------------------

class VipLevelsTab(QWidget):
    FIELDS = ("code", "name", "rank", "min_spend", "deposit_percent", "service_fee_discount_percent")

    def __init__(self, session: Session, parent: QWidget | None = None, data: FeesView | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.level_id: int | None = None
        self.table = readonly_table("vip_levels_table", _("VIP levels"), [
            _("Code"), _("Name"), _("Rank"), _("Spend from"), _("Deposit %"), _("Service fee discount %"),
            _("Active"), _("Customers")])
        self.table.currentCellChanged.connect(lambda r, *_a: self._select(r))
        self.code = named(QLineEdit(), "vip_code", _("Code"))
        self.name = named(QLineEdit(), "vip_name", _("Name"))
        self.rank = named(QSpinBox(), "vip_rank", _("Rank"))
        self.rank.setRange(0, 100)
        self.min_spend = amount_edit("vip_min_spend", _("Spend from (VND)"))
        self.deposit = amount_edit("vip_deposit_percent", _("Deposit (%)"), placeholder=_("company setting"))
        self.discount = amount_edit("vip_service_fee_discount_percent", _("Service fee discount (%)"), placeholder="0")
        self.active = named(QCheckBox(_("Active")), "vip_active")
        self.errors = {k: error_label(f"vip_{k}_error") for k in self.FIELDS}
        form = QFormLayout()
        for label, w, key in ((_("Code"), self.code, "code"), (_("Name"), self.name, "name"),
                              (_("Rank"), self.rank, "rank"), (_("Spend from (VND)"), self.min_spend, "min_spend"),
                              (_("Deposit (%)"), self.deposit, "deposit_percent"),
                              (_("Service fee discount (%)"), self.discount, "service_fee_discount_percent")):
            form.addRow(label, w)
            form.addRow("", self.errors[key])
        form.addRow("", self.active)
        new = named(QPushButton(_("New level")), "vip_new")
        new.clicked.connect(self.new)
        self.save_button = named(QPushButton(_("Save")), "vip_save")
        self.save_button.clicked.connect(self.save)
        self.result = named(QLabel(""), "vip_result")
        row = QHBoxLayout()
        row.addWidget(self.result, 1)
        row.addWidget(new)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(row)
        can = session.can(Perm.EDIT_FEES)
        for w in (self.code, self.name, self.rank, self.min_spend, self.deposit, self.discount, self.active,
                  new, self.save_button):
            w.setEnabled(can)
        self.reload(data.levels if data is not None else None)
        self.new()

    def reload(self, levels=None) -> None:
        self.levels = levels if levels is not None else self.session.call("fees.vip_levels")
        fill(self.table, [[v.code, v.name, v.rank, v.min_spend, v.deposit_percent, v.service_fee_discount_percent,
                           v.is_active, v.customers] for v in self.levels], right={2, 3, 4, 5, 7})

    def new(self) -> None:
        self.level_id = None
        for w in (self.code, self.name, self.min_spend, self.deposit, self.discount):
            w.clear()
        self.rank.setValue(len(self.levels))
        self.active.setChecked(True)
        show_field_errors(self.errors, {})

    def _select(self, row: int) -> None:
        if not 0 <= row < len(self.levels):
            return
        v = self.levels[row]
        self.level_id = v.id
        self.code.setText(v.code)
        self.name.setText(v.name)
        self.rank.setValue(v.rank)
        self.min_spend.setText(fmt_decimal(v.min_spend.amount))
        self.deposit.setText(fmt_decimal(v.deposit_percent) if v.deposit_percent is not None else "")
        self.discount.setText(fmt_decimal(v.service_fee_discount_percent))
        self.active.setChecked(v.is_active)
        show_field_errors(self.errors, {})

    def save(self) -> None:
        errors: dict[str, str] = {}
        data = VipLevelInput(self.code.text(), self.name.text(), self.rank.value(),
                                          read_decimal(self.min_spend, errors, "min_spend"),
                                          read_decimal(self.deposit, errors, "deposit_percent", empty=None)
                                          if self.deposit.text().strip() else None,
                                          read_decimal(self.discount, errors, "service_fee_discount_percent"),
                                          self.active.isChecked())
        if errors:
            show_field_errors(self.errors, errors)
            return
        try:
            self.level_id = self.session.call("fees.save_vip_level", self.level_id, data)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            self.result.setText(_("Nothing was saved: correct the fields marked in red."))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        show_field_errors(self.errors, {})
        self.result.setText(_("Saved."))
        self.reload()


# -- discount codes -----------------------------------------------------------------------------------------

class DiscountCodesTab(QWidget):
    FIELDS = ("code", "value", "fee_codes", "valid_until", "max_uses", "max_uses_per_customer", "customer_id")

    def __init__(self, session: Session, parent: QWidget | None = None, data: FeesView | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.code_id: int | None = None
        data = data or session.call("fees.view")
        self.table = readonly_table("discount_codes_table", _("Discount codes"), [
            _("Code"), _("Value"), _("Fees"), _("Valid from"), _("Until"), _("Used"), _("Limit"), _("Customer"),
            _("Active")])
        self.table.currentCellChanged.connect(lambda r, *_a: self._select(r))
        self.code = named(QLineEdit(), "discount_code", _("Code"))
        self.description = named(QLineEdit(), "discount_description", _("Description"))
        self.percent_kind = named(QRadioButton(_("Percent")), "discount_kind_percent")
        self.amount_kind = named(QRadioButton(_("Amount (VND)")), "discount_kind_amount")
        self.percent_kind.setChecked(True)
        self.value = amount_edit("discount_value", _("Value"))
        self.fee_boxes = {c: named(QCheckBox(_(FEE_LABELS[c])), f"discount_fee_{c}") for c in DISCOUNTABLE}
        self.valid_from = _datetime_edit("discount_valid_from", _("Valid from"), data.now)
        self.has_end = named(QCheckBox(_("Ends")), "discount_has_end")
        from datetime import timedelta

        self.valid_until = _datetime_edit("discount_valid_until", _("Valid until"),
                                          data.now + timedelta(days=30))
        self.valid_until.setEnabled(False)
        self.has_end.toggled.connect(self.valid_until.setEnabled)
        self.max_uses = named(QLineEdit(), "discount_max_uses", _("Uses in all"))
        self.max_uses.setPlaceholderText(_("no limit"))
        self.per_customer = named(QLineEdit(), "discount_max_uses_per_customer", _("Uses per customer"))
        self.per_customer.setPlaceholderText(_("no limit"))
        from ui.widgets.customer_picker import CustomerPicker

        self.customer = CustomerPicker(session, self)
        named(self.customer.search, "discount_customer_search", _("Only for customer"))
        named(self.customer.label, "discount_customer_chosen")
        clear = named(QPushButton(_("Any customer")), "discount_customer_clear")
        clear.clicked.connect(self._any_customer)
        self.active = named(QCheckBox(_("Active")), "discount_active")
        self.errors = {k: error_label(f"discount_{k}_error") for k in self.FIELDS}
        kinds = QHBoxLayout()
        kinds.addWidget(self.percent_kind)
        kinds.addWidget(self.amount_kind)
        kinds.addWidget(self.value)
        fees = QGridLayout()
        for i, box in enumerate(self.fee_boxes.values()):
            fees.addWidget(box, i // 3, i % 3)
        until = QHBoxLayout()
        until.addWidget(self.has_end)
        until.addWidget(self.valid_until)
        who = QHBoxLayout()
        who.addWidget(self.customer, 1)
        who.addWidget(clear)
        form = QFormLayout()
        form.addRow(_("Code"), self.code)
        form.addRow("", self.errors["code"])
        form.addRow(_("Description"), self.description)
        form.addRow(_("Takes off"), kinds)
        form.addRow("", self.errors["value"])
        form.addRow(_("On the fees"), fees)
        form.addRow("", self.errors["fee_codes"])
        form.addRow(_("Valid from"), self.valid_from)
        form.addRow(_("Valid until"), until)
        form.addRow("", self.errors["valid_until"])
        form.addRow(_("Uses in all"), self.max_uses)
        form.addRow("", self.errors["max_uses"])
        form.addRow(_("Uses per customer"), self.per_customer)
        form.addRow("", self.errors["max_uses_per_customer"])
        form.addRow(_("Only for customer"), who)
        form.addRow("", self.errors["customer_id"])
        form.addRow("", self.active)
        new = named(QPushButton(_("New code")), "discount_new")
        new.clicked.connect(self.new)
        self.save_button = named(QPushButton(_("Save")), "discount_save")
        self.save_button.clicked.connect(self.save)
        self.result = named(QLabel(""), "discount_result")
        row = QHBoxLayout()
        row.addWidget(self.result, 1)
        row.addWidget(new)
        row.addWidget(self.save_button)
        body = QWidget()
        QVBoxLayout(body).addLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(scroll, 2)
        layout.addLayout(row)
        self.save_button.setEnabled(session.can(Perm.EDIT_FEES))
        self.reload(data.codes)
        self.new()

    def _any_customer(self) -> None:
        self.customer.customer_id = None
        self.customer.label.setText(_("Any customer"))

    def reload(self, codes=None) -> None:
        self.codes = codes if codes is not None else self.session.call("fees.discount_codes")
        fill(self.table, [[d.code, f"{fmt_decimal(d.percent)} %" if d.percent is not None else fmt_money(d.amount),
                           ", ".join(_(FEE_LABELS[c]) for c in d.fee_codes), fmt_datetime(d.valid_from),
                           fmt_datetime(d.valid_until), d.used_count,
                           "" if d.max_uses is None else d.max_uses, d.customer_name, d.is_active] for d in self.codes],
             right={5, 6})

    def new(self) -> None:
        self.code_id = None
        for w in (self.code, self.description, self.value, self.max_uses, self.per_customer):
            w.clear()
        for b in self.fee_boxes.values():
            b.setChecked(b.objectName() == "discount_fee_purchasing_fee")
        self.percent_kind.setChecked(True)
        self.has_end.setChecked(False)
        self.active.setChecked(True)
        self._any_customer()
        show_field_errors(self.errors, {})

    def _select(self, row: int) -> None:
        if not 0 <= row < len(self.codes):
            return
        d = self.codes[row]
        self.code_id = d.id
        self.code.setText(d.code)
        self.description.setText(d.description)
        self.percent_kind.setChecked(d.percent is not None)
        self.amount_kind.setChecked(d.percent is None)
        self.value.setText(fmt_decimal(d.percent if d.percent is not None else d.amount.amount))
        for c, b in self.fee_boxes.items():
            b.setChecked(c in d.fee_codes)
        self.valid_from.setDateTime(QDateTime(d.valid_from.astimezone()))
        self.has_end.setChecked(d.valid_until is not None)
        if d.valid_until:
            self.valid_until.setDateTime(QDateTime(d.valid_until.astimezone()))
        self.max_uses.setText("" if d.max_uses is None else str(d.max_uses))
        self.per_customer.setText("" if d.max_uses_per_customer is None else str(d.max_uses_per_customer))
        if d.customer_id:
            self.customer.set_customer(d.customer_id, d.customer_name)
        else:
            self._any_customer()
        self.active.setChecked(d.is_active)
        show_field_errors(self.errors, {})

    def _count(self, edit: QLineEdit, key: str, errors: dict[str, str]) -> int | None:
        text = edit.text().strip()
        if not text:
            return None
        if not text.isdigit():
            errors[key] = _("Leave empty for no limit, or a whole number from 1.")
            return None
        return int(text)

    def save(self) -> None:
        errors: dict[str, str] = {}
        value = read_decimal(self.value, errors, "value", empty=None)
        data = DiscountInput(
            self.code.text(), [c for c, b in self.fee_boxes.items() if b.isChecked()],
            percent=value if self.percent_kind.isChecked() else None,
            amount=value if self.amount_kind.isChecked() else None,
            valid_from=_when(self.valid_from), valid_until=_when(self.valid_until) if self.has_end.isChecked() else None,
            max_uses=self._count(self.max_uses, "max_uses", errors),
            max_uses_per_customer=self._count(self.per_customer, "max_uses_per_customer", errors),
            customer_id=self.customer.customer_id, description=self.description.text(),
            is_active=self.active.isChecked())
        if errors:
            show_field_errors(self.errors, errors)
            return
        try:
            self.code_id = self.session.call("fees.save_discount_code", self.code_id, data)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            self.result.setText(_("Nothing was saved: correct the fields marked in red."))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        show_field_errors(self.errors, {})
        self.result.setText(_("Saved."))
        self.reload()


class FeesDialog(QDialog):
    """Fee policy sets, VIP levels and discount codes, one tab each."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "fees_dialog", _("Fees and discounts"))
        self.setWindowTitle(_("Fees, VIP levels and discount codes"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.tabs = named(QTabWidget(), "fees_tabs")
        data = session.call("fees.view")        # the three tabs' first paint in one call
        self.policies = PoliciesTab(session, self, data)
        self.vip = VipLevelsTab(session, self, data)
        self.discounts = DiscountCodesTab(session, self, data)
        self.tabs.addTab(self.policies, _("Fee policy sets"))
        self.tabs.addTab(self.vip, _("VIP levels"))
        self.tabs.addTab(self.discounts, _("Discount codes"))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        named(close.button(QDialogButtonBox.StandardButton.Close), "fees_close").setText(_("Close"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        fit_to_screen(self, 1180, 820)

