"""order columns through defaults_policy

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import defaults_policy.alembic  # noqa: F401  registers op.add_column_with_default, op.add_column_with_policy

revision = "0002"
down_revision = "0001"


def upgrade():
    # every existing row gets a uuid of its own; then the DEFAULT is dropped
    op.add_column_with_default("orders", "public_id", postgresql.UUID(as_uuid=True), "gen_random_uuid()")
    op.add_column_with_default("orders", "placed_at", sa.DateTime(timezone=True), "now()")
    # the default is SQL text: a constant is a SQL literal
    op.add_column_with_default("orders", "currency", sa.String(3), "'eur'")
    # keep_default: the DEFAULT stays for later inserts (server_default in the model)
    op.add_column_with_default("orders", "updated_at", "timestamptz", sa.text("now()"), keep_default=True)
    # a named policy gives the type, the default and keep_default
    op.add_column_with_policy("orders", "created_on", "created_on")
    # a mixed-case table name keeps its case; schema is optional
    op.add_column_with_default("Customers", "score", sa.Integer, "0", schema="public")


def downgrade():
    op.drop_column("Customers", "score", schema="public")
    for column in ("created_on", "updated_at", "currency", "placed_at", "public_id"):
        op.drop_column("orders", column)
