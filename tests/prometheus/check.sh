#!/bin/bash
# SPDX-License-Identifier: ISC
# contrib/prometheus/keygate-alerts.yml: `promtool check rules` accepts it
# and `promtool test rules` sees each alert fire when it should, and only
# then (keygate-alerts.test.yml). Fails without promtool (Debian package
# prometheus, scripts/install-deps).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
promtool=${PROMTOOL:-$(command -v promtool || true)}
[ -x "$promtool" ] || {
	echo "no promtool: install the Debian package prometheus" >&2
	exit 1
}
"$promtool" check rules "$src/contrib/prometheus/keygate-alerts.yml"
cd "$here"
"$promtool" test rules keygate-alerts.test.yml
