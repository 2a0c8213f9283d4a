"""Schema migrations (Alembic) for Steady's own tables.

    python -m bot.migrate                  # bring the configured database up to date
    python -m bot.migrate revision -m "…"  # write a new migration after changing bot/db.py

`make run` and the tests migrate before anything uses the database.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from bot import config

SCRIPTS = config.REPO_ROOT / "bot" / "migrations"


def own_tables_only(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Steady's own tables, never Rasa's `events`."""
    from bot.db import Base

    if type_ == "table":
        return name in Base.metadata.tables
    table = getattr(obj, "table", None)
    return table is None or table.name in Base.metadata.tables


def alembic_config(engine: Engine) -> Config:
    settings = Config()
    settings.set_main_option("script_location", str(SCRIPTS))
    settings.attributes["engine"] = engine
    return settings


def upgrade(engine: Engine) -> None:
    """Apply every migration the database does not have yet."""
    settings = alembic_config(engine)
    with engine.begin() as connection:
        settings.attributes["connection"] = connection
        command.upgrade(settings, "head")


def new_revision(engine: Engine, message: str) -> None:
    settings = alembic_config(engine)
    with engine.begin() as connection:
        settings.attributes["connection"] = connection
        command.revision(settings, message=message, autogenerate=True)


def main(argv: list[str] | None = None) -> int:
    from bot.db import get_engine

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="upgrade", choices=["upgrade", "revision"])
    parser.add_argument("-m", "--message", default="schema change")
    args = parser.parse_args(argv)
    engine = get_engine()
    if args.command == "revision":
        new_revision(engine, args.message)
    else:
        print(f"==> Database schema is up to date ({config.database_url().split('@')[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
