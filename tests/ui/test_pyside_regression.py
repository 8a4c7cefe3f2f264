"""PySide6 6.12.0 on Python 3.11 aborted the process after ~5,000 calls of void Qt methods
(None's reference count ran out). We pin below 6.12; this proves the installed build is safe."""
import gc
import sys

from PySide6.QtGui import QStandardItem, QStandardItemModel


def test_fifty_thousand_void_qt_calls_leave_none_alone(qtbot):
    model = QStandardItemModel()
    # Garbage the earlier tests of this worker left (ORM rows, dicts full of None) must not be
    # collected in the middle: freeing it drops None's count by tens of thousands at once.
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        for i in range(50_000):
            model.setRowCount(i % 7)          # returns void
        model.setRowCount(2000)
        for r in range(2000):
            for c in range(10):
                model.setItem(r, c, QStandardItem("x"))  # void, as when filling a table
        after = sys.getrefcount(None)
    finally:
        gc.enable()
    # Ordinary object churn moves None's count by a few hundred either way; a leaking build
    # loses one per call (~70,000 here) and aborts the process long before this line.
    assert after >= before - 2_000
