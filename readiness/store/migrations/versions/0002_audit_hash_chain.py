"""audit hash chain: every audit record carries the hash of its content and its predecessor

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from readiness.store.audit import GENESIS, record_hash

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    # Chain the records an older store already holds, in the order they were written.
    conn = op.get_bind()
    audit = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
                     sa.column("username", sa.String), sa.column("action", sa.String),
                     sa.column("entity", sa.String), sa.column("entity_id", sa.Integer),
                     sa.column("entity_key", sa.String), sa.column("before", sa.JSON),
                     sa.column("after", sa.JSON), sa.column("command", sa.String),
                     sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
    prev = GENESIS
    rows = conn.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
    for row in rows:
        record = dict(row)
        digest = record_hash(record, prev)
        conn.execute(sa.update(audit).where(audit.c.id == row["id"])
                     .values(prev_hash=prev, hash=digest))
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
