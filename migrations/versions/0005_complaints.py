"""Complaints: customers' complaints on orders (lines, photos, contacts, plans and their
remedies), seller complaints with the platform's after-sale deadline, and the customer's
inspection after delivery.

Only adds tables; the active queues read partial indexes on the queues' exact conditions
(app.models.complaints.ACTIVE / SELLER_ACTIVE).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:13:15.900115
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('fault', sa.String(length=20), nullable=True),
    sa.Column('care_staff_id', sa.Integer(), nullable=True),
    sa.Column('ordering_staff_id', sa.Integer(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_by_name', sa.String(length=120), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['care_staff_id'], ['users.id'], name=op.f('fk_complaints_care_staff_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_complaints_opened_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_complaints_order_id_orders')),
    sa.ForeignKeyConstraint(['ordering_staff_id'], ['users.id'], name=op.f('fk_complaints_ordering_staff_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('code', name=op.f('uq_complaints_code'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_care', ['care_staff_id', 'opened_at', 'id'], unique=False, sqlite_where=sa.text("status IN ('open', 'investigating', 'proposed', 'approved')"), postgresql_where=sa.text("status IN ('open', 'investigating', 'proposed', 'approved')"))
        batch_op.create_index('ix_complaints_opened', ['opened_at', 'id'], unique=False)
        batch_op.create_index('ix_complaints_order', ['order_id', 'id'], unique=False)
        batch_op.create_index('ix_complaints_ordering', ['ordering_staff_id', 'opened_at', 'id'], unique=False, sqlite_where=sa.text("status IN ('open', 'investigating', 'proposed', 'approved')"), postgresql_where=sa.text("status IN ('open', 'investigating', 'proposed', 'approved')"))
        batch_op.create_index('ix_complaints_status', ['status', 'opened_at', 'id'], unique=False)

    op.create_table('complaint_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_complaint_contacts_by_id_users')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_contacts_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_contacts'))
    )
    with op.batch_alter_table('complaint_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_contacts_complaint', ['complaint_id', 'id'], unique=False)

    op.create_table('complaint_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('fault', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_name', sa.String(length=120), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_name', sa.String(length=120), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('executed_by_id', sa.Integer(), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_plans_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_complaint_plans_decided_by_id_users')),
    sa.ForeignKeyConstraint(['executed_by_id'], ['users.id'], name=op.f('fk_complaint_plans_executed_by_id_users')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_complaint_plans_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_plans'))
    )
    with op.batch_alter_table('complaint_plans', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_plans_complaint', ['complaint_id', 'id'], unique=False)

    op.create_table('order_inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('rejected', sa.JSON(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_name', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_order_inspections_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_inspections_order_id_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_order_inspections_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_inspections'))
    )
    with op.batch_alter_table('order_inspections', schema=None) as batch_op:
        batch_op.create_index('ix_order_inspections_order', ['order_id', 'id'], unique=False)

    op.create_table('complaint_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('order_item_id', sa.Integer(), nullable=True),
    sa.Column('parcel_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_lines_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_item_id'], ['order_items.id'], name=op.f('fk_complaint_lines_order_item_id_order_items')),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_complaint_lines_parcel_id_parcels')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_complaint_lines_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_lines'))
    )
    with op.batch_alter_table('complaint_lines', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_lines_complaint', ['complaint_id', 'id'], unique=False)
        batch_op.create_index('ix_complaint_lines_parcel', ['parcel_id', 'complaint_id'], unique=False)
        batch_op.create_index('ix_complaint_lines_shop', ['shop_id', 'complaint_id'], unique=False)

    op.create_table('complaint_remedies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('shipment_id', sa.Integer(), nullable=True),
    sa.Column('reship_order_id', sa.Integer(), nullable=True),
    sa.Column('discount_code_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['discount_code_id'], ['discount_codes.id'], name=op.f('fk_complaint_remedies_discount_code_id_discount_codes')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_complaint_remedies_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['plan_id'], ['complaint_plans.id'], name=op.f('fk_complaint_remedies_plan_id_complaint_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reship_order_id'], ['orders.id'], name=op.f('fk_complaint_remedies_reship_order_id_orders')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_complaint_remedies_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_remedies'))
    )
    with op.batch_alter_table('complaint_remedies', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_remedies_plan', ['plan_id', 'id'], unique=False)
        batch_op.create_index('ix_complaint_remedies_shipment', ['shipment_id'], unique=False)

    op.create_table('seller_complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('shop_order_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('claimed_cny', sa.BigInteger(), nullable=False),
    sa.Column('recovered_cny', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('platform_case_no', sa.String(length=60), nullable=False),
    sa.Column('seller_shipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ordering_staff_id', sa.Integer(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_by_name', sa.String(length=120), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cny_account_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cny_account_id'], ['ledger_accounts.id'], name=op.f('fk_seller_complaints_cny_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_seller_complaints_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_seller_complaints_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_seller_complaints_opened_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_seller_complaints_order_id_orders')),
    sa.ForeignKeyConstraint(['ordering_staff_id'], ['users.id'], name=op.f('fk_seller_complaints_ordering_staff_id_users')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_seller_complaints_shop_id_shops')),
    sa.ForeignKeyConstraint(['shop_order_id'], ['shop_orders.id'], name=op.f('fk_seller_complaints_shop_order_id_shop_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_complaints')),
    sa.UniqueConstraint('code', name=op.f('uq_seller_complaints_code'))
    )
    with op.batch_alter_table('seller_complaints', schema=None) as batch_op:
        batch_op.create_index('ix_seller_complaints_active', ['deadline_at', 'id'], unique=False, sqlite_where=sa.text("status IN ('open', 'claimed')"), postgresql_where=sa.text("status IN ('open', 'claimed')"))
        batch_op.create_index('ix_seller_complaints_opened', ['opened_at', 'id'], unique=False)
        batch_op.create_index('ix_seller_complaints_order', ['order_id', 'id'], unique=False)
        batch_op.create_index('ix_seller_complaints_shop', ['shop_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_seller_complaints_shop_order', ['shop_order_id', 'id'], unique=False)

    op.create_table('complaint_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('seller_complaint_id', sa.Integer(), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_files_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_complaint_files_file_id_stored_files')),
    sa.ForeignKeyConstraint(['seller_complaint_id'], ['seller_complaints.id'], name=op.f('fk_complaint_files_seller_complaint_id_seller_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_complaint_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_files'))
    )
    with op.batch_alter_table('complaint_files', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_files_complaint', ['complaint_id', 'id'], unique=False)
        batch_op.create_index('ix_complaint_files_seller', ['seller_complaint_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('complaint_files', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_files_seller')
        batch_op.drop_index('ix_complaint_files_complaint')

    op.drop_table('complaint_files')
    with op.batch_alter_table('seller_complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_seller_complaints_shop_order')
        batch_op.drop_index('ix_seller_complaints_shop')
        batch_op.drop_index('ix_seller_complaints_order')
        batch_op.drop_index('ix_seller_complaints_opened')
        batch_op.drop_index('ix_seller_complaints_active', sqlite_where=sa.text("status IN ('open', 'claimed')"), postgresql_where=sa.text("status IN ('open', 'claimed')"))

    op.drop_table('seller_complaints')
    with op.batch_alter_table('complaint_remedies', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_remedies_shipment')
        batch_op.drop_index('ix_complaint_remedies_plan')

    op.drop_table('complaint_remedies')
    with op.batch_alter_table('complaint_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_lines_shop')
        batch_op.drop_index('ix_complaint_lines_parcel')
        batch_op.drop_index('ix_complaint_lines_complaint')

    op.drop_table('complaint_lines')
    with op.batch_alter_table('order_inspections', schema=None) as batch_op:
        batch_op.drop_index('ix_order_inspections_order')

    op.drop_table('order_inspections')
    with op.batch_alter_table('complaint_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_plans_complaint')

    op.drop_table('complaint_plans')
    with op.batch_alter_table('complaint_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_contacts_complaint')

    op.drop_table('complaint_contacts')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_status')
        batch_op.drop_index('ix_complaints_ordering', sqlite_where=sa.text("status IN ('open', 'investigating', 'proposed', 'approved')"), postgresql_where=sa.text("status IN ('open', 'investigating', 'proposed', 'approved')"))
        batch_op.drop_index('ix_complaints_order')
        batch_op.drop_index('ix_complaints_opened')
        batch_op.drop_index('ix_complaints_care', sqlite_where=sa.text("status IN ('open', 'investigating', 'proposed', 'approved')"), postgresql_where=sa.text("status IN ('open', 'investigating', 'proposed', 'approved')"))

    op.drop_table('complaints')
