"""defaults_policy.alembic against Alembic, SQLAlchemy and the test cluster.

The environment is test/clients/alembic; every alembic command runs as the
migrating role dp_migrator (no superuser), in databases copied from the
template of the README's recipe.  Online: 0001, 1,000 rows in each table,
0002 and 0003 (op.add_column_with_default, op.add_column_with_policy) up,
autogenerate, down to base and up again.  Offline: the same revisions as
``alembic upgrade --sql`` prints them, through psql, into a fresh database.
"""

import json
import os
import sys
import time
import unittest

import support

ALEMBIC_DIR = os.path.join(support.HERE, "alembic")
DB = "dp_alembic"  # online
DB_SQL = "dp_alembic_sql"  # offline: upgrade --sql through psql
ROWS = 1000


# (audit table name, regclass text, column, expression audited, default kept)
COLUMNS = [
    ("public.orders", "orders", "public_id", "gen_random_uuid()", None),
    ("public.orders", "orders", "placed_at", "now()", None),
    ("public.orders", "orders", "currency", "'eur'::character varying", None),
    ("public.orders", "orders", "updated_at", "now()", "now()"),
    ("public.orders", "orders", "created_on", "now()", "now()"),
    ('public."Customers"', '"Customers"', "score", "0", None),
    ("public.orders", "orders", "note", """'it''s 50% off: :word \\o/ "quoted" $$ %(x)s'::text""", None),
    (
        "public.orders",
        "orders",
        "attrs",
        """'{"note": "it''s 50% off: :word", "path": "C:\\\\temp"}'::jsonb""",
        None,
    ),
]
TABLES = ["orders", "Customers"]


def alembic(*args, db=DB, check=True, **env):
    """alembic ARGS as the migrating role; the libpq variables fill the URL in."""
    return support.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ALEMBIC_DIR,
        env=support.role_env(ALEMBIC_URL="postgresql+psycopg2:///%s" % db, **env),
        check=check,
    )


def seed(db):
    support.seed(db, '"Customers"', "orders", ROWS)


def migrated_values(db):
    return support.query(
        db,
        "SELECT count(*), count(DISTINCT public_id), count(DISTINCT placed_at), "
        "count(DISTINCT (currency, note, attrs::text)), min(currency), min(note), min(attrs::text), "
        '(SELECT sum(score) FROM "Customers") FROM orders',
    )[0]


class AlembicTest(unittest.TestCase):
    figures = []

    @classmethod
    def setUpClass(cls):
        support.set_up_cluster()
        for db in (DB, DB_SQL):
            support.create_database(db)
        alembic("upgrade", "0001")
        seed(DB)

    def test_01_lock_settings_through_pgoptions(self):
        seconds, proc = support.run_blocked(
            DB,
            "orders",
            lambda: alembic(
                "upgrade",
                "head",
                check=False,
                PGOPTIONS="-c defaults_policy.lock_timeout=100 -c defaults_policy.lock_retries=0",
            ),
        )
        support.check_lock_refused(self, seconds, proc, "orders", "1 attempt")
        self.assertEqual(support.value(DB, "SELECT version_num FROM alembic_version"), "0001")
        self.assertEqual(support.column_state(DB, "orders", "public_id"), [])

    def test_02_upgrade_online(self):
        seconds, _ = alembic("upgrade", "head")
        self.figures.append("alembic upgrade head over %d rows: %.2f s" % (ROWS, seconds))
        rows, uuids, placed_at, constants, currency, note, attrs, score = migrated_values(DB)
        self.assertEqual((rows, uuids, placed_at, constants), (ROWS, ROWS, 1, 1))
        self.assertEqual((currency, note, json.loads(attrs), score), ("eur", support.NOTE, support.ATTRS, 0))
        self.figures.append("%d rows, %d distinct public_id" % (rows, uuids))

    def test_03_one_audit_row_each_not_null_default_dropped(self):
        support.check_added_columns(self, DB, COLUMNS)
        self.assertEqual(support.add_column_audit(DB, "public.orders", "created_on")[0][2], "created_on")

    def test_04_upgrade_sql_through_psql_gives_the_same(self):
        _, first = alembic("upgrade", "0001", "--sql", db=DB_SQL)
        _, rest = alembic("upgrade", "0001:head", "--sql", db=DB_SQL)
        text = rest.stdout
        self.assertIn(
            "SELECT add_column_with_default('\"orders\"', 'public_id', 'UUID', 'gen_random_uuid()', false);",
            text,
        )
        self.assertIn("SELECT add_column_with_policy('\"orders\"', 'created_on', 'created_on');", text)
        self.assertIn(
            "SELECT add_column_with_default('\"public\".\"Customers\"', 'score', 'INTEGER', '0', false);",
            text,
        )
        self.assertIn("""E'''it''''s 50% off: :word \\\\o/ "quoted" $$ %(x)s''', false);""", text)
        self.assertNotIn("%%", text)
        support.psql(first.stdout, DB_SQL, role=True)
        seed(DB_SQL)
        start = time.monotonic()
        support.psql(text, DB_SQL, role=True)
        self.figures.append(
            "upgrade --sql through psql over %d rows: %.2f s" % (ROWS, time.monotonic() - start)
        )
        self.assertEqual(support.schema_shape(DB_SQL, TABLES), support.schema_shape(DB, TABLES))
        self.assertEqual(migrated_values(DB_SQL)[:2], (ROWS, ROWS))
        self.assertEqual(migrated_values(DB_SQL)[2:], migrated_values(DB)[2:])
        for audit_table, _, column, expression, _ in COLUMNS:
            self.assertEqual(support.add_column_audit(DB_SQL, audit_table, column)[0][0], expression)
        self.assertEqual(support.value(DB_SQL, "SELECT version_num FROM alembic_version"), "0003")

    def test_05_autogenerate_proposes_nothing(self):
        import warnings

        from alembic import command
        from alembic.autogenerate import compare_metadata
        from alembic.config import Config
        from alembic.migration import MigrationContext
        from sqlalchemy import create_engine

        import defaults_policy.alembic

        saved = dict(os.environ)
        os.environ.update(support.role_env(ALEMBIC_URL="postgresql+psycopg2:///%s" % DB))
        try:
            # env.py, with include_name
            config = Config(os.path.join(ALEMBIC_DIR, "alembic.ini"))
            proposals = config.attributes["autogenerate_proposals"] = []
            command.revision(config, message="check", autogenerate=True)
            # include_object, and no filter at all; reflecting the audit
            # table warns of its xid8 column (include_name reflects none)
            sys.path.insert(0, ALEMBIC_DIR)
            from models import metadata

            engine = create_engine(os.environ["ALEMBIC_URL"])
            with engine.connect() as conn, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                by_object = compare_metadata(
                    MigrationContext.configure(
                        conn, opts={"include_object": defaults_policy.alembic.include_object}
                    ),
                    metadata,
                )
                unfiltered = compare_metadata(MigrationContext.configure(conn), metadata)
            engine.dispose()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.assertEqual(proposals, [])
        self.assertEqual(by_object, [])
        dropped = sorted(d[1].name for d in unfiltered if d[0] == "remove_table")
        self.assertEqual(
            dropped,
            [
                "default_policy",
                "default_policy_allowlist_entries",
                "default_policy_allowlist_removed",
                "default_policy_audit",
                "default_policy_backfills",
            ],
        )
        self.assertEqual(len(unfiltered), len(dropped))

    def test_06_downgrade_online_and_offline(self):
        audit = support.value(DB, "SELECT count(*) FROM default_policy_audit")
        alembic("downgrade", "0001")
        for _, table, column, _, _ in COLUMNS:
            self.assertEqual(support.column_state(DB, table, column), [], column)
        alembic("downgrade", "base")
        self.assertEqual(
            support.value(DB, "SELECT count(*) FROM pg_class WHERE relname = ANY (%s)", (TABLES,)), 0
        )
        self.assertEqual(support.value(DB, "SELECT count(*) FROM default_policy_audit"), audit)
        # offline, through psql
        _, proc = alembic("downgrade", "head:base", "--sql", db=DB_SQL)
        support.psql(proc.stdout, DB_SQL, role=True)
        self.assertEqual(
            support.value(DB_SQL, "SELECT count(*) FROM pg_class WHERE relname = ANY (%s)", (TABLES,)), 0
        )
        # and up again, on empty tables
        alembic("upgrade", "head")
        self.assertEqual(support.column_state(DB, "orders", "public_id"), [(True, None)])

    @classmethod
    def tearDownClass(cls):
        for line in cls.figures:
            print("    alembic: " + line, file=sys.stderr)
        for db in (DB, DB_SQL):
            support.drop_database(db)


if __name__ == "__main__":
    unittest.main()
