# lib.sh: the end-to-end test library, in the idiom of git's test suite.
#
#	. ./lib.sh
#	test_expect_success 'what must hold' '
#		roster import >out &&
#		grep joiners out
#	'
#	test_done
#
# Each test script runs in a fresh temporary folder ($TRASH), removed at the
# end unless a test failed (or ROSTER_TEST_KEEP=1). ROSTER is the binary under
# test (set by meson; defaults to the debug build); ROSTER_SRC the source tree.

set -u

TEST_NAME=$(basename "$0" .sh)
ROSTER_SRC=${ROSTER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
ROSTER=${ROSTER:-$ROSTER_SRC/build/src/cli/roster}
EXAMPLES=$ROSTER_SRC/examples
TEST_DIR=$ROSTER_SRC/tests/e2e

test_count=0
test_failed=0
test_skipped=0

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/roster-$TEST_NAME.XXXXXX") || exit 1
# test_at_exit COMMAND: run at the end of the script, whatever happens. Kept
# in a file, so that a server a test body starts (a subshell) is stopped too.
test_at_exit() {
	printf '%s\n' "$1" >>"$TRASH/.at-exit"
}
cleanup() {
	if test -f "$TRASH/.at-exit"
	then
		eval "$(cat "$TRASH/.at-exit")"
	fi
	if test "$test_failed" = 0 && test -z "${ROSTER_TEST_KEEP:-}"
	then
		rm -rf "$TRASH"
	else
		echo "# kept $TRASH" >&2
	fi
}
trap cleanup EXIT
cd "$TRASH" || exit 1

roster() {
	"$ROSTER" "$@"
}

say() {
	echo "# $*"
}

test_expect_success() {
	test_count=$((test_count + 1))
	test_desc=$1
	test_body=$2
	(
		set +u
		eval "$test_body"
	) >"$TRASH/.test-out" 2>&1
	ret=$?
	if test $ret = 0
	then
		echo "ok $test_count - $test_desc"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $test_desc"
		echo "$test_body" | sed 's/^/#	/'
		echo "# output:"
		sed 's/^/#	/' "$TRASH/.test-out"
	fi
}

# test_expect_code CODE COMMAND...: runs COMMAND, fails unless it exits CODE.
test_expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if test "$got" != "$want"
	then
		echo "test_expect_code: expected exit $want, got $got: $*" >&2
		return 1
	fi
	return 0
}

# test_cmp EXPECTED ACTUAL: fails with a diff when they differ.
test_cmp() {
	diff -u "$1" "$2"
}

# test_must_contain FILE TEXT: FILE has TEXT (a fixed string) on some line.
test_must_contain() {
	if ! grep -F -- "$2" "$1" >/dev/null
	then
		echo "test_must_contain: '$2' not in $1:" >&2
		cat "$1" >&2
		return 1
	fi
}

test_must_not_contain() {
	if grep -F -- "$2" "$1" >/dev/null
	then
		echo "test_must_not_contain: '$2' is in $1:" >&2
		cat "$1" >&2
		return 1
	fi
}

# The vault's content as text, to prove that a refused import changed nothing.
vault_dump() {
	sqlite3 "${1:-var/roster.db}" '.dump' 2>/dev/null | grep -v '^PRAGMA' || true
}

# write_config [extra yaml]: a roster.yaml for hr/persons.csv, hr/contracts.csv,
# hr/assignments.csv with canonical column names, plus whatever is appended.
write_config() {
	mkdir -p hr
	cat >roster.yaml <<-YAML
	vault: var/roster.db
	timezone: Europe/Amsterdam
	sources:
	  - name: hr
	    format: csv
	    persons: hr/persons.csv
	    contracts: hr/contracts.csv
	YAML
	if test -f hr/assignments.csv
	then
		echo "    assignments: hr/assignments.csv" >>roster.yaml
	fi
	if test $# -gt 0
	then
		printf '%s\n' "$@" >>roster.yaml
	fi
}

test_done() {
	echo "# $TEST_NAME: $test_count tests, $test_failed failed"
	echo "1..$test_count"
	if test "$test_failed" = 0
	then
		exit 0
	fi
	exit 1
}
