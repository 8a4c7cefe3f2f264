"""An accountant records yuan bought into Alipay and sees, in an order's money tab, what the
yuan paid for it really cost (CNY lots, first in first out) and the currency result."""
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QDateEdit, QLabel, QLineEdit, QPushButton

from app.i18n import fmt_money
from app.money import CNY, VND, Money
from app.permissions import Role
from app.services import orders, purchasing
from app.services.auth import login
from tests.factories import PASSWORD, make_customer, make_order, make_user
from tests.money_helpers import accounts, fund, set_rates
from tests.ui.conftest import type_text
from tests.ui.test_money_ui import money_company  # noqa: F401  (the fixture)
from tests.ui.test_statistics_ui import open_statistics


def bought_from_a_shop(db, shop_order_no: str, cny_account: int):
    """An order confirmed and bought for 150 ¥ from ``cny_account``: (its care staff, its id)."""
    care, manager, buyer = (make_user(db, r) for r in (Role.CARE, Role.MANAGER, Role.ORDERING))
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    fund(db, cid)
    orders.apply_action(db, care, oid, "submit")
    orders.confirm_order(db, manager, oid, care.user_id, buyer.user_id)
    purchasing.prepare_shop_orders(db, buyer, oid)
    so = purchasing.purchasing_view(db, buyer, oid).shop_orders[0]
    purchasing.record_shop_order(db, buyer, so.id, purchasing.ShopOrderInput(
        shop_order_no, Decimal("150.00"), Decimal(0), Decimal(0), cny_account, {i.id: i.quantity for i in so.items}))
    return care, oid


def test_an_accountant_records_a_lot_and_sees_an_orders_currency_result(qtbot, sqlite_db):
    from ui.screens.money import OrderMoneyTab
    from ui.screens.money_books import CnyPurchaseDialog, MoneyBookDialog
    from ui.session import Session

    db = sqlite_db
    set_rates(db, selling="3650", buying="3600")
    accounts(db, borrow=False)
    make_user(db, Role.ACCOUNTANT, username="phuong", full_name="Ngô Thị Phương")
    session = Session(db, login(db, "phuong", PASSWORD))

    # from the Money books window, as an accountant reaches it ("Money books…" on the toolbar)
    books = MoneyBookDialog(session)
    qtbot.addWidget(books)
    books.show()
    button = books.findChild(QPushButton, "book_cny_purchase")
    assert button.isVisible()
    seen = {}

    def fill():
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, CnyPurchaseDialog) and w.isVisible())
        account = dialog.findChild(QComboBox, "cny_purchase_cny_account")
        seen["account"] = account.currentText()
        type_text(qtbot, dialog.findChild(QLineEdit, "cny_purchase_cny_amount"), "200")
        type_text(qtbot, dialog.findChild(QLineEdit, "cny_purchase_vnd_amount"), "700000")
        type_text(qtbot, dialog.findChild(QLineEdit, "cny_purchase_fee"), "10000")        # 3,550 ₫ per ¥ in all
        type_text(qtbot, dialog.findChild(QLineEdit, "cny_purchase_reference"), "FT-ALIPAY-01")
        dialog.findChild(QDateEdit, "cny_purchase_date").setDate(QDate(2026, 12, 2))
        qtbot.mouseClick(dialog.findChild(QPushButton, "cny_purchase_submit"), Qt.MouseButton.LeftButton)
        seen["closed"] = not dialog.isVisible()

    QTimer.singleShot(50, fill)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert seen["closed"] and seen["account"]                 # the CNY account chosen, the dialog done
    report = session.call("cny_lots.report")
    assert [(l.reference, l.cny, l.vnd, l.value_date) for l in report.lots] == [
        ("FT-ALIPAY-01", Money(Decimal("200.00"), CNY), Money(Decimal(710000), VND), date(2026, 12, 2))]

    care, oid = bought_from_a_shop(db, "TB-1", accounts(db, borrow=None)[1])

    tab = OrderMoneyTab(session, session.call("orders.get", oid))
    qtbot.addWidget(tab)
    tab.show()
    text = tab.findChild(QLabel, "money_profit").text()
    assert fmt_money(Money(Decimal("150.00"), CNY)) in text
    assert fmt_money(Money(Decimal(532500), VND)) in text          # cost at the lot: 150 × 3,550
    assert fmt_money(Money(Decimal(540000), VND)) in text          # what the buying rate 3,600 predicted
    assert fmt_money(Money(Decimal(7500), VND)) in text            # currency result


def test_paying_a_shop_from_an_empty_cny_account_is_refused_with_what_to_do(qtbot, money_company, open_main):
    """Ordering staff record a shop's payment from Alipay holding ¥0 while the company does not
    allow borrowing: the screen shows the refusal naming the account and both amounts, and nothing
    is recorded (the order stays in purchasing, no lot used)."""
    from PySide6.QtWidgets import QMessageBox

    from app.models import CnyLotUse
    from app.services.cny_lots import CnyShort
    from tests.ui.test_money_ui import _accepted_order, click, typed, when_shown
    from ui.screens.money_purchasing import ShopOrdersDialog
    from ui.screens.orders import OrderWindow

    c = money_company
    db = c["db"]
    accounts(db, borrow=False)
    oid = _accepted_order(c)
    main = open_main(db, "duc")
    window = OrderWindow(main.session, oid, main)
    qtbot.addWidget(window)
    window.show()
    seen = {}

    def answer_error(box):
        seen["error"] = box.text()
        box.accept()

    def record(dialog):
        click(qtbot, dialog, "shop_orders_prepare")
        typed(qtbot, dialog, "shop_order_platform_no", "2611-889901")
        typed(qtbot, dialog, "shop_order_goods", "194,80")
        typed(qtbot, dialog, "shop_order_shipping", "0")
        seen["account"] = dialog.findChild(QComboBox, "shop_order_account").currentText()
        refused = when_shown(QMessageBox, answer_error, delay=0)
        click(qtbot, dialog, "shop_order_record")
        qtbot.waitUntil(lambda: bool(refused), timeout=10000)

    done = when_shown(ShopOrdersDialog, record)
    window.more_menu.findChild(type(window.more_menu.actions()[0]), "order_shop_orders").trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    expected = str(CnyShort(account=seen["account"], available=Money(Decimal(0), CNY),
                            needed=Money(Decimal("194.80"), CNY)))
    assert seen["error"] == expected
    assert fmt_money(Money(Decimal("194.80"), CNY)) in seen["error"]
    assert orders.get_order(db, c["care"], oid).status in ("accepted", "purchasing")
    with db.read() as s:
        assert s.query(CnyLotUse).count() == 0


def test_an_accountant_reads_the_cny_lots_reports_in_statistics(qtbot, sqlite_db, open_main):
    """Statistics → "CNY lots": each lot with what was used and what is left; "What used each CNY
    lot": the payment, its order and its cost at the lot's rate against the buying rate."""
    from datetime import date as day

    from PySide6.QtWidgets import QListWidget, QTableView

    from app.i18n import _
    from app.services import ledger
    from tests.ui.test_statistics_ui import choose_period
    from ui.screens.statistics import cell_text

    db = sqlite_db
    set_rates(db, selling="3650", buying="3600")
    bank, alipay = accounts(db, borrow=False)
    make_user(db, Role.ACCOUNTANT, username="phuong", full_name="Ngô Thị Phương")
    accountant = make_user(db, Role.ACCOUNTANT)
    for amount, vnd_paid, ref in (("100.00", "350000", "FX-A"), ("100.00", "358000", "FX-B")):
        ledger.record_cny_purchase(db, accountant, alipay, Decimal(amount), bank, Decimal(vnd_paid), ref,
                                   day(2026, 11, 20))
    care, oid = bought_from_a_shop(db, "TB-9", alipay)
    code = orders.get_order(db, care, oid).code

    window = open_statistics(qtbot, open_main(db, "phuong"), role=None)
    choose_period(qtbot, window, day(2026, 11, 1), day(2026, 11, 30))
    window.tabs.setCurrentIndex(1)
    reports = window.findChild(QListWidget, "stats_report_list")
    names = [reports.item(i).text() for i in range(reports.count())]
    model = window.findChild(QTableView, "stats_report_table").model()

    reports.setCurrentRow(names.index(_("CNY lots")))
    qtbot.waitUntil(lambda: model.name == "money.cny_lots" and model.rowCount() == 2, timeout=15000)
    keys = [c.key for c in model.columns]
    rows = [{k: model.data(model.index(r, keys.index(k))) for k in ("reference", "cny_used", "cny_left", "vnd_left")}
            for r in range(model.rowCount())]
    cny_text = lambda x: cell_text("money_cny", Money(Decimal(x), CNY))      # noqa: E731
    vnd_text = lambda x: cell_text("money_vnd", Money(Decimal(x), VND))      # noqa: E731
    assert sorted(rows, key=lambda r: r["reference"]) == [
        {"reference": "FX-A", "cny_used": cny_text("100.00"), "cny_left": cny_text("0.00"), "vnd_left": vnd_text(0)},
        {"reference": "FX-B", "cny_used": cny_text("50.00"), "cny_left": cny_text("50.00"),
         "vnd_left": vnd_text(179000)}]

    reports.setCurrentRow(names.index(_("What used each CNY lot")))
    qtbot.waitUntil(lambda: model.name == "money.cny_lot_uses" and model.rowCount() == 2, timeout=15000)
    keys = [c.key for c in model.columns]
    uses = sorted((model.data(model.index(r, keys.index("lot_reference"))),
                   model.data(model.index(r, keys.index("order_code"))),
                   model.data(model.index(r, keys.index("vnd"))),
                   model.data(model.index(r, keys.index("currency_result")))) for r in range(model.rowCount()))
    assert uses == [("FX-A", code, vnd_text(350000), vnd_text(10000)),
                    ("FX-B", code, vnd_text(179000), vnd_text(1000))]
