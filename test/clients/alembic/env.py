"""env.py of the client tests' Alembic environment."""

import os
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

import defaults_policy.alembic

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import metadata  # noqa: E402

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
url = os.environ.get("ALEMBIC_URL") or config.get_main_option("sqlalchemy.url")


def keep_proposals(context, revision, directives):
    """In the tests: hand over what autogenerate proposes instead of writing a file."""
    proposals = config.attributes.get("autogenerate_proposals")
    if proposals is not None:
        proposals.extend(directives[0].upgrade_ops.as_diffs())
        directives[:] = []


def run_migrations_offline():
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_name=defaults_policy.alembic.include_name,
            compare_type=True,
            process_revision_directives=keep_proposals,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
