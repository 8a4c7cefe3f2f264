"""Choosing a customer by typing part of a name, a code or a phone number.

A picker that can post money must never choose on its own: Enter takes a customer only when the
text names exactly one of them (their code, phone or whole name); any other text opens the list
of matches for the user to choose from. Typing again after a choice drops the choice, so the
customer shown is always the one the text was chosen for. The chosen customer is shown as a card
(code, name, phone, and what the dialog adds, such as the wallet balance) large enough to check
before saving.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.i18n import _
from app.text import digits, fold
from ui.common import named

_CARD_STYLE = ("QLabel { border: 1px solid #9bb8d3; border-radius: 4px; background: #f2f7fc;"
               " padding: 6px 8px; }")


def exact_hit(term: str, hits: list) -> object | None:
    """The one customer ``term`` names outright (code, phone or whole name), or None."""
    plain, number = fold(term), digits(term)
    exact = [h for h in hits
             if plain == fold(h.code) or plain == fold(h.name)
             or (len(number) >= 8 and number == digits(h.phone))]
    return exact[0] if len(exact) == 1 else None


class _ReturnKeys(QObject):
    """Enter in the search field or the list belongs to the picker, never to the dialog's default
    button (QLineEdit passes Enter on, so a dialog would otherwise save on the same key press)."""

    def __init__(self, picker: "CustomerPicker") -> None:
        super().__init__(picker)
        self.picker = picker

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if obj is self.picker.search:
                self.picker.enter_pressed()
            else:
                item = self.picker.results.currentItem()
                if item is not None:
                    self.picker.take(item)
            return True
        if event.type() == QEvent.Type.KeyPress and obj is self.picker.search \
                and event.key() == Qt.Key.Key_Down and self.picker.results.isVisible():
            self.picker.results.setFocus()
            return True
        if event.type() == QEvent.Type.KeyPress and obj is self.picker.results and event.key() == Qt.Key.Key_Escape:
            self.picker.results.hide()
            self.picker.search.setFocus()
            return True
        return False


class CustomerPicker(QWidget):
    """Type part of a name (accents optional), a code or a phone fragment, then choose from the list."""

    chosen = Signal(int)
    cleared = Signal()

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.customer_id: int | None = None
        self.hit = None
        self.search = named(QLineEdit(), "order_customer_search", _("Customer"))
        self.search.setPlaceholderText(_("Name, code or phone… then Enter and choose"))
        self.results = named(QListWidget(), "order_customer_results", _("Matching customers"))
        self.results.setMaximumHeight(140)
        self.results.hide()
        self.label = named(QLabel(_("No customer chosen")), "order_customer_chosen")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.extra = ""           # a line the dialog adds to the card (e.g. the wallet balance)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._lookup)
        self.search.textEdited.connect(self._edited)
        self.results.itemClicked.connect(self.take)
        keys = _ReturnKeys(self)
        self.search.installEventFilter(keys)
        self.results.installEventFilter(keys)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.label)

    # -- typing ------------------------------------------------------------------------------------
    def _edited(self, _text: str) -> None:
        if self.customer_id is not None:
            self.clear_choice()
        self._timer.start()

    def _lookup(self) -> list:
        term = self.search.text().strip()
        self.results.clear()
        if len(term) < 2:
            self.results.hide()
            return []
        hits = self.session.call("customers.find", term, limit=15)
        for hit in hits:
            item = QListWidgetItem(f"{hit.code} — {hit.name} — {hit.phone}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            self.results.addItem(item)
        self.results.setVisible(bool(hits))
        if not hits:
            self._show_card(_("No customer matches “{text}”.").format(text=term), found=False)
        elif self.customer_id is None:
            self._show_card(_("Choose the customer from the list (↓ then Enter, or click)."), found=False)
        return hits

    def enter_pressed(self) -> None:
        """Enter takes the customer the text names outright; otherwise it opens the list."""
        self._timer.stop()
        hits = self._lookup()
        one = exact_hit(self.search.text(), hits)
        if one is not None:
            self.choose(one)
            return
        if hits:
            self.results.setCurrentRow(0)
            self.results.setFocus()

    def take(self, item: QListWidgetItem) -> None:
        self.choose(item.data(Qt.ItemDataRole.UserRole))

    # -- the choice ---------------------------------------------------------------------------------
    def choose(self, hit) -> None:
        self.hit = hit
        self.customer_id = hit.id
        self.results.hide()
        self.search.setText(f"{hit.code} — {hit.name}")
        self._render()
        self.chosen.emit(hit.id)
        self.search.setFocus()

    def set_customer(self, customer_id: int, text: str) -> None:
        """A customer fixed by the caller (the wallet it was opened from)."""
        self.hit = None
        self.customer_id = customer_id
        self._fixed_text = text
        self._render()
        self.chosen.emit(customer_id)

    def clear_choice(self) -> None:
        self.customer_id, self.hit, self.extra = None, None, ""
        self._show_card(_("No customer chosen"), found=False)
        self.cleared.emit()

    def set_extra(self, text: str) -> None:
        self.extra = text
        if self.customer_id is not None:
            self._render()

    def _render(self) -> None:
        from html import escape

        if self.hit is not None:
            head = f"<span style='font-size:15pt; font-weight:600'>{escape(self.hit.name)}</span>"
            sub = " · ".join(escape(x) for x in (self.hit.code, self.hit.phone or "") if x)
        else:
            head = f"<span style='font-size:15pt; font-weight:600'>{escape(getattr(self, '_fixed_text', ''))}</span>"
            sub = ""
        lines = [head] + ([f"<span style='font-size:11pt'>{sub}</span>"] if sub else [])
        for line in self.extra.split(" · ") if self.extra else ():   # one figure a line: never cut off
            lines.append(f"<span style='font-size:11pt'>{escape(line)}</span>")
        self._show_card("<br>".join(lines), found=True, rich=True)

    def _show_card(self, text: str, found: bool, rich: bool = False) -> None:
        from html import escape

        self.label.setText(text if rich else escape(text))
        self.label.setStyleSheet(_CARD_STYLE if found else "color: #555;")
