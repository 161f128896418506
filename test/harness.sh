#!/usr/bin/env bash
#
# test/harness.sh: what "make test", "make demo", "make bench" and "make fuzz"
# run.
#
#   test    install what is missing, build with -Werror, install, run
#           pg_regress, the isolation specs and 2,000 cases of the fuzzer
#           against a throwaway cluster (pg_virtualenv), then the TAP tests
#           as an unprivileged user;
#           ends with one line "N passed, N failed" over all suites
#   demo    install what is missing, build, install, and run test/demo.sql
#           in a throwaway cluster
#   bench   the benchmarks under test/bench, in a throwaway cluster
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

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '==> %s\n' "$*"; }

# Install the Debian packages the build and the suites need, if missing.
install_missing() {
	local missing=()

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
	command -v pg_virtualenv >/dev/null || missing+=(postgresql-common)
	perl -MIPC::Run -e 1 2>/dev/null || missing+=(libipc-run-perl)
	command -v prove >/dev/null || missing+=(perl)
	command -v make >/dev/null || missing+=(make)
	command -v gcc >/dev/null || missing+=(gcc)
	command -v runuser >/dev/null || missing+=(util-linux)

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

build_and_install() {
	say "building (warnings are errors) and installing"
	make -s clean >/dev/null
	make -s WERROR=1
	make -s install >/dev/null
}

# Inside pg_virtualenv: pg_regress, then the isolation specs.  Each suite's
# output goes to its own log; a failing suite does not stop the next.
run_server_suites() {
	local out=$1 rc=0

	make installcheck ISOLATION= TAP_TESTS= >"$out/regress.log" 2>&1 || rc=1
	make installcheck REGRESS= TAP_TESTS= >"$out/isolation.log" 2>&1 || rc=1
	# the fuzzer's fixed share: seed 1, cases 0-1999, one line per 100
	/usr/bin/python3 test/fuzz/run.py --seed 1 --first 0 --cases 2000 --batch 100 \
		>"$out/fuzz.log" 2>&1 || rc=1
	return $rc
}

# The TAP tests, as an unprivileged user on a copy of the tree it owns.
run_tap_suite() {
	local out=$1 copy rc=0

	if [ -z "$(ls test/t/*.pl 2>/dev/null)" ]; then
		: >"$out/tap.log"
		return 0
	fi
	copy=$(mktemp -d /tmp/defaults_policy_tap.XXXXXX)
	tar --exclude=.git -cf - . | tar -C "$copy" -xf -
	chown -R "$TAP_USER" "$copy"
	runuser -u "$TAP_USER" -- env -C "$copy" \
		TESTDIR="$copy" PATH="$PGBIN:$PATH" \
		PG_REGRESS="$PGXSDIR/src/test/regress/pg_regress" \
		prove -v -I "$PGXSDIR/src/test/perl" -I "$copy" test/t/*.pl \
		>"$out/tap.log" 2>&1 || rc=1
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
	build_and_install
	out=$(mktemp -d /tmp/defaults_policy_test.XXXXXX)

	say "pg_regress and isolation specs (pg_virtualenv)"
	pg_virtualenv -t -v "$PGVER" bash "$0" _server_suites "$out" || rc=1
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

cmd_bench() {
	install_missing
	build_and_install
	for b in test/bench/*; do
		[ -f "$b" ] || continue
		say "benchmark $(basename "$b")"
		pg_virtualenv -t -v "$PGVER" bash "$b"
	done
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

case "${1:-}" in
	test) cmd_test ;;
	demo) cmd_demo ;;
	bench) cmd_bench ;;
	fuzz) cmd_fuzz ;;
	_server_suites) run_server_suites "$2" ;;
	*) echo "usage: $0 test|demo|bench|fuzz" >&2; exit 2 ;;
esac
