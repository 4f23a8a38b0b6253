"""Ratings per evaluator, voided drill runs, sign-off by a person (with override), PDCA title in English

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 16:05:21.066582
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('drill_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outside_window', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('voided_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('pdca_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=300), nullable=True))

    with op.batch_alter_table('signoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('override_reason', sa.Text(), nullable=True))
        batch_op.create_unique_constraint('uq_signoffs_snapshot_staff', ['snapshot_id', 'staff_id'])

    with op.batch_alter_table('task_evaluations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_task_evaluations_run_task'), type_='unique')
        batch_op.create_unique_constraint('uq_task_evaluations_run_task_evaluator', ['run_id', 'task_id', 'evaluator'])




def downgrade() -> None:

    with op.batch_alter_table('task_evaluations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_task_evaluations_run_task_evaluator', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_task_evaluations_run_task'), ['run_id', 'task_id'])

    with op.batch_alter_table('signoffs', schema=None) as batch_op:
        batch_op.drop_constraint('uq_signoffs_snapshot_staff', type_='unique')
        batch_op.drop_column('override_reason')
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('pdca_items', schema=None) as batch_op:
        batch_op.drop_column('title_en')

    with op.batch_alter_table('drill_runs', schema=None) as batch_op:
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_by')
        batch_op.drop_column('voided_at')
        batch_op.drop_column('outside_window')


