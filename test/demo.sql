-- make demo: defaults_policy at work on a table with real rows.
-- Errors shown here are part of the demo: each is a refusal the extension
-- makes on purpose.
\pset null '(null)'
\timing off

CREATE EXTENSION defaults_policy;

-- an orders table with a million rows
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
					 amount numeric(10,2) NOT NULL);
INSERT INTO orders (amount) SELECT (random() * 1000)::numeric(10,2)
FROM generate_series(1, 1000000);
ANALYZE orders;
SELECT count(*) AS orders, pg_size_pretty(pg_table_size('orders')) AS size FROM orders;

-- 1. Validation: is this a good default for that column type?
SELECT e.expression, e.column_type, d.valid, d.kind, d.rewrites, d.normalized
FROM (VALUES ('0', 'integer'),
			 ('''pending''', 'varchar(10)'),
			 ('1.5', 'numeric(10,2)'),
			 ('now()', 'timestamptz'),
			 ('CURRENT_DATE', 'date'),
			 ('now() + interval ''30 days''', 'timestamptz'),
			 ('gen_random_uuid()', 'uuid')) AS e(expression, column_type),
	 LATERAL check_default(e.expression, e.column_type) AS d;

-- 2. What it refuses, and why
SELECT e.expression, e.column_type, d.reason
FROM (VALUES ('random()', 'float8'),
			 ('''now''', 'timestamptz'),
			 ('NULL', 'integer'),
			 ('''too long''', 'varchar(3)'),
			 ('(SELECT max(amount) FROM orders)', 'numeric'),
			 ('amount * 2', 'numeric'),
			 ('1; DROP TABLE orders', 'integer'),
			 ('0', 'no_such_type')) AS e(expression, column_type),
	 LATERAL check_default(e.expression, e.column_type) AS d;

-- 2b. The defaults already in the database, made by plain DDL
CREATE TABLE legacy (id serial, made timestamptz DEFAULT now(), lucky float8 DEFAULT random(),
					 code varchar(2) DEFAULT 'abc');
SELECT table_name, column_name, expression, kind, reason FROM check_schema_defaults('public');

-- 3. Named policies that migrations refer to
SELECT name, column_type, expression, kind, keep_default
FROM create_default_policy('created_on', 'timestamptz', 'now()', keep_default => true,
						   description => 'when the row was made');
SELECT name, column_type, expression, kind, keep_default
FROM create_default_policy('public_id', 'uuid', 'gen_random_uuid()');
SELECT name, column_type, expression, kind, keep_default
FROM create_default_policy('score', 'integer', '0');
SELECT create_default_policy('lucky', 'float8', 'random()');
SELECT default_policy_value('score') AS score_now;

-- 4. The dry run, then the real thing: a static default is instant on a
--    million rows (PostgreSQL's fast default, no rewrite) ...
SELECT step, statement, rewrites, note FROM explain_add_column('orders', 'score', 'integer', '0');
\timing on
SELECT action, column_name, kind, rewrote, detail FROM add_column_with_policy('orders', 'score', 'score');
SELECT action, column_name, kind, kept_default, rewrote FROM add_column_with_policy('orders', 'created_on', 'created_on');
-- ... while a volatile default rewrites the table once, giving every row its own value
SELECT action, column_name, kind, rewrote, detail FROM add_column_with_policy('orders', 'public_id', 'public_id');
\timing off
SELECT count(*) AS rows, count(DISTINCT public_id) AS distinct_ids, min(score), max(score)
FROM orders;
\d orders

-- 5. Bounded lock waits: how long the column functions may wait
SHOW defaults_policy.lock_timeout;
SHOW defaults_policy.lock_retries;

-- 6. The audit trail: every change, who made it, and what happened
SELECT id, action, table_name, column_name, policy_name, expression, kind,
	   kept_default, rewrote, current_user_name
FROM default_policy_audit ORDER BY id;

-- 7. The allowlist: functions a dynamic default may call
SELECT function, description FROM default_policy_allowlist ORDER BY function::text;

-- 8. A default is never a way in.  A plain role owns a domain whose CHECK
--    calls her own function, which would make her a superuser if a
--    superuser ran it.  Validation proves the type unsafe from the catalog
--    and never reads her literal: she stays a plain role.
CREATE ROLE mallory LOGIN;
CREATE SCHEMA m AUTHORIZATION mallory;
SET ROLE mallory;
CREATE FUNCTION m.p(integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
		EXECUTE 'ALTER ROLE mallory SUPERUSER';
	END IF;
	RETURN true;
END $$;
CREATE DOMAIN m.d AS integer CHECK (m.p(VALUE));
CREATE TABLE m.t (a m.d[] DEFAULT '{1}');
RESET ROLE;
SELECT table_name, column_name, valid, reason FROM check_schema_defaults('m');
SELECT valid, reason FROM check_default('''{1}''::m.d[]', 'integer[]');
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'mallory';

-- 9. Enforcement: plain DDL meets the same rules (defaults_policy.enforce).
--    Under warn, the default, Django's AddField(default=uuid.uuid4) is
--    caught: the uuid was computed once, so every row gets the same one.
SHOW defaults_policy.enforce;
ALTER TABLE orders ADD COLUMN django_id uuid DEFAULT '4b0b5a4e-7f3c-4c4b-9c3e-1c2d3e4f5a6b'::uuid NOT NULL;
ALTER TABLE orders ALTER COLUMN django_id DROP DEFAULT;
SELECT count(DISTINCT django_id) AS distinct_django_ids FROM orders;
--    Under error, a non-conforming default is refused before any work:
--    no column, no rewrite of the million rows
SET defaults_policy.enforce = error;
SELECT relfilenode AS orders_file FROM pg_class WHERE relname = 'orders' \gset
ALTER TABLE orders ADD COLUMN lucky float8 NOT NULL DEFAULT random();
SELECT count(*) AS lucky_columns FROM pg_attribute
WHERE attrelid = 'orders'::regclass AND attname = 'lucky';
SELECT relfilenode = :orders_file AS orders_not_rewritten FROM pg_class WHERE relname = 'orders';
--    and a rewrite of a table larger than max_rewrite_size is refused too
SET defaults_policy.max_rewrite_size = '10MB';
ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
RESET defaults_policy.max_rewrite_size;
RESET defaults_policy.enforce;
--    every default made by plain DDL is in the audit trail
SELECT id, table_name, column_name, expression, kind, detail->>'source' AS source,
	   detail->>'warning' AS warning
FROM default_policy_audit WHERE action = 'ddl_default' ORDER BY id;

-- 10. The online path: a volatile default on a table of a million rows,
--     while other sessions keep inserting and updating (a shell loop in the
--     background).  Only two short catalog changes take a strong lock; the
--     rows are filled in committed batches, watched from the view.
\! (for i in $(seq 1 200); do psql -X -q -c "INSERT INTO orders (amount, score, public_id, django_id) VALUES (1.00, 0, gen_random_uuid(), gen_random_uuid())" -c "UPDATE orders SET amount = amount + 1 WHERE id = 1 + (random() * 999999)::int"; done) >/dev/null 2>&1 &
SET defaults_policy.batch_target = 100;
\timing on
CALL add_column_with_default_concurrently('orders', 'token', 'uuid', 'gen_random_uuid()', batch_size => 50000);
\timing off
SELECT table_name, column_name, phase, rows_done, rows_estimated, throttled FROM default_policy_backfill;
SELECT count(*) AS rows, count(DISTINCT token) AS distinct_tokens FROM orders;
SELECT id, action, column_name, detail->>'path' AS path, detail->>'rows' AS rows,
	   detail->>'batches' AS batches, detail->>'rows_per_second' AS rows_per_second
FROM default_policy_audit WHERE column_name = 'token' ORDER BY id;
\d orders
