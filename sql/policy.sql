--
-- policy: named default policies, the allowlist, and their audit trail
--
-- A policy is a validated (column type, expression) pair under a name that
-- migrations use.  It is validated by the same engine as check_default, and
-- stored as canonical text: the type as format_type writes it, typmod
-- included, and the expression deparsed under search_path pg_catalog,
-- pg_temp, so that everything outside pg_catalog is schema-qualified.  The
-- extension always reads that text back under the same path, so neither a
-- reader's search_path nor an object created later changes what a stored
-- policy means.
--
-- Every change writes one row to default_policy_audit, in the transaction
-- of the change.  A refused call changes nothing: no policy, no allowlist
-- entry, no audit row.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'
\set SHOW_CONTEXT never

-- a fixture of user objects
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE SEQUENCE order_no;
CREATE FUNCTION user_stamp() RETURNS timestamptz LANGUAGE sql STABLE
	AS 'SELECT pg_catalog.now()';

-- what the extension's tables hold, as counts; and a fingerprint of all
-- their content (the seeds taken off the allowlist included)
CREATE FUNCTION catalog_state(OUT summary text, OUT fingerprint text)
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
	SELECT format('policies %s, allowlist %s, audit rows %s',
				  (SELECT count(*) FROM public.default_policy),
				  (SELECT count(*) FROM public.default_policy_allowlist),
				  (SELECT count(*) FROM public.default_policy_audit)),
		   md5(concat((SELECT string_agg(p::text, ',' ORDER BY name COLLATE "C") FROM public.default_policy AS p),
					  (SELECT string_agg(a::text, ',' ORDER BY signature) FROM public.default_policy_allowlist AS a),
					  (SELECT string_agg(a::text, ',' ORDER BY signature) FROM public.default_policy_allowlist_removed AS a),
					  (SELECT string_agg(a::text, ',' ORDER BY id) FROM public.default_policy_audit AS a)))
$$;

-- try(statement): run one statement and say how it ended, with the error's
-- SQLSTATE, message, detail and hint; then whether the tables changed.
-- (No text = in here: it is also called under a hostile search_path below.)
CREATE FUNCTION try(statement text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	before	record := catalog_state();
	after	record;
	e_state	text;
	e_msg	text;
	e_det	text;
	e_hint	text;
BEGIN
	BEGIN
		EXECUTE statement;
		RETURN NEXT 'ok';
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT,
			e_det = PG_EXCEPTION_DETAIL, e_hint = PG_EXCEPTION_HINT;
		RETURN NEXT 'ERROR ' || e_state || ':  ' || e_msg;
		IF length(e_det) > 0 THEN
			RETURN NEXT 'DETAIL:  ' || e_det;
		END IF;
		IF length(e_hint) > 0 THEN
			RETURN NEXT 'HINT:  ' || e_hint;
		END IF;
	END;
	after := catalog_state();
	IF before.fingerprint OPERATOR(pg_catalog.=) after.fingerprint THEN
		RETURN NEXT 'unchanged: ' || after.summary;
	ELSE
		RETURN NEXT 'CHANGED: ' || before.summary || ' -> ' || after.summary;
	END IF;
END
$$;

-- the audit rows written since the mark (set with \gset)
SELECT 0 AS seen \gset

--
-- Creating policies.  The returned row is the stored one: the column type in
-- canonical form with its typmod, the expression as canonical text, and its
-- kind.  keep_default defaults to false and description to NULL.
--
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('zero', 'int4', '0');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('price', 'numeric(10,2)', '1.234',
						   description => 'rounded when used');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('code', 'varchar(3)', '''abc''', keep_default => true);
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('stamp', 'timestamptz', 'now()', true, 'time of each insert');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('stamp_sql', 'timestamptz', 'CURRENT_TIMESTAMP');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('stamp_ms', 'timestamptz(3)', 'now()');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('Created At', 'timestamp', 'LOCALTIMESTAMP');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('day', 'date', 'now()');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('tomorrow', 'timestamptz', 'now() + interval ''1 day''');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('uid', 'uuid', 'gen_random_uuid()');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('ticket', 'bigint', 'nextval(''order_no'')');
-- user types are schema-qualified in both the type and the expression
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('feeling', 'mood', '''ok''');
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('quantity', 'positive_int', '2 + 3');
-- an empty description is no description
SELECT name, column_type, expression, kind, keep_default, description
FROM create_default_policy('flag', 'bool', 'true', false, '');

-- created and updated by the session user, at the same time
SELECT name, created_at IS NOT NULL AS has_created_at, updated_at = created_at AS not_updated,
	   created_by = session_user AS created_by_me, updated_by = session_user AS updated_by_me
FROM default_policy ORDER BY name COLLATE "C";

-- one audit row per policy, with the canonical type and expression; an
-- empty description is no description, in the row and in the audit
SELECT action, policy_name, column_type, expression, kind, kept_default, detail,
	   table_name, column_name, rewrote
FROM default_policy_audit WHERE id > :seen ORDER BY id;
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset

--
-- default_policy_value(name): the value a policy gives now, as text.  A
-- static policy gives its value with the type's typmod applied; a dynamic one
-- is evaluated now, as the caller.
--
SELECT name, default_policy_value(name) AS value
FROM default_policy WHERE kind = 'static' ORDER BY name COLLATE "C";
-- now() is the start of the transaction, with the column's typmod applied
BEGIN;
SELECT default_policy_value('stamp')::timestamptz = now() AS stamp,
	   default_policy_value('stamp_sql')::timestamptz = now() AS stamp_sql,
	   default_policy_value('stamp_ms')::timestamptz = now()::timestamptz(3) AS stamp_ms,
	   default_policy_value('Created At')::timestamp = localtimestamp AS "Created At",
	   default_policy_value('day')::date = current_date AS day,
	   default_policy_value('tomorrow')::timestamptz = now() + interval '1 day' AS tomorrow;
COMMIT;
-- a fresh UUID each time
SELECT default_policy_value('uid') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' AS is_uuid_v4,
	   default_policy_value('uid') <> default_policy_value('uid') AS differs;
-- nextval() takes a number from the sequence at each call
SELECT default_policy_value('ticket') AS first, default_policy_value('ticket') AS second;
SELECT last_value FROM order_no;
-- reading values changes nothing in the catalog and writes no audit row
SELECT count(*) AS new_audit_rows FROM default_policy_audit WHERE id > :seen;
SELECT try($$SELECT default_policy_value('no_such_policy')$$);
SELECT try($$SELECT default_policy_value('')$$);
SELECT try($$SELECT default_policy_value(NULL)$$);

--
-- Refusals.  An invalid expression is refused with the reason check_default
-- gives, as the DETAIL, and the engine's SQLSTATE.  Each call below leaves
-- the three tables as they were.
--
SELECT try($$SELECT create_default_policy('zero', 'integer', '1')$$);
SELECT try($$SELECT create_default_policy('', 'integer', '1')$$);
SELECT try($$SELECT create_default_policy(NULL, 'integer', '1')$$);
SELECT try($$SELECT create_default_policy('p', NULL, '1')$$);
SELECT try($$SELECT create_default_policy('p', 'integer', NULL)$$);
-- functions that are neither built-in immutable nor allowlisted
SELECT try($$SELECT create_default_policy('p', 'float8', 'random()')$$);
SELECT try($$SELECT create_default_policy('p', 'timestamptz', 'user_stamp()')$$);
-- the special datetime inputs
SELECT try($$SELECT create_default_policy('p', 'timestamptz', '''now''')$$);
SELECT try($$SELECT create_default_policy('p', 'date', '''today''')$$);
-- what a default cannot hold
SELECT try($$SELECT create_default_policy('p', 'integer', 'a')$$);
SELECT try($$SELECT create_default_policy('p', 'integer', '(SELECT 1)')$$);
SELECT try($$SELECT create_default_policy('p', 'integer', '1; DROP TABLE default_policy')$$);
SELECT try($$SELECT create_default_policy('p', 'integer', '1 +')$$);
SELECT try($$SELECT create_default_policy('p', 'integer', '')$$);
-- the type
SELECT try($$SELECT create_default_policy('p', 'no_such_type', '1')$$);
SELECT try($$SELECT create_default_policy('p', 'void', '1')$$);
SELECT try($$SELECT create_default_policy('p', 'integer', 'now()')$$);
-- values that do not fit the type
SELECT try($$SELECT create_default_policy('p', 'integer', 'NULL')$$);
SELECT try($$SELECT create_default_policy('p', 'varchar(3)', '''abcd''')$$);
SELECT try($$SELECT create_default_policy('p', 'numeric(10,2)', '123456789.5')$$);
SELECT try($$SELECT create_default_policy('p', 'positive_int', '0')$$);
SELECT try($$SELECT create_default_policy('p', 'mood', '''bored''')$$);
SELECT try($$SELECT create_default_policy('p', 'integer', '1/0')$$);
-- the name is checked first: a taken name is reported as such, whatever
-- the expression
SELECT try($$SELECT create_default_policy('zero', 'integer', 'random()')$$);

--
-- A policy and its audit row commit or roll back together.
--
BEGIN;
SELECT name, expression FROM create_default_policy('short_lived', 'integer', '7');
SELECT action, policy_name FROM default_policy_audit WHERE id > :seen;
ROLLBACK;
SELECT count(*) AS short_lived FROM default_policy WHERE name = 'short_lived';
SELECT count(*) AS new_audit_rows FROM default_policy_audit WHERE id > :seen;

--
-- alter_default_policy(name, column_type, expression, keep_default,
-- description) changes the fields given; NULL leaves a field as it is, and
-- an empty description removes it.  The result is validated again as a
-- whole: a new type re-validates the stored expression against it.
--
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('zero', description => 'nothing yet');
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('zero', keep_default => true);
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('zero', expression => '1 + 1');
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('zero', column_type => 'bigint');
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('zero', description => '');
-- a static policy may become dynamic, and back
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('zero', expression => 'nextval(''order_no'')', keep_default => false);
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('zero', 'integer', '0', false, 'back to zero');
-- a wider varchar keeps 'abc'; a narrower one does not fit it
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('code', column_type => 'varchar(5)');
SELECT try($$SELECT alter_default_policy('code', column_type => 'varchar(2)')$$);
-- ... unless the expression changes with it
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('code', column_type => 'varchar(2)', expression => '''ab''');
-- now() fits a date column (through the allowlisted date(timestamptz)), not
-- an integer one
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('stamp', column_type => 'date');
SELECT try($$SELECT alter_default_policy('stamp', column_type => 'integer')$$);
SELECT name, column_type, expression, kind, keep_default, description
FROM alter_default_policy('stamp', column_type => 'timestamptz');
-- the domain's CHECK is applied to a new expression; the enum's labels too
SELECT try($$SELECT alter_default_policy('quantity', expression => '-1')$$);
SELECT try($$SELECT alter_default_policy('feeling', expression => '''bored''')$$);
SELECT try($$SELECT alter_default_policy('feeling', expression => 'random()')$$);
SELECT try($$SELECT alter_default_policy('feeling', column_type => 'no_such_type')$$);
-- nothing to change, no such policy, no name
SELECT try($$SELECT alter_default_policy('zero')$$);
SELECT try($$SELECT alter_default_policy('zero', NULL, NULL, NULL, NULL)$$);
SELECT try($$SELECT alter_default_policy('no_such_policy', keep_default => true)$$);
SELECT try($$SELECT alter_default_policy('', keep_default => true)$$);
SELECT try($$SELECT alter_default_policy(NULL, keep_default => true)$$);

-- an altered policy keeps its creation and records its update
SELECT name, updated_at > created_at AS updated_later, updated_by = session_user AS updated_by_me
FROM default_policy WHERE name IN ('zero', 'code', 'stamp') ORDER BY name COLLATE "C";

-- each successful alter wrote one audit row: the new values, and the whole
-- old row in detail->'old'
SELECT action, policy_name, column_type, expression, kind, kept_default,
	   detail->'old'->>'column_type' AS old_type,
	   detail->'old'->>'expression' AS old_expression,
	   detail->'old'->>'kind' AS old_kind,
	   detail->'old'->'keep_default' AS old_keep,
	   detail->'old'->>'description' AS old_description
FROM default_policy_audit WHERE id > :seen ORDER BY id;
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset

--
-- drop_default_policy(name).  The audit row keeps the dropped row.
--
SELECT drop_default_policy('flag');
SELECT count(*) AS flag FROM default_policy WHERE name = 'flag';
SELECT try($$SELECT drop_default_policy('flag')$$);
SELECT try($$SELECT drop_default_policy('')$$);
SELECT try($$SELECT drop_default_policy(NULL)$$);
SELECT action, policy_name, column_type, expression, kind, kept_default,
	   detail->'old'->>'name' AS old_name, detail->'old'->>'expression' AS old_expression
FROM default_policy_audit WHERE id > :seen ORDER BY id;
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset

--
-- The allowlist.  allow_default_function(fn, description) adds a function,
-- which may then appear in dynamic policies; disallow_default_function(fn)
-- removes it, and is refused while a policy uses it.
--
SELECT allow_default_function('user_stamp()', 'our clock');
SELECT function, description, builtin, added_by = session_user AS added_by_me,
	   added_at IS NOT NULL AS has_added_at
FROM default_policy_allowlist WHERE NOT builtin;
-- the user function is now allowed, schema-qualified in canonical text
SELECT name, column_type, expression, kind
FROM create_default_policy('our_stamp', 'timestamptz', 'user_stamp() - interval ''1 hour''');
BEGIN;
SELECT default_policy_value('our_stamp')::timestamptz = now() - interval '1 hour' AS our_stamp;
COMMIT;
-- refusals: already there (by OID: the seeds too), not a plain function,
-- no function
SELECT try($$SELECT allow_default_function('user_stamp()')$$);
SELECT try($$SELECT allow_default_function('pg_catalog.now()')$$);
SELECT try($$SELECT allow_default_function('sum(integer)')$$);
SELECT try($$SELECT allow_default_function('row_number()')$$);
SELECT try($$SELECT allow_default_function('generate_series(integer, integer)')$$);
CREATE PROCEDURE user_proc() LANGUAGE sql AS 'SELECT 1';
SELECT try($$SELECT allow_default_function('user_proc()')$$);
SELECT try($$SELECT allow_default_function(NULL)$$);
-- disallowing a function in use is refused, naming every policy that uses
-- it; CURRENT_TIMESTAMP and LOCALTIMESTAMP count as now(), and now() in a
-- date column also uses date(timestamptz)
SELECT try($$SELECT disallow_default_function('user_stamp()')$$);
SELECT try($$SELECT disallow_default_function('now()')$$);
SELECT try($$SELECT disallow_default_function('date(timestamptz)')$$);
SELECT try($$SELECT disallow_default_function('timestamptz_pl_interval(timestamptz, interval)')$$);
SELECT try($$SELECT disallow_default_function('nextval(regclass)')$$);
-- not on the list
SELECT try($$SELECT disallow_default_function('random()')$$);
SELECT try($$SELECT disallow_default_function(NULL)$$);
-- once no policy uses it, it can go, and policies cannot use it any more
SELECT drop_default_policy('our_stamp');
SELECT disallow_default_function('user_stamp()');
SELECT try($$SELECT create_default_policy('our_stamp', 'timestamptz', 'user_stamp()')$$);
-- a seed that no policy uses can go too; default_policy_allowlist_removed
-- remembers it (so that a dump and restore keeps it off), and allowing it
-- again puts the seed back as it was, description included
SELECT disallow_default_function('clock_timestamp()');
SELECT count(*) AS clock_timestamp FROM default_policy_allowlist
WHERE function = 'clock_timestamp()'::regprocedure;
SELECT signature, description, removed_by = session_user AS removed_by_me,
	   removed_at IS NOT NULL AS has_removed_at
FROM default_policy_allowlist_removed;
SELECT allow_default_function('clock_timestamp()');
SELECT function, description, builtin FROM default_policy_allowlist
WHERE function = 'clock_timestamp()'::regprocedure;
SELECT count(*) AS removed_seeds FROM default_policy_allowlist_removed;

-- The allowlist holds signatures, and an entry goes with its function:
-- dropping an allowlisted function takes its entry off (audited with the
-- reason), so that a function created later with the same signature is not
-- allowed.
CREATE FUNCTION user_gone() RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT allow_default_function('user_gone()');
DROP FUNCTION user_gone();
SELECT count(*) AS entries_left FROM default_policy_allowlist
WHERE signature = 'public.user_gone()';
CREATE FUNCTION user_gone() RETURNS integer LANGUAGE sql AS 'SELECT 2';
SELECT valid, kind FROM check_default('user_gone()', 'integer');
DROP FUNCTION user_gone();

-- the allowlist changes in the audit trail: the function, canonically named
SELECT action, policy_name, expression, detail->>'function' AS function,
	   detail->'builtin' AS builtin, detail->>'description' AS description,
	   detail->>'reason' AS reason
FROM default_policy_audit WHERE id > :seen ORDER BY id;
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset

--
-- search_path safety.  Policy text is read back under pg_catalog, pg_temp,
-- and the extension's own SQL is fully qualified, so objects in a schema
-- that comes first on the caller's search_path change nothing: not a
-- public.now() that shadows pg_catalog.now(), not a public.= on text.
-- Both announce themselves when they run.
--
CREATE TABLE hostile_calls (what text);
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RAISE NOTICE 'public.now() called';
	INSERT INTO public.hostile_calls VALUES ('now');
	RETURN pg_catalog.now();
END
$$;
CREATE FUNCTION public.hostile_texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'public.= called';
	INSERT INTO public.hostile_calls VALUES ('=');
	RETURN false;
END
$$;
CREATE OPERATOR public.= (leftarg = text, rightarg = text, function = public.hostile_texteq);
CREATE FUNCTION public.hostile_regproceq(regprocedure, regprocedure) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'public.= on regprocedure called';
	INSERT INTO public.hostile_calls VALUES ('= on regprocedure');
	RETURN false;
END
$$;
CREATE OPERATOR public.= (leftarg = regprocedure, rightarg = regprocedure,
						  function = public.hostile_regproceq);
-- a policy made before the trap, using the = on text
SELECT name, column_type, expression, kind
FROM create_default_policy('is_lower', 'boolean', 'lower(''ABC'') = ''abc''');
SET search_path = public, pg_catalog;
-- the trap works: plain SQL now finds all three
SELECT 'abc'::text = 'abc'::text AS equal, now() IS NOT NULL AS has_now,
	   'now()'::regprocedure = 'now()'::regprocedure AS same_function;
SELECT what, count(*) FROM hostile_calls GROUP BY what ORDER BY what COLLATE "C";
TRUNCATE hostile_calls;

-- now() as the caller writes it is the user's public.now(), which is
-- refused; pg_catalog.now() is accepted and stored as now(), which the
-- extension reads as pg_catalog.now().  CURRENT_TIMESTAMP is pg_catalog's.
SELECT try($$SELECT create_default_policy('hostile_now', 'timestamptz', 'now()')$$);
SELECT name, column_type, expression, kind
FROM create_default_policy('safe_now', 'timestamptz', 'pg_catalog.now()');
SELECT name, column_type, expression, kind
FROM create_default_policy('safe_sql_now', 'timestamptz', 'CURRENT_TIMESTAMP');
-- so is = : the caller's is public.=, which is refused
SELECT try($$SELECT create_default_policy('hostile_eq', 'boolean', 'lower(''ABC'') = ''abc''')$$);
SELECT name, column_type, expression, kind
FROM create_default_policy('safe_eq', 'boolean', 'lower(''ABC'') OPERATOR(pg_catalog.=) ''abc''');
-- stored policies evaluate as they were validated
BEGIN;
SELECT default_policy_value('safe_now')::timestamptz OPERATOR(pg_catalog.=) pg_catalog.now() AS safe_now,
	   default_policy_value('stamp')::timestamptz OPERATOR(pg_catalog.=) pg_catalog.now() AS stamp;
COMMIT;
SELECT default_policy_value('is_lower') AS is_lower, default_policy_value('safe_eq') AS safe_eq;
-- alter re-validates the stored text under the canonical path; a new
-- expression is read under the caller's
SELECT name, column_type, expression, kind, keep_default
FROM alter_default_policy('safe_now', keep_default => true);
SELECT name, column_type, expression, kind, keep_default
FROM alter_default_policy('is_lower', description => 'made before the trap');
SELECT name, column_type, expression, kind, keep_default
FROM alter_default_policy('safe_eq', column_type => 'bool');
SELECT try($$SELECT alter_default_policy('safe_now', expression => 'now()')$$);
-- the allowlist: names are the caller's to resolve ('now()' is public.now()
-- here), entries are found by OID
SELECT try($$SELECT allow_default_function('pg_catalog.now()')$$);
SELECT try($$SELECT disallow_default_function('now()')$$);
SELECT try($$SELECT disallow_default_function('pg_catalog.now()')$$);
SELECT try($$SELECT allow_default_function('pg_catalog.random()', 'dice')$$);
SELECT try($$SELECT disallow_default_function('pg_catalog.random()')$$);
SELECT try($$SELECT drop_default_policy('safe_sql_now')$$);
SELECT try($$SELECT drop_default_policy('no_such_policy')$$);
-- what each change recorded
SELECT action, policy_name, column_type, expression, kind, kept_default,
	   detail->>'function' AS function
FROM default_policy_audit WHERE id > :seen ORDER BY id;
SELECT coalesce(max(id), 0) AS seen FROM default_policy_audit \gset
RESET search_path;
-- neither public.now() nor a public.= ran
SELECT count(*) AS hostile_calls FROM hostile_calls;
DROP OPERATOR public.= (text, text);
DROP OPERATOR public.= (regprocedure, regprocedure);
DROP FUNCTION public.hostile_texteq(text, text);
DROP FUNCTION public.hostile_regproceq(regprocedure, regprocedure);
DROP FUNCTION public.now();

--
-- The audit trail as a whole: one row per change, in order, by the session
-- user acting as itself.
--
SELECT action, count(*) FROM default_policy_audit GROUP BY action ORDER BY action COLLATE "C";
SELECT bool_and(session_user_name = session_user) AS session_user_recorded,
	   bool_and(current_user_name = current_user) AS current_user_recorded,
	   bool_and(at IS NOT NULL AND txid IS NOT NULL) AS when_recorded,
	   bool_and(table_name IS NULL AND column_name IS NULL AND rewrote IS NULL) AS catalog_actions_only
FROM default_policy_audit;
-- one transaction per change here, and times in order
SELECT count(DISTINCT txid) = count(*) AS one_txid_each,
	   bool_and(at >= prev_at) IS NOT FALSE AS in_order
FROM (SELECT txid, at, lag(at) OVER (ORDER BY id) AS prev_at FROM default_policy_audit) AS a;

-- the final catalog
SELECT name, column_type, expression, kind, keep_default, description
FROM default_policy ORDER BY name COLLATE "C";

DROP EXTENSION defaults_policy CASCADE;
DROP FUNCTION try(text);
DROP FUNCTION catalog_state();
DROP TABLE hostile_calls;
DROP PROCEDURE user_proc();
DROP FUNCTION user_stamp();
DROP SEQUENCE order_no;
DROP DOMAIN positive_int;
DROP TYPE mood;
