"""The customer chat by e-mail: which chat line went out as which outbox message, the e-mails read
back from the mailbox (once each: unique Message-ID), and the customers' satisfaction ratings.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:42:22.804399
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('order_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('care_staff_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_order_ratings_score')),
    sa.ForeignKeyConstraint(['care_staff_id'], ['users.id'], name=op.f('fk_order_ratings_care_staff_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_ratings_order_id_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_order_ratings_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_ratings')),
    sa.UniqueConstraint('order_id', name='uq_order_ratings_order')
    )
    with op.batch_alter_table('order_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_order_ratings_recorded', ['recorded_at', 'id'], unique=False)

    op.create_table('chat_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_message_id', sa.Integer(), nullable=False),
    sa.Column('customer_message_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_message_id'], ['customer_messages.id'], name=op.f('fk_chat_mails_customer_message_id_customer_messages')),
    sa.ForeignKeyConstraint(['order_message_id'], ['order_messages.id'], name=op.f('fk_chat_mails_order_message_id_order_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_mails')),
    sa.UniqueConstraint('customer_message_id', name='uq_chat_mails_customer_message'),
    sa.UniqueConstraint('order_message_id', name='uq_chat_mails_order_message')
    )
    op.create_table('inbound_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=500), nullable=False),
    sa.Column('from_address', sa.String(length=200), nullable=False),
    sa.Column('from_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('order_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_inbound_mails_order_id_orders')),
    sa.ForeignKeyConstraint(['order_message_id'], ['order_messages.id'], name=op.f('fk_inbound_mails_order_message_id_order_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_mails')),
    sa.UniqueConstraint('message_id', name='uq_inbound_mails_message_id')
    )
    with op.batch_alter_table('inbound_mails', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_mails_status', ['status', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inbound_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_mails_status')

    op.drop_table('inbound_mails')
    op.drop_table('chat_mails')
    with op.batch_alter_table('order_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_order_ratings_recorded')

    op.drop_table('order_ratings')
