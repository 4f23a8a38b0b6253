"""Accounts: a person's sign-in (Argon2 password hash, lock-out state) and the roles it holds,
on every line or on one. New tables only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 05:18:53.829236
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('staff_id', sa.String(length=60), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('staff_id', name=op.f('uq_accounts_staff_id'))
    )
    op.create_table('account_roles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_roles_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['lines.id'], name=op.f('fk_account_roles_line_id_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_roles'))
    )
    with op.batch_alter_table('account_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_roles_account_id'), ['account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('account_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_roles_account_id'))

    op.drop_table('account_roles')
    op.drop_table('accounts')
