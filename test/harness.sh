#!/usr/bin/env bash
#
# test/harness.sh: what "make test", "make demo", "make bench", "make fuzz"
# and "make test-core" run.
#
#   test    install what is missing, build with -Werror, install, run
#           pg_regress, the isolation specs, 2,000 cases of the fuzzer and
#           the Python clients' suites (test/clients: Django, Alembic)
#           against a throwaway cluster (pg_virtualenv), then the TAP tests
#           as an unprivileged user; ends with one line "N passed, N failed"
#           over all suites.
#           With SANITIZE=1 (make test SANITIZE=1) the extension is built
#           with AddressSanitizer and UndefinedBehaviorSanitizer, every
#           server runs with their runtimes preloaded, each sanitizer report
#           counts as a failure, and the plain build is installed again at
#           the end
#   demo    install what is missing, build, install, and run test/demo.sql
#           in a throwaway cluster
#   bench   install what is missing, build, install, run each benchmark
#           under test/bench in a throwaway cluster, as root (they read
#           /proc of the backend); ends with each goal, PASS or FAIL
#   core    PostgreSQL's own regression suite without the extension, with it
#           under enforce = warn and under enforce = error, each test compared
#           with the run without it (test/core/run.sh; make test-core)
#   citus   with an installed Citus: build, install, and run the Citus suite
#           on a throwaway coordinator and two workers (test/citus/run.sh;
#           make test-citus); without Citus, says so and passes
#   fuzz    the fuzzer (test/fuzz/run.py), FUZZ_CASES cases (100,000 unless
#           set) of seed FUZZ_SEED (1 unless set), against a private install
#           of the build in a throwaway cluster of its own: it touches
#           neither the system's PostgreSQL directories nor a cluster of
#           "make test", so it needs no lock however long it runs
#
# Runs as root on a fresh Debian 12 machine: initdb refuses root, so the
# TAP tests run as the postgres user on a copy of the tree.
#
set -euo pipefail

PGVER=15
PGBIN=/usr/lib/postgresql/$PGVER/bin
PGXSDIR=/usr/lib/postgresql/$PGVER/lib/pgxs
TAP_USER=${TAP_USER:-postgres}
SANITIZE=${SANITIZE:-}
# set by sanitizer_setup: where the runtimes write their reports, and the
# environment every server of the run gets
san_dir=
san_env=()

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '==> %s\n' "$*"; }

# Install the Debian packages the build and the suites need, if missing.
# Arguments: what one target needs besides, as COMMAND:PACKAGE.
install_missing() {
	local missing=() need

	[ -x "$PGBIN/postgres" ] || missing+=("postgresql-$PGVER")
	# Debian's client package ships pgxs.mk, pg_regress, the isolation
	# tester and the TAP modules; the server headers come with -dev
	[ -f "$PGXSDIR/src/makefiles/pgxs.mk" ] &&
		[ -x "$PGXSDIR/src/test/regress/pg_regress" ] &&
		[ -x "$PGXSDIR/src/test/isolation/pg_isolation_regress" ] &&
		[ -f "$PGXSDIR/src/test/perl/PostgreSQL/Test/Cluster.pm" ] ||
		missing+=("postgresql-client-$PGVER")
	[ -f "/usr/include/postgresql/$PGVER/server/postgres.h" ] ||
		missing+=("postgresql-server-dev-$PGVER")
	# test/clients: Django and Alembic, with Debian's python3
	/usr/bin/python3 -c 'import django, alembic, sqlalchemy, psycopg2' 2>/dev/null ||
		missing+=(python3-django python3-alembic python3-sqlalchemy python3-psycopg2)
	command -v pg_virtualenv >/dev/null || missing+=(postgresql-common)
	perl -MIPC::Run -e 1 2>/dev/null || missing+=(libipc-run-perl)
	# test/t/007_pgaudit.pl preloads pgAudit into its node
	[ -f "/usr/share/postgresql/$PGVER/extension/pgaudit.control" ] &&
		[ -f "/usr/lib/postgresql/$PGVER/lib/pgaudit.so" ] ||
		missing+=("postgresql-$PGVER-pgaudit")
	command -v prove >/dev/null || missing+=(perl)
	command -v make >/dev/null || missing+=(make)
	command -v gcc >/dev/null || missing+=(gcc)
	command -v runuser >/dev/null || missing+=(util-linux)
	for need in "$@"; do
		command -v "${need%%:*}" >/dev/null || missing+=("${need#*:}")
	done

	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages: ${missing[*]}; run as root, or install them first" >&2
		exit 1
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# $1: SANITIZE value for the build (empty: the plain build)
build_and_install() {
	local sanitize=${1:-}

	if [ -n "$sanitize" ]; then
		say "building with sanitizers (warnings are errors) and installing"
	else
		say "building (warnings are errors) and installing"
	fi
	make -s clean >/dev/null
	make -s WERROR=1 SANITIZE="$sanitize"
	make -s install SANITIZE="$sanitize" >/dev/null
}

# SANITIZE=1.  The server binary is not instrumented, so the runtimes of the
# gcc that built the extension are preloaded into every server (the
# instrumented library refuses to load otherwise).  Leak detection is off:
# PostgreSQL frees by resetting memory contexts and by exiting.  A report
# aborts the process (-fno-sanitize-recover=all, halt/abort_on_error); the
# harness counts the reports after the suites.
#
# Three things about preloading into an uninstrumented postgres:
#  - libasan initialises itself on the first call it intercepts.  In
#    postgres and psql that is a malloc made by a library constructor while
#    it holds a glibc lock (libgpg-error's bindtextdomain, p11-kit's
#    newlocale); the initialisation calls dlerror(), which takes the same
#    lock, and the process hangs before main().  So a tiny library marked
#    initfirst (-z initfirst: its constructor runs before any other one)
#    initialises the runtime first, and it reads ASAN_OPTIONS then.
#  - libubsan reads its options only at its first report, in a backend,
#    from /proc/self/environ, which the postmaster has overwritten with its
#    process title.  The same library hands them over as
#    __ubsan_default_options instead.
#  - Loaded beside libasan, libubsan writes its reports to stderr whatever
#    log_path says (as seen with gcc 12; its report path setter is the
#    exported one, which libasan, first in the search order, also defines),
#    so they land in the server logs: the harness searches those as well as
#    $san_dir/reports.
sanitizer_setup() {
	local asan ubsan symbolizer sym v

	asan=$(readlink -f "$(gcc -print-file-name=libasan.so)")
	ubsan=$(readlink -f "$(gcc -print-file-name=libubsan.so)")
	if [ ! -f "$asan" ] || [ ! -f "$ubsan" ]; then
		echo "SANITIZE=1: gcc $(gcc -dumpversion) has no libasan.so or libubsan.so" >&2
		exit 1
	fi
	san_dir=$(mktemp -d /tmp/defaults_policy_sanitize.XXXXXX)
	chmod 755 "$san_dir"
	# the servers run as postgres (pg_virtualenv) and as $TAP_USER
	mkdir -m 1777 "$san_dir/reports"
	# the servers' environment has no PATH to find a symbolizer by
	symbolizer=$(command -v llvm-symbolizer || true)
	sym=${symbolizer:+:external_symbolizer_path=$symbolizer}

	cat >"$san_dir/sanitizer_first.c" <<-EOF
		extern void __asan_init(void);
		const char *__ubsan_default_options(void);

		__attribute__((constructor)) static void
		sanitizer_first(void)
		{
		    __asan_init();
		}

		const char *
		__ubsan_default_options(void)
		{
		    return "print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$san_dir/reports/ubsan$sym";
		}
	EOF
	gcc -shared -fPIC -Wl,-z,initfirst -o "$san_dir/sanitizer_first.so" \
		"$san_dir/sanitizer_first.c" "$asan"

	san_env=(
		"LD_PRELOAD=$asan:$san_dir/sanitizer_first.so:$ubsan"
		"ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:log_path=$san_dir/reports/asan$sym"
	)
	# pg_ctlcluster starts the postmaster with nothing but the cluster's
	# environment file: pg_virtualenv hands this one to pg_createcluster
	for v in "${san_env[@]}"; do
		printf "%s = '%s'\\n" "${v%%=*}" "${v#*=}"
	done >"$san_dir/environment"
}

# A report written to stderr: a UBSan report, an ASan one whose report path
# a UBSan runtime reset, or glibc's own check of a fortified memcpy, memset,
# ... (the extension is built with _FORTIFY_SOURCE like the server), which
# catches an overflow that ASan misses: an ereport caught by PG_CATCH
# longjmps, and libasan then unpoisons the whole stack above the catch, so
# the frames still running there lose their redzones until they return.
SAN_STDERR_REPORT='^[^ ]+:[0-9]+:[0-9]+: runtime error: |^==[0-9]+==ERROR: [A-Za-z]+Sanitizer|^\*\*\* [a-z ]+ detected \*\*\*'

# Keep what the sanitizers wrote to the logs given (servers' stderr) in
# $san_dir/reports/stderr.$1, with the stack that follows each report.
sanitizer_scan_logs() {
	local name=$1

	shift
	[ $# -gt 0 ] || return 0
	grep -h -E -A 40 "$SAN_STDERR_REPORT" "$@" >>"$san_dir/reports/stderr.$name" 2>/dev/null || true
}

# Show the sanitizer reports of the run; print their number.
sanitizer_reports() {
	local n=0 k f

	for f in "$san_dir"/reports/asan.* "$san_dir"/reports/ubsan.*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		echo "--- sanitizer report $(basename "$f")" >&2
		cat "$f" >&2
	done
	for f in "$san_dir"/reports/stderr.*; do
		[ -s "$f" ] || continue
		k=$(grep -cE "$SAN_STDERR_REPORT" "$f" || true)
		n=$((n + k))
		echo "--- sanitizer reports in the server logs of ${f##*.}" >&2
		cat "$f" >&2
	done
	echo "$n"
}

# Put the plain build back in the shared install directory.
sanitizer_restore() {
	say "reinstalling the build without sanitizers"
	build_and_install "" >/dev/null
	rm -rf "$san_dir"
}

# Inside pg_virtualenv: pg_regress, then the isolation specs.  Each suite's
# output goes to its own log; a failing suite does not stop the next.
run_server_suites() {
	local out=$1 rc=0

	# under SANITIZE=1, proof that the server has the runtime loaded
	if [ -n "$SANITIZE" ] &&
		[[ $(psql -XAtc "SELECT pg_read_file('/proc/self/maps')") != *libasan* ]]; then
		echo "SANITIZE=1: the server runs without the sanitizer runtime" >"$out/regress.log"
		: >"$out/isolation.log"
		return 1
	fi
	make installcheck ISOLATION= TAP_TESTS= >"$out/regress.log" 2>&1 || rc=1
	make installcheck REGRESS= TAP_TESTS= >"$out/isolation.log" 2>&1 || rc=1
	# the fuzzer's fixed share: seed 1, cases 0-1999, one line per 100
	/usr/bin/python3 test/fuzz/run.py --seed 1 --first 0 --cases 2000 --batch 100 \
		>"$out/fuzz.log" 2>&1 || rc=1
	run_client_suites "$out" || rc=1
	# the cluster's log (its stderr) goes with the cluster
	[ -z "$SANITIZE" ] ||
		sanitizer_scan_logs server "$(pg_lsclusters -h "$PGVER" regress | awk '{ print $7 }')"
	return $rc
}

# Inside pg_virtualenv: the migration tools' clients (test/clients), with
# unittest.  From test/clients: in the top directory, the extension's
# defaults_policy.so would shadow the Python package of that name.
run_client_suites() {
	env -C test/clients PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$top/clients/python" \
		/usr/bin/python3 -m unittest -v >"$1/clients.log" 2>&1
}

# Passed and failed tests of a unittest log; 0 passed, 1 failed when it did
# not end with its summary.
count_unittest() {
	local ran failed

	ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$1")
	failed=$(grep -E '^FAILED \(' "$1" | grep -oE '(failures|errors)=[0-9]+' |
		awk -F= '{ n += $2 } END { print n + 0 }') || true
	if [ -z "$ran" ] || { [ "$failed" -eq 0 ] && ! grep -qE '^OK( |$)' "$1"; }; then
		echo "0 1"
	else
		echo "$((ran > failed ? ran - failed : 0)) $failed"
	fi
}

# The TAP tests, as an unprivileged user on a copy of the tree it owns.
# DEFAULTS_POLICY_HARNESS tells a test that what install_missing installs
# is there: a test that needs it fails instead of skipping.
run_tap_suite() {
	local out=$1 copy rc=0

	if [ -z "$(ls test/t/*.pl 2>/dev/null)" ]; then
		: >"$out/tap.log"
		return 0
	fi
	copy=$(mktemp -d /tmp/defaults_policy_tap.XXXXXX)
	tar --exclude=.git -cf - . | tar -C "$copy" -xf -
	chown -R "$TAP_USER" "$copy"
	# the nodes' postmasters inherit prove's environment (san_env)
	runuser -u "$TAP_USER" -- env -C "$copy" \
		TESTDIR="$copy" PATH="$PGBIN:$PATH" ${san_env[@]+"${san_env[@]}"} \
		DEFAULTS_POLICY_HARNESS=1 \
		PG_REGRESS="$PGXSDIR/src/test/regress/pg_regress" \
		prove -v -I "$PGXSDIR/src/test/perl" -I "$copy" test/t/*.pl \
		>"$out/tap.log" 2>&1 || rc=1
	# the nodes' logs and the tests' own (stderr of the commands they ran)
	[ -z "$SANITIZE" ] || sanitizer_scan_logs tap "$copy"/tmp_check/log/*
	if [ $rc -ne 0 ]; then
		for f in "$copy"/tmp_check/log/regress_log_*; do
			[ -f "$f" ] || continue
			echo "--- last lines of $(basename "$f")"
			tail -n 40 "$f"
		done >>"$out/tap.log"
	fi
	rm -rf "$copy"
	return $rc
}

count() { grep -cE "$1" "$2" || true; }

cmd_test() {
	local out passed=0 failed=0 rc=0 p f

	install_missing
	if [ -n "$SANITIZE" ]; then
		sanitizer_setup
		trap 'rc=$?; sanitizer_restore; exit $rc' EXIT
	fi
	build_and_install "$SANITIZE"
	out=$(mktemp -d /tmp/defaults_policy_test.XXXXXX)

	say "pg_regress and isolation specs (pg_virtualenv)"
	pg_virtualenv -t -v "$PGVER" ${san_dir:+-c "--environment=$san_dir/environment"} \
		bash "$0" _server_suites "$out" "$san_dir" || rc=1
	say "TAP tests (as $TAP_USER)"
	run_tap_suite "$out" || rc=1

	for suite in regress isolation; do
		p=$(count '\.\.\. ok' "$out/$suite.log")
		f=$(count '\.\.\. (FAILED|failed)' "$out/$suite.log")
		echo "--- $suite: $p passed, $f failed"
		grep -E '\.\.\. (ok|FAILED|failed)' "$out/$suite.log" | sed 's/^/    /' || true
		if [ "$f" -ne 0 ] || ! grep -qE 'All [0-9]+ tests passed' "$out/$suite.log"; then
			[ "$f" -ne 0 ] || f=1
			cat "$out/$suite.log"
			for d in results_regress results_isolation; do
				[ -f "$d/regression.diffs" ] && { echo "--- $d/regression.diffs"; cat "$d/regression.diffs"; }
			done
		fi
		passed=$((passed + p)); failed=$((failed + f))
	done

	p=$(count '^fuzz .* \.\.\. ok$' "$out/fuzz.log")
	f=$(count '^fuzz .* \.\.\. FAILED$' "$out/fuzz.log")
	if [ "$f" -ne 0 ] || ! grep -q '^--- fuzz summary: .* 0 failures' "$out/fuzz.log"; then
		[ "$f" -ne 0 ] || f=1
		cat "$out/fuzz.log"
	fi
	echo "--- fuzz: $p passed, $f failed"
	grep -A4 '^--- fuzz summary' "$out/fuzz.log" | sed 's/^/    /' || true
	passed=$((passed + p)); failed=$((failed + f))

	p=$(count '^ok [0-9]' "$out/tap.log")
	f=$(count '^not ok [0-9]' "$out/tap.log")
	if [ -s "$out/tap.log" ] && ! grep -q '^Result: PASS' "$out/tap.log"; then
		[ "$f" -ne 0 ] || f=1
		cat "$out/tap.log"
	fi
	echo "--- tap: $p passed, $f failed"
	# one line per test file: its name and how it ended
	awk '/^test\/t\/.*\.\. *$/ { name = $1; next }
		 name != "" && /^(ok$|skipped|Dubious|Failed [0-9])/ { printf "    %-40s %s\n", name, $0; name = "" }' \
		"$out/tap.log" || true
	passed=$((passed + p)); failed=$((failed + f))

	read -r p f < <(count_unittest "$out/clients.log")
	[ "$f" -eq 0 ] || cat "$out/clients.log" || true
	echo "--- clients: $p passed, $f failed"
	grep -E '^    (django|alembic): ' "$out/clients.log" || true
	passed=$((passed + p)); failed=$((failed + f))

	if [ -n "$SANITIZE" ]; then
		f=$(sanitizer_reports)
		echo "--- sanitizers: $f reports"
		failed=$((failed + f))
	fi

	rm -rf "$out"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
}

cmd_demo() {
	install_missing
	build_and_install
	say "demo in a throwaway cluster"
	pg_virtualenv -t -v "$PGVER" psql -X -q -v ON_ERROR_STOP=0 -e -f test/demo.sql
}

# Each file directly in test/bench (test/bench/lib holds what they share),
# in its own throwaway cluster; then the lines that judge a goal, together.
cmd_bench() {
	local out

	install_missing
	build_and_install
	out=$(mktemp /tmp/defaults_policy_bench.XXXXXX)
	for b in test/bench/*; do
		[ -f "$b" ] || continue
		say "benchmark $(basename "$b")"
		echo "[$(basename "$b")]" >>"$out"
		pg_virtualenv -t -v "$PGVER" bash "$b" | tee -a "$out"
	done
	say "goals"
	grep -E '^\[|PASS|FAIL' "$out" || true
	rm -f "$out"
}

# The fuzzer against a private install (DESTDIR, read through
# extension_destdir) in a cluster that pg_virtualenv makes for an ordinary
# user: initdb refuses root, so root runs it as $TAP_USER.
cmd_fuzz() {
	local dest pkglib port rc=0

	install_missing
	say "building (warnings are errors) and installing into a private directory"
	make -s WERROR=1
	dest=$(mktemp -d /tmp/defaults_policy_fuzz.XXXXXX)
	make -s install DESTDIR="$dest" >/dev/null
	cp -R test/fuzz "$dest/fuzz"
	chmod -R a+rX "$dest"
	pkglib=$("$PGBIN/pg_config" --pkglibdir)
	# a port far from the ones other throwaway clusters take (5432 up), so
	# that a "make test" starting meanwhile cannot pick the same
	port=$(/usr/bin/python3 -c 'import socket, random
for p in random.sample(range(56000, 57000), 1000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()')
	say "fuzzing: ${FUZZ_CASES:-100000} cases of seed ${FUZZ_SEED:-1}"
	set -- env -C / PGPORT="$port" FUZZ_CASES="${FUZZ_CASES:-100000}" FUZZ_SEED="${FUZZ_SEED:-1}" \
		FUZZ_FIRST="${FUZZ_FIRST:-0}" ${FUZZ_OUT:+FUZZ_OUT="$FUZZ_OUT"} \
		pg_virtualenv -t -v "$PGVER" -o "extension_destdir=$dest" \
		-o "dynamic_library_path=$dest$pkglib:$pkglib" \
		/usr/bin/python3 "$dest/fuzz/run.py"
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$TAP_USER" -- "$@" || rc=$?
	else
		"$@" || rc=$?
	fi
	rm -rf "$dest"
	return $rc
}

# PostgreSQL's regression suite: the source is fetched with apt-get source
# (dpkg-source unpacks it), the comparison is in Python
cmd_core() {
	install_missing dpkg-source:dpkg-dev bzip2:bzip2 xz:xz-utils python3:python3
	bash test/core/run.sh
}

# The Citus suite needs Citus installed in this PostgreSQL; it is not a
# Debian package, and nothing here builds it.
cmd_citus() {
	local pkglib sharedir

	pkglib=$("$PGBIN/pg_config" --pkglibdir 2>/dev/null || echo "/usr/lib/postgresql/$PGVER/lib")
	sharedir=$("$PGBIN/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$PGVER")
	if [ ! -f "$pkglib/citus.so" ] || [ ! -f "$sharedir/extension/citus.control" ]; then
		echo "SKIP: Citus is not installed in PostgreSQL $PGVER ($pkglib/citus.so, $sharedir/extension/citus.control):"
		echo "      make test-citus needs an installed Citus 13 for PostgreSQL $PGVER; nothing was run (see README, Citus)."
		return 0
	fi
	install_missing
	build_and_install
	bash test/citus/run.sh
}

case "${1:-}" in
	test) cmd_test ;;
	demo) cmd_demo ;;
	bench) cmd_bench ;;
	fuzz) cmd_fuzz ;;
	core) cmd_core ;;
	citus) cmd_citus ;;
	_server_suites) san_dir=${3:-}; run_server_suites "$2" ;;
	*) echo "usage: $0 test|demo|bench|fuzz|core|citus" >&2; exit 2 ;;
esac
