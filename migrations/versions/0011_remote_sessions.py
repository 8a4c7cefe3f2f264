"""The application server's state, kept in the database so that several server processes can
answer any desktop: signed-in sessions (the token's SHA-256 only) and recent failed sign-ins by
address (the rate limit).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 08:54:07.046735
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('remote_login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_login_failures'))
    )
    with op.batch_alter_table('remote_login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_remote_login_failures_address_at', ['address', 'at'], unique=False)

    op.create_table('remote_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_remote_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_remote_sessions_token_hash'))
    )
    with op.batch_alter_table('remote_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_sessions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('remote_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remote_sessions_user_id'))

    op.drop_table('remote_sessions')
    with op.batch_alter_table('remote_login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_remote_login_failures_address_at')

    op.drop_table('remote_login_failures')
