--
-- check_schema_defaults: the validation rules applied to the column
-- defaults that already exist, made by plain DDL.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'

CREATE SCHEMA shop;
CREATE TYPE shop.mood AS ENUM ('sad', 'ok');
CREATE DOMAIN shop.positive AS integer CHECK (VALUE > 0);
CREATE FUNCTION shop.next_code() RETURNS text LANGUAGE sql VOLATILE AS $$SELECT 'x'$$;
CREATE TABLE shop.orders (
	id			serial PRIMARY KEY,
	ident		bigint GENERATED ALWAYS AS IDENTITY,
	placed_at	timestamptz NOT NULL DEFAULT now(),
	placed_on	date DEFAULT CURRENT_DATE,
	frozen_at	timestamptz DEFAULT 'now',
	status		text DEFAULT 'new',
	quantity	shop.positive DEFAULT 1,
	mood		shop.mood DEFAULT 'ok',
	token		uuid DEFAULT gen_random_uuid(),
	lucky		float8 DEFAULT random(),
	code		text DEFAULT shop.next_code(),
	nothing		integer DEFAULT NULL,
	amount		numeric(10,2) DEFAULT 1.5,
	short		varchar(2) DEFAULT 'abc',
	doubled		numeric GENERATED ALWAYS AS (amount * 2) STORED
);
CREATE VIEW shop.order_view AS SELECT id, status FROM shop.orders;
ALTER VIEW shop.order_view ALTER COLUMN status SET DEFAULT 'view default';
CREATE TABLE public.other (flag boolean DEFAULT true);

-- one schema.  A default made with 'now' was converted when it was made:
-- it is the constant it became, and looks static.
SELECT table_name, column_name,
	   CASE column_name WHEN 'frozen_at' THEN '(the time it was made)' ELSE expression END AS expression,
	   kind, valid, reason
FROM check_schema_defaults('shop');

-- every user schema: the extension's own tables are left out
SELECT table_name, column_name, kind, valid FROM check_schema_defaults()
ORDER BY table_name::text COLLATE "C", column_name COLLATE "C";

-- a schema that does not exist, and one with no defaults
SELECT * FROM check_schema_defaults('no_such_schema');
SELECT count(*) FROM check_schema_defaults('pg_catalog');

-- what the rules mean for a schema: the defaults to look at
SELECT table_name, column_name, expression, reason
FROM check_schema_defaults('shop') WHERE NOT valid;

-- the canonical text qualifies what is outside pg_catalog, whatever the
-- caller's search_path
SET search_path = shop, public;
SELECT column_name, expression, kind FROM check_schema_defaults('shop')
WHERE column_name IN ('quantity', 'mood', 'code', 'id');
RESET search_path;

DROP SCHEMA shop CASCADE;
DROP TABLE public.other;
DROP EXTENSION defaults_policy;
