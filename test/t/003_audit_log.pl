# defaults_policy.log_audit: every audit event also goes to the server log at
# once, as one line of JSON, so that a change whose transaction rolls back
# still leaves a trace.  The line is the audit row itself; turning the
# setting off (a superuser's right only) silences it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION defaults_policy;
CREATE ROLE alice LOGIN;
GRANT EXECUTE ON FUNCTION create_default_policy(text, text, text, boolean, text) TO alice;
});

my $json = JSON::PP->new;

# The audit events logged since $offset, decoded, in order.
sub audit_lines
{
	my ($offset) = @_;
	my $log = slurp_file($node->logfile, $offset);
	my @events;
	while ($log =~ /defaults_policy audit: (\{.*\})$/mg)
	{
		push @events, $json->decode($1);
	}
	return @events;
}

# Run $sql, then a committed marker event in a new session, and return the
# audit events logged before the marker.  Waiting for the marker's line
# makes "no line" a real observation rather than a race.
my $marker = 0;

sub events_of
{
	my ($run) = @_;
	my $offset = -s $node->logfile;
	$run->();
	$marker++;
	$node->safe_psql('postgres',
		"SELECT create_default_policy('marker_$marker', 'integer', '$marker')");
	$node->wait_for_log(qr/"policy_name": "marker_$marker"/, $offset);
	my @events = audit_lines($offset);
	my $last = pop @events;
	is($last->{policy_name}, "marker_$marker",
		"marker $marker is the last logged event");
	return @events;
}

# 1. a rolled-back change: no row, no policy, but one log line
my @events = events_of(
	sub {
		$node->safe_psql(
			'postgres', q{
BEGIN;
SELECT create_default_policy('rolled_back', 'integer', '0');
ROLLBACK;});
	});
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM default_policy_audit WHERE policy_name = 'rolled_back'}),
	'0', 'rolled back: no audit row');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM default_policy WHERE name = 'rolled_back'}),
	'0', 'rolled back: no policy');
is(scalar @events, 1, 'rolled back: exactly one audit line in the log');
is($events[0]{action},      'create_policy', 'rolled back: logged action');
is($events[0]{policy_name}, 'rolled_back',   'rolled back: logged policy name');
is($events[0]{expression},  '0',             'rolled back: logged expression');
is($events[0]{kind},        'static',        'rolled back: logged kind');
like($events[0]{id}, qr/^\d+$/, 'rolled back: the line carries the id it took');

# 2. a committed change: the log line is the table row
@events = events_of(
	sub {
		$node->safe_psql('postgres',
			q{SELECT create_default_policy('kept', 'timestamptz', 'now()', true, 'a "quoted"
two-line description')});
	});
is(scalar @events, 1, 'committed: exactly one audit line in the log');
my $row = $json->decode(
	$node->safe_psql(
		'postgres',
		q{SELECT to_jsonb(a) FROM default_policy_audit AS a WHERE policy_name = 'kept'}));
is($events[0]{id}, $row->{id}, 'committed: log id equals the table row id');
is_deeply($events[0], $row, 'committed: the log line is the whole audit row');
is($row->{detail}{description}, qq{a "quoted"\ntwo-line description},
	'committed: a description with quotes and a newline round-trips');

# 3. log_audit off, as a superuser: the row is written, no line is
@events = events_of(
	sub {
		$node->safe_psql(
			'postgres', q{
SET defaults_policy.log_audit = off;
SELECT create_default_policy('quiet', 'integer', '1');
SELECT alter_default_policy('quiet', NULL, '2');
SELECT drop_default_policy('quiet');});
	});
is(scalar @events, 0, 'log_audit off: no audit line in the log');
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(action, ',' ORDER BY id) FROM default_policy_audit
		  WHERE policy_name = 'quiet'}),
	'create_policy,alter_policy,drop_policy',
	'log_audit off: the audit rows are still written');

# ... and only for that session: SET LOCAL ends with its transaction
@events = events_of(
	sub {
		$node->safe_psql(
			'postgres', q{
BEGIN;
SET LOCAL defaults_policy.log_audit = off;
SELECT create_default_policy('local_quiet', 'integer', '1');
COMMIT;
SELECT create_default_policy('local_loud', 'integer', '1');});
	});
is_deeply([ map { $_->{policy_name} } @events ],
	['local_loud'], 'SET LOCAL off silences only its own transaction');

# 4. a non-superuser cannot turn it off
my ($ret, $stdout, $stderr) = $node->psql(
	'postgres', q{
\set VERBOSITY verbose
SELECT valid FROM check_default('1', 'integer');
SET defaults_policy.log_audit = off;},
	connstr => $node->connstr('postgres') . ' user=alice');
isnt($ret, 0, 'non-superuser: SET defaults_policy.log_audit fails');
like(
	$stderr,
	qr/ERROR:  42501: permission denied to set parameter "defaults_policy.log_audit"/,
	'non-superuser: SET fails with 42501 permission denied');

($ret, $stdout, $stderr) = $node->psql(
	'postgres', q{
\set VERBOSITY verbose
SELECT valid FROM check_default('1', 'integer');
ALTER ROLE alice SET defaults_policy.log_audit = off;},
	connstr => $node->connstr('postgres') . ' user=alice');
isnt($ret, 0, 'non-superuser: ALTER ROLE SET defaults_policy.log_audit fails');
like($stderr, qr/ERROR:  42501: permission denied/,
	'non-superuser: ALTER ROLE SET fails with 42501');

# Before the library is loaded in a session the name is only a placeholder:
# setting it first, or through PGOPTIONS, must still not silence the log.
@events = events_of(
	sub {
		$node->psql(
			'postgres', q{
SET defaults_policy.log_audit = off;
SELECT create_default_policy('alice_first', 'integer', '1');},
			connstr => $node->connstr('postgres') . ' user=alice');
		local $ENV{PGOPTIONS} = '-c defaults_policy.log_audit=off';
		$node->psql(
			'postgres',
			q{SELECT create_default_policy('alice_options', 'integer', '1');},
			connstr => $node->connstr('postgres') . ' user=alice');
	});
is_deeply(
	[ map { "$_->{policy_name} by $_->{session_user_name}" } @events ],
	[ 'alice_first by alice', 'alice_options by alice' ],
	'non-superuser: a placeholder setting does not silence the log');

$node->stop;
done_testing();
