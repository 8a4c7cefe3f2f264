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


class Starter:
    def __init__(self, db: Database, server_tls: tuple[Path, Path]) -> None:
        self.db, self.tls = db, server_tls
        self.started: list[Running] = []

    def __call__(self, sessions: SessionStore | None = None, **options) -> Running:
        server = Server(self.db, sessions=sessions, **options)
        thread = ServerThread(server.app, *self.tls).start()
        self.started.append(Running(thread.url, self.db, server, thread, self.tls[0]))
        return self.started[-1]

    @property
    def last(self) -> Running:
        return self.started[-1] if self.started else self()


@pytest.fixture
def start_server(db, server_tls):
    """start_server(**Server options) -> Running; stopped after the test."""
    starter = Starter(db, server_tls)
    yield starter
    for r in starter.started:
        r.thread.stop()


@pytest.fixture
def running(start_server) -> Running:
    return start_server.last


@pytest.fixture
def desktop(start_server, tmp_path):
    """desktop() -> a RemoteClient that trusted the (last started) server's certificate and
    connected."""
    clients: list[RemoteClient] = []

    def make(url: str | None = None) -> RemoteClient:
        url = url or start_server.last.url
        known = KnownServers(tmp_path / f"known{len(clients)}.json")
        known.trust(url, probe(url))
        client = RemoteClient(url, known)
        client.connect()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
