#!/bin/bash
# SPDX-License-Identifier: ISC
# The Debian packages, as an admin meets them: built from this tree with
# dpkg-buildpackage (or taken from $KEYGATE_DEBS, a folder CI built them
# in), lintian without errors, installed with apt: the user keygate exists,
# vpnd.service is there and disabled (nothing started before vpnd.conf),
# the man pages open, `vpnd --version` answers, softkey and the test tools
# are nowhere; `vpnd init` writes a config and key; remove keeps them, the
# user and vpnd's nftables table; purge takes the config, the key, the
# state, the user and the table, and leaves no file of the packages behind. Root: it installs on this machine,
# so it refuses to run where a keygate install or its files already are.
. "$(dirname "$0")/lib.sh"
net_init

for p in keygate-gateway keygate-client; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
		fail "$p is installed on this machine; the test installs and purges it"
	fi
done
for d in /etc/vpnd /var/lib/vpnd /usr/sbin/vpnd /usr/bin/enroll /usr/bin/clientcfg; do
	[ -e "$d" ] && fail "$d exists; the test installs the packages and purges them"
done
nft list table inet keygate >/dev/null 2>&1 &&
	fail "this host has vpnd's table inet keygate; the test's purge would delete it"

# The other tests make the user themselves; the package must make it here.
had_user=0
if getent passwd keygate >/dev/null; then
	had_user=1
	must userdel keygate
	getent group keygate >/dev/null && groupdel keygate
fi
restore() {
	apt-get purge -y -qq keygate-gateway keygate-client >/dev/null 2>&1
	[ "$had_user" = 1 ] && vpnd_user_ensure
}
on_cleanup restore

debs=${KEYGATE_DEBS:-}
if [ -z "$debs" ]; then
	# dpkg-buildpackage writes beside the source: build in a copy.
	mkdir "$NET_TMP/src"
	tar -C "$SRC" -c --exclude='./build*' --exclude=./.git --exclude='./obj-*' . |
		tar -x -C "$NET_TMP/src" || fail "cannot copy the source"
	start=$(date +%s)
	(cd "$NET_TMP/src" && dpkg-buildpackage -us -uc -b) >"$NET_TMP/build.log" 2>&1 || {
		tail -40 "$NET_TMP/build.log" >&2
		fail "dpkg-buildpackage failed"
	}
	log "dpkg-buildpackage took $(($(date +%s) - start)) s"
	debs=$NET_TMP
fi
gw=$(ls "$debs"/keygate-gateway_*.deb 2>/dev/null | head -1)
cl=$(ls "$debs"/keygate-client_*.deb 2>/dev/null | head -1)
[ -f "$gw" ] && [ -f "$cl" ] || fail "no keygate-gateway and keygate-client .deb in $debs"
ls "$debs" | grep -q softkey && fail "a softkey package was built: $(ls "$debs")"

# lintian: no errors (debian/README.source lists the warnings kept).
lint=$(lintian --no-tag-display-limit "$gw" "$cl" 2>&1)
printf '%s\n' "$lint" | grep '^E:' && fail "lintian reports errors"
printf '%s\n' "$lint" | grep '^W:' >&2

# No test program in any package.
for f in "$gw" "$cl"; do
	dpkg-deb -c "$f" | grep -E 'softkey|kg-|/test' && fail "$(basename "$f") ships a test program"
done

# Installed through apt, which resolves the libraries from the archive.
export DEBIAN_FRONTEND=noninteractive
must apt-get install -y -qq --no-install-recommends "$gw" "$cl" >/dev/null

getent passwd keygate >/dev/null || fail "installing keygate-gateway made no user keygate"
shell=$(getent passwd keygate | cut -d: -f7)
case $shell in */nologin | */false) ;; *) fail "the user keygate has the shell '$shell'" ;; esac
[ "$(getent passwd keygate | cut -d: -f3)" -lt 1000 ] || fail "keygate is not a system user"

unit=/lib/systemd/system/vpnd.service
[ -f "$unit" ] || fail "no $unit"
grep -q '^ExecStart=/usr/sbin/vpnd run' "$unit" || fail "the unit starts no /usr/sbin/vpnd: $(grep ExecStart "$unit")"
grep -q '^ConditionPathExists=/etc/vpnd/vpnd.conf' "$unit" || fail "the unit would start without vpnd.conf"
state=$(systemctl is-enabled vpnd.service 2>/dev/null)
[ "$state" = disabled ] || fail "vpnd.service is '$state' after install, not disabled"
for u in enroll-up enroll-watch; do
	f=/usr/lib/systemd/user/$u.service
	[ -f "$f" ] || fail "no user unit $f"
	grep -q '^ExecStart=.* /usr/bin/enroll ' "$f" || fail "$f does not run /usr/bin/enroll"
done

for page in vpnd.8 vpnd.conf.5 clientcfg.1 enroll.1; do
	name=${page%.*}
	sect=${page##*.}
	path=$(man -w "$sect" "$name" 2>/dev/null) || fail "man $sect $name finds no page"
	case $path in /usr/share/man/*) ;; *) fail "man $sect $name opens $path, not the package's" ;; esac
	zcat "$path" | grep -q '^\.TH' || fail "$path is no man page"
done

# The network child, where vpnd looks for it, and the monitor without the
# web page's HTTP and TLS libraries (docs/privsep.md).
net=/usr/libexec/keygate/vpnd-net
[ "$(stat -c '%U %a' "$net" 2>/dev/null)" = "root 755" ] ||
	fail "no $net, root's and mode 0755: $(ls -l /usr/libexec/keygate 2>&1)"
out=$("$net" 2>&1) && fail "vpnd-net ran for a person: $out"
[[ $out == *"only vpnd run starts this"* ]] || fail "vpnd-net by hand printed '$out'"
readelf -d /usr/sbin/vpnd | grep -q 'NEEDED.*libmicrohttpd' && fail "vpnd (the monitor) links libmicrohttpd"
readelf -d "$net" | grep -q 'NEEDED.*libmicrohttpd' || fail "vpnd-net does not link libmicrohttpd"
out=$(/usr/sbin/vpnd --version 2>&1) || fail "vpnd --version failed: $out"
[[ $out == "vpnd "[0-9]* ]] || fail "vpnd --version printed '$out'"
out=$(enroll --help 2>&1)
[[ $out == *enroll* ]] || fail "enroll --help printed '$out'"
command -v softkey >/dev/null && fail "softkey is installed: $(command -v softkey)"

# What an admin does next: a config and a gateway key, and state.
must vpnd init -c /etc/vpnd/vpnd.conf --interface kg"$RUN_ID"p --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51820 >/dev/null
[ -f /etc/vpnd/vpnd.conf ] || fail "vpnd init wrote no /etc/vpnd/vpnd.conf"
key=$(ls /etc/vpnd/*.key 2>/dev/null | head -1)
[ -n "$key" ] || fail "vpnd init wrote no key in /etc/vpnd"
[ -f /var/lib/vpnd/activation.key ] || fail "vpnd init wrote no /var/lib/vpnd/activation.key"
# The table vpnd run would have made (the test runs no vpnd on this host).
must nft add table inet keygate
on_cleanup nft delete table inet keygate

must apt-get remove -y -qq keygate-gateway keygate-client >/dev/null
for f in /usr/sbin/vpnd /usr/bin/clientcfg /usr/bin/enroll "$unit"; do
	[ -e "$f" ] && fail "$f is left after remove"
done
[ -f /etc/vpnd/vpnd.conf ] && [ -f "$key" ] || fail "remove took the config or the key"
[ -f /var/lib/vpnd/activation.key ] || fail "remove took /var/lib/vpnd"
getent passwd keygate >/dev/null || fail "remove took the user keygate"
nft list table inet keygate >/dev/null 2>&1 || fail "remove took the table inet keygate"

must apt-get purge -y -qq keygate-gateway keygate-client >/dev/null
for f in /etc/vpnd /var/lib/vpnd /usr/lib/sysusers.d/keygate.conf /usr/share/keygate \
	/usr/share/doc/keygate-gateway /usr/share/doc/keygate-client; do
	[ -e "$f" ] && fail "$f is left after purge"
done
getent passwd keygate >/dev/null && fail "the user keygate is left after purge"
nft list table inet keygate >/dev/null 2>&1 && fail "the table inet keygate is left after purge"
for p in keygate-gateway keygate-client; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'not-installed' ||
		! dpkg-query -W "$p" >/dev/null 2>&1 || fail "$p is still known to dpkg: $(dpkg-query -W -f='${Status}' "$p")"
done
pass "built, linted, installed, removed and purged"
