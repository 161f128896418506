"""The README's psql snippet, and the statement of its Piccolo snippet.

Piccolo is not packaged by Debian: its snippet is not run, but the SQL it
sends is.  Piccolo's ``RawTable.raw()`` turns each ``{}`` into ``$1``,
``$2``, ... and asyncpg sends them as parameters whose types the server
infers; here the same statement is prepared with untyped parameters.
"""

import os
import re
import unittest

import support

DB = "dp_psql"
ROWS = 1000


class PsqlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        support.set_up_cluster()
        support.create_database(DB)
        support.psql(
            'CREATE TABLE "Invoice" (id bigint PRIMARY KEY);\n'
            'INSERT INTO "Invoice" SELECT generate_series(1, %d);\n' % ROWS,
            DB,
            role=True,
        )

    def test_1_psql_snippet(self):
        support.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB, "-f", "psql/add_columns.sql"],
            cwd=support.HERE,
            env=support.role_env(),
        )
        self.assertEqual(
            support.query(
                DB, 'SELECT count(*), count(DISTINCT public_id), min(currency), max(currency) FROM "Invoice"'
            ),
            [(ROWS, ROWS, "EUR", "EUR")],
        )
        for column, default in (("currency", None), ("public_id", None), ("created_on", "now()")):
            self.assertEqual(len(support.add_column_audit(DB, 'public."Invoice"', column)), 1)
            self.assertEqual(support.column_state(DB, '"Invoice"', column), [(True, default)])

    def test_2_piccolo_statement(self):
        with open(os.path.join(support.TOP, "README.md"), encoding="utf-8") as f:
            statement = re.search(r'^ADD = "(SELECT add_column_with_default\(.*\))"$', f.read(), re.M).group(
                1
            )
        numbers = iter(range(1, 100))
        statement = re.sub(r"\{\}", lambda m: "$%d" % next(numbers), statement)
        support.psql(
            "PREPARE piccolo_add AS %s;\n"
            "EXECUTE piccolo_add('\"Invoice\"', 'note', 'text', $$'50%% off: :word'$$, true);\n" % statement,
            DB,
            role=True,
        )
        self.assertEqual(support.query(DB, 'SELECT DISTINCT note FROM "Invoice"'), [("50% off: :word",)])
        self.assertEqual(support.column_state(DB, '"Invoice"', "note"), [(True, "'50% off: :word'::text")])

    @classmethod
    def tearDownClass(cls):
        support.drop_database(DB)


if __name__ == "__main__":
    unittest.main()
