#
# test/fuzz/gen.py: a seeded, grammar-based generator of default expressions
# and column types for the defaults_policy fuzzer.
#
# case(seed, n) returns (expression, column_type, family) and depends on
# nothing but its arguments: the same seed and case number give the same
# case on any machine.  Strings may hold lone surrogates ("\udcXX"); the
# runner sends them as the raw byte XX (invalid UTF-8), on purpose.
#
# Names come from test/fuzz/fixture.sql; the generator never names schema
# fzc (the call counter) or fzu (the runner's helpers).
#

import random

# -- vocabulary ---------------------------------------------------------------

SPECIAL_WORDS = ['now', 'today', 'tomorrow', 'yesterday', 'NOW', ' Today ',
				 'tomorrow 10:00', 'yesterday allballs', 'now()', 'epoch',
				 'infinity', '-infinity', 'allballs', 'TODAY', 'tOmOrRoW']

# built-in types with literals that read back
LITERALS = {
	'integer': ['0', '1', '-1', '2147483647', '-2147483648', '2147483648', '007', ' 42 ', '1e3', 'x'],
	'smallint': ['0', '32767', '-32768', '32768', '1'],
	'bigint': ['9223372036854775807', '-9223372036854775808', '9223372036854775808', '5'],
	'numeric': ['0', '1.5', '-0.000', 'NaN', 'Infinity', '-Infinity', '1e1000', '1e-1000', '12345678901234567890.123', '1e131072'],
	'real': ['1.5', 'NaN', 'inf', '3.4e39', '1e-50', '-0'],
	'double precision': ['1.5e308', '1e309', 'NaN', '-Infinity', '4.9e-324', '0.1'],
	'boolean': ['t', 'f', 'true', 'yes', 'off', '1', 'maybe'],
	'text': ['', 'hello', "it''s", 'now', 'today', 'a\\b', '\u00e9\u4e2d\U0001f600', 'NULL', '\\x00'],
	'varchar(3)': ['abc', 'abcd', 'ab ', '\u00e9\u00e9\u00e9\u00e9'],
	'character(2)': ['a', 'abc', 'ab   '],
	'name': ['n', 'x' * 70],
	'"char"': ['a', 'ab', ''],
	'bytea': ['\\xdeadbeef', '\\x', 'abc', '\\xzz', '\\000'],
	'date': ['2024-01-31', '2024-02-30', 'epoch', 'infinity', 'today', 'tomorrow', '4714-11-24 BC', '5874897-12-31', 'J2451187', '99999-01-01'],
	'time': ['12:00', '24:00:00', '24:00:01', 'allballs', 'now', '04:05:06.789'],
	'time with time zone': ['12:00+02', '04:05:06 PST', 'now', '25:00+00'],
	'timestamp': ['2024-01-31 12:00', 'infinity', 'now', 'today', 'epoch', '294277-01-01', 'tomorrow 10:00', 'yesterday'],
	'timestamp with time zone': ['2024-01-31 12:00+00', 'now', 'epoch', 'infinity', 'today', '2024-01-31 12:00 Europe/Paris', '2024-01-31 12:00 Nowhere/Land'],
	'interval': ['1 day', '1 year 2 months', 'P1Y2M3DT4H5M6S', '@ 1 minute ago', '178956970 years', '1 fortnight', '-1 day +2 hours'],
	'uuid': ['00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'not-a-uuid', '{a0eebc999c0b4ef8bb6d6bb9bd380a11}'],
	'json': ['{}', '[1,2]', '{"a":', 'null', '"\\u0000"'],
	'jsonb': ['{}', '{"a": [1, 2]}', '"\\u0000"', '[', '1e1000', '{"now": "today"}'],
	'xml': ['<a/>', '<a>', 'text'],
	'inet': ['127.0.0.1', '::1', '10.0.0.0/8', '300.1.1.1'],
	'cidr': ['10.0.0.0/8', '10.0.0.1/8'],
	'macaddr': ['08:00:2b:01:02:03', 'xx'],
	'macaddr8': ['08:00:2b:01:02:03:04:05'],
	'money': ['12.34', '$1,000.00', '92233720368547758.08'],
	'bit(4)': ['1010', '10', '102'],
	'bit varying': ['1', '', '10101'],
	'point': ['(1,2)', '(1,', '(NaN,Infinity)'],
	'line': ['{1,2,3}', '{0,0,1}'],
	'lseg': ['[(0,0),(1,1)]'],
	'box': ['(1,1),(0,0)'],
	'path': ['[(0,0),(1,1)]', '((0,0))'],
	'polygon': ['((0,0),(1,1),(1,0))'],
	'circle': ['<(0,0),1>', '<(0,0),-1>'],
	'tsvector': ['a fat cat', "'a':1A"],
	'tsquery': ['fat & cat', '!', 'a <-> b'],
	'oid': ['0', '4294967295', '4294967296'],
	'regclass': ['pg_class', 'fz.target', 'nosuch', 'fzc.calls'],
	'regtype': ['integer', 'fz.cnt_dom', 'int[]', 'nosuch'],
	'regproc': ['now', 'fz.cnt_vol', 'abs'],
	'regprocedure': ['now()', 'fz.cnt_imm(integer)', 'abs(int)'],
	'regoper': ['+', '#+#'],
	'regrole': ['postgres', 'nosuch'],
	'regnamespace': ['fz', 'pg_catalog'],
	'regconfig': ['english', 'simple'],
	'regcollation': ['"C"', 'fz.coll'],
	'pg_lsn': ['0/0', 'FFFFFFFF/FFFFFFFF', 'x/y'],
	'int4range': ['[1,5)', 'empty', '(,)', '[5,1]', '[today,)'],
	'int8range': ['[1,)', '(1,2]'],
	'numrange': ['[1.5,NaN)', '[-Infinity,Infinity]'],
	'tsrange': ['[2024-01-01,2024-02-01)', '[today,)', '[,now]', '[epoch,infinity)'],
	'tstzrange': ['[now,)', '[2024-01-01 00:00+00,)', '(yesterday,tomorrow)'],
	'daterange': ['[2024-01-01,2024-02-01)', '[today,)', '(,)'],
	'int4multirange': ['{[1,2),[3,4)}', '{}', '{[today,)}'],
	'datemultirange': ['{[today,)}', '{[2024-01-01,)}'],
	'tstzmultirange': ['{[now,)}'],
	'jsonpath': ['$.a', '$[*] ? (@ > 1)', '$.datetime()', 'strict $.now'],
	'txid_snapshot': ['10:20:10,14,15', 'x'],
	'pg_snapshot': ['10:20:'],
	'xid': ['1', '4294967295'],
	'xid8': ['1'],
	'cid': ['0'],
	'tid': ['(0,1)', '(1,'],
	'int2vector': ['1 2 3'],
	'oidvector': ['1 2'],
	'aclitem': ['postgres=arwdDxt/postgres', 'x'],
	'pg_node_tree': ['{CONST}'],
	'integer[]': ['{1,2,3}', '{}', '{{1},{2}}', '{{1},{2,3}}', '{NULL}', '[0:1]={1,2}', '{'],
	'text[]': ['{now,today}', '{"a,b",NULL}', '{}'],
	'date[]': ['{today}', '{2024-01-01,tomorrow}'],
	'timestamptz[]': ['{now}', '{{now}}'],
	'record': ['(1,2)'],
}

USER_LITERALS = {
	'fz.pos': ['1', '0', '-5', '999'],
	'fz.pos2': ['5', '1000'],
	'fz.short': ['ab', 'abcd'],
	'fz.cnt_dom': ['1', '0', '13'],
	'fz.cnt_dom2': ['1', '13'],
	'fz.over_cnt': ['1', '-1'],
	'fz.cnt_sql_dom': ['1', '-1'],
	'fz.cnt_arr_dom': ['{1,2}', '{}'],
	'fz.cnt_txt_dom': ['x', ''],
	'fz.cnt_ts_dom': ['2024-01-01 00:00+00', 'now'],
	'fz.mood': ['ok', 'happy', 'angry'],
	'fz.pair': ['(1,x)', '(1,now)', '(,)', '(1'],
	'fz.comp_cnt': ['(1,2)', '(1,)'],
	'fz.comp_ts': ['(now,1)', '(2024-01-01 00:00+00,1)', '(1,now)'],
	'fz.comp_nest': ['("(1,2)","(3,y)")'],
	'fz.pair_dom': ['(1,x)'],
	'fz.pair_safe': ['(1,x)', '(0,x)'],
	'fz.cnt_range': ['[1,5)', 'empty', '[1,)'],
	'fz.safe_range': ['[1,5)', '[0,5)'],
	'fz.diff_range': ['[1.5,2.5)'],
	'fz.cnt_multirange': ['{[1,2)}', '{}'],
	'fz.safe_multirange': ['{[1,2)}'],
	'fz.row_safe': ['(1,a)'],
	'fz.row_cnt': ['(1,2)'],
	'fz.target': ['(1,a,1)'],
	'fz.cnt_dom[]': ['{1,2}', '{}'],
	'fz.pos[]': ['{1,2}', '{0}'],
	'fz.pair[]': ['{"(1,x)"}', '{"(1,now)"}'],
	'fz.comp_ts[]': ['{"(now,1)"}', '{"(2024-01-01 00:00+00,1)"}'],
	'fz.cnt_range[]': ['{"[1,2)"}'],
	'fz.mood[]': ['{ok,sad}'],
}

# column types: built-ins (typmods valid and not), arrays, user types
BUILTIN_TYPES = [
	'integer', 'int', 'int4', 'smallint', 'bigint', 'numeric', 'real', 'float8',
	'double precision', 'boolean', 'text', 'name', '"char"', 'bytea', 'date',
	'time', 'timetz', 'timestamp', 'timestamptz', 'interval', 'uuid', 'json',
	'jsonb', 'xml', 'inet', 'cidr', 'macaddr', 'macaddr8', 'money', 'point',
	'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'tsvector', 'tsquery',
	'oid', 'regclass', 'regtype', 'regproc', 'regprocedure', 'regrole',
	'regnamespace', 'regconfig', 'pg_lsn', 'int4range', 'int8range', 'numrange',
	'tsrange', 'tstzrange', 'daterange', 'int4multirange', 'datemultirange',
	'tstzmultirange', 'jsonpath', 'txid_snapshot', 'pg_snapshot', 'xid', 'xid8',
	'cid', 'tid', 'int2vector', 'oidvector', 'aclitem', 'pg_node_tree',
	'bit varying', 'character varying', 'timestamp with time zone',
	'time with time zone', 'timestamp without time zone', 'bpchar',
	'pg_catalog.int4', 'pg_catalog."timestamptz"', 'PG_CATALOG.TEXT',
]
TYPMOD_TYPES = [
	('varchar', 1), ('character varying', 1), ('char', 1), ('character', 1),
	('numeric', 2), ('decimal', 2), ('bit', 1), ('varbit', 1), ('timestamp', 1),
	('timestamptz', 1), ('time', 1), ('timetz', 1), ('interval', 1), ('float', 1),
	('int', 1), ('text', 1), ('fz.pos', 1), ('interval day to second', 1),
]
USER_TYPES = list(USER_LITERALS.keys()) + ['fz.pair_dom[]', 'fz.cnt_dom2[]', 'public.other']
PSEUDO_TYPES = [
	'anyelement', 'anyarray', 'anynonarray', 'anyenum', 'anyrange', 'anymultirange',
	'anycompatible', 'anycompatiblearray', 'record', 'void', 'trigger',
	'event_trigger', 'cstring', 'internal', 'unknown', 'language_handler',
	'fdw_handler', 'index_am_handler', 'tsm_handler', 'table_am_handler',
	'pg_ddl_command', 'record[]', 'opaque', 'any', '"any"',
]

IMMUTABLE_FUNCS = [
	'abs({n})', 'lower({t})', 'upper({t})', 'length({t})', 'substr({t}, {n})',
	'md5({t})', 'coalesce({e}, {e})', 'greatest({n}, {n})', 'least({e}, {e})',
	'nullif({e}, {e})', 'make_interval(days => {n})', 'make_interval(hours := {n}, mins => 1)',
	'make_date(2024, 1, {n})', "date_trunc('day', {ts})", 'round({n}::numeric, 2)',
	'sqrt({n})', 'power({n}, {n})', 'repeat({t}, {n})', 'lpad({t}, {n})',
	"split_part({t}, ',', {n})", 'array_length({a}, 1)', 'array_fill({n}, ARRAY[{n}])',
	'int4range({n}, {n})', 'tstzrange({ts}, NULL)', 'numrange(1, 2, \'[]\')',
	'jsonb_build_array({e})', "jsonb_set('{{}}'::jsonb, '{{a}}', '1')",
	'gcd({n}, {n})', 'chr({n})', 'ascii({t})', 'encode({t}::bytea, \'hex\')',
	"decode({t}, 'hex')", 'to_hex({n})', "format('%s', {e})", 'quote_literal({t})',
	'generate_series(1, {n})', 'unnest({a})', 'regexp_replace({t}, {t}, {t})',
	"convert_from('\\xff'::bytea, 'UTF8')", "convert_to({t}, 'LATIN1')",
	"timezone('UTC', {ts})", 'int4({t})', 'num_nonnulls({e}, {e})',
	'pg_catalog.int8pl({n}, {n})', 'range_merge({r}, {r})', 'isfinite({ts})',
	'width_bucket({n}, 0, 10, 5)', 'jsonb_path_query_first({j}, \'$.a\')',
	"jsonb_path_exists({j}, '$.datetime()')",
]
OTHER_FUNCS = [
	# allowlisted by the extension
	'now()', 'transaction_timestamp()', 'statement_timestamp()', 'clock_timestamp()',
	'gen_random_uuid()', "nextval('fz.seq')", "nextval('fz.seq'::regclass)",
	'pg_catalog.now()', 'now() + interval \'1 day\'', 'now() - {iv}',
	# stable or volatile built-ins, never allowlisted
	'random()', 'pg_backend_pid()', "current_setting('search_path')",
	'timeofday()', 'txid_current()', "to_char(now(), 'YYYY')", 'concat({e}, {e})',
	"set_config('search_path', 'fz', false)", 'pg_sleep(0)', "setval('fz.seq', 5)",
	'pg_terminate_backend(pg_backend_pid())', 'pg_cancel_backend(pg_backend_pid())',
	"pg_read_file('/etc/hostname')", 'pg_reload_conf()', "currval('fz.seq')",
	"lo_import('/etc/hostname')", "pg_advisory_lock(1)", "pg_notify('x', 'y')",
	"txid_current_if_assigned()", "to_timestamp({n})", "age({ts})",
	"current_database()", "version()", "pg_my_temp_schema()", "inet_client_addr()",
	"query_to_xml('select 1', true, true, '')", "ts_rewrite('a'::tsquery, 'select 1')",
	"pg_catalog.pg_get_viewdef('pg_class'::regclass)", "jsonb_path_query_first({j}, '$.datetime()')",
	# user functions, all counting
	'fz.cnt_imm({n})', 'fz.cnt_stable()', 'fz.cnt_stable(x => {n})', 'fz.cnt_vol()',
	'fz.cnt_sql({n})', 'fz.cnt_sql_const()', 'fz.cnt_text({t})',
	'fz.cnt_named(b => {n}, a => {n})', 'fz.cnt_named({n}, c := {t})',
	'fz.cnt_variadic({n}, {n})', 'fz.cnt_variadic(VARIADIC ARRAY[{n}])',
	'fz.cnt_srf()', 'fz.cnt_ts()', 'fz.allowed_ts()', 'fz.allowed_ts() + {iv}',
	'now()', 'public.now()', 'abs({n})', 'public.abs({n})', 'fz.cnt_agg({n})',
	'fz.cnt_bool({n})', 'fz.cnt_anybool({e})', 'fz.int_to_pair({n})',
	'fz.cnt_range({n}, {n})', 'fz.safe_range(1, 5)', 'fz.cnt_multirange()',
	'fz.cnt_diff(1, 2)', 'fz.mood_to_int(\'ok\')',
	# aggregates, windows
	'count(*)', 'sum({n})', 'row_number() OVER ()', 'max({n}) FILTER (WHERE true)',
	'array_agg({n} ORDER BY 1)',
]
SQL_VALUE_FUNCS = [
	'CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP(3)', 'CURRENT_DATE', 'CURRENT_TIME',
	'CURRENT_TIME(0)', 'LOCALTIMESTAMP', 'LOCALTIMESTAMP(6)', 'LOCALTIME', 'LOCALTIME(2)',
	'CURRENT_USER', 'CURRENT_ROLE', 'USER', 'SESSION_USER', 'CURRENT_CATALOG',
	'CURRENT_SCHEMA',
]
BINOPS = ['+', '-', '*', '/', '%', '^', '||', '=', '<>', '!=', '<', '>', '<=', '>=',
		  'AND', 'OR', '@>', '<@', '&&', '->', '->>', '#>', '?', '~', '~~', '!~',
		  'LIKE', 'ILIKE', 'NOT LIKE', 'SIMILAR TO', 'IS DISTINCT FROM',
		  'IS NOT DISTINCT FROM', '#+#', 'OPERATOR(fz.#+#)', 'OPERATOR(pg_catalog.+)',
		  'OPERATOR(public.+)', '<<', '>>', '&', '|', '#', '-|-', '<->', '@@', 'AT TIME ZONE',
		  'COLLATE "C" ||', 'OVERLAPS']
PREOPS = ['-', '+', 'NOT ', '@', '~', '|/', '||/', '!!', 'OPERATOR(pg_catalog.-) ']
POSTOPS = [' IS NULL', ' IS NOT NULL', ' IS TRUE', ' IS UNKNOWN', ' ISNULL',
		   ' IS DOCUMENT', ' IS NORMALIZED', ' IS JSON', ' COLLATE "C"',
		   ' COLLATE fz.coll', ' AT TIME ZONE \'UTC\'', ' AT LOCAL']
FORBIDDEN = [
	'id', 'note', 'fz.target.id', 'target.c', '$1', '$0', '*', 'excluded.id',
	'(SELECT 1)', 'EXISTS (SELECT 1)', 'ARRAY(SELECT 1)', '(SELECT fz.cnt_vol())',
	'(SELECT count(*) FROM fz.target)', '1 IN (SELECT fz.cnt_imm(1))',
	'(WITH x AS (SELECT fz.cnt_vol()) SELECT 1)', '(VALUES (1))',
	'GROUPING(1)', 'DEFAULT', 'xmin', 'ctid', 'tableoid', 'CURRENT OF c',
]
SUFFIXES = ['; DROP TABLE fz.target', '; SELECT fz.cnt_vol()', ' FROM pg_class',
			' WHERE false', ', 2', ' AS x', ' x', ' ORDER BY 1', ' LIMIT 1', ')',
			' UNION SELECT 1', '; COMMIT', ';', ';;', '\\', ' -- tail', ' /* tail */']
PREFIXES = ['DISTINCT ', 'ALL ', 'SELECT ', '(', 'VARIADIC ', 'ROW ', 'TABLE ']


def sq(s):
	"""A standard-conforming string literal."""
	return "'" + s.replace("'", "''") + "'"


class Gen:
	def __init__(self, rng, budget):
		self.r = rng
		self.budget = budget        # nodes left for this expression

	def pick(self, seq):
		return seq[self.r.randrange(len(seq))]

	def chance(self, p):
		return self.r.random() < p

	# -- atoms ---------------------------------------------------------------

	def number(self):
		r = self.r
		return self.pick([
			lambda: str(r.randint(-3, 100)),
			lambda: str(r.randint(-2 ** 63, 2 ** 63)),
			lambda: '%d.%d' % (r.randint(0, 10 ** 6), r.randint(0, 999)),
			lambda: '%de%d' % (r.randint(1, 9), r.randint(-400, 400)),
			lambda: '0x1F', lambda: '0b101', lambda: '1_000', lambda: '.5',
			lambda: '1' * r.randint(1, 200), lambda: '-0', lambda: '5.',
		])()

	def string_body(self):
		r = self.r
		choice = r.randrange(10)
		if choice < 3:
			return self.pick(SPECIAL_WORDS)
		if choice < 5:
			return self.pick(self.pick(list(LITERALS.values())))
		if choice < 6:
			return ''.join(chr(r.randint(32, 126)) for _ in range(r.randint(0, 20)))
		if choice < 7:
			return ''.join(chr(r.choice([r.randint(0x80, 0x7ff), r.randint(0x800, 0xd7ff),
										  r.randint(0xe000, 0x10ffff)]))
						   for _ in range(r.randint(1, 8)))
		if choice < 8:
			return '{' + ','.join(self.pick(SPECIAL_WORDS + ['1', 'NULL', '"a"'])
								  for _ in range(r.randint(0, 3))) + '}'
		if choice < 9:
			return '(' + ','.join(self.pick(SPECIAL_WORDS + ['1', '', 'x'])
								  for _ in range(r.randint(1, 3))) + ')'
		return self.pick(['[', '(']) + self.pick(SPECIAL_WORDS + ['1', '']) + ',' + \
			self.pick(SPECIAL_WORDS + ['5', '']) + self.pick([']', ')'])

	def quoted(self, body):
		"""A string constant in one of PostgreSQL's spellings."""
		r = self.r
		k = r.randrange(12)
		if k < 6:
			return sq(body)
		if k == 6:
			return "E'" + body.replace('\\', '\\\\').replace("'", "\\'") + "'"
		if k == 7:
			tag = self.pick(['', 'q', 'x1', 'ab_c'])
			if '$' + tag + '$' in body:
				return sq(body)
			return '$' + tag + '$' + body + '$' + tag + '$'
		if k == 8:
			return "U&'" + ''.join('\\%04X' % ord(c) if ord(c) < 0x10000 else '\\+%06X' % ord(c)
								   for c in body) + "'"
		if k == 9:
			# string continuation across a newline
			h = len(body) // 2
			return sq(body[:h]) + '\n' + sq(body[h:])
		if k == 10:
			return "B'101'" if self.chance(0.5) else "X'1F'"
		return "N" + sq(body)

	def literal(self):
		r = self.r
		k = r.randrange(10)
		if k < 5:
			typ = self.pick(list(LITERALS.keys()))
			val = self.pick(LITERALS[typ])
		elif k < 8:
			typ = self.pick(list(USER_LITERALS.keys()))
			val = self.pick(USER_LITERALS[typ])
		else:
			typ = self.pick(list(LITERALS.keys()) + list(USER_LITERALS.keys()))
			val = self.string_body()
		s = self.quoted(val)
		form = r.randrange(6)
		if form == 0:
			return s
		if form == 1 and not typ.endswith(']') and '(' not in typ:
			return typ + ' ' + s
		if form == 2:
			return 'CAST(%s AS %s)' % (s, typ)
		return s + '::' + typ

	def atom(self):
		r = self.r
		k = r.randrange(20)
		if k < 4:
			return self.number()
		if k < 11:
			return self.literal()
		if k < 13:
			return self.quoted(self.string_body())
		if k < 14:
			return self.pick(['NULL', 'true', 'false', 'TRUE', 'null::integer', 'DEFAULT'])
		if k < 16:
			return self.pick(SQL_VALUE_FUNCS)
		if k < 17:
			return self.pick(FORBIDDEN)
		return self.function(leaf=True)

	# -- recursive productions -------------------------------------------------

	def fill(self, template):
		fillers = {
			'n': lambda: self.expr() if self.chance(0.3) else self.number(),
			't': lambda: self.expr() if self.chance(0.3) else self.quoted(self.string_body()),
			'e': self.expr,
			'a': lambda: self.pick(['ARRAY[1, 2]', "'{1,2}'::int[]", "'{now}'::text[]", 'ARRAY[%s]' % self.expr()]),
			'ts': lambda: self.pick(['now()', "'2024-01-01 00:00+00'::timestamptz", "timestamptz 'today'",
									 'CURRENT_TIMESTAMP', "'now'", self.expr()]),
			'iv': lambda: self.pick(["interval '1 day'", "'1 hour'::interval", 'make_interval(days => 1)', self.expr()]),
			'r': lambda: self.pick(["'[1,5)'::int4range", 'int4range(1, 2)', "'[today,)'::daterange"]),
			'j': lambda: self.pick(["'{\"a\": 1}'::jsonb", "'\"2024-01-01\"'::jsonb", "'\"now\"'::jsonb"]),
		}
		out = []
		i = 0
		while i < len(template):
			c = template[i]
			if c == '{' and template[i + 1:i + 2] == '{':
				out.append('{')
				i += 2
			elif c == '}' and template[i + 1:i + 2] == '}':
				out.append('}')
				i += 2
			elif c == '{':
				j = template.index('}', i)
				out.append(fillers[template[i + 1:j]]())
				i = j + 1
			else:
				out.append(c)
				i += 1
		return ''.join(out)

	def function(self, leaf=False):
		if leaf:
			name = self.pick(['now()', 'random()', 'gen_random_uuid()', 'fz.cnt_vol()',
							  'fz.cnt_stable()', 'fz.allowed_ts()', 'pg_backend_pid()',
							  'fz.cnt_sql_const()', 'public.now()', 'clock_timestamp()',
							  "nextval('fz.seq')", 'fz.cnt_ts()', 'pi()', 'gen_random_uuid()::text'])
			return name
		if self.chance(0.5):
			return self.fill(self.pick(IMMUTABLE_FUNCS))
		return self.fill(self.pick(OTHER_FUNCS))

	def type_name(self):
		k = self.r.randrange(10)
		if k < 5:
			return self.pick(BUILTIN_TYPES)
		if k < 8:
			return self.pick(USER_TYPES)
		if k < 9:
			return column_type_builtin_typmod(self)
		return self.pick(PSEUDO_TYPES)

	def expr(self):
		self.budget -= 1
		if self.budget <= 0:
			return self.atom()
		r = self.r
		k = r.randrange(100)
		if k < 25:
			return self.atom()
		if k < 40:
			return '%s %s %s' % (self.expr(), self.pick(BINOPS), self.expr())
		if k < 44:
			return self.pick(PREOPS) + self.expr()
		if k < 47:
			return self.expr() + self.pick(POSTOPS)
		if k < 57:
			return self.function()
		if k < 64:
			e = self.expr()
			t = self.type_name()
			return self.pick(['(%s)::%s' % (e, t), 'CAST(%s AS %s)' % (e, t), '%s::%s' % (e, t)])
		if k < 68:
			return '(%s)' % self.expr()
		if k < 73:
			n = r.randint(0, 3)
			return 'ARRAY[%s]' % ', '.join(self.expr() for _ in range(n)) + \
				self.pick(['', '', '[1]', '[1:2]', '::int[]', '::text[]', '::fz.cnt_dom[]', '::fz.pos[]'])
		if k < 77:
			n = r.randint(1, 3)
			row = self.pick(['ROW', '']) + '(%s)' % ', '.join(self.expr() for _ in range(n))
			if n == 1 and not row.startswith('ROW'):
				row = 'ROW' + row
			return row + self.pick(['', '::fz.pair', '::fz.comp_cnt', '::fz.comp_ts', '::fz.pair_dom',
									'::fz.row_cnt', '::fz.pair_safe', '::fz.target', '::record'])
		if k < 79:
			return '(%s).%s' % (self.expr(), self.pick(['a', 'b', 't', 'p', '*', 'f1', 'id']))
		if k < 83:
			return 'CASE WHEN %s THEN %s ELSE %s END' % (self.expr(), self.expr(), self.expr())
		if k < 85:
			return 'CASE %s WHEN %s THEN %s END' % (self.expr(), self.expr(), self.expr())
		if k < 87:
			return '%s %sIN (%s)' % (self.expr(), self.pick(['', 'NOT ']),
									 ', '.join(self.expr() for _ in range(r.randint(1, 3))))
		if k < 89:
			return '%s BETWEEN %s AND %s' % (self.expr(), self.expr(), self.expr())
		if k < 91:
			return self.pick(['EXTRACT(year FROM %s)', 'SUBSTRING(%s FROM 1 FOR 2)', 'TRIM(BOTH FROM %s)',
							  'POSITION(\'a\' IN %s)', 'OVERLAY(%s PLACING \'x\' FROM 1)',
							  'NORMALIZE(%s)', 'XMLELEMENT(name a, %s)', 'COLLATION FOR (%s)',
							  'TREAT(%s AS integer)', '%s = ANY (ARRAY[1])', '%s > ALL (\'{1}\')']) % self.expr()
		if k < 93:
			return self.pick(FORBIDDEN)
		if k < 95:
			return self.comment() + self.expr() + self.comment()
		if k < 97:
			return self.expr() + self.pick(['::int[]', '[1]', '[1][2]', '[:]', '.a', '::fz.cnt_dom',
											'::fz.mood', '::fz.pair', '::fz.cnt_range', '::regclass'])
		return self.pick(['%s IS OF (integer)', 'GREATEST(%s, point \'(1,1)\')', '%s::text::integer',
						  'COALESCE(%s)', 'NULLIF(%s, NULL)', 'ARRAY[%s] @> ARRAY[1]']) % self.expr()

	def comment(self):
		return self.pick([' ', '/* c */', '/* /* nested */ */', '--x\n', ' \t\n', '/**/', '/* ; */',
						  '/*' + self.quoted("'") + '*/', '\u00a0', '\r\n'])


# -- column types ---------------------------------------------------------------

def column_type_builtin_typmod(g):
	r = g.r
	base, n = g.pick(TYPMOD_TYPES)
	mods = []
	for _ in range(r.choice([n, n, n, 1, 2, 3])):
		mods.append(g.pick([str(r.randint(0, 20)), str(r.randint(-5, 1100)), str(2 ** 31),
							'x', '1.5', "'3'", '', '10485761']))
	if base == 'interval day to second':
		return 'interval day to second(%s)' % ','.join(mods)
	return '%s(%s)' % (base, ','.join(mods))


def column_type(g):
	r = g.r
	k = r.randrange(100)
	if k < 30:
		t = g.pick(BUILTIN_TYPES)
	elif k < 45:
		t = column_type_builtin_typmod(g)
	elif k < 70:
		t = g.pick(USER_TYPES)
	elif k < 78:
		t = g.pick(PSEUDO_TYPES)
	elif k < 82:
		t = g.pick(['interval year', 'interval hour to minute', 'interval second(3)',
					'timestamp(3) with time zone', 'time(2) without time zone', 'bit',
					'national character varying(4)', 'char varying(2)', 'double precision[]',
					'setof integer', 'integer[3][3]', 'integer ARRAY', 'integer ARRAY[4]',
					'fz.target.id%TYPE', 'fz.target%ROWTYPE', 'int4[', 'int;', 'int; DROP TABLE fz.target',
					'', ' ', 'integer collate "C"', 'text COLLATE "C"', '"INTEGER"', '"integer"',
					'integer not null', 'integer default 1', 'public.int4', 'nosuch.int4',
					'fzc.calls', 'pg_catalog.pg_class', 'pg_class', 'information_schema.sql_identifier',
					'pg_catalog.pg_type[]', 'fz.seq', 'fz.target_pkey', 'fz', 'a.b.c.d',
					'"' + 'x' * 100 + '"', 'x' * 100, 'int4 int4', '$1', 'int4::text',
					'integer /* c */', 'integer --c', '(integer)'])
	elif k < 88:
		# garbage
		t = ''.join(chr(r.randint(1, 127)) for _ in range(r.randint(0, 30)))
	elif k < 90:
		t = ''.join(chr(r.choice([r.randint(1, 0xd7ff), r.randint(0xe000, 0x10ffff)]))
					for _ in range(r.randint(1, 20)))
	elif k < 92:
		t = g.pick(['int\udcff', '\udcc3(', 'text\udce2\udc82', 'fz.\udcfemood'])
	else:
		t = g.pick(BUILTIN_TYPES + USER_TYPES)
		t = t + g.pick(['[]', '[][]', '[]', ' ARRAY'])
	return t



# -- well-typed defaults ------------------------------------------------------------
#
# Most random text is refused early; this family builds defaults that fit
# their column type, so the later stages (evaluation, typmods, domain
# checks, adding the column) run too, with a user function, a counting
# domain or a special word slipped in now and then.

def typed(g, typ, depth):
	"""An expression of type typ (one of TYPED's keys)."""
	r = g.r
	if depth <= 0 or r.random() < 0.3:
		return g.pick(TYPED[typ]['leaf'])(g)
	if r.random() < 0.08:
		# the poison: something validation must refuse without running it
		return g.pick(TYPED[typ].get('poison', ['fz.cnt_imm(1)']))
	return g.pick(TYPED[typ]['node'])(g, depth - 1)


def _n(g):
	return str(g.r.randint(-5, 1000))


TYPED = {
	'integer': {
		'leaf': [_n, lambda g: 'length(%s)' % g.quoted(g.string_body()), lambda g: "'%s'::integer" % g.r.randint(0, 99),
				 lambda g: 'integer %s' % g.quoted(str(g.r.randint(0, 9)))],
		'node': [lambda g, d: '(%s %s %s)' % (typed(g, 'integer', d), g.pick(['+', '-', '*', '/', '%']), typed(g, 'integer', d)),
				 lambda g, d: 'abs(%s)' % typed(g, 'integer', d),
				 lambda g, d: 'greatest(%s, %s)' % (typed(g, 'integer', d), typed(g, 'integer', d)),
				 lambda g, d: 'coalesce(NULL, %s)' % typed(g, 'integer', d),
				 lambda g, d: 'CASE WHEN %s THEN %s ELSE %s END' % (typed(g, 'boolean', d), typed(g, 'integer', d), typed(g, 'integer', d)),
				 lambda g, d: 'length(%s)' % typed(g, 'text', d),
				 lambda g, d: 'array_length(%s, 1)' % typed(g, 'integer[]', d),
				 lambda g, d: '(%s)[1]' % typed(g, 'integer[]', d),
				 lambda g, d: 'extract(day FROM %s)::integer' % typed(g, 'date', d)],
		'poison': ['fz.cnt_imm(1)', 'fz.cnt_sql(2)', 'fz.cnt_sql_const()', '1 #+# 2', 'public.abs(-1)',
				   'fz.cnt_named(1, b => 2)', "'1'::fz.cnt_dom", '(1::fz.cnt_dom)::integer', 'fz.cnt_stable()',
				   "'ok'::fz.mood::integer", '(SELECT 1)', 'random()::integer', 'fz.cnt_variadic(1, 2)',
				   "(ROW(1, 2)::fz.comp_cnt).a", "lower('[1,2)'::fz.cnt_range)", 'pg_backend_pid()'],
	},
	'text': {
		'leaf': [lambda g: g.quoted(g.string_body()), lambda g: g.pick(["'now'", "'today'", "'x'", "''"]),
				 lambda g: g.pick(['CURRENT_USER::text', 'SESSION_USER::text', 'CURRENT_SCHEMA', "'a' COLLATE \"C\""])],
		'node': [lambda g, d: '%s || %s' % (typed(g, 'text', d), typed(g, 'text', d)),
				 lambda g, d: 'lower(%s)' % typed(g, 'text', d),
				 lambda g, d: 'md5(%s)' % typed(g, 'text', d),
				 lambda g, d: '(%s)::text' % typed(g, g.pick(['integer', 'date', 'uuid', 'jsonb', 'boolean'])[:], d),
				 lambda g, d: 'repeat(%s, 2)' % typed(g, 'text', d),
				 lambda g, d: 'substr(%s, %s)' % (typed(g, 'text', d), typed(g, 'integer', d)),
				 lambda g, d: "format('%%s-%%s', %s, %s)" % (typed(g, 'text', d), typed(g, 'integer', d))],
		'poison': ['fz.cnt_text(\'x\')', "'a' + 'b'", "'x'::fz.cnt_txt_dom::text", 'concat(1, 2)',
				   "(ROW(1, 'x')::fz.pair_dom).b", "to_char(now(), 'YYYY')", 'version()'],
	},
	'boolean': {
		'leaf': [lambda g: g.pick(['true', 'false', "'t'::boolean", "'yes'"])],
		'node': [lambda g, d: '%s %s %s' % (typed(g, 'integer', d), g.pick(['<', '=', '>=', '<>']), typed(g, 'integer', d)),
				 lambda g, d: 'NOT %s' % typed(g, 'boolean', d),
				 lambda g, d: '%s IS NULL' % typed(g, 'text', d),
				 lambda g, d: '%s @> %s' % (typed(g, 'integer[]', d), typed(g, 'integer[]', d))],
		'poison': ['fz.cnt_bool(1)', "fz.cnt_anybool('x'::text)"],
	},
	'date': {
		'leaf': [lambda g: g.pick(["'2024-01-31'", "date '2024-02-29'", 'CURRENT_DATE', "'today'", "'tomorrow'::date",
								   "'epoch'::date", "'infinity'", "make_date(2024, 1, 1)"])],
		'node': [lambda g, d: '%s + %s' % (typed(g, 'date', d), typed(g, 'integer', d)),
				 lambda g, d: '(%s)::date' % typed(g, 'timestamptz', d)],
		'poison': ['fz.cnt_ts()::date', "(ROW('2024-01-01', 1)::fz.comp_ts).t::date"],
	},
	'timestamptz': {
		'leaf': [lambda g: g.pick(['now()', 'CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP(2)', "'2024-01-31 12:00+00'",
								   "'now'", "timestamptz 'yesterday'", 'clock_timestamp()', 'statement_timestamp()',
								   'transaction_timestamp()', "'epoch'", 'LOCALTIMESTAMP', "'2024-01-01'::date",
								   'fz.allowed_ts()', "to_timestamp(0)"])],
		'node': [lambda g, d: '%s + %s' % (typed(g, 'timestamptz', d), typed(g, 'interval', d)),
				 lambda g, d: '%s - %s' % (typed(g, 'timestamptz', d), typed(g, 'interval', d)),
				 lambda g, d: "date_trunc('day', %s)" % typed(g, 'timestamptz', d),
				 lambda g, d: "(%s) AT TIME ZONE 'UTC'" % typed(g, 'timestamptz', d)],
		'poison': ['fz.cnt_ts()', 'public.now()', "'now'::fz.cnt_ts_dom", "(ROW('now', 1)::fz.comp_ts).t"],
	},
	'interval': {
		'leaf': [lambda g: g.pick(["interval '1 day'", "'1 hour'", "make_interval(days => 2)", "'P1D'::interval",
								   "interval '1' day", "'1 fortnight'"])],
		'node': [lambda g, d: '%s * %s' % (typed(g, 'interval', d), typed(g, 'integer', d)),
				 lambda g, d: '%s + %s' % (typed(g, 'interval', d), typed(g, 'interval', d)),
				 lambda g, d: "make_interval(mins => %s)" % typed(g, 'integer', d)],
		'poison': ["make_interval(days => fz.cnt_imm(1))"],
	},
	'integer[]': {
		'leaf': [lambda g: g.pick(["'{1,2}'", 'ARRAY[1, 2]', "'{}'::int[]", "ARRAY[]::integer[]", "'{{1},{2}}'"])],
		'node': [lambda g, d: 'ARRAY[%s, %s]' % (typed(g, 'integer', d), typed(g, 'integer', d)),
				 lambda g, d: '%s || %s' % (typed(g, 'integer[]', d), typed(g, 'integer', d)),
				 lambda g, d: 'array_fill(%s, ARRAY[2])' % typed(g, 'integer', d)],
		'poison': ["'{1}'::fz.cnt_dom[]::int[]", "ARRAY[fz.cnt_imm(1)]", "'{1}'::fz.cnt_arr_dom"],
	},
	'jsonb': {
		'leaf': [lambda g: g.pick(["'{}'", "'[1, 2]'::jsonb", "'{\"a\": \"now\"}'", "'null'::jsonb", "jsonb '\"x\"'"])],
		'node': [lambda g, d: '%s || %s' % (typed(g, 'jsonb', d), typed(g, 'jsonb', d)),
				 lambda g, d: 'jsonb_build_array(%s)' % typed(g, 'integer', d),
				 lambda g, d: 'to_jsonb(%s)' % typed(g, g.pick(['text', 'integer', 'boolean']), d)],
		'poison': ["to_jsonb('(1,2)'::fz.comp_cnt)", "jsonb_build_object('a', now())"],
	},
	'uuid': {
		'leaf': [lambda g: g.pick(['gen_random_uuid()', "'00000000-0000-0000-0000-000000000000'",
								   "md5('x')::uuid", "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'"])],
		'node': [lambda g, d: 'md5(%s)::uuid' % typed(g, 'text', d)],
		'poison': ["fz.cnt_text('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')::uuid"],
	},
	'fz.pos': {
		'leaf': [lambda g: g.pick(['1', '0', '-1', "'5'::fz.pos", "fz.pos '7'", '2147483647'])],
		'node': [lambda g, d: typed(g, 'integer', d), lambda g, d: '(%s)::fz.pos' % typed(g, 'integer', d)],
		'poison': ["'1'::fz.over_cnt", '1::fz.cnt_dom'],
	},
	'fz.pair': {
		'leaf': [lambda g: g.pick(["'(1,x)'", "ROW(1, 'x')", "'(1,now)'", "ROW(NULL, NULL)::fz.pair", "'(,)'"])],
		'node': [lambda g, d: 'ROW(%s, %s)' % (typed(g, 'integer', d), typed(g, 'text', d)),
				 lambda g, d: '(%s)::fz.pair' % typed(g, 'integer', d)],
		'poison': ["ROW(1, 'x')::fz.pair_dom", '1::fz.pair'],
	},
	'fz.safe_range': {
		'leaf': [lambda g: g.pick(["'[1,5)'", "'empty'", "'[0,5)'", "'(,)'::fz.safe_range"])],
		'node': [lambda g, d: 'fz.safe_range(%s, %s)' % (typed(g, 'integer', d), typed(g, 'integer', d))],
		'poison': ["'[1,2)'::fz.cnt_range::text::fz.safe_range"],
	},
}
TYPED_COLUMNS = {
	'integer': ['integer', 'bigint', 'smallint', 'numeric(5,1)', 'fz.pos', 'fz.pos2', 'fz.cnt_dom', 'float4', 'text'],
	'text': ['text', 'varchar(3)', 'char(2)', 'fz.short', 'fz.cnt_txt_dom', 'name', 'fz.mood', 'date', 'timestamptz', 'text[]'],
	'boolean': ['boolean', 'text'],
	'date': ['date', 'timestamp', 'timestamptz', 'daterange', 'date[]'],
	'timestamptz': ['timestamptz', 'timestamptz(0)', 'timestamp', 'date', 'time', 'fz.cnt_ts_dom', 'tstzrange', 'text'],
	'interval': ['interval', 'interval day', 'interval(0)', 'time'],
	'integer[]': ['integer[]', 'int[][]', 'bigint[]', 'fz.cnt_arr_dom', 'fz.pos[]', 'fz.cnt_dom[]', 'text'],
	'jsonb': ['jsonb', 'json', 'text'],
	'uuid': ['uuid', 'text', 'varchar(3)'],
	'fz.pos': ['fz.pos', 'fz.pos2', 'fz.over_cnt', 'fz.cnt_dom2', 'integer'],
	'fz.pair': ['fz.pair', 'fz.pair_safe', 'fz.pair_dom', 'fz.comp_cnt', 'fz.row_safe', 'record', 'fz.pair[]'],
	'fz.safe_range': ['fz.safe_range', 'fz.cnt_range', 'int4range', 'fz.safe_multirange'],
}


def fam_typed(r):
	g = Gen(r, 8)
	t = g.pick(list(TYPED.keys()))
	expr = typed(g, t, r.choice([0, 1, 2, 3, 4]))
	if r.random() < 0.1:
		expr = g.comment() + expr + g.comment()
	col = g.pick(TYPED_COLUMNS[t]) if r.random() < 0.9 else column_type(g)
	return expr, col


# -- case families ---------------------------------------------------------------

def fam_grammar(r):
	g = Gen(r, r.choice([1, 2, 4, 8, 16, 40]))
	return g.expr(), column_type(g)


def fam_literal(r):
	g = Gen(r, 2)
	if r.random() < 0.5:
		typ = g.pick(list(USER_LITERALS.keys()))
		lit = g.pick(USER_LITERALS[typ])
	else:
		typ = g.pick(list(LITERALS.keys()))
		lit = g.pick(LITERALS[typ])
	if r.random() < 0.3:
		lit = g.string_body()
	expr = g.quoted(lit)
	if r.random() < 0.5:
		expr += '::' + typ
	coltype = typ if r.random() < 0.7 else column_type(g)
	return expr, coltype


def fam_mutate(r):
	expr, typ = fam_grammar(r)
	s = list(expr)
	for _ in range(r.randint(1, 5)):
		if not s:
			break
		op = r.randrange(5)
		i = r.randrange(len(s))
		if op == 0:
			del s[i:i + r.randint(1, 5)]
		elif op == 1:
			s.insert(i, r.choice(["'", '"', '$', '$$', '(', ')', '[', ']', ',', ';', '/*', '*/', '--',
								  '\\', ':', '::', 'E', '\n', '\u00e9', '\udcc0', '\udc80', '%', '{', '}']))
		elif op == 2:
			j = r.randrange(len(s))
			s[i], s[j] = s[j], s[i]
		elif op == 3:
			k = r.randrange(len(s))
			s[i:i] = s[k:k + r.randint(1, 10)]
		else:
			s[i] = chr(r.randint(1, 0x7f))
	return ''.join(s), typ


def fam_random_bytes(r):
	n = r.choice([1, 5, 20, 100, 1000])
	k = r.randrange(3)
	if k == 0:
		# arbitrary bytes but NUL, some of them invalid UTF-8
		expr = ''.join(chr(b) if b < 0x80 else chr(0xdc00 + b)
					   for b in (r.randint(1, 255) for _ in range(n)))
	elif k == 1:
		expr = ''.join(chr(r.randint(1, 127)) for _ in range(n))
	else:
		expr = ''.join(chr(r.choice([r.randint(1, 0xd7ff), r.randint(0xe000, 0x10ffff)]))
					   for _ in range(n))
	g = Gen(r, 1)
	return expr, column_type(g) if r.random() < 0.5 else g.pick(BUILTIN_TYPES)


def fam_encoding(r):
	g = Gen(r, 2)
	bad = g.pick(['\udcff', '\udcc3', '\udce2\udc82', '\udced\udca0\udc80', '\udcf4\udc90\udc80\udc80',
				  '\udcc0\udcaf', '\udcfe\udcfe'])
	forms = [
		sq('a' + bad + 'b'), '"' + bad + '"', bad, "E'\\xff'", "E'\\xc3'", "E'\\377\\376'",
		"U&'\\D800'", "U&'\\DFFF\\0041'", "U&'\\+110000'", "E'\\uD800'", "E'\\U00110000'",
		"convert_from('\\xc3'::bytea, 'UTF8')", "'\\xff'::bytea::text", "E'\\u0000'",
		"chr(0)", "chr(55296)", "'\\u0000'::jsonb", "U&'\\0000'",
		sq('x') + '::text COLLATE "' + bad + '"', "'" + bad + "'::fz.cnt_dom",
	]
	expr = g.pick(forms)
	if r.random() < 0.3:
		expr = g.expr() + ' || ' + expr
	typ = g.pick(['text', 'integer', 'bytea', 'jsonb', 'fz.cnt_txt_dom', column_type(g)])
	return expr, typ


def fam_deep(r, scale):
	"""Nesting to and beyond the stack limit, and long input."""
	g = Gen(r, 2)
	depth = int(r.choice([10, 100, 1000, 5000, 20000, 100000]) * scale)
	depth = max(depth, 10)
	shapes = [
		lambda d: '(' * d + '1' + ')' * d,
		lambda d: '-' * d + '1',
		lambda d: '- ' * d + '1',
		lambda d: 'NOT ' * d + 'true',
		lambda d: '1' + ' + 1' * d,
		lambda d: '1' + '::integer' * d,
		lambda d: 'ARRAY[' * d + '1' + ']' * d,
		lambda d: 'ROW(' * d + '1' + ')' * d,
		lambda d: 'abs(' * d + '1' + ')' * d,
		lambda d: 'coalesce(' * d + '1' + ')' * d,
		lambda d: 'CASE WHEN true THEN ' * d + '1' + ' END' * d,
		lambda d: '1' + ' || 1' * d,
		lambda d: 'true' + ' AND true' * d,
		lambda d: '(SELECT ' * d + '1' + ')' * d,
		lambda d: "'" + '{' * d + '1' + '}' * d + "'::int[]",
		lambda d: "'" + '[' * d + "'::jsonb",
		lambda d: "'" + '[' * d + ']' * d + "'::jsonb",
		lambda d: "'" + '(' * d + ')' * d + "'::fz.pair",
		lambda d: "'" + 'a & ' * d + "a'::tsquery",
		lambda d: "'" + '!' * d + "a'::tsquery",
		lambda d: "'" + 'x' * d + "'",
		# PostgreSQL's lexer takes quadratic time over nested comments (40,000
		# levels: 11 s, and no cancel), in plain SQL too: kept shallow
		lambda d: '/*' * min(d, 2000) + '*/' * min(d, 2000) + '1',
		lambda d: '1' + ' IS NULL' * d,
		lambda d: 'fz.cnt_imm(' * d + '1' + ')' * d,
		lambda d: '(' * d + 'now()' + ')' * d,
		lambda d: '1' + '[1]' * d,
		lambda d: "'$" + '.a' * d + "'::jsonpath",
		lambda d: 'greatest(' + ', '.join(['1'] * d) + ')',
		lambda d: 'ARRAY[' + ', '.join(['1'] * d) + ']',
		lambda d: '1 IN (' + ', '.join(['1'] * d) + ')',
		lambda d: '$' + 'x' * min(d, 60) + '$' * 1 + 'a' * d,
		lambda d: "'" + "''" * d + "'",
		lambda d: 'x' * d,
		lambda d: "'" + 'x' * (d * 50) + "'",
		lambda d: "'" + '\u00e9' * (d * 20) + "'::varchar(3)",
		lambda d: "length('" + 'y' * (d * 50) + "')",
	]
	expr = g.pick(shapes)(depth)
	typ = g.pick(['integer', 'text', 'boolean', 'int[]', 'jsonb', 'record', 'fz.pair', 'tsquery',
				  'timestamptz', column_type(g)])
	if r.random() < 0.1:
		typ = 'integer' + '[]' * min(depth, 1000)
	if r.random() < 0.05:
		typ = 'x' * depth
	return expr, typ


FAMILIES = [
	('grammar', 35, fam_grammar),
	('typed', 25, fam_typed),
	('literal', 14, fam_literal),
	('mutate', 12, fam_mutate),
	('bytes', 5, fam_random_bytes),
	('encoding', 6, fam_encoding),
	('deep', 3, None),
]


def case(seed, n, deep_scale=1.0):
	"""The case number n of seed: (expression, column_type, family)."""
	r = random.Random('%s:%d' % (seed, n))
	total = sum(w for _, w, _ in FAMILIES)
	k = r.randrange(total)
	for name, w, fn in FAMILIES:
		if k < w:
			break
		k -= w
	if fn is None:
		expr, typ = fam_deep(r, deep_scale)
	else:
		expr, typ = fn(r)
	# NUL cannot travel in a query; a NUL-free text is all a text value can hold
	expr = expr.replace('\0', '')
	typ = typ.replace('\0', '')
	return expr, typ, name


if __name__ == '__main__':
	import sys
	seed = sys.argv[1] if len(sys.argv) > 1 else '1'
	count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
	for i in range(count):
		e, t, f = case(seed, i)
		print('%d [%s] %r :: %r' % (i, f, e[:200], t[:80]))
