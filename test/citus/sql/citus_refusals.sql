--
-- What a Citus table cannot take, or would take with values that differ
-- from copy to copy, is refused before any DDL, with 0A000: nothing is
-- added anywhere, and no audit row is written.
--
SELECT count(*) AS audit_rows FROM default_policy_audit WHERE action = 'add_column' \gset
-- nextval(): Citus does not support it in ADD COLUMN ... NOT NULL DEFAULT.
SELECT add_column_with_default('orders', 'number', 'bigint', 'nextval(''order_numbers'')');
SELECT add_column_with_default('settings', 'number', 'bigint', 'nextval(''order_numbers'')');
SELECT * FROM column_everywhere('orders', 'number');
-- a policy that calls it is refused the same way
SELECT (create_default_policy('order_number', 'bigint', 'nextval(''order_numbers'')')).name;
SELECT add_column_with_policy('orders', 'number', 'order_number');

-- A volatile default on a reference table: each node would fill its own
-- copy with values of its own.
SELECT add_column_with_default('currencies', 'token', 'uuid', 'gen_random_uuid()');
SELECT add_column_with_default('currencies', 'checked_at', 'timestamptz', 'clock_timestamp()');
SELECT * FROM column_everywhere('currencies', 'token');
-- ... and on a distributed table whose shards have two copies.
SELECT add_column_with_default('events', 'token', 'uuid', 'gen_random_uuid()');
SELECT * FROM column_everywhere('events', 'token');

SELECT count(*) - :audit_rows AS new_audit_rows FROM default_policy_audit WHERE action = 'add_column';

-- The same defaults are fine where each shard has one copy.
SELECT action, rewrote FROM add_column_with_default('orders', 'token', 'uuid', 'gen_random_uuid()');
SELECT * FROM column_everywhere('orders', 'token');

-- The online path works on plain tables only.
CALL add_column_with_default_concurrently('orders', 'online', 'uuid', 'gen_random_uuid()');
CALL add_column_with_default_concurrently('settings', 'online', 'uuid', 'gen_random_uuid()');
SELECT * FROM column_everywhere('orders', 'online');

-- defaults_policy.max_rewrite_size weighs the shards, not the coordinator's
-- table without rows.
SET defaults_policy.max_rewrite_size = '100kB';
\set VERBOSITY terse
SELECT add_column_with_default('orders', 'big', 'uuid', 'gen_random_uuid()');
\set VERBOSITY default
SELECT note ~ 'refused: its shards take [0-9]+ [kM]B, more than defaults_policy.max_rewrite_size \(100 kB\)' AS flagged
FROM explain_add_column('orders', 'big', 'uuid', 'gen_random_uuid()') WHERE step = 2;
SELECT action, rewrote FROM add_column_with_default('orders', 'small', 'integer', '1');
-- Citus does not measure its shards once the transaction has modified
-- several of them: then the rewrite is refused too.
SET defaults_policy.max_rewrite_size = '1GB';
BEGIN;
UPDATE orders SET note = note;
SELECT add_column_with_default('orders', 'big', 'uuid', 'gen_random_uuid()');
ROLLBACK;
RESET defaults_policy.max_rewrite_size;
