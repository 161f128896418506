"""SQL text for the calls the migration-tool operations make.

Two forms of one call: a template with one placeholder per argument, for a
driver that passes the values apart from the SQL (online migrations), and
the statement with every value written as a literal, for SQL that is printed
to be run later (Django's ``sqlmigrate``, Alembic's ``--sql``).

The literals are built here, never by the migration tools' own quoting:
Django's ``quote_value`` doubles ``%`` for a later ``%`` formatting that a
printed script never gets, and a SQLAlchemy ``text()`` takes ``:word``
inside a literal for a bind parameter.  A literal from ``literal()`` means
the same under either setting of ``standard_conforming_strings``: a string
without a backslash is ``'...'`` with its quotes doubled; one with a
backslash is ``E'...'`` with its quotes and backslashes doubled (what
PostgreSQL's own ``quote_literal()`` does).  ``%`` and ``:`` are ordinary
characters in both.
"""

__all__ = ["Call", "identifier", "literal", "qualified_name"]


def literal(value):
    """Return a SQL literal for ``value``: a str, a bool or None."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        raise TypeError("cannot write a %s as a SQL literal" % type(value).__name__)
    if "\x00" in value:
        raise ValueError("a PostgreSQL string cannot hold the character NUL")
    body = value.replace("'", "''")
    if "\\" in value:
        return "E'" + body.replace("\\", "\\\\") + "'"
    return "'" + body + "'"


def identifier(name):
    """Return ``name`` as a quoted identifier, case and all."""
    if not name:
        raise ValueError("an identifier cannot be empty")
    if "\x00" in name:
        raise ValueError("an identifier cannot hold the character NUL")
    return '"' + name.replace('"', '""') + '"'


def qualified_name(name, schema=None):
    """The text a ``regclass`` argument reads as exactly this table.

    Both parts are quoted, so that a mixed-case name keeps its case; without
    a schema the table is found through ``search_path``, as a migration
    tool's own DDL finds it.
    """
    if schema is None:
        return identifier(name)
    return identifier(schema) + "." + identifier(name)


class Call:
    """``SELECT function(arg, ...)`` for one of the extension's functions.

    ``args`` are the values in the function's order: strings and booleans.
    The function name is written unqualified: it is found through
    ``search_path``, like the extension's functions in its documentation.
    """

    def __init__(self, function, *args):
        self.function = function
        self.args = args

    def template(self, placeholder):
        """The statement with ``placeholder(i)`` for the i-th argument."""
        marks = ", ".join(placeholder(i) for i in range(len(self.args)))
        return "SELECT %s(%s)" % (self.function, marks)

    def rendered(self):
        """The statement with every argument written as a literal."""
        return "SELECT %s(%s)" % (self.function, ", ".join(literal(a) for a in self.args))

    def __repr__(self):
        return self.rendered()


def add_column_with_default(table, column, column_type, expression, keep_default=False):
    """The call of ``add_column_with_default``; ``table`` as from ``qualified_name``."""
    return Call("add_column_with_default", table, column, column_type, expression, bool(keep_default))


def add_column_with_policy(table, column, policy):
    """The call of ``add_column_with_policy``; ``table`` as from ``qualified_name``."""
    return Call("add_column_with_policy", table, column, policy)
