-- make demo: defaults_policy at work on a table with real rows.
-- Errors shown here are part of the demo: each is a refusal the extension
-- makes on purpose.
\pset null '(null)'
\pset format aligned

CREATE EXTENSION defaults_policy;

-- an orders table with 100,000 rows
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
					 amount numeric(10,2) NOT NULL);
INSERT INTO orders (amount) SELECT (random() * 1000)::numeric(10,2)
FROM generate_series(1, 100000);
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

-- the table is untouched
SELECT count(*) AS orders_still_there FROM orders;

-- 3. The allowlist: functions a dynamic default may call
SELECT function, description FROM default_policy_allowlist ORDER BY function::text;
