#!/bin/bash
# SPDX-License-Identifier: ISC
# The mail end to end: a real dovecot account on the tunnel address; a
# message fetched over IMAP, IMAPS, POP3 and POP3S through the tunnel from
# the laptop (enroll + softkey) and the phone (clientcfg config); every
# mail port unreachable from both before activation, after the window,
# after the idle timeout and after `vpnd session kill`; and from the
# "internet" namespace at all times.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/dovecot.sh"
. "$SRC/tests/netns/story.sh"
SUBJECT="e2e $$"
LAPTOP_WINDOW=20
PHONE_IDLE=15

need vpnd init run peer session owner "run the gateway"
need enroll register up activate "enroll and activate the laptop"
need softkey --socket "stand in for the security key"
need clientcfg "make the phone's config"
ENROLL=$(prog enroll)

net_init
story_network
story_mail_server

# Nothing reaches the mail server from the internet, on either address.
internet_closed() {
	mail_none_reachable internet mail "$GW_PUB"
	imap_refused internet "$TUN4" || fail "the internet reaches $TUN4 ($1)"
}
closed_for() { # HOST WHEN
	mail_none_reachable "$1" mail "$TUN4"
	internet_closed "$2"
	log "closed for $1 $2"
}
# Not `| grep -q` (pipefail): the listing must succeed and lack NAME.
session_gone() {
	local list
	list=$(vpnd_cmd session list) && ! grep -qw -- "$1" <<<"$list"
}

story_vpnd_paths
must story_vpnd_init --window 10h --idle 30m >/dev/null
story_vpnd_run
internet_closed "with vpnd running"

# Laptop: registered but not active, then active, then past its window.
story_softkey
LAPTOP_IF=$(wg_ifname laptop)
story_laptop_files "$LAPTOP_IF"
uri=$(vpnd_cmd peer add alice-laptop --owner alice --window "${LAPTOP_WINDOW}s") ||
	fail "vpnd peer add failed"
must in_ns laptop "$ENROLL" register "$uri" --device "$KEYDEV" --interface "$LAPTOP_IF" >/dev/null
closed_for laptop "before activation"
must in_ns laptop "$ENROLL" up "$LAPTOP_IF" --device "$KEYDEV" >/dev/null
mail_all_ok laptop mail "$TUN4" "$SUBJECT"
internet_closed "while the laptop is active"
wait_for $((LAPTOP_WINDOW + 30)) session_gone alice-laptop || fail "the laptop's window did not end"
closed_for laptop "after the window"

# Laptop again, ended by the admin.
must in_ns laptop "$ENROLL" up "$LAPTOP_IF" --device "$KEYDEV" >/dev/null
mail_all_ok laptop mail "$TUN4" "$SUBJECT"
must vpnd_cmd session kill alice-laptop
closed_for laptop "after session kill"

# Phone: a clientcfg config, activated by the laptop's key, idle afterwards.
must vpnd_cmd owner set alice --idle "${PHONE_IDLE}s"
must in_ns gateway "$(prog clientcfg)" -c "$CONF" alice-phone --owner alice --format conf \
	-o "$NET_TMP/phone.conf"
story_phone_import "$NET_TMP/phone.conf"
closed_for phone "before activation"
must in_ns laptop "$ENROLL" activate alice-phone --device "$KEYDEV" >/dev/null
mail_all_ok phone mail "$TUN4" "$SUBJECT"
# No traffic now: any probe through the tunnel would count as activity.
wait_for $((PHONE_IDLE + 40)) session_gone alice-phone || fail "the phone's idle timeout did not end it"
closed_for phone "after the idle timeout"
pass "mail only through an activated tunnel: window, idle, kill; never from the internet"
