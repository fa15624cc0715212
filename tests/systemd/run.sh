#!/bin/bash
# SPDX-License-Identifier: ISC
# vpnd's unit (contrib/systemd/vpnd.service) under systemd as PID 1: a
# minimal Debian root made by mmdebstrap, booted with systemd-nspawn in a
# network namespace of its own, runs in-container.sh as a unit once it is
# up, and powers off. The root is cached under /var/cache/keygate-tests,
# keyed by its package list (the runtime libraries come from `ldd vpnd`),
# and each run writes to an overlay on top of it, so a rerun boots at once.
# Fails (never skips) when the root cannot be built or does not boot.
#   BUILD=builddir SRC=srcdir run.sh
# shellcheck source=tests/systemd/lib.sh
. "$(dirname "$0")/lib.sh"
BOOT_TIMEOUT=170 # the test inside takes about a minute

root_ensure
MERGED=$(overlay_new unit) || exit 1
mkdir -p "$WORK/unit/out"
install -m 0755 "$VPND" "$MERGED/usr/local/sbin/vpnd" || fail "cannot install vpnd"
# Where `meson install` puts it: vpnd finds it there, not next to itself.
install -D -m 0755 "$VPND_NET" "$MERGED/usr/local/libexec/keygate/vpnd-net" ||
	fail "cannot install vpnd-net"
# The unit exactly as shipped.
install -m 0644 "$SRC/contrib/systemd/vpnd.service" "$MERGED/etc/systemd/system/" ||
	fail "cannot install the unit"
install -D -m 0755 -t "$MERGED/usr/local/lib/keygate-test" "$SRC/tests/systemd/in-container.sh" \
	"$SRC/tests/systemd/container-lib.sh" || fail "cannot install the test"
cat >"$MERGED/etc/systemd/system/keygate-wg.service" <<'EOF'
[Unit]
Description=wireguard-go for vpnd's interface (test)
[Service]
ExecStart=/usr/bin/wireguard-go -f wg0
EOF
cat >"$MERGED/etc/systemd/system/keygate-test.service" <<'EOF'
[Unit]
Description=vpnd under systemd (test)
After=multi-user.target
SuccessAction=poweroff
FailureAction=poweroff
[Service]
Type=oneshot
ExecStart=/usr/local/lib/keygate-test/in-container.sh
TimeoutStartSec=150
EOF

t=$SECONDS
boot "$MERGED" "$WORK/unit/out" "$BOOT_TIMEOUT" keygate-test.service
rc=$?
echo "container ran for $((SECONDS - t)) s (systemd-nspawn exit $rc)"
[ -f "$WORK/unit/out/log" ] && cat "$WORK/unit/out/log"
if [ ! -f "$WORK/unit/out/result" ]; then
	echo "--- container console (last 40 lines)"
	tail -n 40 "$WORK/unit/console.log"
	[ "$rc" -eq 124 ] && fail "the container did not finish within ${BOOT_TIMEOUT}s"
	[ -f "$WORK/unit/out/log" ] && fail "the test in the container was killed before its verdict"
	fail "the container did not boot to the test (systemd-nspawn exit $rc)"
fi
[ -f "$WORK/unit/out/security" ] && grep 'Overall exposure level' "$WORK/unit/out/security"
[ -f "$WORK/unit/out/todo" ] && sed 's/^/NOTE: /' "$WORK/unit/out/todo"
result=$(cat "$WORK/unit/out/result")
[ "$result" = PASS ] || fail "${result#FAIL: }"
[ "$rc" -eq 0 ] || fail "the test passed but the container did not power off cleanly ($rc)"
echo "PASS: vpnd.service under systemd as PID 1"
