--
-- The workers.  The policies, the allowlist and the audit trail are the
-- coordinator's: on a worker the column functions refuse to run and name
-- the coordinator, and the DDL Citus replays there (on shards, and on the
-- workers' copies of the tables' metadata) passes enforcement and the
-- allowlist's triggers, which the coordinator already applied.
--
\getenv host DP_CITUS_HOST
\getenv coordinator DP_CITUS_COORDINATOR
\getenv worker1 DP_CITUS_WORKER1
\c postgres postgres :host :worker1
SELECT add_column_with_default('orders', 'on_worker', 'integer', '0');
SELECT add_column_with_policy('orders', 'on_worker', 'updated_at');
SELECT set_column_default('orders', 'status', '''x''');
SELECT * FROM explain_add_column('orders', 'on_worker', 'integer', '0');
CALL add_column_with_default_concurrently('orders', 'on_worker', 'uuid', 'gen_random_uuid()');
SELECT count(*) AS policies FROM default_policy;
SELECT count(*) AS audit_rows FROM default_policy_audit;

-- Enforcement at its strictest on worker 1, with gen_random_uuid() off its
-- own allowlist: a user's DDL on the worker is judged by it ...
ALTER SYSTEM SET defaults_policy.enforce = 'error';
SELECT pg_reload_conf();
SELECT pg_sleep(0.2);
SELECT disallow_default_function('gen_random_uuid()');
CREATE TABLE worker_own (token uuid DEFAULT gen_random_uuid());

-- ... but what the coordinator sends is not: a plain ALTER TABLE, the
-- column functions, and the shards of a new distributed table.
\c postgres postgres :host :coordinator
ALTER TABLE orders ADD COLUMN via_ddl uuid DEFAULT gen_random_uuid();
SELECT action, rewrote FROM add_column_with_default('orders', 'via_function', 'uuid', 'gen_random_uuid()');
CREATE TABLE tokens (id bigint, token uuid NOT NULL DEFAULT gen_random_uuid());
SELECT create_distributed_table('tokens', 'id', shard_count => 4);
INSERT INTO tokens (id) SELECT generate_series(1, 10);
SELECT count(DISTINCT token) FROM tokens;
-- a function taken off the coordinator's allowlist by DROP FUNCTION: the
-- coordinator audits it, the workers (which get the DROP too) do not
CREATE FUNCTION region_default() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'eu' $$;
SELECT allow_default_function('region_default()');
DROP FUNCTION region_default();
SELECT action, detail ->> 'function' AS function, detail ->> 'reason' AS reason
FROM default_policy_audit WHERE action = 'disallow_function' ORDER BY id DESC LIMIT 1;

-- The coordinator audited the statements it ran; none of their shards.
SELECT action, table_name, column_name, kind FROM default_policy_audit
WHERE action = 'ddl_default' ORDER BY id;
SELECT count(*) AS shard_rows FROM default_policy_audit WHERE table_name ~ '_[0-9]+$';

\c postgres postgres :host :worker1
SELECT action, detail ->> 'function' AS function FROM default_policy_audit ORDER BY id;
SELECT count(*) AS shards_with_column FROM pg_attribute
WHERE attrelid::regclass::text ~ '^orders_[0-9]+$' AND attname = 'via_function';
ALTER SYSTEM RESET defaults_policy.enforce;
SELECT pg_reload_conf();
SELECT allow_default_function('gen_random_uuid()');
\c postgres postgres :host :coordinator
