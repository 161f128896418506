/* defaults_policy--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION defaults_policy UPDATE TO '1.1'" to load this file. \quit

--
-- 1.1 stores the allowlist by canonical signature instead of regprocedure:
-- OIDs change across dump and restore and pg_upgrade, and pg_upgrade
-- refuses tables with reg* columns.  A signature is the function's identity
-- as pg_identify_object() prints it, which is what the C code computes.
--
-- Entries whose function no longer exists (1.0 kept bare OIDs of dropped
-- functions) and entries of temporary functions are removed, each with a
-- disallow_function audit row.  Every other row is kept as it was.
--

-- the audit rows of the removed entries, in OID order
INSERT INTO @extschema@.default_policy_audit
	(at, txid, session_user_name, current_user_name, action, detail)
SELECT pg_catalog.clock_timestamp(), pg_catalog.pg_current_xact_id(),
	   pg_catalog."session_user"(), pg_catalog."current_user"(), 'disallow_function',
	   pg_catalog.jsonb_build_object(
		   'function', COALESCE(i.identity, a.function::pg_catalog.oid::pg_catalog.text),
		   'builtin', a.builtin,
		   'reason', CASE WHEN i.identity IS NULL THEN 'dropped' ELSE 'temporary' END)
FROM @extschema@.default_policy_allowlist AS a
	 LEFT JOIN pg_catalog.pg_proc AS p ON p.oid OPERATOR(pg_catalog.=) a.function,
	 LATERAL pg_catalog.pg_identify_object('pg_catalog.pg_proc'::pg_catalog.regclass,
										   a.function, 0) AS i
WHERE i.identity IS NULL
   OR pg_catalog.pg_is_other_temp_schema(p.pronamespace)
   OR p.pronamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema()
ORDER BY a.function::pg_catalog.oid;

--
-- The allowlist becomes a view over default_policy_allowlist_entries.
--
ALTER EXTENSION defaults_policy DROP TABLE @extschema@.default_policy_allowlist;
ALTER TABLE @extschema@.default_policy_allowlist RENAME TO default_policy_allowlist_1_0;
ALTER INDEX @extschema@.default_policy_allowlist_pkey RENAME TO default_policy_allowlist_1_0_pkey;

CREATE TABLE @extschema@.default_policy_allowlist_entries (
	signature	pg_catalog.text COLLATE pg_catalog."C" PRIMARY KEY,
	description	pg_catalog.text,
	builtin		pg_catalog.bool NOT NULL DEFAULT false,
	added_at	pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
	added_by	pg_catalog.name NOT NULL DEFAULT pg_catalog."session_user"()
);
COMMENT ON TABLE @extschema@.default_policy_allowlist_entries IS
	'functions that may appear in dynamic defaults, by canonical signature';

INSERT INTO @extschema@.default_policy_allowlist_entries
	(signature, description, builtin, added_at, added_by)
SELECT i.identity, a.description, a.builtin, a.added_at, a.added_by
FROM @extschema@.default_policy_allowlist_1_0 AS a
	 JOIN pg_catalog.pg_proc AS p ON p.oid OPERATOR(pg_catalog.=) a.function,
	 LATERAL pg_catalog.pg_identify_object('pg_catalog.pg_proc'::pg_catalog.regclass,
										   a.function, 0) AS i
WHERE NOT pg_catalog.pg_is_other_temp_schema(p.pronamespace)
  AND p.pronamespace OPERATOR(pg_catalog.<>) pg_catalog.pg_my_temp_schema();
DROP TABLE @extschema@.default_policy_allowlist_1_0;

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
-- The seeds taken off: the same, by signature.
--
ALTER EXTENSION defaults_policy DROP TABLE @extschema@.default_policy_allowlist_removed;
ALTER TABLE @extschema@.default_policy_allowlist_removed RENAME TO default_policy_allowlist_removed_1_0;
ALTER INDEX @extschema@.default_policy_allowlist_removed_pkey RENAME TO default_policy_allowlist_removed_1_0_pkey;

CREATE TABLE @extschema@.default_policy_allowlist_removed (
	signature	pg_catalog.text COLLATE pg_catalog."C" PRIMARY KEY,
	description	pg_catalog.text,
	removed_at	pg_catalog.timestamptz NOT NULL,
	removed_by	pg_catalog.name NOT NULL
);
COMMENT ON TABLE @extschema@.default_policy_allowlist_removed IS
	'built-in allowlist entries taken off with disallow_default_function()';

INSERT INTO @extschema@.default_policy_allowlist_removed
	(signature, description, removed_at, removed_by)
SELECT i.identity, r.description, r.removed_at, r.removed_by
FROM @extschema@.default_policy_allowlist_removed_1_0 AS r,
	 LATERAL pg_catalog.pg_identify_object('pg_catalog.pg_proc'::pg_catalog.regclass,
										   r.function, 0) AS i
WHERE i.identity IS NOT NULL;
DROP TABLE @extschema@.default_policy_allowlist_removed_1_0;

CREATE OR REPLACE FUNCTION @extschema@.remove_seed_trigger()
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

GRANT SELECT ON @extschema@.default_policy_allowlist_entries, @extschema@.default_policy_allowlist,
	@extschema@.default_policy_allowlist_removed TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('@extschema@.default_policy_allowlist_entries', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.default_policy_allowlist_removed', '');

-- The audit id sequence cycles: one set to its end wraps instead of failing,
-- and the audit writer sets it after the trail again.
ALTER SEQUENCE @extschema@.default_policy_audit_id_seq CYCLE;
