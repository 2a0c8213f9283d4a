"""reminders.unanswered and stopped_reason: check-ins stop after several go unanswered

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stopped_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("unanswered", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("unanswered")
        batch_op.drop_column("stopped_reason")
