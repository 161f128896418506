#!/usr/bin/env bash
#
# test/bench/lib/common.sh: what the benchmarks in test/bench share.
# Sourced, not run: "make bench" runs only the files directly in test/bench.
#
# One psql session runs as a coprocess; the bench sends it SQL and reads
# its answer back, and between two statements reads the backend's counters
# from /proc itself, so no measurement runs inside the backend and the
# client's own work (psql, this script) never counts:
#
#   CPU time   the first field of /proc/<backend pid>/schedstat, the time
#              the backend has spent on a CPU in nanoseconds; read before
#              and after each measured batch.
#   wall time  psql's \timing of each statement: one round trip over the
#              Unix socket, from sending the query to its last result.
#   memory     RssAnon from /proc/<backend pid>/status: the backend's
#              private anonymous memory (its heap: palloc'd memory lives
#              there), i.e. VmRSS minus shared memory and mapped files.
#              Shared buffers it touches are not counted.  The peak during
#              a statement is polled every few milliseconds.
#
# Reading /proc of the backend needs the same user as the server or root;
# "make bench" runs as root inside pg_virtualenv.
#

# Start the session: sets DP_PID (the backend) and psql's \timing.
dp_start() {
	coproc DP_PSQL { exec psql -X -q -A -t -v ON_ERROR_STOP=1; }
	dp_q 'SELECT pg_backend_pid()'
	DP_PID=${DP_OUT[0]}
	if ! [ -r "/proc/$DP_PID/schedstat" ] || ! [ -r "/proc/$DP_PID/status" ]; then
		echo "cannot read /proc/$DP_PID of the backend (run as root or as the server's user)" >&2
		exit 1
	fi
	dp_q '\timing on'
}

dp_stop() {
	if [ -n "${DP_PSQL_PID:-}" ]; then
		printf '\\q\n' >&"${DP_PSQL[1]}"
		wait "$DP_PSQL_PID" 2>/dev/null || true
	fi
}

# dp_q SQL: run SQL (psql syntax; a ";" is added unless it is a
# backslash command) in the session.  Sets
# DP_OUT (the output lines, unaligned, tuples only) and DP_MS (the sum of
# psql's "Time:" lines, in ms, as text).  Exits if psql ends (an error
# with ON_ERROR_STOP; the message went to stderr).
dp_q() {
	local line end=';'
	case $1 in \\*) end= ;; esac
	printf '%s%s\n\\echo __dp_end__\n' "$1" "$end" >&"${DP_PSQL[1]}"
	DP_OUT=()
	DP_MS=0
	while IFS= read -r line <&"${DP_PSQL[0]}"; do
		case $line in
			__dp_end__) return 0 ;;
			"Time: "*)
				line=${line#Time: }
				DP_MS=$(dp_add "$DP_MS" "${line%% *}") ;;
			*) DP_OUT+=("$line") ;;
		esac
	done
	echo "psql ended: the last statement failed" >&2
	exit 1
}

# decimal addition of two non-negative numbers with up to 3 decimals,
# without a fork
dp_add() {
	local a=$1 b=$2 ai af bi bf
	ai=${a%%.*}; af=${a#"$ai"}; af=${af#.}000; af=${af:0:3}
	bi=${b%%.*}; bf=${b#"$bi"}; bf=${bf#.}000; bf=${bf:0:3}
	local s=$(( (10#$ai * 1000 + 10#$af) + (10#$bi * 1000 + 10#$bf) ))
	printf '%d.%03d' $((s / 1000)) $((s % 1000))
}

# CPU time of the backend so far, ns
dp_cpu() {
	local ns rest
	read -r ns rest <"/proc/$DP_PID/schedstat"
	DP_CPU=$ns
}

# RssAnon of the backend, kB
dp_mem() {
	local k v u
	DP_MEM=
	while read -r k v u; do
		if [ "$k" = RssAnon: ]; then DP_MEM=$v; return; fi
	done <"/proc/$DP_PID/status"
}

# dp_run SQL: run SQL and measure it; sets DP_CPU_NS (backend CPU, ns) and
# DP_MS (wall, ms)
dp_run() {
	local c0
	dp_cpu; c0=$DP_CPU
	dp_q "$1"
	dp_cpu
	DP_CPU_NS=$((DP_CPU - c0))
}

# dp_run_peak SQL: like dp_run, and sets DP_MEM_BEFORE, DP_MEM_PEAK and
# DP_MEM_AFTER (RssAnon in kB before, at its highest during, and after)
dp_run_peak() {
	local peakfile poller
	peakfile=$(mktemp /tmp/dp_bench_peak.XXXXXX)
	dp_mem; DP_MEM_BEFORE=$DP_MEM
	(
		max=0
		trap 'echo "$max" >"$peakfile"; exit 0' TERM
		while :; do
			while read -r k v u; do
				if [ "$k" = RssAnon: ]; then
					[ "$v" -gt "$max" ] && max=$v
					break
				fi
			done <"/proc/$DP_PID/status"
			sleep 0.005
		done
	) &
	poller=$!
	dp_run "$1"
	kill -TERM "$poller"
	wait "$poller" 2>/dev/null || true
	dp_mem; DP_MEM_AFTER=$DP_MEM
	DP_MEM_PEAK=$(cat "$peakfile")
	rm -f "$peakfile"
	[ "$DP_MEM_AFTER" -gt "$DP_MEM_PEAK" ] && DP_MEM_PEAK=$DP_MEM_AFTER
	[ "$DP_MEM_BEFORE" -gt "$DP_MEM_PEAK" ] && DP_MEM_PEAK=$DP_MEM_BEFORE
	return 0
}

# 1000000 -> 1M, 20000 -> 20k, for labels
dp_human() {
	local n=$1
	if [ $((n % 1000000)) -eq 0 ]; then echo "$((n / 1000000))M"
	elif [ $((n % 1000)) -eq 0 ]; then echo "$((n / 1000))k"
	else echo "$n"; fi
}
