"""A sack's seal on the screen: read and weighed before it is opened in Vietnam (the arrival
check), and its custody chain with the claims against the carrier (the shipment window's
"Seal and custody…"). Every call through ``session.call``."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QInputDialog,
                               QLabel, QLineEdit, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from app.errors import ValidationFailed
from app.i18n import _, fmt_datetime, fmt_decimal
from app.services.seals import REASON_LABELS, SealCheck
from ui.common import ask_open_path, named, report_error
from ui.screens.warehouse_common import parse_kg
from ui.widgets.camera import CameraDialog, camera_available
from ui.session import Session

IMAGES = "Images (*.png *.jpg *.jpeg *.webp *.gif)"


class PhotoPicker(QWidget):
    """An optional photo: a button that opens a file, a "Camera…" button where this computer has a
    camera (QtMultimedia), and the photo's name once chosen or taken."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photo: tuple[str, bytes] | None = None
        self.pick = named(QPushButton(_("Choose a photo…")), name)
        self.pick.clicked.connect(lambda _c=False: self.choose())
        self.camera = named(QPushButton(_("Camera…")), f"{name}_camera")
        self.camera.clicked.connect(lambda _c=False: self.take())
        # no QtMultimedia or no camera: the button is not offered, a file still is
        self.camera.setVisible(camera_available())
        self.label = named(QLabel(_("no photo")), f"{name}_name")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.pick)
        row.addWidget(self.camera)
        row.addWidget(self.label, 1)

    def choose(self, path: str | None = None) -> None:
        path = path or ask_open_path(self, _("Photo of the seal"), _(IMAGES))
        if not path:
            return
        data = Path(path).read_bytes()
        self.photo = (Path(path).name, data)
        self.label.setText(Path(path).name)

    def take(self) -> None:
        dialog = CameraDialog("seal", self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.photo is not None:
            self.photo = dialog.photo
            self.label.setText(_("photo taken with the camera"))


class ArrivalSealDialog(QDialog):
    """Before a sack from China is opened: the seal's number as read, the weight on the scale,
    whether the seal is whole, and a photo (kept as evidence if anything differs)."""

    def __init__(self, shipment_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "arrival_seal_dialog", _("Check the seal"))
        self.setWindowTitle(_("Check the seal of {code}").format(code=shipment_code))
        intro = QLabel(_("Do not open the sack yet. Type the number printed on its seal, weigh it, "
                         "and say whether the seal is whole."))
        intro.setWordWrap(True)
        self.seal_no = named(QLineEdit(), "arrival_seal_number", _("Seal number"))
        self.gross = named(QLineEdit(), "arrival_gross_weight", _("Gross weight (kg)"))
        self.intact = named(QCheckBox(_("The seal is whole and not tampered with")), "arrival_seal_intact")
        self.intact.setChecked(True)
        self.photo = PhotoPicker("arrival_seal_photo")
        self.note = named(QLineEdit(), "arrival_seal_note", _("Note"))
        self.error = named(QLabel(""), "arrival_seal_error")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Seal number:"), self.seal_no)
        form.addRow(_("Gross weight (kg):"), self.gross)
        form.addRow("", self.intact)
        form.addRow(_("Photo:"), self.photo)
        form.addRow(_("Note:"), self.note)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "arrival_seal_save").setText(_("Check and open"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self._accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(box)
        self.resize(520, 0)

    def _accept(self) -> None:
        try:
            self.check()
        except ValidationFailed as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def check(self) -> SealCheck:
        gross = parse_kg(self.gross.text(), "gross_weight_kg")
        if gross is None:
            raise ValidationFailed({"gross_weight_kg": _("Weigh the sack and enter its gross weight.")})
        if not self.seal_no.text().strip():
            raise ValidationFailed({"seal_no": _("Type the number printed on the seal (or what is left of it).")})
        return SealCheck(self.seal_no.text(), gross, self.intact.isChecked(), self.photo.photo, self.note.text())


def ask_seal_check(parent: QWidget, shipment_code: str) -> SealCheck | None:
    dialog = ArrivalSealDialog(shipment_code, parent)
    return dialog.check() if dialog.exec() == QDialog.DialogCode.Accepted else None


class CustodyDialog(QDialog):
    """Who had the sack when: sealed, departed, arrived, opened — and any claim against the
    carrier with its evidence; a manager releases a held sack or closes a claim here."""

    def __init__(self, session: Session, shipment_id: int, shipment_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "custody_dialog", _("Seal and custody"))
        self.session, self.shipment_id = session, shipment_id
        self.setWindowTitle(_("Seal and custody of {code}").format(code=shipment_code))
        self.state = named(QLabel(""), "custody_state")
        self.state.setWordWrap(True)
        self.chain = named(QTreeWidget(), "custody_chain", _("Custody"))
        self.chain.setHeaderLabels([_("When"), _("What"), _("Who"), _("Seal"), _("Gross (kg)"), _("Note")])
        self.chain.setRootIsDecorated(False)
        self.claims = named(QTreeWidget(), "custody_claims", _("Claims against the carrier"))
        self.claims.setHeaderLabels([_("Carrier claim"), _("What differs"), _("At sealing"), _("On arrival"), _("Status")])
        self.claims.setRootIsDecorated(False)
        self.photo = named(QLabel(), "custody_photo")
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chain.currentItemChanged.connect(lambda *_a: self._show_photo())
        self.release = named(QPushButton(_("Release for receiving…")), "seal_release")
        self.release.clicked.connect(lambda _c=False: self.do_release())
        self.close_claim = named(QPushButton(_("Close the claim…")), "claim_close")
        self.close_claim.clicked.connect(lambda _c=False: self.do_close_claim())
        buttons = QHBoxLayout()
        buttons.addWidget(self.release)
        buttons.addWidget(self.close_claim)
        buttons.addStretch(1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        box.rejected.connect(self.reject)
        buttons.addWidget(box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.chain, 3)
        layout.addWidget(QLabel(_("Claims against the carrier")))
        layout.addWidget(self.claims, 1)
        layout.addWidget(self.photo)
        layout.addLayout(buttons)
        self.resize(1100, 600)
        self.reload()

    def reload(self) -> None:
        v = self.view = self.session.call("seals.view", self.shipment_id)
        self.state.setText({"": _("The seal has not been checked on arrival yet."),
                            "ok": _("The seal and the weight matched on arrival."),
                            "held": _("Held: the seal or the weight did not match. The sack stays closed until a "
                                      "manager releases it."),
                            "released": _("Released for receiving by a manager; the claim stays open until "
                                          "settled.")}.get(v.seal_check, ""))
        self.chain.clear()
        for line in v.custody:
            item = QTreeWidgetItem([fmt_datetime(line.at), line.label, line.by, line.seal_no,
                                    fmt_decimal(line.gross_weight_kg) if line.gross_weight_kg is not None else "",
                                    (line.claim_code + " · " if line.claim_code else "") + line.note])
            item.setData(0, Qt.ItemDataRole.UserRole, line.photo_file_id)
            item.setToolTip(5, item.text(5))
            self.chain.addTopLevelItem(item)
        self.claims.clear()
        for c in v.claims:
            self.claims.addTopLevelItem(QTreeWidgetItem([
                c.code, ", ".join(_(REASON_LABELS[r]) for r in c.reasons),
                f"{c.sealed_seal_no} · {fmt_decimal(c.sealed_gross_kg) if c.sealed_gross_kg is not None else '—'} kg",
                f"{c.found_seal_no} · {fmt_decimal(c.found_gross_kg) if c.found_gross_kg is not None else '—'} kg",
                _("open") if c.is_open else _("closed") + (f": {c.outcome}" if c.outcome else "")]))
        for tree in (self.chain, self.claims):
            # every column as wide as it needs but the last, which takes the rest and wraps
            tree.setWordWrap(True)
            for col in range(tree.columnCount() - 1):
                tree.resizeColumnToContents(col)
                # a little room: Chinese falls back to another font the measure underestimates
                tree.setColumnWidth(col, tree.columnWidth(col) + 12)
        self.release.setVisible(v.can_release)
        self.close_claim.setVisible(any(c.is_open for c in v.claims) and v.can_close)
        self.photo.clear()

    def _show_photo(self) -> None:
        item = self.chain.currentItem()
        file_id = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if not file_id:
            self.photo.clear()
            return
        try:
            _mime, data = self.session.call("seals.read_photo", file_id)
        except Exception as exc:
            report_error(self, exc)
            return
        pix = QPixmap()
        pix.loadFromData(data)
        self.photo.setPixmap(pix.scaledToHeight(min(160, max(pix.height(), 1)),
                                                Qt.TransformationMode.SmoothTransformation))

    def do_release(self, reason: str | None = None) -> None:
        if reason is None:
            reason, ok = QInputDialog.getText(self, _("Release for receiving"),
                                              _("Why may the sack be opened and received?"))
            if not ok:
                return
        try:
            self.session.call("seals.release", self.shipment_id, reason)
        except Exception as exc:
            report_error(self, exc)
        self.reload()

    def do_close_claim(self, outcome: str | None = None) -> None:
        open_claims = [c for c in self.view.claims if c.is_open]
        if not open_claims:
            return
        if outcome is None:
            outcome, ok = QInputDialog.getText(self, _("Close the claim"),
                                               _("How did the carrier settle claim {code}?").format(code=open_claims[0].code))
            if not ok:
                return
        try:
            self.session.call("seals.close_claim", open_claims[0].id, outcome)
        except Exception as exc:
            report_error(self, exc)
        self.reload()
