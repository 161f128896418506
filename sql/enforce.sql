--
-- Enforcement: the rules for defaults applied to plain DDL
-- (defaults_policy.enforce), the ddl_default audit rows, the frozen uuid
-- warning, and defaults_policy.max_rewrite_size.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'
SHOW defaults_policy.enforce;
SHOW defaults_policy.max_rewrite_size;
SELECT current_user AS super \gset
CREATE SCHEMA enf;
SET search_path = enf, public;

-- what the trail gained since the last look
CREATE TABLE seen (id bigint);
INSERT INTO seen VALUES (0);
CREATE FUNCTION trail()
RETURNS TABLE (action text, table_name text, column_name name, column_type text,
			   expression text, kind text, source text, note text)
LANGUAGE sql AS $$
	-- the instant a frozen 'now' stands for differs from run to run
	SELECT a.action, a.table_name, a.column_name, a.column_type,
		   regexp_replace(a.expression, '^''\d{4}-[^'']*''', '''<instant>'''), a.kind,
		   a.detail->>'source',
		   coalesce(a.detail->>'warning', a.detail->>'domain', a.detail->>'reason')
	FROM default_policy_audit a WHERE a.id > (SELECT id FROM seen) ORDER BY a.id
$$;
\set look 'SELECT * FROM trail(); UPDATE seen SET id = (SELECT coalesce(max(id), 0) FROM default_policy_audit);'

--
-- warn (the default): the statement goes through, a non-conforming default
-- draws a WARNING, every default is audited
--
CREATE TABLE orders (
	id			serial PRIMARY KEY,
	ident		bigint GENERATED ALWAYS AS IDENTITY,
	qty			integer NOT NULL DEFAULT 1,
	placed_at	timestamptz DEFAULT now(),
	due_on		date DEFAULT CURRENT_DATE + 30,
	lucky		float8 DEFAULT random(),
	frozen_at	timestamptz DEFAULT 'now',
	nothing		text DEFAULT NULL,
	doubled		integer GENERATED ALWAYS AS (qty * 2) STORED
);
:look
INSERT INTO orders (qty) SELECT g FROM generate_series(1, 3) g;

ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new',
	ADD COLUMN note text, ALTER COLUMN note SET DEFAULT 'none';
ALTER TABLE orders ALTER COLUMN qty SET DEFAULT (random() * 10)::int;
ALTER TABLE orders ALTER COLUMN qty SET DEFAULT 2;
:look

-- what the text cannot show: LIKE, inheritance, partitions, typed tables
CREATE TABLE orders_copy (LIKE orders INCLUDING DEFAULTS);
CREATE TABLE orders_plain (LIKE orders);
CREATE TABLE parent (a integer DEFAULT 1, b float8 DEFAULT random());
CREATE TABLE child (c integer DEFAULT 3) INHERITS (parent);
CREATE TABLE measures (id integer, at timestamptz DEFAULT now(), x float8 DEFAULT random())
	PARTITION BY RANGE (id);
CREATE TABLE measures_1 PARTITION OF measures FOR VALUES FROM (0) TO (100);
CREATE TABLE measures_2 PARTITION OF measures (id DEFAULT 5) FOR VALUES FROM (100) TO (200);
CREATE TYPE pair AS (a integer, b float8);
CREATE TABLE typed OF pair (b WITH OPTIONS DEFAULT random());
:look

-- ALTER TABLE on a parent reaches its children; ONLY does not
ALTER TABLE parent ALTER COLUMN a SET DEFAULT 10;
ALTER TABLE ONLY parent ALTER COLUMN a SET DEFAULT 11;
:look

-- domains: their own defaults, and new columns that take them
CREATE DOMAIN quantity AS integer DEFAULT 1 CHECK (VALUE > 0);
CREATE DOMAIN noise AS float8 DEFAULT random();
ALTER DOMAIN quantity SET DEFAULT 2;
ALTER TABLE orders ADD COLUMN q2 quantity, ADD COLUMN n2 noise;
CREATE TABLE with_domains (q quantity, n noise, m noise DEFAULT 0.5);
:look

-- a retyped column's default is stored again
ALTER TABLE orders ALTER COLUMN status TYPE varchar(10);
:look

-- statements nest: a user's event trigger that makes a table of its own
-- while the outer CREATE TABLE is under way (it fires after ours, by name)
CREATE FUNCTION side_table() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('enf.inside', true) IS DISTINCT FROM 'yes' THEN
		PERFORM set_config('enf.inside', 'yes', true);
		CREATE TABLE enf.side (n integer DEFAULT 7, r float8 DEFAULT random());
		PERFORM set_config('enf.inside', 'no', true);
	END IF;
END $$;
CREATE EVENT TRIGGER side_table ON ddl_command_start WHEN TAG IN ('CREATE TABLE')
	EXECUTE FUNCTION side_table();
CREATE TABLE outer_t (x integer DEFAULT 1, y timestamptz DEFAULT now());
DROP EVENT TRIGGER side_table;
:look

--
-- The frozen uuid: a NOT NULL column added with a constant uuid to a table
-- that has rows gives every row the same value (Django's AddField with
-- default=uuid.uuid4 sends exactly this)
--
CREATE TABLE people (id integer);
INSERT INTO people SELECT generate_series(1, 5);
ALTER TABLE people ADD COLUMN public_id uuid DEFAULT '4b0b5a4e-7f3c-4c4b-9c3e-1c2d3e4f5a6b'::uuid NOT NULL;
ALTER TABLE people ALTER COLUMN public_id DROP DEFAULT;
SELECT count(DISTINCT public_id) AS distinct_ids, count(*) AS people FROM people;
:look
-- no warning: a function, an empty table, a nullable column
ALTER TABLE people ADD COLUMN other_id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE TABLE nobody (id integer);
ALTER TABLE nobody ADD COLUMN public_id uuid NOT NULL DEFAULT '4b0b5a4e-7f3c-4c4b-9c3e-1c2d3e4f5a6b';
ALTER TABLE people ADD COLUMN maybe_id uuid DEFAULT '4b0b5a4e-7f3c-4c4b-9c3e-1c2d3e4f5a6b';
SELECT action, table_name, column_name, kind, note FROM trail() WHERE note IS NOT NULL;
UPDATE seen SET id = (SELECT max(id) FROM default_policy_audit);

--
-- The extension's own functions are checked and audited once, by
-- themselves
--
SELECT action, table_name, column_name, expression FROM add_column_with_default('orders', 'tag', 'text', '''x''');
SELECT action, column_name, expression FROM set_column_default('orders', 'tag', '''y''');
SELECT action, table_name, column_name FROM trail();
UPDATE seen SET id = (SELECT max(id) FROM default_policy_audit);

--
-- error: a non-conforming default is refused before any work, with the
-- engine's SQLSTATE; nothing is made and nothing is audited
--
SET defaults_policy.enforce = error;
\set VERBOSITY default
\set SHOW_CONTEXT errors
CREATE TABLE refused (a integer DEFAULT 1, b float8 DEFAULT random());
SELECT to_regclass('refused');
CREATE TABLE refused (a timestamptz DEFAULT 'now');
SELECT relfilenode AS orders_file FROM pg_class WHERE relname = 'orders' \gset
ALTER TABLE orders ADD COLUMN r float8 NOT NULL DEFAULT random();
ALTER TABLE orders ADD COLUMN ok integer DEFAULT 1, ADD COLUMN r float8 DEFAULT random();
SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname IN ('r', 'ok');
SELECT relfilenode = :orders_file AS not_rewritten FROM pg_class WHERE relname = 'orders';
ALTER TABLE orders ALTER COLUMN qty SET DEFAULT random()::int;
SELECT pg_get_expr(adbin, adrelid) AS qty_default FROM pg_attrdef
WHERE adrelid = 'orders'::regclass AND adnum = (SELECT attnum FROM pg_attribute
												WHERE attrelid = 'orders'::regclass AND attname = 'qty');
-- what PostgreSQL refuses itself is left to its own error
CREATE TABLE refused (a integer, b integer DEFAULT a + 1);
CREATE TABLE refused (a integer DEFAULT 'one');
-- statements that do nothing are not judged
CREATE TABLE IF NOT EXISTS orders (b float8 DEFAULT random());
ALTER TABLE orders ADD COLUMN IF NOT EXISTS qty float8 DEFAULT random();
ALTER TABLE IF EXISTS no_such_table ADD COLUMN b float8 DEFAULT random();
CREATE DOMAIN refused_domain AS float8 DEFAULT random();
SELECT to_regtype('refused_domain');
ALTER DOMAIN quantity SET DEFAULT (random() * 10)::integer;
-- refused at the end, from what the command stored: the whole statement goes
CREATE TABLE refused (LIKE orders INCLUDING DEFAULTS);
SELECT to_regclass('refused');
CREATE TABLE refused (id integer) INHERITS (parent);
CREATE TABLE measures_3 PARTITION OF measures FOR VALUES FROM (200) TO (300);
ALTER TABLE people ADD COLUMN n3 noise;
SELECT to_regclass('refused'), to_regclass('measures_3');
SELECT count(*) AS new_audit_rows FROM trail();
-- a statement refused inside a savepoint leaves the next one whole
BEGIN;
SAVEPOINT s;
CREATE TABLE refused (b float8 DEFAULT random());
ROLLBACK TO SAVEPOINT s;
CREATE TABLE accepted (a integer DEFAULT 1);
COMMIT;
-- conforming defaults pass and are audited as under warn
CREATE TABLE accepted_too (id bigserial, at timestamptz NOT NULL DEFAULT now(),
						   ref uuid DEFAULT gen_random_uuid(), n integer DEFAULT 0);
:look

--
-- off: nothing is checked or audited
--
SET defaults_policy.enforce = off;
CREATE TABLE unchecked (b float8 DEFAULT random());
ALTER TABLE people ADD COLUMN same_id uuid NOT NULL DEFAULT '4b0b5a4e-7f3c-4c4b-9c3e-1c2d3e4f5a6b';
SELECT count(*) AS new_audit_rows FROM trail();
RESET defaults_policy.enforce;

--
-- max_rewrite_size: a plain ALTER TABLE that would rewrite a larger table
-- is refused at table_rewrite, and so is add_column_with_default
--
CREATE TABLE big AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 2000) g;
SELECT relfilenode AS big_file FROM pg_class WHERE relname = 'big' \gset
SET defaults_policy.max_rewrite_size = '64kB';
SHOW defaults_policy.max_rewrite_size;
ALTER TABLE big ADD COLUMN u uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE big ALTER COLUMN payload TYPE varchar(40);
SELECT add_column_with_default('big', 'u', 'uuid', 'gen_random_uuid()');
SELECT step, rewrites, note FROM explain_add_column('big', 'u', 'uuid', 'gen_random_uuid()') WHERE step = 2;
SELECT relfilenode = :big_file AS not_rewritten FROM pg_class WHERE relname = 'big';
-- no rewrite, no limit: a static default, a small table
ALTER TABLE big ADD COLUMN s integer NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN u uuid NOT NULL DEFAULT gen_random_uuid();
-- told otherwise, for one transaction
BEGIN;
SET LOCAL defaults_policy.max_rewrite_size = -1;
SELECT action, rewrote FROM add_column_with_default('big', 'u', 'uuid', 'gen_random_uuid()');
COMMIT;
SET defaults_policy.max_rewrite_size = '1 GB';
SELECT step, note FROM explain_add_column('big', 'v', 'uuid', 'gen_random_uuid()') WHERE step = 2;
SET defaults_policy.max_rewrite_size = '12 parsecs';
SET defaults_policy.max_rewrite_size = '-2';
SET defaults_policy.max_rewrite_size = '99999999 PB';
RESET defaults_policy.max_rewrite_size;
UPDATE seen SET id = (SELECT max(id) FROM default_policy_audit);

--
-- Other roles: they cannot change the settings, their DDL is enforced,
-- and a role with only CREATE on a schema still leaves its audit rows
--
CREATE ROLE regress_enf_user LOGIN PASSWORD 'enforced';
CREATE SCHEMA app;
GRANT CREATE, USAGE ON SCHEMA app TO regress_enf_user;
SET ROLE regress_enf_user;
SET defaults_policy.enforce = off;
SET defaults_policy.max_rewrite_size = -1;
ALTER ROLE regress_enf_user SET defaults_policy.enforce = off;
CREATE TABLE app.mine (a integer DEFAULT 1, b float8 DEFAULT random());
RESET ROLE;
SELECT action, table_name, column_name, kind FROM trail();
SELECT DISTINCT session_user_name = current_user AS session_is_superuser,
	   current_user_name FROM default_policy_audit WHERE table_name = 'app.mine';
UPDATE seen SET id = (SELECT max(id) FROM default_policy_audit);
-- not even in a database it owns
CREATE DATABASE regress_enf_db OWNER regress_enf_user;
SET ROLE regress_enf_user;
ALTER DATABASE regress_enf_db SET defaults_policy.enforce = off;
RESET ROLE;
DROP DATABASE regress_enf_db;
ALTER DATABASE contrib_regression SET defaults_policy.enforce = error;
ALTER DATABASE contrib_regression RESET defaults_policy.enforce;
SET defaults_policy.enforce = error;
SET ROLE regress_enf_user;
CREATE TABLE app.refused (b float8 DEFAULT random());
RESET ROLE;
RESET defaults_policy.enforce;
-- a client option from a role that may not set it is not applied: before
-- the library is loaded it is a placeholder, refused when the first DDL
-- loads the library; ALTER ROLE SET is refused too
\c "dbname=contrib_regression user=regress_enf_user password=enforced options='-c defaults_policy.enforce=off'"
ALTER ROLE regress_enf_user SET defaults_policy.enforce = off;
SHOW defaults_policy.enforce;
CREATE TABLE app.again (b float8 DEFAULT random());
SHOW defaults_policy.enforce;
\c - :super
SET search_path = enf, public;
SELECT count(*) AS role_settings FROM pg_db_role_setting
WHERE setrole = 'regress_enf_user'::regrole;
SELECT action, table_name, column_name, kind FROM trail();
DROP SCHEMA app CASCADE;
DROP OWNED BY regress_enf_user;
DROP ROLE regress_enf_user;
RESET search_path;
DROP SCHEMA enf CASCADE;
DROP EXTENSION defaults_policy;
