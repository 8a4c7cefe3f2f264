"""Stored files: images, inspection photos, reports — checked, size-limited, stored once by hash."""
from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, NotFound
from app.i18n import Lazy, N_
from app.models import StoredFile
from app.services.activity import now
from app.services.unique import insert_or_get

MAX_FILE_BYTES = 10 * 1024 * 1024

#: leading bytes -> MIME type; only these kinds are accepted
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


class FileRefused(DomainError):
    msgid = N_("“{name}” was not attached: {why}")


def sniff(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, mime in SIGNATURES:
        if data.startswith(magic):
            return mime
    return None


def store(tx: Session, name: str, data: bytes, images_only: bool = False) -> StoredFile:
    """The stored file for ``data`` — the existing row if the same content was stored before."""
    if not data:
        raise FileRefused(name=name, why=Lazy(N_("the file is empty.")))
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(name=name, why=Lazy(N_("files may be at most 10 MB.")))
    mime = sniff(data)
    if mime is None or (images_only and mime not in IMAGE_TYPES):
        raise FileRefused(name=name, why=Lazy(
            N_("only images (PNG, JPEG, GIF, WebP) are accepted here.") if images_only else
            N_("only images, PDF and Excel files are accepted.")))
    digest = hashlib.sha256(data).hexdigest()
    # sha256 is unique: two desktops attaching the same photo at once share one stored row
    return insert_or_get(tx, StoredFile, dict(sha256=digest, size=len(data), mime=mime, data=data,
                                              created_at=now(tx)), StoredFile.sha256 == digest)


def read(db: Database, file_id: int) -> tuple[str, bytes]:
    """(MIME type, content) of a stored file."""
    with db.read() as s:
        row = s.get(StoredFile, file_id)
        if row is None:
            raise NotFound(what=Lazy(N_("The file")))
        return row.mime, row.data
