"""The Alembic migrations build exactly the tables bot/db.py describes."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import Base, get_engine
from bot.migrate import own_tables_only


def test_a_new_database_is_migrated_to_the_models_with_nothing_left_over(steady_env: Any) -> None:
    engine = get_engine()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": own_tables_only})
        assert compare_metadata(context, Base.metadata) == []
