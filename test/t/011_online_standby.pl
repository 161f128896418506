# The online backfill with a streaming standby.  The column, its values
# and the audit rows arrive on the standby.  While the standby's replay is
# paused (pg_wal_replay_pause()) the backfill's lag check finds the replay
# lag above defaults_policy.max_replica_lag and pauses between batches,
# saying so in default_policy_backfill.throttled; once replay resumes, the
# backfill goes on and finishes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql(
	'postgres', q{
CREATE EXTENSION defaults_policy;
CREATE TABLE items (id integer PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300000) g;
ANALYZE items;
});
$primary->backup('backup');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
# report replay often, so that the primary sees the lag grow
$standby->append_conf('postgresql.conf', "wal_receiver_status_interval = 1s\n");
$standby->start;
$primary->wait_for_catchup($standby);

sub wait_for
{
	my ($node, $sql, $what) = @_;
	foreach (1 .. 1200)
	{
		my ($rc, $out) = $node->psql('postgres', $sql);
		return 1 if $rc == 0 && $out eq 't';
		usleep(50_000);
	}
	fail("timed out waiting for $what");
	return 0;
}

# replay paused: the backfill must wait for it
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
my ($stdout, $stderr) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-X', '-d', $primary->connstr('postgres'),
	  '-c', 'SET defaults_policy.max_replica_lag = 200',
	  '-c', 'SET defaults_policy.batch_target = 20',
	  '-c', q{CALL add_column_with_default_concurrently('items', 'token', 'uuid', 'gen_random_uuid()', batch_size => 1000)} ],
	'>', \$stdout, '2>', \$stderr);
ok( wait_for(
		$primary,
		q{SELECT throttled LIKE 'replica replay lag % s, above defaults_policy.max_replica_lag (0.2 s)'
		  FROM default_policy_backfill},
		'the throttle to engage'),
	'the throttle engages while replay is paused');
my $held = $primary->safe_psql('postgres', 'SELECT rows_done FROM default_policy_backfill');
note "throttled after $held of 300000 rows";
sleep 2;
is($primary->safe_psql('postgres', 'SELECT rows_done FROM default_policy_backfill'),
	$held, 'no batch runs while it is engaged');
is($primary->safe_psql('postgres', q{SELECT phase FROM default_policy_backfill}),
	'backfilling', 'the backfill waits in its phase');

# replay resumed: the backfill goes on and finishes
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
$h->finish;
like($stderr, qr/backfilled 300000 rows of table public\.items/, 'the CALL finishes');
is( $primary->safe_psql('postgres',
		q{SELECT phase || ' ' || (throttled IS NULL) FROM default_policy_backfill}),
	'done true', 'done, and no longer throttled');
cmp_ok(
	$primary->safe_psql('postgres',
		q{SELECT (detail->>'throttled_seconds')::numeric FROM default_policy_audit
		  WHERE action = 'backfill_completed'}),
	'>=', 1, 'the time spent throttled is in the audit');

# what the standby has
$primary->wait_for_catchup($standby);
is( $standby->safe_psql('postgres',
		'SELECT count(*) || \' \' || count(DISTINCT token) FROM items'),
	'300000 300000', 'the values arrive on the standby');
is( $standby->safe_psql('postgres',
		q{SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'token'}),
	't', 'NOT NULL on the standby');
is( $standby->safe_psql('postgres',
		q{SELECT string_agg(action, ' ' ORDER BY id) FROM default_policy_audit WHERE column_name = 'token'}),
	'add_column backfill_completed', 'the audit rows arrive on the standby');

done_testing();
