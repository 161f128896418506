--
-- settings_identity: check_default gives the same verdict, kind,
-- normalized text, rewrite flag and reason under every DateStyle (ISO,
-- SQL, German, Postgres; MDY and DMY), IntervalStyle (postgres,
-- sql_standard, iso_8601, postgres_verbose) and extra_float_digits (-15,
-- 0, 3): the full result over a mix of expressions, under each of the 96
-- combinations, is compared with the result under the session's settings.
--
-- Input is read the way PostgreSQL reads it (an ambiguous date such as
-- '03/04/2024' follows DateStyle's field order, as in ALTER TABLE); the
-- mix holds unambiguous input, and the last query shows that the ambiguous
-- one is normalized to the value it was read as, in ISO form.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'

CREATE SCHEMA si;
CREATE TYPE si.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN si.posint AS integer CHECK (VALUE > 0);
CREATE TYPE si.pair AS (d date, i interval);
CREATE SEQUENCE si.seq;

CREATE TABLE si.mix (
	id		int PRIMARY KEY,
	e		text NOT NULL,
	t		text NOT NULL
);
INSERT INTO si.mix VALUES
	-- dates, times, timestamps, in unambiguous input
	( 1, $$'2024-03-04'$$,                          'date'),
	( 2, $$date '2024-03-04' + 30$$,                'date'),
	( 3, $$'2024-03-04 05:06:07.891'$$,             'timestamp'),
	( 4, $$'2024-03-04 05:06:07.891+02'$$,          'timestamptz'),
	( 5, $$timestamp '2024-03-04 05:06:07' + interval '1 day 2 hours'$$, 'timestamp'),
	( 6, $$'05:06:07.5'$$,                          'time'),
	( 7, $$'05:06:07.5+03'$$,                       'timetz'),
	( 8, $$'infinity'$$,                            'date'),
	( 9, $$'-infinity'$$,                           'timestamp'),
	(10, $$'4713-01-01 BC'$$,                       'date'),
	(11, $$'20240304'$$,                            'date'),
	(12, $$'March 4, 2024'$$,                       'date'),
	-- intervals, in every input style
	(13, $$'1 year 2 mons -3 days 04:05:06.7'$$,    'interval'),
	(14, $$'P1Y2M3DT4H5M6.7S'$$,                    'interval'),
	(15, $$'1-2'$$,                                 'interval year to month'),
	(16, $$'-1 day +02:03:04'$$,                    'interval'),
	(17, $$'@ 3 days 4 hours ago'$$,                'interval'),
	(18, $$interval '90 minutes' * 2$$,             'interval'),
	(19, $$'1.5 seconds'$$,                         'interval(0)'),
	-- floating point and numeric
	(20, $$0.1::float8$$,                           'double precision'),
	(21, $$1.0::float8 / 3$$,                       'double precision'),
	(22, $$1e15::float8 * 10$$,                            'double precision'),
	(23, $$1e-7::float4$$,                          'real'),
	(24, $$'NaN'$$,                                 'double precision'),
	(25, $$'-Infinity'$$,                           'real'),
	(26, $$3.14159265358979$$,                      'real'),
	(27, $$2.5$$,                                   'numeric(10,2)'),
	(28, $$1.0 / 3$$,                               'numeric'),
	(29, $$'{0.1,0.2,1e-10}'$$,                     'float8[]'),
	-- arrays, ranges, composites, json of the above
	(30, $$'{2024-03-04,2024-12-31}'$$,             'date[]'),
	(31, $$ARRAY[interval '1 day', interval '-2 hours']$$, 'interval[]'),
	(32, $$'[2024-01-01,2024-02-01)'$$,             'daterange'),
	(33, $$'[2024-01-01 10:00+00,2024-01-02 10:00+00)'$$, 'tstzrange'),
	(34, $$'[0.5,1.5]'$$,                           'numrange'),
	(35, $$ROW('2024-03-04', '1 day')::si.pair$$,   'si.pair'),
	(36, $$'{"d": "2024-03-04", "f": 0.1}'$$,       'jsonb'),
	(37, $$to_char(date '2024-03-04', 'YYYY-MM-DD')$$, 'text'),
	(38, $$'ok'$$,                                  'si.mood'),
	(39, $$5$$,                                     'si.posint'),
	-- dynamic
	(40, $$now()$$,                                 'timestamptz'),
	(41, $$now() + interval '1 day 02:00'$$,        'timestamptz'),
	(42, $$CURRENT_DATE$$,                          'date'),
	(43, $$LOCALTIMESTAMP(2)$$,                     'timestamp'),
	(44, $$nextval('si.seq')$$,                     'bigint'),
	-- invalid
	(45, $$'now'$$,                                 'timestamptz'),
	(46, $$'today'$$,                               'date'),
	(47, $$'2024-13-01'$$,                          'date'),
	(48, $$'2024-03-04 25:00'$$,                    'timestamp'),
	(49, $$'1 fortnight'$$,                         'interval'),
	(50, $$'1e400'::float8$$,                         'double precision'),
	(51, $$1.0::float8 / 0$$,                       'double precision'),
	(52, $$random() * 0.1$$,                        'double precision'),
	(53, $$-1$$,                                    'si.posint'),
	(54, $$'2024-03-04'::date::text$$,              'varchar(3)'),
	(55, $$(1 +$$,                                  'integer'),
	(56, $$'x'$$,                                   'no_such_type');

-- the result under the session's settings
CREATE TABLE si.base AS
SELECT m.id, c.* FROM si.mix m, check_default(m.e, m.t) c;
SELECT id, valid, kind, normalized, rewrites, left(reason, 60) AS reason
FROM si.base ORDER BY id;

-- every combination; a row for each expression whose result differs
CREATE FUNCTION si.differences()
RETURNS TABLE(datestyle text, intervalstyle text, extra_float_digits int,
			  id int, base text, got text)
LANGUAGE plpgsql AS $$
DECLARE
	ds	text;
	ist	text;
	efd	int;
BEGIN
	FOREACH ds IN ARRAY ARRAY['ISO, MDY', 'ISO, DMY', 'SQL, MDY', 'SQL, DMY',
							  'German, MDY', 'German, DMY',
							  'Postgres, MDY', 'Postgres, DMY'] LOOP
		FOREACH ist IN ARRAY ARRAY['postgres', 'sql_standard', 'iso_8601',
								   'postgres_verbose'] LOOP
			FOREACH efd IN ARRAY ARRAY[-15, 0, 3] LOOP
				PERFORM set_config('datestyle', ds, true),
						set_config('intervalstyle', ist, true),
						set_config('extra_float_digits', efd::text, true);
				RETURN QUERY
				SELECT ds, ist, efd, m.id, b::text, c::text
				FROM si.mix m
				JOIN si.base b ON b.id = m.id,
				LATERAL check_default(m.e, m.t) c
				WHERE (b.valid, b.kind, b.normalized, b.rewrites, b.reason)
					  IS DISTINCT FROM (c.valid, c.kind, c.normalized, c.rewrites, c.reason);
			END LOOP;
		END LOOP;
	END LOOP;
END
$$;

BEGIN;
SELECT * FROM si.differences() ORDER BY 1, 2, 3, 4;
-- the settings really changed (the function set them for the transaction)
SHOW datestyle;
SHOW intervalstyle;
SHOW extra_float_digits;
ROLLBACK;
SELECT count(*) AS combinations
FROM unnest(ARRAY['ISO, MDY', 'ISO, DMY', 'SQL, MDY', 'SQL, DMY', 'German, MDY',
				  'German, DMY', 'Postgres, MDY', 'Postgres, DMY']) ds,
	 unnest(ARRAY['postgres', 'sql_standard', 'iso_8601', 'postgres_verbose']) ist,
	 unnest(ARRAY[-15, 0, 3]) efd;

-- an ambiguous date is read in DateStyle's field order, as PostgreSQL reads
-- it, and normalized to that value in ISO form
SET datestyle = 'German, DMY';
SELECT normalized FROM check_default('''03/04/2024''', 'date');
SET datestyle = 'SQL, MDY';
SELECT normalized FROM check_default('''03/04/2024''', 'date');
RESET datestyle;

DROP SCHEMA si CASCADE;
DROP EXTENSION defaults_policy;
