/* defaults_policy--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION defaults_policy" to load this file. \quit

--
-- The allowlist: functions that may appear in dynamic defaults.  The first
-- column must stay "function": the C code scans it by attribute number.
--
CREATE TABLE @extschema@.default_policy_allowlist (
	function	pg_catalog.regprocedure PRIMARY KEY,
	description	pg_catalog.text,
	builtin		pg_catalog.bool NOT NULL DEFAULT false,
	added_at	pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	added_by	pg_catalog.name NOT NULL DEFAULT pg_catalog."session_user"()
);
COMMENT ON TABLE @extschema@.default_policy_allowlist IS
	'functions that may appear in dynamic defaults';

INSERT INTO @extschema@.default_policy_allowlist (function, description, builtin) VALUES
	('pg_catalog.now()', 'start of the current transaction (CURRENT_TIMESTAMP and friends)', true),
	('pg_catalog.transaction_timestamp()', 'start of the current transaction', true),
	('pg_catalog.statement_timestamp()', 'start of the current statement', true),
	('pg_catalog.clock_timestamp()', 'wall-clock time of each call', true),
	('pg_catalog.gen_random_uuid()', 'random version 4 UUID', true),
	('pg_catalog.nextval(pg_catalog.regclass)', 'next value of a sequence', true),
	('pg_catalog.timestamptz_pl_interval(pg_catalog.timestamptz, pg_catalog.interval)', 'timestamptz + interval', true),
	('pg_catalog.timestamptz_mi_interval(pg_catalog.timestamptz, pg_catalog.interval)', 'timestamptz - interval', true),
	('pg_catalog."timestamp"(pg_catalog.timestamptz)', 'timestamptz to timestamp, for now() in a timestamp column', true),
	('pg_catalog.date(pg_catalog.timestamptz)', 'timestamptz to date, for now() in a date column', true),
	('pg_catalog."current_user"()', 'CURRENT_USER, CURRENT_ROLE and USER', true),
	('pg_catalog."session_user"()', 'SESSION_USER', true);

GRANT SELECT ON @extschema@.default_policy_allowlist TO PUBLIC;

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
