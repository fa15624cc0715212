# shellcheck shell=bash
# SPDX-License-Identifier: ISC
# What run.sh (vpnd's unit) and boot.sh (the boot order of vpnd and the
# mail servers) share: a minimal Debian root made by mmdebstrap, cached
# under /var/cache/keygate-tests keyed by its package list (the runtime
# libraries come from `ldd vpnd`), an overlay on top of it for each run so
# that the cached root stays as built, and a boot of it with
# systemd-nspawn in a network namespace of its own. Sourced; sets ROOT and
# WORK, and unmounts and removes WORK on exit.
set -uo pipefail
SRC=${SRC:?SRC unset}
BUILD=${BUILD:?BUILD unset}
VPND=$BUILD/vpnd/vpnd
VPND_NET=$BUILD/vpnd/vpnd-net
CACHE=${KEYGATE_TEST_CACHE:-/var/cache/keygate-tests}
BUILD_TIMEOUT=300 # mmdebstrap: about 40 s with a near mirror

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root (mmdebstrap, systemd-nspawn)"
for tool in mmdebstrap systemd-nspawn dpkg-query ldd flock; do
	command -v "$tool" >/dev/null || fail "no $tool: run scripts/install-deps test"
done
[ -x "$VPND" ] || fail "no $VPND: build first"
[ -x "$VPND_NET" ] || fail "no $VPND_NET: build first"
[ -c /dev/net/tun ] || fail "no /dev/net/tun: wireguard-go cannot make an interface"
# shellcheck disable=SC1091
. /etc/os-release
SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}

# The packages whose libraries vpnd links, as the host's dpkg knows them.
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
# Debian's own Dovecot and Postfix, for boot.sh: their units as packaged
# (dovecot.service, postfix@-.service) are what the drop-in must order.
# shellcheck disable=SC2086 # one package a word
packages=$(printf '%s\n' systemd systemd-sysv dbus procps iproute2 nftables \
	wireguard-tools wireguard-go dovecot-imapd postfix $libs | sort -u | paste -sd, -)
# The user the network child runs as (docs/privsep.md).
# shellcheck disable=SC2016 # mmdebstrap gives the hook the root as $1
hook='chroot "$1" useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin keygate'
key=$(printf '%s\n' "$SUITE" "$packages" "$hook" | sha256sum | cut -c1-16)
ROOT=$CACHE/systemd-root-$key

WORK=$(mktemp -d /var/tmp/keygate-systemd.XXXXXX) || fail "mktemp"
cleanup() {
	local m busy=
	for m in "$WORK"/*/root; do
		mountpoint -q "$m" || continue
		umount "$m" || umount -l "$m"
		mountpoint -q "$m" && busy=1
	done
	# Never rm through a mount: that would whiten the cached root's files.
	[ -n "$busy" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# root_ensure: builds the root unless cached, then holds it (shared) for
# the rest of the run. Exclusive while the root is built and stale ones
# pruned, shared while one is in use as an overlay's lower layer.
root_ensure() {
	local t old
	mkdir -p "$CACHE" || fail "cannot make $CACHE"
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
}

# overlay_new NAME: a fresh writable copy of the root at $WORK/NAME/root,
# printed; this run's changes go to an overlay.
overlay_new() {
	local d=$WORK/$1
	mkdir -p "$d"/{upper,work,root} || fail "mkdir $d"
	if ! mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$d/upper,workdir=$d/work" \
		"$d/root" 2>/dev/null; then
		echo "no overlayfs here: copying the root" >&2
		cp -a "$ROOT/." "$d/root/" || fail "cannot copy the root"
	fi
	echo "$d/root"
}

# On a hybrid cgroup host, give the container the unified hierarchy: under
# the legacy one systemd cannot tell when a unit's processes are all gone.
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
fi

# boot ROOTDIR OUTDIR TIMEOUT UNIT: boots ROOTDIR until it powers off (or
# TIMEOUT seconds), with UNIT wanted by the boot and OUTDIR at
# /keygate-out; the console goes to OUTDIR/../console.log. Returns
# systemd-nspawn's exit status. The host may run no systemd and no system
# bus: --register=no, --keep-unit.
boot() {
	timeout --kill-after=10 "$3" systemd-nspawn --quiet -D "$1" \
		--machine="keygate-sd-$$" --boot --register=no --keep-unit --private-network \
		--bind=/dev/net/tun --bind="$2:/keygate-out" \
		systemd.wants="$4" </dev/null >"$2/../console.log" 2>&1
}
