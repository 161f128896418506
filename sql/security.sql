--
-- security: validating a default runs nobody's code
--
-- The rule (issue 8): validating a default runs no code but built-in
-- immutable functions, for any caller, on any path, and leaves nothing
-- behind.  A type is safe when no domain constraint reachable from it
-- (through arrays, composites and table row types, ranges, multiranges,
-- domains over domains) calls anything else; a default whose column type,
-- or any type it names or produces, is not safe is invalid (42P17), with a
-- reason that names the type and the function.  Volatility labels on user
-- functions are never trusted.
--
-- This suite plays the attack.  A plain role, regress_mallory, owner of
-- schema m, sets traps: domains whose CHECK calls her payload, and the types
-- built over them.  A superuser then calls each of the extension's functions
-- on them, as a routine report or migration would.  After each call we look
-- at what happened:
--
--   superuser      is regress_mallory a superuser now?  (must be false)
--   ran_rows       rows the payload wrote to m.ran; rolled back with the
--                  payload, so a row means its work stayed  (must be 0)
--   payload_calls  times any of her functions started, even inside a
--                  subtransaction that was rolled back: a sequence is not
--                  transactional, as COPY ... TO PROGRAM is not  (must be 0)
--
-- and the answer the call gave: the verdict, or the error's SQLSTATE, and
-- whether its reason names the unsafe type and the function.  The traps are
-- reset before each case, so that one case's success hides no other.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'
\set SHOW_CONTEXT never

CREATE ROLE regress_mallory;
CREATE SCHEMA m AUTHORIZATION regress_mallory;	-- her traps
CREATE SCHEMA mt AUTHORIZATION regress_mallory;	-- her tables with stored defaults

--
-- The attacker's side: everything below until RESET ROLE is hers.
--
SET ROLE regress_mallory;

-- the witnesses
CREATE TABLE m.ran (note text);
CREATE SEQUENCE m.calls;

-- The payload, honestly labelled VOLATILE.  As a superuser it makes her
-- one, and records that it did.
CREATE FUNCTION m.payload(integer) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	PERFORM pg_catalog.nextval('m.calls');
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		EXECUTE 'ALTER ROLE regress_mallory SUPERUSER';
		INSERT INTO m.ran VALUES ('payload ran as a superuser');
	END IF;
	RETURN true;
END
$$;

-- The IMMUTABLE-labelled wrapper: a label is a promise that nobody checks.
CREATE FUNCTION m.wrapper(integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN m.payload($1);
END
$$;

-- The type shapes.  Each input function below runs the domain's CHECK:
-- array_in, record_in, range_in and multirange_in call domain_in for every
-- element, field or bound.
CREATE DOMAIN m.d AS integer CHECK (m.payload(VALUE));		-- the domain
CREATE DOMAIN m.di AS integer CHECK (m.wrapper(VALUE));		-- through the wrapper
CREATE DOMAIN m.dd AS m.d;									-- a domain over the domain
CREATE TYPE m.comp AS (f m.d);								-- a composite
CREATE TABLE m.rowtab (f m.d);								-- a table's row type
CREATE TYPE m.drange AS RANGE (subtype = m.d);				-- a range, and
SELECT 'm.dmultirange'::regtype AS its_multirange;			-- its multirange

CREATE TYPE m.nest AS (c m.comp);							-- nested composites
CREATE DOMAIN m.darr AS m.d[];								-- a domain over an array

-- A CHECK can call her code without calling a function by name: through
-- an operator, or by coercing to another of her domains.
CREATE FUNCTION m.gt_payload(integer, integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN m.payload($1);
END
$$;
CREATE OPERATOR m.>>> (LEFTARG = integer, RIGHTARG = integer, FUNCTION = m.gt_payload);
CREATE DOMAIN m.dop AS integer CHECK (VALUE OPERATOR(m.>>>) 0);
CREATE DOMAIN m.dref AS integer CHECK ((VALUE::m.d) IS NOT NULL);

-- A range's canonical function would be another way in: it must take the
-- range type before the range exists, that is a shell type, and only a
-- superuser may create one (and only in C may a function take one).
CREATE TYPE m.crange;

-- Side effects of a check that succeeds: a CHECK that writes a row, one
-- that changes settings of the caller's session, one that adds a column
-- (re-entering the extension).  Each is labelled IMMUTABLE.
CREATE FUNCTION m.note(integer) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	PERFORM pg_catalog.nextval('m.calls');
	INSERT INTO m.ran VALUES ('a CHECK wrote this row');
	RETURN true;
END
$$;
CREATE FUNCTION m.note_wrapper(integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN m.note($1);
END
$$;
CREATE DOMAIN m.writes AS integer CHECK (m.note_wrapper(VALUE));

CREATE FUNCTION m.settings(integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM pg_catalog.nextval('m.calls');
	PERFORM pg_catalog.set_config('search_path', 'm, pg_catalog', false);
	PERFORM pg_catalog.set_config('lock_timeout', '1ms', false);
	PERFORM pg_catalog.set_config('defaults_policy.lock_timeout', '1', false);
	RETURN true;
END
$$;
CREATE DOMAIN m.sets AS integer CHECK (m.settings(VALUE));

CREATE FUNCTION m.reenter(integer) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	PERFORM pg_catalog.nextval('m.calls');
	PERFORM public.add_column_with_default('m.victim2', 'sneaky', 'integer', '0');
	RETURN true;
END
$$;
CREATE FUNCTION m.reenter_wrapper(integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN m.reenter($1);
END
$$;
CREATE DOMAIN m.reenters AS integer CHECK (m.reenter_wrapper(VALUE));

-- A domain with no constraint, and a table of plain integers: safe, until
-- she adds a CHECK to the one and changes the other's column to her domain
-- (below, after a superuser has made policies of them).
CREATE DOMAIN m.late AS integer;
CREATE TABLE m.laterow (f integer);

-- Her tables, which a superuser migrates: one row each, so that a default
-- that rewrites the table is evaluated.
CREATE TABLE m.victim (id integer, arr integer[], di m.di);
INSERT INTO m.victim VALUES (1, '{}', NULL);
CREATE TABLE m.victim2 (id integer);
INSERT INTO m.victim2 VALUES (1);

-- Stored defaults, for check_schema_defaults(): plain DDL accepts them all.
CREATE TABLE mt.t (
	a	m.d[] DEFAULT '{1}',
	b	m.comp DEFAULT '(1)',
	c	m.di DEFAULT 1,
	d	integer DEFAULT ('(1)'::m.comp).f,
	e	m.drange DEFAULT '[1,2)'
);

RESET ROLE;

--
-- The superuser's side.
--

-- Put the traps back as they were: she is no superuser, nothing was
-- recorded, the payload never started, victim2 has no column "sneaky".
CREATE FUNCTION reset_traps() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	ALTER ROLE regress_mallory NOSUPERUSER;
	TRUNCATE m.ran;
	PERFORM pg_catalog.setval('m.calls', 1, false);
	IF EXISTS (SELECT FROM pg_catalog.pg_attribute
			   WHERE attrelid OPERATOR(pg_catalog.=) 'm.victim2'::pg_catalog.regclass
				 AND attname OPERATOR(pg_catalog.=) 'sneaky' AND NOT attisdropped) THEN
		ALTER TABLE m.victim2 DROP COLUMN sneaky;
	END IF;
END
$$;

-- What the payload did.  (The helpers name each other with their schema:
-- a CHECK below changes search_path, and a helper that pinned its own
-- search_path would undo that change and hide it.)
CREATE FUNCTION aftermath(OUT superuser boolean, OUT ran_rows bigint,
						  OUT payload_calls bigint)
LANGUAGE sql AS $$
	SELECT (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r
			WHERE r.rolname OPERATOR(pg_catalog.=) 'regress_mallory'),
		   (SELECT pg_catalog.count(*) FROM m.ran),
		   (SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END FROM m.calls AS s)
$$;

-- Does a reason name one of these (types, or functions)?
CREATE FUNCTION mentions(reason text, names text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(bool_or(strpos(reason, n) OPERATOR(pg_catalog.>) 0), false)
	FROM unnest(names) AS n
$$;

-- verdict(expression, column_type, types, functions): reset the traps, ask
-- check_default, and show its verdict, whether the reason names one of the
-- types and one of the functions, and what the payload did.
CREATE FUNCTION verdict(expression text, column_type text, types text[],
						functions text[] DEFAULT '{m.payload,m.wrapper}',
						OUT verdict text, OUT names_type boolean,
						OUT names_function boolean, OUT superuser boolean,
						OUT ran_rows bigint, OUT payload_calls bigint)
LANGUAGE plpgsql AS $$
DECLARE
	r		record;
BEGIN
	PERFORM public.reset_traps();
	BEGIN
		SELECT * INTO r FROM public.check_default(expression, column_type);
		verdict := CASE WHEN r.valid THEN 'valid, ' || r.kind ELSE 'invalid' END;
		names_type := public.mentions(r.reason, types);
		names_function := public.mentions(r.reason, functions);
	EXCEPTION WHEN OTHERS THEN
		verdict := 'raised ' || SQLSTATE;
		names_type := public.mentions(SQLERRM, types);
		names_function := public.mentions(SQLERRM, functions);
	END;
	SELECT * INTO superuser, ran_rows, payload_calls FROM public.aftermath();
END
$$;

-- attempt(statement, types, functions): reset the traps, run one statement,
-- and show how it ended ('ok' or its SQLSTATE), whether the error names one
-- of the types and one of the functions (in its message, detail or hint),
-- and what the payload did.
CREATE FUNCTION attempt(statement text, types text[],
						functions text[] DEFAULT '{m.payload,m.wrapper}',
						OUT outcome text, OUT names_type boolean,
						OUT names_function boolean, OUT superuser boolean,
						OUT ran_rows bigint, OUT payload_calls bigint)
LANGUAGE plpgsql AS $$
DECLARE
	e_msg	text;
	e_det	text;
	e_hint	text;
BEGIN
	PERFORM public.reset_traps();
	names_type := false;
	names_function := false;
	BEGIN
		EXECUTE statement;
		outcome := 'ok';
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS e_msg = MESSAGE_TEXT, e_det = PG_EXCEPTION_DETAIL,
			e_hint = PG_EXCEPTION_HINT;
		outcome := 'ERROR ' || SQLSTATE;
		names_type := public.mentions(concat_ws(' ', e_msg, e_det, e_hint), types);
		names_function := public.mentions(concat_ws(' ', e_msg, e_det, e_hint), functions);
	END;
	SELECT * INTO superuser, ran_rows, payload_calls FROM public.aftermath();
END
$$;

--
-- 1. check_default() on each type shape.  The literal is parsed, and its
-- CHECK run, before anything is classified.  Each must be invalid, naming
-- the type and the function, with nothing run.
--
-- an array of the domain
SELECT * FROM verdict($$'{1}'$$, 'm.d[]', '{m.d}');
-- a composite with a field of the domain
SELECT * FROM verdict($$'(1)'$$, 'm.comp', '{m.comp,m.d}');
-- a table's row type with a column of the domain
SELECT * FROM verdict($$'(1)'$$, 'm.rowtab', '{m.rowtab,m.d}');
-- a range over the domain
SELECT * FROM verdict($$'[1,2)'$$, 'm.drange', '{m.drange,m.d}');
-- its multirange
SELECT * FROM verdict($$'{[1,2)}'$$, 'm.dmultirange', '{m.dmultirange,m.drange,m.d}');
-- an array of the composite, and a composite inside a composite
SELECT * FROM verdict($$'{"(1)"}'$$, 'm.comp[]', '{m.comp,m.d}');
SELECT * FROM verdict($$'("(1)")'$$, 'm.nest', '{m.nest,m.comp,m.d}');
-- a domain over an array of the domain
SELECT * FROM verdict($$'{1}'$$, 'm.darr', '{m.darr,m.d}');
-- a domain over the domain, and an array of it
SELECT * FROM verdict('1', 'm.dd', '{m.dd,m.d}');
SELECT * FROM verdict($$'{1}'$$, 'm.dd[]', '{m.dd,m.d}');
-- the domain itself: its CHECK is labelled VOLATILE, so it was already
-- refused, but without naming the function
SELECT * FROM verdict('1', 'm.d', '{m.d}');
-- a direct domain whose CHECK calls the IMMUTABLE-labelled wrapper
SELECT * FROM verdict('1', 'm.di', '{m.di}');
-- no literal: a row built field by field
SELECT * FROM verdict('ROW(1)', 'm.comp', '{m.comp,m.d}');
-- a CHECK that calls her function through an operator
SELECT * FROM verdict('1', 'm.dop', '{m.dop}', '{m.gt_payload,m.>>>}');
-- a CHECK that coerces to her other domain, and so runs its CHECK
SELECT * FROM verdict('1', 'm.dref', '{m.dref,m.d}');

--
-- 2. The type named inside the expression, the column's type plain.
--
SELECT * FROM verdict($$'1'::m.d$$, 'integer', '{m.d}');
SELECT * FROM verdict($$m.d '1'$$, 'integer', '{m.d}');
SELECT * FROM verdict($$'1'::m.di$$, 'integer', '{m.di}');
SELECT * FROM verdict($$CAST('{1}' AS m.d[])$$, 'integer[]', '{m.d}');
SELECT * FROM verdict($$('(1)'::m.comp).f$$, 'integer', '{m.comp,m.d}');
SELECT * FROM verdict($$'[1,2)'::m.drange IS NOT NULL$$, 'boolean', '{m.drange,m.d}');

--
-- 3. Every other entry point.  Policy functions are not executable by
-- PUBLIC; the superuser calls them.
--
-- explain_add_column(): a dry run
SELECT * FROM attempt($$SELECT * FROM explain_add_column('m.victim', 'x1', 'm.d[]', '''{1}''')$$, '{m.d}');
-- create_default_policy()
SELECT * FROM attempt($$SELECT create_default_policy('p_array', 'm.d[]', '''{1}''')$$, '{m.d}');
SELECT * FROM attempt($$SELECT create_default_policy('p_wrapped', 'm.di', '1')$$, '{m.di}');
SELECT name FROM default_policy WHERE name IN ('p_array', 'p_wrapped') ORDER BY name;
-- alter_default_policy(): a harmless policy, turned into a trap
SELECT name, kind FROM create_default_policy('harmless', 'integer', '0');
SELECT * FROM attempt($$SELECT alter_default_policy('harmless', 'm.d[]', '''{1}''')$$, '{m.d}');
SELECT name, column_type, expression FROM default_policy WHERE name = 'harmless';

-- Policies made while m.late was safe.  Then she adds a CHECK to it: every
-- later use of the policies re-validates them, and must refuse them.
SELECT name, kind FROM create_default_policy('late_one', 'm.late', '1');
SELECT name, kind FROM create_default_policy('late_array', 'm.late[]', '''{1}''');
SELECT name, kind FROM create_default_policy('late_row', 'm.laterow', '''(1)''');
SET ROLE regress_mallory;
ALTER DOMAIN m.late ADD CONSTRAINT late_check CHECK (m.wrapper(VALUE));
ALTER TABLE m.laterow ALTER COLUMN f TYPE m.d;
RESET ROLE;
-- default_policy_value(): evaluates the policy as the caller
SELECT * FROM attempt($$SELECT default_policy_value('late_one')$$, '{m.late}');
SELECT * FROM attempt($$SELECT default_policy_value('late_array')$$, '{m.late}');
SELECT * FROM attempt($$SELECT default_policy_value('late_row')$$, '{m.laterow,m.d}');
-- alter_default_policy() re-validates what it keeps, even for a new
-- description
SELECT * FROM attempt($$SELECT alter_default_policy('late_one', description => 'reviewed')$$, '{m.late}');
-- add_column_with_policy()
SELECT * FROM attempt($$SELECT add_column_with_policy('m.victim', 'x2', 'late_one')$$, '{m.late}');
SELECT * FROM attempt($$SELECT add_column_with_policy('m.victim', 'x3', 'late_array')$$, '{m.late}');
-- disallow_default_function(): re-validates every stored policy, to find
-- those that use the function; none of hers does
SELECT * FROM attempt($$SELECT disallow_default_function('pg_catalog.gen_random_uuid()')$$, '{m.late}');
SELECT count(*) AS gen_random_uuid_allowed FROM default_policy_allowlist
WHERE function = 'pg_catalog.gen_random_uuid()'::regprocedure;

-- add_column_with_default(): validation, then ALTER TABLE
SELECT * FROM attempt($$SELECT add_column_with_default('m.victim', 'x4', 'm.d[]', '''{1}''')$$, '{m.d}');
SELECT * FROM attempt($$SELECT add_column_with_default('m.victim', 'x5', 'm.di', '1')$$, '{m.di}');
SELECT * FROM attempt($$SELECT add_column_with_default('m.victim', 'x6', 'integer', '(''(1)''::m.comp).f')$$, '{m.comp,m.d}');
-- set_column_default(): the column is a plain integer[]; then a column of
-- her type, with a harmless expression
SELECT * FROM attempt($$SELECT set_column_default('m.victim', 'arr', 'CAST(''{1}'' AS m.d[])')$$, '{m.d}');
SELECT * FROM attempt($$SELECT set_column_default('m.victim', 'di', '1')$$, '{m.di}');
-- what her table has now: nothing was added, no default set
SELECT attname, format_type(atttypid, atttypmod) AS type,
	   pg_get_expr(adbin, adrelid) AS "default"
FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
WHERE attrelid = 'm.victim'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;

-- Dropping a policy validates nothing, and stays possible.
SELECT * FROM attempt($$SELECT drop_default_policy('late_row')$$, '{}');

-- check_schema_defaults(): the routine report over her stored defaults
SELECT reset_traps();
SELECT column_name, kind, valid,
	   mentions(reason, '{m.d,m.comp,m.di,m.drange}') AS names_type,
	   mentions(reason, '{m.payload,m.wrapper}') AS names_function
FROM check_schema_defaults('mt') ORDER BY column_name;
SELECT * FROM aftermath();

--
-- 4. Side effects of a check.  Validation leaves nothing behind: no row a
-- CHECK wrote, no setting of the caller's session changed, no column added
-- by a CHECK that re-enters the extension.  (These CHECKs call only
-- IMMUTABLE-labelled functions; their types are not safe either, and must
-- be refused the same way.)
--
-- a CHECK that writes a row
SELECT * FROM verdict('1', 'm.writes', '{m.writes}', '{m.note_wrapper,m.note}');
SELECT * FROM attempt($$SELECT add_column_with_default('m.victim', 'x7', 'm.writes', '1')$$,
					  '{m.writes}', '{m.note_wrapper,m.note}');

-- a CHECK that sets search_path, lock_timeout and defaults_policy.lock_timeout:
-- with her schema first on the superuser's path, the superuser's next
-- unqualified name may be hers; and the extension's own lock bound is gone
SELECT current_setting('search_path') AS search_path,
	   current_setting('lock_timeout') AS lock_timeout,
	   current_setting('defaults_policy.lock_timeout') AS dp_lock_timeout;
SELECT * FROM verdict('1', 'm.sets', '{m.sets}', '{m.settings}');
SELECT pg_catalog.current_setting('search_path') AS search_path,
	   pg_catalog.current_setting('lock_timeout') AS lock_timeout,
	   pg_catalog.current_setting('defaults_policy.lock_timeout') AS dp_lock_timeout;
RESET search_path;
RESET lock_timeout;
RESET defaults_policy.lock_timeout;
SELECT * FROM attempt($$SELECT add_column_with_default('m.victim', 'x8', 'm.sets', '1')$$,
					  '{m.sets}', '{m.settings}');
SELECT pg_catalog.current_setting('search_path') AS search_path,
	   pg_catalog.current_setting('lock_timeout') AS lock_timeout,
	   pg_catalog.current_setting('defaults_policy.lock_timeout') AS dp_lock_timeout;
RESET search_path;
RESET lock_timeout;
RESET defaults_policy.lock_timeout;

-- a CHECK that calls add_column_with_default() on another of her tables
SELECT * FROM verdict('1', 'm.reenters', '{m.reenters}', '{m.reenter_wrapper,m.reenter}');
SELECT count(*) AS sneaky_columns FROM pg_attribute
WHERE attrelid = 'm.victim2'::regclass AND attname = 'sneaky' AND NOT attisdropped;
SELECT * FROM attempt($$SELECT add_column_with_default('m.victim', 'x9', 'm.reenters', '1')$$,
					  '{m.reenters}', '{m.reenter_wrapper,m.reenter}');
SELECT count(*) AS sneaky_columns FROM pg_attribute
WHERE attrelid = 'm.victim2'::regclass AND attname = 'sneaky' AND NOT attisdropped;

--
-- 5. check_default() never raises for an expression: an error while
-- analysing or evaluating it is the verdict.
--
SELECT valid, kind, reason IS NOT NULL AS has_reason
FROM check_default($$GREATEST(point '(1,1)', point '(2,2)')$$, 'point');
SELECT valid, kind, reason IS NOT NULL AS has_reason
FROM check_default($$LEAST('{}'::json, '{}'::json)$$, 'json');
SELECT valid, kind, reason IS NOT NULL AS has_reason
FROM check_default($$to_tsvector(99999::oid::regconfig, 'x')$$, 'tsvector');

--
-- 6. Built-in functions called with named arguments are classified like
-- any call.
--
SELECT * FROM check_default('make_interval(days => 30)', 'interval');
SELECT * FROM check_default('make_interval(0, 0, 0, 30)', 'interval');

--
-- 7. 'now' and the other special inputs freeze one instant at DDL time
-- inside a composite literal too, and inside an array of composites.
--
CREATE TYPE stamped AS (at timestamptz, n integer);
SELECT valid, kind, coalesce(reason LIKE '%now%', false) AS names_now
FROM check_default($$'(now,1)'$$, 'stamped');
SELECT valid, kind, coalesce(reason LIKE '%now%', false) AS names_now
FROM check_default($$'(now,1)'::stamped$$, 'stamped');
SELECT valid, kind, coalesce(reason LIKE '%now%', false) AS names_now
FROM check_default($$'{"(now,1)"}'$$, 'stamped[]');
SELECT valid, kind, coalesce(reason LIKE '%today%', false) AS names_today
FROM check_default($$ARRAY['(today,2)'::stamped]$$, 'stamped[]');
-- in a composite without a date/time field, 'now' is just a word
CREATE TYPE labelled AS (label text, n integer);
SELECT valid, kind, normalized FROM check_default($$'(now,1)'$$, 'labelled');

--
-- Clean up.
--
SET client_min_messages = warning;
DROP EXTENSION defaults_policy;
DROP TYPE stamped, labelled;
DROP FUNCTION verdict(text, text, text[], text[]);
DROP FUNCTION attempt(text, text[], text[]);
DROP FUNCTION mentions(text, text[]);
DROP FUNCTION aftermath();
DROP FUNCTION reset_traps();
DROP SCHEMA m, mt CASCADE;
DROP ROLE regress_mallory;
RESET client_min_messages;
