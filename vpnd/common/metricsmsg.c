/* SPDX-License-Identifier: ISC */
/* The snapshot the monitor pushes to the network child (metricsmsg.h). */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "common/actmsg.h"
#include "common/metricsmsg.h"

static_assert(METRICSMSG_N < UINT16_MAX, "the count is 16 bits");
static_assert(METRICSMSG_LEN <= ACTMSG_MAX, "one snapshot is one message");

/* The plain numbers, in the order of the message; the actstats follow. */
static size_t flat(struct metrics_snap *s, uint64_t **v)
{
	size_t n = 0;

	v[n++] = &s->start_time;
	v[n++] = &s->sessions;
	v[n++] = &s->owners;
	for (int i = 0; i < METRICS_PEERS; i++)
		v[n++] = &s->peers[i];
	for (int i = 0; i < METRICS_ENDS; i++)
		v[n++] = &s->ends[i];
	v[n++] = &s->netchild_restarts;
	v[n++] = &s->netchild_violations;
	v[n++] = &s->lockouts_active;
	v[n++] = &s->lockouts;
	v[n++] = &s->fw_table;
	for (int i = 0; i < METRICS_FW_CHAINS; i++)
		v[n++] = &s->fw_packets[i];
	for (int i = 0; i < METRICS_FW_CHAINS; i++)
		v[n++] = &s->fw_bytes[i];
	return n;
}

void metricsmsg_encode(uint8_t *buf, size_t *len, const struct metrics_snap *in)
{
	struct metrics_snap s = *in;
	uint64_t *v[METRICSMSG_N];
	size_t n = flat(&s, v), at = 3;
	uint16_t count = htole16(METRICSMSG_N);

	buf[0] = ACTMSG_METRICS;
	memcpy(buf + 1, &count, 2);
	for (size_t i = 0; i < METRICSMSG_N; i++, at += 8) {
		uint64_t x = htole64(i < n ? *v[i] : actstats_get(&s.act, i - n));

		memcpy(buf + at, &x, 8);
	}
	*len = at;
}

int metricsmsg_decode(struct metrics_snap *s, const uint8_t *msg, size_t len)
{
	uint64_t *v[METRICSMSG_N];
	uint16_t count;
	size_t n;

	memset(s, 0, sizeof(*s));
	if (len != METRICSMSG_LEN || msg[0] != ACTMSG_METRICS)
		return -EBADMSG;
	memcpy(&count, msg + 1, 2);
	if (le16toh(count) != METRICSMSG_N)
		return -EBADMSG;
	n = flat(s, v);
	for (size_t i = 0, at = 3; i < METRICSMSG_N; i++, at += 8) {
		uint64_t x;

		memcpy(&x, msg + at, 8);
		if (i < n)
			*v[i] = le64toh(x);
		else
			actstats_set(&s->act, i - n, le64toh(x));
	}
	/* A flag, not a count. */
	if (s->fw_table > 1) {
		memset(s, 0, sizeof(*s));
		return -EBADMSG;
	}
	return 0;
}

static const char *const peer_names[METRICS_PEERS] = {"pending", "disabled", "ready", "open"};
static const char *const end_names[METRICS_ENDS] = {
	"expired", "idle",     "killed",           "down", "revoked",
	"removed", "disabled", "registry_changed", "other"};
/* The audit words, where they differ from the label (a dash). */
static const char *const end_words[METRICS_ENDS] = {
	"expired", "idle",     "killed",           "down", "revoked",
	"removed", "disabled", "registry-changed", ""};
static const char *const fw_names[METRICS_FW_CHAINS] = {"input", "forward", "tunnel"};

const char *metricsmsg_peer_name(enum metrics_peer p)
{
	return (unsigned)p < METRICS_PEERS ? peer_names[p] : "unknown";
}

const char *metricsmsg_end_name(enum metrics_end e)
{
	return (unsigned)e < METRICS_ENDS ? end_names[e] : "other";
}

const char *metricsmsg_fw_name(enum metrics_fw f)
{
	return (unsigned)f < METRICS_FW_CHAINS ? fw_names[f] : "unknown";
}

enum metrics_end metricsmsg_end_of(const char *reason)
{
	for (int i = 0; i < METRICS_END_OTHER; i++)
		if (strcmp(end_words[i], reason) == 0)
			return (enum metrics_end)i;
	return METRICS_END_OTHER;
}
