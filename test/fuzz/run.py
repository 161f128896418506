#!/usr/bin/python3
#
# test/fuzz/run.py: feed generated defaults to the extension and check that
# nothing bad happens.  Python 3, standard library only.
#
# Run inside a throwaway cluster where the extension is installed, as a
# superuser (the libpq environment of pg_virtualenv):
#
#     pg_virtualenv -t -v 15 /usr/bin/python3 test/fuzz/run.py --cases 2000
#
# It creates the database dp_fuzz (dropping an old one), loads
# test/fuzz/fixture.sql, then for each case (an expression and a column
# type from test/fuzz/gen.py, seeded) calls check_default,
# explain_add_column, create_default_policy and add_column_with_default,
# each in a transaction it rolls back, and checks:
#
#   - the server never crashes: the connection never breaks, and the
#     server log shows no process terminated by a signal, no PANIC, no TRAP;
#   - every call returns a verdict or fails with a SQLSTATE other than
#     XX000; check_default returns exactly one well-formed verdict and lets
#     only 57014, 53200, class 40 and 55P03 escape;
#   - nothing outside the target changes: a fingerprint of the user catalog
#     (pg_class, pg_attribute, pg_attrdef, pg_constraint, pg_type, pg_proc of
#     user schemas) and of the extension's tables is the same inside the
#     transaction after a call (but for what the call is there to change:
#     the policy catalog for create_default_policy, the target and the audit
#     trail for add_column_with_default) and after every rollback;
#   - no user function ever runs: every user function of the fixture bumps
#     the sequence fzc.calls, which must not move, but for a dynamic default
#     that add_column_with_default accepted (it fills the column).
#
# Prints one line per batch ("... ok" / "... FAILED"), then a summary; on
# failure, for each case: the seed, the case number, what broke and the
# exact SQL to reproduce (also written, byte for byte, to FUZZ_OUT).  Exits
# 1 if any case failed.
#
# --only "3,10-12" runs those cases.  --show prints cases, runs nothing.
# Environment: FUZZ_CASES, FUZZ_SEED, FUZZ_FIRST override --cases, --seed and
# --first; FUZZ_SERVER_LOG names the server log (found with pg_lsclusters
# otherwise); FUZZ_OUT the directory for reproducers.
#

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen          # noqa: E402
import pgwire       # noqa: E402

DBNAME = 'dp_fuzz'
HERE = os.path.dirname(os.path.abspath(__file__))
CHECK_DEFAULT_MAY_RAISE = re.compile(r'^(57014|53200|40...|55P03)$')
CRASH_IN_LOG = re.compile(r'terminated by signal|server process .* was terminated|'
						  r'\bPANIC:|TRAP: |terminating any other active server processes|'
						  r'was terminated by exception')

# cases the current code cannot pass, by (seed, case): each names its bug
KNOWN_BAD = set()


def sq(s):
	return "'" + s.replace("'", "''") + "'"


def calls_for(expr, typ):
	E, T = sq(expr), sq(typ)
	return [
		('check_default',
		 'SELECT valid, kind, normalized, rewrites, reason FROM public.check_default(%s, %s)' % (E, T)),
		('explain_add_column',
		 "SELECT step, lock_mode, rewrites FROM public.explain_add_column('fz.target', 'fuzz_col', %s, %s)" % (T, E)),
		('create_default_policy',
		 "SELECT name, kind FROM public.create_default_policy('fuzz_policy', %s, %s)" % (T, E)),
		('add_column_with_default',
		 "SELECT kind, rewrote FROM public.add_column_with_default('fz.target', 'fuzz_col', %s, %s)" % (T, E)),
	]


def utf8_ok(s):
	"""Whether s goes on the wire as valid UTF-8 (lone surrogates stand for
	raw bytes, and some runs of them make valid sequences)."""
	try:
		s.encode('utf-8', 'surrogateescape').decode('utf-8')
		return True
	except UnicodeDecodeError:
		return False


def shown(sql, limit=4000):
	"""The SQL as text a reader can copy; invalid bytes as \\xNN."""
	raw = sql.encode('utf-8', 'surrogateescape')
	text = raw.decode('utf-8', 'backslashreplace')
	if len(text) > limit:
		text = text[:limit] + '... [%d bytes in all, see the reproducer file]' % len(raw)
	return text


class Fuzz:
	def __init__(self, args):
		self.args = args
		self.failures = []
		self.notes = []
		self.stats = {}
		self.log_path = args.server_log or find_server_log()
		self.log_pos = 0
		if self.log_path and os.path.exists(self.log_path):
			self.log_pos = os.path.getsize(self.log_path)
		self.conn = None

	# -- setup -----------------------------------------------------------------

	def setup(self):
		admin = pgwire.Connection()
		admin.query('DROP DATABASE IF EXISTS %s' % DBNAME)
		admin.query("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' "
					"LC_COLLATE 'C' LC_CTYPE 'C'" % DBNAME)
		admin.close()
		conn = pgwire.Connection(DBNAME)
		with open(os.path.join(HERE, 'fixture.sql'), encoding='utf-8') as f:
			conn.query(f.read())
		# the counter must see a user function run, even one rolled back
		conn.query("BEGIN; SELECT fz.cnt_imm(1), '1'::fz.cnt_dom, fz.cnt_sql(1); ROLLBACK")
		calls = conn.query('SELECT calls FROM fzu.fingerprint()')[0][0]
		if calls != '3':
			raise SystemExit('fuzz: the call counter does not work (%s calls counted, 3 expected)' % calls)
		conn.query('ALTER SEQUENCE fzc.calls RESTART')
		# and the fingerprint must see a change in each of its parts
		base = conn.query('SELECT * FROM fzu.fingerprint()')[0]
		for part, change in ((1, 'CREATE TABLE fz.probe (a integer)'),
							 (2, 'ALTER TABLE fz.target ALTER COLUMN c SET DEFAULT 1'),
							 (3, "SELECT public.create_default_policy('probe', 'integer', '1')"),
							 (4, "SELECT public.add_column_with_default('public.other', 'probe', 'integer', '1')")):
			conn.query('BEGIN; ' + change)
			seen = conn.query('SELECT * FROM fzu.fingerprint()')[0]
			conn.query('ROLLBACK')
			if seen[part] == base[part]:
				raise SystemExit('fuzz: the fingerprint does not see: %s' % change)
		if conn.query('SELECT * FROM fzu.fingerprint()')[0] != base:
			raise SystemExit('fuzz: the fingerprint differs after a rollback')
		conn.close()
		self.connect()
		self.baseline = self.fingerprint()

	def connect(self):
		self.conn = pgwire.Connection(DBNAME)
		self.conn.query("SET statement_timeout = '%ds'; SET client_min_messages = notice"
						% self.args.timeout)

	def reconnect(self):
		"""After a broken connection: wait for the server to take
		connections again (crash recovery), then start afresh."""
		if self.conn:
			self.conn.close()
		deadline = time.time() + 120
		while True:
			try:
				self.connect()
				self.conn.query('ROLLBACK')
				self.baseline = self.fingerprint()
				return
			except (pgwire.ConnectionBroken, pgwire.PgError, OSError):
				if time.time() > deadline:
					raise
				time.sleep(1)

	def fingerprint(self):
		return tuple(self.conn.query('SELECT * FROM fzu.fingerprint()')[0])

	# -- one case --------------------------------------------------------------

	def fail(self, n, expr, typ, family, call, what, sql):
		seed = self.args.seed
		self.failures.append((n, call, what))
		if len(self.failures) > self.args.max_report:
			return
		os.makedirs(self.args.out, exist_ok=True)
		path = os.path.join(self.args.out, 'seed%s-case%d-%s.sql' % (seed, n, call))
		script = '-- defaults_policy fuzz: seed %s case %d (%s), %s\n-- %s\n' \
			'-- in a database with test/fuzz/fixture.sql loaded\n%s\n' % (
				seed, n, family, call, what.replace('\n', ' '), sql)
		with open(path, 'wb') as f:
			f.write(script.encode('utf-8', 'surrogateescape'))
		print('FAILURE seed %s case %d (%s) %s: %s' % (seed, n, family, call, what))
		print('  reproduce (psql, database with test/fuzz/fixture.sql loaded):')
		for line in shown(sql).split('\n'):
			print('    ' + line)
		print('  rerun: FUZZ_SEED=%s /usr/bin/python3 test/fuzz/run.py --only %d' % (seed, n))
		print('  reproducer file: %s' % path)
		sys.stdout.flush()

	def count(self, key):
		self.stats[key] = self.stats.get(key, 0) + 1

	def user_calls(self):
		names = sorted({m.get('M', '') for m in self.conn.notices
						if m.get('M', '').startswith('fuzz: user function')})
		return '; '.join(names) or 'no notice'

	def run_case(self, n):
		expr, typ, family = gen.case(self.args.seed, n, self.args.deep_scale)
		if (str(self.args.seed), n) in KNOWN_BAD:
			self.count('skipped (known bug)')
			return
		self.count('family ' + family)
		# invalid UTF-8 in the statement: the server refuses it before any
		# function runs, which is all there is to check
		readable = utf8_ok(expr) and utf8_ok(typ)
		self.outcome = {}
		for call, stmt in calls_for(expr, typ):
			sql = 'BEGIN;\n%s;\nROLLBACK;' % stmt
			problem = self.run_call(call, stmt, readable)
			if problem:
				self.fail(n, expr, typ, family, call, problem, sql)
				if problem.startswith('connection broke'):
					self.reconnect()
					return
				# start the next call from a clean state
				try:
					self.conn.query('ROLLBACK')
					self.baseline = self.fingerprint()
				except pgwire.ConnectionBroken:
					self.reconnect()
					return
		# not a failure, but worth a look: the calls disagree on a default
		o = self.outcome
		if readable and len(o) == 4 and (o['explain_add_column'] != o['create_default_policy']
										 or (o['check_default'] == 'ok') != (o['explain_add_column'] == 'ok')
										 or (o['explain_add_column'] == 'ok') != (o['add_column_with_default'] == 'ok')):
			self.notes.append('case %d: %s' % (n, ', '.join('%s %s' % kv for kv in o.items())))

	def run_call(self, call, stmt, readable):
		"""One call in a transaction rolled back; returns None or what went wrong."""
		base = self.baseline
		conn = self.conn
		conn.notices = []
		rows, err = None, None
		try:
			try:
				rows = conn.query('BEGIN; ' + stmt)
			except pgwire.PgError as e:
				err = e
			inside = None
			if err is None:
				inside = self.fingerprint()
			after = tuple(conn.query('ROLLBACK; SELECT * FROM fzu.fingerprint()')[0])
		except pgwire.ConnectionBroken as e:
			return 'connection broke (server crash?): %s' % e

		if err is not None:
			self.outcome[call] = err.sqlstate
		elif call == 'check_default':
			self.outcome[call] = 'ok' if rows and rows[0][0] == 't' else 'invalid'
		else:
			self.outcome[call] = 'ok'
		if not readable:
			self.count('statement with invalid UTF-8, refused with %s' % (err.sqlstate if err else 'nothing'))
			if err is None or err.sqlstate != '22021':
				return 'a statement holding invalid UTF-8 was not refused with 22021: %s' % (
					err or 'it ran')
		elif err is not None:
			self.count('%s error %s' % (call, err.sqlstate))
			if err.sqlstate == 'XX000':
				return 'internal error XX000: %s' % err.message
			if call == 'check_default' and not CHECK_DEFAULT_MAY_RAISE.match(err.sqlstate):
				return 'check_default raised %s instead of returning a verdict: %s' % (
					err.sqlstate, err.message)
		else:
			problem = self.check_result(call, rows)
			if problem:
				return problem

		kind = rows[0][0] if (rows and call == 'add_column_with_default') else None
		# (calls, outside, target, ext, audit)
		if inside is not None:
			if inside[1] != base[1]:
				return 'the user catalog outside the target changed inside the transaction'
			if call in ('check_default', 'explain_add_column', 'create_default_policy') and inside[2] != base[2]:
				return 'the target table changed inside the transaction'
			if call != 'create_default_policy' and inside[3] != base[3]:
				return 'the policy catalog or the allowlist changed inside the transaction'
			if call in ('check_default', 'explain_add_column') and inside[4] != base[4]:
				return 'the audit trail changed inside the transaction'
			if inside[0] != base[0] and kind != 'dynamic':
				return 'a user function ran (%s calls counted): %s' % (
					int(inside[0]) - int(base[0]), self.user_calls())
		if after[0] != base[0] and kind != 'dynamic':
			return 'a user function ran (%s calls counted): %s' % (
				int(after[0]) - int(base[0]), self.user_calls())
		for i, part in ((1, 'the user catalog'), (2, 'the target table'),
						(3, 'the policy catalog or the allowlist'), (4, 'the audit trail')):
			if after[i] != base[i]:
				return '%s differs after the rollback' % part
		if after[0] != base[0]:
			# an accepted dynamic default filled the column with a user function
			self.count('allowlisted user function ran while filling the column')
			self.baseline = after
		return None

	def check_result(self, call, rows):
		if call == 'check_default':
			if len(rows) != 1:
				return 'check_default returned %d rows' % len(rows)
			valid, kind, normalized, rewrites, reason = rows[0]
			if valid == 't':
				self.count('check_default valid ' + str(kind))
				if kind not in ('static', 'dynamic') or normalized is None or rewrites is None \
						or reason is not None:
					return 'malformed valid verdict: %r' % (rows[0],)
			elif valid == 'f':
				self.count('check_default invalid')
				if reason is None or reason == '' or normalized is not None:
					return 'malformed invalid verdict: %r' % (rows[0],)
			else:
				return 'verdict without validity: %r' % (rows[0],)
		else:
			self.count('%s ok' % call)
			if call == 'add_column_with_default' and (len(rows) != 1 or rows[0][0] not in ('static', 'dynamic')):
				return 'add_column_with_default returned %r' % (rows,)
			if call == 'create_default_policy' and (len(rows) != 1 or rows[0][1] not in ('static', 'dynamic')):
				return 'create_default_policy returned %r' % (rows,)
		return None

	def print_stats(self):
		st = self.stats
		print('    families: ' + ', '.join('%s %d' % (k[7:], v) for k, v in sorted(st.items())
										 if k.startswith('family ')))
		print('    check_default verdicts: valid static %d, valid dynamic %d, invalid %d' % (
			st.get('check_default valid static', 0), st.get('check_default valid dynamic', 0),
			st.get('check_default invalid', 0)))
		for call in ('check_default', 'explain_add_column', 'create_default_policy',
					 'add_column_with_default'):
			errs = sorted((k.split()[-1], v) for k, v in st.items() if k.startswith(call + ' error '))
			print('    %s: %d ok, %d errors (%s)' % (
				call, st.get(call + ' ok', 0) + st.get(call + ' valid static', 0)
				+ st.get(call + ' valid dynamic', 0) + st.get(call + ' invalid', 0),
				sum(v for _, v in errs), ', '.join('%s %d' % e for e in errs) or 'none'))
		for k, v in sorted(st.items()):
			if not k.startswith(('family ', 'check_default ', 'explain_add_column ',
								 'create_default_policy ', 'add_column_with_default ')):
				print('    %s: %d' % (k, v))

	# -- the server log ------------------------------------------------------

	def scan_log(self):
		"""New lines of the server log that tell of a crash."""
		if not self.log_path or not os.path.exists(self.log_path):
			return []
		with open(self.log_path, 'rb') as f:
			f.seek(self.log_pos)
			data = f.read()
		self.log_pos += len(data)
		text = data.decode('utf-8', 'replace')
		return [line for line in text.split('\n') if CRASH_IN_LOG.search(line)]

	# -- the run -------------------------------------------------------------

	def run(self):
		a = self.args
		start = time.time()
		self.setup()
		if not self.log_path:
			print('warning: server log not found; crashes show only as broken connections')
		if a.only:
			numbers = only_cases(a.only)
		else:
			numbers = list(range(a.first, a.first + a.cases))
		a.cases = len(numbers)
		print('fuzz: seed %s, %d cases (%s), server log %s' % (
			a.seed, a.cases, a.only or '%d..%d' % (a.first, a.first + a.cases - 1),
			self.log_path or '(none)'))
		sys.stdout.flush()
		batch_failed = []
		for i in range(0, len(numbers), a.batch):
			chunk = numbers[i:i + a.batch]
			lo, hi = chunk[0], chunk[-1] + 1
			before = len(self.failures)
			t0 = time.time()
			for n in chunk:
				self.run_case(n)
			crashes = self.scan_log()
			if crashes:
				self.failures.append((lo, 'server log', crashes[0]))
				print('FAILURE seed %s cases %d..%d: the server log tells of a crash:' % (a.seed, lo, hi - 1))
				for line in crashes[:20]:
					print('    ' + line)
			ok = len(self.failures) == before
			if not ok:
				batch_failed.append(lo)
			print('fuzz seed %s cases %d-%d (%.1f s) ... %s' % (a.seed, lo, hi - 1, time.time() - t0,
																'ok' if ok else 'FAILED'))
			sys.stdout.flush()
		elapsed = time.time() - start
		self.conn.close()
		print('--- fuzz summary: seed %s, %d cases, %d failures, %.1f s (%.1f cases/s)' % (
			a.seed, a.cases, len(self.failures), elapsed, a.cases / elapsed if elapsed else 0))
		print('    server log scanned for crashes: %s' % (self.log_path or 'none found'))
		self.print_stats()
		if self.notes:
			print('--- %d cases where the calls disagree (not failures; first ones):' % len(self.notes))
			for note in self.notes[:self.args.max_report]:
				print('    ' + note)
		if self.failures:
			kinds = {}
			for n, call, what in self.failures:
				kinds.setdefault('%s: %s' % (call, what[:120]), []).append(n)
			print('--- %d failures in %d batches, by kind (cases):' % (len(self.failures), len(batch_failed)))
			for k, ns in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
				print('    %d x %s (%s%s)' % (len(ns), k, ', '.join(map(str, ns[:10])),
										   ', ...' if len(ns) > 10 else ''))
			print('--- first ones:')
			for n, call, what in self.failures[:50]:
				print('    case %s %s: %s' % (n, call, what))
		return 1 if self.failures else 0


def only_cases(spec):
	"""Case numbers from "3,10-12": [3, 10, 11, 12]."""
	out = []
	for part in spec.split(','):
		if '-' in part:
			lo, hi = part.split('-')
			out.extend(range(int(lo), int(hi) + 1))
		elif part.strip():
			out.append(int(part))
	return out


def find_server_log():
	"""The log of the cluster on PGPORT, from pg_lsclusters."""
	port = os.environ.get('PGPORT')
	try:
		out = subprocess.run(['pg_lsclusters', '-h'], capture_output=True, text=True, timeout=30).stdout
	except (OSError, subprocess.SubprocessError):
		return None
	for line in out.splitlines():
		f = line.split()
		if len(f) >= 7 and f[2] == port:
			return f[-1]
	return None


def main():
	p = argparse.ArgumentParser(description='fuzz the defaults_policy validation engine')
	p.add_argument('--cases', type=int, default=int(os.environ.get('FUZZ_CASES', '2000')))
	p.add_argument('--seed', default=os.environ.get('FUZZ_SEED', '1'))
	p.add_argument('--first', type=int, default=int(os.environ.get('FUZZ_FIRST', '0')))
	p.add_argument('--batch', type=int, default=100)
	p.add_argument('--only', help='these cases only, e.g. "3,10-12" (instead of --first, --cases)')
	p.add_argument('--timeout', type=int, default=20, help='statement_timeout, seconds')
	p.add_argument('--deep-scale', type=float, default=1.0,
				   help='scale of the nesting depths and lengths of the deep family')
	p.add_argument('--server-log', default=os.environ.get('FUZZ_SERVER_LOG'))
	p.add_argument('--out', default=os.environ.get('FUZZ_OUT', os.path.join(
		tempfile.gettempdir(), 'dp_fuzz_failures.%d' % os.getuid())))
	p.add_argument('--max-report', type=int, default=50)
	p.add_argument('--show', action='store_true', help='print the cases, run nothing')
	args = p.parse_args()
	if args.show:
		for n in (only_cases(args.only) if args.only else range(args.first, args.first + args.cases)):
			expr, typ, family = gen.case(args.seed, n, args.deep_scale)
			print('-- case %d (%s)' % (n, family))
			for call, stmt in calls_for(expr, typ):
				print(shown(stmt, 2000) + ';')
		return 0
	return Fuzz(args).run()


if __name__ == '__main__':
	sys.exit(main())
