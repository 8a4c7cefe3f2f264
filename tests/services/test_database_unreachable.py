"""A database that cannot be reached: every command says so in one line and exits non-zero, and a
service raises DatabaseUnavailable (a domain error the windows show as a message), never a driver
traceback."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from main import main
from app.db import Database
from app.errors import DatabaseUnavailable, DomainError
from app.permissions import Actor, Role
from app.services import customers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def closed_url() -> str:
    """A PostgreSQL URL on a local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+psycopg://importdesk@127.0.0.1:{port}/importdesk"


@pytest.mark.parametrize("argv", [
    ["db", "upgrade"], ["db", "current"], ["export", "--all", "-o", "out.xlsx"],
    ["housekeeping"], ["send-mail"], ["demo-data", "--orders", "1"],
    ["import", "parcels", "main.py", "--warehouse", "CN-GZ"],
])
def test_every_command_says_in_one_line_which_server_cannot_be_reached(argv, closed_url, capsys, tmp_path,
                                                                      monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = [a if a != "out.xlsx" else str(tmp_path / a) for a in argv]
    rc = main(argv + ["--url", closed_url])
    captured = capsys.readouterr()
    assert rc == 3
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    port = closed_url.split(":")[-1].split("/")[0]
    assert f"127.0.0.1:{port}" in lines[0]
    assert "Traceback" not in captured.err + captured.out


def test_the_command_line_exits_non_zero_without_a_traceback(closed_url):
    run = subprocess.run([sys.executable, "main.py", "db", "upgrade", "--url", closed_url],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 3
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "127.0.0.1" in run.stderr


def test_a_service_call_against_a_closed_port_raises_a_domain_error(closed_url):
    db = Database(closed_url)
    actor = Actor(1, "Lê Thu Trang", Role.CARE, frozenset({Role.CARE}))
    try:
        with pytest.raises(DatabaseUnavailable) as err:
            customers.find_customers(db, actor, "Hằng")
        assert isinstance(err.value, DomainError)
        assert "127.0.0.1" in str(err.value)
        with pytest.raises(DatabaseUnavailable):
            customers.create_customer(db, actor, customers.CustomerInput("Hằng", phone="0912 345 678"))
    finally:
        db.dispose()


@pytest.fixture
def silent_url():
    """A PostgreSQL URL whose 'server' takes the TCP connection and never says a word (a link or
    server that hangs silently), instead of refusing it."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"postgresql+psycopg://importdesk@127.0.0.1:{listener.getsockname()[1]}/importdesk"
    stop.set()
    thread.join(5)
    for s in held:
        s.close()
    listener.close()


def test_a_server_that_never_answers_fails_the_call_within_the_connect_timeout(silent_url):
    """The station is told the database is unreachable (and the scan journal keeps the scan)
    after CONNECT_TIMEOUT seconds, not after the minutes the link would otherwise hang."""
    import threading
    import time

    from app.db import CONNECT_TIMEOUT
    from app.journal import is_link_error

    db = Database(silent_url)
    actor = Actor(1, "Lê Thu Trang", Role.CARE, frozenset({Role.CARE}))
    outcome: list[BaseException | None] = []

    def call() -> None:
        try:
            customers.find_customers(db, actor, "Hằng")
            outcome.append(None)
        except BaseException as exc:   # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(CONNECT_TIMEOUT * 3)
    elapsed = time.monotonic() - started
    try:
        assert outcome, f"the call still hangs after {elapsed:.0f} s"
        assert isinstance(outcome[0], DatabaseUnavailable) and is_link_error(outcome[0])
        assert CONNECT_TIMEOUT - 1 <= elapsed <= CONNECT_TIMEOUT * 2 + 1
    finally:
        db.dispose()
