/* SPDX-License-Identifier: ISC */
/* Names and one-line explanations of the protocol's codes (docs/protocol.md 8). */
#include <stdio.h>

#include "proto/proto.h"

struct err_desc {
	int code;
	const char *name;
	const char *text;
	bool plain;
};

static const struct err_desc errs[] = {
	{PROTO_OK, "ok", "ok", false},
	{PROTO_ERR_BAD_REQUEST, "bad_request",
	 "the gateway could not parse the request (version mismatch?)", false},
	{PROTO_ERR_NOT_ENROLLED, "not_enrolled",
	 "this device or peer is not enrolled at the gateway", false},
	{PROTO_ERR_PEER_DISABLED, "peer_disabled", "the peer is disabled by the admin", false},
	{PROTO_ERR_CREDENTIAL_UNKNOWN, "credential_unknown",
	 "this security key is not registered for the peer's owner", false},
	{PROTO_ERR_CREDENTIAL_REVOKED, "credential_revoked",
	 "this security key was revoked by the admin", false},
	{PROTO_ERR_BAD_SIGNATURE, "bad_signature", "the security key's signature did not verify",
	 false},
	{PROTO_ERR_NO_PRESENCE, "no_presence", "the security key was not touched", false},
	{PROTO_ERR_UV_REQUIRED, "uv_required",
	 "the owner's policy requires a PIN, and this key did not verify one", false},
	{PROTO_ERR_COUNTER_REGRESSED, "counter_regressed",
	 "the key's signature counter went backwards (cloned key?); the admin has been alerted",
	 false},
	{PROTO_ERR_CODE_UNKNOWN, "code_unknown",
	 "the enrollment code is unknown or was already used; ask the admin for a new one", false},
	{PROTO_ERR_CODE_USED, "code_used", "the enrollment code was already used", false},
	{PROTO_ERR_CODE_EXPIRED, "code_expired",
	 "the enrollment code has expired; ask the admin for a new one", false},
	{PROTO_ERR_CHALLENGE_BAD, "challenge_bad",
	 "the gateway did not issue this challenge (restarted?)", true},
	{PROTO_ERR_CHALLENGE_EXPIRED, "challenge_expired",
	 "too slow: the challenge expired before the key was touched", true},
	{PROTO_ERR_REPLAYED, "replayed", "the request was replayed", true},
	{PROTO_ERR_CLOCK_SKEW, "clock_skew",
	 "this computer's clock differs too much from the gateway's", true},
	{PROTO_ERR_RATE_LIMITED, "rate_limited",
	 "the gateway is rate limiting requests; try again in a minute", true},
	{PROTO_ERR_WRONG_TARGET, "wrong_target", "the device key does not belong to the peer named",
	 false},
	{PROTO_ERR_NOT_PERMITTED, "not_permitted",
	 "this operation needs the enrolled device itself", false},
	{PROTO_ERR_INTERNAL, "internal", "the gateway failed to apply the session (see its log)",
	 false},
	{PROTO_ERR_KEY_LOCKED, "key_locked",
	 "this security key is locked after repeated failed attempts; try again later or ask the "
	 "admin",
	 false},
	{PROTO_ERR_STATE_NOT_SAVED, "state_not_saved",
	 "the gateway could not save its state, so it changed nothing; try again later or tell "
	 "the admin",
	 false},
	{PROTO_ERR_KEY_REQUIRED, "key_required",
	 "the owner has security keys already: one of them must sign for a new one (ask the "
	 "admin for a new code)",
	 false},
	{PROTO_ERR_KEY_ROTATED, "key_rotated",
	 "the gateway's activation key was rotated and this computer missed the new one; ask the "
	 "admin to enroll it again",
	 true},
	{PROTO_ERR_VERSION, "version",
	 "the gateway speaks a newer version of the activation protocol: upgrade enroll", true},
	{PROTO_ERR_STORE_UNAVAILABLE, "store_unavailable",
	 "store unavailable: the gateway cannot reach its shared store, so it grants nothing new; "
	 "try again in a minute or use another gateway",
	 false},
	{PROTO_ERR_WRONG_PIN, "wrong_pin", "wrong PIN", false},
	{PROTO_ERR_PIN_BLOCKED, "pin_blocked", "the security key's PIN is blocked", false},
	{PROTO_ERR_NO_TOUCH, "no_touch", "the security key was not touched in time", false},
	{PROTO_ERR_NO_ANSWER, "no_answer", "the gateway is not answering", false},
	{PROTO_ERR_NO_DEVICE, "no_device", "no security key found", false},
};

static const struct err_desc *find(int code)
{
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].code == code)
			return &errs[i];
	return NULL;
}

const char *proto_strerror(int code)
{
	static _Thread_local char buf[96];
	const struct err_desc *d = find(code);

	if (d != NULL)
		return d->text;
	if (code > PROTO_ERR_WIRE_MAX && code <= PROTO_ERR_SEND_MAX)
		snprintf(buf, sizeof(buf),
			 "the gateway refused with code %d, which this version does not know",
			 code);
	else
		snprintf(buf, sizeof(buf), "unknown error %d", code);
	return buf;
}

const char *proto_errname(int code)
{
	const struct err_desc *d = find(code);

	return d != NULL ? d->name : "unknown";
}

bool proto_err_is_plain(int code)
{
	const struct err_desc *d = find(code);

	return d != NULL && d->plain;
}

const char *proto_end_reason_str(int reason)
{
	static const char *const reasons[] = {
		[PROTO_END_NONE] = "never activated",  [PROTO_END_WINDOW] = "window ended",
		[PROTO_END_IDLE] = "idle timeout",     [PROTO_END_REVOKED] = "revoked by admin",
		[PROTO_END_KILLED] = "ended by admin", [PROTO_END_DOWN] = "ended by enroll down",
	};

	if (reason < 0 || reason > PROTO_END_MAX)
		return NULL;
	return reasons[reason];
}

const char *proto_op_purpose(int op)
{
	switch (op) {
	case PROTO_OP_ACTIVATE:
		return "activate";
	case PROTO_OP_ENROLL:
		return "enroll";
	case PROTO_OP_ADD_KEY:
		return "add-key";
	default:
		return NULL;
	}
}

bool proto_name_valid(const char *name, size_t len)
{
	if (len < 1 || len > PROTO_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '_' || ch == '-'))
			return false;
	}
	return true;
}
