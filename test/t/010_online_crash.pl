# Crashes and the two paths of adding a column.
#
# The online path: the backend running CALL add_column_with_default_concurrently()
# is killed mid-backfill; the server restarts; the same CALL finishes the
# job.  Every row is filled exactly once (a sequence numbers the rows: the
# values committed before the crash stay, each row has one, none is
# shared), the column is NOT NULL, and nothing is left behind.
#
# The transactional path: the server crashes while add_column_with_default()
# rewrites the table; after recovery there is no column, and the rows are
# unchanged (count and checksum).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION defaults_policy;
CREATE TABLE items (id integer PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 200000) g;
CREATE SEQUENCE item_no;
ANALYZE items;
});

# wait until SQL returns 't', or give up
sub wait_for
{
	my ($sql, $what) = @_;
	foreach (1 .. 600)
	{
		my ($rc, $out) = $node->psql('postgres', $sql);
		return 1 if $rc == 0 && $out eq 't';
		usleep(50_000);
	}
	fail("timed out waiting for $what");
	return 0;
}

# the online path, killed mid-backfill
my ($stdout, $stderr) = ('', '');
my $call = q{SET defaults_policy.batch_target = 20;
CALL add_column_with_default_concurrently('items', 'no', 'bigint', 'nextval(''item_no'')', batch_size => 1000);};
# two -c, not one: a -c with two statements is one transaction block
my $h = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), map { ('-c', $_) } split /\n/, $call ],
	'>', \$stdout, '2>', \$stderr);
ok( wait_for(
		q{SELECT count(*) = 1 FROM default_policy_backfill
		  WHERE phase = 'backfilling' AND rows_done >= 5000},
		'the backfill to be under way'),
	'the backfill is under way');
my $pid = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE query LIKE '%add_column_with_default_concurrently%'
	  AND pid <> pg_backend_pid()});
like($pid, qr/^\d+$/, 'the backend running the CALL');
kill 'KILL', $pid;
$h->finish;
ok( wait_for(q{SELECT true}, 'the server to come back after the crash'),
	'the server restarts after the backend is killed');
like(slurp_file($node->logfile), qr/terminated by signal 9/, 'the backend was killed');

my $before = $node->safe_psql('postgres',
	q{SELECT phase || ' ' || (rows_done > 0 AND rows_done < 200000) FROM default_policy_backfill});
is($before, 'backfilling true', 'the state row says where it stopped');
$node->safe_psql('postgres',
	q{CREATE TABLE filled_before AS SELECT id, no FROM items WHERE no IS NOT NULL});
my $filled = $node->safe_psql('postgres', 'SELECT count(*) FROM filled_before');
cmp_ok($filled, '>', 0, 'batches committed before the crash kept their rows');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_trigger WHERE tgrelid = 'items'::regclass AND NOT tgisinternal}),
	'1', 'the fill trigger is there while the backfill is unfinished');

# the same CALL resumes and finishes
my ($rc, $out, $err) = $node->psql('postgres', $call);
is($rc, 0, 'the same CALL finishes the job');
like($err, qr/resuming the backfill of column "no" of table public\.items in phase "backfilling"/,
	'it says it resumes');
is( $node->safe_psql('postgres',
		'SELECT count(*) || \' \' || count(no) || \' \' || count(DISTINCT no) FROM items'),
	'200000 200000 200000', 'every row has a value of its own');
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM filled_before f JOIN items i USING (id) WHERE i.no <> f.no'),
	'0', 'no row filled before the crash was filled again');
is( $node->safe_psql('postgres',
		q{SELECT attnotnull || ' ' || atthasdef FROM pg_attribute
		  WHERE attrelid = 'items'::regclass AND attname = 'no'}),
	'true false', 'NOT NULL, default dropped');
is( $node->safe_psql('postgres',
		q{SELECT (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'items'::regclass AND NOT tgisinternal)
		  + (SELECT count(*) FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'c')}),
	'0', 'no trigger or check left');
is( $node->safe_psql('postgres',
		q{SELECT string_agg(action, ' ' ORDER BY id) FROM default_policy_audit WHERE column_name = 'no'}),
	'add_column backfill_completed', 'audited once each');
is($node->safe_psql('postgres', 'SELECT phase FROM default_policy_backfill'),
	'done', 'the backfill is done');

# the transactional path, crashed mid-rewrite
$node->safe_psql(
	'postgres', q{
CREATE TABLE big (id integer PRIMARY KEY, payload text);
INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 1000000) g;
});
my $checksum_sql = q{SELECT count(*) || ' ' || md5(string_agg(id || ':' || payload, ',' ORDER BY id)) FROM big};
my $checksum = $node->safe_psql('postgres', $checksum_sql);
($stdout, $stderr) = ('', '');
$h = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c',
	  q{SELECT add_column_with_default('big', 'token', 'uuid', 'gen_random_uuid()')} ],
	'>', \$stdout, '2>', \$stderr);
ok( wait_for(
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE state = 'active'
		  AND query LIKE '%add_column_with_default(%' AND pid <> pg_backend_pid()
		  AND EXISTS (SELECT FROM pg_locks WHERE relation = 'big'::regclass AND granted
					  AND mode = 'AccessExclusiveLock')},
		'the rewrite to hold its lock'),
	'the rewrite is under way');
$node->stop('immediate');
$h->finish;
$node->start;
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'big'::regclass AND attname = 'token'}),
	'0', 'after the crash there is no column');
is($node->safe_psql('postgres', $checksum_sql), $checksum, 'and the rows are unchanged');

done_testing();
