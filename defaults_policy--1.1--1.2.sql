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
