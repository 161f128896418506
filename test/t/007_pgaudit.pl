# The extension's DDL passes through pgAudit.  A node with pgAudit preloaded
# (pgaudit.log = 'ddl, function') shows in its log:
#
#   1. add_column_with_default(): pgAudit's FUNCTION line for the call and,
#      as substatements of the same statement, one DDL line for each ALTER
#      TABLE the function runs (ADD COLUMN ... NOT NULL DEFAULT, DROP
#      DEFAULT), with their text; enforcement does not check them again
#      (no WARNING, no ddl_default audit row), even under enforce = error;
#   2. a conforming plain CREATE TABLE under enforce = error: pgAudit's
#      DDL line and the extension's ddl_default audit line;
#   3. a plain ALTER TABLE with a refused default under enforce = error:
#      psql gets the error with the engine's SQLSTATE, nothing changes, and
#      pgAudit logs nothing for it: pgAudit writes a DDL line once the
#      statement has run (after standard_ProcessUtility, or at
#      ddl_command_end with CREATE EXTENSION pgaudit), and this one is
#      stopped at ddl_command_start.  Nor does pgAudit log the event
#      trigger's function (FUNCTION lines come from the executor, and event
#      triggers call their function directly).  The trace of the attempt in
#      the log is PostgreSQL's own: the ERROR, its DETAIL (the reason) and
#      the STATEMENT;
#   4. the same under enforce = warn: the statement runs, and the log has
#      the enforcement WARNING (with its DETAIL and HINT), the
#      extension's audit line, then pgAudit's DDL line for the statement,
#      next to each other.
#
# pgAudit comes from the Debian package postgresql-15-pgaudit, which
# test/harness.sh installs: under the harness (DEFAULTS_POLICY_HARNESS set)
# a missing pgAudit is a failure; run by hand without it, the test skips.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
my $pkglibdir = $node->config_data('--pkglibdir');
if (!-f "$pkglibdir/pgaudit.so")
{
	plan skip_all => "pgAudit is not installed ($pkglibdir/pgaudit.so)"
	  unless $ENV{DEFAULTS_POLICY_HARNESS};
	fail("pgAudit is installed ($pkglibdir/pgaudit.so): "
		  . 'test/harness.sh installs postgresql-15-pgaudit');
	done_testing();
	exit;
}

$node->init;
$node->append_conf(
	'postgresql.conf', q{
shared_preload_libraries = 'pgaudit'
pgaudit.log = 'ddl, function'
});
$node->start;
is($node->safe_psql('postgres', 'SHOW pgaudit.log'),
	'ddl, function', 'pgAudit is preloaded and logs ddl and function');

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION defaults_policy;
CREATE TABLE orders (id integer PRIMARY KEY, amount numeric(10,2));
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
});

# The server log's lines since $offset, each as [level, message] (the lines
# that start with the log_line_prefix of PostgreSQL::Test::Cluster).
sub log_entries
{
	my ($offset) = @_;
	my @entries;
	for my $line (split /\n/, slurp_file($node->logfile, $offset))
	{
		push @entries, [ $1, $2 ]
		  if $line =~ /^\S+ \S+ \S+ \[\d+\] (?:\S+ )?([A-Z]+):  (.*)$/;
	}
	return @entries;
}

# pgAudit's line split into its fields: audit type, statement id,
# substatement id, class, command, object type, object name, statement,
# parameter (CSV: a field with a comma or a quote is quoted).
sub audit_fields
{
	my ($message) = @_;
	return () unless $message =~ s/^AUDIT: //;
	my @fields;
	while ($message =~ /\G(?:"((?:[^"]|"")*)"|([^,]*))(,|$)/gc)
	{
		my $field = defined $1 ? $1 =~ s/""/"/gr : $2;
		push @fields, $field;
		last if $3 eq '';
	}
	return @fields;
}

# Run $sql in one psql session (verbose errors) and return its exit code,
# its stderr and the log entries it left.  The backend writes its log lines
# before it answers, so they are all in the file when psql returns.
sub run_logged
{
	my ($sql) = @_;
	my $offset = -s $node->logfile;
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	return ($ret, $stderr, [ log_entries($offset) ]);
}

# The pgAudit lines among $entries, as field lists.
sub audit_lines
{
	my ($entries) = @_;
	return map { [ audit_fields($_->[1]) ] }
	  grep { $_->[0] eq 'LOG' && $_->[1] =~ /^AUDIT: / } @$entries;
}

sub audit_count
{
	my ($where) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM default_policy_audit WHERE $where");
}

# 1. add_column_with_default: pgAudit sees the call and both ALTERs
my ($ret, $stderr, $log) = run_logged(
	q{SET defaults_policy.enforce = error;
SELECT action FROM add_column_with_default('orders', 'score', 'integer', '0');});
is($ret, 0, 'add_column_with_default under enforce = error succeeds');
unlike($stderr, qr/WARNING/, 'add_column_with_default: no WARNING');
my @audit = audit_lines($log);
is_deeply(
	[ map { join ',', @$_[ 3 .. 7 ] } @audit ],
	[
		'FUNCTION,EXECUTE,FUNCTION,public.add_column_with_default,'
		  . q{SELECT action FROM add_column_with_default('orders', 'score', 'integer', '0');},
		'DDL,ALTER TABLE,,,ALTER TABLE public.orders ADD COLUMN score integer NOT NULL DEFAULT 0',
		'DDL,ALTER TABLE,,,ALTER TABLE public.orders ALTER COLUMN score DROP DEFAULT',
	],
	'pgAudit logs the call, then its ADD COLUMN and DROP DEFAULT with their text'
);
is_deeply(
	[ map { "$_->[1]/$_->[2]" } @audit ],
	[ map { "$audit[0][1]/$_" } 1 .. 3 ],
	'the two ALTERs are substatements 2 and 3 of the statement that called the function'
);
is(audit_count(q{table_name = 'public.orders' AND column_name = 'score'}),
	'1', 'one audit row for the column');
is(audit_count(q{action = 'ddl_default'}),
	'0', 'the function\'s ALTERs are not audited again as ddl_default');
my @ext_audit = grep { $_->[1] =~ /^defaults_policy audit: / } @$log;
is(scalar @ext_audit, 1, 'one line of the extension\'s own audit log');
like($ext_audit[0][1], qr/"action": "add_column"/,
	'... for add_column');

# 2. a conforming plain CREATE TABLE under enforce = error: pgAudit's line
# and the extension's ddl_default audit line for the same statement (the
# extension's first: it audits at ddl_command_end, inside the statement;
# pgAudit once the statement is done)
($ret, $stderr, $log) = run_logged(
	q{SET defaults_policy.enforce = error;
CREATE TABLE invoices (id integer, issued_on date NOT NULL DEFAULT CURRENT_DATE);});
is($ret, 0, 'enforce = error: a conforming CREATE TABLE runs');
unlike($stderr, qr/WARNING|ERROR/, 'enforce = error: ... without a message');
is_deeply(
	[ map { join ',', @$_[ 3 .. 7 ] } audit_lines($log) ],
	[
		'DDL,CREATE TABLE,,,CREATE TABLE invoices (id integer, issued_on date NOT NULL DEFAULT CURRENT_DATE);'
	],
	'enforce = error: pgAudit logs the CREATE TABLE');
is_deeply(
	[
		map { $_->[1] =~ s/:.*//sr }
		  grep { $_->[1] =~ /^(AUDIT|defaults_policy audit):/ } @$log
	],
	[ 'defaults_policy audit', 'AUDIT' ],
	'enforce = error: the extension\'s audit line, then pgAudit\'s');
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(concat_ws(' ', column_name, expression, kind), ', ')
		  FROM default_policy_audit
		  WHERE action = 'ddl_default' AND table_name = 'public.invoices'}),
	'issued_on CURRENT_DATE dynamic',
	'enforce = error: the default is audited as ddl_default');

# 3. a refused plain ALTER under enforce = error
($ret, $stderr, $log) = run_logged(
	q{SET defaults_policy.enforce = error;
ALTER TABLE orders ADD COLUMN lucky float8 DEFAULT random();});
isnt($ret, 0, 'enforce = error: the plain ALTER TABLE is refused');
like(
	$stderr,
	qr/ERROR:  42P17: default for column "lucky" of table "orders" is not allowed\nDETAIL:  Function pg_catalog\.random\(\) is not allowed in a default\./,
	'enforce = error: psql gets the error with the engine\'s SQLSTATE 42P17 and reason');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_attribute
		  WHERE attrelid = 'orders'::regclass AND attname = 'lucky'}),
	'0',
	'enforce = error: no column');
# pgAudit logs a DDL statement once it has run; this one never does
is_deeply([ audit_lines($log) ],
	[], 'enforce = error: pgAudit logs nothing for the refused statement');
# nor does the extension: a refused default leaves no audit row and no
# audit line.  PostgreSQL's own log has the error, its DETAIL (the reason)
# and the statement (log_min_error_statement = error).
is_deeply(
	[
		map { "$_->[0]: $_->[1]" }
		  grep { $_->[0] =~ /^(ERROR|DETAIL|STATEMENT)$/ || $_->[1] =~ /audit/ } @$log
	],
	[
		'ERROR: default for column "lucky" of table "orders" is not allowed',
		'DETAIL: Function pg_catalog.random() is not allowed in a default. '
		  . 'The function is volatile and is not on the allowlist.',
		'STATEMENT: ALTER TABLE orders ADD COLUMN lucky float8 DEFAULT random();',
	],
	'enforce = error: the log has the ERROR, its DETAIL and the statement, and no audit line'
);
is(audit_count(q{column_name = 'lucky'}), '0', 'enforce = error: no audit row');

# 4. the same under warn: the WARNING, then pgAudit's line for the statement
($ret, $stderr, $log) = run_logged(
	q{SET defaults_policy.enforce = warn;
ALTER TABLE orders ADD COLUMN lucky float8 DEFAULT random();});
is($ret, 0, 'enforce = warn: the plain ALTER TABLE runs');
like(
	$stderr,
	qr/WARNING:  42P17: default for column "lucky" of table "orders" is not allowed\nDETAIL:  Function pg_catalog\.random\(\) is not allowed in a default\./,
	'enforce = warn: psql gets the WARNING');
@audit = audit_lines($log);
is_deeply(
	[ map { join ',', @$_[ 3 .. 7 ] } @audit ],
	[
		'DDL,ALTER TABLE,,,ALTER TABLE orders ADD COLUMN lucky float8 DEFAULT random();'
	],
	'enforce = warn: pgAudit logs the statement');
# the log from the WARNING to pgAudit's line: nothing but the WARNING's own
# DETAIL and HINT lines and the extension's audit line between them
my ($warning) = grep { $log->[$_][0] eq 'WARNING' } 0 .. $#$log;
my ($pgaudit) = grep { $log->[$_][1] =~ /^AUDIT: / } 0 .. $#$log;
ok(defined $warning && defined $pgaudit && $warning < $pgaudit,
	'enforce = warn: the WARNING comes before pgAudit\'s line');
is_deeply(
	[
		map { $_->[0] =~ /^(DETAIL|HINT)$/ ? $_->[0] : $_->[1] =~ s/:.*//sr }
		  @$log[ $warning + 1 .. $pgaudit - 1 ]
	],
	[ 'DETAIL', 'HINT', 'defaults_policy audit' ],
	'enforce = warn: between them only the WARNING\'s DETAIL and HINT and the audit line'
);
is( join("\n", map { "$_->[0]: $_->[1]" } @$log[ $warning, $warning + 1 ]),
	qq{WARNING: default for column "lucky" of table "orders" is not allowed\n}
	  . 'DETAIL: Function pg_catalog.random() is not allowed in a default. '
	  . 'The function is volatile and is not on the allowlist.',
	'enforce = warn: the WARNING in the log, with the reason in its DETAIL');
is( audit_count(
		q{action = 'ddl_default' AND column_name = 'lucky' AND kind = 'invalid'}),
	'1',
	'enforce = warn: the default is audited as an invalid ddl_default');

$node->stop;
done_testing();
