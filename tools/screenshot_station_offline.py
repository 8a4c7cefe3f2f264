"""A screenshot of the China receiving station offline: scans answered from its journal, scans
waiting, one to review (the same parcel received meanwhile at another desk).

    QT_QPA_PLATFORM=offscreen python tools/screenshot_station_offline.py OUT_DIR [--language vi]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--language", default="vi")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("IMPORTDESK_DATA_DIR", tempfile.mkdtemp(prefix="importdesk-station-"))

    import sqlite3

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import event, select

    from app import db as dbmod
    from app.demo import create_demo_company
    from app.models import Parcel, Warehouse
    from app.services import parcels
    from app.services.auth import login
    from ui.app import apply_language, install_fonts

    app = QApplication.instance() or QApplication(sys.argv)
    install_fonts(app)
    database = dbmod.Database(f"sqlite:///{os.environ['IMPORTDESK_DATA_DIR']}/demo.db")
    dbmod.upgrade(database)
    accounts = {a.username: a.password for a in create_demo_company(database)}
    apply_language(args.language)
    import ui.screens  # noqa: F401
    from ui.screens.warehouse import ReceiveStation
    from ui.session import Session

    def pump(ms: int = 600) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    signed = login(database, "khotq", accounts["khotq"])
    station = ReceiveStation(Session(database, signed))
    station.resize(1280, 760)
    station.show()
    for _ in range(50):
        pump(100)
        if station.link.journal.has_expected_list():
            break
    with database.read() as s:
        codes = list(s.scalars(select(Parcel.tracking_code).where(Parcel.status == "expected")
                               .order_by(Parcel.id).limit(4)))
        gz = s.scalar(select(Warehouse.id).where(Warehouse.code == "CN-GZ"))
    cut = {"on": True}

    def do_execute(cursor, statement, parameters, context):
        if cut["on"]:
            raise sqlite3.OperationalError("unable to open database file")

    event.listen(database.engine, "do_execute", do_execute)
    for code in codes[:3]:
        station.panel.run(code)
    # the third parcel is received at another desk meanwhile; the link comes back for a moment
    cut["on"] = False
    parcels.receive_cn(database, station.session.actor, gz, codes[2])
    station.link.station.wake()
    for _ in range(100):
        pump(100)
        if station.link.station.status()[1] == 0:
            break
    cut["on"] = True
    station.panel.run(codes[3])
    station.panel.run("YT9990001234567")
    pump(800)
    station.grab().save(str(out / "station-offline.png"))
    print(f"screenshot in {out / 'station-offline.png'}")
    station.link.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
