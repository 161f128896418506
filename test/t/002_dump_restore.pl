# Policies, user-added allowlist entries and the audit trail survive pg_dump
# and restore, in custom format through pg_restore and in plain format
# through psql: the catalog comes back identical, the extension's built-in
# allowlist seeds are not duplicated, the audit sequence continues after the
# restored rows, and the restored policies still work.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

my $src = 'dp_source';
$node->safe_psql('postgres', "CREATE DATABASE $src");
$node->safe_psql($src, 'CREATE EXTENSION defaults_policy');

# A user function on the allowlist, and a hostile public.now() that shadows
# pg_catalog.now() for anyone who puts public first.
$node->safe_psql(
	$src, q{
CREATE FUNCTION public.tenant_id() RETURNS integer
	LANGUAGE sql STABLE AS 'SELECT 42';
SELECT allow_default_function('public.tenant_id()', 'the current tenant');
-- a seed taken off, and one taken off and put back
SELECT disallow_default_function('pg_catalog.clock_timestamp()');
SELECT disallow_default_function('pg_catalog.statement_timestamp()');
SELECT allow_default_function('pg_catalog.statement_timestamp()');
CREATE FUNCTION public.now() RETURNS timestamptz
	LANGUAGE sql STABLE AS $$SELECT 'epoch'::timestamptz$$;
});

# The policies: static, dynamic, with a user function, hybrid with a
# description, one with a typmod, one made under a hostile search_path, one
# altered, one dropped.
$node->safe_psql(
	$src, q{
SELECT create_default_policy('zero', 'integer', '0');
SELECT create_default_policy('created', 'timestamptz', 'now()');
SELECT create_default_policy('tenant', 'integer', 'tenant_id()');
SELECT create_default_policy('active', 'boolean', 'true', true, 'rows start active');
SELECT create_default_policy('price', 'numeric(10,2)', '9.999');
SELECT create_default_policy('tomorrow', 'timestamptz', 'now() + interval ''1 day''');
SELECT create_default_policy('doomed', 'text', '''bye''');
SELECT alter_default_policy('zero', NULL, '6 * 7', NULL, 'the answer');
SELECT drop_default_policy('doomed');
});
$node->safe_psql(
	$src, q{
SET search_path = public, pg_catalog;
SELECT create_default_policy('hostile', 'timestamptz', 'pg_catalog.now()');
});

# Deterministic views of the three tables, compared between databases.
my %query = (
	policies => q{SELECT p::text FROM default_policy AS p ORDER BY name},
	audit    => q{SELECT a::text FROM default_policy_audit AS a ORDER BY id},
	user_allowlist => q{SELECT function::text, description, builtin, added_at, added_by
		FROM default_policy_allowlist WHERE NOT builtin ORDER BY function::text},
	builtin_allowlist => q{SELECT function::text, description
		FROM default_policy_allowlist WHERE builtin ORDER BY function::text},
	allowlist_count => q{SELECT count(*) FROM default_policy_allowlist},
	removed_seeds => q{SELECT signature FROM default_policy_allowlist_removed},
	clock_timestamp =>
	  q{SELECT valid FROM check_default('clock_timestamp()', 'timestamptz')},
	sequence =>
	  q{SELECT last_value, is_called FROM default_policy_audit_id_seq},
	values => q{SELECT default_policy_value('zero') || '|'
		|| default_policy_value('active') || '|'
		|| default_policy_value('price') || '|'
		|| default_policy_value('tenant')},);

my %before = map { $_ => $node->safe_psql($src, $query{$_}) } keys %query;

# sanity of the source, so that equality below means something
is( $node->safe_psql($src, 'SELECT count(*) FROM default_policy'),
	'7', 'source has seven policies');
is( $node->safe_psql(
		$src,
		q{SELECT string_agg(action, ',' ORDER BY id) FROM default_policy_audit}),
	'allow_function,disallow_function,disallow_function,allow_function,'
	  . 'create_policy,create_policy,create_policy,create_policy,'
	  . 'create_policy,create_policy,create_policy,alter_policy,drop_policy,create_policy',
	'source audit holds every change');
is( $node->safe_psql(
		$src, q{SELECT expression FROM default_policy WHERE name = 'tenant'}),
	'public.tenant_id()',
	'a user function is stored schema-qualified');
is($before{values}, '42|t|10.00|42', 'source policies give their values');

my $tempdir = PostgreSQL::Test::Utils::tempdir;

# Check a restored database against the source.  $full adds the allowlist,
# sequence and usability checks.
sub check_restored
{
	my ($db, $how, $full) = @_;

	is($node->safe_psql($db, $query{policies}),
		$before{policies}, "$how: policies are identical");
	is($node->safe_psql($db, $query{audit}),
		$before{audit}, "$how: audit rows are identical");
	return unless $full;

	is($node->safe_psql($db, $query{user_allowlist}),
		$before{user_allowlist},
		"$how: the user-added allowlist entry is restored as it was");
	is( $node->safe_psql(
			$db,
			q{SELECT count(*) FROM default_policy_allowlist
			  WHERE function = 'public.tenant_id()'::regprocedure}),
		'1',
		"$how: the user-added allowlist entry is there exactly once");
	is($node->safe_psql($db, $query{builtin_allowlist}),
		$before{builtin_allowlist}, "$how: built-in seeds are as in the source");
	is($node->safe_psql($db, $query{allowlist_count}),
		$before{allowlist_count}, "$how: no allowlist entry is duplicated");
	is($node->safe_psql($db, $query{removed_seeds}),
		'pg_catalog.clock_timestamp()', "$how: the removed seed is remembered");
	is($node->safe_psql($db, $query{clock_timestamp}),
		'f', "$how: the removed seed stays off the allowlist");
	is($node->safe_psql($db, $query{sequence}),
		$before{sequence}, "$how: audit sequence state is restored");

	# the audit sequence continues after the restored rows
	$node->safe_psql($db,
		q{SELECT create_default_policy('after_restore', 'integer', '1')});
	my ($max, $new) = split /\|/,
	  $node->safe_psql($db,
		q{SELECT max(id) FILTER (WHERE policy_name IS DISTINCT FROM 'after_restore'),
				 max(id) FILTER (WHERE policy_name = 'after_restore')
		  FROM default_policy_audit});
	cmp_ok($new, '>', $max,
		"$how: a new audit row gets an id after the restored ones");

	# the policies still work
	is($node->safe_psql($db, $query{values}),
		$before{values}, "$how: policies give the same values");
	is( $node->safe_psql(
			$db, q{
SELECT count(*) FILTER (WHERE c.valid AND c.kind = p.kind
						  AND c.normalized = p.expression)
	   || '/' || count(*)
FROM default_policy AS p, LATERAL check_default(p.expression, p.column_type) AS c
WHERE p.name <> 'after_restore'}),
		'7/7',
		"$how: every stored expression checks valid, same kind, same canonical text");
	is( $node->safe_psql(
			$db, q{
BEGIN;
SELECT default_policy_value('hostile')::timestamptz = pg_catalog.now(),
	   default_policy_value('created')::timestamptz = pg_catalog.now();
COMMIT;}),
		't|t',
		"$how: the hostile-path policy still means pg_catalog.now()");
}

# custom format, restored with pg_restore into an empty database
my $dumpfile = "$tempdir/source.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dumpfile, '-d', $src ],
	'pg_dump -Fc succeeds');
$node->command_ok([ 'createdb', 'dp_custom' ], 'createdb for pg_restore');
$node->command_checks_all(
	[ 'pg_restore', '--dbname', $node->connstr('dp_custom'), $dumpfile ],
	0, [qr/^$/], [qr/^$/],
	'pg_restore exits 0 without any error or warning');
check_restored('dp_custom', 'pg_restore', 1);

# plain format, replayed with psql into an empty database
my $sqlfile = "$tempdir/source.sql";
$node->command_ok([ 'pg_dump', '-Fp', '-f', $sqlfile, '-d', $src ],
	'pg_dump -Fp succeeds');
$node->command_ok([ 'createdb', 'dp_plain' ], 'createdb for psql');
$node->command_checks_all(
	[
		'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
		'-d', $node->connstr('dp_plain'), '-f', $sqlfile
	],
	0,
	[qr//],
	[qr/^$/],
	'the plain dump replays through psql without errors');
check_restored('dp_plain', 'psql', 1);

# the source is untouched by all this
is($node->safe_psql($src, $query{audit}),
	$before{audit}, 'source audit is unchanged');

$node->stop;
done_testing();
