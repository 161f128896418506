#!/usr/bin/env bash
#
# test/citus/run.sh: what "make test-citus" runs, through test/harness.sh
# citus, which skips when Citus is not installed and otherwise builds and
# installs the extension first.
#
# A throwaway Citus cluster (test/citus/cluster.sh): a coordinator and two
# workers on Unix sockets in $CITUS_BASE, with Citus and defaults_policy in
# the database "postgres" of each.  pg_regress runs the suite
# test/citus/sql/*.sql against the coordinator (--use-existing), in the
# order of $tests: the files reach the workers with \connect and dblink,
# and stop and start a worker through $DP_CITUS_CLUSTER.  Then
# test/citus/figures.sh prints the figures of the README (timings, not
# judged).  Ends with "--- citus: N passed, N failed" and exits non-zero on
# a failure.
#
# The socket directory and the ports are fixed, so that what the tests
# print (a coordinator named in a hint) is the same on every run; a lock
# file keeps two runs on one machine from sharing the cluster.
#
# Environment:
#   CITUS_KEEP   1: keep the cluster's directory (it is kept on a failure)
#
set -euo pipefail

PGVER=15
PGBIN=/usr/lib/postgresql/$PGVER/bin
PGXSDIR=/usr/lib/postgresql/$PGVER/lib/pgxs
PG_REGRESS=$PGXSDIR/src/test/regress/pg_regress
CITUS_BASE=/tmp/defaults_policy_citus
CITUS_PORT=9810
tests="citus_tables citus_explain citus_refusals citus_locks citus_workers citus_down"

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
cluster="$top/test/citus/cluster.sh"

say() { printf '==> %s\n' "$*"; }

exec 9>"$CITUS_BASE.lock"
flock 9

out=$(mktemp -d /tmp/defaults_policy_citus_results.XXXXXX)
rc=0
finish() {
	bash "$cluster" stop "$CITUS_BASE" >/dev/null 2>&1 || true
	if [ $rc -eq 0 ] && [ "${CITUS_KEEP:-}" != 1 ]; then
		rm -rf "$CITUS_BASE" "$out"
	else
		echo "kept: the cluster in $CITUS_BASE (node logs there), the results in $out"
	fi
}
trap finish EXIT

# a fresh cluster every run
bash "$cluster" stop "$CITUS_BASE" >/dev/null 2>&1 || true
rm -rf "$CITUS_BASE"
say "starting a Citus cluster: coordinator and two workers in $CITUS_BASE, ports $CITUS_PORT-$((CITUS_PORT + 2))"
bash "$cluster" start "$CITUS_BASE" "$CITUS_PORT"
citus_version=$("$PGBIN/psql" -X -At -h "$CITUS_BASE" -p "$CITUS_PORT" -U postgres -d postgres \
	-c "SELECT extversion FROM pg_extension WHERE extname = 'citus'")
say "Citus $citus_version; the suite: $tests"

export DP_CITUS_HOST=$CITUS_BASE
export DP_CITUS_COORDINATOR=$CITUS_PORT
export DP_CITUS_WORKER1=$((CITUS_PORT + 1))
export DP_CITUS_WORKER2=$((CITUS_PORT + 2))
export DP_CITUS_CLUSTER="bash $cluster"
# shellcheck disable=SC2086
"$PG_REGRESS" --use-existing --bindir="$PGBIN" --host="$CITUS_BASE" --port="$CITUS_PORT" \
	--user=postgres --dbname=postgres --inputdir=test/citus --outputdir="$out" \
	$tests >"$out/regress.log" 2>&1 || rc=1

p=$(grep -cE '\.\.\. ok' "$out/regress.log" || true)
f=$(grep -cE '\.\.\. (FAILED|failed)' "$out/regress.log" || true)
grep -E '\.\.\. (ok|FAILED|failed)' "$out/regress.log" | sed 's/^/    /' || true
if [ $rc -ne 0 ]; then
	[ "$f" -ne 0 ] || f=1
	cat "$out/regress.log"
	[ -f "$out/regression.diffs" ] && cat "$out/regression.diffs"
fi

say "figures (not judged)"
bash test/citus/figures.sh "$CITUS_BASE" "$CITUS_PORT" || rc=1

echo "--- citus: $p passed, $f failed"
exit $rc
