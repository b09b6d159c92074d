# slapd-lib.sh: a throwaway OpenLDAP slapd of the test's own, on 127.0.0.1,
# for the LDAP tests (4xxx). Sourced after lib.sh:
#
#	. "$TEST_DIR/slapd-lib.sh"
#	slapd_setup [LDIF...]   # installs slapd when missing (as root), or skips the script
#	slapd_start             # stopped at the end of the script, whatever happens
#
# It has its own cn=config folder (slapadd, no system config), an mdb
# database for dc=example,dc=org with the core, cosine, inetorgperson and nis
# schemas, equality indexes and no fsync, ou=people, ou=groups and
# ou=disabled, plus what the LDIF files given to slapd_setup hold (loaded
# with slapadd before the start). Two listeners on free high ports:
# ldap:// (plain, StartTLS offered) and ldaps://, with a certificate for
# IP 127.0.0.1 from a CA of the test's own ($SLAPD_CA).
#
# Who may do what: $SLAPD_ROOT_DN (password $SLAPD_ROOT_PW) is the rootdn and
# sees everything without limits, as the checks with slapd_search do;
# $SLAPD_BIND_DN (password $SLAPD_BIND_PW) is the account roster binds as:
# it may write everything, and like every client that is not the rootdn it
# gets at most 1000 entries from a plain search and pages of at most 500,
# with no limit on a paged search as a whole.
#
# The functions below only read SLAPD_DIR and the files in it, so a
# separate shell can stop and start the same server:
#	sh -c '. tests/e2e/slapd-lib.sh && SLAPD_DIR=… slapd_stop'

SLAPD_BASE=dc=example,dc=org
SLAPD_ROOT_DN=cn=admin,dc=example,dc=org
SLAPD_ROOT_PW=root-secret
SLAPD_BIND_DN=cn=roster,dc=example,dc=org
SLAPD_BIND_PW=roster-secret

# slapd_install: slapd, ldap-utils and openssl, installed when missing (root
# only: scripts/deps.sh as CI uses it). 0 when they are there afterwards.
slapd_install() {
	if command -v slapd >/dev/null 2>&1 && command -v slapadd >/dev/null 2>&1 &&
		command -v ldapsearch >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1
	then
		return 0
	fi
	PATH=$PATH:/usr/sbin:/sbin
	export PATH
	if test "$(id -u)" = 0 && command -v apt-get >/dev/null 2>&1
	then
		(. "$ROSTER_SRC/scripts/deps.sh" && need_packages slapd ldap-utils openssl) >&2
	fi
	command -v slapd >/dev/null 2>&1 && command -v slapadd >/dev/null 2>&1 &&
		command -v ldapsearch >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1
}

# A port from 20000 to 59999; slapd_start tries another when it is taken.
slapd_random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
}

# slapd_setup [LDIF...]: the configuration and the database in $TRASH/slapd.
slapd_setup() {
	PATH=$PATH:/usr/sbin:/sbin
	export PATH
	if ! slapd_install
	then
		echo "1..0 # SKIP slapd, ldap-utils and openssl are not installed and cannot be (not root, or apt-get failed)"
		exit 0
	fi
	SLAPD_DIR=$TRASH/slapd
	mkdir -p "$SLAPD_DIR/slapd.d" "$SLAPD_DIR/db" || return 1
	slapd_certificates || return 1
	rootpw=$(slappasswd -s "$SLAPD_ROOT_PW") &&
	bindpw=$(slappasswd -s "$SLAPD_BIND_PW") &&
	cat >"$SLAPD_DIR/config.ldif" <<-EOF &&
	dn: cn=config
	objectClass: olcGlobal
	cn: config
	olcPidFile: $SLAPD_DIR/slapd.pid
	olcArgsFile: $SLAPD_DIR/slapd.args
	olcLogLevel: none
	olcTLSCACertificateFile: $SLAPD_DIR/ca.pem
	olcTLSCertificateFile: $SLAPD_DIR/server.pem
	olcTLSCertificateKeyFile: $SLAPD_DIR/server.key

	dn: cn=module{0},cn=config
	objectClass: olcModuleList
	cn: module{0}
	olcModulePath: /usr/lib/ldap
	olcModuleLoad: back_mdb

	dn: cn=schema,cn=config
	objectClass: olcSchemaConfig
	cn: schema

	include: file:///etc/ldap/schema/core.ldif

	include: file:///etc/ldap/schema/cosine.ldif

	include: file:///etc/ldap/schema/inetorgperson.ldif

	include: file:///etc/ldap/schema/nis.ldif

	dn: olcDatabase={-1}frontend,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcFrontendConfig
	olcDatabase: {-1}frontend
	olcSizeLimit: 1000

	dn: olcDatabase={0}config,cn=config
	objectClass: olcDatabaseConfig
	olcDatabase: {0}config
	olcAccess: {0}to * by * none

	dn: olcDatabase={1}mdb,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcMdbConfig
	olcDatabase: {1}mdb
	olcSuffix: $SLAPD_BASE
	olcRootDN: $SLAPD_ROOT_DN
	olcRootPW: $rootpw
	olcDbDirectory: $SLAPD_DIR/db
	olcDbMaxSize: 1073741824
	olcDbNoSync: TRUE
	olcDbIndex: objectClass eq
	olcDbIndex: uid,cn,employeeNumber,member,uniqueMember eq
	olcLimits: {0}dn.exact="$SLAPD_BIND_DN" size.soft=1000 size.hard=1000 size.pr=500 size.prtotal=unlimited
	olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
	olcAccess: {1}to * by dn.exact="$SLAPD_BIND_DN" write by * read
	EOF
	cat >"$SLAPD_DIR/base.ldif" <<-EOF &&
	dn: $SLAPD_BASE
	objectClass: dcObject
	objectClass: organization
	dc: example
	o: Example

	dn: $SLAPD_BIND_DN
	objectClass: organizationalRole
	objectClass: simpleSecurityObject
	cn: roster
	userPassword: $bindpw

	dn: ou=people,$SLAPD_BASE
	objectClass: organizationalUnit
	ou: people

	dn: ou=groups,$SLAPD_BASE
	objectClass: organizationalUnit
	ou: groups

	dn: ou=disabled,$SLAPD_BASE
	objectClass: organizationalUnit
	ou: disabled
	EOF
	slapadd -F "$SLAPD_DIR/slapd.d" -n 0 -l "$SLAPD_DIR/config.ldif" >"$SLAPD_DIR/slapadd.log" 2>&1 &&
	slapadd -F "$SLAPD_DIR/slapd.d" -n 1 -l "$SLAPD_DIR/base.ldif" >>"$SLAPD_DIR/slapadd.log" 2>&1 || {
		cat "$SLAPD_DIR/slapadd.log" >&2
		return 1
	}
	for ldif in "$@"
	do
		slapadd -F "$SLAPD_DIR/slapd.d" -n 1 -l "$ldif" >>"$SLAPD_DIR/slapadd.log" 2>&1 || {
			cat "$SLAPD_DIR/slapadd.log" >&2
			return 1
		}
	done
	test_at_exit slapd_stop
}

# A CA and a server certificate for IP 127.0.0.1 (as clients check the name they dialled).
slapd_certificates() {
	(
		cd "$SLAPD_DIR" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=roster test CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
			-days 2 -extfile server.ext &&
		chmod 600 server.key ca.key
	) >"$SLAPD_DIR/openssl.log" 2>&1 || {
		cat "$SLAPD_DIR/openssl.log" >&2
		return 1
	}
	SLAPD_CA=$SLAPD_DIR/ca.pem
}

# The URLs of a started server (its ports are in $SLAPD_DIR/ports).
slapd_urls() {
	read SLAPD_PORT SLAPD_TLS_PORT <"$SLAPD_DIR/ports" &&
	SLAPD_URL=ldap://127.0.0.1:$SLAPD_PORT &&
	SLAPD_LDAPS_URL=ldaps://127.0.0.1:$SLAPD_TLS_PORT &&
	SLAPD_CA=$SLAPD_DIR/ca.pem
}

# slapd_wait: until the server answers an anonymous search of the root DSE (5 s at most).
slapd_wait() {
	i=0
	while test $i -lt 50
	do
		if ldapsearch -x -H "ldap://127.0.0.1:$SLAPD_PORT" -b "" -s base -o nettimeout=1 \
			namingContexts >/dev/null 2>&1
		then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "slapd_wait: slapd on port $SLAPD_PORT does not answer" >&2
	return 1
}

# slapd_start: starts the server, on the ports of the first start when it
# was started before (so clients find it again), else on free ones.
slapd_start() {
	tries=0
	while :
	do
		if test -f "$SLAPD_DIR/ports"
		then
			read SLAPD_PORT SLAPD_TLS_PORT <"$SLAPD_DIR/ports"
		else
			SLAPD_PORT=$(slapd_random_port)
			SLAPD_TLS_PORT=$(slapd_random_port)
		fi
		# slapd binds its listeners before it forks: a taken port makes it exit non-zero
		if slapd -F "$SLAPD_DIR/slapd.d" \
			-h "ldap://127.0.0.1:$SLAPD_PORT/ ldaps://127.0.0.1:$SLAPD_TLS_PORT/" \
			>"$SLAPD_DIR/slapd.log" 2>&1
		then
			break
		fi
		tries=$((tries + 1))
		if test -f "$SLAPD_DIR/ports" && test $tries -lt 50
		then
			sleep 0.1 # the old one's ports may not be free yet
			continue
		fi
		if test -f "$SLAPD_DIR/ports" || test $tries -ge 10
		then
			echo "slapd_start: slapd does not start:" >&2
			cat "$SLAPD_DIR/slapd.log" >&2
			return 1
		fi
	done
	echo "$SLAPD_PORT $SLAPD_TLS_PORT" >"$SLAPD_DIR/ports" &&
	slapd_wait &&
	slapd_urls
}

# slapd_stop: stops the server and waits until it is gone (nothing when it is not running).
slapd_stop() {
	test -f "$SLAPD_DIR/slapd.pid" || return 0
	pid=$(cat "$SLAPD_DIR/slapd.pid")
	kill -CONT "$pid" 2>/dev/null
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && test $i -lt 100
	do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null
	then
		kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$SLAPD_DIR/slapd.pid"
}

# slapd_pause / slapd_resume: the server keeps its connections but answers nothing (SIGSTOP), and again.
slapd_pause() {
	kill -STOP "$(cat "$SLAPD_DIR/slapd.pid")"
}

slapd_resume() {
	kill -CONT "$(cat "$SLAPD_DIR/slapd.pid")"
}

# slapd_search ARGS...: ldapsearch as the rootdn, LDIF without line wrapping or comments.
slapd_search() {
	ldapsearch -x -LLL -o ldif-wrap=no -H "ldap://127.0.0.1:$SLAPD_PORT" \
		-D "$SLAPD_ROOT_DN" -w "$SLAPD_ROOT_PW" "$@"
}

# slapd_add: ldapadd of the LDIF on stdin, as the rootdn.
slapd_add() {
	ldapadd -x -H "ldap://127.0.0.1:$SLAPD_PORT" -D "$SLAPD_ROOT_DN" -w "$SLAPD_ROOT_PW" >/dev/null
}

# slapd_example_depts: LDIF of one ou= under ou=people for every department
# code of the example's contracts (for slapd_setup; the example's dn: puts
# accounts under them).
slapd_example_depts() {
	for dept in $(sed 1d "$EXAMPLES/hr/contracts.csv" | cut -d';' -f5 | sort -u)
	do
		printf 'dn: ou=%s,ou=people,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$dept" "$SLAPD_BASE" "$dept"
	done
}

# slapd_example_target: roster.yaml on stdin (roster init's example) with
# its csv target "directory" made an ldap target on our slapd (dn under
# ou=<department>, groups under ou=groups, disable by moving to
# ou=disabled); the attributes stay but mail, made of the name (as a
# marriage changes it), manager becomes a DN (as LDAP wants it) and
# inetOrgPerson's cn and sn are added.
slapd_example_target() {
	awk -v url="$SLAPD_URL" -v bind="$SLAPD_BIND_DN" '
	/^targets:/ {
		print
		print "  - name: directory"
		print "    connector: ldap"
		print "    url: " url
		print "    bind_dn: " bind
		print "    bind_password: ${env:LDAP_PASSWORD}"
		print "    timeout: 2"
		print "    dn: \"uid={account.uid},ou={contract.department.code},ou=people,dc=example,dc=org\""
		print "    object_classes: [inetOrgPerson]"
		print "    groups: {base: \"ou=groups,dc=example,dc=org\", object_class: groupOfNames, member_attribute: member, create_missing: true}"
		print "    disable: {move_to: \"ou=disabled,dc=example,dc=org\"}"
		intarget = 1
		next
	}
	intarget && /^  - name:/ { next }
	intarget && /^    connector:/ { next }
	intarget && /^      mail:/ {
		# the mail follows the name (a marriage changes it), the uid does not
		print "      mail: \"{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}@example.org\""
		next
	}
	intarget && /^      manager:/ {
		print "      manager: {ref: manager, attribute: dn}"
		print "      cn: \"{display_name}\""
		print "      sn: \"{family_name_full}\""
		next
	}
	/^rules:/ { intarget = 0 }
	{ print }
	'
}
