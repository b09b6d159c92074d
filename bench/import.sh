#!/bin/sh
# bench/import.sh [PERSONS] [RUNS] — times roster import of a generated
# organisation (tools/roster-gen): a first import into an empty vault, a
# second with 1% of the persons changed, and a third with no change. Each is
# run RUNS times (default 3) from the same starting vault and the fastest
# run is shown, with its CPU time, peak RSS and time per phase
# (ROSTER_TIMING). A yardstick measured in the same run — the sqlite3 shell
# loading the same two files into bare tables — shows how busy the machine
# was. Uses a release build in build-bench/.
#
# Targets (the foundation issue): 100,000 persons / ~120,000 contracts, first
# import <= 1.0 s wall and <= 300 MB peak RSS on a 2-core machine; the
# second import faster than the first.
set -eu
persons=${1:-100000}
runs=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! test -f build-bench/build.ninja
then
	meson setup build-bench -Dbuildtype=release >/dev/null
fi
ninja -C build-bench >/dev/null
roster=$root/build-bench/src/cli/roster
gen=$root/build-bench/tools/roster-gen

work=$(mktemp -d "${TMPDIR:-/tmp}/roster-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$gen" --persons "$persons" "$work/base" >/dev/null
"$gen" --persons "$persons" --mutate 1 "$work/changed" >/dev/null
sed 's|^vault: .*|vault: var/roster.db|' examples/roster.yaml >"$work/roster.yaml"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "input: $(($(wc -l <"$work/base/persons.csv") - 1)) persons, $(($(wc -l <"$work/base/contracts.csv") - 1)) contracts, $(du -sh "$work/base" | cut -f1); best of $runs runs"

# once LABEL HRDIR: one import from the saved starting vault; prints "wall cpu rss_kb".
once() {
	rm -rf "$work/var"
	if test -d "$work/start"
	then
		cp -r "$work/start" "$work/var"
	fi
	ln -sfn "$2" "$work/hr"
	( cd "$work" && ROSTER_TIMING=1 /usr/bin/time -f "%e %U %S %M" "$roster" import --at 2026-01-05 \
		>"$work/out" 2>"$work/err" ) || { cat "$work/err" >&2; exit 1; }
	tail -1 "$work/err" | awk '{ print $1, $2 + $3, $4 }'
}

# run LABEL HRDIR: the best of RUNS, then keeps the resulting vault as the next start.
run() {
	best=""
	i=0
	while test $i -lt "$runs"
	do
		set -- "$1" "$2" $(once "$1" "$2")
		if test -z "$best" || awk -v a="$3" -v b="$best" 'BEGIN { exit !(a < b) }'
		then
			best=$3 cpu=$4 rss=$5
			grep '^timing:' "$work/err" >"$work/best.timing"
		fi
		i=$((i + 1))
	done
	awk -v l="$1" -v w="$best" -v c="$cpu" -v r="$rss" \
		'BEGIN { printf "%-24s wall %6.2f s  cpu %6.2f s  peak rss %5d MB\n", l, w, c, r / 1024 }'
	sed 's/^/    /' "$work/best.timing"
	rm -rf "$work/start"
	cp -r "$work/var" "$work/start"
}

# The yardstick: the sqlite3 shell loads the same two files into bare tables,
# with no parsing of dates, no checks and no change detection.
reference() {
	sed '1d' "$work/base/persons.csv" | tr -d '\r' >"$work/p.csv"
	sed '1d' "$work/base/contracts.csv" | tr -d '\r' >"$work/c.csv"
	best=""
	i=0
	while test $i -lt "$runs"
	do
		rm -f "$work/ref.db" "$work/ref.db-wal" "$work/ref.db-shm"
		/usr/bin/time -f "%e" -o "$work/ref.time" sqlite3 "$work/ref.db" \
			"PRAGMA journal_mode=WAL;" "PRAGMA synchronous=FULL;" \
			"CREATE TABLE p(a PRIMARY KEY,b,c,d,e,f,g,h,i,j,k) WITHOUT ROWID;" \
			"CREATE TABLE c(a PRIMARY KEY,b,c,d,e,f,g,h,i,j,k,l,m) WITHOUT ROWID;" \
			".separator ;" "BEGIN;" ".import $work/p.csv p" ".import $work/c.csv c" "COMMIT;" >/dev/null
		t=$(cat "$work/ref.time")
		if test -z "$best" || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'
		then
			best=$t
		fi
		i=$((i + 1))
	done
	printf '%-24s wall %6.2f s\n' "yardstick: sqlite3 .import" "$best"
	echo "$best" >"$work/ref.best"
}

reference
run "first import" "$work/base"
first=$best
run "second (1% changed)" "$work/changed"
run "third (no changes)" "$work/changed"
awk -v f="$first" -v r="$(cat "$work/ref.best")" \
	'BEGIN { printf "first import / yardstick: %.2f\n", f / r }'
