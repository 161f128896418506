# The online path with a streaming standby.
#
# A primary and a streaming standby (wal_receiver_status_interval = 1s, so
# that the primary hears of the standby's replay every second).  Replay is
# paused on the standby (pg_wal_replay_pause()), and
# CALL add_column_with_default_concurrently() runs on the primary with
# defaults_policy.max_replica_lag = 1000 (ms):
#
#   - pg_stat_replication.replay_lag grows while replay is paused (the
#     walsender reports the age of the oldest WAL not replayed yet, WAL
#     keeps arriving), so the lag passes the limit after about a second;
#   - the throttle engages: default_policy_backfill.throttled, read from
#     another session, names the replica lag, and no batch runs while it
#     is there (rows_done stays put);
#   - once replay resumes, the lag goes, the batches go on and the CALL
#     ends; backfill_completed counts the time throttled;
#   - the standby, caught up, has the column (NOT NULL, each row its own
#     value, the same values as the primary), the audit rows and the state.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $rows = 200_000;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', 'shared_buffers = 32MB');
$primary->start;
$primary->safe_psql(
	'postgres', qq{
CREATE EXTENSION defaults_policy;
CREATE TABLE accounts (id bigint PRIMARY KEY, balance integer);
INSERT INTO accounts SELECT g, g % 1000 FROM generate_series(1, $rows) g;
ANALYZE accounts;
-- each batch takes at least 100 ms until the throttle has engaged, so that
-- the backfill cannot end before it, however fast the machine
CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	PERFORM pg_sleep(0.1);
	RETURN NULL;
END \$\$;
CREATE TRIGGER slow BEFORE UPDATE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION slow();
});
$primary->backup('backup');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', 'wal_receiver_status_interval = 1s');
$standby->start;
$primary->wait_for_catchup($standby);

$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
$standby->poll_query_until('postgres',
	q{SELECT pg_get_wal_replay_pause_state() = 'paused'})
  or die 'timed out waiting for replay to pause';

# the CALL, in a psql of its own
my ($stdout, $stderr) = ('', '');
my $call = IPC::Run::start(
	[
		'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1',
		'-d', $primary->connstr('postgres') . ' application_name=backfill',
		'-c', 'SET defaults_policy.max_replica_lag = 1000',
		'-c', 'SET defaults_policy.batch_target = 20',
		'-c',
		q{CALL add_column_with_default_concurrently('accounts', 'token', 'uuid', 'gen_random_uuid()', batch_size => 1000)}
	],
	'>', \$stdout, '2>', \$stderr);

$primary->poll_query_until('postgres',
	q{SELECT throttled LIKE 'replica replay lag % s, above defaults_policy.max_replica_lag (1.0 s)'
	  FROM default_policy_backfill WHERE column_name = 'token'})
  or die 'timed out waiting for the throttle';
pass('the throttle engages, naming the replica lag');
is( $primary->safe_psql(
		'postgres',
		q{SELECT (replay_lag > interval '1 s') || ' ' || (replay_lsn < sent_lsn) FROM pg_stat_replication}),
	'true true',
	'pg_stat_replication: replay_lag above a second, replay behind');

# no batch while throttled: rows_done stays put for two seconds
my $done_before = $primary->safe_psql('postgres',
	q{SELECT rows_done FROM default_policy_backfill WHERE column_name = 'token'});
sleep 2;
is( $primary->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || rows_done || ' ' || (throttled IS NOT NULL) FROM default_policy_backfill
		  WHERE column_name = 'token'}),
	"backfilling $done_before true",
	'no batch runs while the standby lags');
cmp_ok($done_before, '<', $rows, 'the backfill is held before its end');
note("held at $done_before rows of $rows");
is( $standby->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'token'}),
	'0', 'the paused standby has not replayed the new column yet');

$primary->safe_psql('postgres', 'DROP TRIGGER slow ON accounts');
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
$primary->poll_query_until('postgres',
	qq{SELECT throttled IS NULL OR rows_done > $done_before
	   FROM default_policy_backfill WHERE column_name = 'token'})
  or die 'timed out waiting for the throttle to release';
pass('the throttle releases once replay resumes');

ok($call->finish, 'the CALL ends') or diag($stderr);
is( $primary->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || rows_done || ' ' || (throttled IS NULL) FROM default_policy_backfill
		  WHERE column_name = 'token'}),
	"done $rows true", 'the state is done');
is( $primary->safe_psql(
		'postgres',
		q{SELECT (detail->>'rows') || ' ' || ((detail->>'throttled_seconds')::numeric >= 2)
		  FROM default_policy_audit WHERE action = 'backfill_completed'}),
	"$rows true", 'backfill_completed counts the rows and the seconds throttled');

# what the standby has, once caught up
$primary->wait_for_catchup($standby);
my $data_query =
  q{SELECT count(*) || ' ' || count(DISTINCT token) || ' ' || md5(string_agg(id || ':' || token, ',' ORDER BY id))
	FROM accounts};
my $data = $primary->safe_psql('postgres', $data_query);
like($data, qr/^$rows $rows [0-9a-f]{32}$/, 'the primary: every row its own value');
is($standby->safe_psql('postgres', $data_query), $data,
	'the standby has the same rows and values');
is( $standby->safe_psql(
		'postgres',
		q{SELECT attnotnull || ' ' || atthasdef FROM pg_attribute
		  WHERE attrelid = 'accounts'::regclass AND attname = 'token'}),
	'true false', 'the standby: the column is NOT NULL, without the default');
is( $standby->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_trigger WHERE tgrelid = 'accounts'::regclass AND NOT tgisinternal}
		  . q{ UNION ALL SELECT count(*) FROM pg_constraint WHERE conrelid = 'accounts'::regclass AND contype = 'c'}),
	"0\n0", 'the standby: no fill trigger, no check');
my $audit_query =
  q{SELECT string_agg(id || ' ' || action || ' ' || column_name || ' ' || detail::text, E'\n' ORDER BY id)
	FROM default_policy_audit};
my $audit = $primary->safe_psql('postgres', $audit_query);
like($audit, qr/^\d+ add_column token .*\n\d+ backfill_completed token /,
	'the primary: add_column and backfill_completed audit rows');
is($standby->safe_psql('postgres', $audit_query), $audit, 'the standby has the same audit rows');
is( $standby->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || rows_done FROM default_policy_backfill WHERE column_name = 'token'}),
	"done $rows", 'the standby has the state');

$standby->stop;
$primary->stop;
done_testing();
