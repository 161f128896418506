"""What the client tests share: the cluster's set-up, commands, catalog reads.

The tests run inside pg_virtualenv: the libpq variables (PGHOST, PGPORT,
PGUSER, PGPASSWORD) name a superuser of a throwaway cluster that has the
extension installed.  The set-up makes

- the role ``dp_migrator``: LOGIN, CREATEDB, no superuser; it owns the
  databases the migrations run in, so it owns the tables they make;
- the template ``template_defaults_policy`` (the README's recipe): the
  extension and the policy ``created_on``, copied into every database the
  tests make, including the one ``manage.py test`` makes.
"""

import os
import subprocess
import sys
import threading
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CLIENTS = os.path.join(TOP, "clients", "python")
if CLIENTS not in sys.path:
    sys.path.insert(0, CLIENTS)

ROLE = "dp_migrator"
PASSWORD = "dp_migrator secret"
TEMPLATE = "template_defaults_policy"

# What the note and attrs columns of both projects' literal migrations
# hold: quotes, %, :word and $$ inside literals, through every layer
NOTE = 'it\'s 50% off: :word \\o/ "quoted" $$ %(x)s'
ATTRS = {"note": "it's 50% off: :word", "path": "C:\\temp"}

# The template recipe of the README, as the superuser runs it in psql.
TEMPLATE_RECIPE = r"""
CREATE DATABASE template_defaults_policy;
\connect template_defaults_policy
CREATE EXTENSION defaults_policy;
SELECT name FROM create_default_policy('created_on', 'timestamptz', 'now()', keep_default => true);
\connect postgres
ALTER DATABASE template_defaults_policy IS_TEMPLATE true;
"""

_set_up = False


def connect(dbname="postgres", role=None, autocommit=True):
    """A connection as the superuser, or as ``role`` (the migrating role)."""
    # a test that waits on a lock fails instead of hanging
    kwargs = {"dbname": dbname, "options": "-c statement_timeout=60s"}
    if role is not None:
        kwargs.update(user=role, password=PASSWORD)
    conn = psycopg2.connect(**kwargs)
    conn.autocommit = autocommit
    return conn


def query(dbname, sql, params=None):
    """All rows of one statement, as the superuser."""
    with connect(dbname) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def value(dbname, sql, params=None):
    return query(dbname, sql, params)[0][0]


def set_up_cluster():
    """The role and the template; once per process, again on a rerun."""
    global _set_up
    if _set_up:
        return
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,))
    if not cur.fetchone():
        cur.execute("CREATE ROLE dp_migrator LOGIN CREATEDB PASSWORD %s", (PASSWORD,))
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,))
    if not cur.fetchone():
        psql(TEMPLATE_RECIPE, dbname="postgres")
    conn.close()
    _set_up = True


def create_database(name, template=TEMPLATE):
    """A database owned by the migrating role, copied from ``template``."""
    drop_database(name)
    conn = connect()
    cur = conn.cursor()
    cur.execute('CREATE DATABASE "%s" OWNER %s TEMPLATE "%s"' % (name, ROLE, template))
    conn.close()


def drop_database(name):
    conn = connect()
    conn.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    conn.close()


def role_env(**extra):
    """The environment of a command run as the migrating role."""
    env = dict(os.environ)
    env.update(
        PGUSER=ROLE,
        PGPASSWORD=PASSWORD,
        PYTHONPATH=CLIENTS,
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("PGOPTIONS", None)
    env.update(extra)
    return env


def run(args, cwd, env, check=True, timeout=180):
    """Run a command; return (seconds, CompletedProcess)."""
    start = time.monotonic()
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - start
    if check and proc.returncode != 0:
        raise AssertionError(
            "%s exited with %d\n--- stdout\n%s\n--- stderr\n%s"
            % (" ".join(args), proc.returncode, proc.stdout, proc.stderr)
        )
    return seconds, proc


def psql(script, dbname, role=None):
    """Run a script through psql (ON_ERROR_STOP), as the superuser or the role."""
    env = role_env() if role else dict(os.environ)
    proc = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dbname],
        input=script,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if proc.returncode != 0:
        raise AssertionError("psql exited with %d\n%s" % (proc.returncode, proc.stderr))
    return proc


# Tables and columns of the schema public (the extension's own left out),
# constraints and indexes: what two ways of migrating must leave alike.
SCHEMA_SHAPE = """
SELECT 'column', c.relname, a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
       || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
  AND c.relname = ANY (%(tables)s)
UNION ALL
SELECT 'constraint', conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint
WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text = ANY (%(quoted)s)
UNION ALL
SELECT 'index', tablename, indexdef
FROM pg_indexes
WHERE schemaname = 'public' AND tablename = ANY (%(tables)s)
ORDER BY 1, 2, 3
"""


def schema_shape(dbname, tables):
    quoted = [t if t.islower() else '"%s"' % t for t in tables]
    return query(dbname, SCHEMA_SHAPE, {"tables": list(tables), "quoted": quoted})


def add_column_audit(dbname, table, column):
    """The add_column audit rows of one column: (expression, kind, policy, rewrote, kept)."""
    return query(
        dbname,
        "SELECT expression, kind, policy_name, rewrote, kept_default FROM default_policy_audit "
        "WHERE action = 'add_column' AND table_name = %s AND column_name = %s ORDER BY id",
        (table, column),
    )


def column_state(dbname, table, column):
    """(NOT NULL, default expression or None) of a column."""
    return query(
        dbname,
        "SELECT a.attnotnull, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %s::regclass AND a.attname = %s AND NOT a.attisdropped",
        (table, column),
    )


def seed(dbname, customers, orders, rows):
    """``rows`` rows in each of the two tables the migrations add columns to."""
    psql(
        "INSERT INTO %s (name) SELECT 'customer ' || g FROM generate_series(1, %d) g;\n"
        "INSERT INTO %s (number) SELECT g FROM generate_series(1, %d) g;\n" % (customers, rows, orders, rows),
        dbname,
        role=True,
    )


def check_added_columns(test, dbname, columns):
    """Each column: one add_column audit row with its expression, NOT NULL, its DEFAULT or none.

    ``columns``: (audit table name, regclass text, column, expression, DEFAULT kept or None).
    """
    for audit_table, table, column, expression, kept in columns:
        with test.subTest(column=column):
            audit = add_column_audit(dbname, audit_table, column)
            test.assertEqual(len(audit), 1, audit)
            test.assertEqual(audit[0][0], expression)
            test.assertEqual(column_state(dbname, table, column), [(True, kept)])


def run_blocked(dbname, table, command):
    """``command()`` while another transaction holds ACCESS SHARE on ``table``."""
    blocker = Blocker(dbname, table)
    try:
        return command()
    finally:
        blocker.release()


def check_lock_refused(test, seconds, proc, table, attempts):
    """The command failed quickly: the extension gave up on its lock after ``attempts``."""
    test.assertNotEqual(proc.returncode, 0)
    test.assertIn('could not lock table "%s" after %s' % (table, attempts), proc.stderr)
    test.assertLess(seconds, 5)


class Blocker:
    """A transaction that holds ACCESS SHARE on a table: a long-running reader."""

    def __init__(self, dbname, table):
        self.conn = connect(dbname, autocommit=False)
        self.conn.cursor().execute("SELECT count(*) FROM %s" % table)

    def release(self):
        self.conn.rollback()
        self.conn.close()


def timed_read(dbname, table, delay, result):
    """After ``delay`` seconds, time one read of ``table`` into result["wait"]."""

    def read():
        time.sleep(delay)
        conn = connect(dbname)
        start = time.monotonic()
        conn.cursor().execute("SELECT count(*) FROM %s" % table)
        result["wait"] = time.monotonic() - start
        conn.close()

    thread = threading.Thread(target=read)
    thread.start()
    return thread
