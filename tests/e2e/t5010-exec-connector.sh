#!/bin/sh
# The exec connector: every action is one run of a program, one JSON request
# on its stdin, one JSON answer on its stdout. Driven op by op with
# ldap-driver against the example application (examples/connectors/
# payroll.sh, through a recorder that keeps the requests), then through
# roster apply and reconcile; roster check on a wrong command; and programs
# that misbehave: one that times out (and leaves a child behind), one that
# prints garbage, one that fails transiently and then succeeds, one that
# exits non-zero, is killed, says too much, does not read its stdin or
# prints its secret. After all of it the driver has no zombie and no more
# descriptors than before.
. "$(dirname "$0")/lib.sh"

LDAP_DRIVER=${LDAP_DRIVER:-${ROSTER%/src/cli/roster}/tests/ldap-driver}
PAYROLL=$EXAMPLES/connectors/payroll.sh
export PAYROLL_KEY="s3cret-payroll-key"

# --- helpers (as in t4020) ---

# drive [CONFIG] TARGET: the JSON lines on stdin through ldap-driver, its answers in out.jsonl.
drive() {
	if test $# = 2
	then
		"$LDAP_DRIVER" "$1" "$2" >out.jsonl
	else
		"$LDAP_DRIVER" roster.yaml "$1" >out.jsonl
	fi
}

# answer N FILTER EXPECTED: jq -r FILTER on answer N (1-based) gives EXPECTED.
answer() {
	got=$(sed -n "$1p" out.jsonl | jq -r "$2") || return 1
	if test "$got" != "$3"
	then
		echo "answer $1: $2 gave \"$got\", expected \"$3\"; all answers:" >&2
		cat out.jsonl >&2
		return 1
	fi
}

# answer_has N TEXT: the message of answer N has TEXT.
answer_has() {
	sed -n "$1p" out.jsonl | jq -r .message >msg &&
	test_must_contain msg "$2"
}

all_ok() {
	if grep -v '"ok":true' out.jsonl >&2
	then
		echo "(not ok above)" >&2
		return 1
	fi
}

# request OP: the requests with op OP the recorder kept, one a line, without protocol and target.
request() {
	jq -c "select(.op == \"$1\") | del(.protocol, .target)" requests.jsonl
}

# pid_gone FILE: the process whose pid FILE holds has ended (gone, or a zombie of init's).
pid_gone() {
	pid=$(cat "$1") &&
	test -n "$pid" &&
	i=0 &&
	while test $i -lt 100
	do
		state=$(sed -n "s/^[0-9]* (.*) \\([A-Z]\\) .*/\\1/p" "/proc/$pid/stat" 2>/dev/null)
		case $state in
		"" | Z | X) return 0 ;;
		esac
		sleep 0.05
		i=$((i + 1))
	done
	echo "process $pid is still there ($state)" >&2
	return 1
}

mkdir bin &&
cp "$PAYROLL" bin/payroll.sh &&
cat >bin/record.sh <<-\EOF &&
#!/bin/sh
# keeps each request in requests.jsonl (in roster.yaml's folder, where it runs), then is payroll
tee -a requests.jsonl | "$(dirname "$0")/payroll.sh"
EOF
cat >bin/slow.sh <<-\EOF &&
#!/bin/sh
# answers nothing for a minute, with a child that would live on
echo "working on it" >&2
sleep 60 &
echo $! >slow.pid
sleep 60
echo '{"ok":true,"ref":"late"}'
EOF
cat >bin/garbage.sh <<-\EOF &&
#!/bin/sh
echo run >>garbage.runs
cat >/dev/null
echo "warning: the payroll API changed" >&2
echo "Hello, this is not JSON"
EOF
cat >bin/flaky.sh <<-\EOF &&
#!/bin/sh
# the first run of each op is a transient failure; then it is payroll
req=$(cat)
op=$(printf '%s\n' "$req" | jq -r .op)
echo "$op" >>flaky.runs
if ! test -f "flaky.$op"
then
	: >"flaky.$op"
	echo "connection reset by peer" >&2
	echo '{"ok":false,"transient":true,"error":"the payroll server is restarting"}'
	exit 0
fi
printf '%s\n' "$req" | "$(dirname "$0")/payroll.sh"
EOF
cat >bin/modes.sh <<-\EOF &&
#!/bin/sh
# misbehaves as $MODE says (roster's environment reaches it)
case ${MODE:-} in
exit3) cat >/dev/null; echo "fatal: cannot reach payroll" >&2; exit 3 ;;
transient) cat >/dev/null; echo '{"ok":false,"transient":true,"error":"busy, try later"}' ;;
transient-exit1) cat >/dev/null; echo '{"ok":false,"transient":true,"error":"busy"}'; exit 1 ;;
permanent) cat >/dev/null; echo '{"ok":false,"error":"refused: no such cost center"}' ;;
ok-exit2) cat >/dev/null; echo '{"ok":true,"ref":"R1"}'; exit 2 ;;
killed) kill -9 $$ ;;
notfound) echo '{"ok":false,"code":"notfound","error":"no such account"}' ;;
conflict) echo '{"ok":false,"code":"conflict","error":"there already"}' ;;
badcode) echo '{"ok":false,"code":"gone","error":"x"}' ;;
two) echo '{"ok":true,"ref":"a"} {"ok":true,"ref":"b"}' ;;
noref) echo '{"ok":true}' ;;
noisy-ok) echo "a warning" >&2; echo '{"ok":true,"ref":"R1","attributes":{"x":"y"},"extra":[1,2]}' ;;
empty) cat >/dev/null ;;
bigout) yes '{"ok":true}' ;;
bignoise) i=0; while test $i -lt 5000; do echo "noise line $i" >&2; i=$((i+1)); done; echo nonsense ;;
secret) echo "using key $API_KEY" >&2; echo "{\"ok\":false,\"error\":\"key $API_KEY refused\"}" ;;
noread) echo '{"ok":true,"ref":"R1"}' ;;
stray) sleep 60 >/dev/null 2>&1 </dev/null & echo $! >stray.pid; echo '{"ok":true,"ref":"R1"}' ;;
binary) printf '{"ok":false,"error":"bad \\u001b[31m red"}'; printf 'caf\351 \033[2J\n' >&2 ;;
env)
	cat >/dev/null
	if test "$API_KEY" = "$WANT_KEY"; then key=given; else key=wrong; fi
	jq -cn --arg argv "$*" --arg key "$key" --arg target "$ROSTER_TARGET" --arg dir "$(pwd -P)" \
		'{ok: true, found: true, ref: "E1", attributes: {argv: $argv, key: $key, target: $target, dir: $dir}}' ;;
list-loop) if grep -q '"cursor":"b"'; then echo '{"ok":true,"accounts":[],"next":"a"}'; else echo '{"ok":true,"accounts":[],"next":"b"}'; fi ;;
esac
EOF
cat >bin/probe.sh <<-\EOF &&
#!/bin/sh
# probe.sh PID: appends how many descriptors PID has to fds, and its children (pid state) to children
ls "/proc/$1/fd" | wc -l >>fds
for s in /proc/[0-9]*/stat
do
	read -r pid comm st ppid rest <"$s" 2>/dev/null || continue
	if test "$ppid" = "$1"
	then
		echo "$pid $st"
	fi
done >>children
EOF
chmod +x bin/*.sh || exit 1

targets_yaml() {
	cat <<-EOF
	targets:
	  - name: payroll
	    connector: exec
	    command: [bin/record.sh]
	    timeout: 30
	    env: {API_KEY: "\${env:PAYROLL_KEY}", PAYROLL_DATA: var/payroll.jsonl}
	    correlate: {attribute: employee_number, field: employee_id}
	    guard: {max_disable: 50%, max_revoke: 50%}
	    attributes:
	      employee_number: "{employee_id}"
	      name: "{display_name}"
	      department: "{contract.department.code}"
	  - name: slow
	    connector: exec
	    command: [bin/slow.sh]
	    timeout: 1
	    correlate: {attribute: employee_number, field: employee_id}
	    attributes: {employee_number: "{employee_id}"}
	  - name: garbage
	    connector: exec
	    command: [bin/garbage.sh]
	    correlate: {attribute: employee_number, field: employee_id}
	    attributes: {employee_number: "{employee_id}"}
	  - name: flaky
	    connector: exec
	    command: ["$TRASH/bin/flaky.sh"]
	    env: {API_KEY: "\${env:PAYROLL_KEY}", PAYROLL_DATA: var/flaky.jsonl}
	    correlate: {attribute: employee_number, field: employee_id}
	    attributes: {employee_number: "{employee_id}", name: "{display_name}"}
	  - name: modes
	    connector: exec
	    command: [bin/modes.sh, --flag, "two words"]
	    timeout: 5
	    env: {API_KEY: "\${env:PAYROLL_KEY}", WANT_KEY: "\${env:PAYROLL_KEY}"}
	    correlate: {attribute: employee_number, field: employee_id}
	EOF
}

test_expect_success 'setup: HR, the programs, and roster check' '
	mkdir -p hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id,given_name,family_name
	p1,Anna,Jansen
	p2,Bram,de Vries
	p3,Chris,Smit
	p4,Dewi,Bakker
	p5,Eva,Visser
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	contract_id,employee_id,start_date,end_date,department.code,type
	c1,p1,2024-01-01,,FIN,employee
	c2,p2,2024-01-01,,ICT,employee
	c3,p3,2024-01-01,2025-01-31,FIN,employee
	c4,p4,2024-01-01,,ICT,employee
	c5,p5,2024-01-01,,FIN,employee
	EOF
	write_config "$(targets_yaml)" &&
	roster check >out &&
	test_must_contain out "roster.yaml: ok"
'

test_expect_success 'lookup of an account that is not there: found false; the request as documented' '
	echo "{\"op\":\"lookup\",\"value\":\"p1\"}" | drive payroll &&
	all_ok &&
	answer 1 .found false &&
	jq -c . requests.jsonl >actual &&
	echo "{\"op\":\"lookup\",\"protocol\":1,\"target\":\"payroll\",\"value\":\"p1\",\"attribute\":\"employee_number\"}" >expect &&
	test_cmp expect actual
'

test_expect_success 'create, lookup, update, disable, enable, grant, revoke, delete: each op, its request, its answer' '
	{
		echo "{\"op\":\"create\",\"employee_id\":\"p1\",\"correlate\":\"p1\",\"enabled\":false,\"attrs\":{\"employee_number\":\"p1\",\"name\":\"Anna Jansen\",\"department\":\"FIN\"}}" &&
		echo "{\"op\":\"lookup\",\"value\":\"p1\"}" &&
		echo "{\"op\":\"update\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"attrs\":{\"employee_number\":\"p1\",\"name\":\"Anna de Boer\"},\"changed\":{\"name\":\"Anna de Boer\",\"department\":\"\"}}" &&
		echo "{\"op\":\"enable\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"attrs\":{\"employee_number\":\"p1\",\"name\":\"Anna de Boer\"}}" &&
		echo "{\"op\":\"grant\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"group\":\"payroll-admin\"}" &&
		echo "{\"op\":\"grant\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"group\":\"payroll-admin\"}" &&
		echo "{\"op\":\"grant\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"group\":\"payroll-read\"}" &&
		echo "{\"op\":\"revoke\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"group\":\"payroll-read\"}" &&
		echo "{\"op\":\"revoke\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"group\":\"payroll-read\"}" &&
		echo "{\"op\":\"lookup\",\"value\":\"p1\"}" &&
		echo "{\"op\":\"disable\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"attrs\":{\"employee_number\":\"p1\",\"name\":\"Anna de Boer\"}}" &&
		echo "{\"op\":\"lookup\",\"value\":\"p1\"}"
	} | drive payroll &&
	all_ok &&
	answer 1 .ref PR-00001 &&
	answer 2 .object.ref PR-00001 &&
	answer 2 .object.enabled false &&
	answer 2 .object.attrs.name "Anna Jansen" &&
	answer 2 ".object.permissions | length" 0 &&
	answer 10 .object.attrs.name "Anna de Boer" &&
	answer 10 ".object.attrs.department // \"gone\"" gone &&
	answer 10 .object.enabled true &&
	answer 10 ".object.permissions | join(\",\")" payroll-admin &&
	answer 12 .object.enabled false &&
	request create >actual &&
	echo "{\"op\":\"create\",\"account\":{\"attributes\":{\"department\":\"FIN\",\"employee_number\":\"p1\",\"name\":\"Anna Jansen\"},\"enabled\":false},\"employee_id\":\"p1\",\"correlate\":\"p1\"}" >expect &&
	test_cmp expect actual &&
	request update >actual &&
	echo "{\"op\":\"update\",\"account\":{\"ref\":\"PR-00001\",\"attributes\":{\"employee_number\":\"p1\",\"name\":\"Anna de Boer\"}},\"employee_id\":\"p1\",\"changes\":{\"department\":\"\",\"name\":\"Anna de Boer\"}}" >expect &&
	test_cmp expect actual &&
	request enable >actual &&
	echo "{\"op\":\"enable\",\"account\":{\"ref\":\"PR-00001\",\"attributes\":{\"employee_number\":\"p1\",\"name\":\"Anna de Boer\"},\"enabled\":true},\"employee_id\":\"p1\"}" >expect &&
	test_cmp expect actual &&
	request grant | sed -n 1p >actual &&
	echo "{\"op\":\"grant\",\"account\":{\"ref\":\"PR-00001\"},\"employee_id\":\"p1\",\"permission\":\"payroll-admin\"}" >expect &&
	test_cmp expect actual &&
	request revoke | sed -n 1p >actual &&
	echo "{\"op\":\"revoke\",\"account\":{\"ref\":\"PR-00001\"},\"employee_id\":\"p1\",\"permission\":\"payroll-read\"}" >expect &&
	test_cmp expect actual &&
	request disable | jq -c .account.enabled >actual &&
	echo false >expect &&
	test_cmp expect actual &&
	# every request is one line on stdin, protocol 1, the target named
	test "$(wc -l <requests.jsonl)" = 13 &&
	test "$(jq -c "select(.protocol != 1 or .target != \"payroll\")" requests.jsonl)" = ""
'

test_expect_success 'a second create of the same person is a conflict; delete, then delete again: not found' '
	{
		echo "{\"op\":\"create\",\"employee_id\":\"p1\",\"correlate\":\"p1\",\"attrs\":{\"employee_number\":\"p1\",\"name\":\"Anna\"}}" &&
		echo "{\"op\":\"remove\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\"}" &&
		echo "{\"op\":\"remove\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\"}" &&
		echo "{\"op\":\"update\",\"employee_id\":\"p1\",\"ref\":\"PR-00001\",\"changed\":{\"name\":\"x\"}}" &&
		echo "{\"op\":\"lookup\",\"value\":\"p1\"}"
	} | drive payroll &&
	answer 1 .class conflict &&
	answer 1 .message "bin/record.sh create: employee p1 has a payroll account already" &&
	answer 2 .ok true &&
	answer 3 .class notfound &&
	answer 3 .message "bin/record.sh delete: payroll has no account PR-00001" &&
	answer 4 .class notfound &&
	answer 5 .found false &&
	request delete | sed -n 1p >actual &&
	echo "{\"op\":\"delete\",\"account\":{\"ref\":\"PR-00001\"},\"employee_id\":\"p1\"}" >expect &&
	test_cmp expect actual &&
	# the application keeps what it deleted, and never names another account PR-00001
	jq -r "select(.ref == \"PR-00001\") | .deleted" var/payroll.jsonl >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success 'list: every account, page by page ("next" and "cursor")' '
	i=1 &&
	while test $i -le 5
	do
		echo "{\"op\":\"create\",\"employee_id\":\"L$i\",\"correlate\":\"L$i\",\"attrs\":{\"employee_number\":\"L$i\",\"name\":\"List $i\"}}" ||
			return 1
		i=$((i + 1))
	done >ops.jsonl &&
	echo "{\"op\":\"list\",\"show\":true}" >>ops.jsonl &&
	: >requests.jsonl &&
	PAYROLL_PAGE_SIZE=2 drive payroll <ops.jsonl &&
	all_ok &&
	answer 6 .count 5 &&
	sed -n 6p out.jsonl | jq -r ".objects[].attrs.name" >actual &&
	printf "List %s\n" 1 2 3 4 5 >expect &&
	test_cmp expect actual &&
	request list | jq -c "del(.op)" >actual &&
	printf "%s\n" "{}" "{\"cursor\":\"2\"}" "{\"cursor\":\"4\"}" >expect &&
	test_cmp expect actual &&
	# a program that hands out the same cursor again is stopped, not followed forever
	echo "{\"op\":\"list\"}" | MODE=list-loop drive modes &&
	answer 1 .class permanent &&
	answer_has 1 "bin/modes.sh list: the answer'"'"'s \"next\" is a cursor asked for before (it would never end)"
'

test_expect_success 'argv as written, no shell; the secret in the environment; it runs in roster.yaml'"'"'s folder' '
	echo "{\"op\":\"lookup\",\"value\":\"x\"}" | MODE=env drive modes &&
	answer 1 .object.attrs.argv "--flag two words" &&
	answer 1 .object.attrs.key given &&
	answer 1 .object.attrs.target modes &&
	answer 1 .object.attrs.dir "$(pwd -P)" &&
	mkdir elsewhere &&
	(cd elsewhere && echo "{\"op\":\"lookup\",\"value\":\"x\"}" | MODE=env "$LDAP_DRIVER" ../roster.yaml modes) >out.jsonl &&
	answer 1 .object.attrs.dir "$(pwd -P)"
'

test_expect_success 'a program that times out: transient after the timeout, its whole group killed' '
	rm -f slow.pid &&
	echo "{\"op\":\"create\",\"employee_id\":\"s1\",\"correlate\":\"s1\",\"attrs\":{\"employee_number\":\"s1\"}}" | drive slow &&
	answer 1 .class transient &&
	answer 1 .message "bin/slow.sh create: did not finish within 1 s, and was stopped (stderr: working on it)" &&
	ms=$(jq ".ms | floor" out.jsonl) &&
	test "$ms" -ge 1000 && test "$ms" -lt 4000 &&
	pid_gone slow.pid
'

test_expect_success 'a program that prints garbage: permanent, with what it printed and its stderr' '
	echo "{\"op\":\"create\",\"employee_id\":\"g1\",\"correlate\":\"g1\",\"attrs\":{\"employee_number\":\"g1\"}}" | drive garbage &&
	answer 1 .class permanent &&
	answer_has 1 "bin/garbage.sh create: the answer to create is not one JSON object: " &&
	answer_has 1 "(stdout: Hello, this is not JSON) (stderr: warning: the payroll API changed)"
'

test_expect_success 'a program that fails transiently, then succeeds' '
	rm -f flaky.* &&
	{
		echo "{\"op\":\"create\",\"employee_id\":\"f1\",\"correlate\":\"f1\",\"attrs\":{\"employee_number\":\"f1\",\"name\":\"F\"}}" &&
		echo "{\"op\":\"create\",\"employee_id\":\"f1\",\"correlate\":\"f1\",\"attrs\":{\"employee_number\":\"f1\",\"name\":\"F\"}}"
	} | drive flaky &&
	answer 1 .class transient &&
	answer 1 .message "$TRASH/bin/flaky.sh create: the payroll server is restarting (stderr: connection reset by peer)" &&
	answer 2 .ok true &&
	answer 2 .ref PR-00001
'

# modes MODE [OP]: one op (create by default) on the modes target with MODE.
modes() {
	case ${2:-create} in
	create) echo "{\"op\":\"create\",\"employee_id\":\"m1\",\"correlate\":\"m1\",\"attrs\":{\"employee_number\":\"m1\"}}" ;;
	*) echo "{\"op\":\"$2\",\"employee_id\":\"m1\",\"ref\":\"R1\"}" ;;
	esac | MODE=$1 drive modes
}

test_expect_success 'exit status and answer: which failure is which class' '
	modes exit3 &&
	answer 1 .class permanent &&
	answer 1 .message "bin/modes.sh create: exited with status 3 (stderr: fatal: cannot reach payroll)" &&
	modes transient &&
	answer 1 .class transient &&
	answer 1 .message "bin/modes.sh create: busy, try later" &&
	modes transient-exit1 &&
	answer 1 .class transient &&
	answer 1 .message "bin/modes.sh create: busy (exited with status 1)" &&
	modes permanent &&
	answer 1 .class permanent &&
	answer 1 .message "bin/modes.sh create: refused: no such cost center" &&
	modes ok-exit2 &&
	answer 1 .class permanent &&
	answer 1 .message "bin/modes.sh create: exited with status 2 after it answered ok" &&
	modes killed &&
	answer 1 .class permanent &&
	answer 1 .message "bin/modes.sh create: was killed by signal 9 (Killed)" &&
	modes notfound remove &&
	answer 1 .class notfound &&
	modes conflict &&
	answer 1 .class conflict &&
	modes badcode &&
	answer 1 .class permanent &&
	answer_has 1 "\"code\" is \"gone\", not \"notfound\" or \"conflict\"" &&
	modes two &&
	answer 1 .class permanent &&
	answer_has 1 "the answer to create is not one JSON object: end of file expected" &&
	modes noref &&
	answer 1 .class permanent &&
	answer_has 1 "the answer to create: \"ref\" is missing, not a string that is not empty" &&
	modes empty &&
	answer 1 .message "bin/modes.sh create: gave no answer on stdout (expected one JSON object, as {\"ok\": true})" &&
	modes noisy-ok &&
	answer 1 .ok true &&
	answer 1 .ref R1
'

test_expect_success 'too much output is stopped with a clear error; stderr is cut to its tail' '
	modes bigout &&
	answer 1 .class permanent &&
	answer 1 .message "bin/modes.sh create: wrote more than 16777216 bytes to stdout, and was stopped" &&
	test "$(jq ".ms | floor" out.jsonl)" -lt 10000 &&
	modes bignoise &&
	answer 1 .class permanent &&
	answer_has 1 "(stdout: nonsense) (stderr: …" &&
	answer_has 1 "noise line 4998 | noise line 4999)" &&
	test_must_not_contain msg "noise line 4000 " &&
	test "$(wc -c <msg)" -lt 1600
'

test_expect_success 'the env: values never show in a message; control characters and bad UTF-8 are made harmless' '
	modes secret &&
	answer 1 .class permanent &&
	answer 1 .message "bin/modes.sh create: key *** refused (stderr: using key ***)" &&
	test_must_not_contain out.jsonl "$PAYROLL_KEY" &&
	modes binary &&
	answer 1 .message "bin/modes.sh create: bad ?[31m red (stderr: caf? ?[2J)"
'

test_expect_success 'a program that does not read its stdin (a request of 1 MiB) is no error' '
	head -c 1048576 /dev/zero | tr "\\0" x >big &&
	jq -cn --rawfile big big "{op: \"create\", employee_id: \"m1\", correlate: \"m1\", attrs: {employee_number: \"m1\", big: \$big}}" >big.jsonl &&
	test "$(wc -c <big.jsonl)" -gt 1048576 &&
	MODE=noread drive modes <big.jsonl &&
	answer 1 .ok true &&
	answer 1 .ref R1
'

test_expect_success 'what a program leaves running when it answers is killed' '
	rm -f stray.pid &&
	modes stray &&
	answer 1 .ok true &&
	test "$(jq ".ms | floor" out.jsonl)" -lt 5000 &&
	pid_gone stray.pid
'

test_expect_success 'a program removed after roster check: permanent, and the message says why' '
	cp bin/garbage.sh bin/gone.sh &&
	sed "s|command: \\[bin/garbage.sh\\]|command: [bin/gone.sh]|" roster.yaml >gone.yaml &&
	{
		echo "{\"op\":\"check\"}" &&
		echo "{\"op\":\"sh\",\"command\":\"rm bin/gone.sh\"}" &&
		echo "{\"op\":\"lookup\",\"value\":\"x1\"}"
	} | drive gone.yaml garbage &&
	answer 1 .ok true &&
	answer 3 .class permanent &&
	answer 3 .message "bin/gone.sh lookup: cannot run $(pwd -P)/bin/gone.sh in .: No such file or directory"
'

test_expect_success 'after all of that in one driver: no zombie, no descriptor more than before' '
	probe="{\"op\":\"sh\",\"command\":\"sh bin/probe.sh \$PPID\"}" &&
	{
		echo "$probe" &&
		for m in 1 2 3 4 5 6 7 8 9 10
		do
			echo "{\"op\":\"create\",\"employee_id\":\"m1\",\"correlate\":\"m1\",\"attrs\":{\"employee_number\":\"m1\"}}" &&
			echo "{\"op\":\"lookup\",\"value\":\"m1\"}" ||
				return 1
		done &&
		echo "$probe"
	} >ops.jsonl &&
	rm -f fds children &&
	for m in exit3 killed bigout noread two stray env
	do
		MODE=$m drive modes <ops.jsonl ||
			return 1
	done &&
	{
		echo "$probe" &&
		echo "{\"op\":\"create\",\"employee_id\":\"s1\",\"correlate\":\"s1\",\"attrs\":{\"employee_number\":\"s1\"}}" &&
		echo "{\"op\":\"create\",\"employee_id\":\"s1\",\"correlate\":\"s1\",\"attrs\":{\"employee_number\":\"s1\"}}" &&
		echo "$probe"
	} | drive slow &&
	# each driver had as many descriptors after its runs as before
	sed -n "p;n" fds >before && sed -n "n;p" fds >after &&
	test "$(wc -l <before)" = 8 &&
	test_cmp before after &&
	# the only child a driver has at a probe is the probe'"'"'s own shell
	test "$(wc -l <children)" = 16 &&
	test_must_not_contain children " Z"
'

test_expect_success 'roster check names a wrong command at its place in roster.yaml' '
	check_bad() {
		sed "s|command: \\[bin/record.sh\\]|command: $1|" roster.yaml >bad.yaml &&
		line=$(grep -nF "command: $1" bad.yaml | sed -n "1s/:.*//p") &&
		test_expect_code 2 roster -c bad.yaml check >out 2>err &&
		test_must_contain err "bad.yaml:$line:$3: target \"payroll\": command: $2"
	} &&
	here=$(pwd -P) &&
	check_bad "[bin/nope.sh]" "\"bin/nope.sh\": No such file or directory ($here/bin/nope.sh: a relative path is taken from the folder of roster.yaml)" 15 &&
	check_bad "[./bin]" "\"./bin\" is not a file ($here/bin)" 15 &&
	cp bin/payroll.sh bin/plain.sh && chmod -x bin/plain.sh &&
	check_bad "[bin/plain.sh]" "\"bin/plain.sh\" is not executable (chmod +x $here/bin/plain.sh)" 15 &&
	check_bad "[payroll.sh]" "\"payroll.sh\" is not a program in PATH (a program next to roster.yaml is ./payroll.sh)" 15 &&
	check_bad "bin/record.sh" "expected a list: [program, argument, …] (no shell: each argument one item)" 14 &&
	# an empty [] has no place of its own in libfyaml: its key'"'"'s is named
	sed "s|command: \\[bin/record.sh\\]|command: []|" roster.yaml >bad.yaml &&
	line=$(grep -n "command: \\[\\]" bad.yaml | sed -n "1s/:.*//p") &&
	test_expect_code 2 roster -c bad.yaml check 2>err &&
	test_must_contain err "bad.yaml:$line:5: target \"payroll\": command: expected a list: [program, argument, …]" &&
	check_bad "[bin/record.sh, [x]]" "item 2 is a list, expected a string" 15 &&
	sed "s|timeout: 30|timeout: soon|" roster.yaml >bad.yaml &&
	test_expect_code 2 roster -c bad.yaml check 2>err &&
	test_must_contain err "target \"payroll\": timeout: expected a whole number of seconds from 1 to 86400, found \"soon\"" &&
	sed "s|PAYROLL_DATA: var|PAYROLL-DATA: var|" roster.yaml >bad.yaml &&
	test_expect_code 2 roster -c bad.yaml check 2>err &&
	test_must_contain err "env: \"PAYROLL-DATA\" is not a name for the environment (letters, digits and _)" &&
	grep -v "  command: \\[bin/slow.sh\\]" roster.yaml >bad.yaml &&
	test_expect_code 2 roster -c bad.yaml check 2>err &&
	test_must_contain err "target \"slow\": missing key \"command\"" &&
	# ./name is next to roster.yaml, a plain name is looked up in PATH
	sed "s|command: \\[bin/record.sh\\]|command: [./bin/record.sh]|" roster.yaml >good.yaml &&
	roster -c good.yaml check >out &&
	sed "s|command: \\[bin/record.sh\\]|command: [env, ./bin/record.sh]|" roster.yaml >good.yaml &&
	roster -c good.yaml check >out
'

# --- through roster apply ---

# apply_yaml NAME TARGET [CONDITION]: NAME.yaml, roster.yaml with its own vault and a rule that
# gives everyone (for whom CONDITION holds) an account on TARGET and the group of their department.
apply_yaml() {
	sed -e "s|^vault: .*|vault: var/$1.db|" roster.yaml >"$1.yaml" &&
	when=${3:-person.employee_id != \"\"} &&
	cat >>"$1.yaml" <<-EOF
	rules:
	  - name: everyone
	    when: '$when'
	    grant: [{target: $2, account: true}, {target: $2, group: "dept {contract.department.code}"}]
	EOF
}

# accounts FILE: the live accounts of a payroll file, one a line: employee_id enabled name department permissions.
accounts() {
	jq -r "select(.deleted | not) | [.employee_id, .enabled, .attributes.name, .attributes.department // \"-\", (.permissions | if length == 0 then \"-\" else join(\"+\") end)] | join(\" \")" "$1" | sort
}

test_expect_success 'roster apply makes the accounts through payroll.sh; a rerun has nothing to do' '
	rm -f var/payroll.jsonl requests.jsonl &&
	apply_yaml story payroll &&
	roster -c story.yaml import --at 2025-01-06 >out 2>&1 &&
	roster -c story.yaml apply --at 2025-01-06 --yes >out 2>&1 &&
	test_must_contain out "10 done, 0 failed" &&
	accounts var/payroll.jsonl >actual &&
	cat >expect <<-\EOF &&
	p1 true Anna Jansen FIN dept FIN
	p2 true Bram de Vries ICT dept ICT
	p3 true Chris Smit FIN dept FIN
	p4 true Dewi Bakker ICT dept ICT
	p5 true Eva Visser FIN dept FIN
	EOF
	test_cmp expect actual &&
	# a lookup before every create, as connector.h promises
	test "$(request lookup | wc -l)" = 5 &&
	test "$(request create | wc -l)" = 5 &&
	roster -c story.yaml apply --at 2025-01-06 --yes >out 2>&1 &&
	test_must_contain out "nothing to apply" &&
	roster -c story.yaml plan --at 2025-01-06 --json >plan.json &&
	test "$(jq ".actions | length" plan.json)" = 0
'

test_expect_success 'roster reconcile lists the accounts page by page: all linked' '
	PAYROLL_PAGE_SIZE=2 roster -c story.yaml reconcile payroll --json >r.json &&
	test "$(jq ".linked | length" r.json)" = 5 &&
	test "$(jq ".orphans | length" r.json)" = 0 &&
	test "$(jq ".drift | length" r.json)" = 0 &&
	# drift on the application is seen, and put back by the next apply
	sed -i "s/\"Eva Visser\"/\"Eve Visser\"/" var/payroll.jsonl &&
	roster -c story.yaml reconcile payroll --json >r.json &&
	test "$(jq ".drift | length" r.json)" = 1 &&
	roster -c story.yaml apply --at 2025-01-06 --yes >out 2>&1 &&
	test_must_contain out "1 done, 0 failed" &&
	accounts var/payroll.jsonl | grep "^p5 " >actual &&
	echo "p5 true Eva Visser FIN dept FIN" >expect &&
	test_cmp expect actual
'

test_expect_success 'a mover is updated and regranted, a leaver disabled: it converges' '
	sed -i "s/^c2,p2,2024-01-01,,ICT,/c2,p2,2024-01-01,,FIN,/" hr/contracts.csv &&
	sed -i "s/^p4,Dewi,Bakker/p4,Dewi,Bakker-Smit/" hr/persons.csv &&
	# one leaver of five is more than the import guard lets through by itself
	roster -c story.yaml import --at 2025-02-03 --force >out 2>&1 &&
	roster -c story.yaml apply --at 2025-02-03 --yes >out 2>&1 &&
	test_must_contain out "0 failed" &&
	accounts var/payroll.jsonl >actual &&
	cat >expect <<-\EOF &&
	p1 true Anna Jansen FIN dept FIN
	p2 true Bram de Vries FIN dept FIN
	p3 false Chris Smit FIN -
	p4 true Dewi Bakker-Smit ICT dept ICT
	p5 true Eva Visser FIN dept FIN
	EOF
	test_cmp expect actual &&
	request update | jq -c "select(.employee_id == \"p4\") | .changes" >actual &&
	echo "{\"name\":\"Dewi Bakker-Smit\"}" >expect &&
	test_cmp expect actual &&
	roster -c story.yaml apply --at 2025-02-03 --yes >out 2>&1 &&
	test_must_contain out "nothing to apply"
'

test_expect_success 'roster apply from another folder finds the program next to roster.yaml; adopts' '
	apply_yaml away payroll &&
	mkdir -p away &&
	(
		cd away &&
		roster -c ../away.yaml import --at 2025-02-03 --force >out 2>&1 &&
		roster -c ../away.yaml apply --at 2025-02-03 --yes >out 2>&1
	) &&
	test_must_contain away/out "(4 existing accounts adopted), 0 failed" &&
	test ! -d away/var &&
	test -f var/away.db
'

test_expect_success 'roster apply retries a transient failure, and then it succeeds' '
	rm -f var/flaky.jsonl flaky.* &&
	apply_yaml flaky flaky &&
	roster -c flaky.yaml import --at 2025-01-06 >out 2>&1 &&
	roster -c flaky.yaml apply --at 2025-01-06 --yes >out 2>&1 &&
	test_must_contain out "10 done, 0 failed" &&
	# the first lookup, create and grant failed once each, and were tried again
	test "$(grep -c "^lookup\$" flaky.runs)" = 7 &&
	test "$(grep -c "^create\$" flaky.runs)" = 6 &&
	test "$(grep -c "^grant\$" flaky.runs)" = 6 &&
	test "$(jq -c "select(.deleted | not)" var/flaky.jsonl | wc -l)" = 5
'

test_expect_success 'roster apply: a program that times out fails its action (tried three times), transient' '
	apply_yaml slow slow "person.employee_id == \"p1\"" &&
	roster -c slow.yaml import --at 2025-01-06 >out 2>&1 &&
	test_expect_code 1 roster -c slow.yaml apply --at 2025-01-06 --yes >out 2>&1 &&
	test_must_contain out "0 done, 2 failed" &&
	test_must_contain out "bin/slow.sh lookup: did not finish within 1 s, and was stopped (stderr: working on it)" &&
	roster -c slow.yaml audit >audit.out 2>&1 &&
	test_must_contain audit.out "did not finish within 1 s"
'

test_expect_success 'roster apply: garbage fails its action at once (permanent: not retried)' '
	rm -f garbage.runs &&
	apply_yaml garbage garbage &&
	roster -c garbage.yaml import --at 2025-01-06 >out 2>&1 &&
	test_expect_code 1 roster -c garbage.yaml apply --at 2025-01-06 --yes >out 2>&1 &&
	test_must_contain out "0 done, 10 failed" &&
	test_must_contain out "bin/garbage.sh lookup: the answer to lookup is not one JSON object" &&
	test "$(wc -l <garbage.runs)" = 5
'

test_done
