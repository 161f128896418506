--
-- canonical: text the extension stores means the same default in every
-- session, whatever that session's settings.
--
-- A policy's expression is canonical text, written and read back under one
-- fixed set of settings: search_path pg_catalog, pg_temp;
-- standard_conforming_strings and array_nulls on; ISO dates; postgres
-- intervals.  Each case below makes a policy under one setting and reads
-- it under another.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'

-- a backslash made with standard_conforming_strings on stays a backslash
-- for a reader with it off (not a tab)
SET standard_conforming_strings = on;
SELECT expression FROM create_default_policy('backslash', 'text', '''c\td''');
SET standard_conforming_strings = off;
SELECT default_policy_value('backslash') AS value,
	   length(default_policy_value('backslash')) AS length;
RESET standard_conforming_strings;

-- ... and made with it off, E-style, is stored with the character it meant
SET standard_conforming_strings = off;
SET escape_string_warning = off;
SELECT expression FROM create_default_policy('tab', 'text', '''c\td''');
RESET escape_string_warning;
RESET standard_conforming_strings;
SELECT default_policy_value('tab') = E'c\td' AS is_tab;

-- NULL in an array literal is a null for a reader with array_nulls off
SELECT expression FROM create_default_policy('nulls', 'text[]', '''{NULL,a}''');
SET array_nulls = off;
SELECT default_policy_value('nulls') AS value;
RESET array_nulls;
SELECT (default_policy_value('nulls')::text[])[1] IS NULL AS first_is_null;

-- a policy made with array_nulls off means the string "NULL", everywhere
SET array_nulls = off;
SELECT expression FROM create_default_policy('null_string', 'text[]', '''{NULL,a}''');
RESET array_nulls;
SELECT default_policy_value('null_string') AS value;

-- intervals and dates read back the same under any style
SET intervalstyle = 'sql_standard';
SET datestyle = 'SQL, DMY';
SELECT expression FROM create_default_policy('later', 'interval', 'interval ''-1 days +02:03''');
SELECT expression FROM create_default_policy('day', 'date', '''31/01/2024''');
RESET intervalstyle;
RESET datestyle;
SELECT default_policy_value('later') AS later, default_policy_value('day') AS day;
SET intervalstyle = 'iso_8601';
SELECT default_policy_value('later') AS later;
RESET intervalstyle;

-- text PostgreSQL prints otherwise when it reads it back (an implicit array
-- coercion printed as a cast, then applied to the elements) is stored in the
-- form that reads back as itself
SELECT normalized FROM check_default('1.5 = ANY (ARRAY[1])', 'boolean');
SELECT expression FROM create_default_policy('any_array', 'boolean', '1.5 = ANY (ARRAY[1])');
SELECT normalized = expression AS reads_back, default_policy_value('any_array') AS value
FROM default_policy, check_default(expression, column_type)
WHERE name = 'any_array';

-- the column functions install what the policy means
CREATE TABLE t (id integer);
INSERT INTO t VALUES (1);
SET standard_conforming_strings = off;
SET array_nulls = off;
SELECT (add_column_with_policy('t', 'b', 'backslash')).expression;
SELECT (add_column_with_policy('t', 'n', 'nulls')).expression;
RESET array_nulls;
RESET standard_conforming_strings;
SELECT b, length(b) AS length, n, n[1] IS NULL AS first_is_null FROM t;

--
-- A policy may not refer to a temporary object: in another session the same
-- name leads to that session's own object, or to nothing.
--
CREATE TEMP SEQUENCE temp_seq;
CREATE TYPE pg_temp.temp_mood AS ENUM ('ok');
CREATE FUNCTION pg_temp.temp_fn() RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT * FROM check_default('nextval(''temp_seq'')', 'bigint');
SELECT count(*) FROM create_default_policy('temp_seq', 'bigint', 'nextval(''temp_seq'')');
SELECT count(*) FROM create_default_policy('temp_type', 'pg_temp.temp_mood', '''ok''');
SELECT count(*) FROM create_default_policy('temp_cast', 'text', '''ok''::pg_temp.temp_mood');
SELECT count(*) FROM create_default_policy('temp_fn', 'integer', 'pg_temp.temp_fn()');
SELECT name FROM default_policy WHERE name LIKE 'temp%';

DROP TABLE t;
DROP EXTENSION defaults_policy;
