"""Alembic environment: runs on a connection handed over by app.db, or on the configured URL."""
from __future__ import annotations

from alembic import context
from sqlalchemy import DateTime, create_engine
from sqlalchemy.types import TypeDecorator

import app.models  # noqa: F401  (maps every table onto the metadata)
from app.models import Base
from app.paths import default_database_url

config = context.config
target_metadata = Base.metadata

# Tables that exist only on one database and are managed by hand in migrations:
# SQLite's FTS5 trigram indexes (and their shadow tables).
HAND_MADE = ("_fts",)


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name and any(tag in name for tag in HAND_MADE):
        return False
    if type_ == "index" and name and name.startswith("ix_trgm_"):
        return False
    return True


def render_item(type_, obj, autogen_context):
    """Write our exact-value column types as the plain types they store, so old migrations
    never depend on today's app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl
        if isinstance(impl, DateTime):
            return "sa.DateTime(timezone=True)" if impl.timezone else "sa.DateTime()"
        return f"sa.{type(impl).__name__}()"
    return False


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or default_database_url()
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; pass a database URL")
run_online()
