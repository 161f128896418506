# pg_upgrade accepts a cluster with the extension and its data.  Version
# 1.0 stored the allowlist as regprocedure, which pg_upgrade --check refuses
# ("reg* data types in user tables"); 1.1 stores signatures.  The test first
# shows the refusal on the 1.0 layout, then that the same cluster passes
# once the extension is updated, then runs the upgrade itself and finds the
# policies, the allowlist and the audit trail working in the new cluster.
use strict;
use warnings;
use File::Path qw(rmtree);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $bindir = '/usr/lib/postgresql/15/bin';

my $old = PostgreSQL::Test::Cluster->new('old');
$old->init;
$old->start;
my $new = PostgreSQL::Test::Cluster->new('new');
$new->init;

# a database with 1.1 and data
$old->safe_psql('postgres', 'CREATE DATABASE current_db');
$old->safe_psql(
	'current_db', q{
CREATE EXTENSION defaults_policy;
CREATE FUNCTION public.tenant_id() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 42';
SELECT allow_default_function('public.tenant_id()', 'the tenant');
SELECT disallow_default_function('clock_timestamp()');
SELECT create_default_policy('tenant', 'integer', 'tenant_id()');
SELECT create_default_policy('created', 'timestamptz', 'now()', true, 'when');
});

# a database still on 1.0, with a user function on its allowlist
$old->safe_psql('postgres', 'CREATE DATABASE legacy_db');
$old->safe_psql(
	'legacy_db', q{
CREATE EXTENSION defaults_policy VERSION '1.0';
CREATE FUNCTION public.tenant_id() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 7';
INSERT INTO default_policy_allowlist (function, description) VALUES ('public.tenant_id()', 'by hand');
});

my $tempdir = PostgreSQL::Test::Utils::tempdir_short;
chdir $tempdir;

sub upgrade_command
{
	my @extra = @_;
	return [
		"$bindir/pg_upgrade", '--no-sync',
		'-d', $old->data_dir, '-D', $new->data_dir,
		'-b', $bindir, '-B', $bindir,
		'-s', $tempdir,
		'-p', $old->port, '-P', $new->port,
		@extra
	];
}

$old->stop;
my ($stdout, $stderr);
my $ok = IPC::Run::run(upgrade_command('--check'), '>', \$stdout, '2>', \$stderr);
ok(!$ok, 'pg_upgrade --check refuses the cluster while a database has the 1.0 layout');
like($stdout, qr/reg\* data types in user tables/,
	'... because of the reg* column of the 1.0 allowlist');
rmtree($new->data_dir . '/pg_upgrade_output.d');

$old->start;
$old->safe_psql('legacy_db', 'ALTER EXTENSION defaults_policy UPDATE');
is($old->safe_psql('legacy_db', q{SELECT signature || ' ' || description FROM default_policy_allowlist WHERE NOT builtin}),
	'public.tenant_id() by hand', 'the update keeps the entry, by signature');
my %before = map {
	$_ => $old->safe_psql(
		$_, q{SELECT (SELECT string_agg(p::text, E'\n' ORDER BY name) FROM default_policy AS p)
			|| E'\n' || (SELECT string_agg(a::text, E'\n' ORDER BY signature) FROM default_policy_allowlist AS a)
			|| E'\n' || (SELECT string_agg(a::text, E'\n' ORDER BY id) FROM default_policy_audit AS a)
			|| E'\n' || coalesce((SELECT string_agg(r::text, E'\n') FROM default_policy_allowlist_removed AS r), '')})
} qw(current_db legacy_db);
$old->stop;

$ok = IPC::Run::run(upgrade_command('--check'), '>', \$stdout, '2>', \$stderr);
ok($ok, 'pg_upgrade --check passes with the extension and its data');
like($stdout, qr/Checking for reg\* data types in user tables\s+ok/,
	'... the reg* check included');
like($stdout, qr/Clusters are compatible/, '... clusters are compatible');
diag($stdout . $stderr) unless $ok;

$ok = IPC::Run::run(upgrade_command(), '>', \$stdout, '2>', \$stderr);
ok($ok, 'pg_upgrade succeeds');
diag($stdout . $stderr) unless $ok;

$new->start;
for my $db (qw(current_db legacy_db))
{
	my $after = $new->safe_psql(
		$db, q{SELECT (SELECT string_agg(p::text, E'\n' ORDER BY name) FROM default_policy AS p)
			|| E'\n' || (SELECT string_agg(a::text, E'\n' ORDER BY signature) FROM default_policy_allowlist AS a)
			|| E'\n' || (SELECT string_agg(a::text, E'\n' ORDER BY id) FROM default_policy_audit AS a)
			|| E'\n' || coalesce((SELECT string_agg(r::text, E'\n') FROM default_policy_allowlist_removed AS r), '')});
	is($after, $before{$db}, "$db: policies, allowlist, audit and removed seeds are as before");
	is($new->safe_psql($db, q{SELECT kind FROM check_default('tenant_id()', 'integer')}),
		'dynamic', "$db: the allowlisted user function is still allowed");
}
is($new->safe_psql('current_db', q{SELECT default_policy_value('tenant')}), '42',
	'a policy works after the upgrade');
is($new->safe_psql('current_db', q{SELECT valid FROM check_default('clock_timestamp()', 'timestamptz')}),
	'f', 'the removed seed stays off');
$new->safe_psql('current_db', q{DROP FUNCTION public.tenant_id() CASCADE});
is($new->safe_psql('current_db', q{SELECT count(*) FROM default_policy_allowlist WHERE NOT builtin}),
	'0', 'the event triggers work in the new cluster');
$new->stop;

done_testing();
