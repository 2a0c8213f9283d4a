"""reminders: daily check-ins on Telegram (bot/reminders/)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:44:19.929547
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_skipped_at", sa.DateTime(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_active"), ["active"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_next_due_at"), ["next_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminders_sender_id"), ["sender_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_sender_id"))
        batch_op.drop_index(batch_op.f("ix_reminders_next_due_at"))
        batch_op.drop_index(batch_op.f("ix_reminders_active"))

    op.drop_table("reminders")
