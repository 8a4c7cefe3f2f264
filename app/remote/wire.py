"""The wire format between the application server and its desktops: MessagePack through msgspec.

Arguments and results are the services' own dataclasses, encoded and decoded by msgspec against
their declared types: Decimal (as its exact text), Money, dates, aware datetimes (the same
instant, in UTC), enums, bytes and nested dataclasses arrive as they left. No pickle, and no
encoder written per type.

Where a type says ``Any`` (a scan's ``facts``, a queue row, an error's parameters) the decoder
has no type to go by, so the few values MessagePack cannot describe by itself travel as
extension types and come back as the same Python values: ``tag_any`` on the way out,
``ext_hook`` on the way in. ``prepare`` applies it exactly where the declared type has an ``Any``.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Union, get_args, get_origin

import msgspec

from app.errors import DomainError, ValidationFailed
from app.i18n import Lazy
from app.money import Money
from app.services.auth import SignedIn

#: bumped when the shape of requests or replies changes (the app version is compared too)
PROTOCOL = 1
CONTENT_TYPE = "application/msgpack"
HEADER_ROLE = "x-importdesk-role"
HEADER_LANGUAGE = "x-importdesk-language"
HEADER_VERSION = "x-importdesk-version"

EXT_DECIMAL, EXT_MONEY, EXT_DATE, EXT_NAIVE_DATETIME, EXT_LAZY = 1, 2, 3, 4, 5

_encoder = msgspec.msgpack.Encoder()


# -- values in Any positions --------------------------------------------------------------------

def tag_any(value: Any) -> Any:
    """``value`` with the types MessagePack cannot describe wrapped as extensions (recursively)."""
    if value is None or isinstance(value, (bool, int, float, bytes)):
        return value
    if isinstance(value, Lazy):
        return msgspec.msgpack.Ext(EXT_LAZY, str.__str__(value).encode())
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return msgspec.msgpack.Ext(EXT_DECIMAL, str(value).encode())
    if isinstance(value, Money):
        return msgspec.msgpack.Ext(EXT_MONEY, f"{value.amount} {value.currency}".encode())
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else msgspec.msgpack.Ext(
            EXT_NAIVE_DATETIME, value.isoformat().encode())
    if isinstance(value, date):
        return msgspec.msgpack.Ext(EXT_DATE, value.isoformat().encode())
    if isinstance(value, dict):
        return {k: tag_any(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [tag_any(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: tag_any(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def ext_hook(code: int, data: memoryview) -> Any:
    text = bytes(data).decode()
    if code == EXT_DECIMAL:
        return Decimal(text)
    if code == EXT_MONEY:
        amount, currency = text.split(" ")
        return Money(Decimal(amount), currency)
    if code == EXT_DATE:
        return date.fromisoformat(text)
    if code == EXT_NAIVE_DATETIME:
        return datetime.fromisoformat(text)
    if code == EXT_LAZY:
        return Lazy(text)
    raise ValueError(f"unknown extension type {code}")


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _has_any(tp: Any, seen: frozenset = frozenset()) -> bool:
    return _has_any_cached(tp) if not seen else _walk_has_any(tp, seen)


@lru_cache(maxsize=None)
def _has_any_cached(tp: Any) -> bool:
    return _walk_has_any(tp, frozenset())


def _walk_has_any(tp: Any, seen: frozenset) -> bool:
    if tp is Any:
        return True
    if isinstance(tp, type) and (dataclasses.is_dataclass(tp) or issubclass(tp, msgspec.Struct)):
        if tp in seen:
            return False
        return any(_walk_has_any(h, seen | {tp}) for h in _hints(tp).values())
    return any(_walk_has_any(a, seen) for a in get_args(tp) if a is not Ellipsis)


def prepare(value: Any, tp: Any) -> Any:
    """``value`` ready for the encoder: unchanged unless ``tp`` holds an ``Any`` somewhere, in
    which case the values at those places are tagged (dataclasses on the way become dicts)."""
    if value is None or not _has_any(tp):
        return value
    if tp is Any:
        return tag_any(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        return {f.name: prepare(getattr(value, f.name), hints.get(f.name, Any))
                for f in dataclasses.fields(value)}
    if isinstance(value, msgspec.Struct):
        hints = _hints(type(value))
        return {name: prepare(getattr(value, name), hints.get(name, Any))
                for name in value.__struct_fields__}
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        arms = [a for a in args if a is not type(None)]
        for arm in arms:
            base = get_origin(arm) or arm
            if isinstance(base, type) and isinstance(value, base):
                return prepare(value, arm)
        return tag_any(value)
    if origin in (list, tuple, set, frozenset) and isinstance(value, (list, tuple, set, frozenset)):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return [prepare(v, t) for v, t in zip(value, args)]
        item = args[0] if args else Any
        return [prepare(v, item) for v in value]
    if origin is dict and isinstance(value, dict):
        vt = args[1] if len(args) == 2 else Any
        return {k: prepare(v, vt) for k, v in value.items()}
    return tag_any(value)


def encode(value: Any, tp: Any = Any) -> bytes:
    return _encoder.encode(prepare(value, tp))


def encode_prepared(value: Any) -> bytes:
    """Encode what ``prepare`` already made ready (e.g. a dict of prepared arguments)."""
    return _encoder.encode(value)


@lru_cache(maxsize=512)
def decoder(tp: Any) -> msgspec.msgpack.Decoder:
    return msgspec.msgpack.Decoder(type=tp, ext_hook=ext_hook)


def decode(data: bytes, tp: Any = Any) -> Any:
    return decoder(tp).decode(data)


# -- certificates -------------------------------------------------------------------------------------

def fingerprint_of_der(der: bytes) -> str:
    """SHA-256 of a certificate as both sides show it: 32 hex pairs joined by colons."""
    import hashlib

    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def fingerprint_of_pem(pem: str) -> str:
    import ssl

    return fingerprint_of_der(ssl.PEM_cert_to_DER_cert(pem))


# -- errors ---------------------------------------------------------------------------------------

class ErrorBody(msgspec.Struct, kw_only=True):
    """What the server answers when a call is refused."""

    #: the exception's class and its ancestors, as module.QualName (the desktop rebuilds the
    #: nearest one it knows, so a screen catching StaleEdit or PermissionDenied still does)
    error: list[str]
    msgid: str
    params: dict[str, Any] = {}
    field_errors: dict[str, str] = {}
    #: the message in the caller's language, for logs and for clients that do not know the class
    message: str = ""


def class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def error_body(exc: DomainError) -> ErrorBody:
    chain = [class_path(c) for c in type(exc).__mro__ if issubclass(c, DomainError)]
    fields = dict(getattr(exc, "field_errors", {}) or {})
    return ErrorBody(error=chain, msgid=exc.msgid, params=dict(exc.params), field_errors=fields,
                     message=exc.message())


def encode_error(exc: DomainError) -> bytes:
    return encode(error_body(exc), ErrorBody)


def _known_errors() -> dict[str, type[DomainError]]:
    found: dict[str, type[DomainError]] = {}
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        cls = todo.pop()
        found[class_path(cls)] = cls
        todo.extend(cls.__subclasses__())
    return found


def rebuild_error(body: ErrorBody) -> DomainError:
    """The exception the server raised, as the nearest class this process has imported (never an
    import by name: only classes already loaded are candidates)."""
    known = _known_errors()
    cls = next((known[p] for p in body.error if p in known), DomainError)
    exc = cls.__new__(cls)
    DomainError.__init__(exc, body.msgid, **body.params)
    if isinstance(exc, ValidationFailed) or body.field_errors:
        exc.field_errors = dict(body.field_errors)
    exc.server_message = body.message
    return exc


# -- the fixed endpoints ------------------------------------------------------------------------------

class ServerInfo(msgspec.Struct, kw_only=True):
    """GET /version: what the desktop compares before it signs in."""

    app_version: str
    protocol: int
    schema: str
    operations: list[str] = []


class LoginRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    password: str
    client: str = ""


class LoginReply(msgspec.Struct, kw_only=True):
    token: str
    signed_in: SignedIn
    expires_at: datetime
