"""The desktop's side of the application server: one kept-alive HTTPS connection, the pinned
certificate, the session token, and the server's refusals raised as the same exception classes
the services raise in-process (plus ConnectionLost and SessionExpired).

    client = RemoteClient("https://office.example:8443")
    try:
        client.connect()
    except UnknownServer as first:          # first connection: show first.identity.fingerprint
        client.trust(first.identity)        # the user confirmed it
        client.connect()
    signed = client.login("thu", "…")
    view = client.call("wallets.view", customer_id=12)

The desktop holds the server's address, its certificate and a session token; never a database URL.
"""
from __future__ import annotations

import json
import os
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from app import __version__
from app.i18n import current_language
from app.permissions import Role
from app.remote import wire
from app.remote.errors import (ConnectionLost, FingerprintMismatch, ReplyLost, RequestRefused,
                               SessionExpired, UnknownServer, VersionMismatch)
from app.remote.ops import OPS, Operations
from app.services.auth import SignedIn

DEFAULT_PORT = 8443


def normalize_url(url: str) -> str:
    """``host``, ``host:port`` or ``https://host:port/`` as ``https://host:port``."""
    raw = (url or "").strip()
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"not a server address: {url!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"https://{host}:{parts.port or DEFAULT_PORT}"


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or DEFAULT_PORT


@dataclass(frozen=True)
class ServerIdentity:
    fingerprint: str
    pem: str


def probe(url: str, timeout: float = 10.0) -> ServerIdentity:
    """The certificate a server presents, fetched without trusting it (nothing is sent but the
    TLS handshake): what the user is asked to confirm on a first connection."""
    host, port = _host_port(normalize_url(url))
    try:
        pem = ssl.get_server_certificate((host, port), timeout=timeout)
    except OSError as exc:
        raise ConnectionLost(server=url, reason=_reason(exc)) from exc
    return ServerIdentity(wire.fingerprint_of_pem(pem), pem)


class KnownServers:
    """The servers this desktop trusts and their pinned certificates (``known_servers.json`` in the
    data folder): the address and the certificate only."""

    FILE = "known_servers.json"

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            from app.paths import user_data_dir

            path = user_data_dir() / self.FILE
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def get(self, url: str) -> ServerIdentity | None:
        entry = self._read().get(normalize_url(url))
        return ServerIdentity(entry["fingerprint"], entry["pem"]) if entry else None

    def trust(self, url: str, identity: ServerIdentity) -> None:
        with self._lock:
            data = self._read()
            data[normalize_url(url)] = {"fingerprint": identity.fingerprint, "pem": identity.pem}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)

    def forget(self, url: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(normalize_url(url), None) is not None:
                self.path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def pinned_context(identity: ServerIdentity) -> ssl.SSLContext:
    """TLS that accepts exactly the pinned certificate: it is the only trust anchor (the host name
    is not checked — a self-signed certificate rarely names every address of the server — the
    pin is the stronger check)."""
    ctx = ssl.create_default_context(cadata=identity.pem)
    ctx.check_hostname = False
    ctx.verify_flags |= getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0)
    return ctx


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]


def _certificate_refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class RemoteClient:
    """One desktop's connection to one server (thread-safe: background workers may call at once)."""

    def __init__(self, url: str, known: KnownServers | None = None, timeout: float = 30.0,
                 client_name: str = "", ops: Operations = OPS) -> None:
        self.url = normalize_url(url)
        self.known = known if known is not None else KnownServers()
        self.timeout = timeout
        self.client_name = client_name
        self.ops = ops
        self.token: str | None = None
        self.signed_in: SignedIn | None = None
        #: the role the user acts in (the role switcher); None: the first they hold
        self.role: Role | None = None
        self.info: wire.ServerInfo | None = None
        self._http: httpx.Client | None = None
        self._identity: ServerIdentity | None = None

    # -- connecting -------------------------------------------------------------------------------
    def trust(self, identity: ServerIdentity) -> None:
        """Pin ``identity`` for this server (after the user compared the fingerprint)."""
        self.known.trust(self.url, identity)

    def connect(self) -> wire.ServerInfo:
        """Open the connection and compare versions. Raises UnknownServer on the first connection
        (nothing but a TLS handshake has happened), FingerprintMismatch if the server presents
        another certificate than the pinned one, VersionMismatch, ConnectionLost."""
        identity = self.known.get(self.url)
        if identity is None:
            raise UnknownServer(self.url, probe(self.url, self.timeout))
        self.close()
        self._identity = identity
        self._http = httpx.Client(
            base_url=self.url, verify=pinned_context(identity), timeout=self.timeout,
            headers={wire.HEADER_VERSION: __version__, "content-type": wire.CONTENT_TYPE,
                     "accept": wire.CONTENT_TYPE, "user-agent": f"ImportDesk/{__version__}"},
            limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=60))
        try:
            resp = self._http.get("/version")
        except httpx.TransportError as exc:
            self.close()
            if _certificate_refused(exc):
                got = probe(self.url, self.timeout)
                raise FingerprintMismatch(server=self.url, got=got.fingerprint,
                                          expected=identity.fingerprint) from None
            raise ConnectionLost(server=self.url, reason=_reason(exc)) from exc
        self._check_peer(resp, identity)
        if resp.status_code != 200:
            self._raise(resp)
        info = wire.decode(resp.content, wire.ServerInfo)
        if info.app_version != __version__ or info.protocol != wire.PROTOCOL:
            self.close()
            raise VersionMismatch(client=__version__, server=self.url, remote=info.app_version)
        self.info = info
        return info

    def _check_peer(self, resp: httpx.Response, identity: ServerIdentity) -> None:
        stream = resp.extensions.get("network_stream")
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        der = ssl_object.getpeercert(True) if ssl_object is not None else None
        if der is not None and wire.fingerprint_of_der(der) != identity.fingerprint:
            self.close()
            raise FingerprintMismatch(server=self.url, got=wire.fingerprint_of_der(der),
                                      expected=identity.fingerprint)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # -- the session --------------------------------------------------------------------------------
    def login(self, username: str, password: str) -> SignedIn:
        body = wire.encode(wire.LoginRequest(username=username, password=password,
                                             client=self.client_name), wire.LoginRequest)
        reply = self._post("/login", body, wire.LoginReply)
        self.token, self.signed_in = reply.token, reply.signed_in
        if self.role is not None and self.role not in reply.signed_in.roles:
            self.role = None
        return reply.signed_in

    def logout(self) -> None:
        if self.token is not None:
            try:
                self._post("/logout", wire.encode(None), Any)
            finally:
                self.token, self.signed_in = None, None

    # -- operations ---------------------------------------------------------------------------------
    def call(self, op_name: str, *args: Any, **kwargs: Any) -> Any:
        """Run one declared operation on the server: the arguments as the service function takes
        them (without db and actor); its result, or its exception, as in-process."""
        op = self.ops.get(op_name)
        if op is None:
            raise RequestRefused(reason=f"unknown operation “{op_name}”")
        body = op.encode_args(op.bind(args, kwargs))
        return self._post(f"/rpc/{op_name}", body, op.result)

    def _post(self, path: str, body: bytes, result_type: Any) -> Any:
        if self._http is None:
            self.connect()
        headers = {wire.HEADER_LANGUAGE: current_language()}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if self.role is not None:
            headers[wire.HEADER_ROLE] = self.role.value
        try:
            resp = self._http.post(path, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
                httpx.WriteTimeout) as exc:   # the request never got whole to the server
            raise ConnectionLost(server=self.url, reason=_reason(exc)) from exc
        except httpx.TransportError as exc:   # sent; the answer was lost (read error, timeout…)
            raise ReplyLost(server=self.url, reason=_reason(exc)) from exc
        if resp.status_code == 200:
            return wire.decode(resp.content, result_type)
        self._raise(resp)

    def _raise(self, resp: httpx.Response) -> None:
        if resp.headers.get("content-type", "").startswith(wire.CONTENT_TYPE):
            try:
                body = wire.decode(resp.content, wire.ErrorBody)
            except Exception:
                body = None
            if body is not None:
                exc = wire.rebuild_error(body)
                if isinstance(exc, SessionExpired):
                    self.token, self.signed_in = None, None
                raise exc
        raise RequestRefused(reason=f"HTTP {resp.status_code}")
