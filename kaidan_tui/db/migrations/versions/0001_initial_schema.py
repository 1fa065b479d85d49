"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 14:15:45.204705
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kaidan_tui.db.columns
from kaidan_tui.db import ddl


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('pin_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('code', name=op.f('uq_app_user_code'))
    )
    op.create_table('ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('header', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('number_format', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger')),
    sa.UniqueConstraint('code', name=op.f('uq_ledger_code'))
    )
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('barcode', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('initials', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('spec', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('case_size', sa.Integer(), nullable=False),
    sa.Column('list_price', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('floor_price', kaidan_tui.db.columns.Money(), nullable=True),
    sa.Column('cost', kaidan_tui.db.columns.Money(), nullable=True),
    sa.Column('tax_rate', kaidan_tui.db.columns.Rate(), nullable=False),
    sa.Column('coded', sa.Boolean(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('code', name=op.f('uq_product_code'))
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_barcode'), ['barcode'], unique=False)
        batch_op.create_index('ix_product_initials_code', ['initials', 'code'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_name'), ['name'], unique=False)

    op.create_table('setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('warehouse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouse')),
    sa.UniqueConstraint('code', name=op.f('uq_warehouse_code'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_audit_log_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('initials', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('settlement', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('credit_limit', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('credit_policy', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('freight_station', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('freight_phone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('store_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ledger_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledger.id'], name=op.f('fk_customer_ledger_id_ledger')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('code', name=op.f('uq_customer_code'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_initials_code', ['initials', 'code'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_phone'), ['phone'], unique=False)

    op.create_table('number_counter',
    sa.Column('ledger_id', sa.Integer(), nullable=False),
    sa.Column('slip_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledger.id'], name=op.f('fk_number_counter_ledger_id_ledger')),
    sa.PrimaryKeyConstraint('ledger_id', 'slip_type', 'year', name=op.f('pk_number_counter'))
    )
    op.create_table('stock',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('qty', kaidan_tui.db.columns.Qty(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_product_id_product')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_stock_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('product_id', 'warehouse_id', name=op.f('pk_stock'))
    )
    op.create_table('tier_price',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('price', kaidan_tui.db.columns.Money(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_tier_price_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_price')),
    sa.UniqueConstraint('product_id', 'tier', name=op.f('uq_tier_price_product_id_tier'))
    )
    op.create_table('agreed_price',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('price', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_agreed_price_customer_id_customer')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_agreed_price_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreed_price'))
    )
    with op.batch_alter_table('agreed_price', schema=None) as batch_op:
        batch_op.create_index('ix_agreed_price_customer_product', ['customer_id', 'product_id'], unique=False)

    op.create_table('slip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ledger_id', sa.Integer(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('posted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('cust_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('cust_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('cust_contact', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('cust_phone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('cust_address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('freight_station', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('freight_phone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('store_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('po_number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('settlement', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('delivery', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('maker_id', sa.Integer(), nullable=False),
    sa.Column('handler', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('hold_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('total_qty', kaidan_tui.db.columns.Qty(), nullable=False),
    sa.Column('total_amount', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('discount_amount', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('void_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['app_user.id'], name=op.f('fk_slip_approver_id_app_user')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_slip_customer_id_customer')),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledger.id'], name=op.f('fk_slip_ledger_id_ledger')),
    sa.ForeignKeyConstraint(['maker_id'], ['app_user.id'], name=op.f('fk_slip_maker_id_app_user')),
    sa.ForeignKeyConstraint(['reverses_id'], ['slip.id'], name=op.f('fk_slip_reverses_id_slip')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['app_user.id'], name=op.f('fk_slip_voided_by_id_app_user')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_slip_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slip')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_slip_idempotency_key')),
    sa.UniqueConstraint('ledger_id', 'number', name=op.f('uq_slip_ledger_id_number')),
    sa.UniqueConstraint('ledger_id', 'type', 'year', 'seq', name=op.f('uq_slip_ledger_id_type_year_seq'))
    )
    with op.batch_alter_table('slip', schema=None) as batch_op:
        batch_op.create_index('ix_slip_business_date', ['business_date'], unique=False)
        batch_op.create_index('ix_slip_customer_date', ['customer_id', 'business_date'], unique=False)

    op.create_table('customer_last_price',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('price', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('qty', kaidan_tui.db.columns.Qty(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=False),
    sa.Column('posted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_last_price_customer_id_customer')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_customer_last_price_product_id_product')),
    sa.ForeignKeyConstraint(['slip_id'], ['slip.id'], name=op.f('fk_customer_last_price_slip_id_slip')),
    sa.PrimaryKeyConstraint('customer_id', 'product_id', name=op.f('pk_customer_last_price'))
    )
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ledger_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=True),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_payment_customer_id_customer')),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledger.id'], name=op.f('fk_payment_ledger_id_ledger')),
    sa.ForeignKeyConstraint(['slip_id'], ['slip.id'], name=op.f('fk_payment_slip_id_slip')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_payment_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_business_date'), ['business_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_customer_id'), ['customer_id'], unique=False)

    op.create_table('print_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=False),
    sa.Column('printer', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reprint_no', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['slip_id'], ['slip.id'], name=op.f('fk_print_job_slip_id_slip')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_print_job_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_job'))
    )
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_job_slip_id'), ['slip_id'], unique=False)

    op.create_table('slip_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('spec', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('qty', kaidan_tui.db.columns.Qty(), nullable=False),
    sa.Column('price', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('amount', kaidan_tui.db.columns.Money(), nullable=False),
    sa.Column('policy_price', kaidan_tui.db.columns.Money(), nullable=True),
    sa.Column('price_source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approval_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('is_gift', sa.Boolean(), nullable=False),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['app_user.id'], name=op.f('fk_slip_line_approved_by_id_app_user')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_slip_line_product_id_product')),
    sa.ForeignKeyConstraint(['slip_id'], ['slip.id'], name=op.f('fk_slip_line_slip_id_slip')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slip_line')),
    sa.UniqueConstraint('slip_id', 'line_no', name=op.f('uq_slip_line_slip_id_line_no'))
    )
    with op.batch_alter_table('slip_line', schema=None) as batch_op:
        batch_op.create_index('ix_slip_line_product', ['product_id'], unique=False)

    op.create_table('slip_line_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['slip_line.id'], name=op.f('fk_slip_line_code_line_id_slip_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slip_line_code'))
    )
    with op.batch_alter_table('slip_line_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slip_line_code_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_slip_line_code_line_id'), ['line_id'], unique=False)

    op.create_table('stock_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('qty', kaidan_tui.db.columns.Qty(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('slip_id', sa.Integer(), nullable=True),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('remarks', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['slip_line.id'], name=op.f('fk_stock_movement_line_id_slip_line')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_movement_product_id_product')),
    sa.ForeignKeyConstraint(['slip_id'], ['slip.id'], name=op.f('fk_stock_movement_slip_id_slip')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_stock_movement_user_id_app_user')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_stock_movement_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movement'))
    )
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movement_product', ['product_id', 'warehouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movement_slip_id'), ['slip_id'], unique=False)

    ddl.create(op, *GUARDS)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_OBJECTS:
            op.execute(statement)
    else:
        for statement in ddl.pg_search_objects():
            op.execute(statement)


def downgrade() -> None:
    ddl.drop(op, *GUARDS)
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_DROPS:
            op.execute(name)
    else:
        for name in ddl.pg_search_drops():
            op.execute(name)
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movement_slip_id'))
        batch_op.drop_index('ix_stock_movement_product')

    op.drop_table('stock_movement')
    with op.batch_alter_table('slip_line_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slip_line_code_line_id'))
        batch_op.drop_index(batch_op.f('ix_slip_line_code_code'))

    op.drop_table('slip_line_code')
    with op.batch_alter_table('slip_line', schema=None) as batch_op:
        batch_op.drop_index('ix_slip_line_product')

    op.drop_table('slip_line')
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_job_slip_id'))

    op.drop_table('print_job')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_customer_id'))
        batch_op.drop_index(batch_op.f('ix_payment_business_date'))

    op.drop_table('payment')
    op.drop_table('customer_last_price')
    with op.batch_alter_table('slip', schema=None) as batch_op:
        batch_op.drop_index('ix_slip_customer_date')
        batch_op.drop_index('ix_slip_business_date')

    op.drop_table('slip')
    with op.batch_alter_table('agreed_price', schema=None) as batch_op:
        batch_op.drop_index('ix_agreed_price_customer_product')

    op.drop_table('agreed_price')
    op.drop_table('tier_price')
    op.drop_table('stock')
    op.drop_table('number_counter')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phone'))
        batch_op.drop_index('ix_customer_initials_code')

    op.drop_table('customer')
    op.drop_table('audit_log')
    op.drop_table('warehouse')
    op.drop_table('setting')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_name'))
        batch_op.drop_index('ix_product_initials_code')
        batch_op.drop_index(batch_op.f('ix_product_barcode'))

    op.drop_table('product')
    op.drop_table('ledger')
    op.drop_table('app_user')


# --- Store guards (both databases, see kaidan_tui/db/ddl.py) and search objects.
_NEVER_DELETED = (
    "ledger", "app_user", "warehouse", "customer", "product", "slip", "number_counter",
    "stock", "stock_movement", "payment", "print_job", "audit_log",
)
_OPEN = ddl.OPEN
_LINE_STATUS = "(SELECT status FROM slip WHERE id = {row}.slip_id) NOT IN " + _OPEN
_CODE_STATUS = (
    "(SELECT s.status FROM slip s JOIN slip_line l ON l.slip_id = s.id "
    "WHERE l.id = {row}.line_id) NOT IN " + _OPEN
)

GUARDS: list[ddl.Guard] = [
    *ddl.never_deleted(*_NEVER_DELETED, why=" (void or reverse instead)"),
    # A posted slip keeps its number, customer, date and money for ever (D4, D5).
    ddl.guard(
        "kd_slip_posted_immutable", "slip", "UPDATE",
        "a posted slip cannot be changed (void or reverse it)",
        f"""OLD.status NOT IN {_OPEN} AND (
        NEW.total_amount IS NOT OLD.total_amount OR NEW.total_qty IS NOT OLD.total_qty
        OR NEW.discount_amount IS NOT OLD.discount_amount OR NEW.line_count IS NOT OLD.line_count
        OR NEW.number IS NOT OLD.number OR NEW.seq IS NOT OLD.seq OR NEW.year IS NOT OLD.year
        OR NEW.type IS NOT OLD.type OR NEW.ledger_id IS NOT OLD.ledger_id
        OR NEW.customer_id IS NOT OLD.customer_id OR NEW.business_date IS NOT OLD.business_date
        OR NEW.settlement IS NOT OLD.settlement OR NEW.warehouse_id IS NOT OLD.warehouse_id
        OR NEW.maker_id IS NOT OLD.maker_id OR NEW.posted_at IS NOT OLD.posted_at
        OR NEW.cust_code IS NOT OLD.cust_code OR NEW.cust_name IS NOT OLD.cust_name
        OR NEW.channel IS NOT OLD.channel OR NEW.recipient IS NOT OLD.recipient
        OR NEW.approver_id IS NOT OLD.approver_id OR NEW.reverses_id IS NOT OLD.reverses_id
        OR NEW.idempotency_key IS NOT OLD.idempotency_key OR NEW.created_at IS NOT OLD.created_at
        OR (OLD.status IN ('void', 'reversed') AND (NEW.void_reason IS NOT OLD.void_reason
            OR NEW.voided_by_id IS NOT OLD.voided_by_id OR NEW.voided_at IS NOT OLD.voided_at))
        OR NEW.status IN {_OPEN}
        OR (OLD.status IN ('void', 'reversed') AND NEW.status IS NOT OLD.status)
    )""",
    ),
    # D4: a void carries its reason, who approved it and when.
    ddl.guard(
        "kd_slip_void_needs_reason", "slip", "UPDATE OF status",
        "a void needs a reason, a supervisor and a time",
        "NEW.status = 'void' AND OLD.status != 'void' AND ("
        "trim(NEW.void_reason) = '' OR NEW.voided_by_id IS NULL OR NEW.voided_at IS NULL)",
    ),
    ddl.guard(
        "kd_slip_posted_needs_number", "slip", "UPDATE OF status",
        "a posted slip must carry its number",
        f"NEW.status NOT IN {_OPEN} AND (NEW.number IS NULL OR NEW.seq IS NULL)",
    ),
    *(
        ddl.guard(
            f"kd_slip_line_{op_name}", "slip_line", op_name.upper(),
            "lines of a posted slip cannot be changed",
            _LINE_STATUS.format(row=row), pg_check=_LINE_STATUS.format(row=row),
        )
        for op_name, row in (("insert", "NEW"), ("update", "OLD"), ("delete", "OLD"))
    ),
    *(
        ddl.guard(
            f"kd_slip_line_code_{op_name}", "slip_line_code", op_name.upper(),
            "trace codes of a posted slip cannot be changed",
            _CODE_STATUS.format(row=row), pg_check=_CODE_STATUS.format(row=row),
        )
        for op_name, row in (("insert", "NEW"), ("update", "OLD"), ("delete", "OLD"))
    ),
    *ddl.append_only("stock_movement", "audit_log", "payment", deletes=False),
    ddl.guard(
        "kd_slip_born_open", "slip", "INSERT",
        "a slip is created as a draft and then posted", f"NEW.status NOT IN {_OPEN}",
    ),
    ddl.guard(
        "kd_counter_step", "number_counter", "UPDATE", "a number counter only steps by one",
        "NEW.last_seq IS NOT OLD.last_seq + 1 OR NEW.ledger_id IS NOT OLD.ledger_id "
        "OR NEW.slip_type IS NOT OLD.slip_type OR NEW.year IS NOT OLD.year",
    ),
]

# Search: rowid = id*2 for products, id*2+1 for customers.
SQLITE_OBJECTS: list[str] = [
    "CREATE VIRTUAL TABLE search_tri USING fts5(body, tokenize='trigram')",
    "CREATE VIRTUAL TABLE search_gram USING fts5(body, tokenize='unicode61')",
]

SQLITE_DROPS: list[str] = [
    "DROP TABLE IF EXISTS search_tri",
    "DROP TABLE IF EXISTS search_gram",
]
