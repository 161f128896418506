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
