"""Dual prevention (双重预防): each control's inspection handbook entry (what to check, how, how
often), inspections and their results, and the hidden dangers they find with the five fixes,
report and acceptance. New tables only; existing controls read the defaults by level.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 00:05:34.866768
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('special_reason', sa.Text(), nullable=True),
    sa.Column('inspector', sa.String(length=60), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['line_id'], ['lines.id'], name=op.f('fk_inspections_line_id_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_inspections_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    sa.UniqueConstraint('line_id', 'code', name='uq_inspections_line_code')
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_line_id'), ['line_id'], unique=False)

    op.create_table('inspection_results',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('finding', sa.Text(), nullable=True),
    sa.Column('grade', sa.String(length=20), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['control_id'], ['control_measures.id'], name=op.f('fk_inspection_results_control_id_control_measures'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_inspection_results_hazard_id_hazards')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_results_inspection_id_inspections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_results')),
    sa.UniqueConstraint('inspection_id', 'hazard_id', 'control_id', name='uq_inspection_results_inspection_hazard_control')
    )
    with op.batch_alter_table('inspection_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_results_control_id'), ['control_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_results_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_results_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('hidden_dangers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('found_on', sa.Date(), nullable=False),
    sa.Column('found_by', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('responsible', sa.String(length=60), nullable=True),
    sa.Column('funds', sa.Text(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('contingency', sa.Text(), nullable=True),
    sa.Column('pdca_code', sa.String(length=40), nullable=True),
    sa.Column('reported_to', sa.Text(), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('accepted_by', sa.String(length=60), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('acceptance_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['line_id'], ['lines.id'], name=op.f('fk_hidden_dangers_line_id_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['inspection_results.id'], name=op.f('fk_hidden_dangers_result_id_inspection_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hidden_dangers')),
    sa.UniqueConstraint('line_id', 'code', name='uq_hidden_dangers_line_code'),
    sa.UniqueConstraint('result_id', name=op.f('uq_hidden_dangers_result_id'))
    )
    with op.batch_alter_table('hidden_dangers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hidden_dangers_line_id'), ['line_id'], unique=False)

    with op.batch_alter_table('control_measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_what', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('check_how', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('check_every_days', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('control_measures', schema=None) as batch_op:
        batch_op.drop_column('check_every_days')
        batch_op.drop_column('check_how')
        batch_op.drop_column('check_what')

    with op.batch_alter_table('hidden_dangers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hidden_dangers_line_id'))

    op.drop_table('hidden_dangers')
    with op.batch_alter_table('inspection_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_results_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_results_hazard_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_results_control_id'))

    op.drop_table('inspection_results')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_line_id'))

    op.drop_table('inspections')
