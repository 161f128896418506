#!/usr/bin/env bash
#
# test/core/run.sh: what "make test-core" runs, through test/harness.sh core
# (which first installs what is missing).
#
# PostgreSQL's own regression suite (src/test/regress of the Debian source
# package, parallel_schedule) against the extension, run three times, each in
# a throwaway cluster of its own (pg_regress --temp-instance, as the postgres
# user since initdb refuses root), with the same settings:
#
#   baseline  without the extension
#   warn      database "regression" made with CREATE EXTENSION defaults_policy
#             (pg_regress --load-extension), defaults_policy.enforce = warn
#   error     the same with defaults_policy.enforce = error
#
# and test/core/compare.py compares each test's output with the baseline's,
# not with expected/ (the suite may be of an older minor than the server), and
# reads the servers' logs (jsonlog) for what the extension raised and for
# crashes.  It passes when under warn every test's output is the baseline's
# with nothing but the extension's WARNING blocks added, and under error no
# server crashes, nothing is refused that warn did not warn about, and every
# difference holds a refusal or follows from one.  See compare.py for the
# rules.  Ends with "N failures" and exits non-zero on a failure.
#
# About a minute and a half on this project's 2-core machine: the build, and
# 20 to 30 seconds for each run.
#
# The extension is the build of this tree installed into a private directory
# (make install DESTDIR=...), read through extension_destdir and
# dynamic_library_path; a probe test after the schedule checks that the
# library loaded is that one.  regress.so, refint.so and autoinc.so are built
# from the source with a small PGXS Makefile.
#
# The suite needs one adjustment, made to a copy and reported: psql 15.20
# skips the input after a COPY ... FROM STDIN that the server refuses before
# the copy starts, up to the next "\." line; an older suite lacks those lines,
# so compare.py fix-copy adds them where the suite's own expected output shows
# such a refusal.  pg_regress --load-extension makes "regression" as usual
# (from template0, with pg_regress's database settings) and then runs CREATE
# EXTENSION in it, so the three runs differ in nothing else.
#
# Environment:
#   CORE_SRC   an unpacked PostgreSQL 15 source tree to take the suite from.
#              Otherwise the newest tree under $CORE_CACHE, fetched there with
#              "apt-get source" when there is none: the installed server's
#              version first, else the newest the archive has.  When the
#              system has no deb-src entry, the Sources index is read through
#              a private apt configuration made from the deb entries; the
#              system's is not changed.
#   CORE_CACHE where the source is fetched (/tmp/defaults_policy_pgsrc)
#   CORE_USER  the user the clusters run as (postgres)
#   CORE_KEEP  1: keep the work directory (it is kept on a failure anyway)
#
set -euo pipefail

PGVER=15
PGBIN=/usr/lib/postgresql/$PGVER/bin
PGXSDIR=/usr/lib/postgresql/$PGVER/lib/pgxs
PG_REGRESS=$PGXSDIR/src/test/regress/pg_regress
CORE_CACHE=${CORE_CACHE:-/tmp/defaults_policy_pgsrc}
CORE_USER=${CORE_USER:-postgres}

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

say() { printf '==> %s\n' "$*"; }

# An unpacked tree holding the regression suite: $1 is a tree or a directory
# of trees (postgresql-15-15.18/...); the newest wins.
find_tree() {
	local d

	[ -f "$1/src/test/regress/parallel_schedule" ] && { echo "$1"; return 0; }
	for d in $(ls -d "$1"/postgresql-$PGVER-*/ 2>/dev/null | sort -V -r); do
		d=${d%/}
		[ -f "$d/src/test/regress/parallel_schedule" ] && { echo "$d"; return 0; }
	done
	return 1
}

# The source versions apt knows, newest first, with the installed server's
# version put first.  $@: apt options.
source_versions() {
	local installed

	installed=$(dpkg-query -W -f '${Version}' "postgresql-$PGVER" 2>/dev/null || true)
	{
		[ -n "$installed" ] && echo "$installed"
		apt-cache "$@" showsrc "postgresql-$PGVER" 2>/dev/null |
			awk '/^Version:/ { print $2 }' | sort -V -r
	} | awk '!seen[$0]++'
}

# apt options for a private configuration with deb-src entries made from the
# system's deb entries, its Sources index fetched into it.
private_apt() {
	local apt=$1 f

	mkdir -p "$apt/sources.list.d" "$apt/lists/partial"
	: >"$apt/sources.list"
	[ -f /etc/apt/sources.list ] &&
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >"$apt/sources.list"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" >"$apt/sources.list.d/$(basename "$f")"
	done
	for f in /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >"$apt/sources.list.d/$(basename "$f")"
	done
	echo "-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=$apt/sources.list.d -o Dir::State::Lists=$apt/lists"
}

# Fetch the source package into $CORE_CACHE; print the tree.
fetch_source() {
	local opts=() v tree

	mkdir -p "$CORE_CACHE"
	if [ -z "$(apt-cache showsrc "postgresql-$PGVER" 2>/dev/null)" ]; then
		say "no deb-src entry: reading the Sources index through a private apt configuration" >&2
		read -r -a opts <<<"$(private_apt "$CORE_CACHE/apt")"
		apt-get "${opts[@]}" update -q >/dev/null
	fi
	for v in $(source_versions "${opts[@]}"); do
		say "apt-get source postgresql-$PGVER=$v" >&2
		if (cd "$CORE_CACHE" && apt-get "${opts[@]}" source -q "postgresql-$PGVER=$v" >/dev/null 2>&1); then
			tree=$(find_tree "$CORE_CACHE") && { echo "$tree"; return 0; }
		fi
		echo "    not available" >&2
	done
	echo "could not fetch the source of postgresql-$PGVER" >&2
	return 1
}

# Run the suite once.  $1: run name; $2: extra pg_regress options.
run_suite() {
	local name=$1 opts=$2 rc=0 start=$SECONDS

	mkdir -p "$work/$name/serverlog"
	{
		echo "# written by test/core/run.sh for the run \"$name\""
		cat "$work/common.conf"
		case $name in
			warn | error) [ -z "$has_enforce" ] || echo "defaults_policy.enforce = $name" ;;
		esac
		echo "log_directory = '$work/$name/serverlog'"
	} >"$work/$name.conf"
	give "$work/$name" "$work/$name.conf"
	# shellcheck disable=SC2086
	as_user env -C "$work" "$PG_REGRESS" \
		--temp-instance="$work/$name/instance" --temp-config="$work/$name.conf" \
		--bindir="$PGBIN" --inputdir="$work/suite" --outputdir="$work/$name" \
		--dlpath="$work/lib" --no-locale --encoding=UTF8 --max-concurrent-tests=20 \
		--schedule="$work/suite/parallel_schedule" $opts dp_core_probe \
		>"$work/$name.log" 2>&1 || rc=$?
	# 1: some tests differ from expected/, which the comparison ignores
	if [ "$rc" -gt 1 ]; then
		cat "$work/$name.log" >&2
		echo "pg_regress could not run the suite ($name, exit $rc)" >&2
		exit 1
	fi
	rm -rf "$work/$name/instance"
	say "$name: $(grep -E '^(test)? +[a-z_0-9.]+ +\.\.\. ' "$work/$name.log" | grep -cv dp_core_probe || true) tests and the probe in $((SECONDS - start)) s"
}

# root runs the clusters as $CORE_USER (initdb refuses root), and gives it
# what it writes; anyone else runs them as itself
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$CORE_USER" -- "$@"
	else
		"$@"
	fi
}

give() {
	[ "$(id -u)" -ne 0 ] || chown -R "$CORE_USER" "$@"
}

# the source of the suite
if [ -n "${CORE_SRC:-}" ]; then
	src=$(find_tree "$CORE_SRC") || { echo "CORE_SRC=$CORE_SRC holds no src/test/regress" >&2; exit 1; }
elif ! src=$(find_tree "$CORE_CACHE"); then
	src=$(fetch_source)
fi
src_version=$(sed -n "s/^PACKAGE_VERSION='\(.*\)'/\1/p" "$src/configure")
server_version=$("$PGBIN/postgres" --version | awk '{ print $3 }')
say "suite of PostgreSQL $src_version ($src), server $server_version"

work=$(mktemp -d /tmp/defaults_policy_core.XXXXXX)
chmod 755 "$work"

say "building (warnings are errors) and installing into $work/inst"
make -s WERROR=1
make -s install DESTDIR="$work/inst" >/dev/null
# the last commit that changed the extension itself, and the tree's
commit=$(git -C "$top" log -1 --no-merges --format=%h -- src ':(glob)defaults_policy--*.sql' defaults_policy.control 2>/dev/null || echo unknown)
commit="$commit (tree at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit with changes"
commit="$commit)"
has_enforce=
grep -q '"defaults_policy\.enforce"' src/*.c && has_enforce=yes
say "extension at $commit; defaults_policy.enforce: ${has_enforce:-not defined by this build, both runs leave it unset}"

say "building regress.so, refint.so and autoinc.so"
mkdir -p "$work/lib"
cp "$src/src/test/regress/regress.c" "$src/contrib/spi/refint.c" "$src/contrib/spi/autoinc.c" "$work/lib/"
cat >"$work/lib/Makefile" <<EOF
MODULES = regress refint autoinc
# as contrib/spi builds refint for the regression tests
PG_CPPFLAGS = -DREFINT_VERBOSE
PG_CONFIG = $PGBIN/pg_config
PGXS := \$(shell \$(PG_CONFIG) --pgxs)
include \$(PGXS)
EOF
make -s -C "$work/lib" >/dev/null

say "copying the suite; adding the end-of-data lines psql $server_version needs after a refused COPY FROM STDIN"
mkdir -p "$work/suite"
cp -R "$src/src/test/regress/sql" "$src/src/test/regress/expected" \
	"$src/src/test/regress/data" "$src/src/test/regress/parallel_schedule" "$work/suite/"
/usr/bin/python3 test/core/compare.py fix-copy "$work/suite"

# After the schedule, in the same database: what the run had.  Not part of
# the comparison; it has no expected output.
cat >"$work/suite/sql/dp_core_probe.sql" <<'EOF'
-- not one of PostgreSQL's tests: the extension, setting and library of the run
\pset tuples_only on
\pset format unaligned
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'defaults_policy') THEN
		LOAD '$libdir/defaults_policy';
	END IF;
END
$$;
SELECT 'extension=' || coalesce((SELECT extversion FROM pg_catalog.pg_extension
                                 WHERE extname = 'defaults_policy'), 'none');
SELECT 'enforce=' || coalesce(pg_catalog.current_setting('defaults_policy.enforce', true), 'unset');
SELECT 'library=' || coalesce((SELECT pg_catalog.regexp_replace(l, '^.* ', '')
	FROM pg_catalog.regexp_split_to_table(pg_catalog.pg_read_file('/proc/self/maps'), E'\n') l
	WHERE l LIKE '%/defaults_policy.so' LIMIT 1), 'none');
-- the names of the extension's objects and of what they own (indexes,
-- triggers, row types), which catalog listings of the suite may show
WITH member AS (
	SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
	WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
	  AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'defaults_policy')
), object AS (
	SELECT classid, objid FROM member
	UNION
	SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
	JOIN member m ON d.refclassid = m.classid AND d.refobjid = m.objid
)
SELECT DISTINCT 'object=' || n FROM object o, LATERAL (SELECT CASE o.classid
	WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN
		(SELECT relname::text FROM pg_catalog.pg_class WHERE oid = o.objid)
	WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass THEN
		(SELECT proname::text FROM pg_catalog.pg_proc WHERE oid = o.objid)
	WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN
		(SELECT typname::text FROM pg_catalog.pg_type WHERE oid = o.objid)
	WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN
		(SELECT tgname::text FROM pg_catalog.pg_trigger WHERE oid = o.objid)
	WHEN 'pg_catalog.pg_event_trigger'::pg_catalog.regclass THEN
		(SELECT evtname::text FROM pg_catalog.pg_event_trigger WHERE oid = o.objid)
	WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN
		(SELECT conname::text FROM pg_catalog.pg_constraint WHERE oid = o.objid)
	END AS n) x
WHERE n IS NOT NULL ORDER BY 1;
EOF
: >"$work/suite/expected/dp_core_probe.out"

# the same in every run but for defaults_policy.enforce and log_directory
pkglib=$("$PGBIN/pg_config" --pkglibdir)
cat >"$work/common.conf" <<EOF
extension_destdir = '$work/inst'
dynamic_library_path = '$work/inst$pkglib:$pkglib'
# every WARNING and ERROR with the function and file that raised it, and the
# statement, for compare.py
logging_collector = on
log_destination = 'stderr,jsonlog'
log_error_verbosity = verbose
log_min_error_statement = warning
EOF
chmod -R a+rX "$work"
give "$work/suite"

say "running the suite three times"
run_suite baseline ""
run_suite warn "--load-extension=defaults_policy"
run_suite error "--load-extension=defaults_policy"

say "comparing with the baseline (suite $src_version, server $server_version, extension $commit)"
rc=0
/usr/bin/python3 test/core/compare.py compare "$work" "$top" "${has_enforce:-no}" || rc=$?
if [ "$rc" -ne 0 ] || [ -n "${CORE_KEEP:-}" ]; then
	echo "the runs are kept in $work (results/, serverlog/ of each run)"
else
	rm -rf "$work"
fi
exit "$rc"
