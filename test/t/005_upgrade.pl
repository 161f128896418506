# ALTER EXTENSION defaults_policy UPDATE from 1.0 to 1.1, then to 1.2.  A
# database with version 1.0 and data in every table (written directly, as a
# superuser may: the library serves the current version only) is updated;
# its objects must then be exactly those of a fresh install (pg_dump --binary-upgrade
# --schema-only lists every member object of the extension), every row must
# be kept, and the allowlist entry of a function dropped under 1.0 (a bare
# OID there) must be gone, with an audit row saying so.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

# the same user objects in both databases, so that their dumps compare
my $user_objects = q{
CREATE SCHEMA app;
CREATE FUNCTION app.tenant_id() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 42';
CREATE DOMAIN app.positive AS integer CHECK (VALUE > 0);
};

$node->safe_psql('postgres', 'CREATE DATABASE old_db');
$node->safe_psql('postgres', 'CREATE DATABASE fresh_db');

$node->safe_psql('old_db',
	"CREATE EXTENSION defaults_policy VERSION '1.0';" . $user_objects);
is($node->safe_psql('old_db', q{SELECT extversion FROM pg_extension WHERE extname = 'defaults_policy'}),
	'1.0', 'version 1.0 installed');

# Fill 1.0's tables as a superuser, directly.
$node->safe_psql(
	'old_db', q{
CREATE FUNCTION app.gone() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 1';
INSERT INTO default_policy_allowlist (function, description, added_at, added_by)
VALUES ('app.tenant_id()', 'the tenant', '2024-01-02 03:04:05+00', 'alice'),
	   ('app.gone()', 'dropped later', '2024-01-03 03:04:05+00', 'bob');
-- a seed taken off: the trigger removes it from the allowlist
INSERT INTO default_policy_allowlist_removed (function, description, removed_at, removed_by)
VALUES ('pg_catalog.clock_timestamp()', 'wall-clock time of each call', '2024-01-04 00:00:00+00', 'carol');
INSERT INTO default_policy
	(name, column_type, expression, kind, keep_default, description, created_at, updated_at, created_by, updated_by)
VALUES ('zero', 'integer', '0', 'static', false, NULL, '2024-01-05', '2024-01-05', 'alice', 'alice'),
	   ('created', 'timestamp with time zone', 'now()', 'dynamic', true, 'when', '2024-01-05', '2024-01-06', 'alice', 'bob'),
	   ('tenant', 'integer', 'app.tenant_id()', 'dynamic', false, NULL, '2024-01-05', '2024-01-05', 'alice', 'alice'),
	   ('one', 'app.positive', '1', 'static', false, 'positive', '2024-01-05', '2024-01-05', 'alice', 'alice');
INSERT INTO default_policy_audit (at, txid, session_user_name, current_user_name, action, policy_name, expression, kind, detail)
SELECT '2024-01-05'::timestamptz, '700', 'alice', 'alice', 'create_policy',
	   p.name, p.expression, p.kind, '{"description": null}'
FROM default_policy AS p ORDER BY p.name;
INSERT INTO default_policy_audit (at, txid, session_user_name, current_user_name, action, detail)
VALUES ('2024-01-06', '701', 'bob', 'bob', 'allow_function', '{"function": "app.gone()"}');
DROP FUNCTION app.gone();
});
my $gone_oid = $node->safe_psql('old_db',
	q{SELECT function::oid FROM default_policy_allowlist WHERE description = 'dropped later'});
like($gone_oid, qr/^\d+$/, '1.0 keeps the dropped function as a bare OID');

my %query = (
	policies => q{SELECT p::text FROM default_policy AS p ORDER BY name},
	audit    => q{SELECT a::text FROM default_policy_audit AS a ORDER BY id},
	user_allowlist => q{SELECT function::text, description, builtin, added_at, added_by
		FROM default_policy_allowlist WHERE NOT builtin AND function::text !~ '^[0-9]+$'
		ORDER BY function::text},
	seeds => q{SELECT function::text, description, builtin
		FROM default_policy_allowlist WHERE builtin ORDER BY function::text},
	removed => q{SELECT description, removed_at, removed_by FROM default_policy_allowlist_removed},
	sequence => q{SELECT last_value FROM default_policy_audit_id_seq},);
my %before = map { $_ => $node->safe_psql('old_db', $query{$_}) } keys %query;
my @policies = split /\n/, $before{policies};
my @audit = split /\n/, $before{audit};
is(scalar @policies, 4, 'four policies before');
is(scalar @audit,    5, 'five audit rows before');

$node->safe_psql('old_db', q{ALTER EXTENSION defaults_policy UPDATE TO '1.1'});
is($node->safe_psql('old_db', q{SELECT extversion FROM pg_extension WHERE extname = 'defaults_policy'}),
	'1.1', 'updated to 1.1');

# every row kept
is($node->safe_psql('old_db', $query{policies}), $before{policies}, 'policies kept');
is( $node->safe_psql('old_db', $query{audit} =~ s/ORDER BY id/WHERE id <= 5 ORDER BY id/r),
	$before{audit}, 'audit rows kept');
is($node->safe_psql('old_db', $query{user_allowlist}), $before{user_allowlist},
	'the user-added allowlist entry is kept, with who and when');
is($node->safe_psql('old_db', $query{seeds}), $before{seeds}, 'the seeds are kept');
is($node->safe_psql('old_db', $query{removed}), $before{removed}, 'the removed seed is kept');
is($node->safe_psql('old_db', q{SELECT signature FROM default_policy_allowlist_removed}),
	'pg_catalog.clock_timestamp()', 'the removed seed is stored by signature');

# the dangling entry went, audited
is( $node->safe_psql('old_db',
		q{SELECT string_agg(signature, ',' ORDER BY signature) FROM default_policy_allowlist WHERE NOT builtin}),
	'app.tenant_id()', 'the entry of the dropped function is gone');
is( $node->safe_psql('old_db',
		q{SELECT action || ' ' || (detail->>'function') || ' ' || (detail->>'reason') || ' ' || (detail->>'builtin')
		  FROM default_policy_audit WHERE id > 5 ORDER BY id}),
	"disallow_function $gone_oid dropped false",
	'its removal is audited');
cmp_ok($node->safe_psql('old_db', $query{sequence}), '>=', 6, 'the audit sequence continues');

# on to the current version: 1.2 adds enforcement's event triggers
$node->safe_psql('old_db', 'ALTER EXTENSION defaults_policy UPDATE');
is($node->safe_psql('old_db', q{SELECT extversion FROM pg_extension WHERE extname = 'defaults_policy'}),
	'1.2', 'updated to 1.2');
is( $node->safe_psql('old_db',
		q{SELECT string_agg(evtname || ' ' || evtevent, ', ' ORDER BY evtname) FROM pg_event_trigger
		  WHERE evtname LIKE 'default_policy_enforce%'}),
	'default_policy_enforce_end ddl_command_end, default_policy_enforce_rewrite table_rewrite, '
	  . 'default_policy_enforce_start ddl_command_start',
	'the enforcement triggers exist after the update');

# the same objects as a fresh install
$node->safe_psql('fresh_db', 'CREATE EXTENSION defaults_policy;' . $user_objects);

sub schema_dump
{
	my ($db) = @_;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run [ 'pg_dump', '--binary-upgrade', '--schema-only',
		'--no-comments', '-d', $node->connstr($db) ], '>', \$stdout, '2>', \$stderr;
	die "pg_dump failed: $stderr" unless $ok;
	# OIDs differ between databases: drop the lines that set them
	$stdout =~ s/^SELECT pg_catalog\.binary_upgrade_set_next_[^\n]*\n//mg;
	$stdout =~ s/^SELECT pg_catalog\.binary_upgrade_create_empty_extension\([^\n]*\n//mg;
	$stdout =~ s/^(--|\\connect|\\restrict|\\unrestrict)[^\n]*\n//mg;
	# and so do the transaction ids frozen in each relation
	$stdout =~ s/^SET relfrozenxid = '\d+', relminmxid = '\d+'$/SET relfrozenxid = X, relminmxid = X/mg;
	$stdout =~ s/^WHERE oid = '\d+';$/WHERE oid = X;/mg;
	# the audit sequence's value is data (compared above), not schema
	$stdout =~ s/^(SELECT pg_catalog\.setval\('public\.default_policy_audit_id_seq', )\d+, (true|false)\);$/$1X);/mg;
	return $stdout;
}
my $old_dump = schema_dump('old_db');
my $fresh_dump = schema_dump('fresh_db');
like($fresh_dump, qr/CREATE VIEW public\.default_policy_allowlist/,
	'the dump lists the extension\'s members');
is($old_dump, $fresh_dump, 'schema-only dump after the update equals a fresh 1.2 install');
if ($old_dump ne $fresh_dump)
{
	my %fresh = map { $_ => 1 } split /\n/, $fresh_dump;
	my %old = map { $_ => 1 } split /\n/, $old_dump;
	diag("only after the update: $_") for grep { !$fresh{$_} } split /\n/, $old_dump;
	diag("only in a fresh install: $_") for grep { !$old{$_} } split /\n/, $fresh_dump;
}

# with comments too (they are part of the objects)
my $cmp = q{SELECT pg_describe_object(e.classid, e.objid, e.objsubid) || ': '
		|| coalesce((SELECT d.description FROM pg_description AS d
					 WHERE d.classoid = e.classid AND d.objoid = e.objid AND d.objsubid = 0), '')
	FROM pg_depend AS e
	WHERE e.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'defaults_policy')
	  AND e.deptype = 'e' ORDER BY 1};
is($node->safe_psql('old_db', $cmp), $node->safe_psql('fresh_db', $cmp),
	'the same member objects with the same comments');
my $ext = q{SELECT extconfig::regclass[]::text, extcondition FROM pg_extension WHERE extname = 'defaults_policy'};
is($node->safe_psql('old_db', $ext), $node->safe_psql('fresh_db', $ext),
	'the same configuration tables, in the same order, with the same conditions');
my $seeds = q{SELECT string_agg(signature || ' ' || description, E'\n' ORDER BY signature)
	FROM default_policy_allowlist_entries
	WHERE builtin AND signature <> 'pg_catalog.clock_timestamp()'};
is($node->safe_psql('old_db', $seeds), $node->safe_psql('fresh_db', $seeds),
	'the seeds are the fresh install\'s seeds, the removed one aside');

# and it works
is($node->safe_psql('old_db', q{SELECT kind FROM check_default('app.tenant_id()', 'integer')}),
	'dynamic', 'the kept entry allows its function');
is($node->safe_psql('old_db', q{SELECT valid FROM check_default('clock_timestamp()', 'timestamptz')}),
	'f', 'the removed seed stays off');
is($node->safe_psql('old_db', q{SELECT default_policy_value('tenant')}), '42', 'a kept policy works');
$node->safe_psql('old_db', q{SELECT create_default_policy('after', 'integer', '1')});
is( $node->safe_psql('old_db',
		q{SELECT count(*) FROM default_policy_audit WHERE policy_name = 'after'}),
	'1', 'new changes are audited');

$node->stop;
done_testing();
