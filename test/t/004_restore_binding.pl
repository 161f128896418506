# After dump and restore into another cluster, an allowlist entry binds only
# to the function with its signature.  The target cluster holds functions
# made, as a plain role could by creating functions in a loop, to have the
# source's OIDs: of a function that was allowlisted and then dropped, and of
# an allowlisted function whose schema the dump leaves out.  Neither is
# allowlisted after the restore; the function that was restored is, under
# its new OID; the absent function's entry binds to nothing until a
# function with that signature exists.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $source = PostgreSQL::Test::Cluster->new('source');
$source->init;
$source->start;
my $target = PostgreSQL::Test::Cluster->new('target');
$target->init;
$target->start;

$source->safe_psql('postgres', 'CREATE DATABASE src');

# Use up some OIDs first, so that the target cluster, which also creates a
# database and the extension, has not passed the OIDs it must reach.
$source->safe_psql(
	'src', q{
DO $$
BEGIN
	FOR i IN 1..400 LOOP
		EXECUTE format('CREATE FUNCTION public.burn_%s() RETURNS integer LANGUAGE sql AS ''SELECT 1''', i);
		EXECUTE format('DROP FUNCTION public.burn_%s()', i);
	END LOOP;
END $$;
CREATE EXTENSION defaults_policy;
CREATE SCHEMA app;
CREATE SCHEMA hidden;
CREATE FUNCTION app.tenant_id() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 42';
CREATE FUNCTION app.dropped() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 1';
CREATE FUNCTION hidden.absent() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 2';
SELECT allow_default_function('app.tenant_id()');
SELECT allow_default_function('app.dropped()');
SELECT allow_default_function('hidden.absent()');
});
my $dropped_oid =
  $source->safe_psql('src', q{SELECT 'app.dropped()'::regprocedure::oid});
my $absent_oid =
  $source->safe_psql('src', q{SELECT 'hidden.absent()'::regprocedure::oid});
$source->safe_psql('src', 'DROP FUNCTION app.dropped()');
is( $source->safe_psql(
		'src',
		q{SELECT string_agg(signature, ',' ORDER BY signature) FROM default_policy_allowlist WHERE NOT builtin}),
	'app.tenant_id(),hidden.absent()',
	'source: the dropped function left the allowlist');

my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $dumpfile = "$tempdir/src.dump";
$source->command_ok(
	[
		'pg_dump', '-Fc', '--exclude-schema=hidden',
		'-f', $dumpfile, '-d', $source->connstr('src')
	],
	'pg_dump without the schema "hidden"');

# In the target, functions that hold the source's OIDs, made before the
# restore.
$target->safe_psql('postgres', 'CREATE DATABASE dst');
$target->safe_psql(
	'dst', qq{
DO \$\$
DECLARE
	o oid;
	found integer := 0;
BEGIN
	FOR i IN 1..2000 LOOP
		EXECUTE format('CREATE FUNCTION public.probe_%s() RETURNS integer LANGUAGE sql STABLE AS ''SELECT 666''', i);
		o := format('public.probe_%s()', i)::regprocedure::oid;
		IF o = $dropped_oid THEN
			EXECUTE format('ALTER FUNCTION public.probe_%s() RENAME TO has_dropped_oid', i);
			found := found + 1;
		ELSIF o = $absent_oid THEN
			EXECUTE format('ALTER FUNCTION public.probe_%s() RENAME TO has_absent_oid', i);
			found := found + 1;
		ELSE
			EXECUTE format('DROP FUNCTION public.probe_%s()', i);
		END IF;
		EXIT WHEN found = 2 OR o > greatest($dropped_oid, $absent_oid);
	END LOOP;
END \$\$;
});
is( $target->safe_psql(
		'dst',
		qq{SELECT string_agg(proname || '=' || (oid = $dropped_oid OR oid = $absent_oid)::text, ',' ORDER BY proname)
		   FROM pg_proc WHERE proname IN ('has_dropped_oid', 'has_absent_oid')}),
	'has_absent_oid=true,has_dropped_oid=true',
	'target: two functions hold the OIDs of the source functions');

$target->command_checks_all(
	[ 'pg_restore', '--dbname', $target->connstr('dst'), $dumpfile ],
	0, [qr/^$/], [qr/^$/],
	'pg_restore exits 0 without any error or warning');

is( $target->safe_psql(
		'dst',
		q{SELECT string_agg(signature || '=' || coalesce(function::text, 'none'), ',' ORDER BY signature)
		  FROM default_policy_allowlist WHERE NOT builtin}),
	'app.tenant_id()=app.tenant_id(),hidden.absent()=none',
	'restored entries: the restored function is bound, the absent one binds nothing');
is( $target->safe_psql(
		'dst',
		q{SELECT string_agg(c.valid::text, ',' ORDER BY f)
		  FROM unnest(ARRAY['public.has_dropped_oid()', 'public.has_absent_oid()']) AS f,
			   LATERAL check_default(f, 'integer') AS c}),
	'false,false',
	'the functions that hold the old OIDs are not allowlisted');
is( $target->safe_psql(
		'dst', q{SELECT kind FROM check_default('app.tenant_id()', 'integer')}),
	'dynamic', 'the restored function is allowlisted under its new OID');
is( $target->safe_psql(
		'dst',
		q{SELECT count(*) FROM default_policy_allowlist AS a JOIN pg_proc AS p ON p.oid = a.function
		  WHERE p.proname IN ('has_dropped_oid', 'has_absent_oid')}),
	'0', 'no entry resolves to a function that holds an old OID');

# the absent function's entry binds once a function with its signature exists
$target->safe_psql(
	'dst', q{
CREATE SCHEMA hidden;
CREATE FUNCTION hidden.absent() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 2';
});
is( $target->safe_psql(
		'dst', q{SELECT kind FROM check_default('hidden.absent()', 'integer')}),
	'dynamic', 'an entry binds to the function with its signature');

$source->stop;
$target->stop;
done_testing();
