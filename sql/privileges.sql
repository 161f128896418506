--
-- privileges: who may change policies, the allowlist and the audit trail
--
-- The policy and allowlist functions are not executable by PUBLIC: a
-- superuser grants them to the roles that run migrations.  They write the
-- extension's tables as the extension's owner, so the caller needs no
-- privilege on the tables, and the audit row names the caller.
--
-- The tables are readable by PUBLIC.  Only a superuser writes them
-- directly: a statement trigger refuses everyone else, which closes what
-- privileges alone leave open (pg_write_all_data, or a GRANT made by
-- mistake).  No one but the owner can drop or alter them.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE ROLE regress_dp_nobody;
CREATE ROLE regress_dp_migrator;
CREATE ROLE regress_dp_writer IN ROLE pg_write_all_data;
CREATE ROLE regress_dp_granted;
GRANT INSERT, UPDATE, DELETE, TRUNCATE
	ON default_policy, default_policy_allowlist_entries, default_policy_allowlist_removed,
	   default_policy_audit
	TO regress_dp_granted;

-- attempts(statements): run each statement and say how it ended, with the
-- error's SQLSTATE ("code"), message and detail
CREATE FUNCTION attempts(statements text[])
RETURNS TABLE(statement text, code text, message text, detail text)
LANGUAGE plpgsql AS $$
BEGIN
	FOREACH statement IN ARRAY statements LOOP
		BEGIN
			EXECUTE statement;
			code := '00000';
			message := 'ok';
			detail := NULL;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
				message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
			detail := nullif(detail, '');
		END;
		RETURN NEXT;
	END LOOP;
END
$$;

-- what the extension's tables hold, as counts; and a fingerprint of all
-- their content
CREATE FUNCTION catalog_state(OUT summary text, OUT fingerprint text)
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
	SELECT format('policies %s, allowlist %s, removed seeds %s, audit rows %s',
				  (SELECT count(*) FROM public.default_policy),
				  (SELECT count(*) FROM public.default_policy_allowlist),
				  (SELECT count(*) FROM public.default_policy_allowlist_removed),
				  (SELECT count(*) FROM public.default_policy_audit)),
		   md5(concat((SELECT string_agg(p::text, ',' ORDER BY name COLLATE "C") FROM public.default_policy AS p),
					  (SELECT string_agg(a::text, ',' ORDER BY signature) FROM public.default_policy_allowlist AS a),
					  (SELECT string_agg(a::text, ',' ORDER BY signature) FROM public.default_policy_allowlist_removed AS a),
					  (SELECT string_agg(a::text, ',' ORDER BY id) FROM public.default_policy_audit AS a)))
$$;

-- direct writes to each table, as statements that would succeed without
-- the guard: forge a policy, allow a function, take a seed off, forge or
-- erase the audit trail
CREATE TABLE direct_writes (tbl text, op text, statement text);
INSERT INTO direct_writes VALUES
	('default_policy', 'INSERT',
	 $$INSERT INTO default_policy (name, column_type, expression, kind, created_at, updated_at, created_by, updated_by)
	   VALUES ('forged', 'integer', 'random()', 'static', now(), now(), current_user, current_user)$$),
	('default_policy', 'UPDATE', $$UPDATE default_policy SET expression = 'random()'$$),
	('default_policy', 'DELETE', $$DELETE FROM default_policy$$),
	('default_policy', 'TRUNCATE', $$TRUNCATE default_policy$$),
	('default_policy_allowlist_entries', 'INSERT',
	 $$INSERT INTO default_policy_allowlist_entries (signature) VALUES ('pg_catalog.random()')$$),
	('default_policy_allowlist_entries', 'INSERT ON CONFLICT',
	 $$INSERT INTO default_policy_allowlist_entries (signature) VALUES ('pg_catalog.random()') ON CONFLICT DO NOTHING$$),
	('default_policy_allowlist_entries', 'MERGE',
	 $$MERGE INTO default_policy_allowlist_entries AS a USING (VALUES ('pg_catalog.random()')) AS v(f)
	   ON a.signature = v.f WHEN NOT MATCHED THEN INSERT (signature) VALUES (v.f)$$),
	('default_policy_allowlist_entries', 'UPDATE',
	 $$UPDATE default_policy_allowlist_entries SET signature = 'pg_catalog.random()' WHERE signature = 'pg_catalog.now()'$$),
	('default_policy_allowlist_entries', 'DELETE', $$DELETE FROM default_policy_allowlist_entries$$),
	('default_policy_allowlist_entries', 'TRUNCATE', $$TRUNCATE default_policy_allowlist_entries$$),
	('default_policy_allowlist_removed', 'INSERT',
	 $$INSERT INTO default_policy_allowlist_removed (signature, removed_at, removed_by)
	   VALUES ('pg_catalog.gen_random_uuid()', now(), current_user)$$),
	('default_policy_allowlist_removed', 'UPDATE',
	 $$UPDATE default_policy_allowlist_removed SET description = 'x'$$),
	('default_policy_allowlist_removed', 'DELETE', $$DELETE FROM default_policy_allowlist_removed$$),
	('default_policy_allowlist_removed', 'TRUNCATE', $$TRUNCATE default_policy_allowlist_removed$$),
	('default_policy_audit', 'INSERT',
	 $$INSERT INTO default_policy_audit (id, at, txid, session_user_name, current_user_name, action)
	   VALUES (-1, now(), pg_current_xact_id(), 'someone_else', 'someone_else', 'forged')$$),
	('default_policy_audit', 'UPDATE', $$UPDATE default_policy_audit SET current_user_name = 'someone_else'$$),
	('default_policy_audit', 'DELETE', $$DELETE FROM default_policy_audit$$),
	('default_policy_audit', 'TRUNCATE', $$TRUNCATE default_policy_audit$$);
GRANT SELECT ON direct_writes TO PUBLIC;
CREATE FUNCTION try_direct_writes()
RETURNS TABLE(tbl text, op text, code text, message text, detail text)
LANGUAGE sql AS $$
	SELECT w.tbl, w.op, a.code, a.message, a.detail
	FROM direct_writes AS w, LATERAL attempts(ARRAY[w.statement]) AS a
	ORDER BY w.tbl COLLATE "C", w.op COLLATE "C"
$$;

-- DDL on the tables and the extension
CREATE TABLE ddl (statement text);
INSERT INTO ddl VALUES
	('DROP TABLE default_policy_audit'),
	('ALTER TABLE default_policy_audit DISABLE TRIGGER guard_writes'),
	('DROP TRIGGER guard_writes ON default_policy'),
	('ALTER TABLE default_policy DROP CONSTRAINT default_policy_kind_check'),
	('ALTER TABLE default_policy_allowlist ADD COLUMN note text'),
	('ALTER TABLE default_policy_allowlist_removed RENAME TO removed'),
	('ALTER TABLE default_policy_audit OWNER TO CURRENT_USER'),
	('CREATE INDEX ON default_policy_audit (action)'),
	('ALTER SEQUENCE default_policy_audit_id_seq RESTART'),
	('DROP EXTENSION defaults_policy');
GRANT SELECT ON ddl TO PUBLIC;
CREATE FUNCTION try_ddl()
RETURNS TABLE(statement text, code text, message text)
LANGUAGE sql AS $$
	SELECT a.statement, a.code, a.message
	FROM (SELECT array_agg(statement ORDER BY ctid) FROM ddl) AS d(s), LATERAL attempts(d.s) AS a
$$;

--
-- What PUBLIC may do.  Of the functions below only check_default is
-- executable by PUBLIC; none of the extension's functions is SECURITY
-- DEFINER.  Every table of the extension is readable by PUBLIC and carries
-- the guard trigger.
--
SELECT f AS function, has_function_privilege('regress_dp_nobody', f, 'EXECUTE') AS public_execute
FROM unnest(ARRAY[
	'check_default(text, text)',
	'create_default_policy(text, text, text, boolean, text)',
	'alter_default_policy(text, text, text, boolean, text)',
	'drop_default_policy(text)',
	'default_policy_value(text)',
	'allow_default_function(regprocedure, text)',
	'disallow_default_function(regprocedure)']) AS f;
SELECT count(*) AS security_definer_functions
FROM pg_depend AS d JOIN pg_proc AS p ON p.oid = d.objid
WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'defaults_policy')
  AND p.prosecdef;
SELECT c.relname,
	   has_table_privilege('regress_dp_nobody', c.oid, 'SELECT') AS public_select,
	   has_table_privilege('regress_dp_nobody', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS public_write,
	   EXISTS (SELECT 1 FROM pg_trigger AS t
			   WHERE t.tgrelid = c.oid AND t.tgname = 'guard_writes'
				 AND t.tgfoid = 'guard_catalog_trigger()'::regprocedure
				 AND t.tgenabled = 'O') AS guarded
FROM pg_depend AS d JOIN pg_class AS c ON c.oid = d.objid
WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind = 'r'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'defaults_policy')
ORDER BY c.relname COLLATE "C";

--
-- A role without grants: every policy and allowlist function is refused;
-- validation and reading are not.
--
SET ROLE regress_dp_nobody;
SELECT * FROM attempts(ARRAY[
	$$SELECT create_default_policy('p', 'integer', '0')$$,
	$$SELECT alter_default_policy('p', keep_default => true)$$,
	$$SELECT drop_default_policy('p')$$,
	$$SELECT default_policy_value('p')$$,
	$$SELECT allow_default_function('random()')$$,
	$$SELECT disallow_default_function('now()')$$]);
SELECT valid, kind, normalized FROM check_default('now()', 'timestamptz');
SELECT (SELECT count(*) FROM default_policy) AS policies,
	   (SELECT count(*) FROM default_policy_allowlist) AS allowlist,
	   (SELECT count(*) FROM default_policy_allowlist_removed) AS removed_seeds,
	   (SELECT count(*) FROM default_policy_audit) AS audit_rows;
-- the tables: privileges alone refuse it
SELECT * FROM try_direct_writes();
RESET ROLE;

--
-- A migrator: granted EXECUTE on the six functions, and nothing on the
-- tables.  Its changes go through, and the audit row names it as
-- current_user_name; session_user_name is the session's user (here the
-- superuser running this test, who did SET ROLE).  The policy's created_by
-- and updated_by are the session user too.
--
GRANT EXECUTE ON FUNCTION
	create_default_policy(text, text, text, boolean, text),
	alter_default_policy(text, text, text, boolean, text),
	drop_default_policy(text),
	default_policy_value(text),
	allow_default_function(regprocedure, text),
	disallow_default_function(regprocedure)
TO regress_dp_migrator;
CREATE SEQUENCE invoice_no;
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset
SET ROLE regress_dp_migrator;
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('created', 'timestamptz', 'now()');
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('created', keep_default => true, description => 'by the migrator');
BEGIN;
SELECT default_policy_value('created')::timestamptz = now() AS created_is_now;
COMMIT;
SELECT allow_default_function('random()', 'dice');
SELECT name, column_type, expression, kind
FROM create_default_policy('dice', 'float8', 'random()');
SELECT default_policy_value('dice')::float8 BETWEEN 0 AND 1 AS dice;
SELECT drop_default_policy('dice');
SELECT disallow_default_function('random()');
-- validation needs no privilege on what the expression names, but the
-- value is computed as the caller: nextval() needs USAGE on the sequence
SELECT name, column_type, expression, kind
FROM create_default_policy('invoice', 'bigint', 'nextval(''invoice_no'')');
SELECT * FROM attempts(ARRAY[$$SELECT default_policy_value('invoice')$$]);
RESET ROLE;
GRANT USAGE ON SEQUENCE invoice_no TO regress_dp_migrator;
SET ROLE regress_dp_migrator;
SELECT default_policy_value('invoice');
SELECT drop_default_policy('invoice');
-- the migrator still cannot write the tables directly
SELECT * FROM attempts(ARRAY[
	$$DELETE FROM default_policy_audit$$,
	$$INSERT INTO default_policy_allowlist_entries (signature) VALUES ('pg_catalog.random()')$$]);
RESET ROLE;

SELECT action, policy_name, current_user_name, session_user_name = session_user AS session_user_is_tester,
	   expression, detail->>'function' AS function
FROM default_policy_audit WHERE id > :seen ORDER BY id;
SELECT name, created_by = session_user AS created_by_session_user,
	   updated_by = session_user AS updated_by_session_user
FROM default_policy;

-- an error inside the extension's own statements, which run as the
-- extension's owner under a fixed search_path, gives the caller back its
-- identity and settings: here a superuser's trigger refuses the update of
-- the policy row, so the whole call fails
CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'refused by a trigger (running as the caller: %)', current_user = 'regress_dp_migrator';
END $$;
CREATE TRIGGER refuse_update BEFORE UPDATE ON default_policy
	FOR EACH ROW EXECUTE FUNCTION refuse_update();
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset
SET ROLE regress_dp_migrator;
SET search_path = public;
SELECT code, message
FROM attempts(ARRAY[$$SELECT alter_default_policy('created', description => 'again')$$]);
SELECT current_user, current_setting('search_path') AS search_path,
	   (SELECT description FROM default_policy WHERE name = 'created') AS description,
	   (SELECT count(*) FROM default_policy_audit WHERE id > :seen) AS new_audit_rows;
RESET search_path;
RESET ROLE;
DROP TRIGGER refuse_update ON default_policy;
DROP FUNCTION refuse_update();

--
-- pg_write_all_data, or INSERT, UPDATE, DELETE and TRUNCATE granted on the
-- tables, are not enough: the guard refuses every direct write, whatever the
-- statement (INSERT, INSERT ... ON CONFLICT, MERGE, UPDATE, DELETE,
-- TRUNCATE, COPY), with a DETAIL saying why.  (pg_write_all_data does not
-- cover TRUNCATE: PostgreSQL refuses that one itself, without a DETAIL.)
--
-- what PostgreSQL's privileges alone would allow them
SELECT c.relname,
	   has_table_privilege('regress_dp_writer', c.oid, 'INSERT') AND
	   has_table_privilege('regress_dp_writer', c.oid, 'UPDATE') AND
	   has_table_privilege('regress_dp_writer', c.oid, 'DELETE') AS writer_may_write,
	   has_table_privilege('regress_dp_writer', c.oid, 'TRUNCATE') AS writer_may_truncate,
	   has_table_privilege('regress_dp_granted', c.oid, 'INSERT') AND
	   has_table_privilege('regress_dp_granted', c.oid, 'UPDATE') AND
	   has_table_privilege('regress_dp_granted', c.oid, 'DELETE') AS granted_may_write,
	   has_table_privilege('regress_dp_granted', c.oid, 'TRUNCATE') AS granted_may_truncate
FROM pg_class AS c
WHERE c.oid IN ('default_policy'::regclass, 'default_policy_allowlist_entries'::regclass,
				'default_policy_allowlist_removed'::regclass, 'default_policy_audit'::regclass)
ORDER BY c.relname COLLATE "C";
CREATE TABLE saved_state AS SELECT * FROM catalog_state();
SELECT summary AS before FROM saved_state;
SET ROLE regress_dp_writer;
SELECT * FROM try_direct_writes();
-- COPY cannot run in a function: each is shown with its message, then
-- again with its SQLSTATE
COPY default_policy_allowlist_entries (signature) FROM stdin;
pg_catalog.random()
\.
\set VERBOSITY sqlstate
COPY default_policy_allowlist_entries (signature) FROM stdin;
pg_catalog.random()
\.
\set VERBOSITY default
RESET ROLE;
SET ROLE regress_dp_granted;
SELECT * FROM try_direct_writes();
COPY default_policy_audit (at, txid, session_user_name, current_user_name, action) FROM stdin;
2024-01-01 00:00:00+00	1	someone_else	someone_else	forged
\.
\set VERBOSITY sqlstate
COPY default_policy_audit (at, txid, session_user_name, current_user_name, action) FROM stdin;
2024-01-01 00:00:00+00	1	someone_else	someone_else	forged
\.
\set VERBOSITY default
RESET ROLE;
-- all of it changed nothing
SELECT c.summary AS after, c.fingerprint = s.fingerprint AS unchanged
FROM catalog_state() AS c, saved_state AS s;

-- pg_write_all_data covers sequences, so its members can setval() the
-- audit trail's id sequence.  That cannot stop the trail: the next change
-- sets the sequence after the last row again, whether it was set back, set
-- to its end, or set so that its next value is the last id (is_called
-- false).
SELECT max(id) AS last_id FROM default_policy_audit \gset
SET ROLE regress_dp_writer;
SELECT * FROM attempts(ARRAY[$$SELECT setval('default_policy_audit_id_seq', 1, false)$$]);
RESET ROLE;
SELECT code, message FROM attempts(ARRAY[$$SELECT create_default_policy('p', 'integer', '0')$$]);
SET ROLE regress_dp_writer;
SELECT * FROM attempts(ARRAY[$$SELECT setval('default_policy_audit_id_seq', 9223372036854775807)$$]);
RESET ROLE;
SELECT code, message FROM attempts(ARRAY[$$SELECT alter_default_policy('p', description => 'twice')$$]);
SET ROLE regress_dp_writer;
SELECT * FROM attempts(ARRAY[$$SELECT setval('default_policy_audit_id_seq',
	(SELECT max(id) FROM default_policy_audit), false)$$]);
RESET ROLE;
SELECT code, message FROM attempts(ARRAY[$$SELECT drop_default_policy('p')$$]);
SELECT array_agg(id - :last_id ORDER BY id) AS new_ids, array_agg(action ORDER BY id) AS actions
FROM default_policy_audit WHERE id > :last_id;
-- (a plain role cannot)
SET ROLE regress_dp_nobody;
SELECT * FROM attempts(ARRAY[$$SELECT setval('default_policy_audit_id_seq', 1, false)$$]);
RESET ROLE;

--
-- Nor can they drop or alter the tables, the trigger, the sequence or the
-- extension: only the owner can.
--
SET ROLE regress_dp_writer;
SELECT * FROM try_ddl();
RESET ROLE;
SET ROLE regress_dp_granted;
SELECT * FROM try_ddl();
RESET ROLE;

--
-- A superuser can still write the tables directly.  Such writes bypass the
-- functions' checks and write no audit row.
--
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset
BEGIN;
INSERT INTO default_policy_allowlist_entries (signature, description) VALUES ('pg_catalog.random()', 'by hand');
UPDATE default_policy_allowlist_entries SET description = 'by hand, updated' WHERE signature = 'pg_catalog.random()';
SELECT function, description, builtin FROM default_policy_allowlist WHERE NOT builtin;
SELECT valid, kind FROM check_default('random()', 'float8');
DELETE FROM default_policy_allowlist_entries WHERE signature = 'pg_catalog.random()';
UPDATE default_policy SET description = 'by hand' WHERE name = 'created';
SELECT name, description FROM default_policy;
TRUNCATE default_policy_audit;
SELECT count(*) AS audit_rows FROM default_policy_audit;
ROLLBACK;
SELECT count(*) AS new_audit_rows FROM default_policy_audit WHERE id > :seen;

DROP EXTENSION defaults_policy CASCADE;
DROP FUNCTION try_direct_writes();
DROP FUNCTION try_ddl();
DROP FUNCTION attempts(text[]);
DROP FUNCTION catalog_state();
DROP TABLE saved_state, direct_writes, ddl;
DROP SEQUENCE invoice_no;
DROP OWNED BY regress_dp_nobody, regress_dp_migrator, regress_dp_writer, regress_dp_granted;
DROP ROLE regress_dp_nobody, regress_dp_migrator, regress_dp_writer, regress_dp_granted;
