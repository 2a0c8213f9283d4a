"""escalations.conversation_id encrypted (Text, no index); existing plaintext rows encrypted

The raw sender id (a Telegram chat id) no longer sits in plaintext beside the risk it records;
rows are found by their pseudonym. Spans (matched words) and screener answers written before this
revision are encrypted in place with the deployment key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from bot.crypto import PREFIX, encrypt_text

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _sealed(value: str | None) -> str | None:
    return value if value is None or value.startswith(PREFIX) else encrypt_text(value)


def _sealed_json(value: object) -> str | None:
    if isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, str) and value.startswith(PREFIX):
        return json.dumps(value)
    return json.dumps(encrypt_text(json.dumps(value)))


def upgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_conversation_id")
        batch_op.alter_column("conversation_id", type_=sa.Text(), existing_nullable=False)
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, conversation_id, spans, cssrs FROM escalations")).fetchall()
    for row in rows:
        connection.execute(
            sa.text("UPDATE escalations SET conversation_id = :cid, spans = :spans, cssrs = :cssrs WHERE id = :id"),
            {"id": row[0], "cid": _sealed(row[1]), "spans": _sealed_json(row[2]), "cssrs": _sealed_json(row[3])},
        )


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.alter_column("conversation_id", type_=sa.String(length=255), existing_nullable=False)
        batch_op.create_index("ix_escalations_conversation_id", ["conversation_id"], unique=False)
