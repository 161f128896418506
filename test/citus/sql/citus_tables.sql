--
-- The column functions on the three kinds of Citus table, run on the
-- coordinator: a distributed table in 32 shards over two workers, a
-- reference table (a copy on every node, the coordinator's included) and a
-- Citus local table (one shard, on the coordinator).
--
CREATE TABLE orders (id bigint PRIMARY KEY, note text);
SELECT create_distributed_table('orders', 'id', shard_count => 32);
INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 20000) g;
CREATE TABLE currencies (code char(3) PRIMARY KEY);
SELECT create_reference_table('currencies');
INSERT INTO currencies VALUES ('EUR'), ('USD'), ('JPY');
CREATE TABLE settings (name text PRIMARY KEY);
SELECT citus_add_local_table_to_metadata('settings');
INSERT INTO settings VALUES ('a'), ('b');
-- a plain table, which Citus does not manage
CREATE TABLE plain (id int);
INSERT INTO plain VALUES (1);
SELECT table_name, citus_table_type, shard_count FROM citus_tables ORDER BY 1;

-- Every copy of every shard, with its file: to see what was rewritten.
CREATE FUNCTION placement_files(t regclass)
RETURNS TABLE (shardid bigint, nodeport int, filenode text)
LANGUAGE sql AS $$
  SELECT shardid, nodeport, result
  FROM run_command_on_placements(t, 'SELECT pg_relation_filenode(''%s'')')
$$;
CREATE TABLE files_before (t regclass, shardid bigint, nodeport int, filenode text);
CREATE FUNCTION files_rewritten(t regclass)
RETURNS TABLE (placements bigint, rewritten bigint)
LANGUAGE sql AS $$
  SELECT count(*), count(*) FILTER (WHERE b.filenode <> a.filenode)
  FROM files_before b JOIN placement_files(t) a USING (shardid, nodeport)
  WHERE b.t = $1
$$;
-- Whether a column is on the coordinator's table, and on how many copies of
-- its shards.
CREATE FUNCTION column_everywhere(t regclass, col name)
RETURNS TABLE (coordinator boolean, placements bigint)
LANGUAGE sql AS $$
  SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = t AND attname = col),
         (SELECT count(*) FROM run_command_on_placements(t,
            format('SELECT count(*) FROM pg_attribute WHERE attrelid = %L::regclass AND attname = %L',
                   '%s', col))
          WHERE result = '1')
$$;
CREATE FUNCTION remember_files(t regclass) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM files_before WHERE files_before.t = $1;
  INSERT INTO files_before SELECT $1, * FROM placement_files($1);
$$;

--
-- A static default: a fast default on every shard, nothing rewritten.  The
-- audit row counts the shards, their copies and the nodes.
--
SELECT remember_files('orders');
SELECT action, kind, rewrote, detail
FROM add_column_with_default('orders', 'status', 'text', '''new''');
SELECT * FROM files_rewritten('orders');
SELECT status, count(*) FROM orders GROUP BY status;

-- A volatile default rewrites each shard once, on its worker: every row
-- gets its own value.
SELECT remember_files('orders');
SELECT action, kind, rewrote, detail
FROM add_column_with_default('orders', 'public_id', 'uuid', 'gen_random_uuid()');
SELECT * FROM files_rewritten('orders');
SELECT count(*), count(DISTINCT public_id) FROM orders;

-- A stable default is evaluated once, on the coordinator: every row of
-- every shard holds the caller's now().  With keep_default the expression
-- becomes the DEFAULT of every shard afterwards.
BEGIN;
SELECT now() AS caller_now \gset
SELECT remember_files('orders');
SELECT action, kind, rewrote, detail - 'coordinator_value' AS detail,
       (detail ->> 'coordinator_value') IS NOT NULL AS has_value
FROM add_column_with_default('orders', 'created_at', 'timestamptz', 'now()',
                             keep_default => true);
COMMIT;
SELECT * FROM files_rewritten('orders');
SELECT count(*), count(DISTINCT created_at),
       bool_and(created_at = :'caller_now'::timestamptz) AS callers_now
FROM orders;
SELECT DISTINCT result AS shard_default
FROM run_command_on_shards('orders', $$
  SELECT pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d JOIN pg_attribute a ON (a.attrelid, a.attnum) = (d.adrelid, d.adnum)
  WHERE d.adrelid = '%s'::regclass AND a.attname = 'created_at'$$);
-- later inserts get the DEFAULT (Citus evaluates it on the coordinator)
INSERT INTO orders (id, status, public_id) VALUES (20001, 'new', gen_random_uuid());
SELECT created_at > :'caller_now'::timestamptz AS later FROM orders WHERE id = 20001;

-- CURRENT_DATE under the session's DateStyle: the value the workers store
-- is the coordinator's, written so that any DateStyle reads it back.
SET datestyle = 'SQL, DMY';
SELECT action, kind FROM add_column_with_default('orders', 'ordered_on', 'date', 'CURRENT_DATE');
SELECT count(DISTINCT ordered_on), bool_and(ordered_on = current_date) FROM orders;
SELECT action FROM add_column_with_default('orders', 'valid_from', 'date', '''02/01/2024''');
SELECT DISTINCT to_char(valid_from, 'YYYY-MM-DD') FROM orders;
RESET datestyle;

--
-- The reference table: a stable default gives every copy the same value.
--
SELECT remember_files('currencies');
SELECT action, kind, rewrote, detail - 'coordinator_value' AS detail
FROM add_column_with_default('currencies', 'listed_at', 'timestamptz', 'statement_timestamp()');
SELECT * FROM files_rewritten('currencies');
SELECT count(*) AS copies, count(DISTINCT result) AS distinct_contents
FROM run_command_on_placements('currencies',
  'SELECT string_agg(code || '' '' || listed_at::text, '','' ORDER BY code) FROM %s');
SELECT action, rewrote, detail
FROM add_column_with_default('currencies', 'decimals', 'int', '2');

--
-- The Citus local table: one copy, so a volatile default is fine.
--
SELECT remember_files('settings');
SELECT action, kind, rewrote, detail
FROM add_column_with_default('settings', 'token', 'uuid', 'gen_random_uuid()');
SELECT * FROM files_rewritten('settings');
SELECT count(DISTINCT token) FROM settings;
SELECT action, kind, rewrote, detail - 'coordinator_value' AS detail
FROM add_column_with_default('settings', 'changed_at', 'timestamp', 'LOCALTIMESTAMP', keep_default => true);

--
-- A distributed table whose shards have two copies: a stable default gives
-- both copies the same value.
--
SET citus.shard_replication_factor = 2;
CREATE TABLE events (id bigint);
SELECT create_distributed_table('events', 'id', shard_count => 4);
RESET citus.shard_replication_factor;
INSERT INTO events SELECT generate_series(1, 100);
SELECT action, rewrote, detail - 'coordinator_value' AS detail
FROM add_column_with_default('events', 'seen_at', 'timestamptz', 'transaction_timestamp()');
SELECT count(*) AS copies, count(DISTINCT result) AS distinct_values
FROM run_command_on_placements('events', 'SELECT count(DISTINCT seen_at)::text || '' '' || min(seen_at)::text FROM %s');

--
-- set_column_default and add_column_with_policy reach every shard too.
--
SELECT action, detail FROM set_column_default('orders', 'status', '''open''');
SELECT DISTINCT result AS shard_default
FROM run_command_on_shards('orders', $$
  SELECT pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d JOIN pg_attribute a ON (a.attrelid, a.attnum) = (d.adrelid, d.adnum)
  WHERE d.adrelid = '%s'::regclass AND a.attname = 'status'$$);
SELECT (create_default_policy('updated_at', 'timestamptz', 'now()', keep_default => true)).name;
SELECT action, policy_name, detail - 'coordinator_value' AS detail
FROM add_column_with_policy('orders', 'updated_at', 'updated_at');
SELECT count(DISTINCT updated_at) FROM orders;
SELECT action, detail FROM add_column_with_policy('orders', 'updated_at', 'updated_at', if_not_exists => true);

--
-- A table Citus does not manage gets none of the Citus keys.
--
SELECT action, detail FROM add_column_with_default('plain', 'flag', 'boolean', 'false');

-- What the audit trail holds on the coordinator: no row for a shard.
SELECT action, table_name, column_name FROM default_policy_audit ORDER BY id;
