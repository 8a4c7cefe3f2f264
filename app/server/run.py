"""``python main.py serve``: run the application server on uvicorn, with TLS by default.

    python main.py serve --url postgresql+psycopg://importdesk:…@localhost/importdesk
    python main.py serve --url sqlite:///office.db --host 0.0.0.0 --port 8443
    python main.py serve --url … --cert real.pem --key real.key --workers 4

The database URL (and its password) stays in this process; desktops get only the server's
address and pin its certificate's fingerprint, printed here.
"""
from __future__ import annotations

import atexit
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8443
_URL_ENV = "IMPORTDESK_SERVER_DATABASE_URL"


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the ImportDesk application server (desktops connect with --server)",
                       description="Run the application server: the only process that opens the database. "
                                   "Desktops connect with --server https://HOST:PORT.")
    p.add_argument("--url", help="database URL (default: the embedded database)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--cert", help="a PEM certificate (default: a self-signed one made on first start)")
    p.add_argument("--key", help="the certificate's PEM private key")
    p.add_argument("--workers", type=int, default=1, help="server processes sharing the port")
    p.add_argument("--name", action="append", default=[],
                   help="a host name or address desktops use to reach this server (for the self-signed "
                        "certificate; repeatable)")
    p.set_defaults(handler=serve)


def certificate(args: Any) -> tuple[Path, Path]:
    from app.paths import user_data_dir
    from app.server import tls

    if bool(args.cert) != bool(args.key):
        raise SystemExit("--cert and --key go together")
    if args.cert:
        return Path(args.cert), Path(args.key)
    names = list(args.name or [])
    if args.host not in ("0.0.0.0", "::", ""):
        names.append(args.host)
    cert, key, created = tls.ensure_self_signed(user_data_dir() / "server", names)
    if created:
        print(f"Created a self-signed certificate: {cert}")
    return cert, key


def serve(args: Any) -> int:
    import uvicorn

    from app import __version__
    from app.bootstrap import database_url, open_database
    from app.server import tls

    url = database_url(args)
    from app.db import is_empty

    database = open_database(url)          # migrates, as a desktop did before
    described = database.describe()
    empty = is_empty(database)
    database.dispose()
    cert, key = certificate(args)
    print(f"ImportDesk server {__version__} on {described}")
    print(f"Listening on https://{args.host}:{args.port}")
    print(f"Certificate fingerprint (SHA-256): {tls.fingerprint_of_file(cert)}")
    print("Desktops: python main.py --server https://HOST:PORT — compare this fingerprint when asked.")
    if empty:
        print("This database has no accounts yet: set up the company once on this machine with "
              "python main.py --url … (the first-run dialog), then desktops can sign in.")
    sys.stdout.flush()
    jobs = start_jobs(url)                # housekeeping, overdue tasks, the outbox: this process only
    atexit.register(jobs.stop)
    os.environ[_URL_ENV] = url            # for the worker processes (this machine only)
    uvicorn.run("app.server.run:app_from_environment", factory=True, host=args.host, port=args.port,
                ssl_certfile=str(cert), ssl_keyfile=str(key), workers=max(1, args.workers),
                log_level="info", access_log=False, timeout_keep_alive=75,
                timeout_graceful_shutdown=5)   # desktops' long polls (GET /events) do not hold it up
    return 0


def start_jobs(url: str):
    """The timed jobs (housekeeping, overdue tasks, the customer outbox) that a single desktop runs
    itself: here one loop in this serving process, on a Database of its own (uvicorn's worker
    processes, started with --workers, only answer requests). See app.server.jobs."""
    from app.db import Database
    from app.server.jobs import ServerJobs

    return ServerJobs(Database(url, pool_size=2)).start()


def app_from_environment():
    """The ASGI app of one worker process (uvicorn imports it by name)."""
    import logging

    from app.db import Database
    from app.server.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # A call back from the database takes the interpreter from a computing thread within 1 ms
    # instead of CPython's 5 ms: a call making ten statements beside a busy thread waited up to
    # 50 ms for nothing (the desktop does the same for its UI thread, ui.background).
    sys.setswitchinterval(0.001)
    app = create_app(Database(os.environ[_URL_ENV], pool_size=10))
    # What start-up built (modules, mappers, compiled rules) lives as long as the process: frozen
    # out of the collector's way, so a full collection in the middle of a call walks only what
    # calls made (a collection over everything was a 50-100 ms pause in a call, measured as the
    # tail of the 50-desktop mix); young objects are collected less often than CPython's default.
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 20, 20)
    return app


class ServerThread:
    """The server on a background thread of this process, on a free loopback port: for tests and
    benchmarks (a real socket, real HTTP and real TLS)."""

    def __init__(self, app: Any, cert: Path, key: Path, host: str = "127.0.0.1") -> None:
        import uvicorn

        # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says
        # TCP, and without it every reply waited ~40 ms for a delayed ACK (Nagle; measured)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"https://{host}:{self.port}"
        config = uvicorn.Config(app, ssl_certfile=str(cert), ssl_keyfile=str(key), log_config=None,
                                lifespan="off", access_log=False, timeout_keep_alive=75)
        self.app = app
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="importdesk-server", daemon=True)

    def start(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        owner = getattr(getattr(self.app, "state", None), "server", None)
        if owner is not None:   # lifespan is off here: stop what the app started itself (and
            owner.close()       # answer the desktops' long polls, which the shutdown waits for)
        self.thread.join(timeout=10)
        self.sock.close()
