#!/bin/sh
# bench/plan.sh [PERSONS] [RUNS] — times roster plan over a generated
# organisation (tools/roster-gen) with the configuration of
# bench/plan-config.sh: 50 rules, 3 targets (a directory with a Lua and a ref
# attribute, an AD-like target with 20-character names, a SaaS target with a
# value that is not sent). Each measurement is the best of RUNS (default 3):
#
#   full plan     roster plan -o plan.json: everything computed and the JSON
#                 plan written to a file (the plan of a first run: every
#                 account a create, every group a grant)
#   one person    roster plan --person ID, for 20 persons spread over the
#                 organisation: the median and the slowest
#
# with CPU time, peak RSS and the time per phase (ROSTER_TIMING). The
# yardstick of bench/import.sh (the sqlite3 shell loading the persons file)
# runs in the same run and shows how busy the machine was. Uses a release
# build in build-bench/.
#
# Targets (the rules-and-plan issue): 100,000 persons, ~120,000 contracts,
# 50 rules, 3 targets: <= 2 s wall and <= 1 GB peak RSS on a 2-core machine;
# --person <= 20 ms.
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
"$gen" --persons "$persons" "$work/hr" >/dev/null
sh bench/plan-config.sh | sed 's|^vault: .*|vault: var/roster.db|' >"$work/roster.yaml"
( cd "$work" && "$roster" import --at 2026-01-05 >/dev/null 2>&1 )

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "input: $(($(wc -l <"$work/hr/persons.csv") - 1)) persons, $(($(wc -l <"$work/hr/contracts.csv") - 1)) contracts, $(grep -c '^  - name:' "$work/roster.yaml") names (rules, targets, sources) in roster.yaml; best of $runs runs"

# The yardstick: the sqlite3 shell loading the persons file into a bare table.
sed '1d' "$work/hr/persons.csv" | tr -d '\r' >"$work/p.csv"
best=""
i=0
while test $i -lt "$runs"
do
	rm -f "$work/ref.db"
	/usr/bin/time -f "%e" -o "$work/ref.time" sqlite3 "$work/ref.db" \
		"CREATE TABLE p(a PRIMARY KEY,b,c,d,e,f,g,h,i,j,k) WITHOUT ROWID;" \
		".separator ;" "BEGIN;" ".import $work/p.csv p" "COMMIT;" >/dev/null
	t=$(cat "$work/ref.time")
	if test -z "$best" || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'
	then
		best=$t
	fi
	i=$((i + 1))
done
printf '%-24s wall %6.2f s\n' "yardstick: sqlite3 .import" "$best"

# The full plan.
best=""
i=0
while test $i -lt "$runs"
do
	( cd "$work" && ROSTER_TIMING=1 /usr/bin/time -f "%e %U %S %M" "$roster" plan --at 2026-01-05 -o plan.json \
		>"$work/out" 2>"$work/err" ) || { cat "$work/err" >&2; exit 1; }
	set -- $(tail -1 "$work/err")
	if test -z "$best" || awk -v a="$1" -v b="$best" 'BEGIN { exit !(a < b) }'
	then
		best=$1 cpu=$(awk -v u="$2" -v s="$3" 'BEGIN { print u + s }') rss=$4
		grep '^timing:' "$work/err" >"$work/best.timing"
	fi
	i=$((i + 1))
done
awk -v w="$best" -v c="$cpu" -v r="$rss" \
	'BEGIN { printf "%-24s wall %6.2f s  cpu %6.2f s  peak rss %5d MB\n", "full plan", w, c, r / 1024 }'
sed 's/^/    /' "$work/best.timing"
sed 's/^/    /' "$work/out"
printf '    %s actions, %s bytes of JSON\n' "$(jq '.actions | length' "$work/plan.json")" "$(wc -c <"$work/plan.json")"

# One person: 20 persons spread over the organisation, each the best of RUNS.
ids=$(sed '1d' "$work/hr/persons.csv" | cut -d';' -f1 | awk -v n="$persons" 'NR % int(n / 20 + 1) == 1' | head -20)
for id in $ids
do
	b=""
	i=0
	while test $i -lt "$runs"
	do
		# date's nanoseconds: /usr/bin/time counts in hundredths
		t0=$(date +%s%N)
		( cd "$work" && "$roster" plan --at 2026-01-05 --person "$id" >/dev/null )
		t1=$(date +%s%N)
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
		if test -z "$b" || awk -v a="$t" -v c="$b" 'BEGIN { exit !(a < c) }'
		then
			b=$t
		fi
		i=$((i + 1))
	done
	echo "$b"
done | sort -n >"$work/one.all"
awk '{ t[NR] = $1 } END { printf "%-24s median %4.0f ms  slowest %4.0f ms  (20 persons)\n", "one person (--person)", t[int((NR + 1) / 2)] * 1000, t[NR] * 1000 }' "$work/one.all"
