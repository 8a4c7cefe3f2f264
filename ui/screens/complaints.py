"""Customer complaints in the desktop: opening one on an order's items or parcels, the complaint
window (lines and photos, the contacts with the shop and the customer, the plan with its amounts,
approve / reject for managers, carry out).

Everything is reachable from the keyboard: mnemonics on the buttons, Ctrl+Enter records a
contact, F5 reloads; every interactive widget has an objectName and an accessibleName."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QInputDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QTabWidget, QVBoxLayout, QWidget)

from app.errors import DomainError, StaleEdit, ValidationFailed
from app.fees import to_vnd
from app.i18n import N_, _, fmt_datetime, fmt_decimal, fmt_money
from app.permissions import Perm
from app.services import complaints   # their dataclasses; data comes through session.call
from app.services.complaints import CHANNELS, PARTIES, ComplaintInput, RemedyInput
from app.workflows.complaints import (COMPLAINT_KIND_LABELS, COMPLAINT_STAGE_LABELS, FAULT_LABELS, MONEY_REMEDIES,
                                      PLAN_STATUS_LABELS, REMEDY_LABELS, RemedyKind)
from app.workflows.orders import OrderKind
from app.workflows.parcels import PARCEL_STATUS_LABELS
from ui.common import (ask_open_paths, error_label, fit_to_screen, named, open_in_main, report_error,
                       show_field_errors)
from ui.screens.complaint_common import LinePicker, PhotoPicker, dialog_buttons, photo_filter, show_photo
from ui.screens.money_common import amount_edit, cell, read_decimal, readonly_table
from ui.session import Session
from ui.windows.detail import ActivityTimeline


# -- opening a complaint ------------------------------------------------------------------------------------

class OpenComplaintDialog(QDialog):
    """"Open complaint": what is wrong, on which items or parcels, described, with photos."""

    open_operation = "complaints.open"      # the complaint a goods count proposes opens through its own

    def __init__(self, session: Session, order_id: int, parent: QWidget | None = None,
                 choices: complaints.ComplaintChoices | None = None) -> None:
        super().__init__(parent)
        named(self, "complaint_open_dialog", _("Open a complaint"))
        self.session, self.order_id = session, order_id
        self.complaint_id: int | None = None
        if choices is None:     # a caller that read them with its own first paint passes them
            choices = session.call("complaints.choices", order_id)
        self.setWindowTitle(_("Open a complaint — {code}").format(code=choices.order_code))
        intro = named(QLabel(_("Order {code} · {stage}").format(
            code=choices.order_code, stage=_(COMPLAINT_STAGE_LABELS[choices.stage]))), "complaint_open_intro")
        intro.setStyleSheet("font-weight: bold;")
        self.kind = named(QComboBox(), "complaint_kind", _("What is wrong"))
        for code, label in COMPLAINT_KIND_LABELS.items():
            self.kind.addItem(_(label), code)
        self.lines = LinePicker("complaint_lines", choices)
        self.description = named(QPlainTextEdit(), "complaint_description", _("Description"))
        self.description.setPlaceholderText(_("What the customer or the warehouse found, in their words"))
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(90)
        self.photos = PhotoPicker("complaint")
        self.errors = {k: error_label(f"complaint_{k}_error") for k in ("kind", "lines", "description")}
        form = QFormLayout()
        form.addRow(_("&What is wrong:"), self.kind)
        form.addRow("", self.errors["kind"])
        hint = QLabel(_("Tick the items or parcels concerned (Space ticks the selected row):"))
        self.box = dialog_buttons("complaint_open", _("Open complaint"))
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.errors["lines"])
        layout.addWidget(QLabel(_("Description:")))
        layout.addWidget(self.description)
        layout.addWidget(self.errors["description"])
        layout.addWidget(QLabel(_("Photos:")))
        layout.addWidget(self.photos)
        layout.addWidget(self.box)
        self.resize(760, 600)

    def submit(self) -> None:
        s = self.session
        data = ComplaintInput(self.order_id, self.kind.currentData(), self.description.toPlainText(),
                              self.lines.chosen(), list(self.photos.photos))
        try:
            self.complaint_id = s.call(self.open_operation, data)
        except ValidationFailed as exc:
            errors = dict(exc.field_errors)
            errors.setdefault("lines", next((m for k, m in errors.items() if k.startswith("lines.")), ""))
            show_field_errors(self.errors, errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


# -- the plan -------------------------------------------------------------------------------------------------

class PlanDialog(QDialog):
    """A plan: where the fault lies, the remedies with their amounts, a note for the manager."""

    def __init__(self, session: Session, view: complaints.ComplaintView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "plan_dialog", _("Propose a plan"))
        self.setWindowTitle(_("Propose a plan — {code}").format(code=view.code))
        self.session, self.view = session, view
        self.fault = named(QComboBox(), "plan_fault", _("Where the fault lies"))
        self.fault.addItem(_("(choose)"), None)
        for code, label in FAULT_LABELS.items():
            self.fault.addItem(_(label), code)
        if view.fault:
            self.fault.setCurrentIndex(self.fault.findData(view.fault))
        self.checks: dict[str, QCheckBox] = {}
        self.amounts: dict[str, QLineEdit] = {}
        self.errors = {"fault": error_label("plan_fault_error"), "remedies": error_label("plan_remedies_error")}
        grid = QGridLayout()
        has_items = any(line.order_item_id for line in view.lines)
        has_parcels = any(line.parcel_id for line in view.lines)
        why_not = {
            RemedyKind.RESHIP: None if view.order_kind == OrderKind.PURCHASE and has_items else
            _("Only purchased items the complaint lists can be bought again."),
            RemedyKind.RETURN_CN: None if has_parcels else _("The complaint lists no parcel to send back."),
        }
        for row, (kind, label) in enumerate(REMEDY_LABELS.items()):
            check = named(QCheckBox(_(label)), f"plan_remedy_{kind}", _(label))
            self.checks[kind] = check
            grid.addWidget(check, row, 0)
            if kind in MONEY_REMEDIES:
                edit = amount_edit(f"plan_amount_{kind}", _("{remedy} amount (VND)").format(remedy=_(label)),
                                   placeholder=_("amount in đồng"))
                edit.setEnabled(False)
                check.toggled.connect(edit.setEnabled)
                check.toggled.connect(lambda on, e=edit: e.setFocus() if on else None)
                self.amounts[kind] = edit
                self.errors[f"amount.{kind}"] = error_label(f"plan_amount_{kind}_error")
                grid.addWidget(edit, row, 1)
                grid.addWidget(QLabel("₫"), row, 2)
                grid.addWidget(self.errors[f"amount.{kind}"], row, 3)
            elif why_not.get(kind):
                check.setEnabled(False)
                check.setToolTip(why_not[kind])
                grid.addWidget(QLabel(why_not[kind]), row, 1, 1, 3)
        grid.setColumnStretch(3, 1)
        self.hint = named(QLabel(self._hint()), "plan_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("background: #f3f6fa; padding: 6px;")
        self.note = named(QPlainTextEdit(), "plan_note", _("Note for the manager"))
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(70)
        self.box = dialog_buttons("plan", _("Propose plan"))
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("&Fault:"), self.fault)
        form.addRow("", self.errors["fault"])
        group = QGroupBox(_("Remedies"))
        group.setLayout(grid)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(group)
        layout.addWidget(self.errors["remedies"])
        layout.addWidget(self.hint)
        layout.addWidget(QLabel(_("Note for the manager:")))
        layout.addWidget(self.note)
        layout.addWidget(self.box)
        from ui.screens.remedies import add_plan_suggestion   # what the rules in settings propose
        add_plan_suggestion(self)
        self.resize(640, 480)

    def _hint(self) -> str:
        v = self.view
        parts = []
        if not v.items_value_cny.is_zero():
            value = fmt_money(v.items_value_cny)
            if v.selling_rate:
                parts.append(_("Items complained about: {value} ≈ {vnd} at the order's rate {rate}.").format(
                    value=value, vnd=fmt_money(to_vnd(v.items_value_cny, v.selling_rate)),
                    rate=fmt_decimal(v.selling_rate)))
            else:
                parts.append(_("Items complained about: {value}.").format(value=value))
        parts.append(_("The order was charged {charged}: a refund gives back at most that and lowers what the "
                       "order owes first; compensation goes to the wallet as the company's loss.").format(
            charged=fmt_money(v.charged)))
        return "\n".join(parts)

    def remedies(self) -> tuple[list[RemedyInput], dict[str, str]]:
        errors: dict[str, str] = {}
        out = []
        for kind, check in self.checks.items():
            if not check.isChecked():
                continue
            amount = None
            if kind in self.amounts:
                amount = read_decimal(self.amounts[kind], errors, f"amount.{kind}", empty=None)
            out.append(RemedyInput(kind, amount))
        return out, errors

    def submit(self) -> None:
        remedies, errors = self.remedies()
        if errors:
            show_field_errors(self.errors, errors)
            return
        s = self.session
        try:
            s.call("complaints.propose_plan", self.view.id, self.fault.currentData() or "", remedies,
                   self.note.toPlainText(), seen_version=self.view.version)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


# -- the complaint window ---------------------------------------------------------------------------------------

def remedy_text(r: complaints.RemedyView) -> str:
    label = _(REMEDY_LABELS[r.kind])
    return f"{label} {fmt_money(r.amount)}" if r.amount is not None else label


def remedy_result(r: complaints.RemedyView) -> str:
    if r.entry_id:
        return _("journal entry {n}").format(n=r.entry_id)
    if r.shipment_code:
        return _("return shipment {code}").format(code=r.shipment_code)
    if r.reship_order_code:
        return _("reship order {code}").format(code=r.reship_order_code)
    if r.discount_code:
        return _("discount code {code}").format(code=r.discount_code)
    return ""


class ComplaintWindow(QDialog):
    """One complaint: what it is about, the contacts, the plan and its decision, the history."""

    def __init__(self, session: Session, complaint_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "complaint_window", _("Complaint"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.session, self.complaint_id = session, complaint_id
        self.view: complaints.ComplaintView | None = None

        self.code = named(QLabel(""), "complaint_code", _("Complaint code"))
        self.code.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.status = named(QLabel(""), "complaint_status", _("Status"))
        self.status.setStyleSheet("font-size: 14px; font-weight: bold; color: #1565c0;")
        self.open_order = named(QPushButton(""), "complaint_open_order", _("Open the order"))
        self.open_order.clicked.connect(lambda: open_in_main(self, "order", self.view.order_id))
        top = QHBoxLayout()
        top.addWidget(self.code)
        top.addWidget(self.open_order)
        top.addStretch(1)
        top.addWidget(self.status)
        self.info = named(QLabel(""), "complaint_info")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = named(QLabel(""), "complaint_description_view")
        self.description.setWordWrap(True)
        self.description.setStyleSheet("background: #fafafa; padding: 6px;")
        self.notice = named(QLabel(""), "complaint_notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #b3261e;")

        # lines and photos
        self.lines = readonly_table("complaint_lines_view", _("Items and parcels"),
                                    [_("Item or parcel"), _("Shop / status"), _("Pieces"), _("Value")])
        for col, width in enumerate((360, 200, 70)):
            self.lines.setColumnWidth(col, width)
        self.photo_list = named(QListWidget(), "complaint_photos_view", _("Photos"))
        self.photo_list.itemActivated.connect(self._open_photo)
        self.add_photos = named(QPushButton(_("Add &photos…")), "complaint_add_photos", _("Add photos"))
        self.add_photos.clicked.connect(self._add_photos)
        lines_page = QWidget()
        lp = QVBoxLayout(lines_page)
        lp.addWidget(self.lines, 2)
        lp.addWidget(QLabel(_("Photos (Enter opens one):")))
        lp.addWidget(self.photo_list, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_photos)
        lp.addLayout(row)

        # contacts
        self.contacts = readonly_table("complaint_contacts", _("Contacts"),
                                       [_("When"), _("Who"), _("With"), _("How"), _("What was said")])
        for col, width in enumerate((130, 150, 110, 120)):
            self.contacts.setColumnWidth(col, width)
        self.contacts.setWordWrap(True)
        self.party = named(QComboBox(), "contact_party", _("Contact with"))
        for code, label in PARTIES.items():
            self.party.addItem(_(label), code)
        self.channel = named(QComboBox(), "contact_channel", _("How"))
        self.channel.addItem("—", "")
        for code, label in CHANNELS.items():
            self.channel.addItem(_(label), code)
        self.contact_note = named(QPlainTextEdit(), "contact_note", _("What was said"))
        self.contact_note.setPlaceholderText(_("What was said or agreed… (Ctrl+Enter records it)"))
        self.contact_note.setMaximumHeight(70)
        self.contact_note.setTabChangesFocus(True)
        self.contact_error = error_label("contact_error")
        self.record_contact = named(QPushButton(_("&Record contact")), "contact_record", _("Record contact"))
        self.record_contact.clicked.connect(self._record_contact)
        QShortcut(QKeySequence("Ctrl+Return"), self.contact_note, activated=self._record_contact)
        contacts_page = QWidget()
        cp = QVBoxLayout(contacts_page)
        cp.addWidget(self.contacts, 1)
        crow = QHBoxLayout()
        crow.addWidget(QLabel(_("With:")))
        crow.addWidget(self.party)
        crow.addWidget(QLabel(_("How:")))
        crow.addWidget(self.channel)
        crow.addStretch(1)
        crow.addWidget(self.record_contact)
        cp.addWidget(self.contact_note)
        cp.addLayout(crow)
        cp.addWidget(self.contact_error)
        self.contact_widgets = (self.party, self.channel, self.contact_note, self.record_contact)

        # the plan
        self.plan_info = named(QLabel(""), "complaint_plan_info")
        self.plan_info.setWordWrap(True)
        self.remedies = readonly_table("complaint_plan_view", _("Plan"), [_("Remedy"), _("Amount"), _("Made")])
        for col, width in enumerate((220, 150)):
            self.remedies.setColumnWidth(col, width)
        self.history = readonly_table("complaint_plans_history", _("Earlier plans"),
                                      [_("Proposed"), _("By"), _("Plan"), _("Decision"), _("Note")])
        self.history.setMaximumHeight(120)
        for col, width in enumerate((130, 140, 260, 130)):
            self.history.setColumnWidth(col, width)
        self.result = named(QLabel(""), "complaint_result")
        self.result.setWordWrap(True)
        self.result.setStyleSheet("color: #2e7d32;")
        self.buttons: dict[str, QPushButton] = {}
        brow = QHBoxLayout()
        for action, text in (("propose", _("&Propose plan…")), ("approve", _("&Approve plan")),
                             ("reject", _("Re&ject plan…")), ("execute", _("&Carry out the plan")),
                             ("dismiss", _("&Dismiss…")), ("withdraw", _("Customer &withdrew…"))):
            b = named(QPushButton(text), f"complaint_{action}", text.replace("&", "").rstrip("…"))
            b.clicked.connect(lambda _c=False, a=action: self.act(a))
            self.buttons[action] = b
            brow.addWidget(b)
        brow.addStretch(1)
        self.open_made = named(QPushButton(""), "complaint_open_made", _("Open what the plan made"))
        self.open_made.clicked.connect(self._open_made)
        brow.addWidget(self.open_made)
        plan_page = QWidget()
        pp = QVBoxLayout(plan_page)
        self.remedies.setMaximumHeight(190)
        self.history_label = QLabel(_("Earlier plans:"))
        pp.addWidget(self.plan_info)
        pp.addWidget(self.remedies)
        pp.addWidget(self.result)
        pp.addLayout(brow)
        pp.addWidget(self.history_label)
        pp.addWidget(self.history)
        pp.addStretch(1)

        self.timeline = ActivityTimeline()
        self.tabs = named(QTabWidget(), "complaint_tabs")
        self.tabs.addTab(lines_page, _("Items and photos"))
        self.tabs.addTab(contacts_page, _("Contacts"))
        self.tabs.addTab(plan_page, _("Plan"))
        self.tabs.addTab(self.timeline, _("Activity"))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.description)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, activated=self.reload)
        fit_to_screen(self, 1100, 740)
        self.reload()
        if self.view.active and self.view.plan_pending:
            self.tabs.setCurrentIndex(2)

    # -- loading ------------------------------------------------------------------------------------------------
    def reload(self) -> None:
        s = self.session
        shown = s.call("complaints.window", self.complaint_id)     # the complaint and its history: one call
        v = self.view = shown.complaint
        self.setWindowTitle(_("Complaint {code} — {customer}").format(code=v.code, customer=v.customer_name))
        self.code.setText(v.code)
        self.status.setText(_(v.status_label))
        self.open_order.setText(_("Order {code} ↗").format(code=v.order_code))
        self.info.setText(
            _("{kind} · {stage} · customer {customer} {name} · {phone}").format(
                kind=_(COMPLAINT_KIND_LABELS[v.kind]), stage=_(COMPLAINT_STAGE_LABELS[v.stage]),
                customer=v.customer_code, name=v.customer_name, phone=v.customer_phone)
            + "\n" + _("Opened {when} by {who} · customer care: {care} · ordering staff: {buyer} · fault: {fault}").format(
                when=fmt_datetime(v.opened_at), who=v.opened_by, care=v.care_staff or "—",
                buyer=v.ordering_staff or "—", fault=_(FAULT_LABELS[v.fault]) if v.fault else "—"))
        self.description.setText(v.description)
        self.notice.setText(_("Reason: {reason}").format(reason=v.status_reason) if v.status_reason else "")
        self.notice.setVisible(bool(v.status_reason))
        self.lines.setRowCount(len(v.lines))
        for r, line in enumerate(v.lines):
            detail = line.shop_name if line.order_item_id else _(PARCEL_STATUS_LABELS.get(line.parcel_status or "", ""))
            values = [line.label, detail, "" if line.quantity is None else fmt_decimal(line.quantity),
                      fmt_money(line.value_cny) if line.value_cny is not None else ""]
            for c, value in enumerate(values):
                self.lines.setItem(r, c, cell(value, c in (2, 3)))
        self.photo_list.clear()
        for f in v.files:
            item = QListWidgetItem(f"{f.name} · {fmt_datetime(f.uploaded_at)} · {f.uploaded_by}")
            item.setData(Qt.ItemDataRole.UserRole, (f.file_id, f.name))
            self.photo_list.addItem(item)
        self.add_photos.setVisible(v.active and (s.can(Perm.HANDLE_COMPLAINTS) or s.can(Perm.OPEN_COMPLAINTS)))
        self.contacts.setRowCount(len(v.contacts))
        for r, c in enumerate(v.contacts):
            values = [fmt_datetime(c.at), c.by_name, _(PARTIES.get(c.party, c.party)),
                      _(CHANNELS[c.channel]) if c.channel in CHANNELS else "", c.note]
            for col, value in enumerate(values):
                self.contacts.setItem(r, col, cell(value))
        self.contacts.resizeRowsToContents()
        can_contact = v.active and s.can(Perm.HANDLE_COMPLAINTS)
        for w in self.contact_widgets:
            w.setEnabled(can_contact)
        self._show_plan(v)
        allowed = {a for a, _label, _reason in v.actions}
        for action, b in self.buttons.items():
            b.setVisible(action in allowed)
        self.timeline.show_lines(shown.history)

    def _show_plan(self, v: complaints.ComplaintView) -> None:
        plan = v.current_plan
        earlier = list(v.plans[:-1]) if plan else []
        if plan is None:
            self.plan_info.setText(_("No plan yet: record the contacts, then propose one."))
            self.remedies.setRowCount(0)
            self.result.clear()
        else:
            text = _("Plan {status} · fault: {fault} · total {total} · proposed {when} by {who}").format(
                status=_(PLAN_STATUS_LABELS[plan.status]).lower(), fault=_(FAULT_LABELS.get(plan.fault, plan.fault)),
                total=fmt_money(plan.total), when=fmt_datetime(plan.proposed_at), who=plan.proposed_by)
            if plan.decided_at:
                text += "\n" + _("Decided {when} by {who}").format(when=fmt_datetime(plan.decided_at),
                                                                  who=plan.decided_by)
                if plan.decision_note:
                    text += ": " + plan.decision_note
            if plan.note:
                text += "\n" + _("Note: {note}").format(note=plan.note)
            if plan.awaiting_approval and plan.proposed_by_id == self.session.signed.user_id \
                    and self.session.can(Perm.APPROVE_COMPLAINTS):
                text += "\n" + _("You proposed this plan: another manager approves it.")
            self.plan_info.setText(text)
            self.remedies.setRowCount(len(plan.remedies))
            for r, rem in enumerate(plan.remedies):
                values = [_(REMEDY_LABELS[rem.kind]), fmt_money(rem.amount) if rem.amount is not None else "",
                          remedy_result(rem)]
                for c, value in enumerate(values):
                    self.remedies.setItem(r, c, cell(value, c == 1))
            made = [remedy_result(r) for r in plan.remedies if remedy_result(r)]
            self.result.setText(_("Carried out {when}: {made}.").format(
                when=fmt_datetime(plan.executed_at), made=", ".join(made)) if plan.executed_at else "")
        self._made = None
        if plan is not None:
            for r in plan.remedies:
                if r.shipment_id:
                    self._made = ("shipment", r.shipment_id, _("Open shipment {code}").format(code=r.shipment_code))
                elif r.reship_order_id:
                    self._made = ("order", r.reship_order_id, _("Open order {code}").format(code=r.reship_order_code))
        self.open_made.setVisible(self._made is not None)
        if self._made:
            self.open_made.setText(self._made[2])
        self.history.setRowCount(len(earlier))
        for r, p in enumerate(earlier):
            values = [fmt_datetime(p.proposed_at), p.proposed_by, "; ".join(remedy_text(x) for x in p.remedies),
                      _(PLAN_STATUS_LABELS[p.status]), p.decision_note]
            for c, value in enumerate(values):
                self.history.setItem(r, c, cell(value))
        self.history.setVisible(bool(earlier))
        self.history_label.setVisible(bool(earlier))

    # -- actions -------------------------------------------------------------------------------------------------
    def act(self, action: str, reason: str | None = None) -> bool:
        """One of the plan's buttons; ``reason`` is asked for when the step needs one."""
        v = self.view
        s = self.session
        if action == "propose":
            done = PlanDialog(s, v, self).exec() == QDialog.DialogCode.Accepted
            self.reload()
            return done
        needs_reason = next((r for a, _l, r in v.actions if a == action), False)
        if needs_reason and reason is None:
            label = next((_(lbl) for a, lbl, _r in v.actions if a == action), action)
            reason, ok = QInputDialog.getMultiLineText(self, label, _("Reason:"))
            if not ok:
                return False
        try:
            if action == "approve":
                s.call("complaints.approve_plan", v.id, seen_version=v.version)
            elif action == "reject":
                s.call("complaints.reject_plan", v.id, reason or "", seen_version=v.version)
            elif action == "execute":
                result = s.call("complaints.execute_plan", v.id, seen_version=v.version)
                self.tabs.setCurrentIndex(2)
                if result.reship_order_id or result.shipment_id:
                    self.open_made.setFocus()
            elif action == "dismiss":
                s.call("complaints.dismiss", v.id, reason or "")
            elif action == "withdraw":
                s.call("complaints.withdraw", v.id, reason or "")
        except StaleEdit as exc:
            report_error(self, exc)
            self.reload()
            return False
        except DomainError as exc:
            report_error(self, exc)
            return False
        self.reload()
        return True

    def _record_contact(self) -> None:
        s = self.session
        try:
            s.call("complaints.record_contact", self.complaint_id, self.party.currentData(),
                   self.contact_note.toPlainText(), self.channel.currentData())
        except ValidationFailed as exc:
            self.contact_error.setText(next(iter(exc.field_errors.values())))
            self.contact_error.show()
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.contact_error.hide()
        self.contact_note.clear()
        self.reload()

    def _add_photos(self) -> None:
        paths = ask_open_paths(self, _("Add photos"), photo_filter())
        self.add_photo_files([(Path(p).name, Path(p).read_bytes()) for p in paths])

    def add_photo_files(self, photos: list[tuple[str, bytes]]) -> None:
        if not photos:
            return
        try:
            self.session.call("complaints.add_photos", self.complaint_id, photos)
        except DomainError as exc:
            report_error(self, exc)
            return
        self.reload()

    def _open_photo(self, item: QListWidgetItem) -> None:
        file_id, name = item.data(Qt.ItemDataRole.UserRole)
        try:
            show_photo(self.session.call("complaints.read_photo", file_id), name)
        except DomainError as exc:
            report_error(self, exc)

    def _open_made(self) -> None:
        if self._made:
            open_in_main(self, self._made[0], self._made[1])



def open_complaint_dialog(session: Session, order_id: int, parent: QWidget | None) -> int | None:
    dialog = OpenComplaintDialog(session, order_id, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.complaint_id is not None:
        open_in_main(parent, "complaint", dialog.complaint_id)
        return dialog.complaint_id
    return None


def _register() -> None:
    from ui.windows.registry import OrderCommand, register_detail, register_order_command

    register_detail("complaint", ComplaintWindow)
    register_order_command(OrderCommand(
        "order_open_complaint", N_("Open complaint…"), Perm.OPEN_COMPLAINTS,
        lambda session, view, parent: open_complaint_dialog(session, view.id, parent) is not None,
        lambda view, actor: view.can_complain))


_register()
