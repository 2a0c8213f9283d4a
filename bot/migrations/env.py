"""Alembic environment for Steady's own tables (Rasa's `events` table is Rasa's business)."""

from __future__ import annotations

from alembic import context

from bot.db import Base
from bot.migrate import own_tables_only


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=Base.metadata, include_object=own_tables_only,
                      render_as_batch=connection.dialect.name == "sqlite")  # fmt: skip
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
