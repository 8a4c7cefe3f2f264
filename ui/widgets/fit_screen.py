"""Windows fit the screen they open on: a window asks for its comfortable size and gets no more
than the screen offers (a 1366 × 768 laptop less its taskbar and the window frame)."""
from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

FRAME = (16, 40)      # what a window manager's frame and title bar take around a window, about


def fitted_size(width: int, height: int, available_width: int, available_height: int) -> tuple[int, int]:
    return (min(width, available_width - FRAME[0]), min(height, available_height - FRAME[1]))


def resize_to_fit(window: QWidget, width: int, height: int) -> None:
    """``window.resize(width, height)``, shrunk to the available part of its screen."""
    screen = window.screen() if window.parentWidget() is None else window.parentWidget().screen()
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(width, height)
        return
    area = screen.availableGeometry()
    window.resize(*fitted_size(width, height, area.width(), area.height()))
