"""The ImportDesk application server: the only process that opens the database.

    GET  /version       ServerInfo (no session needed): versions compared before signing in
    POST /login         LoginRequest -> LoginReply (a session token)
    POST /logout        ends the session of the bearer token
    POST /rpc/{op}      one declared operation (app.remote.ops.OPS): its arguments in, its result out
    GET  /events        live updates: a long poll for the changes committed since a cursor
                        (app.server.events, app.remote.live)

Bodies are MessagePack (app.remote.wire). Every call is one request on the desktop's kept-alive
connection; the service runs on a worker thread with the actor made from the session token, in
the desktop's language. A refusal is answered with an ``ErrorBody`` the desktop turns back into
the same exception class (ValidationFailed with its field errors, StaleEdit, PermissionDenied…).
Unknown operations, malformed or oversized bodies and faults are refused and logged.
"""
from __future__ import annotations

import contextlib
import logging
import math
import time
from typing import Any, Callable

import anyio
import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app import __version__
from app.db import SCHEMA_HEAD, Database
from app.errors import DomainError, NotFound, PermissionDenied, StaleEdit, ValidationFailed
from app.i18n import DEFAULT_LANGUAGE, LANGUAGES, language
from app.remote import wire
from app.remote.errors import (RequestRefused, RoleNotHeld, ServerFault, SessionExpired,
                               TooManyAttempts, VersionMismatch)
from app.remote.live import ChangeBatch
from app.queries.count_cache import CountCache
from app.remote.ops import OPS, Operations
from app.server.events import ChangeHub
from app.server.sessions import SessionStore
from app.services import auth

log = logging.getLogger("importdesk.server")

#: the largest request body accepted (an attached photo or a parcel list fits)
MAX_BODY = 16 * 1024 * 1024

_STATUS: list[tuple[type[DomainError], int]] = [
    (SessionExpired, 401), (auth.LoginFailed, 401), (auth.AccountLocked, 403),
    (auth.AccountDisabled, 403), (RoleNotHeld, 403), (PermissionDenied, 403),
    (TooManyAttempts, 429), (VersionMismatch, 426), (NotFound, 404), (StaleEdit, 409),
    (ValidationFailed, 422),
]


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.http_status, self.reason = status, reason


def _reply(data: bytes, status: int = 200) -> Response:
    return Response(data, status_code=status, media_type=wire.CONTENT_TYPE)


def _status_of(exc: DomainError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 422


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _language(request: Request) -> str | None:
    lang = request.headers.get(wire.HEADER_LANGUAGE)
    return lang if lang in LANGUAGES else None


def _token(request: Request) -> str | None:
    auth_header = request.headers.get("authorization", "")
    scheme, _sep, token = auth_header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _hung_up(request: Request) -> None:
    """Returns when the desktop closes the connection (its body was read already)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


#: operations run at once by one server process. Python runs one thread at a time: forty calls
#: sharing the interpreter each take forty times longer, and one that waits for the database must
#: then wait its turn for the interpreter again at every statement. A few threads keep the
#: database busy while one computes; the other calls wait in line (their wait is counted in the
#: time the server reports). More processes (``serve --workers``) use more cores.
OP_THREADS = 4


class Server:
    """The endpoints over one Database; ``app`` is the ASGI application."""

    def __init__(self, db: Database, sessions: SessionStore | None = None, ops: Operations = OPS,
                 max_body: int = MAX_BODY, threads: int = OP_THREADS) -> None:
        self.db = db
        self.threads = max(1, threads)
        self._limiter: anyio.CapacityLimiter | None = None
        self.sessions = sessions or SessionStore(db)
        self.ops = ops
        self.max_body = max_body
        self.events = ChangeHub(db)
        # the navigation's queue totals, remembered between the changes this hub hears
        self.count_cache = CountCache(live=self.events.listening)
        self.events.count_cache = self.count_cache
        db.count_cache = self.count_cache
        self.app = Starlette(routes=[
            Route("/version", self.version, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/rpc/{op:path}", self.rpc, methods=["POST"]),
            Route("/events", self.poll_events, methods=["GET"]),
        ], lifespan=self._lifespan)
        self.app.state.server = self

    def close(self) -> None:
        """Stop listening for changes (the server is stopping)."""
        if self.db.count_cache is self.count_cache:
            self.db.count_cache = None
        self.events.close()

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette):
        self.events.start()     # listening from the start: the remembered totals depend on it
        yield
        self.close()

    # -- endpoints ------------------------------------------------------------------------------------
    async def version(self, request: Request) -> Response:
        info = wire.ServerInfo(app_version=__version__, protocol=wire.PROTOCOL, schema=SCHEMA_HEAD,
                               operations=self.ops.names())
        return _reply(wire.encode(info, wire.ServerInfo))

    async def login(self, request: Request) -> Response:
        def work(body: bytes) -> bytes:
            try:
                req = wire.decode(body, wire.LoginRequest)
            except msgspec.MsgspecError as exc:
                raise _Refused(400, f"malformed sign-in: {exc}") from None
            opened = self.sessions.sign_in(req.username, req.password, _address(request), req.client)
            log.info("signed in %s from %s", opened.signed_in.username, _address(request))
            return wire.encode(wire.LoginReply(token=opened.token, signed_in=opened.signed_in,
                                               expires_at=opened.expires_at), wire.LoginReply)

        return await self._handle(request, "login", work, lambda: _language(request) or DEFAULT_LANGUAGE)

    async def logout(self, request: Request) -> Response:
        def work(body: bytes) -> bytes:
            token = _token(request)
            if token:
                self.sessions.sign_out(token)
            return wire.encode(None)

        return await self._handle(request, "logout", work, lambda: _language(request) or DEFAULT_LANGUAGE)

    async def rpc(self, request: Request) -> Response:
        name = request.path_params["op"]
        op = self.ops.get(name)
        if op is None:
            return self._refuse(request, name, 404, f"unknown operation “{name[:80]}”")
        lang = _language(request)
        self.events.start()     # (once) every change is heard from the first call: count_cache

        def work(body: bytes) -> bytes:
            actor = self.sessions.actor(_token(request), request.headers.get(wire.HEADER_ROLE))
            with language(lang or actor.language):
                try:
                    kwargs = op.decode_args(body)
                except msgspec.MsgspecError as exc:
                    raise _Refused(400, f"malformed arguments for {name}: {exc}") from None
                result = op.run(self.db, actor, kwargs)
                return wire.encode(result, op.result)

        return await self._handle(request, name, work, lambda: lang or DEFAULT_LANGUAGE)

    async def poll_events(self, request: Request) -> Response:
        """The changes after ``?after=<cursor>`` (none: just the current cursor), answered as soon
        as there are any, at the latest after ``?wait=`` seconds (at most 55) with none."""
        started = time.perf_counter()
        name = "events"
        lang = _language(request) or DEFAULT_LANGUAGE
        if request.headers.get(wire.HEADER_VERSION) != __version__:
            exc = VersionMismatch(client=request.headers.get(wire.HEADER_VERSION) or "?",
                                  server=str(request.base_url), remote=__version__)
            with language(lang):
                return _reply(wire.encode_error(exc), 426)
        try:
            wait = float(request.query_params.get("wait", "25"))
        except ValueError:
            wait = math.nan
        if not 0 <= wait <= 55:
            return self._refuse(request, name, 400, "wait must be between 0 and 55 seconds")
        after = request.query_params.get("after") or None

        def check() -> tuple[int, bytes]:
            try:
                with self.db.action():
                    self.sessions.actor(_token(request), request.headers.get(wire.HEADER_ROLE))
                return 200, b""
            except DomainError as exc:
                with language(lang):
                    return _status_of(exc), wire.encode_error(exc)

        try:
            status, refusal = await self._run(check)
        except Exception:
            log.exception("events from %s failed", _address(request))
            with language(lang):
                return _reply(wire.encode_error(ServerFault()), 500)
        if status != 200:
            return _reply(refusal, status)
        batch = await self.events.wait(after, wait, gone=lambda: _hung_up(request))
        response = _reply(wire.encode(batch, ChangeBatch))
        response.headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response

    # -- the common path ----------------------------------------------------------------------------
    async def _handle(self, request: Request, name: str, work: Callable[[bytes], bytes],
                      lang: Callable[[], str]) -> Response:
        """``_answer`` with the time this server spent on the call in a ``Server-Timing`` header
        (``app;dur=<ms>``: from the request's headers read to the reply made, body, waiting for a
        worker thread and the service included; the network is not), so a desktop or a benchmark
        can tell the server's share of a call from the link's."""
        started = time.perf_counter()
        response = await self._answer(request, name, work, lang)
        response.headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response

    async def _answer(self, request: Request, name: str, work: Callable[[bytes], bytes],
                      lang: Callable[[], str]) -> Response:
        client_version = request.headers.get(wire.HEADER_VERSION)
        if client_version != __version__:
            exc = VersionMismatch(client=client_version or "?", server=str(request.base_url),
                                  remote=__version__)
            log.warning("refused %s from %s: desktop version %s, server %s", name, _address(request),
                        client_version, __version__)
            with language(lang()):
                return _reply(wire.encode_error(exc), 426)
        if request.headers.get("content-type", "").split(";")[0].strip() != wire.CONTENT_TYPE:
            return self._refuse(request, name, 415, f"the body must be {wire.CONTENT_TYPE}")
        try:
            body = await self._body(request)
        except _Refused as refused:
            return self._refuse(request, name, refused.http_status, refused.reason)

        def guarded() -> tuple[int, bytes]:
            try:
                with self.db.action():   # the session check and the operation: one checkout
                    return 200, work(body)
            except DomainError as exc:
                with language(lang()):
                    status = _status_of(exc)
                    log.info("%s from %s refused (%s): %s", name, _address(request), type(exc).__name__,
                             exc.message())
                    return status, wire.encode_error(exc)

        try:
            status, data = await self._run(guarded)
        except _Refused as refused:
            return self._refuse(request, name, refused.http_status, refused.reason)
        except Exception:
            log.exception("%s from %s failed", name, _address(request))
            with language(lang()):
                return _reply(wire.encode_error(ServerFault()), 500)
        return _reply(data, status)

    async def _run(self, fn: Callable[[], Any]) -> Any:
        """``fn()`` on one of this process's operation threads (``threads`` at once)."""
        if self._limiter is None:     # made on the event loop, which exists only once serving
            self._limiter = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(fn, limiter=self._limiter)

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > self.max_body:
                    raise _Refused(413, f"the request is larger than {self.max_body:,} bytes")
            except ValueError:
                raise _Refused(400, "a malformed Content-Length") from None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise _Refused(413, f"the request is larger than {self.max_body:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _refuse(self, request: Request, name: str, status: int, reason: str) -> Response:
        log.warning("refused %s from %s: %s", name[:80], _address(request), reason)
        with language(_language(request) or DEFAULT_LANGUAGE):
            return _reply(wire.encode_error(RequestRefused(reason=reason)), status)


def create_app(db: Database, **options: Any) -> Starlette:
    return Server(db, **options).app
