--
-- test/fuzz/fixture.sql: the objects the fuzzer's expressions and column
-- types name, loaded once into a fresh database by test/fuzz/run.py.
--
-- Every user function counts its calls in the sequence fzc.calls (sequences
-- are not transactional, so a call survives the rollback of the check that
-- made it) and says so in a NOTICE.  The runner resets the sequence after
-- loading and checks that it stays untouched.  The generator never names
-- schema fzc, fzu or the sequence.
--

CREATE EXTENSION defaults_policy;

CREATE SCHEMA fzc;
CREATE SEQUENCE fzc.calls;
CREATE SCHEMA fz;
CREATE SCHEMA fzu;

-- counting user functions, of every volatility and language

CREATE FUNCTION fz.cnt_imm(x integer) RETURNS integer
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_imm';
	PERFORM nextval('fzc.calls');
	RETURN x;
END $$;

CREATE FUNCTION fz.cnt_bool(x integer) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_bool';
	PERFORM nextval('fzc.calls');
	RETURN true;
END $$;

CREATE FUNCTION fz.cnt_anybool(x anyelement) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_anybool';
	PERFORM nextval('fzc.calls');
	RETURN true;
END $$;

CREATE FUNCTION fz.cnt_stable(x integer DEFAULT 1) RETURNS integer
	LANGUAGE plpgsql STABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_stable';
	PERFORM nextval('fzc.calls');
	RETURN x;
END $$;

CREATE FUNCTION fz.cnt_vol() RETURNS integer
	LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_vol';
	PERFORM nextval('fzc.calls');
	RETURN 1;
END $$;

-- an immutable SQL function the planner could inline to a constant
CREATE FUNCTION fz.cnt_sql(x integer) RETURNS integer
	LANGUAGE sql IMMUTABLE AS
$$ SELECT x + 0 * pg_catalog.nextval('fzc.calls')::integer $$;

CREATE FUNCTION fz.cnt_sql_const() RETURNS integer
	LANGUAGE sql IMMUTABLE AS $$ SELECT 42 $$;

CREATE FUNCTION fz.cnt_text(t text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_text';
	PERFORM nextval('fzc.calls');
	RETURN t;
END $$;

CREATE FUNCTION fz.cnt_named(a integer, b integer DEFAULT 2, c text DEFAULT 'x')
	RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_named';
	PERFORM nextval('fzc.calls');
	RETURN a + b;
END $$;

CREATE FUNCTION fz.cnt_variadic(VARIADIC xs integer[]) RETURNS integer
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_variadic';
	PERFORM nextval('fzc.calls');
	RETURN coalesce(array_length(xs, 1), 0);
END $$;

CREATE FUNCTION fz.cnt_srf() RETURNS SETOF integer
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_srf';
	PERFORM nextval('fzc.calls');
	RETURN NEXT 1;
END $$;

CREATE FUNCTION fz.cnt_ts() RETURNS timestamptz
	LANGUAGE plpgsql STABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_ts';
	PERFORM nextval('fzc.calls');
	RETURN pg_catalog.now();
END $$;

-- allowlisted: makes a default dynamic; runs only when a column is filled
CREATE FUNCTION fz.allowed_ts() RETURNS timestamptz
	LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.allowed_ts';
	PERFORM nextval('fzc.calls');
	RETURN pg_catalog.clock_timestamp();
END $$;
SELECT allow_default_function('fz.allowed_ts()');

-- shadows pg_catalog.now() for search_path = public, pg_catalog
CREATE FUNCTION public.now() RETURNS timestamptz
	LANGUAGE plpgsql STABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'public.now';
	PERFORM nextval('fzc.calls');
	RETURN pg_catalog.now();
END $$;

-- and an overload of a built-in name in a user schema
CREATE FUNCTION public.abs(x integer) RETURNS integer
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'public.abs';
	PERFORM nextval('fzc.calls');
	RETURN x;
END $$;

-- a user aggregate whose transition function counts
CREATE FUNCTION fz.cnt_sfunc(s integer, x integer) RETURNS integer
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_sfunc';
	PERFORM nextval('fzc.calls');
	RETURN coalesce(s, 0) + x;
END $$;
CREATE AGGREGATE fz.cnt_agg(integer) (SFUNC = fz.cnt_sfunc, STYPE = integer);

-- user operators
CREATE FUNCTION fz.cnt_op(a integer, b integer) RETURNS integer
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_op';
	PERFORM nextval('fzc.calls');
	RETURN a + b;
END $$;
CREATE OPERATOR fz.#+# (LEFTARG = integer, RIGHTARG = integer, FUNCTION = fz.cnt_op);
CREATE OPERATOR public.#+# (LEFTARG = integer, RIGHTARG = integer, FUNCTION = fz.cnt_op);
CREATE FUNCTION fz.cnt_textop(a text, b text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_textop';
	PERFORM nextval('fzc.calls');
	RETURN a || b;
END $$;
-- no built-in text + text: '1' + '2' resolves to this one
CREATE OPERATOR public.+ (LEFTARG = text, RIGHTARG = text, FUNCTION = fz.cnt_textop);

-- domains: safe ones, and ones whose CHECK calls a counting function
CREATE DOMAIN fz.pos AS integer CHECK (VALUE > 0);
CREATE DOMAIN fz.short AS varchar(3) NOT NULL;
CREATE DOMAIN fz.pos2 AS fz.pos CHECK (VALUE < 1000);
CREATE DOMAIN fz.cnt_dom AS integer CHECK (fz.cnt_bool(VALUE));
CREATE DOMAIN fz.cnt_dom2 AS fz.cnt_dom CHECK (VALUE <> 13);
CREATE DOMAIN fz.over_cnt AS fz.pos CHECK (fz.cnt_bool(VALUE));
CREATE DOMAIN fz.cnt_sql_dom AS integer CHECK (fz.cnt_sql(VALUE) > 0);
CREATE DOMAIN fz.cnt_arr_dom AS integer[] CHECK (fz.cnt_anybool(VALUE));
CREATE DOMAIN fz.cnt_txt_dom AS text CHECK (fz.cnt_text(VALUE) IS NOT NULL);
CREATE DOMAIN fz.cnt_ts_dom AS timestamptz CHECK (fz.cnt_anybool(VALUE));

CREATE TYPE fz.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE fz.pair AS (a integer, b text);
CREATE TYPE fz.comp_cnt AS (a integer, b fz.cnt_dom);
CREATE TYPE fz.comp_ts AS (t timestamptz, n integer);
CREATE TYPE fz.comp_nest AS (p fz.comp_cnt, q fz.pair);
CREATE DOMAIN fz.pair_dom AS fz.pair CHECK (fz.cnt_anybool(VALUE));
CREATE DOMAIN fz.pair_safe AS fz.pair CHECK ((VALUE).a > 0);

CREATE TYPE fz.cnt_range AS RANGE (subtype = fz.cnt_dom);
CREATE TYPE fz.safe_range AS RANGE (subtype = fz.pos);
CREATE FUNCTION fz.cnt_diff(a float8, b float8) RETURNS float8
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.cnt_diff';
	PERFORM nextval('fzc.calls');
	RETURN a - b;
END $$;
CREATE TYPE fz.diff_range AS RANGE (subtype = float8, subtype_diff = fz.cnt_diff);

-- a user cast that calls a counting function
CREATE FUNCTION fz.int_to_pair(x integer) RETURNS fz.pair
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.int_to_pair';
	PERFORM nextval('fzc.calls');
	RETURN ROW(x, 'cast')::fz.pair;
END $$;
CREATE CAST (integer AS fz.pair) WITH FUNCTION fz.int_to_pair(integer) AS IMPLICIT;
CREATE FUNCTION fz.mood_to_int(m fz.mood) RETURNS integer
	LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RAISE NOTICE 'fuzz: user function % ran', 'fz.mood_to_int';
	PERFORM nextval('fzc.calls');
	RETURN 1;
END $$;
CREATE CAST (fz.mood AS integer) WITH FUNCTION fz.mood_to_int(fz.mood) AS ASSIGNMENT;

-- tables whose row types are column types; the one holding a counting
-- domain makes its row type unsafe
CREATE TABLE fz.row_safe (a integer, b text);
CREATE TABLE fz.row_cnt (a integer, b fz.cnt_dom);

CREATE SEQUENCE fz.seq;
CREATE COLLATION fz.coll (provider = libc, locale = 'C');

-- the target every column function works on (a few rows, so NOT NULL bites)
CREATE TABLE fz.target (id integer PRIMARY KEY, note text, c fz.pos);
INSERT INTO fz.target VALUES (1, 'a', 1), (2, 'b', 2), (3, NULL, 3);
CREATE TABLE public.other (id integer);

-- the fingerprint of everything the checks must leave alone, in parts:
-- (calls, user catalog outside the target, the target, the policy catalog
-- and allowlist, the audit trail)
CREATE FUNCTION fzu.fingerprint(OUT calls bigint, OUT outside text,
								OUT target text, OUT ext text, OUT audit text)
	LANGUAGE sql STABLE AS $fp$
WITH user_ns AS (
	SELECT oid FROM pg_catalog.pg_namespace
	WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
	  AND nspname !~ '^pg_(toast_)?temp_'
), target_rels AS (
	SELECT 'fz.target'::regclass::oid AS oid
	UNION ALL SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid = 'fz.target'::regclass
	UNION ALL SELECT reltoastrelid FROM pg_catalog.pg_class WHERE oid = 'fz.target'::regclass
	UNION ALL SELECT i.indexrelid FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c
		ON i.indrelid = c.reltoastrelid WHERE c.oid = 'fz.target'::regclass
), rels AS (
	SELECT c.oid, c.oid IN (SELECT oid FROM target_rels) AS is_target,
		   concat_ws('|', c.oid, c.relname, c.relnamespace, c.reltype, c.relowner,
					 c.relkind, c.relnatts, c.relfilenode, c.reltoastrelid, c.relacl,
					 c.reloptions, c.relhasindex, c.relpersistence, c.relchecks,
					 c.relhastriggers, c.relrowsecurity, c.relispartition) AS line
	FROM pg_catalog.pg_class c WHERE c.relnamespace IN (SELECT oid FROM user_ns)
	   OR c.oid IN (SELECT oid FROM target_rels)
), lines AS (
	SELECT r.is_target, 'c' || r.line AS line FROM rels r
	UNION ALL
	SELECT r.is_target, concat_ws('|', 'a', a.attrelid, a.attnum, a.attname, a.atttypid,
								  a.atttypmod, a.attnotnull, a.atthasdef, a.atthasmissing,
								  a.attmissingval, a.attisdropped, a.attcollation,
								  a.attgenerated, a.attidentity)
	FROM pg_catalog.pg_attribute a JOIN rels r ON r.oid = a.attrelid
	UNION ALL
	SELECT r.is_target, concat_ws('|', 'd', d.oid, d.adrelid, d.adnum,
								  pg_catalog.pg_get_expr(d.adbin, d.adrelid))
	FROM pg_catalog.pg_attrdef d JOIN rels r ON r.oid = d.adrelid
	UNION ALL
	SELECT false, concat_ws('|', 't', t.oid, t.typname, t.typnamespace, t.typtype,
							t.typbasetype, t.typtypmod, t.typnotnull)
	FROM pg_catalog.pg_type t WHERE t.typnamespace IN (SELECT oid FROM user_ns)
	UNION ALL
	SELECT false, concat_ws('|', 'p', p.oid, p.proname, p.pronamespace, p.provolatile,
							p.proowner, p.prosrc)
	FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM user_ns)
	UNION ALL
	SELECT r.is_target, concat_ws('|', 'k', k.oid, k.conname, k.conrelid, k.contypid,
								  pg_catalog.pg_get_constraintdef(k.oid))
	FROM pg_catalog.pg_constraint k LEFT JOIN rels r ON r.oid = k.conrelid
	WHERE k.connamespace IN (SELECT oid FROM user_ns)
)
SELECT
	(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM fzc.calls),
	(SELECT md5(coalesce(string_agg(line, E'\n' ORDER BY line), '')) FROM lines WHERE NOT coalesce(is_target, false)),
	(SELECT md5(coalesce(string_agg(line, E'\n' ORDER BY line), '')) FROM lines WHERE is_target),
	md5((SELECT coalesce(string_agg(p::text, E'\n' ORDER BY p.name), '') FROM public.default_policy p) ||
		(SELECT coalesce(string_agg(a.signature || '|' || a.builtin, E'\n' ORDER BY a.signature), '')
		 FROM public.default_policy_allowlist a)),
	(SELECT count(*) || '|' || coalesce(max(id), 0) || '|' ||
			md5(coalesce(string_agg(x::text, E'\n' ORDER BY id), ''))
	 FROM public.default_policy_audit x)
$fp$;
