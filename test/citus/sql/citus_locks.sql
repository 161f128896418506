--
-- Bounded lock waits on every node.  Another transaction holds a lock on
-- one shard (or one copy of a reference table) on a worker; the column
-- functions wait at most defaults_policy.lock_timeout for it per attempt,
-- hold nothing anywhere between attempts, succeed once it is released
-- within the retry budget, and fail with 55P03 when it is not.
--
CREATE EXTENSION dblink;
\getenv host DP_CITUS_HOST
\getenv coordinator DP_CITUS_COORDINATOR
\getenv worker1 DP_CITUS_WORKER1
\getenv worker2 DP_CITUS_WORKER2
SELECT format('host=%s port=%s dbname=postgres user=postgres', :'host', :'worker1') AS worker1_conn,
       format('host=%s port=%s dbname=postgres user=postgres', :'host', :'worker2') AS worker2_conn,
       format('host=%s port=%s dbname=postgres user=postgres', :'host', :'coordinator') AS coordinator_conn
\gset
-- a shard of orders on worker 1, and a row whose shard is on worker 2
SELECT shard_name AS locked_shard FROM citus_shards
WHERE table_name = 'orders'::regclass AND nodeport = :worker1
ORDER BY shardid LIMIT 1 \gset
SELECT shardid AS other_shard FROM citus_shards
WHERE table_name = 'orders'::regclass AND nodeport = :worker2
ORDER BY shardid LIMIT 1 \gset
SELECT min(g) AS other_id FROM generate_series(1, 1000) g
WHERE get_shard_id_for_distribution_column('orders', g::bigint) = :other_shard \gset
-- a plain transaction on worker 1 that holds a lock on a shard for a while
-- (then commits), and one way to end it sooner
CREATE FUNCTION hold_lock(conn text, relation text, seconds float8) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM dblink_connect(conn, current_setting('test.worker1_conn'));
  PERFORM dblink_send_query(conn, format(
    'BEGIN; SET LOCAL citus.enable_manual_changes_to_shards = on; '
    'LOCK TABLE %s IN ACCESS SHARE MODE; SELECT pg_sleep(%s); COMMIT',
    relation, seconds));
  FOR i IN 1 .. 100 LOOP
    EXIT WHEN EXISTS (SELECT FROM dblink(current_setting('test.worker1_conn'),
      format('SELECT 1 FROM pg_locks WHERE relation = %L::regclass AND granted', relation))
      AS t(one int));
    PERFORM pg_sleep(0.05);
  END LOOP;
END$$;
CREATE FUNCTION release_lock(conn text) RETURNS void
LANGUAGE sql AS $$
  SELECT dblink_cancel_query(conn);
  SELECT dblink_disconnect(conn);
$$;
SELECT set_config('test.worker1_conn', :'worker1_conn', false) IS NOT NULL AS set;
-- what an ALTER would have left on any node: ACCESS EXCLUSIVE locks on the
-- tables, their shards or copies, and prepared transactions
CREATE FUNCTION left_behind() RETURNS TABLE (locks bigint, prepared bigint)
LANGUAGE sql AS $$
  SELECT sum(l.result::bigint), sum(p.result::bigint)
  FROM run_command_on_all_nodes($q$SELECT count(*) FROM pg_locks
                                  WHERE relation::regclass::text ~ '^(orders|currencies)(_[0-9]+)?$'
                                  AND mode = 'AccessExclusiveLock'$q$) l
  JOIN run_command_on_all_nodes('SELECT count(*) FROM pg_prepared_xacts') p USING (nodeid)
$$;

--
-- The lock is held throughout: 55P03 after lock_retries + 1 attempts of
-- lock_timeout each, and nothing is left on any node.
--
SELECT hold_lock('holder', :'locked_shard', 5);
SET defaults_policy.lock_timeout = 200;
SET defaults_policy.lock_retries = 2;
SELECT clock_timestamp() AS started \gset
SELECT add_column_with_default('orders', 'blocked', 'integer', '0');
SELECT clock_timestamp() - :'started'::timestamptz BETWEEN interval '600 ms' AND interval '3 s' AS bounded;
SELECT * FROM column_everywhere('orders', 'blocked');
SELECT * FROM left_behind();
-- the same for a volatile default, and for set_column_default
SELECT add_column_with_default('orders', 'blocked', 'uuid', 'gen_random_uuid()');
SELECT set_column_default('orders', 'status', '''blocked''');
SELECT * FROM column_everywhere('orders', 'blocked');
SELECT release_lock('holder');

--
-- The lock is released within the retry budget: success, with more than
-- one attempt.  Meanwhile a reader of a shard on the other worker is never
-- held up for longer than about one attempt (a plain ALTER TABLE would
-- hold it for as long as the lock is held).
--
CREATE TABLE read_waits (waited interval);
CREATE FUNCTION read_other_shard(key bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM count(*) FROM orders WHERE id = key;
  INSERT INTO read_waits VALUES (clock_timestamp() - statement_timestamp());
END$$;
SELECT hold_lock('holder', :'locked_shard', 2.5);
SELECT dblink_connect('migration', :'coordinator_conn');
SELECT dblink_exec('migration', 'SET defaults_policy.lock_timeout = 200');
SELECT dblink_exec('migration', 'SET defaults_policy.lock_retries = 50');
SELECT dblink_send_query('migration',
  $$SELECT (detail ->> 'lock_attempts')::int > 1 FROM add_column_with_default('orders', 'released', 'integer', '0')$$);
SET lock_timeout = '1500ms';
SELECT pg_sleep(0.2);
SELECT read_other_shard(:other_id);
SELECT pg_sleep(0.2);
SELECT read_other_shard(:other_id);
SELECT pg_sleep(0.2);
SELECT read_other_shard(:other_id);
SELECT pg_sleep(0.2);
SELECT read_other_shard(:other_id);
SELECT pg_sleep(0.2);
SELECT read_other_shard(:other_id);
SELECT pg_sleep(0.2);
SELECT read_other_shard(:other_id);
RESET lock_timeout;
SELECT * FROM dblink_get_result('migration') AS t(retried boolean);
SELECT * FROM dblink_get_result('migration') AS t(retried boolean);
SELECT count(*) AS reads, max(waited) < interval '1 s' AS each_under_a_second FROM read_waits;
SELECT * FROM column_everywhere('orders', 'released');
SELECT release_lock('holder');

--
-- A copy of a reference table locked on a worker bounds the wait the same way.
--
SELECT shard_name AS locked_copy FROM citus_shards
WHERE table_name = 'currencies'::regclass AND nodeport = :worker1 \gset
SELECT hold_lock('holder', :'locked_copy', 5);
SET defaults_policy.lock_retries = 1;
SELECT add_column_with_default('currencies', 'blocked', 'integer', '0');
SELECT * FROM column_everywhere('currencies', 'blocked');
SELECT release_lock('holder');

--
-- A cancel stops a call that waits on a worker at once, and nothing is
-- added.
--
SELECT hold_lock('holder', :'locked_shard', 5);
SELECT * FROM dblink('migration', 'SELECT pg_backend_pid()') AS t(pid int) \gset migration_
SELECT dblink_exec('migration', 'SET defaults_policy.lock_timeout = 4000');
SELECT dblink_exec('migration', 'SET defaults_policy.lock_retries = 0');
SELECT dblink_send_query('migration',
  $$SELECT add_column_with_default('orders', 'cancelled', 'integer', '0')$$);
SELECT pg_sleep(0.5);
SELECT clock_timestamp() AS cancelled \gset
SELECT pg_cancel_backend(:migration_pid);
SELECT * FROM dblink_get_result('migration') AS t(r text);
SELECT * FROM dblink_get_result('migration') AS t(r text);
SELECT clock_timestamp() - :'cancelled'::timestamptz < interval '1 s' AS at_once;
SELECT * FROM column_everywhere('orders', 'cancelled');

--
-- A client that goes away while the call retries: the call stops at the
-- end of the attempt under way, instead of going on and committing once
-- the lock is released.
--
SELECT dblink_exec('migration', 'SET defaults_policy.lock_timeout = 200');
SELECT dblink_exec('migration', 'SET defaults_policy.lock_retries = 1000');
SELECT dblink_send_query('migration',
  $$SELECT add_column_with_default('orders', 'orphaned', 'integer', '0')$$);
SELECT pg_sleep(0.5);
SELECT dblink_disconnect('migration');
SELECT pg_sleep(1);
SELECT count(*) AS still_running FROM pg_stat_activity WHERE pid = :migration_pid;
SELECT release_lock('holder');
SELECT pg_sleep(1);
SELECT * FROM column_everywhere('orders', 'orphaned');
SELECT * FROM left_behind();
RESET defaults_policy.lock_timeout;
RESET defaults_policy.lock_retries;
