"""What the application server keeps between calls, in the database so that any number of server
processes can answer any desktop: signed-in sessions and recent failed sign-ins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class RemoteSession(Base):
    """One desktop signed in through the server. Only the SHA-256 of the token is stored: the
    token itself exists on the desktop alone."""

    __tablename__ = "remote_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    address: Mapped[str] = mapped_column(String(64), default="")
    client: Mapped[str] = mapped_column(String(120), default="")


class RemoteLoginFailure(Base):
    """A refused sign-in, by the address it came from (the rate limit counts the recent ones)."""

    __tablename__ = "remote_login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[datetime]

    __table_args__ = (Index("ix_remote_login_failures_address_at", "address", "at"),)
