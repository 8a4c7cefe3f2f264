"""A real application server for the remote tests: uvicorn on a loopback port, real TLS with a
self-signed certificate, over the test's database (SQLite and PostgreSQL, the ``db`` fixture)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from app.db import Database
from app.remote.client import KnownServers, RemoteClient, probe
from app.server import tls
from app.server.app import Server
from app.server.run import ServerThread
from app.server.sessions import SessionStore


@pytest.fixture(scope="session")
def server_tls(tmp_path_factory) -> tuple[Path, Path]:
    cert, key, _created = tls.ensure_self_signed(tmp_path_factory.mktemp("tls"))
    return cert, key


@dataclass
class Running:
    url: str
    db: Database
    server: Server
    thread: ServerThread
    cert: Path


@pytest.fixture
def start_server(db, server_tls):
    """start_server(**Server options) -> Running; stopped after the test."""
    started: list[ServerThread] = []

    def start(sessions: SessionStore | None = None, **options) -> Running:
        server = Server(db, sessions=sessions, **options)
        thread = ServerThread(server.app, *server_tls).start()
        started.append(thread)
        return Running(thread.url, db, server, thread, server_tls[0])

    yield start
    for t in started:
        t.stop()


@pytest.fixture
def running(start_server) -> Running:
    return start_server()


@pytest.fixture
def desktop(running, tmp_path):
    """desktop() -> a RemoteClient that trusted the server's certificate and connected."""
    clients: list[RemoteClient] = []

    def make(url: str | None = None) -> RemoteClient:
        url = url or running.url
        known = KnownServers(tmp_path / f"known{len(clients)}.json")
        known.trust(url, probe(url))
        client = RemoteClient(url, known)
        client.connect()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
