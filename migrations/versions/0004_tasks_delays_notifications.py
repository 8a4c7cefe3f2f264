"""Tasks, delays and notifications: delay flags on orders, measured stage durations, secrets,
and the indexes behind the new queues and timers.

Generated with autogenerate against a fresh SQLite database, then reviewed: the operations are
plain (not batch) so SQLite never rebuilds ``orders`` — with foreign keys on, dropping the old
table would cascade into the rows that point at it (items, parcels, money). SQLite ≥ 3.35 adds
and drops these columns in place. The partial indexes' WHERE is written by hand.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:25:13.492245
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stage_durations',
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('median_seconds', sa.Integer(), nullable=False),
    sa.Column('samples', sa.Integer(), nullable=False),
    sa.Column('measured_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'status', name=op.f('pk_stage_durations'))
    )
    op.create_table('secrets',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_secrets_updated_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_secrets'))
    )
    op.add_column('orders', sa.Column('delay_state', sa.String(length=10), server_default='', nullable=False))
    op.add_column('orders', sa.Column('delay_reason', sa.String(length=30), server_default='', nullable=False))
    op.add_column('orders', sa.Column('forecast_ship_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('orders', sa.Column('forecast_deliver_at', sa.DateTime(timezone=True), nullable=True))
    # partial: only flagged orders, in the delayed-orders queue's order (the WHERE written by
    # hand as app.models.notify.FLAGGED_SQL; the queue filters with this very SQL)
    flagged = sa.text("delay_state != ''")
    op.create_index('ix_orders_care_delay_queue', 'orders', ['care_staff_id', 'committed_deliver_by', 'id'],
                    unique=False, sqlite_where=flagged, postgresql_where=flagged)
    op.create_index('ix_orders_delay_queue', 'orders', ['committed_deliver_by', 'id'], unique=False,
                    sqlite_where=flagged, postgresql_where=flagged)
    op.create_index('ix_orders_ship_plan', 'orders', ['status', 'estimated_ship_at', 'id'], unique=False)
    op.create_index('ix_orders_status_changed', 'orders', ['status', 'status_changed_at', 'id'], unique=False)
    op.create_index('ix_tasks_escalation', 'tasks', ['status', 'escalated_at', 'due_at', 'id'], unique=False)
    op.create_index('ix_staff_notifications_list', 'staff_notifications', ['user_id', 'id'], unique=False)
    op.create_index('ix_customer_messages_status_list', 'customer_messages', ['status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_customer_messages_status_list', table_name='customer_messages')
    op.drop_index('ix_staff_notifications_list', table_name='staff_notifications')
    op.drop_index('ix_tasks_escalation', table_name='tasks')
    op.drop_index('ix_orders_status_changed', table_name='orders')
    op.drop_index('ix_orders_ship_plan', table_name='orders')
    op.drop_index('ix_orders_delay_queue', table_name='orders')
    op.drop_index('ix_orders_care_delay_queue', table_name='orders')
    op.drop_column('orders', 'forecast_deliver_at')
    op.drop_column('orders', 'forecast_ship_at')
    op.drop_column('orders', 'delay_reason')
    op.drop_column('orders', 'delay_state')
    op.drop_table('secrets')
    op.drop_table('stage_durations')
