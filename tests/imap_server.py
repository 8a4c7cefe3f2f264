"""A throw-away IMAP server for tests: Debian's dovecot-imapd, started unprivileged and
self-contained — its own config file, a plain-text passdb and maildirs in a temp folder, a port
chosen at random on 127.0.0.1. As root it runs as ``nobody`` (dovecot's login processes refuse
root); otherwise as the user running the tests.

Without dovecot the tests that need it skip with one line saying why, unless
IMPORTDESK_REQUIRE_PG=1 (CI: ``.ci/run``), where a missing server fails them.
"""
from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REQUIRED = os.environ.get("IMPORTDESK_REQUIRE_PG") == "1"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
                                            if os.access(p, os.X_OK)), None)


def available() -> tuple[bool, str]:
    if dovecot_binary() is None:
        return False, "dovecot is not installed (apt-get install dovecot-imapd)"
    if not os.path.exists("/usr/lib/dovecot/imap"):
        return False, "dovecot's IMAP server is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            return False, "running as root but there is no 'nobody' user to run dovecot as"
    return True, ""


def require_dovecot() -> None:
    """Skip — or, in CI, fail — a test that needs the IMAP server when dovecot cannot run."""
    ok, why = available()
    if ok:
        return
    if REQUIRED:
        pytest.fail(f"IMPORTDESK_REQUIRE_PG=1 but the IMAP test server cannot run: {why}", pytrace=False)
    pytest.skip(f"IMAP tests skipped: {why}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_CONFIG = """\
# ImportDesk tests: a self-contained, unprivileged dovecot (nothing of /etc/dovecot is read)
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


class ImapServer:
    """``ImapServer({"user@x": "password"}).start()``; ``append`` delivers a message (IMAP APPEND)."""

    def __init__(self, users: dict[str, str], tls: tuple[bytes, bytes] | None = None) -> None:
        """``tls``: a PEM certificate and key — then IMAPS on ``tls_port`` and STARTTLS on ``port``."""
        self.users = dict(users)
        self.tls = tls
        self.tls_port = 0
        self.base = tempfile.mkdtemp(prefix="importdesk-imap-")
        self.process: subprocess.Popen | None = None
        self.port = 0
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
        self.user = pwd.getpwuid(self.uid).pw_name
        self.group = grp.getgrgid(self.gid).gr_name

    def _write(self) -> str:
        base = Path(self.base)
        for sub in ("run", "state", "mail", "home"):
            (base / sub).mkdir(exist_ok=True)
        (base / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()), encoding="utf-8")
        ssl = "ssl = no"
        if self.tls is not None:
            (base / "cert.pem").write_bytes(self.tls[0])
            (base / "key.pem").write_bytes(self.tls[1])
            ssl = f"ssl = yes\nssl_cert = <{base}/cert.pem\nssl_key = <{base}/key.pem"
        conf = base / "dovecot.conf"
        conf.write_text(_CONFIG.format(base=self.base, user=self.user, group=self.group, uid=self.uid,
                                       gid=self.gid, port=self.port, ssl=ssl, tls_port=self.tls_port),
                        encoding="utf-8")
        os.chmod(self.base, 0o755)
        if os.geteuid() == 0:
            for root, dirs, files in os.walk(self.base):
                for name in [root] + [os.path.join(root, f) for f in dirs + files]:
                    os.chown(name, self.uid, self.gid)
        return str(conf)

    def start(self) -> "ImapServer":
        last = ""
        for _attempt in range(3):   # the random port may be taken between choosing and binding it
            self.port = _free_port()
            self.tls_port = _free_port() if self.tls is not None else 0
            conf = self._write()
            kwargs = {"user": self.uid, "group": self.gid} if os.geteuid() == 0 else {}
            self.process = subprocess.Popen([dovecot_binary(), "-F", "-c", conf], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, **kwargs)
            if self._ready():
                return self
            last = self.log()
            self.stop(remove=False)
        shutil.rmtree(self.base, ignore_errors=True)
        raise RuntimeError(f"dovecot did not start: {last[-2000:]}")

    def _ready(self, timeout: float = 15.0) -> bool:
        user, password = next(iter(self.users.items()))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                self.connect(user).logout()
                return True
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.1)
        return False

    def log(self) -> str:
        try:
            return (Path(self.base) / "dovecot.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def connect(self, user: str) -> imaplib.IMAP4:
        from app.services.mailbox import login   # UTF-8 passwords too

        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            login(conn, user, self.users[user])
        except BaseException:
            conn.shutdown()
            raise
        return conn

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message into ``user``'s folder as a mail server would (IMAP APPEND)."""
        conn = self.connect(user)
        try:
            if folder != "INBOX":
                conn.create(folder)
            typ, data = conn.append(folder, None, None, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self, user: str, folder: str = "INBOX") -> list[bytes]:
        conn = self.connect(user)
        try:
            conn.select(folder, readonly=True)
            typ, data = conn.fetch("1:*", "(FLAGS)")
            return [d for d in data if d]
        finally:
            conn.logout()

    def stop(self, remove: bool = True) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if remove:
            shutil.rmtree(self.base, ignore_errors=True)
