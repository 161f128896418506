"""literals that a hand-written op.execute gets wrong

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import defaults_policy.alembic  # noqa: F401

revision = "0003"
down_revision = "0002"

# SQL text: quotes, %, :word (a bind parameter to text()), a backslash,
# dollar quotes, a %(name)s
NOTE = """'it''s 50% off: :word \\o/ "quoted" $$ %(x)s'"""
ATTRS = """'{"note": "it''s 50% off: :word", "path": "C:\\\\temp"}'"""


def upgrade():
    op.add_column_with_default("orders", "note", sa.Text(), NOTE)
    op.add_column_with_default("orders", "attrs", postgresql.JSONB(), ATTRS)


def downgrade():
    op.drop_column("orders", "attrs")
    op.drop_column("orders", "note")
