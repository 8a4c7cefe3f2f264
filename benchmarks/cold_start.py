"""Cold start: from process start to a usable main window on a demo database.

Target: under 1.5 s on this kind of machine (median of 5 fresh processes). The child prints
"ready" once the main window has been shown and the event loop has painted it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from _common import ROOT, Targets, median

RUNS = int(os.environ.get("RUNS", "5"))


def main() -> int:
    os.environ.setdefault("IMPORTDESK_ARGON2_PROFILE", "")
    from app import db as dbmod
    from app.demo import create_demo_company

    data = tempfile.mkdtemp(prefix="importdesk-bench-")
    url = f"sqlite:///{data}/demo.db"
    database = dbmod.Database(url)
    dbmod.upgrade(database)
    accounts = {a.username: a.password for a in create_demo_company(database)}
    database.dispose()
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               IMPORTDESK_DATA_DIR=data, IMPORTDESK_AUTOLOGIN_USER="quanly",
               IMPORTDESK_AUTOLOGIN_PASSWORD=accounts["quanly"], IMPORTDESK_REPORT_READY="1")
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--url", url, "--smoke"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in proc.stdout:
            if line.startswith("ready"):
                times.append(time.perf_counter() - start)
                break
        proc.wait(timeout=60)
    t = Targets("cold start to a usable main window (demo company, SQLite)")
    t.info("runs", str(len(times)))
    t.info("fastest", min(times), "s")
    t.check("median, process start → main window painted", median(times), 1.5, "s")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
