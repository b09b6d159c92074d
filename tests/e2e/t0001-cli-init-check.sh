#!/bin/sh
# roster init writes a configuration that works; roster check validates it.
. "$(dirname "$0")/lib.sh"

test_expect_success 'init writes a configuration and HR data' '
	roster init org >out &&
	test -f org/roster.yaml &&
	test -f org/hr/persons.csv &&
	test -f org/hr/contracts.csv &&
	test -f org/hr/assignments.csv &&
	test_must_contain out "roster -c org/roster.yaml import"
'

test_expect_success 'init refuses to overwrite, and names the file' '
	test_expect_code 2 roster init org 2>err &&
	test_must_contain err "org/roster.yaml already exists"
'

test_expect_success 'the example configuration is valid' '
	roster -c org/roster.yaml check >out &&
	test_must_contain out "ok (1 source"
'

test_expect_success 'an unknown key is an error with file, line, column and a suggestion' '
	sed "s/^timezone:/timezon:/" org/roster.yaml >bad.yaml &&
	test_expect_code 2 roster -c bad.yaml check 2>err &&
	test_must_contain err "bad.yaml:4:1: unknown key \"timezon\" in the top level (did you mean \"timezone\"?)"
'

test_expect_success 'an unknown field names the spot and a close match' '
	sed "s/employee_id: Personeelsnummer/employe_id: Personeelsnummer/" org/roster.yaml >bad.yaml &&
	test_expect_code 2 roster -c bad.yaml check 2>err &&
	test_must_contain err "bad.yaml:" &&
	test_must_contain err "unknown field \"employe_id\" (did you mean \"employee_id\"?"
'

test_expect_success 'a YAML syntax error names line and column' '
	printf "vault: x\nsources: [\n" >broken.yaml &&
	test_expect_code 2 roster -c broken.yaml check 2>err &&
	test_must_contain err "broken.yaml:"
'

test_expect_success 'a bad guard limit says what was expected' '
	sed "s/max_removed: 10%/max_removed: lots/" org/roster.yaml >bad.yaml &&
	test_expect_code 2 roster -c bad.yaml check 2>err &&
	test_must_contain err "guard.max_removed: \"lots\" is not a limit (expected a count such as 25 or a percentage such as 10%)"
'

test_expect_success 'an unknown time zone is an error' '
	sed "s|Europe/Amsterdam|Europe/Atlantis|" org/roster.yaml >bad.yaml &&
	test_expect_code 2 roster -c bad.yaml check 2>err &&
	test_must_contain err "\"Europe/Atlantis\" is not a known time zone"
'

test_expect_success 'secrets come from the environment and from files' '
	cat >env.yaml <<-EOF &&
	vault: \${env:ROSTER_T_VAULT}
	sources:
	  - name: hr
	    persons: \${file:pfile}
	EOF
	echo "hr/p.csv" >pfile &&
	ROSTER_T_VAULT=var/x.db roster -c env.yaml check --config-only >out &&
	test_must_contain out "vault var/x.db" &&
	test_expect_code 2 env -u ROSTER_T_VAULT "$ROSTER" -c env.yaml check --config-only 2>err &&
	test_must_contain err "env.yaml:1:8: vault: environment variable ROSTER_T_VAULT is not set"
'

test_expect_success 'check reads each source: a missing file is an error' '
	cp -r org org2 &&
	rm org2/hr/assignments.csv &&
	test_expect_code 2 roster -c org2/roster.yaml check 2>err &&
	test_must_contain err "hr/assignments.csv: cannot open: No such file or directory"
'

test_expect_success 'check reads each header: a missing column is named, with the header' '
	cp -r org org3 &&
	sed -i "1s/Roepnaam/Voornaam/" org3/hr/persons.csv &&
	test_expect_code 2 roster -c org3/roster.yaml check 2>err &&
	test_must_contain err "hr/persons.csv:1: column \"Roepnaam\" (for given_name) not found" &&
	test_must_contain err "\"Voornaam\"" &&
	roster -c org3/roster.yaml check --config-only
'

test_expect_success 'a missing configuration file is a clear error' '
	test_expect_code 2 roster -c nowhere.yaml check 2>err &&
	test_must_contain err "nowhere.yaml: cannot open the configuration"
'

test_expect_success 'an unknown command is a usage error' '
	test_expect_code 2 roster frobnicate 2>err &&
	test_must_contain err "unknown command \"frobnicate\""
'

test_done
