"""An amount field that groups digits as they are typed, in the user's language (5.000.000 in
Vietnamese, 5,000,000 in English and Chinese), and says what is wrong while it is wrong.

Group marks in the field are the field's own: it puts them in while digits are typed and moves
them as digits are added or removed. A mark the user typed or pasted is left where it is until
the text reads as a grouped number, and the text is then read strictly (``parse_decimal``), so
"1.5" is never silently taken as 15. A currency fixes the decimals: đồng have none, yuan two.
"""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit

from app.i18n import NumberInputError, _, _locale, current_language, fmt_decimal, parse_decimal
from ui.common import named

DECIMALS = {"VND": 0, "CNY": 2}


def _symbols() -> tuple[str, str]:
    from babel.numbers import get_decimal_symbol, get_group_symbol

    loc = _locale(current_language())
    return get_decimal_symbol(loc), get_group_symbol(loc)


def _grouped(digits: str, group: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return group.join(p for p in parts if p)


def regroup(text: str, dec: str, group: str) -> str | None:
    """``text`` with its group marks put where they belong, or None when it is not a plain number
    (letters, two decimal marks …): that text is left as typed and read strictly."""
    sign = "-" if text.startswith("-") else ""
    body = text[len(sign):]
    whole, mark, frac = body.partition(dec)
    whole = whole.replace(group, "")
    if (whole and not whole.isdigit()) or (frac and not frac.isdigit()) or (not whole and not mark):
        return None
    whole = whole.lstrip("0") or ("0" if whole else "")
    return sign + _grouped(whole, group) + mark + frac


class AmountEdit(QLineEdit):
    """A right-aligned amount; ``value()`` reads it, ``problem()`` says what is wrong with it."""

    validity_changed = Signal(bool)

    def __init__(self, name: str, accessible: str, currency: str | None = None, placeholder: str = "",
                 allow_negative: bool = False, maximum: Decimal | None = None) -> None:
        super().__init__()
        named(self, name, accessible)
        self.currency, self.allow_negative, self.maximum = currency, allow_negative, maximum
        self.error: QLabel | None = None
        self._submitted = False
        self._shown = ""
        self._valid = True
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if placeholder:
            self.setPlaceholderText(placeholder)
        self.textEdited.connect(self._edited)
        self.editingFinished.connect(self._finished)

    # -- the value ------------------------------------------------------------------------------------
    def set_value(self, value: Decimal | None) -> None:
        if value is None:
            self.setText("")
        else:
            places = DECIMALS.get(self.currency or "")
            self.setText(fmt_decimal(value, digits=places) if places is not None else fmt_decimal(value))
        self._shown = self.text()
        self._update()

    def value(self) -> Decimal | None:
        """The amount typed, or None when the field is empty or wrong."""
        text = self.text().strip()
        if not text or self.problem():
            return None
        return parse_decimal(text)

    def problem(self, submitting: bool = False) -> str:
        """What is wrong with the text now ('' when nothing is); an empty field is wrong only
        once the user tried to save."""
        text = self.text().strip()
        if not text:
            return _("Enter the amount.") if (submitting or self._submitted) else ""
        try:
            value = parse_decimal(text)
        except NumberInputError as exc:
            return str(exc)
        places = DECIMALS.get(self.currency or "")
        if value < 0 and not self.allow_negative:
            return _("The amount cannot be negative.")
        if places == 0 and value != value.to_integral_value():
            return _("Đồng have no decimals: enter a whole amount.")
        if places and -value.as_tuple().exponent > places:
            return _("At most {places} decimals.").format(places=places)
        if self.maximum is not None and abs(value) > self.maximum:
            return _("That amount is too large to be right; check the digits.")
        return ""

    def check(self) -> bool:
        """Called on save: show what is wrong (an empty field included); True when it may be saved."""
        self._submitted = True
        self._update()
        return not self.problem(submitting=True)

    def attach_error(self, label: QLabel) -> None:
        """The label beside the field: it shows the problem while there is one, and only then."""
        self.error = label
        self._update()

    # -- typing ------------------------------------------------------------------------------------
    def _edited(self, text: str) -> None:
        dec, group = _symbols()
        before, self._shown = self._shown, text
        if len(text) == len(before) - 1 and text.replace(group, "") == before.replace(group, "") \
                and regroup(before, dec, group) == before:
            # Backspace over a group mark removes the digit before it, as the user meant.
            pos = self.cursorPosition()
            if pos > 0:
                text = text[:pos - 1] + text[pos:]
                self.setCursorPosition(pos - 1)
        # Our marks move when a digit is typed or removed; a mark the user typed stays put.
        single_edit = abs(len(text) - len(before)) <= 1 and regroup(before, dec, group) == before \
            and text.count(group) == before.count(group)
        regrouped = regroup(text, dec, group)
        if regrouped is not None and regrouped != text and (single_edit or group not in text):
            digits_left = sum(ch.isdigit() for ch in text[:self.cursorPosition()])
            self.setText(regrouped)
            pos = 0
            while pos < len(regrouped) and digits_left:
                digits_left -= regrouped[pos].isdigit()
                pos += 1
            self.setCursorPosition(pos)
        elif text != self.text():
            self.setText(text)
        self._shown = self.text()
        self._update()

    def _finished(self) -> None:
        """Leaving the field writes the amount the way it will be read (yuan with two decimals)."""
        if self.text().strip() and not self.problem():
            self.set_value(parse_decimal(self.text()))

    def _update(self) -> None:
        message = self.problem()
        if self.error is not None:
            self.error.setText(message)
            self.error.setVisible(bool(message))
        valid = not message
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
