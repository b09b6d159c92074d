#!/bin/sh
# bench/import.sh [PERSONS] — times roster import of a generated organisation:
# a first import into an empty vault, then a second one with 1% of the
# persons changed. Prints wall time, CPU time and peak RSS of each, and the
# time per phase (ROSTER_TIMING). Uses a release build in build-bench/.
#
# Targets (issue: foundation): 100,000 persons / ~120,000 contracts,
# first import <= 1.0 s wall and <= 300 MB peak RSS on a 2-core machine;
# the second import faster than the first.
set -eu
persons=${1:-100000}
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
echo "input: $(wc -l <"$work/base/persons.csv") person lines, $(wc -l <"$work/base/contracts.csv") contract lines, $(du -sh "$work/base" | cut -f1)"

run() {
	label=$1
	ln -sfn "$2" "$work/hr"
	sync
	( cd "$work" && ROSTER_TIMING=1 /usr/bin/time -f "%e %U %S %M" "$roster" import --at 2026-01-05 \
		>"$work/out" 2>"$work/err" ) || { cat "$work/err"; exit 1; }
	tail -1 "$work/err" | awk -v l="$label" '{ printf "%-22s wall %6.2f s  cpu %6.2f s  peak rss %5d MB\n", l, $1, $2 + $3, $4 / 1024 }'
	grep '^timing:' "$work/err" | sed 's/^/    /'
}
run "first import" "$work/base"
run "second (1% changed)" "$work/changed"
run "third (no changes)" "$work/changed"
