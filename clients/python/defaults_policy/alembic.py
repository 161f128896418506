"""Alembic operations for defaults_policy.

Importing this module (in ``env.py``, or in the migration itself) registers
two operations::

    op.add_column_with_default(table_name, column_name, type_, default,
                               keep_default=False, schema=None)
    op.add_column_with_policy(table_name, column_name, policy, schema=None)

``type_`` is a SQLAlchemy type (``sa.String(3)``, ``sa.DateTime(timezone=True)``)
or type text (``"varchar(3)"``); ``default`` is SQL text (a str or
``sa.text(...)``), the expression the extension validates: ``"now()"``,
``"gen_random_uuid()"``, ``"'eur'"``.

Online the values are bound parameters of the driver.  Offline (``alembic
upgrade --sql``) the statement is written out with every value as a
literal, straight to the script, past SQLAlchemy's compiler: a ``:word``
inside a value is no bind parameter and a ``%`` is not doubled, whatever
``env.py`` configures.

``include_object`` and ``include_name`` keep the extension's tables out of
autogenerate (pass either to ``context.configure``).
"""

from alembic.operations import MigrateOperation, Operations
from sqlalchemy import text
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

from . import sql

__all__ = [
    "AddColumnWithDefaultOp",
    "AddColumnWithPolicyOp",
    "EXTENSION_TABLES",
    "include_name",
    "include_object",
]

# The extension's tables and views (default_policy_allowlist is a view
# since 1.1, a table before; the backfill state and its view came in 1.2).
EXTENSION_TABLES = frozenset(
    {
        "default_policy",
        "default_policy_allowlist",
        "default_policy_allowlist_entries",
        "default_policy_allowlist_removed",
        "default_policy_audit",
        "default_policy_backfill",
        "default_policy_backfills",
    }
)


def include_object(object, name, type_, reflected, compare_to):
    """``include_object`` for ``context.configure``: hides the extension's tables."""
    return not (type_ == "table" and name in EXTENSION_TABLES)


def include_name(name, type_, parent_names):
    """``include_name`` for ``context.configure``: hides the extension's tables."""
    return not (type_ == "table" and name in EXTENSION_TABLES)


def _type_text(type_, dialect):
    if isinstance(type_, str):
        return type_
    if isinstance(type_, type) and issubclass(type_, TypeEngine):
        type_ = type_()
    if isinstance(type_, TypeEngine):
        return type_.compile(dialect=dialect)
    raise TypeError("type_ must be a SQLAlchemy type or type text, not %r" % (type_,))


def _default_text(default):
    if isinstance(default, str):
        return default
    if isinstance(default, TextClause):
        return default.text
    raise TypeError("default must be SQL text (a str or sqlalchemy.text()), not %r" % (default,))


def _run(operations, call):
    """Run the call online, or write it to the script offline."""
    impl = operations.impl
    if impl.as_sql:
        impl.static_output(call.rendered() + impl.command_terminator)
        return None
    statement = text(call.template(lambda i: ":p%d" % i)).bindparams(
        **{"p%d" % i: value for i, value in enumerate(call.args)}
    )
    return operations.execute(statement)


@Operations.register_operation("add_column_with_default")
class AddColumnWithDefaultOp(MigrateOperation):
    """Add a NOT NULL column filled with a validated default."""

    def __init__(self, table_name, column_name, type_, default, keep_default=False, schema=None):
        self.table_name = table_name
        self.column_name = column_name
        self.type_ = type_
        self.default = default
        self.keep_default = keep_default
        self.schema = schema

    @classmethod
    def add_column_with_default(
        cls, operations, table_name, column_name, type_, default, keep_default=False, schema=None
    ):
        """Add a NOT NULL column through ``add_column_with_default()``.

        ``type_``: a SQLAlchemy type or type text; ``default``: SQL text.
        Unless ``keep_default``, the DEFAULT is dropped once the existing
        rows have their values.
        """
        return operations.invoke(cls(table_name, column_name, type_, default, keep_default, schema))


@Operations.register_operation("add_column_with_policy")
class AddColumnWithPolicyOp(MigrateOperation):
    """Add a NOT NULL column with a named default policy."""

    def __init__(self, table_name, column_name, policy, schema=None):
        self.table_name = table_name
        self.column_name = column_name
        self.policy = policy
        self.schema = schema

    @classmethod
    def add_column_with_policy(cls, operations, table_name, column_name, policy, schema=None):
        """Add a NOT NULL column through ``add_column_with_policy()``."""
        return operations.invoke(cls(table_name, column_name, policy, schema))


@Operations.implementation_for(AddColumnWithDefaultOp)
def _add_column_with_default(operations, operation):
    call = sql.add_column_with_default(
        sql.qualified_name(operation.table_name, operation.schema),
        operation.column_name,
        _type_text(operation.type_, operations.impl.dialect),
        _default_text(operation.default),
        operation.keep_default,
    )
    return _run(operations, call)


@Operations.implementation_for(AddColumnWithPolicyOp)
def _add_column_with_policy(operations, operation):
    call = sql.add_column_with_policy(
        sql.qualified_name(operation.table_name, operation.schema),
        operation.column_name,
        operation.policy,
    )
    return _run(operations, call)
