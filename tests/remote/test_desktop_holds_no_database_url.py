"""A desktop working through the server holds no database URL or password: not in its process
environment, not in anything it keeps in memory for the connection, not in its data folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.permissions import Role
from tests.factories import PASSWORD, make_customer, make_user

ROOT = Path(__file__).resolve().parents[2]

DESKTOP = r'''
import json, os, sys
from app.remote.client import KnownServers, RemoteClient, probe

url, data_dir = sys.argv[1], os.environ["IMPORTDESK_DATA_DIR"]
known = KnownServers()
known.trust(url, probe(url))
client = RemoteClient(url, known)
client.connect()
client.login("trang", sys.argv[2])
view = client.call("customers.get", int(sys.argv[3]))
found = client.call("customers.find", "Hằng")

def dump(obj, depth=0, seen=set()):
    if depth > 6 or id(obj) in seen:
        return ""
    seen.add(id(obj))
    out = [repr(obj)[:2000]]
    for value in getattr(obj, "__dict__", {}).values():
        out.append(dump(value, depth + 1))
    if isinstance(obj, dict):
        out += [dump(k, depth + 1) + dump(v, depth + 1) for k, v in obj.items()]
    if isinstance(obj, (list, tuple)):
        out += [dump(v, depth + 1) for v in obj]
    return "\n".join(out)

files = {str(p): p.read_text(errors="replace") for p in __import__("pathlib").Path(data_dir).rglob("*") if p.is_file()}
print(json.dumps({"name": view.name, "found": len(found), "environ": dict(os.environ),
                  "client": dump(client) + dump(dict(client._http.headers)), "files": files}))
'''


def test_the_desktop_side_never_holds_the_database_url(db, running, tmp_path):
    make_user(db, Role.CARE, username="trang")
    cid = make_customer(db, name="Nguyễn Thị Hằng")
    data_dir = tmp_path / "desktop-data"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "IMPORTDESK_DATA_DIR": str(data_dir), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", DESKTOP, running.url, PASSWORD, str(cid)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["name"] == "Nguyễn Thị Hằng" and seen["found"] == 1      # it really worked
    assert any(name.endswith("known_servers.json") for name in seen["files"])
    everything = json.dumps(seen)
    url = db.url.render_as_string(hide_password=False)
    secrets = [url, db.url.database, "postgresql", "sqlite:", "psycopg"]
    if db.url.password:
        secrets.append(db.url.password)
    for secret in secrets:
        assert secret not in everything, secret


def test_a_desktop_started_with_server_opens_no_database(db, running, tmp_path):
    """`main.py --server URL`: the sign-in dialog with the server filled in, and no database opened
    or created on this computer (no file in its data folder, no URL in its settings)."""
    data_dir, home = tmp_path / "desktop-data", tmp_path / "home"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "IMPORTDESK_DATA_DIR": str(data_dir),
           "QT_QPA_PLATFORM": "offscreen"}
    png = tmp_path / "sign-in.png"
    out = subprocess.run([sys.executable, "main.py", "--server", running.url, "--smoke", str(png)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"login_dialog server={running.url}" in out.stdout and png.stat().st_size > 0
    kept = [p for p in (data_dir, home) if p.exists() for p in p.rglob("*") if p.is_file()]
    assert not [p for p in kept if p.suffix in (".db", ".sqlite", ".db-wal")], kept
    everything = out.stdout + out.stderr + "".join(p.read_text(errors="replace") for p in kept)
    url = db.url.render_as_string(hide_password=False)
    for secret in [url, str(db.url.database), "postgresql", "sqlite:", "psycopg"]:
        assert secret not in everything, secret
    both = subprocess.run([sys.executable, "main.py", "--server", running.url, "--demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert both.returncode == 2 and "--server" in both.stderr
