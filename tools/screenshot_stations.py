"""Screenshots of the four scan stations offline, each with scans waiting and a "To review"
entry (a parcel another desk handled while this station was offline), on a small company built
in a temporary SQLite file.

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb python tools/screenshot_stations.py OUT_DIR [--language vi]
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--language", default="vi")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="importdesk-station-shots-"))
    os.environ.setdefault("IMPORTDESK_DATA_DIR", str(folder / "data"))
    os.environ.setdefault("IMPORTDESK_ARGON2_PROFILE", "cheapest")

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import event

    from app import db as dbmod
    from app.i18n import set_language
    from app.permissions import Role
    from app.services import parcels, seals, shipments, stocktakes
    from app.services.auth import login
    from tests.factories import PASSWORD, make_user
    from tests.services.warehouse_helpers import kg, make_staff, purchase_order
    from ui.screens.shipment_screens import ShipmentWindow
    from ui.screens.warehouse import ReceiveStation, StocktakeWindow
    from ui.session import Session

    app = QApplication.instance() or QApplication(sys.argv)
    set_language(args.language)
    db = dbmod.Database(f"sqlite:///{folder / 'company.db'}")
    dbmod.upgrade(db)
    st = make_staff(db)
    make_user(db, Role.FORWARDER_CN, username="wang", full_name="王小明", warehouse_code="CN-GZ")
    make_user(db, Role.FORWARDER_VN, username="nam", full_name="Đỗ Văn Nam", warehouse_code="VN-HN")
    codes = [f"SF98{i:08d}" for i in range(1, 21)]
    purchase_order(db, st, codes)
    for c in codes[8:]:
        parcels.receive_cn(db, st.cn2, st.wh["CN-GZ"], c, kg("1.4"))
    # a shipment to pack, and one arrived in Hanoi to receive
    pack_id = shipments.open_shipment(db, st.cn2, st.wh["CN-GZ"], st.wh["VN-HN"])
    other_id = shipments.open_shipment(db, st.cn2, st.wh["CN-GZ"], st.wh["VN-HN"])
    arrived = shipments.open_shipment(db, st.cn2, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in codes[15:]:
        shipments.pack_scan(db, st.cn2, arrived, c)
    shipments.seal_shipment(db, st.cn2, arrived, Decimal("9"), "SEAL-1")
    shipments.depart_shipment(db, st.cn2, arrived)
    shipments.arrive_scan(db, st.vn, shipments.get_shipment(db, st.vn, arrived).code,
                          seals.SealCheck("SEAL-1", Decimal("9")))
    counting = stocktakes.start_stocktake(db, st.cn2, st.wh["CN-GZ"])

    cut = {"on": False}

    def do_execute(cursor, statement, parameters, context):
        if cut["on"]:
            raise sqlite3.OperationalError("unable to open database file")

    event.listen(db.engine, "do_execute", do_execute)

    def pump(ms: int = 400) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def shoot(name: str, window, first: list[str], meanwhile, later: list[str]) -> None:
        window.show()
        window.resize(1280, 740)
        link = window.link
        for _i in range(50):
            if link.journal.has_cache(*link.station.watched[::2]):
                break
            pump(100)
        cut["on"] = True
        for code in first:
            window.panel.field.setText(code)
            window.panel.field.returnPressed.emit()
        cut["on"] = False
        meanwhile()                                 # another desk, still online, got there first
        link.station.send_pending()
        cut["on"] = True
        for code in later:
            window.panel.field.setText(code)
            window.panel.field.returnPressed.emit()
        link.station.online = False
        link.refresh()
        pump()
        window.grab().save(str(out / f"{args.language}-{name}.png"))
        link.stop()
        cut["on"] = False
        window.close()

    wang = Session(db, login(db, "wang", PASSWORD))
    shoot("station-receive-cn", ReceiveStation(wang), codes[0:2],
          lambda: parcels.receive_cn(db, st.cn2, st.wh["CN-GZ"], codes[1]), codes[2:5] + ["ZZ9900000001"])
    shoot("station-pack", ShipmentWindow(wang, pack_id), codes[8:10],
          lambda: shipments.pack_scan(db, st.cn2, other_id, codes[9]), codes[10:13])
    shoot("station-stocktake", StocktakeWindow(wang, counting), codes[13:15],
          lambda: stocktakes.stocktake_scan(db, st.cn2, counting, codes[14]), codes[8:12])
    nam = Session(db, login(db, "nam", PASSWORD))
    vn2 = make_user(db, Role.FORWARDER_VN, full_name="Hoàng Văn Tú", warehouse_code="VN-HN")
    shoot("station-receive-vn", ShipmentWindow(nam, arrived), codes[15:17],
          lambda: shipments.receive_scan(db, vn2, arrived, codes[16], Decimal("1.4")), codes[17:20])
    for f in sorted(out.glob(f"{args.language}-station-*.png")):
        print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
