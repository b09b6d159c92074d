# Shared by the valgrind tests (t0312, t1090), sourced after lib.sh: skips
# the test when valgrind is missing or roster is built with a sanitizer, and
# runs roster under valgrind.

if ! command -v valgrind >/dev/null 2>&1
then
	echo "# SKIP valgrind not installed"
	echo "1..0 # SKIP valgrind not installed"
	exit 0
fi
# valgrind and the sanitizers cannot watch the same process.
if ldd "$ROSTER" 2>/dev/null | grep -q "libasan\|libubsan" ||
   nm "$ROSTER" 2>/dev/null | grep -q "__asan_init\|__ubsan_handle"
then
	echo "# SKIP $ROSTER is built with a sanitizer; valgrind needs the normal build"
	echo "1..0 # SKIP $ROSTER is built with a sanitizer"
	exit 0
fi

# vg LOG ARGS...: roster ARGS under valgrind; its report goes to LOG.
# Returns roster's exit code, or 99 when valgrind found an error.
vg() {
	vg_log=$1
	shift
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--track-origins=yes --log-file="$vg_log" "$ROSTER" "$@"
}

# vg_clean LOG: valgrind said nothing.
vg_clean() {
	if test -s "$1"
	then
		echo "valgrind found errors:" >&2
		cat "$1" >&2
		return 1
	fi
}
