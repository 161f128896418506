#!/usr/bin/env bash
#
# test/citus/cluster.sh: a throwaway Citus cluster for make test-citus, with
# an installed Citus (this script builds nothing).
#
#   cluster.sh start BASEDIR PORT     initdb (once) and start three nodes, set
#                                     up Citus and this extension on each
#   cluster.sh stop BASEDIR           stop the nodes that run
#   cluster.sh stop-node BASEDIR NODE / start-node BASEDIR NODE
#                                     stop or start one node (a worker that
#                                     is down)
#
#   coordinator  port PORT     data BASEDIR/coordinator
#   worker1      port PORT+1   data BASEDIR/worker1
#   worker2      port PORT+2   data BASEDIR/worker2
#
# The nodes listen only on a Unix socket in BASEDIR (no TCP) with trust
# authentication, so the ports cannot clash with any other cluster; they
# reach each other through the same socket directory.  Citus and
# defaults_policy are created in the database "postgres" of each node (the
# coordinator propagates CREATE EXTENSION to the workers it knows, so the
# workers get theirs first), the coordinator is registered and both workers
# are added.  Runs as root (initdb and pg_ctl run as the postgres user) or as
# the postgres user.
set -uo pipefail

cmd=${1:-}
base=${2:-}
pgbin=$(pg_config --bindir)

as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

node_port() { # node_port NODE: from the port the coordinator was given
	local port
	port=$(cat "$base/port")
	case $1 in
		coordinator) echo "$port" ;;
		worker1) echo $((port + 1)) ;;
		worker2) echo $((port + 2)) ;;
	esac
}

sql() { # sql PORT SQL
	PGOPTIONS='-c client_min_messages=warning' \
		"$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$base" -p "$1" -U postgres -d postgres -c "$2"
}

init_node() {
	local dir=$base/$1
	[ -d "$dir" ] && return 0
	# --no-sync: a throwaway cluster
	as_pg "$pgbin/initdb" -D "$dir" -U postgres -A trust --no-sync >"$base/$1.initdb.log" 2>&1 ||
		{ echo "initdb failed for $1, see $base/$1.initdb.log" >&2; return 1; }
	cat >>"$dir/postgresql.conf" <<-CONF

		# test/citus/cluster.sh
		port = $(node_port "$1")
		listen_addresses = ''
		unix_socket_directories = '$base'
		shared_preload_libraries = 'citus'
		max_connections = 100
		# Citus commits multi-shard DDL with two-phase commit
		max_prepared_transactions = 100
		shared_buffers = 128MB
		max_wal_size = 1GB
		citus.enable_statistics_collection = off
		# the shards are spread over the workers only
		citus.shard_count = 32
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		log_line_prefix = '%m [%p] %a: '
	CONF
}

start_node() {
	as_pg "$pgbin/pg_ctl" -D "$base/$1" status >/dev/null 2>&1 && return 0
	as_pg "$pgbin/pg_ctl" -D "$base/$1" -l "$base/$1.log" -w start >/dev/null ||
		{ echo "$1 did not start, see $base/$1.log" >&2; return 1; }
}

stop_node() {
	as_pg "$pgbin/pg_ctl" -D "$base/$1" status >/dev/null 2>&1 || return 0
	as_pg "$pgbin/pg_ctl" -D "$base/$1" -m fast -w stop >/dev/null
}

start() {
	local port=${1:?port} n
	mkdir -p "$base" && chown postgres "$base" 2>/dev/null
	[ -f "$base/port" ] || echo "$port" >"$base/port"
	for n in worker1 worker2 coordinator; do
		init_node "$n" && start_node "$n" || return 1
	done
	# once: workers first, each gets both extensions before the coordinator
	# knows it (a worker then refuses CREATE EXTENSION, even IF NOT EXISTS)
	[ -f "$base/ready" ] && return 0
	for n in worker1 worker2 coordinator; do
		sql "$(node_port "$n")" "CREATE EXTENSION IF NOT EXISTS citus" || return 1
		sql "$(node_port "$n")" "CREATE EXTENSION IF NOT EXISTS defaults_policy" || return 1
	done
	port=$(node_port coordinator)
	sql "$port" "SELECT citus_set_coordinator_host('$base', $port)" >/dev/null || return 1
	sql "$port" "SELECT citus_add_node('$base', $((port + 1)))" >/dev/null || return 1
	sql "$port" "SELECT citus_add_node('$base', $((port + 2)))" >/dev/null || return 1
	touch "$base/ready"
}

stop() {
	local n rc=0
	for n in coordinator worker1 worker2; do
		[ -d "$base/$n" ] || continue
		stop_node "$n" || rc=1
	done
	return $rc
}

[ -n "$base" ] || { echo "usage: cluster.sh start|stop|stop-node|start-node BASEDIR [PORT|NODE]" >&2; exit 2; }
case $cmd in
	start) start "${3:-}" ;;
	stop) stop ;;
	stop-node) stop_node "${3:?node}" ;;
	start-node) start_node "${3:?node}" ;;
	*) echo "usage: cluster.sh start|stop|stop-node|start-node BASEDIR [PORT|NODE]" >&2; exit 2 ;;
esac
