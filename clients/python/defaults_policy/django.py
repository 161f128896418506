"""Django migration operations for defaults_policy.

``AddField`` is Django's ``AddField`` with the same model state, whose
column is added by the extension: ``add_column_with_policy`` when a policy
is named, else ``add_column_with_default`` with the field's own column type
and a SQL default.  Every existing row gets the default's value, computed
by the database (a ``gen_random_uuid()`` of its own for each row, where
Django's own ``AddField`` gives every row the one uuid it computed in
Python); the table lock is taken with short, retried waits; the change is
audited.  What Django makes besides the column (a UNIQUE constraint, an
index, a foreign key, a CHECK) is made after it by the schema editor, as
Django makes it.

``CreateExtension`` creates the extension if it is missing and does nothing
when reversed: the extension holds the audit trail, which a migration going
back must not drop.

On a database other than PostgreSQL both behave as Django's own
operations (``CreateExtension`` does nothing).
"""

import datetime
import uuid

from django.db import migrations, models, router
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.fields import FieldOperation
from django.utils import timezone

from . import sql

__all__ = ["AddField", "CreateExtension", "CALLABLE_DEFAULTS"]

# Python callables whose SQL counterpart gives each row its own value, as
# the callable gives each object.  Looked up by equality: a classmethod
# such as date.today is a new object at each access.
CALLABLE_DEFAULTS = {
    uuid.uuid4: "gen_random_uuid()",
    timezone.now: "now()",
    datetime.date.today: "CURRENT_DATE",
}

# auto_now / auto_now_add, which Django's AddField fills with the time of
# the migration
AUTO_NOW_DEFAULTS = {
    "DateTimeField": "now()",
    "DateField": "CURRENT_DATE",
}


class AddField(migrations.AddField):
    """Add a NOT NULL field through defaults_policy.

    ``policy``: the name of a default policy; the column gets the policy's
    type, default and ``keep_default``.  Else the column gets the field's
    own type and ``default_sql`` (SQL text) when given, or the SQL form of
    the field's default: ``uuid.uuid4`` is ``gen_random_uuid()``,
    ``django.utils.timezone.now`` is ``now()``, ``datetime.date.today`` is
    ``CURRENT_DATE``, a constant is a literal of the field's type.  The
    DEFAULT is then dropped, as Django drops it.
    """

    def __init__(self, model_name, name, field, policy=None, default_sql=None, preserve_default=True):
        if policy is not None and default_sql is not None:
            raise ValueError("AddField takes policy or default_sql, not both")
        self.policy = policy
        self.default_sql = default_sql
        super().__init__(model_name, name, field, preserve_default=preserve_default)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        if self.policy is not None:
            kwargs["policy"] = self.policy
        if self.default_sql is not None:
            kwargs["default_sql"] = self.default_sql
        return name, args, kwargs

    def describe(self):
        return "Add field %s to %s through defaults_policy" % (self.name, self.model_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        to_model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, to_model):
            return
        field = to_model._meta.get_field(self.name)
        column_type = self._column_type(field, schema_editor.connection)
        table = schema_editor.quote_name(to_model._meta.db_table)
        if self.policy is not None:
            call = sql.add_column_with_policy(table, field.column, self.policy)
        else:
            call = sql.add_column_with_default(
                table, field.column, column_type, self._expression(field, schema_editor)
            )
        if schema_editor.collect_sql:
            # printed to be run as it is: no parameters, no % formatting
            schema_editor.execute(call.rendered(), params=None)
        else:
            schema_editor.execute(call.template(lambda i: "%s"), call.args)
        # the rest of the field (unique, index, foreign key, check), from the
        # column the extension left
        schema_editor.alter_field(to_model, _Column(field, column_type), field)

    # database_backwards is Django's: it drops the column.

    def reduce(self, operation, app_label):
        if isinstance(operation, FieldOperation) and self.is_same_field_operation(operation):
            if isinstance(operation, migrations.RemoveField):
                return []
            if isinstance(operation, migrations.RenameField):
                return [
                    self.__class__(
                        self.model_name,
                        operation.new_name,
                        self.field,
                        policy=self.policy,
                        default_sql=self.default_sql,
                        preserve_default=self.preserve_default,
                    )
                ]
            # an AlterField keeps its own step: the rows were filled from
            # this field's default, not the altered one's
            return False
        return super().reduce(operation, app_label)

    def _refuse(self, field, why, hint):
        return ValueError(
            "cannot add field %s.%s through defaults_policy: %s. %s"
            % (self.model_name, field.name, why, hint)
        )

    def _column_type(self, field, connection):
        if field.many_to_many:
            raise self._refuse(field, "it has no column of its own", "Use django.db.migrations.AddField.")
        if field.primary_key:
            raise self._refuse(field, "it is a primary key", "Use django.db.migrations.AddField.")
        if field.null:
            raise self._refuse(
                field,
                "it is nullable, and the extension adds NOT NULL columns",
                "Use django.db.migrations.AddField, which adds a nullable column without rewriting the table.",
            )
        column_type = field.db_type(connection)
        if column_type is None:
            raise self._refuse(field, "it has no database type", "Use django.db.migrations.AddField.")
        return column_type

    def _expression(self, field, schema_editor):
        """The SQL default: default_sql, or the field default's SQL form."""
        if self.default_sql is not None:
            return self.default_sql
        hint = (
            "Give the SQL default with default_sql='...' (for example "
            "default_sql='gen_random_uuid()'), or name a default policy with policy='...'."
        )
        # the operation's own field: it holds the one-off default of
        # preserve_default=False, which the model state has not
        default = self.field.default
        if default is models.NOT_PROVIDED:
            auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            if auto and field.get_internal_type() in AUTO_NOW_DEFAULTS:
                return AUTO_NOW_DEFAULTS[field.get_internal_type()]
            if field.blank and field.empty_strings_allowed and field.get_internal_type() != "BinaryField":
                default = ""  # what Django's AddField fills a blank field with
            else:
                raise self._refuse(field, "it has no default", hint)
        if callable(default):
            try:
                return CALLABLE_DEFAULTS[default]
            except (KeyError, TypeError):
                name = "%s.%s" % (
                    getattr(default, "__module__", None) or "?",
                    getattr(default, "__qualname__", None) or type(default).__qualname__,
                )
                raise self._refuse(
                    field, "its default %s is a Python callable with no SQL counterpart" % name, hint
                ) from None
        value = field.get_db_prep_save(default, schema_editor.connection)
        if value is None:
            raise self._refuse(field, "its default is NULL", hint)
        if isinstance(value, str):
            return sql.literal(value)
        # the backend's literal of the prepared value (a number, a uuid, a
        # date, an array); only strings get their % doubled there
        return schema_editor.quote_value(value)


class _Column(models.Field):
    """The column as the extension leaves it: the field's type, NOT NULL.

    The "old" field of the ``alter_field`` that makes the rest of the new
    field: no unique constraint, no index, no foreign key, no check.
    """

    def __init__(self, field, column_type):
        super().__init__(name=field.name, db_column=field.column)
        self.set_attributes_from_name(field.name)
        self._column_type = column_type

    def db_type(self, connection):
        return self._column_type


class CreateExtension(Operation):
    """``CREATE EXTENSION IF NOT EXISTS defaults_policy``; reversed, nothing.

    The extension holds the audit trail: going back never drops it.
    """

    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        if not router.allow_migrate(schema_editor.connection.alias, app_label):
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS defaults_policy", params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return "Create extension defaults_policy if missing (kept when reversed)"

    @property
    def migration_name_fragment(self):
        return "create_extension_defaults_policy"
