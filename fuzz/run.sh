#!/bin/sh
# fuzz/run.sh [SECONDS]: builds the libFuzzer targets (fuzz/meson.build) with
# clang in build-fuzz/ and runs each for SECONDS (default 10) on a scratch copy
# of its seed corpus, so the committed corpus never grows. Prints one line per
# target and exits 1 when any target crashed, leaked, hung or ran out of
# memory (2 when it could not build them); the input that did it is kept in
# build-fuzz/findings/<target>/ and the whole output in build-fuzz/logs/<target>.log.
# To replay one input: build-fuzz/fuzz/<target> FILE (fuzz/crashes/ holds the
# findings not fixed yet).
#
# Environment: FUZZ_CC (default clang; CC is not looked at, so a CC=gcc
# exported for the normal build does no harm), FUZZ_TARGETS (default: all of
# them), FUZZ_ARGS (more libFuzzer flags, such as -seed=1 or -jobs=2).
set -eu

usage() {
	echo "usage: sh fuzz/run.sh [SECONDS]" >&2
	exit 2
}

secs=${1:-10}
case $secs in
'' | *[!0-9]*) usage ;;
esac
[ $# -le 1 ] || usage

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=build-fuzz
targets=${FUZZ_TARGETS:-"fuzz_decode fuzz_date fuzz_text fuzz_csv fuzz_json fuzz_config fuzz_expr fuzz_template fuzz_lua fuzz_known fuzz_plan fuzz_exec fuzz_ad fuzz_scim"}
CC=${FUZZ_CC:-clang}
export CC

# libFuzzer ships with clang's runtime libraries; say which package when it is missing.
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz/run.sh: $CC not found; install it: apt-get install clang" >&2
	exit 2
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$probe/t.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe/t.c" -o "$probe/t" 2>"$probe/err"; then
	cat "$probe/err" >&2
	if ! "$CC" --version 2>/dev/null | grep -q clang; then
		echo "fuzz/run.sh: $CC is not clang; libFuzzer needs clang (FUZZ_CC=clang)" >&2
		exit 2
	fi
	major=$("$CC" -dumpversion 2>/dev/null | cut -d. -f1)
	echo "fuzz/run.sh: $CC cannot link -fsanitize=fuzzer,address,undefined: the libFuzzer runtime is missing." >&2
	echo "fuzz/run.sh: install it with: apt-get install libclang-rt-${major:-14}-dev" >&2
	exit 2
fi

# Only the compiler and -Dfuzz=true matter: the fuzz targets carry their own
# sanitizer flags (fuzz/meson.build), so no b_sanitize and no b_lundef=false.
if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" -Dfuzz=true -Dwerror=true >"$probe/setup" 2>&1 || {
		cat "$probe/setup" >&2
		echo "fuzz/run.sh: cannot reconfigure $build (made with another compiler? rm -rf $build)" >&2
		exit 2
	}
else
	meson setup "$build" -Dfuzz=true -Dwerror=true >"$probe/setup" 2>&1 || {
		cat "$probe/setup" >&2
		exit 2
	}
fi
# shellcheck disable=SC2086 # targets is a list
meson compile -C "$build" $targets >"$probe/compile" 2>&1 || {
	cat "$probe/compile" >&2
	echo "fuzz/run.sh: the build failed" >&2
	exit 2
}

mkdir -p "$build/logs" "$build/findings"
rm -rf "$build/corpus"
mkdir -p "$build/corpus"
# The file-reading targets write each input to a scratch folder under TMPDIR:
# in memory when /dev/shm allows it (a disk makes them several times slower).
# A crash leaves its folder behind, so all of them go with this one.
if [ -d /dev/shm ] && [ -w /dev/shm ] && scratch=$(mktemp -d /dev/shm/roster-fuzz.XXXXXX 2>/dev/null); then
	:
else
	rm -rf "$build/tmp"
	mkdir -p "$build/tmp"
	scratch=$top/$build/tmp
fi
trap 'rm -rf "$probe" "$scratch"' EXIT
TMPDIR=$scratch
export TMPDIR
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

# The first line of log matching the first of the patterns that matches at all.
first() {
	f=$1
	shift
	for re; do
		if line=$(grep -m 1 -E "$re" "$f"); then
			printf '%s\n' "$line"
			return
		fi
	done
}

failed=0
for t in $targets; do
	work=$build/corpus/$t
	log=$build/logs/$t.log
	found=$build/findings/$t
	mkdir -p "$work" "$found"
	if [ -d "fuzz/corpus/$t" ]; then
		cp fuzz/corpus/"$t"/* "$work"/
	fi
	# stdin is /dev/null: a ${file:/dev/stdin} in a fuzzed config must not wait for a terminal.
	# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
	if "$build/fuzz/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 \
		-print_final_stats=1 -artifact_prefix="$found/" ${FUZZ_ARGS:-} "$work" \
		</dev/null >"$log" 2>&1; then
		status=ok
	else
		status=FAILED
		failed=1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
	if [ $status = ok ]; then
		printf '%-12s ok      %9s runs %7s exec/s  cov %5s  ft %6s  corpus %5s\n' \
			"$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
	else
		what=$(first "$log" '^(fuzz_[a-z]+|source harness|fuzz scratch): ' 'runtime error:' '^SUMMARY: ' \
			'ERROR: libFuzzer: ' '^==[0-9]+==ERROR: ')
		input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		printf '%-12s FAILED  %s\n' "$t" "${what:-see $log}"
		printf '%-12s         input: %s, log: %s\n' "" "${input:-none}" "$log"
	fi
done
exit $failed
