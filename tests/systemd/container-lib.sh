# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# What the scripts run inside the booted container share (in-container.sh,
# boot-setup.sh, boot-check.sh); installed beside them by run.sh and
# boot.sh. Each script keeps its own fail(): what it prints differs.
T0=${EPOCHREALTIME/./}

# log MESSAGE: with the seconds since the script began.
log() {
	local t=$((${EPOCHREALTIME/./} - T0))
	printf '[%3d.%02d] %s\n' $((t / 1000000)) $((t % 1000000 / 10000)) "$*"
}

# wait_for SECONDS COMMAND...: true as soon as COMMAND succeeds.
wait_for() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
		sleep 0.1
	done
}
