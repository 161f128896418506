# Enforcement and restores.  CREATE EXTENSION works in a database that
# already holds defaults the rules refuse.  A dump of it restores under
# enforce = warn: the non-conforming defaults come back with a WARNING each,
# the restored trail keeps its rows and their ids, and the ddl_default rows
# the restore itself wrote move after them.  Under enforce = error the
# restore is refused for those tables, and goes through as README says:
# with the setting off for the restoring session.
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

# defaults the rules refuse, made before the extension existed
$node->safe_psql(
	$src, q{
CREATE TABLE legacy (id serial, lucky float8 DEFAULT random(),
					 frozen timestamptz DEFAULT 'now', at timestamptz DEFAULT now());
INSERT INTO legacy DEFAULT VALUES;
});
my ($rc, $out, $err) = $node->psql($src, 'CREATE EXTENSION defaults_policy');
is($rc, 0, 'CREATE EXTENSION works where non-conforming defaults exist');
is($err, '', '... silently: nothing existing is judged');

# a trail: a policy, and defaults made under warn
$node->safe_psql(
	$src, q{
SELECT create_default_policy('zero', 'integer', '0');
CREATE TABLE later (id serial, n integer DEFAULT 0, noise float8 DEFAULT random());
});
my $trail_query =
  q{SELECT id || ' ' || action || ' ' || coalesce(table_name, '-') || ' ' || coalesce(column_name, '-')
	FROM default_policy_audit ORDER BY id};
my $src_trail = $node->safe_psql($src, $trail_query);
is( $src_trail,
	join("\n",
		'1 create_policy - -',
		'2 ddl_default public.later id',
		'3 ddl_default public.later n',
		'4 ddl_default public.later noise'),
	'the source trail');

my $dump = $node->basedir . '/source.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr($src) ],
	'pg_dump');

# warn: the restore works, with a WARNING per non-conforming default
$node->safe_psql('postgres', 'CREATE DATABASE dp_warn');
my ($stdout, $stderr);
my $ok = IPC::Run::run [ 'pg_restore', '-d', $node->connstr('dp_warn'), $dump ],
  '>', \$stdout, '2>', \$stderr;
ok($ok, 'pg_restore under warn succeeds') or diag($stderr);
my $warn_db_trail = $node->safe_psql('dp_warn', $trail_query);
my @rows = split /\n/, $warn_db_trail;
is(join("\n", @rows[ 0 .. 3 ]), $src_trail, 'the restored trail keeps its rows and ids');
is( $node->safe_psql('dp_warn',
		q{SELECT count(*) FROM default_policy_audit WHERE id > 4 AND action = 'ddl_default'}),
	'7', 'the defaults the restore made are audited after the restored rows');
is( $node->safe_psql('dp_warn',
		q{SELECT string_agg(column_name || ':' || kind, ' ' ORDER BY column_name)
		  FROM default_policy_audit WHERE id > 4 AND table_name = 'public.legacy'}),
	'at:dynamic frozen:static id:dynamic lucky:invalid',
	'legacy defaults judged from what was stored (the frozen instant is a constant by now)');
is( $node->safe_psql('dp_warn',
		q{SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef
		  WHERE adrelid = 'legacy'::regclass AND adnum = 2}),
	'random()', 'the non-conforming default is restored');
is($node->safe_psql('dp_warn', 'SELECT count(*) FROM legacy'), '1', 'with its rows');
cmp_ok(
	$node->safe_psql('dp_warn', q{SELECT (create_default_policy('one', 'integer', '1')).name}),
	'eq', 'one', 'the restored database keeps working');
is( $node->safe_psql('dp_warn',
		q{SELECT id > 11 FROM default_policy_audit WHERE policy_name = 'one'}),
	't', 'the sequence continues after every row');

# plain format through psql, under warn: the same
my $plain = $node->basedir . '/source.sql';
$node->command_ok([ 'pg_dump', '-f', $plain, '-d', $node->connstr($src) ], 'pg_dump, plain');
$node->safe_psql('postgres', 'CREATE DATABASE dp_plain');
($rc, $out, $err) = $node->psql('dp_plain', undef, extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', $plain ]);
is($rc, 0, 'psql restore under warn succeeds');
like($err, qr/WARNING:  default for column "lucky" of table "legacy" is not allowed/,
	'with the WARNING');
is(join("\n", (split /\n/, $node->safe_psql('dp_plain', $trail_query))[ 0 .. 3 ]),
	$src_trail, 'the trail keeps its rows and ids');

# error: the tables with refused defaults are refused
$node->safe_psql('postgres', 'CREATE DATABASE dp_error');
$node->safe_psql('postgres', 'ALTER DATABASE dp_error SET defaults_policy.enforce = error');
$ok = IPC::Run::run [ 'pg_restore', '-d', $node->connstr('dp_error'), $dump ],
  '>', \$stdout, '2>', \$stderr;
ok(!$ok, 'pg_restore under error fails');
like($stderr, qr/default for column "lucky" of table "legacy" is not allowed/,
	'naming the refused default');
is($node->safe_psql('dp_error', q{SELECT to_regclass('legacy') IS NULL}),
	't', 'the table with the refused default is not made');

# ... and goes through with the setting off for the restoring session
$node->safe_psql('postgres', 'CREATE DATABASE dp_error_off');
$node->safe_psql('postgres', 'ALTER DATABASE dp_error_off SET defaults_policy.enforce = error');
{
	local $ENV{PGOPTIONS} = '-c defaults_policy.enforce=off';
	$ok = IPC::Run::run [ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dp_error_off'), $dump ],
	  '>', \$stdout, '2>', \$stderr;
}
ok($ok, 'pg_restore with PGOPTIONS=-c defaults_policy.enforce=off succeeds') or diag($stderr);
is($node->safe_psql('dp_error_off', $trail_query), $src_trail,
	'nothing audited by the restore: the trail is the source trail');
is($node->safe_psql('dp_error_off', 'SHOW defaults_policy.enforce'),
	'error', 'later sessions are enforced again');

done_testing();
