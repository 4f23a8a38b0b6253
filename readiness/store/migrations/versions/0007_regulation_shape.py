"""The readiness case in the regulation's shape: what each drill scenario, critical task time
standard and checklist item rests on (basis), the chapter and area of an attested requirement,
scenarios a regulation requires drilled, and whether an FAO line ran a trial day in FAO mode.

Existing rows keep a null basis: the shipped catalogues give it by code when read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 23:07:47.849428
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chapter', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('area', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.JSON(), nullable=True))

    with op.batch_alter_table('critical_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_basis', sa.JSON(), nullable=True))

    with op.batch_alter_table('drill_scenarios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('required_by_regulation', sa.Boolean(), server_default='0', nullable=False))

    with op.batch_alter_table('trial_run_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fao_mode', sa.Boolean(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('trial_run_days', schema=None) as batch_op:
        batch_op.drop_column('fao_mode')

    with op.batch_alter_table('drill_scenarios', schema=None) as batch_op:
        batch_op.drop_column('required_by_regulation')
        batch_op.drop_column('basis')

    with op.batch_alter_table('critical_tasks', schema=None) as batch_op:
        batch_op.drop_column('time_basis')

    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_column('basis')
        batch_op.drop_column('area')
        batch_op.drop_column('chapter')

