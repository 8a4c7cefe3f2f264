"""A desktop signed in to a server runs no timers of its own: the server runs housekeeping, overdue
tasks and the customer outbox in one loop (app.server.jobs), one process at a time per job."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import db as dbmod
from app.models import Customer, CustomerMessage, Task
from app.permissions import Role
from app.server.jobs import ServerJobs, job_lock
from app.services import tasks
from app.services.notifications import notify_customer
from app.workflows.tasks import TaskKind
from tests.factories import make_user
from tests.services.test_outbox_smtp import MailServer, _customer, configure

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def staff(db):
    return {"care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
            "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
            "admin": make_user(db, Role.ADMIN)}


def _overdue_task(db, staff, clock, title="Gọi khách Hằng") -> int:
    with db.transaction() as tx:
        tid = tasks.open_task(tx, staff["manager"], TaskKind.OTHER, Role.CARE, title,
                              due_in=timedelta(hours=1)).id
    clock.advance(days=3)
    return tid


def _escalated(db, tid) -> bool:
    with db.read() as s:
        return s.get(Task, tid).escalated_at is not None


def test_the_server_loop_escalates_overdue_work_and_sends_queued_mail_at_once(db, staff, clock):
    mail = MailServer().start()
    jobs = ServerJobs(db, escalate_every=3600, housekeeping_every=3600)
    try:
        configure(db, staff["admin"], mail.port, **{"mail.send_interval_seconds": "3600"})
        tid = _overdue_task(db, staff, clock)
        cid = _customer(db, staff["care"], care=staff["care"], email="hang@example.com")   # welcome mail dropped
        jobs.start()
        deadline = time.monotonic() + 15
        while len(jobs.last) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _escalated(db, tid)                       # the first round runs at start
        assert set(jobs.last) == {"housekeeping", "escalate", "outbox", "mailbox"}
        assert jobs.last["mailbox"] == 0                 # no mailbox configured: nothing read, no error
        # a message queued by a desktop's action is sent within seconds, not at the hour's interval
        assert mail.messages == []
        with db.transaction() as tx:
            notify_customer(tx, tx.get(Customer, cid), "order_status", "order", None,
                            code="DH0000042", status="Purchased")
        deadline = time.monotonic() + 15
        while not mail.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["To"] for m in mail.messages] == ["hang@example.com"], (jobs.last["outbox"], jobs._outbox_woken)

        def statuses():
            with db.read() as s:
                return s.scalars(select(CustomerMessage.status)).all()

        deadline = time.monotonic() + 10          # marked sent once the mail server said yes
        while statuses() != ["sent"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert statuses() == ["sent"]
    finally:
        jobs.stop()
        mail.stop()
    assert jobs._thread is None


@pytest.mark.pg
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)   # SQLite is served by one process
def test_two_server_processes_never_run_the_same_job_at_once(db, staff, clock):
    tid = _overdue_task(db, staff, clock)
    other = dbmod.Database(db.url.render_as_string(hide_password=False), clock=clock)
    try:
        with job_lock(other, "escalate") as mine:       # another serve process is escalating now
            assert mine
            assert ServerJobs(db).run_job("escalate") == "skipped"
            assert not _escalated(db, tid)
            with job_lock(db, "housekeeping") as other_job:   # a different job is not held up
                assert other_job
        assert ServerJobs(db).run_job("escalate") == 1   # the lock is free again
        assert _escalated(db, tid)
    finally:
        other.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_main_py_serve_runs_the_jobs_a_desktop_ran_before(sqlite_db, clock, tmp_path):
    """The real command: `main.py serve` on a company whose task went overdue escalates it."""
    staff = {"manager": make_user(sqlite_db, Role.MANAGER)}
    with sqlite_db.transaction() as tx:   # due two hours after the test clock: long past in real time
        tid = tasks.open_task(tx, staff["manager"], TaskKind.OTHER, Role.CARE, "Gọi khách",
                              due_in=timedelta(hours=2)).id
    url = sqlite_db.url.render_as_string(hide_password=False)
    env = dict(os.environ, IMPORTDESK_DATA_DIR=str(tmp_path / "server-data"), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "main.py", "serve", "--url", url, "--port", str(_free_port())],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _escalated(sqlite_db, tid) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert _escalated(sqlite_db, tid), proc.poll()
    finally:
        proc.terminate()
        out, _err = proc.communicate(timeout=30)
    assert "Certificate fingerprint (SHA-256):" in out
