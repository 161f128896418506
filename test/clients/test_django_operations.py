"""defaults_policy.django's operations in this process, against Django's own machinery.

What makemigrations and squashmigrations do with the operations (the
migration writer, the optimizer), the SQL default of each kind of field
default (and that the extension takes it as a valid default of the column
type), and what is refused.  The writer and the schema editor need no
database here (sqlmigrate's collect_sql, no transaction); check_default
runs in a copy of the template.
"""

import datetime
import decimal
import os
import sys
import unittest
import uuid

import support

DJANGO_DIR = os.path.join(support.HERE, "django")
DB = "dp_django_operations"


def setUpModule():
    if DJANGO_DIR not in sys.path:
        sys.path.insert(0, DJANGO_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()


def deconstructed(value):
    """A comparable form of a deconstruct() result: fields by their own deconstruct()."""
    from django.db import models

    if isinstance(value, models.Field):
        return ("field",) + deconstructed(value.deconstruct()[1:])
    if isinstance(value, (list, tuple)):
        return tuple(deconstructed(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, deconstructed(v)) for k, v in value.items()))
    return value


class DjangoOperationsTest(unittest.TestCase):
    def loader(self):
        from django.db.migrations.loader import MigrationLoader

        return MigrationLoader(None, ignore_no_migrations=True)

    def states(self, operation):
        """The project states before and after ``operation``, on top of 0001."""
        from_state = self.loader().project_state(("shop", "0001_initial"))
        to_state = from_state.clone()
        operation.state_forwards("shop", to_state)
        return from_state, to_state

    def collected(self, operation):
        """What sqlmigrate prints for ``operation``."""
        from django.db import connection

        from_state, to_state = self.states(operation)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            operation.database_forwards("shop", editor, from_state, to_state)
        return editor.collected_sql

    def test_writer_round_trip(self):
        from django.db.migrations.writer import MigrationWriter

        loader = self.loader()
        for name in ("0001_initial", "0002_order_columns", "0003_order_literals"):
            with self.subTest(migration=name):
                migration = loader.get_migration("shop", name)
                text = MigrationWriter(migration).as_string()
                self.assertIn("import defaults_policy.django\n", text)
                namespace = {}
                exec(compile(text, name, "exec"), namespace)
                written = namespace["Migration"](name, "shop")
                self.assertEqual(
                    [deconstructed(o.deconstruct()) for o in written.operations],
                    [deconstructed(o.deconstruct()) for o in migration.operations],
                )
                self.assertEqual(
                    [type(o) for o in written.operations], [type(o) for o in migration.operations]
                )

    def test_optimizer(self):
        from django.db import migrations, models
        from django.db.migrations.optimizer import MigrationOptimizer

        import defaults_policy.django as dp

        add = dp.AddField("order", "created_on", models.DateTimeField(), policy="created_on")
        optimize = MigrationOptimizer().optimize
        self.assertEqual(optimize([add, migrations.RemoveField("order", "created_on")], "shop"), [])
        altered = [add, migrations.AlterField("order", "created_on", models.DateTimeField(null=True))]
        self.assertEqual(optimize(altered, "shop"), altered)
        (renamed,) = optimize([add, migrations.RenameField("order", "created_on", "made_on")], "shop")
        self.assertIs(type(renamed), dp.AddField)
        self.assertEqual((renamed.name, renamed.policy), ("made_on", "created_on"))

    def test_sql_default_of_each_kind(self):
        from django.db import connection, models

        import defaults_policy.django as dp

        cases = [
            (models.UUIDField(default=uuid.uuid4), "gen_random_uuid()"),
            (models.DateTimeField(auto_now_add=True), "now()"),
            (models.DateField(auto_now=True), "CURRENT_DATE"),
            (models.CharField(max_length=10, blank=True), "''"),
            (models.DecimalField(max_digits=6, decimal_places=2, default=decimal.Decimal("9.99")), "9.99"),
            (models.BooleanField(default=True), "true"),
            (models.DateField(default=datetime.date(2024, 2, 29)), "'2024-02-29'::date"),
            (
                models.UUIDField(default=uuid.UUID("4b0b5a4e-7f3c-4c4b-9c3e-1c2d3e4f5a6b")),
                "'4b0b5a4e-7f3c-4c4b-9c3e-1c2d3e4f5a6b'::uuid",
            ),
            (models.JSONField(default={"a": "50%: :b"}), """'{"a": "50%: :b"}'"""),
            (models.TextField(default="back\\slash 'q' 100%"), """E'back\\\\slash ''q'' 100%'"""),
        ]
        support.set_up_cluster()
        support.create_database(DB)
        try:
            for field, expression in cases:
                with self.subTest(field=field.deconstruct()[1]):
                    operation = dp.AddField("order", "extra", field)
                    (statement,) = [s for s in self.collected(operation) if "add_column_with_default" in s]
                    column_type = field.db_type(connection)
                    call = "SELECT add_column_with_default('\"shop_order\"', 'extra', %s, %s, false);" % (
                        dp.sql.literal(column_type),
                        dp.sql.literal(expression),
                    )
                    self.assertEqual(statement, call)
                    valid, _ = support.query(
                        DB, "SELECT valid, kind FROM check_default(%s, %s)", (expression, column_type)
                    )[0]
                    self.assertTrue(valid, (expression, column_type))
        finally:
            support.drop_database(DB)

    def test_refused(self):
        from django.db import models

        import defaults_policy.django as dp

        def mine():
            return 1

        cases = [
            (
                models.JSONField(default=dict),
                "its default builtins.dict is a Python callable with no SQL counterpart",
            ),
            (
                models.IntegerField(default=mine),
                "its default %s.%s is a Python callable" % (__name__, mine.__qualname__),
            ),
            (models.IntegerField(), "it has no default"),
            (models.UUIDField(default=uuid.uuid4, null=True), "it is nullable"),
        ]
        for field, why in cases:
            with self.subTest(why=why):
                with self.assertRaises(ValueError) as raised:
                    self.collected(dp.AddField("order", "extra", field))
                self.assertIn(
                    "cannot add field order.extra through defaults_policy: " + why, str(raised.exception)
                )
                if "nullable" not in why:
                    self.assertIn("default_sql=", str(raised.exception))
                    self.assertIn("policy=", str(raised.exception))
        with self.assertRaises(ValueError):
            dp.AddField("order", "extra", models.IntegerField(), policy="p", default_sql="0")

    def test_create_extension(self):
        import defaults_policy.django as dp

        operation = dp.CreateExtension()
        self.assertEqual(operation.deconstruct(), ("CreateExtension", (), {}))
        self.assertEqual(self.collected(operation), ["CREATE EXTENSION IF NOT EXISTS defaults_policy;"])


if __name__ == "__main__":
    unittest.main()
