"""Screenshots of real screens on a demo company, for the README and for looking at our work.

    python tools/screenshot.py OUT_DIR [--url sqlite:///demo.db --user quanly --password PW]

Without --url a fresh demo company is created in a temporary folder. Run it under
`xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb` to see the real window manager
decorations, or offscreen.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--url")
    p.add_argument("--user", default="quanly")
    p.add_argument("--password")
    p.add_argument("--language", default="vi")
    p.add_argument("--size", default="1366x768", help="the screen to fit, WIDTHxHEIGHT (an office laptop)")
    p.add_argument("--tour", action="store_true",
                   help="every demo account's main window, the top-up dialog with an ambiguous name and the "
                        "China receiving station, in --language (a fresh demo company only)")
    p.add_argument("--connect", action="store_true",
                   help="only the sign-in dialog with a server, the fingerprint prompt, a refused certificate "
                        "and the 'sign in again' dialog, in --language (also part of --tour)")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("IMPORTDESK_DATA_DIR", tempfile.mkdtemp(prefix="importdesk-shots-"))

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select  # noqa: F401

    from app import db as dbmod
    from app.demo import create_demo_company
    from app.models import Order
    from app.permissions import Perm
    from app.services.auth import login
    from ui.app import apply_language, install_fonts

    app = QApplication.instance() or QApplication(sys.argv)
    install_fonts(app)
    url = args.url or f"sqlite:///{os.environ['IMPORTDESK_DATA_DIR']}/demo.db"
    database = dbmod.Database(url)
    dbmod.upgrade(database)
    password = args.password
    if dbmod.is_empty(database):
        password = {a.username: a.password for a in create_demo_company(database)}[args.user]
    apply_language(args.language)
    import ui.screens  # noqa: F401
    from ui.main_window import MainWindow
    from ui.session import Session

    if args.connect:
        _connect_dialogs(database, out, args.language)
        return 0
    if args.tour:
        _connect_dialogs(database, out, args.language)
        return _tour(database, out, args, [int(n) for n in args.size.split("x")])
    signed = login(database, args.user, password)
    session = Session(database, signed)
    window = MainWindow(session)
    width, height = (int(n) for n in args.size.split("x"))
    window.resize(width, height - 40)          # the taskbar takes its share of a laptop screen
    window.show()

    def pump(ms: int = 600) -> None:
        # a local loop: QApplication.quit() would also close every window (Qt 6), and the
        # statistics window cancels its reads when closed
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    pump(1200)
    window.grab().save(str(out / "main-window.png"))
    names = [q.name for q in window.queues]
    if "orders.all" in names:
        window.nav.setCurrentRow(names.index("orders.all"))
        pump()
        window.grab().save(str(out / "orders-queue.png"))
    with database.read() as s:
        oid = s.scalar(select(Order.id).where(Order.status == "purchasing", Order.kind == "purchase").limit(1))
    if oid:
        window.open_record("order", oid)
        pump()
        order_window = window._windows[("order", oid)]
        order_window.resize(min(1300, width), height - 40)
        pump()
        order_window.grab().save(str(out / "order-window.png"))
        order_window.tabs.setCurrentWidget(order_window.timeline)
        pump(300)
        order_window.grab().save(str(out / "order-activity.png"))
        for i in range(order_window.tabs.count()):
            if order_window.tabs.widget(i).objectName() == "order_money_tab" or \
                    type(order_window.tabs.widget(i)).__name__ == "OrderMoneyTab":
                order_window.tabs.setCurrentIndex(i)
                pump(300)
                order_window.grab().save(str(out / "order-money.png"))
    _custody(session, database, out, pump)
    if session.can(Perm.VIEW_STATISTICS):
        _statistics(session, window, out, pump)
    print(f"screenshots in {out}")
    return 0


def _pump(ms: int = 600) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _connect_dialogs(database, out: Path, lang: str) -> None:
    """A desktop signing in to the company's server: the sign-in dialog with the server filled in,
    the fingerprint prompt of the first connection, a server presenting another certificate, and
    the "sign in again" dialog of an ended session (a real server on a loopback port)."""
    from PySide6.QtWidgets import QLineEdit, QPushButton

    from app.remote.client import KnownServers, ServerIdentity
    from app.server import tls
    from app.server.app import Server
    from app.server.run import ServerThread
    from app.services.settings import read_all
    from ui.dialogs.login import LoginDialog
    from ui.dialogs.server import ReauthDialog

    folder = Path(tempfile.mkdtemp(prefix="importdesk-shots-server-"))
    cert, key, _created = tls.ensure_self_signed(folder / "tls")
    thread = ServerThread(Server(database).app, cert, key).start()
    company = read_all(database)["company.name"]
    try:
        def dialog(known: KnownServers, password: str) -> LoginDialog:
            d = LoginDialog(None, company, server=thread.url, known=known)
            d.findChild(QLineEdit, "login_username").setText("quanly")
            d.findChild(QLineEdit, "login_password").setText(password)
            d.show()
            _pump(300)
            return d

        first = dialog(KnownServers(folder / "known.json"), "password")
        first.grab().save(str(out / f"{lang}-sign-in-server.png"))
        first.findChild(QPushButton, "login_submit").click()
        for _i in range(100):
            _pump(50)
            if first.fingerprint_prompt is not None:
                break
        prompt = first.fingerprint_prompt
        _pump(300)
        prompt.grab().save(str(out / f"{lang}-fingerprint-prompt.png"))
        prompt.reject()
        first.close()

        other, _k, _c = tls.ensure_self_signed(folder / "someone-else")
        known = KnownServers(folder / "known-other.json")
        known.trust(thread.url, ServerIdentity(tls.fingerprint_of_file(other), other.read_text()))
        refused = dialog(known, "password")
        refused.findChild(QPushButton, "login_submit").click()
        for _i in range(100):
            _pump(50)
            if refused.error.isVisible():
                break
        _pump(200)
        refused.grab().save(str(out / f"{lang}-sign-in-refused.png"))
        refused.close()

        again = ReauthDialog("Phạm Quốc Hùng", "quanly", thread.url, lambda pw: None)
        again.show()
        _pump(300)
        again.grab().save(str(out / f"{lang}-sign-in-again.png"))
        again.close()
    finally:
        thread.stop()


def _tour(database, out: Path, args, size) -> int:
    """What a visitor sees signing in as each demo account, at a laptop's size."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QListWidget

    from app.demo import demo_accounts
    from app.services.auth import login
    from ui.main_window import MainWindow
    from ui.session import Session

    width, height = size
    lang = args.language
    for account in demo_accounts(database):
        from dataclasses import replace

        # the person reads in the tour's language, as after choosing it in File → Language
        signed = replace(login(database, account.username, account.password), language=lang)
        session = Session(database, signed)
        window = MainWindow(session)
        window.resize(width, height - 40)
        window.show()
        _pump(1500)
        window.grab().save(str(out / f"{lang}-main-{account.username}.png"))
        if account.username == "ketoan":
            from ui.screens.money_wallets import PaymentDialog

            dialog = PaymentDialog(session, "topup", parent=window)
            dialog.show()
            _pump(300)
            dialog.picker.search.setText("tran")
            dialog.picker.enter_pressed()
            dialog.amount.setText("5000000")
            dialog.amount.textEdited.emit("5000000")
            _pump(400)
            dialog.grab().save(str(out / f"{lang}-topup-ambiguous.png"))
            results = dialog.findChild(QListWidget, "order_customer_results")
            results.setCurrentRow(0)
            dialog.picker.take(results.currentItem())
            _pump(300)
            dialog.grab().save(str(out / f"{lang}-topup-chosen.png"))
            dialog.reject()
        if account.username == "khotq":
            from ui.screens.warehouse import ReceiveStation

            station = ReceiveStation(session, parent=window)
            station.show()
            _pump(500)
            for code in ("SF1234567890", "SF1234567890", "hello", "YT7700000000123"):
                station.panel.field.setText(code)
                station.panel.field.returnPressed.emit()
                _pump(200)
            station.grab().save(str(out / f"{lang}-station-receive-cn.png"))
            station.close()
        window.close()
        _pump(100)
    QTimer.singleShot(0, QApplication.instance().quit)
    print(f"tour screenshots in {out}")
    return 0


def _custody(session, database, out: Path, pump) -> None:
    """A shipment's seal and custody chain (sealed, departed, arrived, opened)."""
    from app.models import Shipment
    from ui.screens.seals import ArrivalSealDialog, CustodyDialog

    with database.read() as s:
        sh = s.scalars(select(Shipment).where(Shipment.seal_check == "ok").limit(1)).first()
    if sh is None:
        return
    dialog = CustodyDialog(session, sh.id, sh.code)
    dialog.show()
    pump(300)
    dialog.grab().save(str(out / "shipment-custody.png"))
    dialog.close()
    check = ArrivalSealDialog(sh.code)
    check.show()
    pump(300)
    check.grab().save(str(out / "arrival-seal-check.png"))
    check.close()


def _statistics(session, main_window, out: Path, pump) -> None:
    """The statistics window: the dashboard (as seen, and its whole scrolled height) and reports."""
    from ui.screens.statistics import open_statistics

    open_statistics(session, main_window)
    stats = main_window._statistics_window
    stats.resize(1366, 728)
    for _ in range(50):
        pump(200)
        if stats.dashboard.board is not None and not stats.running_jobs():
            break
    pump()
    stats.grab().save(str(out / "statistics-dashboard.png"))
    stats.dashboard.widget().grab().save(str(out / "statistics-dashboard-full.png"))
    stats.tabs.setCurrentIndex(1)
    names = [stats.reports.list.item(i).data(256) for i in range(stats.reports.list.count())]
    for name in ("orders.by_status", "orders.list", "money.net_profit", "money.book_cn", "money.debts",
                 "commissions.forwarders", "money.cny_lots", "money.cny_lot_uses"):
        if name.startswith("money.cny_lot"):   # the demo bought its yuan weeks ago: this year
            bar = stats.period_bar
            bar.choice.setCurrentIndex(bar.choice.findData("this_year"))
        if name in names:
            stats.reports.list.setCurrentRow(names.index(name))
            for _ in range(50):
                pump(200)
                if stats.reports.model.name == name and not stats.running_jobs():
                    break
            stats.grab().save(str(out / f"statistics-report-{name.replace('.', '-')}.png"))


if __name__ == "__main__":
    sys.exit(main())
