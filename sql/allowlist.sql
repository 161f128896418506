--
-- allowlist: what an entry binds to
--
-- The allowlist stores functions by canonical signature, the function's
-- schema-qualified identity as pg_identify_object() prints it, never by
-- OID: OIDs are not kept by dump and restore nor by pg_upgrade, and
-- pg_upgrade refuses a cluster whose tables have reg* columns.  Readers see
-- the view default_policy_allowlist with the function resolved from its
-- signature.  A function is allowlisted iff an entry holds its signature, so
-- an entry goes when its function is dropped or renamed (or its schema, an
-- argument type or its extension moves): otherwise a function created
-- later with the old signature would inherit it.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE FUNCTION try(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	e_state	text;
	e_msg	text;
	e_det	text;
BEGIN
	EXECUTE statement;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT,
		e_det = PG_EXCEPTION_DETAIL;
	RETURN e_state || ': ' || e_msg || coalesce(' DETAIL: ' || nullif(e_det, ''), '');
END
$$;
SELECT 0 AS seen \gset

-- no table of the extension has a reg* column (pg_upgrade --check refuses
-- those other than regclass, regrole and regtype); the view does
SELECT c.relname, c.relkind, a.attname, a.atttypid::regtype
FROM pg_depend AS d
	 JOIN pg_class AS c ON c.oid = d.objid
	 JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'defaults_policy')
  AND a.atttypid IN ('regproc'::regtype, 'regprocedure'::regtype, 'regoper'::regtype,
					 'regoperator'::regtype, 'regconfig'::regtype, 'regdictionary'::regtype,
					 'regnamespace'::regtype, 'regcollation'::regtype)
ORDER BY 1, 3;

-- the seeds: each signature is the function's identity, and resolves to it
SELECT signature, function,
	   signature = (pg_identify_object('pg_proc'::regclass, function, 0)).identity AS is_identity
FROM default_policy_allowlist ORDER BY signature COLLATE "C";

--
-- A user function is stored by its signature: schema-qualified, argument
-- types too.  The view resolves it whatever the reader's search_path, and
-- a function of the same name elsewhere is not allowed.
--
CREATE SCHEMA app;
CREATE TYPE app.tenant AS (id integer);
CREATE FUNCTION app.tenant_id() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 42';
CREATE FUNCTION app.tenant_of(app.tenant) RETURNS integer LANGUAGE sql STABLE AS 'SELECT $1.id';
CREATE FUNCTION public.tenant_id() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 7';
SELECT allow_default_function('app.tenant_id()', 'the tenant');
SELECT allow_default_function('app.tenant_of(app.tenant)');
SELECT function, signature, description FROM default_policy_allowlist WHERE NOT builtin
ORDER BY signature COLLATE "C";
SET search_path = pg_catalog;
SELECT function, signature FROM public.default_policy_allowlist WHERE NOT builtin
ORDER BY signature COLLATE "C";
RESET search_path;
SELECT kind, normalized FROM check_default('app.tenant_id()', 'integer');
SELECT kind, normalized FROM check_default('app.tenant_of(ROW(1)::app.tenant)', 'integer');
SELECT valid FROM check_default('public.tenant_id()', 'integer');
-- a function shadowing a seed's name does not take its place in the view
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql STABLE AS 'SELECT pg_catalog.now()';
SET search_path = public, pg_catalog;
SELECT function::oid = 'pg_catalog.now()'::regprocedure::oid AS seed_is_pg_catalog_now
FROM default_policy_allowlist WHERE signature = 'pg_catalog.now()';
RESET search_path;
DROP FUNCTION public.now();
-- two sessions allowing the same function: see the isolation spec
-- allowlist_race; here, the plain refusal
SELECT try($$SELECT allow_default_function('app.tenant_id()')$$);

--
-- Temporary functions cannot be allowlisted: they end with their session
-- without any event trigger, and another session can create one with the
-- same signature.  Neither can a function of a temporary type.
--
CREATE FUNCTION pg_temp.temp_stamp() RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT regexp_replace(try($$SELECT allow_default_function('pg_temp.temp_stamp()')$$),
					  'pg_temp_[0-9]+', 'pg_temp_N') AS temp_function;
CREATE TYPE pg_temp.temp_type AS (a integer);
CREATE FUNCTION public.of_temp_type(pg_temp.temp_type) RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT regexp_replace(try($$SELECT allow_default_function('public.of_temp_type(pg_temp.temp_type)')$$),
					  'pg_temp_[0-9]+', 'pg_temp_N') AS temp_argument;
SELECT count(*) AS user_entries FROM default_policy_allowlist WHERE NOT builtin;

--
-- Dropping a function takes its entry off, whatever drops it: DROP
-- FUNCTION, DROP TYPE ... CASCADE of an argument type, DROP SCHEMA ...
-- CASCADE.  Each removal is audited as disallow_function, reason "dropped".
-- Creating a function with the old signature afterwards does not allow it.
--
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset
CREATE FUNCTION app.one() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION app.two() RETURNS integer LANGUAGE sql AS 'SELECT 2';
SELECT allow_default_function('app.one()'), allow_default_function('app.two()');
DROP FUNCTION app.one();
DROP TYPE app.tenant CASCADE;
SELECT signature FROM default_policy_allowlist WHERE NOT builtin ORDER BY signature COLLATE "C";
CREATE FUNCTION app.one() RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT valid FROM check_default('app.one()', 'integer');
-- a plain role that owns an allowlisted function can drop it: the entry
-- goes, written as the extension's owner and audited as that role
CREATE ROLE regress_dp_plain;
GRANT USAGE, CREATE ON SCHEMA app TO regress_dp_plain;
SET ROLE regress_dp_plain;
CREATE FUNCTION app.plain_fn() RETURNS integer LANGUAGE sql AS 'SELECT 3';
RESET ROLE;
SELECT allow_default_function('app.plain_fn()');
SET ROLE regress_dp_plain;
DROP FUNCTION app.plain_fn();
RESET ROLE;
DROP SCHEMA app CASCADE;
SELECT signature FROM default_policy_allowlist WHERE NOT builtin ORDER BY signature COLLATE "C";
-- anyone reads the allowlist, even entries in a schema they may not use
CREATE SCHEMA private_fns;
CREATE FUNCTION private_fns.stamp() RETURNS integer LANGUAGE sql AS 'SELECT 4';
SELECT allow_default_function('private_fns.stamp()');
SET ROLE regress_dp_plain;
SELECT has_schema_privilege('private_fns', 'USAGE') AS may_use_schema;
SELECT function, signature FROM default_policy_allowlist WHERE NOT builtin;
RESET ROLE;
DROP SCHEMA private_fns CASCADE;
SELECT action, current_user_name, detail->>'function' AS function, detail->'builtin' AS builtin,
	   detail->>'reason' AS reason
FROM default_policy_audit WHERE id > :seen ORDER BY id;

--
-- Renames break the binding too: after each of these the entry is gone
-- (audited, reason "renamed"), the function under its new signature is not
-- allowed, and neither is a function created later with the old signature.
--
CREATE TABLE renames (what text, statement text, old_signature text, recreate text);
INSERT INTO renames VALUES
	('ALTER FUNCTION RENAME', 'ALTER FUNCTION r1.f() RENAME TO g', 'r1.f()',
	 'CREATE FUNCTION r1.f() RETURNS integer LANGUAGE sql AS ''SELECT 0'''),
	('ALTER ROUTINE RENAME', 'ALTER ROUTINE r1.f() RENAME TO g', 'r1.f()',
	 'CREATE FUNCTION r1.f() RETURNS integer LANGUAGE sql AS ''SELECT 0'''),
	('ALTER FUNCTION SET SCHEMA', 'ALTER FUNCTION r1.f() SET SCHEMA r2', 'r1.f()',
	 'CREATE FUNCTION r1.f() RETURNS integer LANGUAGE sql AS ''SELECT 0'''),
	('ALTER SCHEMA RENAME', 'ALTER SCHEMA r1 RENAME TO r3', 'r1.f()',
	 'CREATE SCHEMA r1; CREATE FUNCTION r1.f() RETURNS integer LANGUAGE sql AS ''SELECT 0'''),
	('ALTER TYPE RENAME', 'ALTER TYPE r1.t RENAME TO u', 'r1.h(r1.t)',
	 'CREATE TYPE r1.t AS (a integer); CREATE FUNCTION r1.h(r1.t) RETURNS integer LANGUAGE sql AS ''SELECT 0'''),
	('ALTER TYPE SET SCHEMA', 'ALTER TYPE r1.t SET SCHEMA r2', 'r1.h(r1.t)',
	 'CREATE TYPE r1.t AS (a integer); CREATE FUNCTION r1.h(r1.t) RETURNS integer LANGUAGE sql AS ''SELECT 0'''),
	('ALTER DOMAIN RENAME', 'ALTER DOMAIN r1.d RENAME TO e', 'r1.k(r1.d)',
	 'CREATE DOMAIN r1.d AS integer; CREATE FUNCTION r1.k(r1.d) RETURNS integer LANGUAGE sql AS ''SELECT 0'''),
	('ALTER TABLE RENAME (row type)', 'ALTER TABLE r1.tbl RENAME TO tbl2', 'r1.m(r1.tbl)',
	 'CREATE TABLE r1.tbl (a integer); CREATE FUNCTION r1.m(r1.tbl) RETURNS integer LANGUAGE sql AS ''SELECT 0''');
GRANT SELECT ON renames TO PUBLIC;

CREATE FUNCTION rename_case(what text) RETURNS TABLE(before boolean, entry_left boolean,
	renamed_allowed boolean, recreated_allowed boolean, audited text)
LANGUAGE plpgsql AS $$
DECLARE
	r	renames;
	mark bigint := (SELECT coalesce(max(id), 0) FROM default_policy_audit);
BEGIN
	SELECT * INTO r FROM renames WHERE renames.what = rename_case.what;
	DROP SCHEMA IF EXISTS r1, r2, r3 CASCADE;
	CREATE SCHEMA r1;
	CREATE SCHEMA r2;
	CREATE TYPE r1.t AS (a integer);
	CREATE DOMAIN r1.d AS integer;
	CREATE TABLE r1.tbl (a integer);
	CREATE FUNCTION r1.f() RETURNS integer LANGUAGE sql AS 'SELECT 1';
	CREATE FUNCTION r1.h(r1.t) RETURNS integer LANGUAGE sql AS 'SELECT 1';
	CREATE FUNCTION r1.k(r1.d) RETURNS integer LANGUAGE sql AS 'SELECT 1';
	CREATE FUNCTION r1.m(r1.tbl) RETURNS integer LANGUAGE sql AS 'SELECT 1';
	PERFORM allow_default_function(r.old_signature::regprocedure);
	before := EXISTS (SELECT FROM default_policy_allowlist AS a WHERE a.signature = r.old_signature);
	EXECUTE r.statement;
	entry_left := EXISTS (SELECT FROM default_policy_allowlist AS a WHERE a.signature = r.old_signature);
	renamed_allowed := EXISTS (SELECT FROM default_policy_allowlist WHERE NOT builtin);
	EXECUTE r.recreate;
	recreated_allowed := (SELECT c.valid FROM check_default(
		CASE r.old_signature WHEN 'r1.f()' THEN 'r1.f()' WHEN 'r1.h(r1.t)' THEN 'r1.h(ROW(1)::r1.t)'
			 WHEN 'r1.k(r1.d)' THEN 'r1.k(1::r1.d)' ELSE 'r1.m(ROW(1)::r1.tbl)' END,
		'integer') AS c);
	audited := (SELECT string_agg(format('%s %s %s', a.action, a.detail->>'function', a.detail->>'reason'), '; ')
				FROM default_policy_audit AS a WHERE a.id > mark AND a.action = 'disallow_function');
	DROP SCHEMA IF EXISTS r1, r2, r3 CASCADE;
	RETURN NEXT;
END
$$;
SET client_min_messages = warning;
SELECT r.what, c.* FROM renames AS r, LATERAL rename_case(r.what) AS c ORDER BY r.ctid;
RESET client_min_messages;

-- ALTER EXTENSION ... SET SCHEMA moves an extension's functions
CREATE SCHEMA crypto;
CREATE SCHEMA crypto2;
CREATE EXTENSION pgcrypto SCHEMA crypto;
SELECT allow_default_function('crypto.gen_salt(text)');
ALTER EXTENSION pgcrypto SET SCHEMA crypto2;
SELECT count(*) AS entries_left FROM default_policy_allowlist WHERE NOT builtin;
-- and so does DROP EXTENSION
SELECT allow_default_function('crypto2.gen_salt(text)');
DROP EXTENSION pgcrypto;
SELECT count(*) AS entries_left FROM default_policy_allowlist WHERE NOT builtin;
DROP SCHEMA crypto, crypto2;

-- other ALTERs leave the allowlist alone
CREATE FUNCTION kept() RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT allow_default_function('kept()');
CREATE TABLE some_table (a integer);
ALTER TABLE some_table ADD COLUMN b integer;
ALTER FUNCTION kept() STABLE;
ALTER TABLE some_table RENAME TO other_table;
SELECT signature FROM default_policy_allowlist WHERE NOT builtin;
DROP TABLE other_table;

-- dropping the extension with allowlisted functions around, and dropping
-- and altering functions with the extension gone, raise nothing
DROP EXTENSION defaults_policy;
ALTER FUNCTION kept() RENAME TO kept2;
DROP FUNCTION kept2();

DROP TABLE renames;
DROP FUNCTION rename_case(text);
DROP FUNCTION try(text);
DROP FUNCTION public.tenant_id();
DROP FUNCTION public.of_temp_type(pg_temp.temp_type);
DROP OWNED BY regress_dp_plain;
DROP ROLE regress_dp_plain;
