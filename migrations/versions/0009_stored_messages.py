"""Notifications, tasks, journal entries' memos and activity notes store the text the app writes as a message key and values, shown in the reader's
language; rows written before keep their text (the new columns are empty on them).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_notifications') as batch:
        batch.add_column(sa.Column('title_key', sa.Text(), nullable=True))
        batch.add_column(sa.Column('title_params', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('body_key', sa.Text(), nullable=True))
        batch.add_column(sa.Column('body_params', sa.JSON(), nullable=True))
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('title_key', sa.Text(), nullable=True))
        batch.add_column(sa.Column('title_params', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('note_key', sa.Text(), nullable=True))
        batch.add_column(sa.Column('note_params', sa.JSON(), nullable=True))
    with op.batch_alter_table('journal_entries') as batch:
        batch.add_column(sa.Column('memo_key', sa.Text(), nullable=True))
        batch.add_column(sa.Column('memo_params', sa.JSON(), nullable=True))


    # (activity_events refuses UPDATE and DELETE by trigger; adding a column rewrites no row)
    with op.batch_alter_table('activity_events') as batch:
        batch.add_column(sa.Column('note_key', sa.Text(), nullable=True))
        batch.add_column(sa.Column('note_params', sa.JSON(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+ and PostgreSQL): a batch copy of a table
    # other rows refer to (journal_entries) fails SQLite's foreign keys when it is dropped
    for table, names in (('activity_events', ('note_params', 'note_key')),
                         ('journal_entries', ('memo_params', 'memo_key')),
                         ('tasks', ('note_params', 'note_key', 'title_params', 'title_key')),
                         ('staff_notifications', ('body_params', 'body_key', 'title_params', 'title_key'))):
        for name in names:
            op.drop_column(table, name)
