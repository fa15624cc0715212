#!/bin/bash
# SPDX-License-Identifier: ISC
# Every option a man page documents appears in the program's --help (its
# own or a subcommand's), and every option --help shows is in the man page.
# Usage: man-help.sh MANDIR VPND ENROLL CLIENTCFG
set -uo pipefail
man=$1 vpnd=$2 enroll=$3 clientcfg=$4
fails=0

# The long options a text names: --word, in scdoc's *--word* too; not
# those of other programs a page shows (useradd's).
opts() { grep -v useradd | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u; }

# helps PROG: --help of the program and of each subcommand it lists.
helps() {
	local prog=$1 top sub w2
	top=$("$prog" --help 2>&1)
	printf '%s\n' "$top"
	case $prog in
	"$vpnd")
		for sub in $(sed -n 's/^  \([a-z-]*\)  .*/\1/p' <<<"$top"); do
			"$vpnd" "$sub" --help 2>&1
			for w2 in $("$vpnd" "$sub" --help 2>&1 | sed -n "s/^Usage: vpnd $sub \([a-z-]*\) .*/\1/p"); do
				"$vpnd" "$sub" "$w2" --help 2>&1
			done
		done
		;;
	"$enroll")
		for sub in $(sed -n 's/^  \([a-z-]*\) .*/\1/p' <<<"$top"); do
			"$enroll" "$sub" --help 2>&1
		done
		;;
	esac
}

# compare PAGE PROG [OPTION...]: both ways; the OPTIONs the page names as
# another program's (enroll status --peer in clientcfg(1)) are left out.
compare() {
	local page=$1 prog=$2 m h
	shift 2
	m=$(opts <"$man/$page" | grep -vxF -f <(printf '%s\n' "$@" ""))
	h=$(helps "$prog" | opts)
	for o in $(comm -23 <(printf '%s\n' "$m") <(printf '%s\n' "$h")); do
		echo "FAIL: $page documents $o; no --help of $(basename "$prog") shows it" >&2
		fails=$((fails + 1))
	done
	for o in $(comm -13 <(printf '%s\n' "$m") <(printf '%s\n' "$h")); do
		echo "FAIL: $(basename "$prog") --help shows $o; $page does not document it" >&2
		fails=$((fails + 1))
	done
}

compare vpnd.8.scd "$vpnd"
compare enroll.1.scd "$enroll" --new-key
compare clientcfg.1.scd "$clientcfg" --peer
[ "$fails" -eq 0 ] && echo "man-help: every option in both"
exit $((fails > 0))
