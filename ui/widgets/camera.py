"""A photo taken with the computer's camera (QtMultimedia), where there is one.

QtMultimedia is optional: on a machine without its system libraries (libpulse, the FFmpeg or
GStreamer plugin) or without any camera, ``camera_available()`` is False and the screens offer
only "Choose a photo…" (a file). Nothing here may stop a sealing or a receipt: any failure of the
camera is shown in the dialog and the user can still cancel and choose a file."""
from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.i18n import _
from ui.common import named


def _multimedia():
    """(QtMultimedia, QtMultimediaWidgets) or None where they cannot be loaded."""
    try:
        from PySide6 import QtMultimedia, QtMultimediaWidgets
    except Exception:          # ImportError, or OSError for a missing system library
        return None
    return QtMultimedia, QtMultimediaWidgets


def camera_available() -> bool:
    """True when QtMultimedia loads and the system lists at least one camera."""
    mm = _multimedia()
    if mm is None:
        return False
    try:
        return bool(mm[0].QMediaDevices.videoInputs())
    except Exception:
        return False


def jpeg_bytes(image: QImage) -> bytes:
    """The image as JPEG (what the seal's photo is stored as)."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "JPEG", 90)
    buf.close()
    return bytes(data.data())


class CameraDialog(QDialog):
    """The camera's picture live, and "Take photo"; ``photo`` is (file name, JPEG bytes) once taken."""

    def __init__(self, file_stem: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "camera_dialog", _("Camera"))
        self.setWindowTitle(_("Take a photo"))
        self.photo: tuple[str, bytes] | None = None
        self._stem = file_stem
        self.error = named(QLabel(""), "camera_error")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.take = named(box.button(QDialogButtonBox.StandardButton.Ok), "camera_take")
        self.take.setText(_("Take photo"))
        self.take.setEnabled(False)
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "camera_cancel").setText(_("Cancel"))
        box.accepted.connect(self._capture)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self._session = self._camera = self._capture_obj = None
        mm = _multimedia()
        devices = []
        if mm is not None:
            try:
                devices = list(mm[0].QMediaDevices.videoInputs())
            except Exception:
                devices = []
        if not devices:
            self.error.setText(_("No camera was found on this computer. Cancel and choose a photo file instead."))
        else:
            qm, qmw = mm
            try:
                view = qmw.QVideoWidget()
                view.setMinimumSize(480, 360)
                layout.addWidget(view, 1)
                self._camera = qm.QCamera(devices[0])
                self._capture_obj = qm.QImageCapture()
                self._session = qm.QMediaCaptureSession()
                self._session.setCamera(self._camera)
                self._session.setImageCapture(self._capture_obj)
                self._session.setVideoOutput(view)
                self._camera.errorOccurred.connect(lambda _e, text: self._failed(text))
                self._capture_obj.errorOccurred.connect(lambda _i, _e, text: self._failed(text))
                self._capture_obj.readyForCaptureChanged.connect(self.take.setEnabled)
                self._capture_obj.imageCaptured.connect(self._captured)
                self._camera.start()
            except Exception as exc:   # a broken plugin: say so, the file picker still works
                self._failed(str(exc))
        layout.addWidget(self.error)
        layout.addWidget(box)

    def _failed(self, text: str) -> None:
        self.take.setEnabled(False)
        self.error.setText(_("The camera failed: {error}. Cancel and choose a photo file instead.").format(
            error=text or "—"))

    def _capture(self) -> None:
        if self._capture_obj is not None and self._capture_obj.isReadyForCapture():
            self._capture_obj.capture()

    def _captured(self, _id: int, image: QImage) -> None:
        self.photo = (f"{self._stem}.jpg", jpeg_bytes(image))
        self.accept()

    def done(self, result: int) -> None:
        if self._camera is not None:
            try:
                self._camera.stop()
            except Exception:
                pass
        super().done(result)
