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
# A bench that compares two databases keeps one session in each: dp_open
# starts a named session (psql over two FIFOs, its stderr in a file) and
# dp_use makes it the one that dp_q, dp_run and dp_cpu talk to.
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
	[ -z "${DP_ERR:-}" ] || tail -n 5 "$DP_ERR" >&2
	exit 1
}

# Named sessions (dp_open, dp_use, dp_close): read and write ends, psql's
# pid, the backend's pid and the stderr file of each
declare -gA DP_S_R=() DP_S_W=() DP_S_PSQL=() DP_S_PID=() DP_S_ERR=()

# dp_open NAME DATABASE STDERR_FILE: start a session on DATABASE, its
# messages (WARNINGs too) going to STDERR_FILE, and make it the current one.
dp_open() {
	local name=$1 db=$2 err=$3 dir r w
	dir=$(mktemp -d /tmp/dp_bench_session.XXXXXX)
	mkfifo "$dir/in" "$dir/out"
	psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" <"$dir/in" >"$dir/out" 2>"$err" &
	DP_S_PSQL[$name]=$!
	# each open waits for the other end, in the order psql opens them
	exec {w}>"$dir/in"
	exec {r}<"$dir/out"
	rm -rf "$dir"
	DP_S_R[$name]=$r
	DP_S_W[$name]=$w
	DP_S_ERR[$name]=$err
	DP_S_PID[$name]=
	dp_use "$name"
	dp_q 'SELECT pg_backend_pid()'
	DP_S_PID[$name]=${DP_OUT[0]}
	DP_PID=${DP_OUT[0]}
	if ! [ -r "/proc/$DP_PID/schedstat" ] || ! [ -r "/proc/$DP_PID/status" ]; then
		echo "cannot read /proc/$DP_PID of the backend (run as root or as the server's user)" >&2
		exit 1
	fi
	dp_q '\timing on'
}

# dp_use NAME: the session that dp_q, dp_run and dp_cpu use from now on
dp_use() {
	DP_PSQL=("${DP_S_R[$1]}" "${DP_S_W[$1]}")
	DP_PID=${DP_S_PID[$1]}
	DP_ERR=${DP_S_ERR[$1]}
}

# dp_close NAME: end the session (nothing if it is not open)
dp_close() {
	local name=$1 r w
	[ -n "${DP_S_PSQL[$name]:-}" ] || return 0
	r=${DP_S_R[$name]}
	w=${DP_S_W[$name]}
	printf '\\q\n' >&"$w" 2>/dev/null || true
	exec {w}>&- {r}<&-
	wait "${DP_S_PSQL[$name]}" 2>/dev/null || true
	unset "DP_S_PSQL[$name]"
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
