# scim-lib.sh: a throwaway SCIM 2.0 service provider of the test's own, on
# 127.0.0.1, for the SCIM tests (5xxx). Sourced after lib.sh:
#
#	. "$TEST_DIR/scim-lib.sh"
#	scim_setup                      # node and the server's packages, or skips the script
#	scim_start [NAME=VALUE...]      # stopped at the end of the script, whatever happens
#
# The server is tests/scim-server/server.js: the npm packages scimmy and
# scimmy-routers on express with an in-memory store (its header says what
# it takes). Its packages are installed from the committed lockfile (npm
# ci) into tests/scim-server/node_modules when they are missing or older
# than the lockfile, once for all the tests running at the same time.
#
# scim_start's arguments are the server's environment (SCIM_PATCH=0,
# SCIM_ETAG=1, SCIM_BASIC=user:pw, SCIM_OAUTH=id:secret, SCIM_TLS_CERT=…);
# a bearer token $SCIM_TOKEN is accepted unless they say otherwise. It
# sets SCIM_PORT, SCIM_URL (the SCIM base: http://127.0.0.1:PORT/scim/v2,
# or https://) and SCIM_ADMIN (the test endpoints: /_admin/fail, /_admin/log).
# SCIM_NAME (default scim) names the instance: its folder is $TRASH/$SCIM_NAME,
# so a test can run several; started again after a stop, an instance takes
# the port it had (its store starts empty: it lives in memory).
#
# The functions below only read SCIM_DIR and the files in it, so a
# separate shell can stop, pause and resume the same server:
#	sh -c '. tests/e2e/scim-lib.sh && SCIM_DIR=… scim_pause'

SCIM_TOKEN=${SCIM_TOKEN:-roster-test-token-0123456789}
SCIM_SERVER_SRC=${ROSTER_SRC:-.}/tests/scim-server

# scim_install: node_modules from the lockfile, unless it is there for this lockfile already.
scim_install() {
	(
		cd "$SCIM_SERVER_SRC" || exit 1
		want=$(sha256sum package-lock.json | cut -d' ' -f1)
		test "$(cat node_modules/.roster-lock 2>/dev/null)" = "$want" && exit 0
		# one npm ci at a time; the others wait and find it done
		exec 9>"$SCIM_SERVER_SRC/.npm-lock"
		flock 9
		test "$(cat node_modules/.roster-lock 2>/dev/null)" = "$want" && exit 0
		npm ci --no-audit --no-fund --loglevel=error >"${TMPDIR:-/tmp}/roster-npm-ci.log" 2>&1 || {
			cat "${TMPDIR:-/tmp}/roster-npm-ci.log" >&2
			exit 1
		}
		echo "$want" >node_modules/.roster-lock
	)
}

# scim_setup: node, npm, curl, jq and openssl there, and the server's packages installed; else the script is skipped.
scim_setup() {
	for cmd in node npm curl jq openssl flock
	do
		if ! command -v $cmd >/dev/null 2>&1
		then
			echo "1..0 # SKIP $cmd is not installed (the SCIM tests need node, npm, curl, jq, openssl, flock)"
			exit 0
		fi
	done
	if ! scim_install
	then
		echo "1..0 # SKIP npm ci in tests/scim-server failed (is the npm registry reachable?)"
		exit 0
	fi
}

# A CA and a server certificate for IP 127.0.0.1 in $SCIM_CERTS (default $TRASH/certs): ca.pem, server.pem, server.key.
scim_certificates() {
	SCIM_CERTS=${SCIM_CERTS:-$TRASH/certs}
	mkdir -p "$SCIM_CERTS" &&
	(
		cd "$SCIM_CERTS" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=roster test CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
			-days 2 -extfile server.ext &&
		chmod 600 server.key ca.key
	) >"$SCIM_CERTS/openssl.log" 2>&1 || {
		cat "$SCIM_CERTS/openssl.log" >&2
		return 1
	}
}

# scim_urls: SCIM_PORT, SCIM_URL and SCIM_ADMIN of the server in $SCIM_DIR.
scim_urls() {
	SCIM_PORT=$(cat "$SCIM_DIR/port") &&
	scheme=http &&
	if test -f "$SCIM_DIR/tls"
	then
		scheme=https
	fi &&
	SCIM_URL=$scheme://127.0.0.1:$SCIM_PORT/scim/v2 &&
	SCIM_ADMIN=$scheme://127.0.0.1:$SCIM_PORT/_admin
}

# scim_wait: until the server answers (10 s at most).
scim_wait() {
	i=0
	while test $i -lt 100
	do
		if test -s "$SCIM_DIR/port" && scim_urls &&
			curl -s -k -o /dev/null --max-time 1 "$SCIM_ADMIN/log"
		then
			return 0
		fi
		if ! kill -0 "$(cat "$SCIM_DIR/pid")" 2>/dev/null
		then
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "scim_wait: the SCIM server does not answer:" >&2
	cat "$SCIM_DIR/server.log" >&2
	return 1
}

# scim_start [NAME=VALUE...]: starts the server with that environment (kept
# for a start after a stop), on the port it had when it was started before.
scim_start() {
	SCIM_DIR=$TRASH/${SCIM_NAME:-scim}
	if ! test -d "$SCIM_DIR"
	then
		mkdir -p "$SCIM_DIR" || return 1
		for kv in "SCIM_TOKEN=$SCIM_TOKEN" "$@"
		do
			printf "%s='%s'\n" "${kv%%=*}" "$(printf '%s' "${kv#*=}" | sed "s/'/'\\\\''/g")"
		done >"$SCIM_DIR/env"
		test_at_exit "SCIM_DIR='$SCIM_DIR' scim_stop"
	fi
	rm -f "$SCIM_DIR/tls"
	if grep -q '^SCIM_TLS_CERT=' "$SCIM_DIR/env"
	then
		: >"$SCIM_DIR/tls"
	fi
	tries=0
	while :
	do
		port=0
		if test -f "$SCIM_DIR/port"
		then
			port=$(cat "$SCIM_DIR/port")
			mv "$SCIM_DIR/port" "$SCIM_DIR/port.old"
		elif test -f "$SCIM_DIR/port.old"
		then
			port=$(cat "$SCIM_DIR/port.old")
		fi
		(
			set -a
			. "$SCIM_DIR/env"
			set +a
			SCIM_PORT=$port SCIM_PORT_FILE=$SCIM_DIR/port exec node "$SCIM_SERVER_SRC/server.js" \
				>"$SCIM_DIR/server.log" 2>&1 </dev/null
		) &
		echo $! >"$SCIM_DIR/pid"
		if scim_wait
		then
			rm -f "$SCIM_DIR/port.old"
			return 0
		fi
		tries=$((tries + 1))
		# the port of the last start may not be free yet
		if test $tries -ge 30 || ! grep -q EADDRINUSE "$SCIM_DIR/server.log"
		then
			return 1
		fi
		sleep 0.2
	done
}

# scim_stop: stops the server and waits until it is gone (nothing when it is not running).
scim_stop() {
	test -f "$SCIM_DIR/pid" || return 0
	pid=$(cat "$SCIM_DIR/pid")
	kill -CONT "$pid" 2>/dev/null
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && test $i -lt 50
	do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null
	then
		kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$SCIM_DIR/pid"
	if test -f "$SCIM_DIR/port"
	then
		mv "$SCIM_DIR/port" "$SCIM_DIR/port.old"
	fi
}

# scim_pause / scim_resume: the server keeps its connections and its store but answers nothing (SIGSTOP), and again.
scim_pause() {
	kill -STOP "$(cat "$SCIM_DIR/pid")"
}

scim_resume() {
	kill -CONT "$(cat "$SCIM_DIR/pid")"
}

# scim_get PATH [CURL ARGS...]: GET of $SCIM_URL/PATH with the bearer token, the body on stdout; fails unless 2xx.
scim_get() {
	p=$1
	shift
	curl -s -f -k -H "Authorization: Bearer $SCIM_TOKEN" "$@" "$SCIM_URL$p"
}

# scim_user FILTER: the one user that the SCIM filter selects, as JSON (empty when none).
scim_user() {
	curl -s -f -k -G -H "Authorization: Bearer $SCIM_TOKEN" --data-urlencode "filter=$1" \
		"$SCIM_URL/Users" | jq -c '.Resources[0] // empty'
}

# scim_fail_next N STATUS [RETRY_AFTER]: the next N SCIM requests get STATUS (with Retry-After).
scim_fail_next() {
	if test $# -ge 3
	then
		body="{\"count\":$1,\"status\":$2,\"retry_after\":\"$3\"}"
	else
		body="{\"count\":$1,\"status\":$2}"
	fi
	curl -s -f -k -H 'Content-Type: application/json' -d "$body" "$SCIM_ADMIN/fail" >/dev/null
}

# scim_log [clear]: the SCIM requests so far, one JSON array [method, path, ms, If-Match, body, status] a line.
scim_log() {
	curl -s -f -k "$SCIM_ADMIN/log${1:+?clear=1}" | jq -c '.[]'
}
