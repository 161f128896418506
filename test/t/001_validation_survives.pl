# The validation engine turns hostile input into a verdict: the backend and
# the postmaster survive, and the extension works again after a restart.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION defaults_policy');

# nesting deep enough for the parser, and deep enough for the analyser
is( $node->safe_psql('postgres',
		q{SELECT valid FROM check_default(repeat('(', 200000) || '1' || repeat(')', 200000), 'integer')}),
	'f', 'deep parenthesis nesting is a verdict');
is( $node->safe_psql('postgres',
		q{SELECT reason LIKE 'stack depth limit exceeded%' FROM check_default('1' || repeat(' + 1', 500000), 'integer')}),
	't', 'deep operator nesting stops at the stack depth limit');
is( $node->safe_psql('postgres',
		q{SELECT valid FROM check_default(repeat('-', 100000) || '1', 'integer')}),
	'f', 'a long chain of unary minus is a verdict');

# many verdicts in one transaction: the subtransactions are released
is( $node->safe_psql('postgres',
		q{SELECT count(*) FILTER (WHERE valid) || '/' || count(*)
		  FROM generate_series(1, 5000) AS i,
			   LATERAL check_default(CASE WHEN i % 2 = 0 THEN i::text ELSE 'x' || i END, 'integer')}),
	'2500/5000', 'five thousand checks in one statement');

unlike(slurp_file($node->logfile),
	qr/terminated by signal|all server processes terminated/,
	'no backend crashed');

$node->restart;
is( $node->safe_psql('postgres',
		q{SELECT kind FROM check_default('now()', 'timestamptz')}),
	'dynamic', 'the extension works after a restart');

$node->stop;
done_testing();
