--
-- A worker that is down: the call fails, and nothing is left behind on any
-- node: no column, no audit row, no prepared transaction.
--
\getenv host DP_CITUS_HOST
\getenv coordinator DP_CITUS_COORDINATOR
\getenv worker1 DP_CITUS_WORKER1
\getenv worker2 DP_CITUS_WORKER2
SELECT count(*) AS audit_rows FROM default_policy_audit \gset
-- the tables, shards and copies on this node that have the column, and
-- the prepared transactions (pg_attribute shows the shards that Citus
-- hides from pg_class)
CREATE FUNCTION column_on_node(col name)
RETURNS TABLE (tables bigint, prepared bigint)
LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM pg_attribute
          WHERE attrelid::regclass::text ~ '^(orders|currencies)(_[0-9]+)?$' AND attname = col),
         (SELECT count(*) FROM pg_prepared_xacts)
$$;

\! $DP_CITUS_CLUSTER stop-node $DP_CITUS_HOST worker2 >/dev/null
-- a new session, without connections to the worker from before
\c postgres postgres :host :coordinator
SET client_min_messages = error;
\set VERBOSITY sqlstate
SELECT add_column_with_default('orders', 'while_down', 'integer', '0');
SELECT add_column_with_default('orders', 'while_down', 'uuid', 'gen_random_uuid()');
SELECT add_column_with_default('currencies', 'while_down', 'integer', '0');
\set VERBOSITY default
RESET client_min_messages;
SELECT count(*) - :audit_rows AS new_audit_rows FROM default_policy_audit;
SELECT * FROM column_on_node('while_down');
\c postgres postgres :host :worker1
SELECT * FROM column_on_node('while_down');

\! $DP_CITUS_CLUSTER start-node $DP_CITUS_HOST worker2 >/dev/null
\c postgres postgres :host :worker2
SELECT * FROM column_on_node('while_down');

-- back up, the same call goes through
\c postgres postgres :host :coordinator
SELECT recover_prepared_transactions();
SELECT action, detail ->> 'shard_placements' AS placements
FROM add_column_with_default('orders', 'while_down', 'integer', '0');
SELECT result AS tables_and_prepared
FROM run_command_on_all_nodes($$SELECT column_on_node('while_down')$$)
ORDER BY nodeid;
