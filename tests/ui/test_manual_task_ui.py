"""A manager writes a task by hand for a department or one person in it (Ctrl+Shift+J)."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton
from sqlalchemy import select

from app.models import Task
from app.permissions import Role
from tests.factories import make_user
from tests.ui.conftest import type_text
from tests.ui.test_money_ui import when_shown


def test_a_manager_writes_a_task_for_one_person_of_a_department(qtbot, company, open_main):
    from ui.screens.task_window import NewTaskDialog

    db = company["db"]
    lan = make_user(db, Role.WAREHOUSE_VN, username="lan", full_name="Ngô Thị Lan")
    main = open_main(db, "quanly")
    main.session.switch_role(Role.MANAGER)
    seen = {}

    def fill(dialog):
        qtbot.mouseClick(dialog.findChild(QPushButton, "new_task_submit"), Qt.MouseButton.LeftButton)
        seen["empty_refused"] = dialog.isVisible() and dialog.findChild(QLabel, "new_task_title_error").isVisible()
        type_text(qtbot, dialog.findChild(QLineEdit, "new_task_title"), "Kiểm lại kệ A3 trước 17h")
        role = dialog.findChild(QComboBox, "new_task_role")
        role.setCurrentIndex(role.findData(Role.WAREHOUSE_VN.value))
        person = dialog.findChild(QComboBox, "new_task_person")
        person.setCurrentIndex(person.findData(lan.user_id))
        qtbot.mouseClick(dialog.findChild(QPushButton, "new_task_submit"), Qt.MouseButton.LeftButton)

    done = when_shown(NewTaskDialog, fill)
    action = next(a for a in main.create_actions if a.objectName() == "new_task")
    assert action.isVisible() and action.shortcut().toString() == "Ctrl+Shift+J"
    action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert seen["empty_refused"]
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.kind == "other"))
    assert (task.title, task.role, task.assignee_id) == ("Kiểm lại kệ A3 trước 17h", "warehouse_vn", lan.user_id)


def test_a_due_time_already_past_is_refused_under_the_due_time_and_the_typing_stays(qtbot, company, open_main):
    from PySide6.QtWidgets import QCheckBox, QDateTimeEdit

    from ui.screens.task_window import NewTaskDialog

    db = company["db"]
    main = open_main(db, "quanly")
    main.session.switch_role(Role.MANAGER)
    seen = {}

    def fill(dialog):
        type_text(qtbot, dialog.findChild(QLineEdit, "new_task_title"), "Gọi lại chị Hằng")
        role = dialog.findChild(QComboBox, "new_task_role")
        role.setCurrentIndex(role.findData(Role.CARE.value))
        dialog.findChild(QCheckBox, "new_task_has_due").setChecked(True)
        due = dialog.findChild(QDateTimeEdit, "new_task_due")
        due.setDateTime(due.dateTime().addDays(-3))                  # two days ago
        qtbot.mouseClick(dialog.findChild(QPushButton, "new_task_submit"), Qt.MouseButton.LeftButton)
        error = dialog.findChild(QLabel, "new_task_due_error")
        seen["refused"] = (dialog.isVisible(), error.isVisible(), error.text(),
                           dialog.findChild(QLabel, "new_task_title_error").isVisible())
        seen["title"] = dialog.findChild(QLineEdit, "new_task_title").text()
        due.setDateTime(due.dateTime().addDays(4))                   # tomorrow
        qtbot.mouseClick(dialog.findChild(QPushButton, "new_task_submit"), Qt.MouseButton.LeftButton)
        seen["closed"] = not dialog.isVisible()

    done = when_shown(NewTaskDialog, fill)
    next(a for a in main.create_actions if a.objectName() == "new_task").trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    visible, shown, text, title_error = seen["refused"]
    assert visible and shown and text and not title_error
    assert seen["title"] == "Gọi lại chị Hằng" and seen["closed"]
    with db.read() as s:
        (task,) = s.scalars(select(Task).where(Task.kind == "other")).all()
    assert task.title == "Gọi lại chị Hằng" and task.role == "care" and task.due_at is not None
