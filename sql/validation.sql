--
-- validation: check_default(expression, column_type)
--
-- A default is static (constants and built-in immutable functions, evaluated
-- once here), dynamic (at least one allowlisted function), or invalid, with
-- a reason.  check_default never raises for a bad expression or type, and
-- never executes a function that is not immutable.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'

-- a fixture of user objects
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE DOMAIN plain_text AS text;
CREATE SEQUENCE order_no;
CREATE TABLE t (a integer);
INSERT INTO t VALUES (1);
CREATE TABLE side_effects (note text);
CREATE FUNCTION user_volatile() RETURNS integer LANGUAGE plpgsql VOLATILE
	AS $$BEGIN INSERT INTO side_effects VALUES ('volatile ran'); RETURN 1; END$$;
CREATE FUNCTION user_immutable() RETURNS integer LANGUAGE plpgsql IMMUTABLE
	AS $$BEGIN RAISE NOTICE 'user_immutable ran'; RETURN 1; END$$;
CREATE FUNCTION user_inlined() RETURNS integer LANGUAGE sql IMMUTABLE
	AS 'SELECT 42';

-- the verdict for each case, in order
CREATE FUNCTION verdicts(cases text[][])
RETURNS TABLE(expression text, column_type text, valid boolean, kind text,
			  normalized text, rewrites boolean, reason text)
LANGUAGE sql AS $$
	SELECT cases[i][1], cases[i][2], d.*
	FROM generate_subscripts(cases, 1) AS i,
		 LATERAL check_default(cases[i][1], cases[i][2]) AS d
	ORDER BY i
$$;

--
-- Static defaults, one for each common column type.  normalized is the
-- canonical text; rewrites is false unless the type is a domain with
-- constraints (PostgreSQL's own rule for ADD COLUMN).
--
SELECT * FROM verdicts(ARRAY[
	['0', 'integer'],
	['-1', 'int'],
	['9000000000', 'bigint'],
	['''hello''', 'text'],
	['''hello'' || '' world''', 'text'],
	['''now''', 'text'],
	['1.234', 'numeric(10,2)'],
	['1.5', 'integer'],
	['''abc''', 'varchar(3)'],
	['''ab''', 'character varying(3)'],
	['true', 'boolean'],
	['''2024-01-31''', 'date'],
	['date ''2024-01-31'' + 1', 'date'],
	['''2024-01-31 12:00''', 'timestamp'],
	['''2024-01-31 12:00:00+00''', 'timestamptz'],
	['''epoch''', 'timestamptz'],
	['''infinity''', 'timestamp'],
	['''1 day''', 'interval'],
	['interval ''1 hour'' * 3', 'interval'],
	['''00000000-0000-0000-0000-000000000000''', 'uuid'],
	['''{}''', 'jsonb'],
	['''{"a": [1, 2]}''::jsonb || ''{"b": null}''', 'jsonb'],
	['''{1,2,3}''', 'integer[]'],
	['ARRAY[1, 2] || 3', 'int[]'],
	['''{}''', 'text[]'],
	['''ok''', 'mood'],
	['''happy''::mood', 'mood'],
	['5', 'positive_int'],
	['''x''', 'plain_text'],
	['CASE WHEN 1 > 0 THEN ''a'' ELSE ''b'' END', 'text'],
	['COALESCE(NULL, 7)', 'integer'],
	['GREATEST(1, 2, 3)', 'integer'],
	['lower(''ABC'')', 'text'],
	['(ARRAY[10, 20])[2]', 'integer']
]);

--
-- Dynamic defaults: allowlisted functions, and the SQL value functions that
-- stand for them.  Volatile ones rewrite the table when a column is added;
-- stable ones never do.
--
SELECT * FROM verdicts(ARRAY[
	['now()', 'timestamptz'],
	['CURRENT_TIMESTAMP', 'timestamptz'],
	['CURRENT_TIMESTAMP(3)', 'timestamptz'],
	['CURRENT_DATE', 'date'],
	['CURRENT_DATE + 1', 'date'],
	['CURRENT_TIME', 'timetz'],
	['LOCALTIMESTAMP', 'timestamp'],
	['LOCALTIMESTAMP(0)', 'timestamp'],
	['LOCALTIME', 'time'],
	['now() + interval ''1 day''', 'timestamptz'],
	['now() - interval ''1 hour''', 'timestamptz'],
	['transaction_timestamp()', 'timestamptz'],
	['statement_timestamp()', 'timestamptz'],
	['clock_timestamp()', 'timestamptz'],
	['now()', 'timestamp'],
	['now()', 'date'],
	['gen_random_uuid()', 'uuid'],
	['nextval(''order_no'')', 'bigint'],
	['nextval(''order_no'')', 'integer'],
	['CURRENT_USER', 'name'],
	['SESSION_USER', 'text'],
	['now()', 'positive_int']
]);

--
-- Invalid: functions that are neither built-in immutable nor allowlisted.
-- A user function is refused whatever its volatility, and is never run:
-- no NOTICE, no row in side_effects.
--
SELECT * FROM verdicts(ARRAY[
	['random()', 'float8'],
	['floor(random() * 10)', 'integer'],
	['timeofday()', 'text'],
	['pg_backend_pid()', 'integer'],
	['CURRENT_SCHEMA', 'text'],
	['user_volatile()', 'integer'],
	['user_immutable()', 'integer'],
	['user_inlined()', 'integer'],
	['1 + user_inlined()', 'integer'],
	['''2024-01-31''::text::timestamptz', 'timestamptz']
]);
SELECT count(*) AS side_effects FROM side_effects;

-- a public.now() that shadows pg_catalog.now() is a user function
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql STABLE
	AS 'SELECT pg_catalog.now()';
SET search_path = public, pg_catalog;
SELECT * FROM verdicts(ARRAY[
	['now()', 'timestamptz'],
	['pg_catalog.now()', 'timestamptz']
]);
RESET search_path;
SELECT * FROM verdicts(ARRAY[['now()', 'timestamptz']]);
DROP FUNCTION public.now();

--
-- Invalid: what a column default cannot hold.
--
SELECT * FROM verdicts(ARRAY[
	['a', 'integer'],
	['t.a', 'integer'],
	['(SELECT 1)', 'integer'],
	['EXISTS (SELECT 1)', 'boolean'],
	['count(*)', 'bigint'],
	['sum(1)', 'bigint'],
	['row_number() OVER ()', 'bigint'],
	['generate_series(1, 3)', 'integer'],
	['unnest(ARRAY[1])', 'integer'],
	['$1', 'integer'],
	['1; DROP TABLE t', 'integer'],
	['1 FROM pg_class', 'integer'],
	['1 WHERE false', 'integer'],
	['1 ORDER BY 1', 'integer'],
	['1 LIMIT 1', 'integer'],
	['DISTINCT 1', 'integer'],
	['1, 2', 'integer'],
	['1 AS one', 'integer'],
	['*', 'integer'],
	['xmlelement(name a)', 'xml']
]);
-- the table is still there
SELECT * FROM t;

--
-- Invalid: the special datetime inputs freeze one instant when the default
-- is made.  They are refused wherever they become a date/time value, with a
-- hint; as plain text they are just strings.
--
SELECT expression, column_type, valid, reason FROM verdicts(ARRAY[
	['''now''', 'timestamptz'],
	['''now''::timestamptz', 'timestamptz'],
	['timestamp ''now''', 'timestamp'],
	['''Now ''', 'timestamptz'],
	['''today''', 'date'],
	['''tomorrow''', 'date'],
	['''yesterday''', 'timestamp'],
	['''tomorrow 10:00''', 'timestamp'],
	['''today''::date + 1', 'date'],
	['''{now}''', 'timestamptz[]'],
	['''[today,)''', 'daterange'],
	['''now''', 'time']
]);
SELECT * FROM verdicts(ARRAY[
	['''now''', 'text'],
	['''today''', 'varchar(5)']
]);

--
-- Invalid: values that do not fit the column.
--
SELECT * FROM verdicts(ARRAY[
	['NULL', 'integer'],
	['NULL::text', 'text'],
	['NULLIF(1, 1)', 'integer'],
	['''abcd''', 'varchar(3)'],
	['''abc''', 'char(2)'],
	['12345678901.5', 'numeric(10,2)'],
	['0', 'positive_int'],
	['-1', 'positive_int'],
	['''bored''', 'mood'],
	['''abc''', 'integer'],
	['true', 'integer'],
	['1/0', 'integer'],
	['now()', 'integer'],
	['''{1,2''', 'integer[]'],
	['99999999999', 'integer']
]);

--
-- Invalid: the column type.  Unknown, malformed and pseudo types are
-- verdicts, not exceptions.
--
SELECT * FROM verdicts(ARRAY[
	['1', 'no_such_type'],
	['1', 'numeric('],
	['1', 'integer; DROP TABLE t'],
	['1', ''],
	['1', 'void'],
	['1', 'record'],
	['1', 'anyelement'],
	['1', 'no_such_schema.integer']
]);
SELECT * FROM t;

--
-- Invalid: empty, NULL and hostile input.  Deep nesting is an error, never
-- a crash.
--
SELECT * FROM verdicts(ARRAY[
	['', 'integer'],
	['   ', 'integer'],
	['-- just a comment', 'integer'],
	['1 +', 'integer'],
	['(((1)', 'integer']
]);
SELECT * FROM check_default(NULL, 'integer');
SELECT * FROM check_default('1', NULL);
SELECT valid, kind, reason
FROM check_default(repeat('(', 100000) || '1' || repeat(')', 100000), 'integer');
SELECT valid, kind, reason LIKE 'stack depth limit exceeded%' AS stack_depth
FROM check_default('1' || repeat(' + 1', 200000), 'integer');
-- the backend survived
SELECT 1 AS alive;

--
-- A domain whose CHECK is not immutable is never evaluated.
--
CREATE FUNCTION odd_check(integer) RETURNS boolean LANGUAGE plpgsql VOLATILE
	AS $$BEGIN INSERT INTO side_effects VALUES ('domain check ran'); RETURN true; END$$;
CREATE DOMAIN odd_int AS integer CHECK (odd_check(VALUE));
SELECT * FROM verdicts(ARRAY[['1', 'odd_int']]);
SELECT count(*) AS side_effects FROM side_effects;

--
-- The allowlist decides by function OID.  An allowlisted user function is
-- dynamic; the canonical text qualifies it with its schema.
--
INSERT INTO default_policy_allowlist_entries (signature, description)
	VALUES ('public.user_immutable()', 'test');
SELECT * FROM verdicts(ARRAY[['user_immutable() + 1', 'integer']]);
DELETE FROM default_policy_allowlist_entries WHERE signature = 'public.user_immutable()';
SELECT * FROM verdicts(ARRAY[['user_immutable() + 1', 'integer']]);

--
-- The canonical text reads back to the same verdict and the same text,
-- whatever the reader's DateStyle.
--
SET datestyle = 'SQL, DMY';
SELECT c.expression, c.column_type, d.normalized,
	   (SELECT r.normalized = d.normalized AND r.kind = d.kind
		FROM check_default(d.normalized, c.column_type) AS r) AS round_trips
FROM (VALUES ('''2024-01-31 12:00''', 'timestamp'),
			 ('''31/01/2024''', 'date'),
			 ('now() + interval ''1 day 2 hours''', 'timestamptz'),
			 ('''{"a": 1}''', 'jsonb'),
			 ('''ok''', 'mood'),
			 ('5', 'positive_int'),
			 ('1.5e-7', 'float8'),
			 ('nextval(''order_no'')', 'bigint')) AS c(expression, column_type),
	 LATERAL check_default(c.expression, c.column_type) AS d;
RESET datestyle;

-- the allowlist seeds
SELECT function, builtin, description FROM default_policy_allowlist ORDER BY function::text;

--
-- Built-in functions called with named arguments are classified like any
-- call.
--
SELECT * FROM verdicts(ARRAY[
	['make_interval(days => 30)', 'interval'],
	['make_interval(0, 0, 0, 30)', 'interval'],
	['now() + make_interval(hours => 1)', 'timestamptz']]);

--
-- check_default never raises for an expression: what the server cannot
-- compute or compare is the verdict's reason.
--
SELECT * FROM verdicts(ARRAY[
	['GREATEST(point ''(1,1)'', point ''(2,2)'')', 'point'],
	['LEAST(''{}''::json, ''{}''::json)', 'json'],
	['to_tsvector(99999::oid::regconfig, ''x'')', 'tsvector'],
	['1/0', 'integer'],
	['repeat(''x'', -1)::varchar(0)', 'text']]);
-- ... and the functions that raise the verdict raise it with the engine's
-- SQLSTATE, never an internal error's
DO $$
BEGIN
	PERFORM explain_add_column('t', 'x', 'tsvector', 'to_tsvector(99999::oid::regconfig, ''x'')');
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM;
END
$$;

--
-- The special datetime inputs are caught inside composite literals, and
-- arrays of composites, too.  Which field a word lands in is not known
-- before the literal is read, so a composite that holds a date or time
-- refuses the words in any of its fields: '(2024-01-31,now)' below.
--
CREATE TYPE stamped AS (at timestamptz, n integer);
CREATE TYPE dated AS (on_day date, note text);
SELECT * FROM verdicts(ARRAY[
	['''(now,1)''', 'stamped'],
	['''{"(now,1)"}''', 'stamped[]'],
	['''(today,x)''::dated', 'dated'],
	['''(2024-01-31,now)''', 'dated'],
	['ROW(now(), 1)::stamped', 'stamped']]);

--
-- The allowlist as each statement's snapshot sees it: a function allowed
-- earlier in the same transaction is allowed for the next statement, and
-- not after a rollback.
--
BEGIN;
SELECT valid FROM check_default('user_immutable() + 1', 'integer');
SELECT allow_default_function('user_immutable()');
SELECT valid, kind FROM check_default('user_immutable() + 1', 'integer');
SAVEPOINT s;
SELECT disallow_default_function('user_immutable()');
SELECT valid FROM check_default('user_immutable() + 1', 'integer');
ROLLBACK TO s;
SELECT valid FROM check_default('user_immutable() + 1', 'integer');
ROLLBACK;
SELECT valid FROM check_default('user_immutable() + 1', 'integer');

--
-- A column type's name is resolved under the search path as it is now, and
-- against the types as they are now.
--
CREATE SCHEMA shadow;
CREATE DOMAIN public.pick AS integer CHECK (VALUE > 0);
SELECT valid FROM check_default('0', 'pick');
SET search_path = shadow, public;
SELECT valid FROM check_default('0', 'pick');
CREATE DOMAIN shadow.pick AS integer;
SELECT valid FROM check_default('0', 'pick');
DROP DOMAIN shadow.pick;
SELECT valid FROM check_default('0', 'pick');
RESET search_path;
SELECT valid FROM check_default('0', 'pick');
DROP SCHEMA shadow;
DROP DOMAIN public.pick;
