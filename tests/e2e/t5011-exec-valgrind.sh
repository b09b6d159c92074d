#!/bin/sh
# The exec connector under valgrind: every op through ldap-driver, a program
# that times out, one that prints garbage and one that says too much — no
# invalid access, no definite leak, and no descriptor open at exit that the
# driver did not inherit (--track-fds); then roster apply, a rerun and
# reconcile over examples/connectors/payroll.sh. And a program removed after
# roster check: an error, not a crash.
. "$(dirname "$0")/lib.sh"

LDAP_DRIVER=${LDAP_DRIVER:-${ROSTER%/src/cli/roster}/tests/ldap-driver}
. "$TEST_DIR/valgrind-lib.sh"
export PAYROLL_KEY="s3cret-payroll-key"

# vg_fds LOG PROGRAM ARGS...: PROGRAM under valgrind, its report (with the descriptors open at exit) in LOG.
vg_fds() {
	vg_log=$1
	shift
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--track-origins=yes --track-fds=yes --log-file="$vg_log" "$@"
}

# vg_driver LOG TARGET: ldap-driver roster.yaml TARGET under valgrind, stdin the ops, answers in out.jsonl.
vg_driver() {
	vg_fds "$1" "$LDAP_DRIVER" roster.yaml "$2" >out.jsonl
}

# vg_fds_clean LOG: valgrind found no error, and every descriptor open at exit was inherited.
# (valgrind 3.19 does not know pidfd_open and says so: spawn.c then naps instead.)
vg_fds_clean() {
	grep -v "unhandled amd64-linux syscall: 434\|write your own handler\|README_MISSING_SYSCALL\|consider this a bug\|valgrind.org/support/bug_reports" "$1" |
		sed -n "/FILE DESCRIPTORS/,\$d; p" | grep -v "^==[0-9]*== *\$" >errors || true
	if test -s errors
	then
		echo "valgrind found errors:" >&2
		cat "$1" >&2
		return 1
	fi
	opened=$(grep -c "Open file descriptor" "$1")
	inherited=$(grep -c "<inherited from parent>" "$1")
	if test "$opened" != "$inherited"
	then
		echo "descriptors left open at exit:" >&2
		cat "$1" >&2
		return 1
	fi
}

answer() {
	got=$(sed -n "$1p" out.jsonl | jq -r "$2") || return 1
	if test "$got" != "$3"
	then
		echo "answer $1: $2 gave \"$got\", expected \"$3\"; all answers:" >&2
		cat out.jsonl >&2
		return 1
	fi
}

test_expect_success 'setup: payroll.sh and two programs that misbehave' '
	mkdir bin &&
	cp "$EXAMPLES/connectors/payroll.sh" bin/ &&
	printf "#!/bin/sh\\nsleep 60 &\\nsleep 60\\n" >bin/slow.sh &&
	printf "#!/bin/sh\\necho oops >&2\\necho not json\\n" >bin/garbage.sh &&
	printf "#!/bin/sh\\nyes\\n" >bin/loud.sh &&
	chmod +x bin/*.sh &&
	mkdir hr &&
	printf "employee_id,given_name,family_name\\np1,Anna,Jansen\\np2,Bram,Smit\\n" >hr/persons.csv &&
	printf "contract_id,employee_id,start_date,end_date,department.code,type\\nc1,p1,2024-01-01,,FIN,employee\\nc2,p2,2024-01-01,,ICT,employee\\n" >hr/contracts.csv &&
	write_config "targets:" \
		"  - name: payroll" \
		"    connector: exec" \
		"    command: [bin/payroll.sh]" \
		"    env: {API_KEY: \"\${env:PAYROLL_KEY}\", PAYROLL_DATA: var/payroll.jsonl}" \
		"    correlate: {attribute: employee_number, field: employee_id}" \
		"    attributes: {employee_number: \"{employee_id}\", name: \"{display_name}\"}" \
		"  - name: slow" \
		"    connector: exec" \
		"    command: [bin/slow.sh]" \
		"    timeout: 1" \
		"  - name: garbage" \
		"    connector: exec" \
		"    command: [bin/garbage.sh]" \
		"  - name: loud" \
		"    connector: exec" \
		"    command: [bin/loud.sh]" \
		"rules:" \
		"  - name: everyone" \
		"    grant: [{target: payroll, account: true}, {target: payroll, group: \"dept {contract.department.code}\"}]" &&
	roster check >out
'

test_expect_success 'every op through payroll.sh is clean' '
	{
		echo "{\"op\":\"lookup\",\"value\":\"x1\"}" &&
		echo "{\"op\":\"create\",\"employee_id\":\"x1\",\"correlate\":\"x1\",\"enabled\":false,\"attrs\":{\"employee_number\":\"x1\",\"name\":\"X\"}}" &&
		echo "{\"op\":\"lookup\",\"value\":\"x1\"}" &&
		echo "{\"op\":\"update\",\"ref\":\"PR-00001\",\"attrs\":{\"name\":\"Y\"},\"changed\":{\"name\":\"Y\"}}" &&
		echo "{\"op\":\"enable\",\"ref\":\"PR-00001\"}" &&
		echo "{\"op\":\"grant\",\"ref\":\"PR-00001\",\"group\":\"g\"}" &&
		echo "{\"op\":\"revoke\",\"ref\":\"PR-00001\",\"group\":\"g\"}" &&
		echo "{\"op\":\"create\",\"employee_id\":\"x2\",\"correlate\":\"x2\",\"attrs\":{\"employee_number\":\"x2\",\"name\":\"Z\"}}" &&
		echo "{\"op\":\"list\",\"show\":true}" &&
		echo "{\"op\":\"remove\",\"ref\":\"PR-00001\"}" &&
		echo "{\"op\":\"remove\",\"ref\":\"PR-00001\"}"
	} | PAYROLL_PAGE_SIZE=1 vg_driver vg.ops payroll &&
	vg_fds_clean vg.ops &&
	answer 1 .found false &&
	answer 2 .ref PR-00001 &&
	answer 3 .object.enabled false &&
	answer 9 .count 2 &&
	answer 10 .ok true &&
	answer 11 .class notfound
'

test_expect_success 'a timeout, garbage and too much output are clean' '
	echo "{\"op\":\"lookup\",\"value\":\"x1\"}" | vg_driver vg.slow slow &&
	vg_fds_clean vg.slow &&
	answer 1 .class transient &&
	echo "{\"op\":\"lookup\",\"value\":\"x1\"}" | vg_driver vg.garbage garbage &&
	vg_fds_clean vg.garbage &&
	answer 1 .class permanent &&
	echo "{\"op\":\"lookup\",\"value\":\"x1\"}" | vg_driver vg.loud loud &&
	vg_fds_clean vg.loud &&
	answer 1 .message "bin/loud.sh lookup: wrote more than 16777216 bytes to stdout, and was stopped"
'

test_expect_success 'roster apply, a rerun and reconcile are clean' '
	rm -f var/payroll.jsonl &&
	roster import --at 2025-01-06 >out 2>&1 &&
	vg_fds vg.apply "$ROSTER" apply --at 2025-01-06 --yes >out 2>&1 &&
	vg_fds_clean vg.apply &&
	test_must_contain out "4 done, 0 failed" &&
	vg_fds vg.rerun "$ROSTER" apply --at 2025-01-06 --yes >out 2>&1 &&
	vg_fds_clean vg.rerun &&
	test_must_contain out "nothing to apply" &&
	vg_fds vg.reconcile "$ROSTER" reconcile payroll --json >r.json 2>err &&
	vg_fds_clean vg.reconcile &&
	test "$(jq ".linked | length" r.json)" = 2
'

test_expect_success 'a program removed after roster check: a permanent error, clean' '
	cp bin/garbage.sh bin/gone.sh &&
	sed "s|command: \\[bin/garbage.sh\\]|command: [bin/gone.sh]|" roster.yaml >gone.yaml &&
	{
		echo "{\"op\":\"check\"}" &&
		echo "{\"op\":\"sh\",\"command\":\"rm bin/gone.sh\"}" &&
		echo "{\"op\":\"lookup\",\"value\":\"x1\"}"
	} | vg_fds vg.gone "$LDAP_DRIVER" gone.yaml garbage >out.jsonl &&
	vg_fds_clean vg.gone &&
	answer 1 .ok true &&
	answer 3 .class permanent &&
	# (valgrind runs posix_spawn as a fork, so the exec fails in the child: status 127)
	sed -n 3p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "bin/gone.sh lookup: "
'

test_done
