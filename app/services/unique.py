"""Uniqueness rules are database constraints: which constraint an IntegrityError broke, and
turning it into the message the person who lost the race reads.

A service still checks first (to give its detailed message on the common path); the unique
index decides when two desktops write at the same moment. On PostgreSQL the second INSERT waits
for the first transaction and then fails with 23505; on SQLite writers queue behind BEGIN
IMMEDIATE, so the check sees the first row — both end in the same ``ValidationFailed``.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import DomainError, ValidationFailed
from app.i18n import _

_SQLITE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")
_SQLITE_COLUMNS = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")
_PG_DETAIL = re.compile(r"Key \((.*)\)=\((.*)\) already exists")


def broken_constraint(exc: BaseException) -> str | None:
    """The name of the unique constraint or index ``exc`` reports as broken, else None."""
    if not isinstance(exc, IntegrityError):
        return None
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:                                  # psycopg
        if getattr(orig, "sqlstate", None) != "23505":
            return None
        return diag.constraint_name
    text = str(orig)
    m = _SQLITE_INDEX.search(text)
    if m:
        return m.group(1)
    m = _SQLITE_COLUMNS.search(text)
    if not m:
        return None
    pairs = [c.split(".", 1) for c in m.group(1).split(", ")]
    table_name = pairs[0][0]
    columns = {c for _t, c in pairs}
    return _named_by_columns(table_name, columns)


def _named_by_columns(table_name: str, columns: set[str]) -> str | None:
    # SQLite names the columns, not the index: find the model's unique rule over exactly those
    from app.models import Base

    table = Base.metadata.tables.get(table_name)
    if table is None:
        return None
    for ix in table.indexes:
        if ix.unique and {c.name for c in ix.columns} == columns:
            return ix.name
    for cons in table.constraints:
        if not isinstance(cons, (UniqueConstraint, PrimaryKeyConstraint)):
            continue
        cols = {c.name for c in cons.columns}
        if cols == columns and cons.name:
            return cons.name
    return None


def conflicting_value(exc: BaseException) -> str | None:
    """The value that already existed, when the database says (PostgreSQL's DETAIL): a
    one-column key's value, e.g. the tracking code two desktops both claimed."""
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    detail = getattr(diag, "message_detail", None) or ""
    m = _PG_DETAIL.search(detail)
    if not m or "," in m.group(1):
        return None
    return m.group(2)


@contextmanager
def unique_rules(messages: Mapping[str, Callable[[IntegrityError], DomainError]]) -> Iterator[None]:
    """Inside: a flush (or a whole transaction) that may break one of the named unique rules;
    the broken one is raised as the error its factory builds (a ``ValidationFailed`` naming the
    field), any other integrity error as it was."""
    try:
        yield
    except IntegrityError as exc:
        make = messages.get(broken_constraint(exc) or "")
        if make is None:
            raise
        raise make(exc) from None


def insert_or_get(tx: Session, model: Any, values: dict[str, Any], where: Any) -> Any:
    """The row ``where`` selects, inserted from ``values`` if none exists yet — also when another
    desktop inserts the same one at this moment (INSERT … ON CONFLICT DO NOTHING, then read it)."""
    row = tx.scalar(select(model).where(where))
    if row is not None:
        return row
    insert_ignore(tx, model, values)
    return tx.scalar(select(model).where(where).execution_options(populate_existing=True))


def insert_ignore(tx: Session, model: Any, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: the row is there afterwards, whoever inserted it (on
    PostgreSQL a concurrent insert of the same key is waited for)."""
    if tx.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    tx.execute(insert(model).values(**values).on_conflict_do_nothing())


def tracking_code_taken(codes: list[str] | tuple[str, ...] = (), field: str = "tracking_codes") -> dict:
    """The rule for parcels' tracking codes, for ``unique_rules``: the code another desktop just
    gave to a parcel of its own (named when the database says which, else the codes typed)."""
    def make(exc: IntegrityError) -> DomainError:
        code = conflicting_value(exc) or ", ".join(codes)
        return ValidationFailed({field: _("Tracking code {code} already belongs to another order.").format(code=code)})
    return {"uq_parcels_tracking_code": make}


def taken(constraint: str, field: str, message: Callable[[], str]) -> dict:
    """A rule for ``unique_rules``: ``constraint`` broken means ``field`` is taken; ``message``
    gives the (translated) text, the same one the service's own check shows."""
    return {constraint: lambda exc: ValidationFailed({field: message()})}
