"""defaults_policy.django against Django and the test cluster.

The project is test/clients/django; every manage.py command runs as the
migrating role dp_migrator (no superuser), in databases copied from the
template of the README's recipe.  The steps build on each other, in the
order of their names: 0001 (CreateExtension, two tables), 1,000 rows in
each, then 0002 and 0003 (defaults_policy.django.AddField) forward, their
sqlmigrate output replayed through psql, makemigrations --check, manage.py
test, and back to 0001 and to zero.
"""

import json
import os
import subprocess
import sys
import threading
import time
import unittest

import support

DJANGO_DIR = os.path.join(support.HERE, "django")
DB = "dp_django"  # migrated by manage.py migrate
DB_PSQL = "dp_django_psql"  # the same migrations, as sqlmigrate prints them, through psql
DB_BARE = "dp_django_bare"  # no extension: CreateExtension makes it
ROWS = 1000


# (audit table name, regclass text, column, expression audited, DEFAULT
# kept): every column that 0002 and 0003 add
COLUMNS = [
    ("public.shop_order", "shop_order", "public_id", "gen_random_uuid()", None),
    ("public.shop_order", "shop_order", "placed_at", "now()", None),
    ("public.shop_order", "shop_order", "placed_on", "CURRENT_DATE", None),
    ("public.shop_order", "shop_order", "currency", "'eur'::character varying", None),
    ("public.shop_order", "shop_order", "created_on", "now()", "now()"),
    ('public."ShopCustomer"', '"ShopCustomer"', "token", "gen_random_uuid()", None),
    ('public."ShopCustomer"', '"ShopCustomer"', "score", "0", None),
    (
        "public.shop_order",
        "shop_order",
        "note",
        """'it''s 50% off: :word \\o/ "quoted" $$ %(x)s'::character varying""",
        None,
    ),
    (
        "public.shop_order",
        "shop_order",
        "attrs",
        """'{"note": "it''s 50% off: :word", "path": "C:\\\\temp"}'::jsonb""",
        None,
    ),
    ("public.shop_order", "shop_order", "quantity", "1", None),
    ("public.shop_order", "shop_order", "customer_id", "1", None),
]
TABLES = ["shop_order", "ShopCustomer"]


def manage(*args, db=DB, check=True, user=None, **env):
    """python3 manage.py ARGS as the migrating role (or ``user``, the superuser)."""
    settings = {
        "DJANGO_DB_NAME": db,
        "DJANGO_DB_USER": user or support.ROLE,
        "DJANGO_DB_PASSWORD": os.environ.get("PGPASSWORD", "") if user else support.PASSWORD,
    }
    settings.update(env)
    return support.run(
        [sys.executable, "manage.py", *args], cwd=DJANGO_DIR, env=support.role_env(**settings), check=check
    )


def migrated_values(db):
    """What the rows hold after 0002 and 0003."""
    return support.query(
        db,
        "SELECT count(*), count(DISTINCT public_id), count(DISTINCT placed_at), "
        "bool_and(placed_on = CURRENT_DATE), count(DISTINCT (currency, note, attrs::text, quantity, customer_id)), "
        "min(currency), min(note), min(attrs::text), "
        '(SELECT count(DISTINCT token) FROM "ShopCustomer"), (SELECT sum(score) FROM "ShopCustomer") '
        "FROM shop_order",
    )[0]


class DjangoTest(unittest.TestCase):
    figures = []

    @classmethod
    def setUpClass(cls):
        support.set_up_cluster()
        for db in (DB, DB_PSQL):
            support.create_database(db)
            manage("migrate", "shop", "0001", db=db)
            support.seed(db, '"ShopCustomer"', "shop_order", ROWS)

    def test_01_sqlmigrate_prints_runnable_sql(self):
        _, out2 = manage("sqlmigrate", "shop", "0002")
        _, out3 = manage("sqlmigrate", "shop", "0003")
        type(self).sqlmigrate = out2.stdout + out3.stdout
        text = self.sqlmigrate
        self.assertIn(
            "SELECT add_column_with_default('\"shop_order\"', 'public_id', 'uuid', 'gen_random_uuid()', false);",
            text,
        )
        self.assertIn(
            "SELECT add_column_with_default('\"shop_order\"', 'currency', 'varchar(3)', '''eur''', false);",
            text,
        )
        self.assertIn("SELECT add_column_with_policy('\"shop_order\"', 'created_on', 'created_on');", text)
        self.assertIn(
            "SELECT add_column_with_default('\"ShopCustomer\"', 'score', 'integer', '0', false);", text
        )
        self.assertIn("""E'E''it''''s 50% off: :word \\\\\\\\o/ "quoted" $$ %(x)s''', false);""", text)
        self.assertNotIn("%%", text)
        # what Django makes besides the column, after it
        self.assertRegex(text, r'ADD CONSTRAINT "shop_order_public_id_[0-9a-f]+_uniq" UNIQUE \("public_id"\)')
        self.assertRegex(text, r'CHECK \("quantity" >= 0\)')
        self.assertRegex(text, r'FOREIGN KEY \("customer_id"\) REFERENCES "ShopCustomer" \("id"\)')

    def test_02_lock_settings_reach_the_extension(self):
        # OPTIONS of the connection: one attempt of 100 ms and one retry,
        # where the defaults (2000 ms, 5 retries) would wait 12 s and more
        seconds, proc = support.run_blocked(
            DB,
            "shop_order",
            lambda: manage(
                "migrate",
                "shop",
                "0002",
                check=False,
                DJANGO_DB_OPTIONS="-c defaults_policy.lock_timeout=100 -c defaults_policy.lock_retries=1",
            ),
        )
        support.check_lock_refused(self, seconds, proc, "shop_order", "2 attempts")
        # nothing changed
        self.assertEqual(support.column_state(DB, "shop_order", "public_id"), [])
        self.assertEqual(support.add_column_audit(DB, "public.shop_order", "public_id"), [])

    def test_03_readers_do_not_queue_behind_the_migration(self):
        # a reader holds ACCESS SHARE for 1.5 s; another one comes 0.5 s
        # after the migration started.  Behind a plain ALTER TABLE it waits
        # until the first one ends; behind the extension's retried short
        # waits it waits at most one attempt (100 ms)
        hold, late = 1.5, 0.5
        plain = {}
        blocker = support.Blocker(DB, "shop_order")
        alter = support.connect(DB, autocommit=False)
        queued = threading.Thread(
            target=alter.cursor().execute,
            args=("ALTER TABLE shop_order ADD COLUMN plain integer NOT NULL DEFAULT 0",),
        )
        queued.start()
        reader = support.timed_read(DB, "shop_order", late, plain)
        try:
            time.sleep(hold)
        finally:
            blocker.release()
        queued.join()
        alter.rollback()
        alter.close()
        reader.join()

        ours = {}
        blocker = support.Blocker(DB, "shop_order")
        options = "-c defaults_policy.lock_timeout=100 -c defaults_policy.lock_retries=30"
        env = support.role_env(
            DJANGO_DB_NAME=DB,
            DJANGO_DB_USER=support.ROLE,
            DJANGO_DB_PASSWORD=support.PASSWORD,
            DJANGO_DB_OPTIONS=options,
        )
        start = time.monotonic()
        migrate = subprocess.Popen(
            [sys.executable, "manage.py", "migrate"],
            cwd=DJANGO_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        reader = support.timed_read(DB, "shop_order", late + 0.3, ours)  # + manage.py's start
        try:
            time.sleep(hold)
        finally:
            blocker.release()
        released = time.monotonic()
        out, err = migrate.communicate(timeout=120)
        end = time.monotonic()
        reader.join()
        self.assertEqual(migrate.returncode, 0, err)
        self.assertIn("Applying shop.0003_order_literals... OK", out)
        self.assertGreater(plain["wait"], hold - late - 0.3)
        self.assertLess(ours["wait"], 0.5)
        self.figures.append(
            "migrate 0002+0003 over %d rows: %.2f s, %.2f s of it after a reader holding the table for %.1f s let go"
            % (ROWS, end - start, end - released, hold)
        )
        self.figures.append(
            "a reader coming meanwhile waited %.3f s (behind a plain ALTER TABLE: %.3f s)"
            % (ours["wait"], plain["wait"])
        )

    def test_04_every_row_gets_its_value(self):
        rows, uuids, placed_at, today, constants, currency, note, attrs, tokens, score = migrated_values(DB)
        self.assertEqual(rows, ROWS)
        self.assertEqual(uuids, ROWS)
        self.assertEqual(tokens, ROWS)
        self.assertEqual(placed_at, 1)  # now(): the migration's transaction time
        self.assertTrue(today)
        self.assertEqual(constants, 1)
        self.assertEqual(currency, "eur")
        self.assertEqual(note, support.NOTE)
        self.assertEqual(json.loads(attrs), support.ATTRS)
        self.assertEqual(score, 0)
        self.figures.append("%d rows: %d distinct public_id, %d distinct tokens" % (rows, uuids, tokens))

    def test_05_one_audit_row_each_not_null_default_dropped(self):
        support.check_added_columns(self, DB, COLUMNS)
        self.assertEqual(support.add_column_audit(DB, "public.shop_order", "created_on")[0][2], "created_on")
        self.assertEqual(
            support.add_column_audit(DB, "public.shop_order", "public_id")[0][3], True
        )  # rewrote

    def test_06_sqlmigrate_through_psql_gives_the_same(self):
        start = time.monotonic()
        support.psql(self.sqlmigrate, DB_PSQL, role=True)
        self.figures.append(
            "sqlmigrate 0002+0003 through psql over %d rows: %.2f s" % (ROWS, time.monotonic() - start)
        )
        self.assertEqual(support.schema_shape(DB_PSQL, TABLES), support.schema_shape(DB, TABLES))
        self.assertEqual(migrated_values(DB_PSQL)[:2], (ROWS, ROWS))
        self.assertEqual(migrated_values(DB_PSQL)[3:], migrated_values(DB)[3:])
        for audit_table, _, column, expression, _ in COLUMNS:
            self.assertEqual(support.add_column_audit(DB_PSQL, audit_table, column)[0][0], expression)

    def test_07_makemigrations_check_is_clean(self):
        _, proc = manage("makemigrations", "--check", "--dry-run")
        self.assertIn("No changes detected", proc.stdout)

    def test_08_manage_py_test_with_the_template(self):
        seconds, proc = manage("test", "--noinput", "shop")
        self.figures.append("manage.py test: %.2f s" % seconds)
        self.assertRegex(proc.stderr, r"Ran [1-9][0-9]* tests?")
        self.assertIn("\nOK", proc.stderr)

    def test_09_back_to_0001_and_to_zero(self):
        audit = support.value(DB, "SELECT count(*) FROM default_policy_audit")
        manage("migrate", "shop", "0001")
        for _, table, column, _, _ in COLUMNS:
            self.assertEqual(support.column_state(DB, table, column), [], column)
        manage("migrate", "shop", "zero")
        self.assertEqual(
            support.value(DB, "SELECT count(*) FROM pg_class WHERE relname = ANY (%s)", (TABLES,)), 0
        )
        # CreateExtension reversed did nothing: the extension and its audit are there
        self.assertEqual(support.value(DB, "SELECT count(*) FROM default_policy_audit"), audit)
        # and forward again, on empty tables
        manage("migrate", "shop")
        self.assertEqual(support.column_state(DB, "shop_order", "public_id"), [(True, None)])

    def test_10_create_extension(self):
        # a database without the extension, migrated by a superuser
        support.create_database(DB_BARE, template="template0")
        su = os.environ.get("PGUSER", "postgres")
        manage("migrate", "shop", "0001", db=DB_BARE, user=su)
        self.assertEqual(
            support.value(DB_BARE, "SELECT count(*) FROM pg_extension WHERE extname = 'defaults_policy'"), 1
        )
        _, proc = manage("sqlmigrate", "shop", "0001", db=DB_BARE, user=su)
        self.assertIn("CREATE EXTENSION IF NOT EXISTS defaults_policy;", proc.stdout)
        manage("migrate", "shop", "zero", db=DB_BARE, user=su)
        self.assertEqual(
            support.value(DB_BARE, "SELECT count(*) FROM pg_extension WHERE extname = 'defaults_policy'"), 1
        )

    @classmethod
    def tearDownClass(cls):
        for line in cls.figures:
            print("    django: " + line, file=sys.stderr)
        for db in (DB, DB_PSQL, DB_BARE):
            support.drop_database(db)


if __name__ == "__main__":
    unittest.main()
