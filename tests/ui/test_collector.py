"""Garbage is collected on the UI thread only (ui.collector): a cycle holding a Qt object freed by
a collection on a worker thread destroys it there, beside the UI thread using it (a segmentation
fault inside Qt: a CI worker died this way in the desktop-on-a-server test)."""
from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QDialog, QLineEdit

from tests.ui.conftest import errors_on_a_thread


def test_a_worker_making_garbage_never_collects_it_and_the_ui_thread_soon_does(qtbot):
    collections_on_main: list[bool] = []

    def seen(phase, _info):
        if phase == "start":
            collections_on_main.append(threading.current_thread() is threading.main_thread())

    dialog = QDialog()
    QLineEdit(dialog)
    dialog.itself = dialog          # a cycle: only the cyclic collector frees it
    gone = weakref.ref(dialog)
    del dialog
    gc.callbacks.append(seen)
    try:
        def churn():                # an export, the live watcher, the in-process server
            for _ in range(300_000):
                cycle: list = []
                cycle.append(cycle)

        worker = threading.Thread(target=churn)
        worker.start()
        worker.join()
        assert collections_on_main == []        # 300,000 cycles, not one collection on the worker
        assert gone() is not None
        qtbot.waitUntil(lambda: gone() is None, timeout=3000)
        assert collections_on_main and all(collections_on_main)
    finally:
        gc.callbacks.remove(seen)


def test_a_background_job_lets_go_of_its_work_and_result_on_the_ui_thread(qtbot):
    """What a job's work refers to (its screen) and what it returns or raises are let go on the UI
    thread, never by the worker: an object whose last reference goes on a worker is destroyed there."""
    from ui.background import run_in_background, running_jobs

    freed_on_main: list[bool] = []

    class Marker:           # stands for a screen, or a dialog kept by the result
        def __del__(self):
            freed_on_main.append(threading.current_thread() is threading.main_thread())

    def start(fails: bool) -> None:
        held, returned = Marker(), Marker()

        def work(_progress):
            assert held is not None
            if fails:
                raise ValueError(returned)
            return returned

        run_in_background(None, work, lambda _r: None, on_error=lambda _e: None, show_progress=False)

    for fails in (False, True):
        start(fails)
    qtbot.waitUntil(lambda: running_jobs() == 0 and len(freed_on_main) == 4, timeout=5000)
    assert freed_on_main == [True] * 4


def test_a_live_update_thread_never_holds_the_desktop_controller(qtbot, company):
    """The watcher's callback reaches the controller through the process's relay and a weak
    reference: a controller let go of on the UI thread is gone, and a late change is dropped."""
    from app.services.auth import login
    from tests.factories import PASSWORD
    from ui.app import AppController

    controller = AppController(company["db"])
    controller._open(login(company["db"], "quanly", PASSWORD))
    arrived = controller.watcher.on_change           # what the watcher thread calls
    window = controller.window
    window.close()
    window.deleteLater()
    qtbot.waitUntil(lambda c=controller: c.watcher is None)
    gone = weakref.ref(controller)
    del controller, window
    qtbot.waitUntil(lambda: gone() is None, timeout=3000)
    assert errors_on_a_thread(arrived, frozenset({"customers"}), "") == []    # a late change
    qtbot.wait(100)
