"""The models and the migrations agree, and every migration can be undone and redone."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from app import db as dbmod
from app.models import Base


def _diff(database):
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_object": dbmod.include_object})
        return compare_metadata(ctx, Base.metadata)


def test_models_and_migrations_agree(db):
    assert _diff(db) == []


def test_downgrade_to_nothing_and_upgrade_again(db):
    dbmod.downgrade(db, "base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    dbmod.upgrade(db)
    assert dbmod.current_revision(db) == dbmod.head_revision()
    assert _diff(db) == []


def test_a_database_from_a_newer_version_is_refused_with_a_clear_message(db):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(dbmod.DatabaseTooNew) as err:
        dbmod.upgrade(db)
    assert "9999_from_the_future" in str(err.value)


def test_the_builds_schema_head_constant_is_alembics_head():
    assert dbmod.SCHEMA_HEAD == dbmod.head_revision()


def _predicate(conn, name):
    """The WHERE of a partial index as the database keeps it (None: not partial)."""
    if conn.dialect.name == "sqlite":
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"),
                           {"n": name}).scalar_one()
        head, sep, where = sql.partition(" WHERE ")
        return " ".join(where.split()) if sep else None
    return conn.execute(text("SELECT pg_get_expr(indpred, indrelid) FROM pg_index "
                             "WHERE indexrelid = CAST(:n AS regclass)"), {"n": name}).scalar_one()


def test_partial_indexes_have_the_models_where(db):
    """Autogenerate does not compare the WHERE of partial indexes: each one the migrations made
    must be the one the model declares (created from the model in a rolled-back transaction;
    both databases undo DDL)."""
    partial = [ix for table in Base.metadata.sorted_tables for ix in table.indexes
               if ix.dialect_kwargs.get(f"{db.kind}_where") is not None]
    assert {ix.name for ix in partial} >= {"ix_orders_delay_queue", "ix_orders_care_delay_queue"}
    with db.engine.connect() as conn:
        with conn.begin() as trans:
            built = {ix.name: _predicate(conn, ix.name) for ix in partial}
            for ix in partial:
                ix.drop(conn)
                ix.create(conn)
            declared = {ix.name: _predicate(conn, ix.name) for ix in partial}
            trans.rollback()
    assert built == declared
    assert all(declared.values())
