--
-- The online path: CALL add_column_with_default_concurrently() fills a new
-- NOT NULL column in committed batches, by primary key or by ctid, and
-- resumes where it stopped.
--
CREATE EXTENSION defaults_policy;
\pset null '(null)'
CREATE SCHEMA online;
SET search_path = online, public;
SET defaults_policy.enforce = off;

-- what a table looks like once the backfill is over: nothing left behind
CREATE FUNCTION leftovers(t regclass)
RETURNS TABLE (what text, name text) LANGUAGE sql AS $$
	SELECT 'trigger', tgname::text FROM pg_trigger WHERE tgrelid = t AND NOT tgisinternal
	UNION ALL
	SELECT 'check', conname::text FROM pg_constraint WHERE conrelid = t AND contype = 'c'
	ORDER BY 1, 2
$$;
CREATE FUNCTION column_state(t regclass, c name)
RETURNS TABLE (not_null boolean, has_default boolean) LANGUAGE sql AS $$
	SELECT attnotnull, atthasdef FROM pg_attribute WHERE attrelid = t AND attname = c
$$;

CREATE TABLE orders (id bigint PRIMARY KEY, amount integer);
INSERT INTO orders SELECT g, g % 100 FROM generate_series(1, 2000) g;
ANALYZE orders;

--
-- Refusals: each changes nothing
--
BEGIN;
CALL add_column_with_default_concurrently('orders', 'token', 'uuid', 'gen_random_uuid()');
ROLLBACK;
CALL add_column_with_default_concurrently('orders', 'token', 'uuid', 'gen_random_uuid()', batch_size => 0);
CALL add_column_with_default_concurrently('orders', 'token', 'uuid', 'gen_random_uuid()', NULL);
CALL add_column_with_default_concurrently('orders', 'lucky', 'float8', 'random()');
CALL add_column_with_default_concurrently('orders', 'amount', 'uuid', 'gen_random_uuid()');
CALL add_column_with_default_concurrently('orders', 'xmin', 'uuid', 'gen_random_uuid()');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE SEQUENCE serials;
CALL add_column_with_default_concurrently('orders', 'n', 'positive', 'nextval(''online.serials'')::integer');
CREATE TABLE parted (id integer) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CALL add_column_with_default_concurrently('parted', 'token', 'uuid', 'gen_random_uuid()');
CREATE ROLE regress_online_other;
GRANT USAGE ON SCHEMA online TO regress_online_other;
SET ROLE regress_online_other;
CALL add_column_with_default_concurrently('online.orders', 'token', 'uuid', 'gen_random_uuid()');
RESET ROLE;
SELECT count(*) AS backfills FROM default_policy_backfill;
SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0 ORDER BY attnum;

--
-- A default that needs no rewrite takes the instant transactional path
--
CALL add_column_with_default_concurrently('orders', 'status', 'text', '''new''');
SELECT * FROM column_state('orders', 'status');
SELECT count(*) AS backfills FROM default_policy_backfill;

--
-- By primary key: every row gets its own value, then NOT NULL, and
-- nothing is left behind
--
SET client_min_messages = warning;
CALL add_column_with_default_concurrently('orders', 'token', 'uuid', 'gen_random_uuid()', batch_size => 300);
RESET client_min_messages;
SELECT count(*) AS orders, count(DISTINCT token) AS tokens FROM orders;
SELECT * FROM column_state('orders', 'token');
SELECT * FROM leftovers('orders');
SELECT table_name, column_name, phase, rows_done, rows_estimated, throttled,
	   eta = updated_at AS eta_is_the_end FROM default_policy_backfill;
SELECT action, column_name, kind, kept_default, rewrote, detail->>'path' AS path,
	   detail->>'walk' AS walk, detail->>'rows' AS rows, (detail->>'batches')::int > 1 AS batched
FROM default_policy_audit WHERE column_name = 'token' ORDER BY id;
-- the same CALL again: nothing to do
CALL add_column_with_default_concurrently('orders', 'token', 'uuid', 'gen_random_uuid()', batch_size => 300);

--
-- By ctid, on a table without a primary key, keeping the default
--
CREATE TABLE events (kind text);
INSERT INTO events SELECT 'e' || g FROM generate_series(1, 3000) g;
DELETE FROM events WHERE kind LIKE '%7';
ANALYZE events;
SET client_min_messages = warning;
CALL add_column_with_default_concurrently('events', 'seen_at', 'timestamptz', 'clock_timestamp()',
										  keep_default => true, batch_size => 500);
RESET client_min_messages;
SELECT count(*) AS events, count(seen_at) AS filled FROM events;
SELECT * FROM column_state('events', 'seen_at');
SELECT pg_get_expr(adbin, adrelid) AS kept_default FROM pg_attrdef
WHERE adrelid = 'events'::regclass;
SELECT * FROM leftovers('events');
SELECT detail->>'walk' AS walk, detail->>'rows' AS rows FROM default_policy_audit
WHERE action = 'backfill_completed' AND column_name = 'seen_at';

--
-- Resuming: a batch fails (here a user's trigger refuses one row), the
-- batches before it stay committed, and the same CALL finishes the job;
-- every row is filled exactly once (a sequence numbers them)
--
CREATE TABLE items (id integer PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g;
ANALYZE items;
CREATE SEQUENCE item_no;
CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.id = 700 THEN
		RAISE EXCEPTION 'row 700 is not ready';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER poison BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION poison();
SET client_min_messages = warning;
CALL add_column_with_default_concurrently('items', 'no', 'bigint', 'nextval(''online.item_no'')', batch_size => 200);
RESET client_min_messages;
SELECT phase, rows_done, throttled FROM default_policy_backfill WHERE column_name = 'no';
CREATE TABLE filled_before AS SELECT id, no FROM items WHERE no IS NOT NULL;
SELECT count(*) AS filled_before FROM filled_before;
SELECT * FROM column_state('items', 'no');
SELECT * FROM leftovers('items');
-- meanwhile other writes get their value from the trigger: an insert that
-- gives NULL, an update of a row not filled yet
INSERT INTO items VALUES (1001, 'late', NULL);
UPDATE items SET name = 'renamed' WHERE id = 900;
SELECT id, no IS NOT NULL AS filled FROM items WHERE id IN (900, 1001) ORDER BY id;
-- another CALL on the same column is refused, naming the one in progress
CALL add_column_with_default_concurrently('items', 'no', 'bigint', '0');
-- the same CALL resumes
DROP TRIGGER poison ON items;
CALL add_column_with_default_concurrently('items', 'no', 'bigint', 'nextval(''online.item_no'')', batch_size => 200);
SELECT count(*) AS items, count(DISTINCT no) AS numbers, count(no) AS filled FROM items;
SELECT count(*) AS changed_since FROM filled_before f JOIN items i USING (id) WHERE i.no <> f.no;
SELECT * FROM column_state('items', 'no');
SELECT * FROM leftovers('items');
SELECT phase FROM default_policy_backfill WHERE column_name = 'no';
SELECT action, column_name FROM default_policy_audit WHERE column_name = 'no' ORDER BY id;

-- a column dropped while its backfill was unfinished: the next CALL starts
-- again
CREATE TABLE again (id integer PRIMARY KEY);
INSERT INTO again SELECT generate_series(1, 50);
CREATE TRIGGER poison BEFORE UPDATE ON again FOR EACH ROW EXECUTE FUNCTION poison();
INSERT INTO again VALUES (700);
SET client_min_messages = warning;
CALL add_column_with_default_concurrently('again', 'u', 'uuid', 'gen_random_uuid()', batch_size => 10);
RESET client_min_messages;
ALTER TABLE again DROP COLUMN u;
DROP TRIGGER poison ON again;
SET client_min_messages = warning;
CALL add_column_with_default_concurrently('again', 'u', 'uuid', 'gen_random_uuid()', batch_size => 10);
RESET client_min_messages;
SELECT count(*), count(DISTINCT u) FROM again;
SELECT * FROM leftovers('again');

-- a plain role that owns its table
CREATE ROLE regress_online_owner;
GRANT USAGE, CREATE ON SCHEMA online TO regress_online_owner;
SET ROLE regress_online_owner;
CREATE TABLE mine (id integer PRIMARY KEY);
INSERT INTO mine SELECT generate_series(1, 300);
SET client_min_messages = warning;
CALL add_column_with_default_concurrently('mine', 'ref', 'uuid', 'gen_random_uuid()', batch_size => 100);
RESET client_min_messages;
SELECT count(*), count(DISTINCT ref) FROM mine;
RESET ROLE;
SELECT current_user_name, action FROM default_policy_audit WHERE column_name = 'ref' ORDER BY id;

RESET search_path;
DROP SCHEMA online CASCADE;
DROP OWNED BY regress_online_other, regress_online_owner;
DROP ROLE regress_online_other, regress_online_owner;
DROP EXTENSION defaults_policy;
