"""TLS by default, trust on first use: the desktop shows the fingerprint the server printed,
pins it, and refuses a server that later presents another certificate — before it sends a
password."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import ActivityEvent
from app.permissions import Role
from app.remote.client import KnownServers, RemoteClient, ServerIdentity, normalize_url, probe
from app.remote.errors import ConnectionLost, FingerprintMismatch, UnknownServer
from app.server import tls
from tests.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]


def test_the_first_connection_shows_the_fingerprint_and_pins_it_once_confirmed(db, running, tmp_path):
    known = KnownServers(tmp_path / "known_servers.json")
    client = RemoteClient(running.url, known)
    with pytest.raises(UnknownServer) as first:
        client.connect()
    printed = tls.fingerprint_of_file(running.cert)
    assert first.value.identity.fingerprint == printed
    assert printed in first.value.message()
    assert known.get(running.url) is None                 # nothing trusted until the user says so
    client.trust(first.value.identity)
    assert client.connect().app_version
    # the next start of the desktop connects without asking
    again = RemoteClient(running.url, KnownServers(known.path))
    assert again.connect().protocol == client.info.protocol
    client.close()
    again.close()


def test_a_server_with_another_certificate_is_refused_before_anything_is_sent(db, running, tmp_path):
    make_user(db, Role.CARE, username="trang")
    other_pem, _key = tls.make_self_signed(["127.0.0.1"])
    other = ServerIdentity(tls.fingerprint_of_pem(other_pem.decode()), other_pem.decode())
    known = KnownServers(tmp_path / "known_servers.json")
    known.trust(running.url, other)                       # pinned earlier: now someone else answers
    client = RemoteClient(running.url, known)
    with pytest.raises(FingerprintMismatch) as refused:
        client.connect()
    assert other.fingerprint in refused.value.message()
    assert tls.fingerprint_of_file(running.cert) in refused.value.message()
    with pytest.raises(FingerprintMismatch):
        client.login("trang", PASSWORD)                    # the password never leaves the desktop
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ActivityEvent)
                        .where(ActivityEvent.action.in_(["login", "login_failed"]))) == 0


def test_an_unreachable_server_is_a_connection_lost(tmp_path):
    with pytest.raises(ConnectionLost):
        probe("https://127.0.0.1:1")
    known = KnownServers(tmp_path / "k.json")
    known.trust("127.0.0.1:1", ServerIdentity("x", tls.make_self_signed()[0].decode()))
    with pytest.raises(ConnectionLost):
        RemoteClient("127.0.0.1:1", known).connect()


def test_server_addresses_are_written_one_way():
    assert normalize_url("Office.example") == "https://office.example:8443"
    assert normalize_url("https://10.0.0.5:9000/") == "https://10.0.0.5:9000"
    with pytest.raises(ValueError):
        normalize_url("postgresql://u:p@host/db")


def test_serve_creates_its_certificate_prints_the_fingerprint_and_answers(tmp_path):
    """``python main.py serve`` as an administrator runs it (its own process, a SQLite file)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "IMPORTDESK_DATA_DIR": str(tmp_path / "server-data"),
           "IMPORTDESK_ARGON2_PROFILE": "cheapest", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--url",
                             f"sqlite:///{tmp_path / 'office.db'}", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while True:                           # until it listens (it migrates the new file first)
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        out = "".join(lines)
        printed = next(l for l in lines if "fingerprint" in l.lower()).split(": ", 1)[1].strip()
        assert printed == tls.fingerprint_of_file(tmp_path / "server-data" / "server" / tls.CERT_NAME)
        known = KnownServers(tmp_path / "desktop-known.json")
        url = f"127.0.0.1:{port}"
        with pytest.raises(UnknownServer) as first:
            RemoteClient(url, known).connect()
        assert first.value.identity.fingerprint == printed, out
        known.trust(url, first.value.identity)
        client = RemoteClient(url, known)
        assert client.connect().schema
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
