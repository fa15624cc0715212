#!/bin/bash
# SPDX-License-Identifier: ISC
# run-vm itself, on the host: each way it must fail says so in one line and
# exits non-zero (never 77, a skip to meson), without hanging. Three cases
# boot the VM: a module that does not load, a kernel panic, a stall.
set -uo pipefail
RUN_VM=$(cd "$(dirname "$0")" && pwd)/run-vm
TMP=$(mktemp -d /tmp/keygate-harness-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
failures=0

# expect_fail WHAT PATTERN ENV... -- ARGS...: run-vm must fail and print PATTERN.
expect_fail() {
	local what=$1 pattern=$2 envs=() rc
	shift 2
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env "${envs[@]}" "$RUN_VM" "$@" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then
		echo "FAIL: $what: run-vm exited $rc"
		failures=$((failures + 1))
	elif ! grep -q "run-vm: $pattern" "$TMP/out"; then
		echo "FAIL: $what: no line matching 'run-vm: $pattern'; got:"
		tail -n 5 "$TMP/out"
		failures=$((failures + 1))
	else
		echo "ok: $what: $(grep "run-vm: $pattern" "$TMP/out" | head -n 1)"
	fi
}

mkdir "$TMP/empty"
echo 'exit 0' >"$TMP/ok.sh"
echo 'echo c >/proc/sysrq-trigger; sleep 30' >"$TMP/panic.sh"
echo 'sleep 600' >"$TMP/stall.sh"
echo 'not a module' >"$TMP/broken.ko"

expect_fail "no kernel image" "no kernel image $TMP/empty/vmlinuz" \
	KG_BOOT_DIR="$TMP/empty" -- "$TMP/ok.sh"
expect_fail "no qemu" "qemu not found: '$TMP/empty/qemu'" QEMU="$TMP/empty/qemu" -- "$TMP/ok.sh"
expect_fail "no modules for the kernel" "no modules for kernel .*modules.dep missing" \
	KG_MODULES_DIR="$TMP/empty" -- "$TMP/ok.sh"
expect_fail "unknown module" "module kg_no_such_module: neither loadable nor built into" \
	-- --module kg_no_such_module "$TMP/ok.sh"
expect_fail "no test script" "test script '$TMP/none.sh': no such file" -- "$TMP/none.sh"
expect_fail "module does not load" "module broken: insmod: .*(does not load)" \
	-- --module "$TMP/broken.ko" "$TMP/ok.sh"
expect_fail "kernel panic" "kernel panic while running panic.sh" -- "$TMP/ok.sh" "$TMP/panic.sh"
expect_fail "stalled test" "timed out after 20s" -- --timeout 20 "$TMP/stall.sh"

# And the exit status of a script comes back: 0 passes, 3 fails.
echo 'exit 3' >"$TMP/three.sh"
expect_fail "script exit status" "three.sh: FAILED, exit 3" -- "$TMP/ok.sh" "$TMP/three.sh"

[ "$failures" -eq 0 ] || { echo "$failures harness check(s) failed"; exit 1; }
echo "run-vm fails clearly in every case"
