#!/usr/bin/env bash
#
# test/citus/figures.sh BASEDIR PORT: the figures of the README's "Citus"
# section, measured on the cluster of test/citus/run.sh (timings, printed,
# not judged):
#
#   - adding a NOT NULL column to a distributed table of 32 shards and
#     200,000 rows with add_column_with_default() against the plain
#     ALTER TABLE ... ADD COLUMN ... NOT NULL DEFAULT, for a static, a
#     stable and a volatile default (and against the plain ADD COLUMN and
#     DROP DEFAULT in one transaction, which is what the function runs),
#     each the median of $ROUNDS runs alternating them, each in its own
#     transaction (two-phase commit included), as the client sees it
#     (psql's \timing);
#   - the time to the 55P03 when another transaction holds ACCESS SHARE on
#     one shard on a worker, with the default lock_timeout and lock_retries
#     and with 200 ms and 5 retries.
#
set -euo pipefail

base=${1:?basedir}
port=${2:?port}
ROUNDS=${ROUNDS:-5}
PGBIN=/usr/lib/postgresql/15/bin

q() { # q SQL: one statement, its output
	PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$base" -p "$port" -U postgres -d postgres -c "$1"
}

timed() { # timed SQL...: the milliseconds psql's \timing reports for them, summed
	local args=() sql
	for sql in "$@"; do args+=(-c "$sql"); done
	"$PGBIN/psql" -X -q -At -h "$base" -p "$port" -U postgres -d postgres \
		-c '\timing on' "${args[@]}" 2>/dev/null |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ t += $1 } END { print t }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

q "DROP TABLE IF EXISTS figures"
q "CREATE TABLE figures (id bigint PRIMARY KEY, payload text)"
q "SELECT create_distributed_table('figures', 'id', shard_count => 32)" >/dev/null
q "INSERT INTO figures SELECT g, md5(g::text) FROM generate_series(1, 200000) g"
q "ANALYZE figures"

compare() { # compare LABEL TYPE EXPRESSION
	local label=$1 type=$2 expr=$3 i c f p d fs=() ps=() ds=()
	for i in $(seq 1 "$ROUNDS"); do
		c=${type}_$i
		f=$(timed "SELECT 1 FROM add_column_with_default('figures', 'f_$c', '$type', '$expr')")
		p=$(timed "ALTER TABLE figures ADD COLUMN p_$c $type NOT NULL DEFAULT $expr")
		# what the function runs, by hand: ADD COLUMN, then DROP DEFAULT
		d=$(timed "BEGIN" "ALTER TABLE figures ADD COLUMN d_$c $type NOT NULL DEFAULT $expr" \
			"ALTER TABLE figures ALTER COLUMN d_$c DROP DEFAULT" "COMMIT")
		fs+=("$f")
		ps+=("$p")
		ds+=("$d")
	done
	f=$(printf '%s\n' "${fs[@]}" | median)
	p=$(printf '%s\n' "${ps[@]}" | median)
	d=$(printf '%s\n' "${ds[@]}" | median)
	awk -v l="$label" -v f="$f" -v p="$p" -v d="$d" 'BEGIN {
		printf "  %-38s %8.1f ms %8.1f ms (%4.2f) %8.1f ms (%4.2f)\n", l, f, p, f / p, d, f / d }'
}

echo "32 shards on 2 workers, 200,000 rows, one machine; median of $ROUNDS runs each, and the ratio"
echo "  default                                 function  plain ALTER TABLE   plain ADD + DROP DEFAULT"
compare "static default (0):" integer 0
compare "stable default (now()):" timestamptz "now()"
compare "volatile default (gen_random_uuid()):" uuid "gen_random_uuid()"
echo "  (plain ALTER TABLE with now(): each worker stores its own now(); add_column_with_default: the caller's)"

# Another transaction holds ACCESS SHARE on one shard on worker 1 for long.
shard=$(q "SELECT shard_name FROM citus_shards WHERE table_name = 'figures'::regclass
           AND nodeport = $((port + 1)) ORDER BY shardid LIMIT 1")
"$PGBIN/psql" -X -q -h "$base" -p $((port + 1)) -U postgres -d postgres \
	-c "SET application_name = 'figures holder'" \
	-c "SET citus.enable_manual_changes_to_shards = on" \
	-c "BEGIN" -c "LOCK TABLE $shard IN ACCESS SHARE MODE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
sleep 1
until_55p03() { # until_55P03 TIMEOUT RETRIES: milliseconds, or "no 55P03"
	local start end out
	start=$(date +%s%N)
	out=$("$PGBIN/psql" -X -q -At -v VERBOSITY=sqlstate -h "$base" -p "$port" -U postgres -d postgres \
		-c "SET defaults_policy.lock_timeout = $1" -c "SET defaults_policy.lock_retries = $2" \
		-c "SELECT add_column_with_default('figures', 'blocked', 'integer', '0')" 2>&1) || true
	end=$(date +%s%N)
	if [[ $out == *55P03* ]]; then
		echo "$(((end - start) / 1000000)) ms"
	else
		echo "no 55P03: $out"
	fi
}
t1=$(until_55p03 200 5)
t2=$(until_55p03 2000 5)
echo "  time to the 55P03, ACCESS SHARE held on one shard on a worker:"
echo "    lock_timeout 200 ms, 5 retries:              $t1"
echo "    the defaults (2000 ms, 5 retries):           $t2"
"$PGBIN/psql" -X -q -At -h "$base" -p $((port + 1)) -U postgres -d postgres \
	-c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'figures holder'" >/dev/null
wait "$holder" 2>/dev/null || true
q "DROP TABLE figures"
