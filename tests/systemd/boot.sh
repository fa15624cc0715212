#!/bin/bash
# SPDX-License-Identifier: ISC
# The boot order of docs/quickstart.md section 3, booted for real: Debian's
# Dovecot and Postfix in the cached root of lib.sh, moved to vpnd's tunnel
# address as the quickstart and the admin guide say, ordered after vpnd by
# the shipped drop-in, with the shipped sysctl file. Three boots of one
# container (each a fresh boot of systemd as PID 1 in a fresh network
# namespace):
#   setup   runs the quickstart's blocks as written (section 2's init,
#           section 3's, the move of Dovecot) and powers off;
#   good    boot-check.sh good: vpnd ready, with the tunnel address on kg0,
#           before Dovecot and Postfix start; they listen on it; port 25
#           answers outside; the mail ports do not;
#   broken  the same with a vpnd.conf vpnd refuses: Dovecot and Postfix
#           still start, port 25 still answers, the mail ports stay shut;
#   bare    broken, and without the sysctl file: Postfix cannot bind the
#           tunnel address, fails, and port 25 is gone (why the file ships).
# wireguard-go stands in for the kernel's WireGuard (keygate-wg.service,
# ordered before vpnd, as section 1's modprobe would be).
#   BUILD=builddir SRC=srcdir boot.sh
# shellcheck source=tests/systemd/lib.sh
. "$(dirname "$0")/lib.sh"
BOOT_TIMEOUT=60 # a boot and its checks take 5 to 15 s
DOC=$SRC/docs/quickstart.md
T0=$SECONDS

root_ensure
R=$(overlay_new boot) || exit 1
OUT=$WORK/boot/out
mkdir -p "$OUT"

# What `meson install` puts in place (vpnd/meson.build), and a source tree
# for the quickstart's `install contrib/...`.
install -m 0755 "$VPND" "$R/usr/local/sbin/vpnd" || fail "cannot install vpnd"
install -D -m 0755 "$VPND_NET" "$R/usr/local/libexec/keygate/vpnd-net" ||
	fail "cannot install vpnd-net"
install -D -m 0644 "$SRC/contrib/systemd/mail-after-vpnd.conf" \
	"$R/usr/local/share/keygate/systemd/mail-after-vpnd.conf" || fail "cannot install the drop-in"
install -D -m 0644 "$SRC/contrib/sysctl.d/90-keygate.conf" \
	"$R/usr/local/share/keygate/sysctl.d/90-keygate.conf" || fail "cannot install the sysctl file"
mkdir -p "$R/usr/local/src/keygate" || fail "cannot make the source tree"
cp -r "$SRC/contrib" "$R/usr/local/src/keygate/" || fail "cannot copy contrib/"
T=$R/usr/local/lib/keygate-test
install -D -m 0755 -t "$T" "$SRC/tests/systemd/boot-setup.sh" "$SRC/tests/systemd/boot-check.sh" \
	"$SRC/tests/systemd/container-lib.sh" ||
	fail "cannot install the test"

# The quickstart's blocks, as written: section 2's init, every sh block of
# section 3, and the move of the listeners to the tunnel.
awk -v dir="$T" '
	function start(name) { file = dir "/qs-" name ".sh"; n++ }
	/^<!-- run: gateway init -->$/ { want = "init"; next }
	/^<!-- run: gateway move -->$/ { want = "move"; next }
	/^## / { sec3 = ($0 ~ /^## 3\./) }
	/^```sh$/ {
		if (want != "") start(want)
		else if (sec3) start("3-" ++s3)
		else next
		inblock = 1; printf "" >file; next
	}
	/^```$/ && inblock { inblock = 0; want = ""; close(file); next }
	inblock { print >file }
	END { if (n < 4) exit 1 }
' "$DOC" || fail "cannot find the init, section 3 and move blocks in $DOC"
for b in "$T"/qs-*.sh; do echo "quickstart block: ${b##*/}"; done

# WireGuard: wireguard-go makes kg0 before vpnd starts (the socket is
# there when ExecStartPost returns).
cat >"$R/etc/systemd/system/keygate-wg.service" <<'EOF'
[Unit]
Description=wireguard-go for kg0 (test: the kernel's WireGuard stands in)
Before=vpnd.service
[Service]
ExecStart=/usr/bin/wireguard-go -f kg0
ExecStartPost=/bin/sh -c 'for i in $(seq 100); do [ -S /var/run/wireguard/kg0.sock ] && exit 0; sleep 0.05; done; exit 1'
[Install]
WantedBy=multi-user.target
EOF
ln -s ../keygate-wg.service "$R/etc/systemd/system/multi-user.target.wants/keygate-wg.service"
# Ordered exactly as the mail servers are (the same drop-in): what it sees
# when it starts is what Dovecot and Postfix find when they bind.
cat >"$R/etc/systemd/system/keygate-probe.service" <<'EOF'
[Unit]
Description=what a unit ordered after vpnd finds (test)
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'ip -o addr show dev kg0 >/run/keygate-probe 2>&1; true'
[Install]
WantedBy=multi-user.target
EOF
ln -s ../keygate-probe.service "$R/etc/systemd/system/multi-user.target.wants/keygate-probe.service"
mkdir -p "$R/etc/systemd/system/keygate-probe.service.d"
cp "$SRC/contrib/systemd/mail-after-vpnd.conf" "$R/etc/systemd/system/keygate-probe.service.d/"
for phase in setup check; do
	cat >"$R/etc/systemd/system/keygate-$phase@.service" <<EOF
[Unit]
Description=keygate boot order: %i (test)
SuccessAction=poweroff
FailureAction=poweroff
[Service]
Type=oneshot
ExecStart=/usr/local/lib/keygate-test/boot-$phase.sh %i
TimeoutStartSec=45
EOF
done

# boot_phase NAME UNIT: one boot; the verdict is OUT/NAME.result.
boot_phase() {
	local t=$SECONDS rc
	boot "$R" "$OUT" "$BOOT_TIMEOUT" "$2"
	rc=$?
	echo "--- boot '$1': $((SECONDS - t)) s (systemd-nspawn exit $rc)"
	[ -f "$OUT/$1.log" ] && cat "$OUT/$1.log"
	if [ ! -f "$OUT/$1.result" ]; then
		echo "--- container console (last 40 lines)"
		tail -n 40 "$WORK/boot/console.log"
		[ "$rc" -eq 124 ] && fail "boot '$1' did not finish within ${BOOT_TIMEOUT}s"
		fail "boot '$1' gave no verdict (systemd-nspawn exit $rc)"
	fi
	[ "$(cat "$OUT/$1.result")" = PASS ] || fail "boot '$1': $(sed 's/^FAIL: //' "$OUT/$1.result")"
	[ "$rc" -eq 0 ] || fail "boot '$1' passed but the container did not power off cleanly ($rc)"
}

boot_phase setup keygate-setup@setup.service
boot_phase good keygate-check@good.service
# A typo vpnd refuses (it names the line): vpnd cannot start at all.
echo 'Addres = 10.77.0.2/24' >>"$R/etc/vpnd/vpnd.conf"
boot_phase broken keygate-check@broken.service
# The same without the sysctl file: the test of the test (and the reason
# the file ships). systemd-sysctl applies what is in /etc/sysctl.d.
rm "$R/etc/sysctl.d/90-keygate.conf" || fail "cannot remove the sysctl file"
boot_phase bare keygate-check@bare.service
echo "PASS: vpnd, Dovecot and Postfix boot in order, and mail boots without vpnd ($((SECONDS - T0)) s)"
