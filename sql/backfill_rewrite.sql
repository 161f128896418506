--
-- backfill_rewrite: a table rewritten in the middle of an online backfill.
-- The walk by ctid (a table without a primary key) goes over block ranges;
-- VACUUM FULL between two CALLs moves the rows not filled yet behind the
-- position stored.  VALIDATE CONSTRAINT finds them, and the procedure walks
-- the whole table again before it validates again: the CALL still ends with
-- every row filled once.
--
CREATE EXTENSION defaults_policy;
SET defaults_policy.enforce = off;

CREATE TABLE events (n integer, pad text);
INSERT INTO events SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;
ANALYZE events;
-- each fill logged: a row filled twice would show twice
CREATE TABLE fills (n integer);
CREATE FUNCTION log_fills() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO fills SELECT n.n FROM new_rows n JOIN old_rows o USING (n)
	WHERE o.token IS DISTINCT FROM n.token;
	RETURN NULL;
END $$;
CREATE TRIGGER log_fills AFTER UPDATE ON events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION log_fills();

-- the first CALL stops at a row a user's trigger refuses, after some batches
CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.n = 15000 THEN
		RAISE EXCEPTION 'row 15000 is not ready';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER poison BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION poison();
SET client_min_messages = warning;
CALL add_column_with_default_concurrently('events', 'token', 'uuid', 'gen_random_uuid()', batch_size => 1000);
RESET client_min_messages;
SELECT phase, walk, rows_done > 0 AND rows_done < 15000 AS partly FROM default_policy_backfills;
SELECT end_position AS first_end FROM default_policy_backfills \gset
DROP TRIGGER poison ON events;

-- VACUUM FULL packs the live rows from the first block on: rows not filled
-- yet land behind the position of the walk
VACUUM FULL events;
SELECT count(*) FILTER (WHERE token IS NULL AND (events.ctid::text::point)[0] < b.position::integer) > 0
	   AS rows_to_fill_behind_the_walk
FROM events, default_policy_backfills AS b;

-- the same CALL: the batches up to the end, VALIDATE finds the rows left
-- behind, the whole table walked again, VALIDATE again
SET client_min_messages = warning;
CALL add_column_with_default_concurrently('events', 'token', 'uuid', 'gen_random_uuid()', batch_size => 1000);
RESET client_min_messages;
SELECT count(*) AS events, count(token) AS filled, count(DISTINCT token) AS distinct_tokens FROM events;
SELECT count(*) AS fills, count(DISTINCT n) AS rows_filled FROM fills;
SELECT attnotnull, atthasdef FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'token';
SELECT count(*) AS fill_triggers FROM pg_trigger WHERE tgrelid = 'events'::regclass AND tgname LIKE 'default_policy_backfill%';
SELECT count(*) AS checks FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'c';
SELECT phase, walk, end_position <> :'first_end' AS walked_again, position = end_position AS to_its_end,
	   rows_done FROM default_policy_backfills;
SELECT action, detail->>'rows' AS rows FROM default_policy_audit WHERE column_name = 'token' ORDER BY id;

DROP TABLE events, fills;
DROP FUNCTION poison(), log_fills();
DROP EXTENSION defaults_policy;
