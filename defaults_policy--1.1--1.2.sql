/* defaults_policy--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION defaults_policy UPDATE TO '1.2'" to load this file. \quit

--
-- 1.2 enforces the rules on plain DDL (defaults_policy.enforce) and limits
-- table rewrites (defaults_policy.max_rewrite_size), through three event
-- triggers.  The start and end triggers watch the commands that can make a
-- default; CREATE EXTENSION in a database that already holds defaults the
-- rules refuse works: nothing existing is judged until it changes.
--
CREATE FUNCTION @extschema@.default_policy_enforce_start()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'default_policy_enforce_start' LANGUAGE C;
CREATE FUNCTION @extschema@.default_policy_enforce_end()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'default_policy_enforce_end' LANGUAGE C;
CREATE FUNCTION @extschema@.default_policy_enforce_rewrite()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'default_policy_enforce_rewrite' LANGUAGE C;

CREATE EVENT TRIGGER default_policy_enforce_start ON ddl_command_start
	WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE FOREIGN TABLE',
				 'ALTER FOREIGN TABLE', 'ALTER VIEW', 'CREATE DOMAIN', 'ALTER DOMAIN')
	EXECUTE FUNCTION @extschema@.default_policy_enforce_start();
CREATE EVENT TRIGGER default_policy_enforce_end ON ddl_command_end
	WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE FOREIGN TABLE',
				 'ALTER FOREIGN TABLE', 'ALTER VIEW', 'CREATE DOMAIN', 'ALTER DOMAIN')
	EXECUTE FUNCTION @extschema@.default_policy_enforce_end();
CREATE EVENT TRIGGER default_policy_enforce_rewrite ON table_rewrite
	EXECUTE FUNCTION @extschema@.default_policy_enforce_rewrite();

--
-- A restore makes tables, which enforcement audits, before it loads the
-- trail: a restored row whose id is taken moves the row there to the end.
--
CREATE FUNCTION @extschema@.default_policy_audit_make_room()
RETURNS trigger
AS 'MODULE_PATHNAME', 'default_policy_audit_make_room' LANGUAGE C;
CREATE TRIGGER default_policy_audit_make_room
	BEFORE INSERT ON @extschema@.default_policy_audit
	FOR EACH ROW EXECUTE FUNCTION @extschema@.default_policy_audit_make_room();

--
-- The online path: add_column_with_default_concurrently() and the state of
-- each backfill, one row per column, kept when it is done.
--
CREATE TABLE @extschema@.default_policy_backfills (
	relid				pg_catalog.oid NOT NULL,
	table_name			pg_catalog.text NOT NULL,
	column_name			pg_catalog.name NOT NULL,
	column_type			pg_catalog.text NOT NULL,
	expression			pg_catalog.text NOT NULL,
	keep_default		pg_catalog.bool NOT NULL,
	phase				pg_catalog.text NOT NULL
		CHECK (phase IN ('backfilling', 'validating', 'finishing', 'done')),
	walk				pg_catalog.text NOT NULL CHECK (walk IN ('primary key', 'ctid')),
	walk_column			pg_catalog.name,
	position			pg_catalog.text,
	end_position		pg_catalog.text,
	rows_done			pg_catalog.int8 NOT NULL DEFAULT 0,
	rows_estimated		pg_catalog.int8,
	batches				pg_catalog.int8 NOT NULL DEFAULT 0,
	batch_size			pg_catalog.int4 NOT NULL,
	throttled			pg_catalog.text,
	throttled_ms		pg_catalog.int8 NOT NULL DEFAULT 0,
	started_at			pg_catalog.timestamptz NOT NULL,
	updated_at			pg_catalog.timestamptz NOT NULL,
	finished_at			pg_catalog.timestamptz,
	PRIMARY KEY (relid, column_name)
);
COMMENT ON TABLE @extschema@.default_policy_backfills IS
	'The state of each online backfill (add_column_with_default_concurrently): where it is, so that it can be resumed.';
CREATE TRIGGER guard_writes BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.default_policy_backfills
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.guard_catalog_trigger();

CREATE VIEW @extschema@.default_policy_backfill AS
SELECT b.table_name, b.column_name, b.phase, b.rows_done, b.rows_estimated,
	   b.batch_size, b.throttled, b.started_at, b.updated_at,
	   CASE
		   WHEN b.phase OPERATOR(pg_catalog.=) 'done' THEN b.finished_at
		   WHEN b.rows_done OPERATOR(pg_catalog.>) 0
			AND b.rows_estimated OPERATOR(pg_catalog.>) b.rows_done
		   THEN b.updated_at OPERATOR(pg_catalog.+)
				((b.updated_at OPERATOR(pg_catalog.-) b.started_at) OPERATOR(pg_catalog.*)
				 ((b.rows_estimated OPERATOR(pg_catalog.-) b.rows_done)::pg_catalog.float8
				  OPERATOR(pg_catalog./) b.rows_done))
	   END AS eta
FROM @extschema@.default_policy_backfills AS b;
GRANT SELECT ON @extschema@.default_policy_backfills, @extschema@.default_policy_backfill TO PUBLIC;

CREATE PROCEDURE @extschema@.add_column_with_default_concurrently(table_name pg_catalog.regclass,
	column_name pg_catalog.name, column_type pg_catalog.text, expression pg_catalog.text,
	keep_default pg_catalog.bool DEFAULT false, batch_size pg_catalog.int4 DEFAULT 10000)
AS 'MODULE_PATHNAME', 'add_column_with_default_concurrently' LANGUAGE C;
COMMENT ON PROCEDURE @extschema@.add_column_with_default_concurrently(pg_catalog.regclass,
	pg_catalog.name, pg_catalog.text, pg_catalog.text, pg_catalog.bool, pg_catalog.int4) IS
	'Adds a NOT NULL column with a volatile default to a large table online: filled in committed batches, resumable.';

-- during a backfill, a row written without the column's value gets it
CREATE FUNCTION @extschema@.default_policy_backfill_fill()
RETURNS trigger AS 'MODULE_PATHNAME', 'default_policy_backfill_fill' LANGUAGE C;
