"""The tables as the migrations leave them: autogenerate compares with these."""

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.Integer, nullable=False),
    # added by 0002 through defaults_policy: the DEFAULT was dropped after
    # the backfill, so new rows get their value from Python (default=)
    sa.Column("public_id", postgresql.UUID(as_uuid=True), nullable=False, default=uuid.uuid4),
    sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False, default=sa.func.now()),
    sa.Column("currency", sa.String(3), nullable=False, default="eur"),
    # keep_default=True and the policy created_on: the DEFAULT stays (server_default=)
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column("created_on", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    # added by 0003
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("attrs", postgresql.JSONB, nullable=False),
)

customers = sa.Table(
    "Customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("score", sa.Integer, nullable=False, default=0),
)
