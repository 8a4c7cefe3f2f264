"""A 1366 × 768 laptop, the most common office screen: every role's toolbar fits without hiding
actions behind a chevron, columns are as wide as their titles, the order's items read in one
format, and the item editor's platform follows the product link."""
import pytest
from PySide6.QtWidgets import QComboBox, QTableView, QTableWidget, QToolBar, QToolButton

from app.i18n import set_language
from app.permissions import Role
from tests.factories import make_user


@pytest.mark.parametrize("lang", ["vi", "en", "zh_CN"])
def test_every_roles_toolbar_fits_a_laptop_screen(qtbot, company, open_main, lang):
    set_language(lang)
    try:
        roles = [r for r in Role if r is not Role.SYSTEM]
        make_user(company["db"], *roles, username="allroles", warehouse_code="CN-GZ")
        window = open_main(company["db"], "allroles")
        window.resize(1366, 728)
        bar = window.findChild(QToolBar, "main_toolbar")
        for role in roles:
            window.session.switch_role(role)
            qtbot.wait(30)
            chevron = bar.findChild(QToolButton, "qt_toolbar_ext_button")
            hidden = [a.text() for a in window.create_actions if a.isVisible()
                      and not any(b.isVisible() and (b.defaultAction() is a or (b.menu() and a in b.menu().actions()))
                                  for b in bar.findChildren(QToolButton))]
            assert not (chevron and chevron.isVisible()), (role, lang)
            assert not hidden, (role, hidden)
    finally:
        set_language("vi")


def test_queue_columns_are_never_narrower_than_their_titles(qtbot, company, open_main):
    window = open_main(company["db"], "quanly")
    window.session.switch_role(Role.MANAGER)
    window.resize(1366, 728)
    names = [q.name for q in window.queues]
    window.nav.setCurrentRow(names.index("orders.all"))
    qtbot.wait(50)
    view = window.stack.currentWidget().findChild(QTableView)
    header = view.horizontalHeader()
    model = view.model()
    for i in range(model.columnCount() - 1):
        title = model.headerData(i, 1)
        assert header.sectionSize(i) >= header.fontMetrics().horizontalAdvance(title), title


def test_the_task_queues_first_column_is_called_what_it_is(qtbot, company, open_main):
    from app.queries.queues import QUEUES

    for q in QUEUES.queues.values():
        for col in q.columns:
            if col.key == "id":
                assert col.title != "No.", q.name            # "STT" in Vietnamese: a row number it is not


def test_the_order_items_read_in_one_format_without_an_empty_image_column(qtbot, company, open_main):
    from ui.screens.orders import OrderWindow

    window = open_main(company["db"], "trang")
    order = OrderWindow(window.session, company["orders"][0], window)
    qtbot.addWidget(order)
    order.resize(1300, 728)
    order.show()
    table = order.findChild(QTableWidget, "order_items_table")
    assert table.isColumnHidden(0)                                # no item has an image
    assert table.item(0, 7).text() == "59,90" and table.item(0, 8).text() == "119,80"
    shop = table.item(0, 1).text()
    assert table.columnWidth(1) >= table.fontMetrics().horizontalAdvance(shop)


def test_the_item_platform_follows_the_product_link(qtbot, company, open_main):
    from ui.screens.order_editor import ITEM_COLUMNS, OrderEditor

    window = open_main(company["db"], "trang")
    editor = OrderEditor(window.session, "purchase", parent=window)
    qtbot.addWidget(editor)
    editor.show()
    table = editor.findChild(QTableWidget, "order_items_editor")
    table.item(0, ITEM_COLUMNS.index("product_url")).setText("https://detail.1688.com/offer/2.html")
    assert table.cellWidget(0, ITEM_COLUMNS.index("platform")).currentData() == "1688"
    table.item(0, ITEM_COLUMNS.index("product_url")).setText("https://detail.tmall.com/item.htm?id=3")
    assert table.cellWidget(0, ITEM_COLUMNS.index("platform")).currentData() == "tmall"
    header = table.horizontalHeader()
    for c in range(table.columnCount()):
        title = table.horizontalHeaderItem(c).text()
        assert header.sectionSize(c) >= header.fontMetrics().horizontalAdvance(title), title


def test_the_statistics_window_fits_the_screen_it_opens_on(qtbot, company, open_main):
    from PySide6.QtGui import QGuiApplication

    from ui.screens.statistics import StatisticsWindow

    window = open_main(company["db"], "quanly")
    window.session.switch_role(Role.MANAGER)
    stats = StatisticsWindow(window.session, window)
    qtbot.addWidget(stats)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert stats.height() <= area.height() and stats.width() <= area.width()
