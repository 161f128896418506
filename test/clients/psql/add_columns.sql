-- test/clients/psql/add_columns.sql: the README's psql snippet, run by test_psql.py
-- dollar quotes spare the literal inside a literal: $$'EUR'$$ is the SQL text 'EUR'
BEGIN;
SET LOCAL defaults_policy.lock_timeout = 500;
SELECT add_column_with_default('"Invoice"', 'currency', 'char(3)', $$'EUR'$$);
SELECT add_column_with_default('"Invoice"', 'public_id', 'uuid', 'gen_random_uuid()');
SELECT add_column_with_policy('"Invoice"', 'created_on', 'created_on');
COMMIT;
