#!/bin/bash
# SPDX-License-Identifier: ISC
# Runs inside the VM of tests/kernel/run-vm (kernel WireGuard loaded): the
# rtnl and kernel-backend test, which here creates a real WireGuard link in
# a private network namespace and round-trips a device of 151 peers over
# generic netlink. It must not skip: the VM has WireGuard.
set -uo pipefail
out=$("$BUILD/test-wg_kernel" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
	echo "wg-netlink: test-wg_kernel failed ($rc)"
	exit 1
fi
if printf '%s\n' "$out" | grep -q SKIPPED; then
	echo "wg-netlink: the kernel round trip was skipped: no WireGuard in the VM?"
	exit 1
fi
echo "wg-netlink: kernel round trip passed"
