/* defaults_policy--1.1.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION defaults_policy" to load this file. \quit

--
-- Validation
--
CREATE FUNCTION @extschema@.check_default(expression pg_catalog.text,
										  column_type pg_catalog.text)
RETURNS TABLE(valid pg_catalog.bool, kind pg_catalog.text,
			  normalized pg_catalog.text, rewrites pg_catalog.bool,
			  reason pg_catalog.text)
AS 'MODULE_PATHNAME', 'check_default'
LANGUAGE C STABLE PARALLEL UNSAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.check_default(pg_catalog.text, pg_catalog.text) IS
	'classify an expression as a static, dynamic or invalid default for a column type';

--
-- The policy catalog
--
CREATE TABLE @extschema@.default_policy (
	name			pg_catalog.text PRIMARY KEY,
	column_type		pg_catalog.text NOT NULL,
	expression		pg_catalog.text NOT NULL,
	kind			pg_catalog.text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['static', 'dynamic'])),
	keep_default	pg_catalog.bool NOT NULL DEFAULT false,
	description		pg_catalog.text,
	created_at		pg_catalog.timestamptz NOT NULL,
	updated_at		pg_catalog.timestamptz NOT NULL,
	created_by		pg_catalog.name NOT NULL,
	updated_by		pg_catalog.name NOT NULL
);
COMMENT ON TABLE @extschema@.default_policy IS
	'named, validated column defaults; expression and column_type are canonical text, read under search_path pg_catalog, pg_temp';

--
-- The audit trail
--
-- CYCLE: a sequence set to its end (setval by a pg_write_all_data member)
-- wraps instead of failing, and the audit writer then sets it after the
-- trail again (audit.c): tampering cannot stop the trail.
CREATE SEQUENCE @extschema@.default_policy_audit_id_seq CYCLE;
CREATE TABLE @extschema@.default_policy_audit (
	id					pg_catalog.int8 PRIMARY KEY
						DEFAULT pg_catalog.nextval('@extschema@.default_policy_audit_id_seq'::pg_catalog.regclass),
	at					pg_catalog.timestamptz NOT NULL,
	txid				pg_catalog.xid8 NOT NULL,
	session_user_name	pg_catalog.name NOT NULL,
	current_user_name	pg_catalog.name NOT NULL,
	action				pg_catalog.text NOT NULL,
	table_name			pg_catalog.text,
	column_name			pg_catalog.name,
	column_type			pg_catalog.text,
	expression			pg_catalog.text,
	kind				pg_catalog.text,
	policy_name			pg_catalog.text,
	kept_default		pg_catalog.bool,
	rewrote				pg_catalog.bool,
	detail				pg_catalog.jsonb
);
ALTER SEQUENCE @extschema@.default_policy_audit_id_seq
	OWNED BY @extschema@.default_policy_audit.id;
COMMENT ON TABLE @extschema@.default_policy_audit IS
	'append-only audit trail of defaults_policy: every policy change and every column or default it made';

--
-- Only the extension itself and a superuser write its tables directly; the
-- functions below write them as the extension's owner.  PUBLIC reads them.
--
CREATE FUNCTION @extschema@.guard_catalog_trigger()
RETURNS trigger AS 'MODULE_PATHNAME', 'guard_catalog_trigger' LANGUAGE C;

CREATE TRIGGER guard_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.default_policy
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.guard_catalog_trigger();
CREATE TRIGGER guard_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.default_policy_audit
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.guard_catalog_trigger();

--
-- The allowlist: functions that may appear in dynamic defaults, stored by
-- canonical signature (schema-qualified, as pg_identify_object() prints a
-- function's identity), never by OID: OIDs change across dump and restore
-- and pg_upgrade, and pg_upgrade refuses tables with reg* columns.
--
CREATE TABLE @extschema@.default_policy_allowlist_entries (
	signature	pg_catalog.text COLLATE pg_catalog."C" PRIMARY KEY,
	description	pg_catalog.text,
	builtin		pg_catalog.bool NOT NULL DEFAULT false,
	added_at	pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	added_by	pg_catalog.name NOT NULL DEFAULT pg_catalog."session_user"()
);
COMMENT ON TABLE @extschema@.default_policy_allowlist_entries IS
	'functions that may appear in dynamic defaults, by canonical signature';

INSERT INTO @extschema@.default_policy_allowlist_entries (signature, description, builtin) VALUES
	('pg_catalog.now()', 'start of the current transaction (CURRENT_TIMESTAMP and friends)', true),
	('pg_catalog.transaction_timestamp()', 'start of the current transaction', true),
	('pg_catalog.statement_timestamp()', 'start of the current statement', true),
	('pg_catalog.clock_timestamp()', 'wall-clock time of each call', true),
	('pg_catalog.gen_random_uuid()', 'random version 4 UUID', true),
	('pg_catalog.nextval(pg_catalog.regclass)', 'next value of a sequence', true),
	('pg_catalog.timestamptz_pl_interval(timestamp with time zone,interval)', 'timestamptz + interval', true),
	('pg_catalog.timestamptz_mi_interval(timestamp with time zone,interval)', 'timestamptz - interval', true),
	('pg_catalog."timestamp"(timestamp with time zone)', 'timestamptz to timestamp, for now() in a timestamp column', true),
	('pg_catalog.date(timestamp with time zone)', 'timestamptz to date, for now() in a date column', true),
	('pg_catalog."current_user"()', 'CURRENT_USER, CURRENT_ROLE and USER', true),
	('pg_catalog."session_user"()', 'SESSION_USER', true);

CREATE TRIGGER guard_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.default_policy_allowlist_entries
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.guard_catalog_trigger();

CREATE FUNCTION @extschema@.default_policy_allowlist_function(signature pg_catalog.text)
RETURNS pg_catalog.regprocedure
AS 'MODULE_PATHNAME', 'default_policy_allowlist_function'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.default_policy_allowlist_function(pg_catalog.text) IS
	'the function whose canonical signature this is, or NULL';

CREATE VIEW @extschema@.default_policy_allowlist AS
	SELECT @extschema@.default_policy_allowlist_function(e.signature) AS function,
		   e.signature, e.description, e.builtin, e.added_at, e.added_by
	FROM @extschema@.default_policy_allowlist_entries AS e;
COMMENT ON VIEW @extschema@.default_policy_allowlist IS
	'functions that may appear in dynamic defaults';

--
-- Seeds taken off the allowlist.  pg_dump keeps only the allowlist entries
-- users added, and CREATE EXTENSION puts every seed back on restore; this
-- table remembers the removals, and restoring a row removes the seed again.
--
CREATE TABLE @extschema@.default_policy_allowlist_removed (
	signature	pg_catalog.text COLLATE pg_catalog."C" PRIMARY KEY,
	description	pg_catalog.text,
	removed_at	pg_catalog.timestamptz NOT NULL,
	removed_by	pg_catalog.name NOT NULL
);
COMMENT ON TABLE @extschema@.default_policy_allowlist_removed IS
	'built-in allowlist entries taken off with disallow_default_function()';

CREATE FUNCTION @extschema@.remove_seed_trigger()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	DELETE FROM @extschema@.default_policy_allowlist_entries
	WHERE signature OPERATOR(pg_catalog.=) NEW.signature AND builtin;
	RETURN NULL;
END
$$;
CREATE TRIGGER remove_seed AFTER INSERT ON @extschema@.default_policy_allowlist_removed
	FOR EACH ROW EXECUTE FUNCTION @extschema@.remove_seed_trigger();
CREATE TRIGGER guard_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.default_policy_allowlist_removed
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.guard_catalog_trigger();

--
-- An entry binds to whatever function has its signature, so it goes when
-- its function is dropped, or renamed (or its schema, an argument type or
-- its extension moves): otherwise a function created later with the old
-- signature would inherit it.
--
CREATE FUNCTION @extschema@.default_policy_allowlist_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'default_policy_allowlist_drop' LANGUAGE C;
CREATE FUNCTION @extschema@.default_policy_allowlist_rename()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'default_policy_allowlist_rename' LANGUAGE C;
CREATE EVENT TRIGGER default_policy_allowlist_drop ON sql_drop
	EXECUTE FUNCTION @extschema@.default_policy_allowlist_drop();
CREATE EVENT TRIGGER default_policy_allowlist_rename ON ddl_command_end
	WHEN TAG IN ('ALTER FUNCTION', 'ALTER ROUTINE', 'ALTER SCHEMA', 'ALTER TYPE',
				 'ALTER DOMAIN', 'ALTER TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW',
				 'ALTER FOREIGN TABLE', 'ALTER EXTENSION')
	EXECUTE FUNCTION @extschema@.default_policy_allowlist_rename();

GRANT SELECT ON @extschema@.default_policy, @extschema@.default_policy_audit,
	@extschema@.default_policy_allowlist_entries, @extschema@.default_policy_allowlist,
	@extschema@.default_policy_allowlist_removed TO PUBLIC;

-- pg_dump keeps policies, user-added allowlist entries and the audit trail
SELECT pg_catalog.pg_extension_config_dump('@extschema@.default_policy', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.default_policy_audit', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.default_policy_audit_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.default_policy_allowlist_entries', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.default_policy_allowlist_removed', '');

--
-- Policies
--
CREATE FUNCTION @extschema@.create_default_policy(name pg_catalog.text,
		column_type pg_catalog.text, expression pg_catalog.text,
		keep_default pg_catalog.bool DEFAULT false,
		description pg_catalog.text DEFAULT NULL)
RETURNS @extschema@.default_policy
AS 'MODULE_PATHNAME', 'create_default_policy' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.alter_default_policy(name pg_catalog.text,
		column_type pg_catalog.text DEFAULT NULL,
		expression pg_catalog.text DEFAULT NULL,
		keep_default pg_catalog.bool DEFAULT NULL,
		description pg_catalog.text DEFAULT NULL)
RETURNS @extschema@.default_policy
AS 'MODULE_PATHNAME', 'alter_default_policy' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.drop_default_policy(name pg_catalog.text)
RETURNS void
AS 'MODULE_PATHNAME', 'drop_default_policy' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.default_policy_value(name pg_catalog.text)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'default_policy_value' LANGUAGE C VOLATILE;

--
-- The allowlist
--
CREATE FUNCTION @extschema@.allow_default_function(fn pg_catalog.regprocedure,
		description pg_catalog.text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'allow_default_function' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.disallow_default_function(fn pg_catalog.regprocedure)
RETURNS void
AS 'MODULE_PATHNAME', 'disallow_default_function' LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION
	@extschema@.create_default_policy(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.bool, pg_catalog.text),
	@extschema@.alter_default_policy(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.bool, pg_catalog.text),
	@extschema@.drop_default_policy(pg_catalog.text),
	@extschema@.default_policy_value(pg_catalog.text),
	@extschema@.allow_default_function(pg_catalog.regprocedure, pg_catalog.text),
	@extschema@.disallow_default_function(pg_catalog.regprocedure)
FROM PUBLIC;

--
-- Adding columns and setting defaults.  These run with the caller's rights:
-- the caller must own the table, as for ALTER TABLE.
--
CREATE FUNCTION @extschema@.add_column_with_default(table_name pg_catalog.regclass,
		column_name pg_catalog.name, column_type pg_catalog.text,
		expression pg_catalog.text, keep_default pg_catalog.bool DEFAULT false,
		if_not_exists pg_catalog.bool DEFAULT false)
RETURNS @extschema@.default_policy_audit
AS 'MODULE_PATHNAME', 'add_column_with_default' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.add_column_with_policy(table_name pg_catalog.regclass,
		column_name pg_catalog.name, policy_name pg_catalog.text,
		if_not_exists pg_catalog.bool DEFAULT false)
RETURNS @extschema@.default_policy_audit
AS 'MODULE_PATHNAME', 'add_column_with_policy' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.set_column_default(table_name pg_catalog.regclass,
		column_name pg_catalog.name, expression pg_catalog.text)
RETURNS @extschema@.default_policy_audit
AS 'MODULE_PATHNAME', 'set_column_default' LANGUAGE C VOLATILE;

CREATE FUNCTION @extschema@.explain_add_column(table_name pg_catalog.regclass,
		column_name pg_catalog.name, column_type pg_catalog.text,
		expression pg_catalog.text, keep_default pg_catalog.bool DEFAULT false)
RETURNS TABLE(step pg_catalog.int4, statement pg_catalog.text,
			  lock_mode pg_catalog.text, rewrites pg_catalog.bool,
			  note pg_catalog.text)
AS 'MODULE_PATHNAME', 'explain_add_column' LANGUAGE C VOLATILE;

--
-- The defaults that already exist
--
CREATE FUNCTION @extschema@.check_schema_defaults(schema_name pg_catalog.name DEFAULT NULL)
RETURNS TABLE(table_name pg_catalog.regclass, column_name pg_catalog.name,
			  expression pg_catalog.text, kind pg_catalog.text,
			  valid pg_catalog.bool, reason pg_catalog.text)
AS 'MODULE_PATHNAME', 'check_schema_defaults' LANGUAGE C STABLE;
