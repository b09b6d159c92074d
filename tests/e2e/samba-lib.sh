# samba-lib.sh: a throwaway Samba 4 Active Directory domain controller of the
# test's own, on 127.0.0.1, for the AD tests. Sourced after lib.sh:
#
#	. "$TEST_DIR/samba-lib.sh"
#	samba_setup [LDIF...]   # installs Samba when missing (as root), or skips the script
#	samba_start             # stopped at the end of the script, whatever happens
#	$SAMBA_EXEC ldapsearch -H "$SAMBA_URL" ...   # or samba_search ...
#
# The domain: realm EXAMPLE.ORG, NetBIOS domain EXAMPLE, base DC=example,DC=org
# ($SAMBA_BASE), DC host name "dc", no DNS server (dns-backend NONE). Its own
# folder $TRASH/samba (a link to a shorter one under /tmp when that path
# is too long for Samba's sockets) holds everything: smb.conf (provisioned
# from an empty -s file, so the host's /etc/samba/smb.conf never leaks in),
# krb5.conf (KDC 127.0.0.1, no DNS lookups), the databases, pid, lock, log
# and socket folders. It runs only the ldap and kdc services (no dns, dnsupdate, nbt,
# wrepl, rpc, smbd, winbindd) and listens on 127.0.0.1 only.
#
# TLS: a CA of the test's own ($SAMBA_CA) and a server certificate for IP
# 127.0.0.1 (key mode 0600); simple binds and password writes need it, so
# clients use $SAMBA_URL (ldaps://127.0.0.1) with LDAPTLS_CACERT=$SAMBA_CA.
#
# Who: $SAMBA_BIND_DN (Administrator@example.org, password $SAMBA_BIND_PW)
# is the domain administrator. After the first start the domain has
# OU=Org,DC=example,DC=org ($SAMBA_ORG) with OU=Users ($SAMBA_USERS),
# OU=Groups ($SAMBA_GROUPS) and OU=Disabled under it, the department OUs
# OU=ICT, OU=FIN and OU=HR under OU=Users, plus what the LDIF files given to
# samba_setup hold (added over LDAPS as the administrator, in order).
#
# Ports: an AD DC listens on fixed ports (389, 636, 3268, 3269 for LDAP, 88
# and 464 for Kerberos) that no other server may hold. When one of them is
# taken on this host (by another test's DC, or a system slapd), the DC runs
# in a network namespace of its own (ip netns) with only a loopback in it;
# $SAMBA_EXEC is then "ip netns exec NAME" and is empty otherwise. Every
# client of the DC must be run through it, unquoted:
#	$SAMBA_EXEC ldapsearch ...        $SAMBA_EXEC "$ROSTER" apply ...
# ROSTER_SAMBA_NETNS=1 always uses a namespace, =0 never (the script is
# skipped when the ports are taken); unset: only when a port is taken.
#
# Provisioning takes several seconds, so samba_setup provisions once into
# a template folder "${TMPDIR:-/tmp}/roster-samba-template-KEY" (KEY: a hash
# of this file and of Samba's version, so a changed recipe provisions anew)
# and copies it; ROSTER_SAMBA_CACHE=0 provisions every time. Nothing in the
# databases names their folder: only smb.conf does, and it is rewritten.
#
# The functions below only read SAMBA_DIR and the files in it, so a
# separate shell can stop and start the same server:
#	sh -c '. tests/e2e/samba-lib.sh && SAMBA_DIR=… samba_stop'

SAMBA_REALM=EXAMPLE.ORG
SAMBA_DOMAIN=EXAMPLE
SAMBA_BASE=DC=example,DC=org
SAMBA_ORG=OU=Org,$SAMBA_BASE
SAMBA_USERS=OU=Users,$SAMBA_ORG
SAMBA_GROUPS=OU=Groups,$SAMBA_ORG
SAMBA_BIND_DN=Administrator@example.org
SAMBA_BIND_PW=Roster-Admin-Secret-1
SAMBA_URL=ldaps://127.0.0.1
SAMBA_EXEC=
# The TCP and UDP ports the ldap and kdc services bind.
SAMBA_PORTS="88 389 464 636 3268 3269"

# samba_install: the Samba AD DC, ldap-utils, openssl and iproute2,
# installed when missing (root only: scripts/deps.sh as CI uses it). 0 when
# they are there afterwards.
samba_install() {
	PATH=$PATH:/usr/sbin:/sbin
	export PATH
	if ! samba_have_tools && test "$(id -u)" = 0 && command -v apt-get >/dev/null 2>&1
	then
		(. "$ROSTER_SRC/scripts/deps.sh" && need_packages $SAMBA_PACKAGES) >&2
	fi
	samba_have_tools
}

# What a DC needs on Debian 12: samba (the daemon and samba-tool), its
# directory modules, the provisioning templates, and the VFS modules the
# provision needs to set the sysvol ACLs. Not winbind, krb5-user or bind9.
SAMBA_PACKAGES="samba samba-dsdb-modules samba-ad-provision samba-vfs-modules ldap-utils openssl iproute2"

samba_have_tools() {
	for tool in samba samba-tool ldapsearch ldapadd openssl iconv ss ip
	do
		command -v "$tool" >/dev/null 2>&1 || return 1
	done
	# the provision's templates and the module for the sysvol ACLs
	test -d /usr/share/samba/setup && test -n "$(samba_vfs_module)"
}

samba_vfs_module() {
	for f in /usr/lib/*/samba/vfs/acl_xattr.so /usr/lib/samba/vfs/acl_xattr.so
	do
		if test -f "$f"
		then
			echo "$f"
			return 0
		fi
	done
}

# samba_setup [LDIF...]: the domain's files in $TRASH/samba, ready to start.
samba_setup() {
	if ! samba_install
	then
		echo "1..0 # SKIP the Samba AD DC, ldap-utils, openssl and iproute2 are not installed and cannot be (not root, or apt-get failed)"
		exit 0
	fi
	SAMBA_DIR=$TRASH/samba
	SAMBA_SHORT=
	# Samba's sockets lie up to 24 bytes deeper (private/ldap_priv/ldapi)
	# and a socket's path has at most 107: a deep $TMPDIR (a build folder)
	# gets the DC a short folder of its own, linked from $TRASH/samba
	if test ${#SAMBA_DIR} -gt 80
	then
		SAMBA_SHORT=$(mktemp -d /tmp/roster-dc.XXXXXX) || return 1
		SAMBA_DIR=$SAMBA_SHORT/samba
		ln -s "$SAMBA_DIR" "$TRASH/samba" || return 1
	fi
	if test "${ROSTER_SAMBA_CACHE:-1}" = 0
	then
		samba_provision "$SAMBA_DIR" || return 1
	else
		samba_template || return 1
		# cp -a: the sysvol's ACLs are extended attributes
		cp -a "$SAMBA_TEMPLATE" "$SAMBA_DIR" || return 1
		# smb.conf names the folder it was provisioned in
		sed -i "s|$(cat "$SAMBA_TEMPLATE/provisioned-in")|$SAMBA_DIR|g" "$SAMBA_DIR/etc/smb.conf" || return 1
	fi
	samba_certificates || return 1
	# TLS with our own certificate (Samba's self-signed one has no IP name)
	sed -i "/^\[global\]/a\\
	tls enabled = yes\\
	tls keyfile = $SAMBA_DIR/tls/server.key\\
	tls certfile = $SAMBA_DIR/tls/server.pem\\
	tls cafile = $SAMBA_DIR/tls/ca.pem" "$SAMBA_DIR/etc/smb.conf" || return 1
	: >"$SAMBA_DIR/ldifs" || return 1
	for ldif in "$@"
	do
		echo "$ldif" >>"$SAMBA_DIR/ldifs" || return 1
	done
	test_at_exit samba_stop
	test_at_exit samba_netns_remove
	test_at_exit samba_short_remove
}

# samba_short_remove: the short folder of samba_setup goes with $TRASH (kept when it is kept).
samba_short_remove() {
	if test -n "$SAMBA_SHORT" && test "$test_failed" = 0 && test -z "${ROSTER_TEST_KEEP:-}"
	then
		rm -rf "$SAMBA_SHORT"
	fi
}

# samba_provision DIR: a new domain in DIR (the slow part, ~6 s or more).
samba_provision() {
	dir=$1
	mkdir -p "$dir/etc" "$dir/run" "$dir/log" || return 1
	: >"$dir/etc/empty.conf" &&
	samba_krb5_conf "$dir" &&
	KRB5_CONFIG=$dir/etc/krb5.conf TDB_NO_FSYNC=1 samba-tool domain provision -s "$dir/etc/empty.conf" \
		--targetdir="$dir" --realm="$SAMBA_REALM" --domain="$SAMBA_DOMAIN" \
		--host-name=dc --server-role=dc --dns-backend=NONE --host-ip=127.0.0.1 \
		--adminpass="$SAMBA_BIND_PW" \
		--option="interfaces = 127.0.0.1" --option="bind interfaces only = yes" \
		--option="pid directory = $dir/run" --option="log file = $dir/log/samba.log" \
		--option="ncalrpc dir = $dir/run/ncalrpc" \
		--option="winbindd socket directory = $dir/run/winbindd" \
		--option="ntp signd socket directory = $dir/run/ntp_signd" \
		--option="server services = ldap, kdc" \
		>"$dir/log/provision.log" 2>&1 && echo "$dir" >"$dir/provisioned-in" || {
		cat "$dir/log/provision.log" >&2
		echo "samba_provision: samba-tool domain provision failed" >&2
		return 1
	}
	# samba-tool writes "server services" as given, but make sure: the
	# services that would ask DNS or need winbindd must not run
	grep -q '^	server services = ldap, kdc$' "$dir/etc/smb.conf" || {
		echo "samba_provision: unexpected smb.conf:" >&2
		cat "$dir/etc/smb.conf" >&2
		return 1
	}
}

# samba_krb5_conf DIR: a krb5.conf that never asks DNS for the KDC.
samba_krb5_conf() {
	cat >"$1/etc/krb5.conf" <<-EOF
	[libdefaults]
		default_realm = $SAMBA_REALM
		dns_lookup_realm = false
		dns_lookup_kdc = false
	[realms]
		$SAMBA_REALM = {
			kdc = 127.0.0.1
		}
	EOF
}

# samba_template: sets SAMBA_TEMPLATE to a provisioned domain, provisioning
# it when it is not there yet. Concurrent tests wait for one provision (flock);
# an interrupted provision never leaves a template (it is renamed into place
# only when complete).
samba_template() {
	key=$({ cat "$TEST_DIR/samba-lib.sh"; samba -V; } | sha256sum | cut -c1-16) || return 1
	tmp=${TMPDIR:-/tmp}
	SAMBA_TEMPLATE=$tmp/roster-samba-template-$key
	test -f "$SAMBA_TEMPLATE/etc/smb.conf" && return 0
	(
		if command -v flock >/dev/null 2>&1
		then
			flock 9 || exit 1
		fi
		test -f "$SAMBA_TEMPLATE/etc/smb.conf" && exit 0
		new=$(mktemp -d "$tmp/roster-samba-template-$key.XXXXXX") || exit 1
		if samba_provision "$new" && mv -T "$new" "$SAMBA_TEMPLATE"
		then
			# the templates of other recipes, unused for a day, go
			find "$tmp" -maxdepth 1 -name 'roster-samba-template-*' -mmin +1440 \
				! -name "roster-samba-template-$key*" -exec rm -rf {} + 2>/dev/null
			exit 0
		fi
		rm -rf "$new"
		exit 1
	) 9>"$tmp/roster-samba-template-$key.lock"
}

# A CA and a server certificate for IP 127.0.0.1 (clients check the name they dialled).
samba_certificates() {
	mkdir -p "$SAMBA_DIR/tls" &&
	(
		cd "$SAMBA_DIR/tls" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=roster test AD CA" &&
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
			-days 2 -extfile server.ext &&
		chmod 600 server.key ca.key
	) >"$SAMBA_DIR/log/openssl.log" 2>&1 || {
		cat "$SAMBA_DIR/log/openssl.log" >&2
		return 1
	}
	SAMBA_CA=$SAMBA_DIR/tls/ca.pem
}

# samba_ports_taken: 0 when a port the DC needs is held on this host.
samba_ports_taken() {
	ss -Hltun | awk -v ports=" $SAMBA_PORTS " '
		{ n = split($5, a, ":"); if (index(ports, " " a[n] " ")) found = 1 }
		END { exit !found }'
}

# samba_netns_add: a network namespace of its own with its loopback up;
# its name in $SAMBA_DIR/netns.
samba_netns_add() {
	ns=roster-samba-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	ip netns add "$ns" 2>"$SAMBA_DIR/log/netns.log" || return 1
	echo "$ns" >"$SAMBA_DIR/netns"
	ip netns exec "$ns" ip link set lo up 2>>"$SAMBA_DIR/log/netns.log"
}

# samba_netns_remove: deletes the namespace of samba_netns_add (nothing when there is none).
samba_netns_remove() {
	test -f "$SAMBA_DIR/netns" || return 0
	ip netns delete "$(cat "$SAMBA_DIR/netns")" 2>/dev/null
	rm -f "$SAMBA_DIR/netns"
}

# samba_exec: sets SAMBA_EXEC from $SAMBA_DIR/netns.
samba_exec() {
	SAMBA_EXEC=
	if test -f "$SAMBA_DIR/netns"
	then
		SAMBA_EXEC="ip netns exec $(cat "$SAMBA_DIR/netns")"
	fi
	SAMBA_CA=$SAMBA_DIR/tls/ca.pem
}

# samba_place: decides where the DC runs (this host or a namespace), once:
# a restarted DC runs where it ran before, so clients find it again. Exits
# 77 after a TAP skip line when it can run nowhere.
samba_place() {
	test -f "$SAMBA_DIR/place" && return 0
	case ${ROSTER_SAMBA_NETNS:-} in
	1) samba_netns_add || {
		cat "$SAMBA_DIR/log/netns.log" >&2
		echo "samba_start: ROSTER_SAMBA_NETNS=1 but no network namespace can be made" >&2
		return 1
	} ;;
	0) if samba_ports_taken
		then
			echo "1..0 # SKIP a port of $SAMBA_PORTS is taken and ROSTER_SAMBA_NETNS=0"
			exit 77
		fi ;;
	*) if samba_ports_taken && ! samba_netns_add
		then
			cat "$SAMBA_DIR/log/netns.log" >&2
			echo "1..0 # SKIP a port of $SAMBA_PORTS is taken and no network namespace can be made (ip netns)"
			exit 77
		fi ;;
	esac
	echo placed >"$SAMBA_DIR/place"
}

# samba_alive PID: 0 when PID runs (a zombie that its parent has not reaped yet does not).
samba_alive() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	"" | Z*) return 1 ;;
	esac
	return 0
}

# samba_wait: until the DC answers an LDAPS search of the root DSE with our
# certificate (30 s at most: a loaded CI machine). The certificate check
# makes sure the answer is from our DC, not from one that held the ports.
samba_wait() {
	pid=$1
	i=0
	while test $i -lt 300
	do
		if ! samba_alive "$pid"
		then
			echo "samba_wait: samba exited:" >&2
			tail -n 30 "$SAMBA_DIR/log/samba.out" >&2
			return 1
		fi
		if LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapsearch -x -H "$SAMBA_URL" -b "" -s base \
			-o nettimeout=1 defaultNamingContext >/dev/null 2>&1
		then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "samba_wait: samba does not answer on $SAMBA_URL:" >&2
	tail -n 30 "$SAMBA_DIR/log/samba.out" >&2
	return 1
}

# samba_start: starts the DC (in the foreground of a session of its own: samba
# -i would exit when stdin closes) and waits until it answers; on its first
# start it adds the OUs and the LDIF files of samba_setup.
samba_start() {
	# Two tests may look at the ports at once: the look and the start until
	# the DC answers are one step under a lock, so the second sees the ports
	# taken. The DC must not inherit the lock's descriptor (9>&-).
	# (the ports are the host's, so the lock is too: not under $TMPDIR, which differs between suites)
	lock=/tmp/roster-samba-ports.lock
	(
		if command -v flock >/dev/null 2>&1
		then
			flock 9 || exit 1
		fi
		samba_place || exit 1
		samba_exec
		# The script's shell has no job control, so the background job is
		# no process group leader and setsid execs samba without forking:
		# $! is samba, the leader of a process group of its own (samba_stop).
		KRB5_CONFIG=$SAMBA_DIR/etc/krb5.conf TDB_NO_FSYNC=1 $SAMBA_EXEC setsid samba -s "$SAMBA_DIR/etc/smb.conf" \
			-F --debug-stdout </dev/null >"$SAMBA_DIR/log/samba.out" 2>&1 9>&- &
		echo $! >"$SAMBA_DIR/samba.pid"
		samba_wait $!
	) 9>"$lock"
	ret=$?
	if test $ret = 77
	then
		exit 0
	fi
	test $ret = 0 || return 1
	samba_exec
	test -f "$SAMBA_DIR/populated" && return 0
	samba_populate && : >"$SAMBA_DIR/populated"
}

# samba_populate: the OUs every AD test has, then the LDIF files of samba_setup.
samba_populate() {
	{
		for ou in "$SAMBA_ORG" "$SAMBA_USERS" "$SAMBA_GROUPS" "OU=Disabled,$SAMBA_ORG" \
			"OU=ICT,$SAMBA_USERS" "OU=FIN,$SAMBA_USERS" "OU=HR,$SAMBA_USERS"
		do
			printf 'dn: %s\nobjectClass: organizationalUnit\n\n' "$ou"
		done
	} | samba_add || return 1
	while read -r ldif
	do
		samba_add <"$ldif" || return 1
	done <"$SAMBA_DIR/ldifs"
}

# samba_stop: stops the DC and waits until it is gone (nothing when it is not running).
samba_stop() {
	test -f "$SAMBA_DIR/samba.pid" || return 0
	pid=$(cat "$SAMBA_DIR/samba.pid")
	# setsid made samba the leader of a process group of its own: its
	# workers go with it
	kill -CONT "-$pid" 2>/dev/null
	kill -TERM "-$pid" 2>/dev/null
	i=0
	while kill -0 "-$pid" 2>/dev/null && test $i -lt 100
	do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "-$pid" 2>/dev/null
	then
		kill -KILL "-$pid" 2>/dev/null
	fi
	rm -f "$SAMBA_DIR/samba.pid"
}

# samba_pause / samba_resume: the DC keeps its connections but answers nothing (SIGSTOP), and again.
samba_pause() {
	kill -STOP "-$(cat "$SAMBA_DIR/samba.pid")"
}

samba_resume() {
	kill -CONT "-$(cat "$SAMBA_DIR/samba.pid")"
}

# samba_search ARGS...: ldapsearch over LDAPS as the administrator, LDIF
# without line wrapping or comments, referrals not followed.
samba_search() {
	LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapsearch -x -LLL -o ldif-wrap=no -H "$SAMBA_URL" \
		-D "$SAMBA_BIND_DN" -w "$SAMBA_BIND_PW" "$@"
}

# samba_add: ldapadd of the LDIF on stdin, as the administrator.
samba_add() {
	LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapadd -x -H "$SAMBA_URL" \
		-D "$SAMBA_BIND_DN" -w "$SAMBA_BIND_PW" >/dev/null
}

# samba_modify: ldapmodify of the LDIF on stdin (changetype in it), as the administrator.
samba_modify() {
	LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapmodify -x -H "$SAMBA_URL" \
		-D "$SAMBA_BIND_DN" -w "$SAMBA_BIND_PW" >/dev/null
}

# samba_unicodepwd PASSWORD: the base64 of unicodePwd's value for PASSWORD
# (UTF-16LE of the password in double quotes), for an LDIF "unicodePwd:: " line.
samba_unicodepwd() {
	printf '"%s"' "$1" | iconv -f UTF-8 -t UTF-16LE | base64 -w0
}

# samba_example_ous CONTRACTS: an OU under $SAMBA_USERS for every department
# code of the contracts file that has none yet (ICT, FIN and HR are there).
samba_example_ous() {
	for dept in $(sed 1d "$1" | cut -d";" -f5 | sort -u)
	do
		case $dept in
		ICT | FIN | HR) ;;
		*) printf "dn: OU=%s,%s\nobjectClass: organizationalUnit\n\n" "$dept" "$SAMBA_USERS" ;;
		esac
	done | samba_add
}

# samba_example_target: roster.yaml on stdin (roster init's example) with
# its targets replaced by one ad target "directory" on our DC: accounts
# under OU=<department>,$SAMBA_USERS, global security groups, generated
# passwords handed to ../notify.sh (next to the folder of roster.yaml),
# accountExpires, correlation by employeeID.
samba_example_target() {
	awk -v url="$SAMBA_URL" -v bind="$SAMBA_BIND_DN" -v users="$SAMBA_USERS" -v groups="$SAMBA_GROUPS" \
		-v ca="$SAMBA_CA" '
	/^targets:/ {
		print
		print "  - name: directory"
		print "    connector: ad"
		print "    url: " url
		print "    ca_file: " ca
		print "    bind_dn: " bind
		print "    bind_password: ${env:AD_PASSWORD}"
		print "    timeout: 10"
		print "    dn: \"CN={account.cn},OU={contract.department.code}," users "\""
		print "    groups: {base: \"" groups "\", create_missing: true, scope: global}"
		print "    password: {generate: true, length: 20, must_change: true}"
		print "    account_expires: true"
		print "    notify: [../notify.sh]"
		print "    correlate: {attribute: employeeID, field: employee_id}"
		print "    lifecycle: {create_before: 14, enable_before: 0, disable_after: 0, delete_after: 90, bridge_gap: 7}"
		print "    attributes:"
		print "      employeeID: \"{employee_id}\""
		print "      sAMAccountName:"
		print "        unique: [\"{given_name|first:1|ascii|alnum|lower}{family_name_full|ascii|alnum|lower}\"]"
		print "        max_length: 20"
		print "        check_target: true"
		print "        update: false"
		print "      userPrincipalName: {template: \"{account.sAMAccountName}@example.org\", update: false}"
		print "      cn: {unique: [\"{display_name}\"], iterate: \"{display_name} ({n})\", check_target: true}"
		print "      displayName: \"{display_name}\""
		print "      givenName: \"{given_name}\""
		print "      sn: \"{family_name_full}\""
		print "      mail: \"{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}@example.org\""
		print "      department: \"{contract.department.name}\""
		print "      title: \"{contract.title.name}\""
		print "      manager: {ref: manager, attribute: dn}"
		skip = 1
		next
	}
	skip && /^rules:/ { skip = 0 }
	skip { next }
	{ print }
	'
}
