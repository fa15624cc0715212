#!/bin/sh
# SPDX-License-Identifier: ISC
# Run by `meson install` (not for a staged install with DESTDIR): creates
# the user of vpnd's network child from keygate.conf ($1, as installed),
# as a package's postinst would. Without root it only says what to run.
conf=$1
if [ "$(id -u)" != 0 ]; then
	echo "vpnd needs the user keygate: run 'systemd-sysusers $conf' as root" >&2
	exit 0
fi
getent passwd keygate >/dev/null && exit 0
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$conf"
else
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "keygate network child" keygate
fi
