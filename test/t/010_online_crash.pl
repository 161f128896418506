# Crashes and the column functions.
#
#   1. The online path, walking the primary key: the backend running
#      CALL add_column_with_default_concurrently() is killed (SIGKILL, so
#      the postmaster restarts every backend) in the middle of a batch,
#      after other batches committed.  After the restart the state row
#      matches the committed rows, and the same CALL finishes the job.
#      The same CALL canceled in a batch under one DateStyle resumes
#      under another: the position along a timestamptz key is stored as
#      canonical text.
#   2. The online path, walking ctid blocks (no primary key): the whole
#      server stops in immediate mode in the middle of a batch, and again
#      while VALIDATE CONSTRAINT waits for its lock; each time the same
#      CALL resumes from the phase stored.
#   3. The transactional path: the server stops in immediate mode while
#      add_column_with_default() rewrites the table; after the restart
#      there is no column, and the rows are as before.
#
# What proves "every row filled exactly once": a sequence default (each
# fill takes a new number), a statement trigger with transition tables that
# logs every committed update that changed the column of a row (an update
# rolled back by the crash leaves no log row; a second fill would leave a
# second one), and the values committed before each crash compared with
# the end state.  A user trigger whose WHEN clause matches
# one row sleeps while it updates that row, so that the crash always comes
# in the middle of a batch, with other batches committed before it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
# the postmaster restarts the backends after one of them is killed
$node->append_conf('postgresql.conf', 'restart_after_crash = on');
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION defaults_policy;
CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_sleep(3600);
	RETURN NEW;
END $$;
-- every committed update that changes column no (or token) of a row
CREATE TABLE fills (tbl text, key bigint, value text);
CREATE FUNCTION log_fills() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('INSERT INTO fills SELECT %L, n.%I, n.%I::text FROM new_rows n JOIN old_rows o USING (%I)
					WHERE o.%I IS DISTINCT FROM n.%I',
				   TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1], TG_ARGV[0], TG_ARGV[1], TG_ARGV[1]);
	RETURN NULL;
END $$;
});

# Start the statements in a psql of their own, each statement a -c of its
# own (so a CALL runs outside a transaction block), with application_name
# $app.  Returns the IPC::Run handle and references to stdout and stderr.
sub start_session
{
	my ($app, @statements) = @_;
	my ($stdout, $stderr) = ('', '');
	my $h = IPC::Run::start(
		[
			'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1',
			'-d', $node->connstr('postgres') . " application_name=$app",
			map { ('-c', $_) } @statements
		],
		'>', \$stdout, '2>', \$stderr);
	return ($h, \$stdout, \$stderr);
}

# Wait until the backend of $app waits on $wait_event (e.g. PgSleep).
sub wait_for_event
{
	my ($app, $condition) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$app' AND $condition")
	  or die "timed out waiting for $app: $condition";
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE application_name = '$app'");
}

# A column's end state: not null, has default, fill triggers, checks.
sub column_state
{
	my ($table, $column) = @_;
	return $node->safe_psql(
		'postgres', qq{
SELECT (SELECT attnotnull || ' ' || atthasdef FROM pg_attribute
		WHERE attrelid = '$table'::regclass AND attname = '$column')
	   || ' triggers ' || (SELECT count(*) FROM pg_trigger
						   WHERE tgrelid = '$table'::regclass AND tgname LIKE 'default_policy_backfill%')
	   || ' checks ' || (SELECT count(*) FROM pg_constraint
						 WHERE conrelid = '$table'::regclass AND contype = 'c')});
}

# After a CALL that completed: every row of $table has a value of $column,
# each its own; each of the $filled rows older than the backfill was filled
# by exactly one committed update (the fills table) and kept its value; the
# values committed before the $stopped stayed; the column is in its end
# state.
sub check_filled
{
	my ($table, $key, $column, $total, $filled, $stopped) = @_;
	is( $node->safe_psql(
			'postgres',
			qq{SELECT count(*) || ' ' || count($column) || ' ' || count(DISTINCT $column) FROM $table}),
		join(' ', ($total) x 3),
		"$table: every row has a value, each its own");
	is( $node->safe_psql(
			'postgres',
			qq{SELECT count(*) || ' ' || count(DISTINCT key) FROM fills WHERE tbl = '$table'}),
		"$filled $filled",
		"$table: every row older than the backfill was filled by exactly one committed update");
	is( $node->safe_psql(
			'postgres',
			qq{SELECT count(*) FROM fills f JOIN $table t ON t.$key = f.key
			  WHERE f.tbl = '$table' AND f.value <> t.${column}::text}),
		'0', "$table: no value changed after its row was filled");
	is( $node->safe_psql(
			'postgres',
			qq{SELECT count(*) FROM ${table}_before b JOIN $table t USING ($key) WHERE t.$column = b.$column}),
		$node->safe_psql('postgres', "SELECT count(*) FROM ${table}_before"),
		"$table: the values committed before the $stopped stayed");
	is(column_state($table, $column), 'true false triggers 0 checks 0',
		"$table: NOT NULL, the default dropped, no fill trigger, no check");
	return;
}

# ---------------------------------------------------------------------------
# 1. The primary key walk: the backend is killed in the middle of a batch
# ---------------------------------------------------------------------------
my $rows = 200_000;
$node->safe_psql(
	'postgres', qq{
CREATE TABLE accounts (id bigint PRIMARY KEY, balance integer);
INSERT INTO accounts SELECT g, g % 1000 FROM generate_series(1, $rows) g;
ANALYZE accounts;
CREATE SEQUENCE account_no;
CREATE TRIGGER log_fills AFTER UPDATE ON accounts
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION log_fills('id', 'no');
CREATE TRIGGER stall BEFORE UPDATE ON accounts FOR EACH ROW
	WHEN (OLD.id = 120000) EXECUTE FUNCTION stall();
});

my $call_accounts =
  q{CALL add_column_with_default_concurrently('accounts', 'no', 'bigint', 'nextval(''account_no'')', batch_size => 1000)};
my ($h, $stdout, $stderr) = start_session('backfill',
	'SET defaults_policy.batch_target = 20', $call_accounts);
my $pid = wait_for_event('backfill', q{wait_event = 'PgSleep'});
is( $node->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || (rows_done > 0 AND rows_done < 120000) FROM default_policy_backfill
		  WHERE column_name = 'no'}),
	'backfilling true',
	'the backend stalls in a batch, with batches committed before it');

my $offset = -s $node->logfile;
PostgreSQL::Test::Utils::system_or_bail('pg_ctl', 'kill', 'KILL', $pid);
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $offset);
$node->wait_for_log(qr/database system is ready to accept connections/, $offset);
$h->finish;
like($$stderr, qr/server closed the connection unexpectedly|connection to server was lost/,
	'the CALL lost its backend');

# what the crash left: the batches committed, their state with them
is( $node->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || (rows_done = (SELECT count(no) FROM accounts))
			|| ' ' || (rows_done = (SELECT count(*) FROM fills WHERE tbl = 'accounts'))
		  FROM default_policy_backfill WHERE column_name = 'no'}),
	'backfilling true true',
	'after the crash: the state counts exactly the rows of the committed batches');
is(column_state('accounts', 'no'), 'false true triggers 1 checks 1',
	'after the crash: the column is nullable, with its default, fill trigger and check');
$node->safe_psql(
	'postgres', q{
CREATE TABLE accounts_before AS SELECT id, no FROM accounts WHERE no IS NOT NULL;
DROP TRIGGER stall ON accounts;
-- writes while the backfill is interrupted: the fill trigger gives values
INSERT INTO accounts (id, balance) VALUES (200001, 1), (200002, 2);
INSERT INTO accounts VALUES (200003, 3, NULL);
UPDATE accounts SET balance = -1 WHERE id = 150000;
});
is( $node->safe_psql(
		'postgres',
		q{SELECT count(no) FROM accounts WHERE id IN (150000, 200001, 200002, 200003)}),
	'4', 'rows written meanwhile get their value from the default or the fill trigger');

my ($rc, $out, $err) = $node->psql('postgres',
	"SET defaults_policy.batch_target = 20;\n$call_accounts");
is($rc, 0, 'the same CALL again succeeds') or diag($err);
like($err, qr/resuming the backfill of column "no" of table public.accounts in phase "backfilling"/,
	'... resuming where the state says');

check_filled('accounts', 'id', 'no', $rows + 3, $rows, 'crash');
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(action || ' ' || coalesce(detail->>'path', detail->>'rows'), ', ' ORDER BY id)
		  FROM default_policy_audit WHERE column_name = 'no'}),
	'add_column online, backfill_completed ' . ($rows - 1),
	'one add_column and one backfill_completed audit row; the batches filled every row but the one updated meanwhile');
is( $node->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || rows_done || ' ' || (throttled IS NULL) FROM default_policy_backfill WHERE column_name = 'no'}),
	'done ' . ($rows - 1) . ' true', 'the state is done');

# ---------------------------------------------------------------------------
# 1b. A cancel in a batch, and the same CALL from a session with another
#     DateStyle: the position along a timestamptz key reads the same
# ---------------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE TABLE ticks (at timestamptz PRIMARY KEY, n integer);
INSERT INTO ticks SELECT timestamptz '2024-01-01 00:00+00' + g * interval '1 hour', g
	FROM generate_series(1, 2000) g;
ANALYZE ticks;
CREATE TRIGGER stall BEFORE UPDATE ON ticks FOR EACH ROW
	WHEN (OLD.n = 1500) EXECUTE FUNCTION stall();
});
my $call_ticks =
  q{CALL add_column_with_default_concurrently('ticks', 'u', 'uuid', 'gen_random_uuid()', batch_size => 100)};
($h, $stdout, $stderr) = start_session('backfill', q{SET datestyle = 'SQL, DMY'},
	'SET defaults_policy.batch_target = 20', $call_ticks);
$pid = wait_for_event('backfill', q{wait_event = 'PgSleep'});
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
$h->finish;
like($$stderr, qr/canceling statement due to user request/,
	'a CALL under DateStyle SQL, DMY is canceled in a batch');
$node->safe_psql('postgres', 'DROP TRIGGER stall ON ticks');
($rc, $out, $err) = $node->psql('postgres', "SET datestyle = 'ISO, MDY';\n$call_ticks");
is($rc, 0, 'the same CALL under DateStyle ISO, MDY resumes and succeeds') or diag($err);
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) || ' ' || count(u) || ' ' || count(DISTINCT u) || ' '
			|| (SELECT detail->>'rows' FROM default_policy_audit
				WHERE action = 'backfill_completed' AND column_name = 'u')
		  FROM ticks}),
	'2000 2000 2000 2000',
	'... every row filled once, by its batches');

# ---------------------------------------------------------------------------
# 2. The ctid walk: immediate stops of the server, in a batch and while
#    VALIDATE waits for its lock
# ---------------------------------------------------------------------------
my $events = 100_000;
$node->safe_psql(
	'postgres', qq{
CREATE TABLE events (seq integer, kind text);
INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, $events) g;
ANALYZE events;
CREATE TRIGGER log_fills AFTER UPDATE ON events
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION log_fills('seq', 'token');
CREATE TRIGGER stall BEFORE UPDATE ON events FOR EACH ROW
	WHEN (OLD.seq = 60000) EXECUTE FUNCTION stall();
});
my $call_events =
  q{CALL add_column_with_default_concurrently('events', 'token', 'uuid', 'gen_random_uuid()', batch_size => 1000)};
($h, $stdout, $stderr) = start_session('backfill',
	'SET defaults_policy.batch_target = 20', $call_events);
wait_for_event('backfill', q{wait_event = 'PgSleep'});
is( $node->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || walk || ' ' || (rows_done > 0 AND rows_done < 60000)
		  FROM default_policy_backfills WHERE column_name = 'token'}),
	'backfilling ctid true',
	'the ctid walk stalls in a batch, with batches committed before it');
$node->stop('immediate');
$h->finish;
$node->start;

is( $node->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || (rows_done = (SELECT count(token) FROM events))
			|| ' ' || (rows_done = (SELECT count(*) FROM fills WHERE tbl = 'events'))
		  FROM default_policy_backfill WHERE column_name = 'token'}),
	'backfilling true true',
	'after the immediate stop: the state counts exactly the rows of the committed batches');
$node->safe_psql(
	'postgres', q{
CREATE TABLE events_before AS SELECT seq, token FROM events WHERE token IS NOT NULL;
DROP TRIGGER stall ON events;
});

# a session holding SHARE UPDATE EXCLUSIVE lets the batches through, and
# stops VALIDATE CONSTRAINT
my $blocker = $node->background_psql('postgres');
$blocker->query_safe('BEGIN; LOCK TABLE events IN SHARE UPDATE EXCLUSIVE MODE');
($h, $stdout, $stderr) = start_session('backfill',
	'SET defaults_policy.batch_target = 20', $call_events);
wait_for_event('backfill', q{wait_event_type = 'Lock'});
is( $node->safe_psql(
		'postgres',
		q{SELECT phase || ' ' || (SELECT count(*) FROM events WHERE token IS NULL)
			|| ' ' || (SELECT convalidated FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'c')
		  FROM default_policy_backfill WHERE column_name = 'token'}),
	'validating 0 false',
	'every row filled; VALIDATE CONSTRAINT waits for its lock');
$node->stop('immediate');
$h->finish;
like($$stderr, qr/resuming the backfill of column "token" of table public.events in phase "backfilling"/,
	'the second CALL had resumed the batches');
eval { $blocker->quit };
$node->start;

is( $node->safe_psql(
		'postgres',
		q{SELECT phase FROM default_policy_backfill WHERE column_name = 'token'}),
	'validating', 'after the second immediate stop: the state is validating');
($rc, $out, $err) = $node->psql('postgres', $call_events);
is($rc, 0, 'the same CALL again succeeds') or diag($err);
like($err, qr/resuming the backfill of column "token" of table public.events in phase "validating"/,
	'... resuming at VALIDATE');
check_filled('events', 'seq', 'token', $events, $events, 'first stop');
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(action || ' ' || coalesce(detail->>'path', detail->>'rows'), ', ' ORDER BY id)
		  FROM default_policy_audit WHERE column_name = 'token'}),
	"add_column online, backfill_completed $events",
	'one add_column and one backfill_completed audit row');
is( $node->safe_psql(
		'postgres',
		q{SELECT phase FROM default_policy_backfill WHERE column_name = 'token'}),
	'done', 'the state is done');
($rc, $out, $err) = $node->psql('postgres', $call_events);
like($err, qr/column "token" of table public.events was added by an earlier call, nothing to do/,
	'once done, the same CALL is a no-op');

# ---------------------------------------------------------------------------
# 3. The transactional path: an immediate stop in the middle of the rewrite
# ---------------------------------------------------------------------------
my $big = 1_000_000;
$node->safe_psql(
	'postgres', qq{
CREATE TABLE big (id integer PRIMARY KEY, payload text);
INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, $big) g;
VACUUM ANALYZE big;
});
my $checksum_query =
  q{SELECT count(*) || ' ' || md5(string_agg(id || ':' || payload, ',' ORDER BY id)) FROM big};
my $checksum = $node->safe_psql('postgres', $checksum_query);
my $filenode = $node->safe_psql('postgres', q{SELECT pg_relation_filenode('big')});
my $audit_rows = $node->safe_psql('postgres', 'SELECT count(*) FROM default_policy_audit');
my $dbdir = $node->data_dir . '/base/'
  . $node->safe_psql('postgres', q{SELECT oid FROM pg_database WHERE datname = 'postgres'});

# the files of the database: a new one is the rewrite's new heap
sub relation_files
{
	opendir(my $dh, $dbdir) or die "cannot open $dbdir: $!";
	my %files = map { $_ => -s "$dbdir/$_" } grep { /^\d+$/ } readdir($dh);
	closedir($dh);
	return %files;
}
my %before = relation_files();

($h, $stdout, $stderr) = start_session('rewrite',
	q{SELECT add_column_with_default('big', 'token', 'uuid', 'gen_random_uuid()')});
# the rewrite is under way once a new file has grown past 8 MB (the new
# table takes about 80 MB) while the statement still runs
my $new_file;
for (my $i = 0; $i < 100 * $PostgreSQL::Test::Utils::timeout_default; $i++)
{
	my %now = relation_files();
	($new_file) = grep { !exists $before{$_} && $now{$_} > 8 * 1024 * 1024 } keys %now;
	last if defined $new_file;
	usleep(10_000);
}
ok(defined $new_file, 'the rewrite writes a new file');
is( $node->safe_psql(
		'postgres',
		q{SELECT state FROM pg_stat_activity WHERE application_name = 'rewrite'}),
	'active', 'the rewrite is still running');
$node->stop('immediate');
$h->finish;
$node->start;

is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'big'::regclass AND attnum > 0}),
	'2', 'after the crash: no column added');
is($node->safe_psql('postgres', $checksum_query), $checksum,
	'the rows are unchanged (count and checksum)');
is($node->safe_psql('postgres', q{SELECT pg_relation_filenode('big')}), $filenode,
	'the table keeps its file');
is($node->safe_psql('postgres', 'SELECT count(*) FROM default_policy_audit'), $audit_rows,
	'no audit row');
$node->safe_psql('postgres', 'CREATE EXTENSION amcheck');
($rc, $out, $err) = $node->psql('postgres', q{SELECT bt_index_check('big_pkey', true)});
is($rc . $err, '0', 'amcheck: the primary key matches the table');
$node->safe_psql('postgres',
	q{SELECT add_column_with_default('big', 'token', 'uuid', 'gen_random_uuid()')});
is( $node->safe_psql('postgres', q{SELECT count(DISTINCT token) FROM big}),
	$big, 'the same call afterwards adds the column');

unlike(slurp_file($node->logfile), qr/TRAP:|PANIC:/, 'no assertion failure or PANIC');
$node->stop;
done_testing();
