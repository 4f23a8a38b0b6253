"""Ledger columns: several accident types, remarks, the ledger's own score, the basis of a direct judgement

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:12:16.526140
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hazard_evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score_given', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('basis', sa.Text(), nullable=True))

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accident_types', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('notes', sa.Text(), nullable=True))

    # every hazard keeps its one accident type, now as a list of one (one UPDATE per type)
    hazards = sa.table('hazards', sa.column('accident_type', sa.String),
                       sa.column('accident_types', sa.JSON))
    conn = op.get_bind()
    conn.execute(hazards.update().where(hazards.c.accident_type.is_(None))
                 .values(accident_types=[]))
    for (code,) in conn.execute(sa.select(hazards.c.accident_type).distinct()
                                .where(hazards.c.accident_type.is_not(None))).all():
        conn.execute(hazards.update().where(hazards.c.accident_type == code)
                     .values(accident_types=[code]))

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.alter_column('accident_types', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_column('notes')
        batch_op.drop_column('accident_types')

    with op.batch_alter_table('hazard_evaluations', schema=None) as batch_op:
        batch_op.drop_column('basis')
        batch_op.drop_column('score_given')

