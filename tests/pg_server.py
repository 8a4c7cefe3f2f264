"""A throw-away PostgreSQL 15 server for the test session (initdb refuses root: run as postgres)."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("IMPORTDESK_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> tuple[bool, str]:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return False, f"no PostgreSQL binaries in {PG_BIN} (set IMPORTDESK_PG_BIN)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False, "running as root but there is no 'postgres' user to run initdb as"
        if shutil.which("runuser") is None:
            return False, "running as root but 'runuser' is missing"
    return True, ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg(cmd: list[str]) -> list[str]:
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.geteuid() == 0 else cmd


class PgServer:
    def __init__(self) -> None:
        # /tmp is world-traversable; pytest's tmp_path (0700, root) is not reachable by postgres.
        self.base = tempfile.mkdtemp(prefix="importdesk-pg-")
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        self.data = os.path.join(self.base, "data")
        self.port = _free_port()
        self.url = f"postgresql+psycopg://app@127.0.0.1:{self.port}/postgres"

    def start(self) -> "PgServer":
        subprocess.run(_as_pg([str(PG_BIN / "initdb"), "-D", self.data, "-U", "app", "--auth=trust",
                               "-E", "UTF8", "--locale=C.UTF-8", "-N"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.resume()
        return self

    def resume(self) -> None:
        """Start the server on its data folder (again, after ``halt``)."""
        opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(_as_pg([str(PG_BIN / "pg_ctl"), "-D", self.data, "-l",
                               os.path.join(self.base, "server.log"), "-w", "-o", opts, "start"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def halt(self) -> None:
        """Stop the server as a crash or a restart would (its data stays for ``resume``)."""
        subprocess.run(_as_pg([str(PG_BIN / "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self) -> None:
        subprocess.run(_as_pg([str(PG_BIN / "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.base, ignore_errors=True)

    def url_for(self, database: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + database
