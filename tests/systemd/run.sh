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
set -uo pipefail
SRC=${SRC:?SRC unset}
BUILD=${BUILD:?BUILD unset}
VPND=$BUILD/vpnd/vpnd
VPND_NET=$BUILD/vpnd/vpnd-net
CACHE=${KEYGATE_TEST_CACHE:-/var/cache/keygate-tests}
BOOT_TIMEOUT=170  # the test inside takes about a minute
BUILD_TIMEOUT=300 # mmdebstrap: about 20 s with a near mirror

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root (mmdebstrap, systemd-nspawn)"
for tool in mmdebstrap systemd-nspawn dpkg-query ldd flock; do
	command -v "$tool" >/dev/null || fail "no $tool: run scripts/install-deps test"
done
[ -x "$VPND" ] && [ -x "$VPND_NET" ] || fail "no $VPND or $VPND_NET: build first"
[ -c /dev/net/tun ] || fail "no /dev/net/tun: wireguard-go cannot make an interface"
# shellcheck disable=SC1091
. /etc/os-release
SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}

# The packages whose libraries vpnd and its network child link, as the
# host's dpkg knows them.
lib_packages() {
	local lib pkg
	{ ldd "$VPND"; ldd "$VPND_NET"; } | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
		pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null ||
			dpkg -S "$(readlink -f "$lib")" 2>/dev/null) ||
			{ echo "!$lib"; continue; }
		pkg=${pkg%%$'\n'*}
		echo "${pkg%%[:,]*}"
	done
}
libs=$(lib_packages)
bad=$(grep '^!' <<<"$libs") && fail "no package holds ${bad//!/}: cannot put it in the root"
# shellcheck disable=SC2086 # one package a word
packages=$(printf '%s\n' systemd systemd-sysv dbus procps iproute2 nftables \
	wireguard-tools wireguard-go $libs | sort -u | paste -sd, -)
# The user the network child runs as (docs/privsep.md).
# shellcheck disable=SC2016 # mmdebstrap gives the hook the root as $1
hook='chroot "$1" useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin keygate'
key=$(printf '%s\n' "$SUITE" "$packages" "$hook" | sha256sum | cut -c1-16)
ROOT=$CACHE/systemd-root-$key

WORK=$(mktemp -d /var/tmp/keygate-systemd.XXXXXX) || fail "mktemp"
MERGED=$WORK/root
cleanup() {
	mountpoint -q "$MERGED" && { umount "$MERGED" || umount -l "$MERGED"; }
	# Never rm through a mount: that would whiten the cached root's files.
	mountpoint -q "$MERGED" || rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$CACHE" || fail "cannot make $CACHE"
# Exclusive while the root is built and stale ones pruned, shared while
# one is in use as the overlay's lower layer.
exec 9>"$CACHE/systemd-root.lock"
flock -w "$BUILD_TIMEOUT" 9 || fail "another run holds $CACHE/systemd-root.lock"
if [ ! -d "$ROOT" ]; then
	echo "building the root ($SUITE: $packages) in $ROOT"
	rm -rf "$ROOT.tmp"
	t=$SECONDS
	if ! timeout "$BUILD_TIMEOUT" mmdebstrap --variant=minbase --include="$packages" \
		--customize-hook="$hook" "$SUITE" "$ROOT.tmp" </dev/null >"$WORK/mmdebstrap.log" 2>&1; then
		tail -n 30 "$WORK/mmdebstrap.log" >&2
		rm -rf "$ROOT.tmp"
		fail "mmdebstrap could not build the root"
	fi
	mv "$ROOT.tmp" "$ROOT" || fail "cannot move the root into place"
	echo "root built in $((SECONDS - t)) s"
	# Roots of other package lists are stale now.
	for old in "$CACHE"/systemd-root-*; do
		[ "$old" = "$ROOT" ] || rm -rf "$old"
	done
fi
flock -s 9

# This run's changes go to an overlay; the cached root stays as built.
mkdir -p "$WORK"/{upper,work,root,out}
if ! mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/work" \
	"$MERGED" 2>/dev/null; then
	echo "no overlayfs here: copying the root"
	cp -a "$ROOT/." "$MERGED/" || fail "cannot copy the root"
fi
install -m 0755 "$VPND" "$MERGED/usr/local/sbin/vpnd" || fail "cannot install vpnd"
# Where `meson install` puts it: vpnd finds it there, not next to itself.
install -D -m 0755 "$VPND_NET" "$MERGED/usr/local/libexec/keygate/vpnd-net" ||
	fail "cannot install vpnd-net"
# The unit exactly as shipped.
install -m 0644 "$SRC/contrib/systemd/vpnd.service" "$MERGED/etc/systemd/system/" ||
	fail "cannot install the unit"
install -D -m 0755 "$SRC/tests/systemd/in-container.sh" \
	"$MERGED/usr/local/lib/keygate-test/in-container.sh" || fail "cannot install the test"
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

# On a hybrid cgroup host, give the container the unified hierarchy: under
# the legacy one systemd cannot tell when a unit's processes are all gone.
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
fi
t=$SECONDS
# The host may run no systemd and no system bus: --register=no, --keep-unit.
timeout --kill-after=10 "$BOOT_TIMEOUT" systemd-nspawn --quiet -D "$MERGED" \
	--machine="keygate-sd-$$" --boot --register=no --keep-unit --private-network \
	--bind=/dev/net/tun --bind="$WORK/out:/keygate-out" \
	systemd.wants=keygate-test.service </dev/null >"$WORK/console.log" 2>&1
rc=$?
echo "container ran for $((SECONDS - t)) s (systemd-nspawn exit $rc)"
[ -f "$WORK/out/log" ] && cat "$WORK/out/log"
if [ ! -f "$WORK/out/result" ]; then
	echo "--- container console (last 40 lines)"
	tail -n 40 "$WORK/console.log"
	[ "$rc" -eq 124 ] && fail "the container did not finish within ${BOOT_TIMEOUT}s"
	[ -f "$WORK/out/log" ] && fail "the test in the container was killed before its verdict"
	fail "the container did not boot to the test (systemd-nspawn exit $rc)"
fi
[ -f "$WORK/out/security" ] && grep 'Overall exposure level' "$WORK/out/security"
[ -f "$WORK/out/todo" ] && sed 's/^/NOTE: /' "$WORK/out/todo"
result=$(cat "$WORK/out/result")
[ "$result" = PASS ] || fail "${result#FAIL: }"
[ "$rc" -eq 0 ] || fail "the test passed but the container did not power off cleanly ($rc)"
echo "PASS: vpnd.service under systemd as PID 1"
