#!/usr/bin/env python3
"""test/core/compare.py: the text work of "make test-core" (test/core/run.sh).

    compare.py fix-copy SUITE
        Add the end-of-data line "\\." after each COPY ... FROM STDIN (and
        \\copy ... from stdin) of SUITE/sql that the server refuses before the
        copy starts, as found in SUITE/expected.  psql 15.20 skips the input
        after such a COPY up to the next "\\." line (CVE-2026-6464); the suite
        of an older minor lacks those lines, and whole stretches of copy,
        copy2, copyselect, generated, privileges and rowsecurity would never
        run.

    compare.py compare WORK EXTENSION_SRC ENFORCE
        Compare, test by test, the output of the runs WORK/warn and
        WORK/error with WORK/baseline's, and check the servers' logs (jsonlog).
        ENFORCE is "yes" when the build defines defaults_policy.enforce (the
        runs then set it to warn and to error) and "no" otherwise.
        Prints the figures and exits 1 on a failure.

What belongs to the extension is read from the server's log, not guessed from
the output: every WARNING and ERROR is logged with the function and source
file that raised it (log_error_verbosity = verbose), the statement
(log_min_error_statement = warning) and the test (pg_regress sets
application_name to pg_regress/TEST).  An entry is the extension's when its
file is one of EXTENSION_SRC/src/*.c and its function is defined there: file
names alone are ambiguous (PostgreSQL has a lock.c, a policy.c and a
catalog.c too).  A "WARNING:" or "ERROR:" line of a test's output is the
extension's when the extension logged that message during that test.

warn: a test passes when its output is the baseline's with nothing but
extension WARNING blocks inserted: the WARNING line, its DETAIL, HINT and
CONTEXT lines (and the lines that continue a CONTEXT from PL/pgSQL or SQL
functions, or a LINE and its caret).  Anything else is a difference.

error: no crash, no extension ERROR without an extension WARNING in the warn
run for the same test, statement and message (the extension refuses only
what it warns about), and every differing hunk of a test's output explained:
it holds an extension ERROR, or an error "... does not exist" (an object a
refused statement did not create), or it follows an extension ERROR of the
same test (a refused ALTER leaves a table without a column and later output
differs without any error).  A hunk that is none of these fails the run;
the number of hunks of each kind is printed.
"""

import collections
import difflib
import glob
import json
import os
import re
import sys

# a psql message line: severity, an SQLSTATE when VERBOSITY is verbose,
# the message
MESSAGE_LINE = re.compile(r'^(WARNING|ERROR):  (?:[0-9A-Z]{5}: )?(.*)$')
CONTINUATION_PREFIX = re.compile(r'^(DETAIL|HINT|CONTEXT):  ')
# the lines that continue a CONTEXT: the frames of the functions the
# statement ran in
CONTEXT_FRAME = re.compile(r'^(PL/pgSQL function |SQL function |SQL statement |'
                           r'PL/pgSQL assignment |extension script |COPY |.*\bline [0-9]+\b)')
MISSING_OBJECT = re.compile(r'^ERROR:  (?:[0-9A-Z]{5}: )?.*\bdoes not exist\b')
# what a crash leaves in the logs or in a test's output
CRASH_LOG = re.compile(r'terminated by signal|terminated by exception|'
                       r'server process .* exited with exit code|'
                       r'all server processes terminated; reinitializing|'
                       r'database system was not properly shut down')
CRASH_OUTPUT = re.compile(r'server closed the connection unexpectedly|'
                          r'connection to server was lost|'
                          r'terminating connection because of crash of another server process')
RUNS = ('baseline', 'warn', 'error')


def read_lines(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as f:
        return f.read().split('\n')


# ---------------------------------------------------------------------------
# fix-copy

COPY_START = re.compile(r'^\s*copy\b', re.I)
FROM_STDIN = re.compile(r'\bfrom\s+stdin\b', re.I)
STATEMENT_END = re.compile(r';\s*(--.*)?$')


def copy_from_stdin(sql):
    """The indexes of the last lines of the COPY ... FROM STDIN statements
    and \\copy ... from stdin commands of SQL."""
    ends = []
    i = 0
    while i < len(sql):
        line = sql[i]
        if line.startswith('\\copy') and FROM_STDIN.search(line):
            ends.append(i)
        elif COPY_START.match(line):
            j = i
            while j < len(sql) - 1 and not STATEMENT_END.search(sql[j]) and j - i < 20:
                j += 1
            if FROM_STDIN.search(' '.join(sql[i:j + 1])):
                ends.append(j)
            i = j
        i += 1
    return ends


def refused_copies(sql, expected):
    """The indexes in SQL of the COPY FROM STDIN statements the server
    refused before the copy started, with no "\\." after them.  Such a
    statement is echoed in EXPECTED (the older psql's output) with an ERROR
    right after it, and then the SQL line that follows it is echoed too:
    the older psql read on as SQL, where a copy that failed while reading
    its data consumed that data."""
    refused = []
    for end in copy_from_stdin(sql):
        line = sql[end]
        k = sql[:end + 1].count(line)
        where = [q for q, l in enumerate(expected) if l == line]
        if len(where) < k:
            continue
        q = where[k - 1]
        if q + 1 >= len(expected) or not expected[q + 1].startswith('ERROR:  '):
            continue
        following = [l for l in sql[end + 1:] if l.strip()]
        if not following or following[0] == '\\.':
            continue
        if following[0] in expected[q + 2:q + 17]:
            refused.append(end)
    return refused


def fix_copy(suite):
    total = 0
    for path in sorted(glob.glob(os.path.join(suite, 'sql', '*.sql'))):
        name = os.path.basename(path)[:-4]
        expected = os.path.join(suite, 'expected', name + '.out')
        if not os.path.exists(expected):
            continue
        sql = read_lines(path)
        refused = refused_copies(sql, read_lines(expected))
        if not refused:
            continue
        for end in reversed(refused):
            sql.insert(end + 1, '\\.')
        with open(path, 'w', encoding='utf-8', errors='surrogateescape') as f:
            f.write('\n'.join(sql))
        print(f'    {name}: after line ' + ', '.join(str(end + 1) for end in refused))
        total += len(refused)
    print(f'    {total} end-of-data lines added')


# ---------------------------------------------------------------------------
# the extension's functions, and its entries in a server log

DEFINITION = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)\(', re.M)


def extension_functions(src):
    """{file name: set of the functions defined in it} for src/*.c"""
    functions = {}
    for path in glob.glob(os.path.join(src, 'src', '*.c')):
        with open(path, encoding='utf-8', errors='replace') as f:
            functions[os.path.basename(path)] = set(DEFINITION.findall(f.read()))
    return functions


Entry = collections.namedtuple('Entry', 'test severity state message statement ours')


def read_log(run_dir, functions):
    """The WARNING, ERROR, FATAL and PANIC entries of a run's jsonlog, and the
    messages that tell of a crash."""
    entries = []
    crashes = []
    for path in sorted(glob.glob(os.path.join(run_dir, 'serverlog', '*.json'))):
        with open(path, encoding='utf-8', errors='replace') as f:
            for raw in f:
                try:
                    e = json.loads(raw)
                except ValueError:
                    continue
                message = e.get('message', '')
                severity = e.get('error_severity', '')
                if severity == 'PANIC' or CRASH_LOG.search(message):
                    crashes.append(f'{severity}: {message}')
                if severity not in ('WARNING', 'ERROR', 'FATAL', 'PANIC'):
                    continue
                app = e.get('application_name', '')
                test = app[len('pg_regress/'):] if app.startswith('pg_regress/') else '?'
                ours = e.get('func_name') in functions.get(e.get('file_name'), ())
                entries.append(Entry(test, severity, e.get('state_code', ''),
                                     message, e.get('statement', ''), ours))
    return entries, crashes


# ---------------------------------------------------------------------------
# comparing one test's output with the baseline's

def message_of(line, severity, ours):
    """The message of LINE if it is a SEVERITY line the extension logged."""
    m = MESSAGE_LINE.match(line)
    if m and m.group(1) == severity and m.group(2) in ours:
        return m.group(2)
    return None


def warning_blocks(lines, ours):
    """The messages of LINES if they are nothing but extension WARNING
    blocks, else None."""
    messages = []
    last = None             # the last prefixed line of the block
    i = 0
    while i < len(lines):
        line = lines[i]
        m = message_of(line, 'WARNING', ours)
        if m is not None:
            messages.append(m)
            last = 'WARNING'
        elif not messages:
            return None
        elif CONTINUATION_PREFIX.match(line):
            last = line.split(':', 1)[0]
        elif last == 'CONTEXT' and CONTEXT_FRAME.match(line):
            pass
        elif line.startswith('LINE ') and i + 1 < len(lines) and \
                lines[i + 1].strip() == '^':
            i += 1
        else:
            return None
        i += 1
    return messages


def opcodes(a, b):
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


SEPARATOR = re.compile(r'^-+(\+-+)*$')
ROW_COUNT = re.compile(r'^\(([0-9]+) rows?\)$')


def without_extension_rows(lines, names):
    """LINES with each psql table's cells stripped of their padding (a
    longer value in a column widens every line of the table) and, when
    NAMES is given, without the rows that name one of the extension's
    objects, the row count adjusted."""
    if names:
        named = re.compile(r'(?<![A-Za-z0-9_])(' + '|'.join(map(re.escape, sorted(names))) +
                           r')(?![A-Za-z0-9_])')
    out = []
    i = 0
    while i < len(lines):
        # a table: header, separator, rows, "(N rows)"
        if i + 1 < len(lines) and SEPARATOR.match(lines[i + 1]):
            end = i + 2
            while end < len(lines) and not ROW_COUNT.match(lines[end]) and lines[end] != '':
                end += 1
            m = ROW_COUNT.match(lines[end]) if end < len(lines) else None
            if m and int(m.group(1)) == end - i - 2:
                rows = ['|'.join(c.strip() for c in l.split('|')) for l in lines[i + 2:end]]
                if names:
                    rows = [r for r in rows if not named.search(r)]
                out.append('|'.join(c.strip() for c in lines[i].split('|')))
                out.append('-')
                out += rows
                out.append(f'({len(rows)} row{"" if len(rows) == 1 else "s"})')
                i = end + 1
                continue
        out.append(lines[i])
        i += 1
    return out


def hunk_text(a, b, op, limit=6):
    tag, i1, i2, j1, j2 = op
    text = [f'@@ baseline line {i1 + 1}, this run line {j1 + 1}']
    text += ['-' + l for l in a[i1:i2][:limit]]
    text += ['+' + l for l in b[j1:j2][:limit]]
    return '\n'.join('        ' + t for t in text)


def compare_warn(base, warn, ours):
    """(extension WARNING messages shown, differences that are not)"""
    ops = opcodes(base, warn)
    shown = []
    problems = []
    for k, op in enumerate(ops):
        tag, i1, i2, j1, j2 = op
        if tag == 'equal':
            continue
        if tag != 'insert':
            problems.append(hunk_text(base, warn, op))
            continue
        # an insertion between equal lines may be placed at several
        # positions; take the one that starts with a WARNING
        n = j2 - j1
        lo = ops[k - 1][3] if k > 0 and ops[k - 1][0] == 'equal' else j1
        hi = ops[k + 1][4] if k + 1 < len(ops) and ops[k + 1][0] == 'equal' else j2
        starts = [j1]
        s = j1
        while s - 1 >= lo and warn[s - 1] == warn[s - 1 + n]:
            s -= 1
            starts.append(s)
        s = j1
        while s + n < hi and warn[s] == warn[s + n]:
            s += 1
            starts.append(s)
        for s in starts:
            messages = warning_blocks(warn[s:s + n], ours)
            if messages is not None:
                shown += messages
                break
        else:
            problems.append(hunk_text(base, warn, op))
    return shown, problems


def continues_error(lines, j, ours):
    """The message of the extension ERROR whose block line J continues, or
    None."""
    k = j - 1
    while k >= 0 and j - k < 30:
        m = message_of(lines[k], 'ERROR', ours)
        if m is not None:
            return m
        if not (CONTINUATION_PREFIX.match(lines[k]) or CONTEXT_FRAME.match(lines[k]) or
                lines[k].startswith('LINE ') or lines[k].strip() == '^'):
            return None
        k -= 1
    return None


def compare_error(base, err, ours_error, ours_warning, record):
    """{kind: number of hunks}, extension ERROR messages shown, and the
    hunks that nothing explains; RECORD gets every hunk with its kind"""
    kinds = collections.Counter()
    shown = []
    unexplained = []
    refused_before = False
    for op in opcodes(base, err):
        tag, i1, i2, j1, j2 = op
        if tag == 'equal':
            continue
        ours = [m for m in (message_of(l, 'ERROR', ours_error) for l in err[j1:j2])
                if m is not None]
        continued = continues_error(err, j1, ours_error)
        if ours:
            kind = 'holds an extension ERROR'
            shown += ours
        elif tag == 'insert' and warning_blocks(err[j1:j2], ours_warning) is not None:
            # the WARNING of the frozen uuid: a warning under error too
            kind = 'an extension WARNING'

        elif continued is not None:
            # the extension raised PostgreSQL's own error for a default
            # PostgreSQL refuses too: the same ERROR line, then its DETAIL,
            # HINT and CONTEXT where PostgreSQL's had others (LINE and ^)
            kind = 'continues an extension ERROR'
            shown.append(continued)
        elif any(MISSING_OBJECT.match(l) for l in err[j1:j2]):
            kind = 'an object does not exist'
        elif refused_before:
            kind = 'follows a refusal in the same test'
        else:
            kind = 'unexplained'
            unexplained.append(hunk_text(base, err, op))
        refused_before = refused_before or bool(ours) or continued is not None
        kinds[kind] += 1
        record.append((kind, hunk_text(base, err, op, limit=40)))
    return kinds, shown, unexplained


# ---------------------------------------------------------------------------
# compare

def schedule_tests(suite):
    tests = []
    with open(os.path.join(suite, 'parallel_schedule')) as f:
        for line in f:
            if line.startswith('test:'):
                tests += line[5:].split()
    return tests


def probe(run_dir):
    """The name=value lines of the probe test: {name: [values]}"""
    values = collections.defaultdict(list)
    path = os.path.join(run_dir, 'results', 'dp_core_probe.out')
    if os.path.exists(path):
        for line in read_lines(path):
            if re.match(r'^[a-z]+=', line):
                k, v = line.split('=', 1)
                values[k].append(v)
    return values


def normalized(base, out, names):
    """BASE and OUT with psql tables unpadded, OUT without the rows that
    name the extension's objects, and whether there were such rows."""
    plain = without_extension_rows(out, None)
    dropped = without_extension_rows(out, names)
    return without_extension_rows(base, None), dropped, dropped != plain


def differs_from_expected(suite, test, lines):
    variants = [os.path.join(suite, 'expected', test + '.out')]
    variants += sorted(glob.glob(os.path.join(suite, 'expected', test + '_[0-9].out')))
    return all(read_lines(v) != lines for v in variants if os.path.exists(v))


def short(text, width=110):
    text = ' '.join(text.split())
    return text if len(text) <= width else text[:width - 3] + '...'


def compare(work, src, enforce):
    suite = os.path.join(work, 'suite')
    tests = schedule_tests(suite)
    functions = extension_functions(src)
    failures = []

    def fail(what):
        failures.append(what)

    # the runs had what they were meant to have
    inst = os.path.join(work, 'inst')
    names = set()       # the extension's objects, and the objects they own
    for run in RUNS:
        p = {k: v[0] for k, v in probe(os.path.join(work, run)).items()}
        want_ext = run != 'baseline'
        if not p:
            fail(f'{run}: the probe test did not run')
            continue
        if (p.get('extension') != 'none') != want_ext:
            fail(f'{run}: extension {p.get("extension")}')
        if want_ext and not p.get('library', '').startswith(inst + '/'):
            fail(f'{run}: the library loaded is {p.get("library") or "none"}, not the private install')
        want_enforce = run if want_ext and enforce == 'yes' else 'unset'
        if run != 'baseline' and p.get('enforce') != want_enforce:
            fail(f'{run}: defaults_policy.enforce is {p.get("enforce")}, not {want_enforce}')
        print(f'--- {run}: extension {p.get("extension")}, defaults_policy.enforce '
              f'{p.get("enforce")}' + (f', library {p["library"]}' if want_ext else ''))
        if want_ext:
            names |= set(probe(os.path.join(work, run))['object'])

    logs = {}
    crashes = 0
    for run in RUNS:
        entries, crash = read_log(os.path.join(work, run), functions)
        logs[run] = entries
        if not glob.glob(os.path.join(work, run, 'serverlog', '*.json')):
            fail(f'{run}: no server log')
        for c in crash:
            fail(f'{run}: crash in the server log: {short(c)}')
        crashes += len(crash)

    def ours(run, test, severity):
        return {e.message.split('\n')[0] for e in logs[run]
                if e.ours and e.test == test and e.severity == severity}

    # the baseline against the suite's own expected files (for information)
    base_out = {}
    missing = []
    skew = []
    for test in tests:
        path = os.path.join(work, 'baseline', 'results', test + '.out')
        if not os.path.exists(path):
            missing.append(f'baseline/{test}')
            continue
        base_out[test] = read_lines(path)
        if differs_from_expected(suite, test, base_out[test]):
            skew.append(test)

    identical = {'warn': 0, 'error': 0}
    listing_tests = {'warn': [], 'error': []}

    def differing(run):
        """(test, base, out) of each test whose output under run differs
        from the baseline's, both normalized; counts the identical ones and
        the lost connections, and notes the outputs that list our objects."""
        nonlocal crashes
        for test in tests:
            path = os.path.join(work, run, 'results', test + '.out')
            if test not in base_out or not os.path.exists(path):
                if test in base_out:
                    missing.append(f'{run}/{test}')
                continue
            out = read_lines(path)
            if any(CRASH_OUTPUT.search(l) for l in out):
                crashes += 1
                fail(f'{run}: {test}: the connection was lost')
            if out == base_out[test]:
                identical[run] += 1
                continue
            base, out, listing = normalized(base_out[test], out, names)
            if listing:
                listing_tests[run].append(test)
            yield test, base, out

    # warn
    warned_tests = collections.Counter()
    warn_problems = {}
    for test, base, out in differing('warn'):
        shown, problems = compare_warn(base, out, ours('warn', test, 'WARNING'))
        if shown:
            warned_tests[test] = len(shown)
        if problems:
            warn_problems[test] = problems
    for test, problems in warn_problems.items():
        fail(f'warn: {test}: {len(problems)} difference(s) that are not extension WARNINGs')

    warn_log = [e for e in logs['warn'] if e.ours]
    warn_warnings = [e for e in warn_log if e.severity == 'WARNING']
    warn_errors = [e for e in warn_log if e.severity != 'WARNING']
    for e in warn_errors:
        fail(f'warn: {e.test}: the extension raised {e.severity} {e.state}: {short(e.message)}')

    # error
    listing_only = 0
    hunks = []
    kinds = collections.Counter()
    refused_tests = collections.Counter()
    downstream_tests = []
    error_problems = {}
    for test, base, out in differing('error'):
        if out == base:
            listing_only += 1
            continue
        record = []
        k, shown, unexplained = compare_error(base, out, ours('error', test, 'ERROR'),
                                              ours('error', test, 'WARNING'), record)
        hunks += [f'=== {test}: {kind}\n{text}' for kind, text in record]
        kinds += k
        if shown:
            refused_tests[test] = len(shown)
        else:
            downstream_tests.append(test)
        if unexplained:
            error_problems[test] = unexplained
    for test, problems in error_problems.items():
        fail(f'error: {test}: {len(problems)} difference(s) that no refusal explains')

    with open(os.path.join(work, 'error-hunks.txt'), 'w') as f:
        f.write('\n'.join(hunks) + '\n')
    error_log = [e for e in logs['error'] if e.ours]
    refusals = [e for e in error_log if e.severity == 'ERROR']
    # statements that fail without the extension too
    base_errors = {(e.test, e.statement) for e in logs['baseline'] if e.severity == 'ERROR'}
    refused_anyway = [e for e in refusals if (e.test, e.statement) in base_errors]
    warned_anyway = [e for e in warn_warnings if (e.test, e.statement) in base_errors]
    warned = {(e.test, e.statement, e.message) for e in warn_warnings}
    unwarned = [e for e in refusals if (e.test, e.statement, e.message) not in warned]
    for e in unwarned:
        fail(f'error: {e.test}: refused without a WARNING under warn: {short(e.message)} '
             f'[{short(e.statement, 80)}]')
    for e in error_log:
        if e.state == 'XX000' or e.severity in ('FATAL', 'PANIC'):
            fail(f'error: {e.test}: the extension raised {e.severity} {e.state}: {short(e.message)}')
    for m in missing:
        fail(f'{m}: no output')

    # the report
    print(f'--- core suite: {len(tests)} tests in the schedule, {len(base_out)} ran in the baseline')
    if skew:
        print(f'    the baseline differs from expected/ in {len(skew)} test(s): {", ".join(skew)}')
        print('    (an older suite than the server; the runs are compared with the baseline, not with expected/)')
    listed = set(listing_tests['warn']) - set(warn_problems)
    only_warnings = set(warned_tests) - set(warn_problems) - listed
    print(f'--- warn: {identical["warn"]} tests identical to the baseline, {len(only_warnings)} differing '
          f'only by extension WARNINGs, {len(listed)} by listing the extension\'s own objects'
          f'{" (and WARNINGs)" if listed & set(warned_tests) else ""}, '
          f'{len(warn_problems)} with other differences')
    for run in ('warn', 'error'):
        if listing_tests[run]:
            print(f'    {run}: the output lists the extension\'s own objects (rows left out of the '
                  f'comparison) in: {", ".join(listing_tests[run])}')
    visible = sum(warned_tests.values())
    print(f'    extension WARNINGs: {len(warn_warnings)} in the server log, in '
          f'{len({e.test for e in warn_warnings})} tests; {visible} in the tests\' output'
          f'{" (the others hidden by client_min_messages)" if visible != len(warn_warnings) else ""}; '
          f'{len(warned_anyway)} at statements that fail without the extension too')
    by_message = collections.Counter((e.state, re.sub(r'"[^"]*"', '"..."', e.message))
                                     for e in warn_warnings)
    for (state, message), n in by_message.most_common():
        print(f'    {n:6d}  {state}  {short(message, 90)}')
    if warned_tests:
        print('    per test: ' + ', '.join(f'{t} {n}' for t, n in warned_tests.most_common()))
    for test, problems in warn_problems.items():
        print(f'    {test}: differences that are not extension WARNINGs:')
        for p in problems[:5]:
            print(p)
        if len(problems) > 5:
            print(f'        ... and {len(problems) - 5} more')

    print(f'--- error: {len(refusals)} refusals (extension ERRORs in the server log) in '
          f'{len({e.test for e in refusals})} tests; {identical["error"]} tests identical to the '
          f'baseline, {listing_only} differing only by listing the extension\'s own objects, '
          f'{len(refused_tests)} with refusals of their own, {len(downstream_tests)} without')
    print(f'    {len(refusals) - len(refused_anyway)} refusals of statements that succeed without the '
          f'extension, {len(refused_anyway)} of statements that fail without it too')
    by_state = collections.Counter(e.state for e in refusals)
    if by_state:
        print('    SQLSTATEs: ' + ', '.join(f'{s} {n}' for s, n in by_state.most_common()))
    print(f'    differing hunks: ' + (', '.join(f'{n} {k}' for k, n in kinds.most_common()) or 'none'))
    if downstream_tests:
        print(f'    tests that differ without a refusal of their own: {", ".join(downstream_tests)}')
    if refused_tests:
        print('    refusals seen per test: ' + ', '.join(f'{t} {n}' for t, n in refused_tests.most_common()))
    print(f'    refused without a WARNING under warn: {len(unwarned)}')
    seen = set()
    for e in refusals:
        key = (e.test, e.statement, e.message)
        if key in seen:
            continue
        seen.add(key)
        anyway = ' (fails without the extension too)' if e in refused_anyway else ''
        print(f'    {e.test}: {e.state} {short(e.message, 100)}{anyway}')
        print(f'        {short(e.statement, 100)}')
    for test, problems in error_problems.items():
        print(f'    {test}: differences that no refusal explains:')
        for p in problems[:5]:
            print(p)
        if len(problems) > 5:
            print(f'        ... and {len(problems) - 5} more')

    print(f'--- crashes: {crashes}')
    for f in failures:
        print(f'FAIL {f}')
    print(f'{len(failures)} failures')
    return 1 if failures else 0


def main(argv):
    if len(argv) == 3 and argv[1] == 'fix-copy':
        fix_copy(argv[2])
        return 0
    if len(argv) == 5 and argv[1] == 'compare':
        return compare(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
