--
-- explain_add_column on Citus tables: the shards, their copies and nodes,
-- and the rows of the shards from the workers' statistics (the
-- coordinator's own table has none).  It changes nothing.
--
ANALYZE orders;
ANALYZE currencies;
ANALYZE settings;
SELECT step, statement, rewrites, note
FROM explain_add_column('orders', 'score', 'integer', '0');
SELECT step, rewrites, note
FROM explain_add_column('orders', 'token', 'uuid', 'gen_random_uuid()');
SELECT step, rewrites, note
FROM explain_add_column('orders', 'seen_at', 'timestamptz', 'now()', keep_default => true);
SELECT step, rewrites, note
FROM explain_add_column('currencies', 'updated_at', 'timestamptz', 'now()');
SELECT step, rewrites, note
FROM explain_add_column('settings', 'score', 'integer', '0');

-- What add_column_with_default would refuse is flagged, with the Citus
-- limitation it runs into.
CREATE SEQUENCE order_numbers;
SELECT step, note
FROM explain_add_column('orders', 'number', 'bigint', 'nextval(''order_numbers'')')
WHERE step = 2;
SELECT step, note
FROM explain_add_column('currencies', 'token', 'uuid', 'gen_random_uuid()')
WHERE step = 2;

-- A plain table is explained as before, from its own statistics.
ANALYZE plain;
SELECT step, note FROM explain_add_column('plain', 'score', 'integer', '0');
SELECT count(*) AS columns_added FROM pg_attribute
WHERE attrelid = 'orders'::regclass AND attname IN ('score', 'token', 'seen_at', 'number');
