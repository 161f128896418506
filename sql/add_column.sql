--
-- add_column: add_column_with_default, add_column_with_policy,
-- set_column_default and explain_add_column
--
-- A NOT NULL column is added with a validated default inside the caller's
-- transaction (ADD COLUMN ... NOT NULL DEFAULT, then DROP DEFAULT unless
-- the default is kept), through ordinary ALTER TABLE statements.  The
-- function returns the audit row it wrote; "rewrote" is what happened.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'
SET client_min_messages = notice;

CREATE TABLE orders (id integer PRIMARY KEY, amount numeric(10,2));
INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 1000) AS g;

-- remember a table's storage, to see whether it was rewritten
CREATE TABLE filenodes (relname text PRIMARY KEY, filenode oid);
CREATE FUNCTION remember(rel regclass) RETURNS void LANGUAGE sql AS $$
	INSERT INTO filenodes VALUES (rel::text, pg_relation_filenode(rel))
	ON CONFLICT (relname) DO UPDATE SET filenode = excluded.filenode
$$;
CREATE FUNCTION was_rewritten(rel regclass) RETURNS boolean LANGUAGE sql AS $$
	SELECT filenode <> pg_relation_filenode(rel) FROM filenodes WHERE relname = rel::text
$$;
-- the column as the catalog has it
CREATE FUNCTION column_info(rel regclass, col name,
	OUT type text, OUT not_null boolean, OUT has_default boolean,
	OUT "default" text, OUT has_missing boolean)
LANGUAGE sql AS $$
	SELECT format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef,
		   pg_get_expr(d.adbin, d.adrelid), a.atthasmissing
	FROM pg_attribute AS a
	LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE a.attrelid = rel AND a.attname = col AND NOT a.attisdropped
$$;
CREATE FUNCTION audit_count() RETURNS bigint LANGUAGE sql
	AS 'SELECT count(*) FROM default_policy_audit';

--
-- A static default takes PostgreSQL's fast default: no rewrite, the value
-- is stored once in the catalog (atthasmissing), and the DEFAULT is dropped.
--
SELECT remember('orders');
SELECT action, table_name, column_name, column_type, expression, kind,
	   policy_name, kept_default, rewrote, detail
FROM add_column_with_default('orders', 'score', 'integer', '0');
SELECT was_rewritten('orders');
SELECT * FROM column_info('orders', 'score');
SELECT count(*), min(score), max(score) FROM orders;
-- later inserts must give a value: the default was dropped
INSERT INTO orders (id) VALUES (1001);

-- keep_default keeps it (Piccolo's hybrid)
SELECT action, kept_default, rewrote
FROM add_column_with_default('orders', 'status', 'varchar(10)', '''new''', keep_default => true);
SELECT * FROM column_info('orders', 'status');
INSERT INTO orders (id, score) VALUES (1001, 5);
SELECT status FROM orders WHERE id = 1001;

-- a stable default (now()) is not volatile: no rewrite, one value for all
SELECT action, kind, rewrote
FROM add_column_with_default('orders', 'created_on', 'timestamptz', 'now()');
SELECT was_rewritten('orders');
SELECT count(DISTINCT created_on) AS distinct_values FROM orders;

--
-- A volatile default rewrites the table once, and every existing row gets
-- its own value.
--
SELECT action, kind, rewrote, detail
FROM add_column_with_default('orders', 'public_id', 'uuid', 'gen_random_uuid()');
SELECT was_rewritten('orders');
SELECT count(*) = count(DISTINCT public_id) AS all_distinct FROM orders;
SELECT * FROM column_info('orders', 'public_id');

CREATE SEQUENCE order_no;
SELECT remember('orders');
SELECT action, rewrote FROM add_column_with_default('orders', 'no', 'bigint', 'nextval(''order_no'')');
SELECT was_rewritten('orders');
SELECT count(DISTINCT no), min(no), max(no) FROM orders;

-- a domain with a CHECK rewrites too: PostgreSQL's own rule
CREATE DOMAIN percent AS integer CHECK (VALUE BETWEEN 0 AND 100);
SELECT remember('orders');
SELECT action, kind, rewrote FROM add_column_with_default('orders', 'discount', 'percent', '10');
SELECT was_rewritten('orders');

--
-- add_column_with_policy uses a named policy and its keep_default.
--
SELECT name, kind, keep_default
FROM create_default_policy('flag_on', 'boolean', 'true', keep_default => true);
SELECT action, column_type, expression, policy_name, kept_default, rewrote
FROM add_column_with_policy('orders', 'active', 'flag_on');
SELECT * FROM column_info('orders', 'active');

--
-- if_not_exists: a column that already exists with the same type and NOT
-- NULL is a no-op, audited as such.  Anything else is an error.
--
SELECT action, rewrote, kept_default, detail->>'skipped' AS skipped
FROM add_column_with_default('orders', 'score', 'integer', '7', if_not_exists => true);
SELECT action, detail->>'skipped' AS skipped
FROM add_column_with_policy('orders', 'active', 'flag_on', if_not_exists => true);
SELECT audit_count() AS audit_rows \gset
SELECT add_column_with_default('orders', 'score', 'integer', '0');
SELECT add_column_with_default('orders', 'score', 'bigint', '0', if_not_exists => true);
SELECT add_column_with_default('orders', 'amount', 'numeric(10,2)', '0', if_not_exists => true);
SELECT audit_count() = :audit_rows AS no_audit_row;

--
-- Refusals.  Each leaves everything as it was: no column, no audit row.
-- How two of them read in full:
--
SELECT add_column_with_default('orders', 'bad', 'float8', 'random()');
SELECT add_column_with_default('orders', 'bad', 'timestamptz', '''now''');

-- each refusal with its SQLSTATE
CREATE FUNCTION refusal(statement text, OUT state text, OUT message text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	state := 'none';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
	IF message LIKE 'default for column%' THEN
		GET STACKED DIAGNOSTICS message = PG_EXCEPTION_DETAIL;
	END IF;
END $$;
CREATE VIEW order_view AS SELECT id FROM orders;
CREATE MATERIALIZED VIEW order_matview AS SELECT id FROM orders;
CREATE FOREIGN DATA WRAPPER dummy_fdw;
CREATE SERVER dummy_server FOREIGN DATA WRAPPER dummy_fdw;
CREATE FOREIGN TABLE order_foreign (id integer) SERVER dummy_server;
SELECT s AS statement, r.state AS sqlstate, r.message
FROM unnest(ARRAY[
	$$SELECT add_column_with_default('orders', 'bad', 'integer', 'NULL')$$,
	$$SELECT add_column_with_default('orders', 'bad', 'varchar(3)', '''abcd''')$$,
	$$SELECT add_column_with_default('orders', 'bad', 'percent', '101')$$,
	$$SELECT add_column_with_default('orders', 'bad', 'no_such_type', '0')$$,
	$$SELECT add_column_with_default('orders', 'bad', 'integer', 'amount')$$,
	$$SELECT add_column_with_default('orders', 'bad', 'integer', '(SELECT 1)')$$,
	$$SELECT add_column_with_default('orders', 'bad', 'integer', '1; DROP TABLE orders')$$,
	$$SELECT add_column_with_default('orders', 'bad', 'integer', NULL)$$,
	$$SELECT add_column_with_default('orders', 'bad', NULL, '0')$$,
	$$SELECT add_column_with_default('orders', NULL, 'integer', '0')$$,
	$$SELECT add_column_with_default('orders', '', 'integer', '0')$$,
	$$SELECT add_column_with_default(NULL, 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('no_such_table', 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default(1, 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('order_view', 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('order_matview', 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('order_foreign', 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('order_no', 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('orders_pkey', 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('pg_class', 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('pg_catalog.pg_default_acl', 'bad', 'integer', '0')$$,
	$$SELECT add_column_with_default('orders', 'xmin', 'integer', '0')$$,
	$$SELECT add_column_with_default('orders', 'ctid', 'tid', '''(0,1)''', if_not_exists => true)$$,
	$$SELECT add_column_with_policy('orders', 'tableoid', 'flag_on', if_not_exists => true)$$,
	$$SELECT explain_add_column('orders', 'cmax', 'integer', '0')$$,
	$$SELECT add_column_with_policy('orders', 'bad', 'no_such_policy')$$,
	$$SELECT add_column_with_policy('orders', 'bad', NULL)$$,
	$$SELECT set_column_default('orders', 'no_such_column', '0')$$,
	$$SELECT set_column_default('orders', 'ctid', '0')$$,
	$$SELECT set_column_default('orders', 'score', 'random()')$$,
	$$SELECT set_column_default('orders', 'score', '''x''')$$,
	$$SELECT explain_add_column('orders', 'bad', 'integer', 'random()')$$
]) AS s, LATERAL refusal(s) AS r;

-- the caller must own the table
CREATE ROLE regress_dp_stranger;
GRANT ALL ON orders TO regress_dp_stranger;
SET ROLE regress_dp_stranger;
SELECT add_column_with_default('orders', 'bad', 'integer', '0');
SELECT set_column_default('orders', 'score', '1');
SELECT * FROM explain_add_column('orders', 'bad', 'integer', '0');
RESET ROLE;

SELECT audit_count() = :audit_rows AS no_audit_row;
SELECT count(*) AS bad_columns FROM pg_attribute
WHERE attrelid = 'orders'::regclass AND attname = 'bad';

-- an error after the column was added undoes it too: here an event trigger
-- refuses the second statement, DROP DEFAULT
CREATE FUNCTION refuse_drop_default() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('regress.refuse', true) = 'on' THEN
		RAISE EXCEPTION 'refused by event trigger';
	END IF;
END $$;
CREATE EVENT TRIGGER refuse_drop_default ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION refuse_drop_default();
SET regress.refuse = 'on';
SELECT add_column_with_default('orders', 'bad', 'integer', '0');
RESET regress.refuse;
DROP EVENT TRIGGER refuse_drop_default;
SELECT audit_count() = :audit_rows AS no_audit_row;
SELECT count(*) AS bad_columns FROM pg_attribute
WHERE attrelid = 'orders'::regclass AND attname = 'bad';

--
-- Event triggers and utility hooks see ordinary ALTER TABLE statements.
--
CREATE FUNCTION show_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
	cmd record;
BEGIN
	FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
		RAISE NOTICE '% on %: %', cmd.command_tag, cmd.object_identity, current_query();
	END LOOP;
END $$;
CREATE EVENT TRIGGER show_ddl ON ddl_command_end EXECUTE FUNCTION show_ddl();
SELECT action FROM add_column_with_default('orders', 'note', 'text', '''''');
SELECT action FROM set_column_default('orders', 'note', '''n/a''');
DROP EVENT TRIGGER show_ddl;

--
-- The ALTERs run under the caller's search_path, as a plain ALTER TABLE
-- does: an event trigger that writes to a table it names without a schema
-- works.
--
CREATE TABLE ddl_log (tag text, object text);
CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
	cmd record;
BEGIN
	FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
		INSERT INTO ddl_log VALUES (cmd.command_tag, cmd.object_identity);
	END LOOP;
END $$;
CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION log_ddl();
SELECT action FROM add_column_with_default('orders', 'logged', 'integer', '1');
SELECT action FROM set_column_default('orders', 'logged', '2');
DROP EVENT TRIGGER log_ddl;
SELECT * FROM ddl_log;

--
-- What is stored is what was validated.  ALTER TABLE analyses the default
-- again, under the caller's search_path; if a name now resolves to another
-- object, the call fails and nothing changes.  Here a user's public.now()
-- takes the place of pg_catalog.now() when public comes first.
--
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql
	AS $$ SELECT '2000-01-01 00:00+00'::timestamptz $$;
SELECT name, expression, kind FROM create_default_policy('stamped', 'timestamptz', 'now()');
SELECT audit_count() AS audit_rows \gset
SET search_path = public, pg_catalog;
SELECT add_column_with_policy('orders', 'stamped_on', 'stamped');
RESET search_path;
-- an event trigger that changes search_path before the ALTER is caught too
CREATE FUNCTION shift_path() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('search_path', 'public, pg_catalog', true);
END $$;
CREATE EVENT TRIGGER shift_path ON ddl_command_start
	WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION shift_path();
SELECT add_column_with_default('orders', 'stamped_on', 'timestamptz', 'now()');
SELECT set_column_default('orders', 'created_on', 'now()');
DROP EVENT TRIGGER shift_path;
SELECT audit_count() = :audit_rows AS no_audit_row;
SELECT count(*) AS stamped_columns FROM pg_attribute
WHERE attrelid = 'orders'::regclass AND attname = 'stamped_on';
SELECT * FROM column_info('orders', 'created_on');
-- under the usual search_path the policy gives pg_catalog.now()
SELECT action, expression, policy_name
FROM add_column_with_policy('orders', 'stamped_on', 'stamped');
SELECT count(DISTINCT stamped_on) = 1 AND min(stamped_on) > '2001-01-01' AS real_now FROM orders;
DROP FUNCTION public.now();

--
-- Identifiers of any shape are identifiers, never SQL.
--
CREATE TABLE "we;ird ""table" (a integer);
INSERT INTO "we;ird ""table" VALUES (1);
SELECT table_name, column_name
FROM add_column_with_default('"we;ird ""table"', 'x"; DROP TABLE orders; --', 'text', '''ok''');
SELECT table_name, column_name
FROM add_column_with_default('"we;ird ""table"', repeat('n', 63), 'integer', '63');
SELECT * FROM "we;ird ""table";
SELECT count(*) AS orders_still_there FROM orders;

--
-- Partitioned tables and inheritance parents: every child gets the column.
-- The fast default is decided per partition.
--
CREATE TABLE measurements (day date NOT NULL, value integer) PARTITION BY RANGE (day);
CREATE TABLE measurements_2024 PARTITION OF measurements
	FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE measurements_2025 PARTITION OF measurements
	FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO measurements VALUES ('2024-06-01', 1), ('2025-06-01', 2);
SELECT action, rewrote, detail
FROM add_column_with_default('measurements', 'unit', 'text', '''kg''');
SELECT action, rewrote, detail
FROM add_column_with_default('measurements', 'sample_id', 'uuid', 'gen_random_uuid()');
SELECT tableoid::regclass, day, unit, sample_id IS NOT NULL AS has_id FROM measurements ORDER BY day;
-- a single partition is refused
SELECT add_column_with_default('measurements_2024', 'bad', 'integer', '0');

CREATE TABLE animals (name text);
CREATE TABLE dogs () INHERITS (animals);
INSERT INTO animals VALUES ('generic');
INSERT INTO dogs VALUES ('rex');
SELECT action, rewrote, detail FROM add_column_with_default('animals', 'legs', 'integer', '4');
SELECT * FROM column_info('dogs', 'legs');
SELECT name, legs FROM animals ORDER BY name;

-- a child that already has a column of that name is refused: ALTER TABLE
-- would merge the two, and the child's rows would not get the default
CREATE TABLE vehicles (name text);
CREATE TABLE cars (wheels integer) INHERITS (vehicles);
INSERT INTO cars VALUES ('mini', NULL);
SELECT add_column_with_default('vehicles', 'wheels', 'integer', '4');
SELECT add_column_with_default('vehicles', 'wheels', 'integer', '4', if_not_exists => true);
SELECT * FROM explain_add_column('vehicles', 'wheels', 'integer', '4');
SELECT * FROM column_info('vehicles', 'wheels');
SELECT * FROM vehicles;

-- a foreign table anywhere in the tree is refused: its rows are elsewhere
CREATE TABLE readings (day date NOT NULL, value integer) PARTITION BY RANGE (day);
CREATE TABLE readings_2024 PARTITION OF readings
	FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY RANGE (day);
CREATE TABLE readings_2024_h1 PARTITION OF readings_2024
	FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
CREATE FOREIGN TABLE readings_2024_h2 PARTITION OF readings_2024
	FOR VALUES FROM ('2024-07-01') TO ('2025-01-01') SERVER dummy_server;
SELECT add_column_with_default('readings', 'unit', 'text', '''kg''');
SELECT * FROM explain_add_column('readings', 'unit', 'text', '''kg''');
CREATE FOREIGN TABLE remote_dogs () INHERITS (animals) SERVER dummy_server;
SELECT add_column_with_default('animals', 'fur', 'boolean', 'true');
DROP FOREIGN TABLE remote_dogs;
SELECT count(*) AS new_columns FROM pg_attribute
WHERE attrelid IN ('readings'::regclass, 'animals'::regclass) AND attname IN ('unit', 'fur');
DROP TABLE readings, vehicles CASCADE;

--
-- set_column_default validates against the column's own type and sets the
-- DEFAULT; it never rewrites.
--
SELECT remember('orders');
SELECT action, column_type, expression, kind, kept_default, rewrote
FROM set_column_default('orders', 'score', '42');
SELECT action, column_type, expression, kind
FROM set_column_default('orders', 'created_on', 'CURRENT_TIMESTAMP');
SELECT set_column_default('orders', 'status', '''far too long''');
SELECT was_rewritten('orders');
SELECT * FROM column_info('orders', 'score');
-- on a partition, as ALTER TABLE does
SELECT action, table_name, column_name, expression
FROM set_column_default('measurements_2025', 'value', '0');
SELECT * FROM column_info('measurements_2025', 'value');
SELECT * FROM column_info('measurements', 'value');

--
-- explain_add_column: the dry run.  It changes nothing.
--
ANALYZE orders;
SELECT * FROM explain_add_column('orders', 'tax', 'numeric(10,2)', '0');
SELECT * FROM explain_add_column('orders', 'token', 'uuid', 'gen_random_uuid()', keep_default => true);
SELECT * FROM explain_add_column('measurements', 'tag', 'text', '''x''');
SELECT step, rewrites, note FROM explain_add_column('orders', 'rebate', 'percent', '5') WHERE step = 2;
SELECT explain_add_column('orders', 'score', 'integer', '0');
SELECT count(*) AS tax_columns FROM pg_attribute
WHERE attrelid = 'orders'::regclass AND attname IN ('tax', 'token');

--
-- The lock settings
--
SHOW defaults_policy.lock_timeout;
SHOW defaults_policy.lock_retries;
SET defaults_policy.lock_timeout = 0;
SET defaults_policy.lock_retries = -1;

-- the functions return rows of the extension's own table types, which can
-- be stored and read back in another session
CREATE TABLE kept_rows (audit default_policy_audit, policy default_policy);
INSERT INTO kept_rows
SELECT add_column_with_default('animals', 'tail', 'boolean', 'true'),
	   create_default_policy('typed', 'integer', '1');
\c -
SELECT (audit).action, (audit).column_name, (policy).name, (policy).kind FROM kept_rows;
DROP TABLE kept_rows;

-- the audit trail of this file
SELECT action, table_name, column_name, kind, policy_name, kept_default, rewrote
FROM default_policy_audit ORDER BY id;

DROP TABLE orders, "we;ird ""table", measurements, animals CASCADE;
DROP FOREIGN TABLE order_foreign;
DROP SERVER dummy_server;
DROP FOREIGN DATA WRAPPER dummy_fdw;
DROP ROLE regress_dp_stranger;
DROP TABLE filenodes;
DROP FUNCTION remember, was_rewritten, column_info, audit_count,
	refuse_drop_default, show_ddl, refusal, log_ddl, shift_path;
DROP TABLE ddl_log;
DROP SEQUENCE order_no;
DROP DOMAIN percent;
DROP EXTENSION defaults_policy;
