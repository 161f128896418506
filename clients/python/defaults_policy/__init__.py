"""Migration-tool operations for the PostgreSQL extension defaults_policy.

- ``defaults_policy.django``: ``AddField`` (a drop-in for Django's, adding the
  column through ``add_column_with_default`` or ``add_column_with_policy``)
  and ``CreateExtension``.
- ``defaults_policy.alembic``: importing it registers
  ``op.add_column_with_default`` and ``op.add_column_with_policy``; its
  ``include_object`` and ``include_name`` keep the extension's tables out of
  autogenerate.

Each module needs only the tool it is used with; this package imports
neither.
"""

__version__ = "1.2.0"
