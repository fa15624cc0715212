/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/clock.h"
#include "state/session.h"

static const void *name_key(const void *s, size_t *len)
{
	*len = strlen(((const struct session *)s)->name);
	return ((const struct session *)s)->name;
}

static const void *key_key(const void *s, size_t *len)
{
	*len = KEY_LEN;
	return ((const struct session *)s)->key;
}

void session_init(struct sessions *ss)
{
	memset(ss, 0, sizeof(*ss));
	htab_init(&ss->by_name, name_key);
	htab_init(&ss->by_key, key_key);
}

void session_free(struct session **s)
{
	if (*s == NULL)
		return;
	sodium_memzero(*s, sizeof(**s));
	free(*s);
	*s = NULL;
}

void session_finish(struct sessions *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		session_free(&ss->heap[i]);
	free(ss->heap);
	htab_finish(&ss->by_name);
	htab_finish(&ss->by_key);
	memset(ss, 0, sizeof(*ss));
}

struct session *session_find(const struct sessions *ss, const char *name)
{
	return htab_find(&ss->by_name, name, strlen(name));
}

struct session *session_find_key(const struct sessions *ss, const uint8_t key[KEY_LEN])
{
	return htab_find(&ss->by_key, key, KEY_LEN);
}

uint64_t session_deadline(const struct session *s)
{
	uint64_t d = s->until_ns;

	if (s->idle_ns != 0 && s->active_ns + s->idle_ns < d)
		d = s->active_ns + s->idle_ns;
	return d;
}

bool session_window_over(const struct session *s, uint64_t now_ns)
{
	return s->until_ns <= now_ns;
}

/* The heap, ordered by session_deadline. */
static void heap_set(struct sessions *ss, size_t i, struct session *s)
{
	ss->heap[i] = s;
	s->heap_index = i;
}

static void heap_up(struct sessions *ss, size_t i)
{
	struct session *s = ss->heap[i];
	uint64_t d = session_deadline(s);

	while (i > 0 && session_deadline(ss->heap[(i - 1) / 2]) > d) {
		heap_set(ss, i, ss->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(ss, i, s);
}

static void heap_down(struct sessions *ss, size_t i)
{
	struct session *s = ss->heap[i];
	uint64_t d = session_deadline(s);

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= ss->n)
			break;
		if (c + 1 < ss->n &&
		    session_deadline(ss->heap[c + 1]) < session_deadline(ss->heap[c]))
			c++;
		if (session_deadline(ss->heap[c]) >= d)
			break;
		heap_set(ss, i, ss->heap[c]);
		i = c;
	}
	heap_set(ss, i, s);
}

static void heap_fix(struct sessions *ss, struct session *s)
{
	heap_up(ss, s->heap_index);
	heap_down(ss, s->heap_index);
}

int session_insert(struct sessions *ss, struct session *s)
{
	int ret;

	if (ss->n == ss->cap) {
		size_t cap = ss->cap != 0 ? ss->cap * 2 : 64;
		struct session **h = realloc(ss->heap, cap * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		ss->heap = h;
		ss->cap = cap;
	}
	ret = htab_insert(&ss->by_name, s);
	if (ret < 0)
		return ret;
	ret = htab_insert(&ss->by_key, s);
	if (ret < 0) {
		htab_remove(&ss->by_name, s->name, strlen(s->name));
		return ret;
	}
	heap_set(ss, ss->n++, s);
	heap_up(ss, ss->n - 1);
	return 0;
}

void session_remove(struct sessions *ss, struct session *s)
{
	size_t i = s->heap_index;

	htab_remove(&ss->by_name, s->name, strlen(s->name));
	htab_remove(&ss->by_key, s->key, KEY_LEN);
	ss->n--;
	if (i != ss->n) {
		heap_set(ss, i, ss->heap[ss->n]);
		heap_fix(ss, ss->heap[i]);
	}
}

int session_open(struct sessions *ss, const struct session_req *req, uint64_t now_ns,
		 int64_t now_wall, struct session **out, bool *extended)
{
	struct session *s = session_find(ss, req->name);
	uint64_t until = now_ns + req->window_ns;
	int ret;

	if (!text_valid_name(req->name) || req->window_ns == 0 || req->by == NULL ||
	    strlen(req->by) >= SESSION_BY_LEN || req->n_addrs < 0 ||
	    req->n_addrs > SESSION_ADDRS_MAX)
		return -EINVAL;
	*extended = s != NULL;
	if (s != NULL) {
		/* Re-keyed peers move in the key index. */
		if (memcmp(s->key, req->key, KEY_LEN) != 0) {
			struct session *other = session_find_key(ss, req->key);

			if (other != NULL)
				return -EEXIST;
			htab_remove(&ss->by_key, s->key, KEY_LEN);
			memcpy(s->key, req->key, KEY_LEN);
			ret = htab_insert(&ss->by_key, s);
			if (ret < 0)
				return ret;
		}
		if (until > s->until_ns) {
			s->until_ns = until;
			s->until_wall = now_wall + (int64_t)(req->window_ns / NS_PER_SEC);
		}
	} else {
		if (session_find_key(ss, req->key) != NULL)
			return -EEXIST;
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return -ENOMEM;
		strcpy(s->name, req->name);
		memcpy(s->key, req->key, KEY_LEN);
		s->until_ns = until;
		s->until_wall = now_wall + (int64_t)(req->window_ns / NS_PER_SEC);
		s->opened_wall = now_wall;
	}
	snprintf(s->owner, sizeof(s->owner), "%s", req->owner);
	snprintf(s->by, sizeof(s->by), "%s", req->by);
	memcpy(s->addrs, req->addrs, sizeof(s->addrs));
	s->n_addrs = (uint8_t)req->n_addrs;
	s->idle_ns = req->idle_ns;
	s->active_ns = now_ns;
	s->has_psk = req->psk != NULL;
	if (req->psk != NULL)
		memcpy(s->psk, req->psk, KEY_LEN);
	else
		sodium_memzero(s->psk, KEY_LEN);
	if (*extended) {
		heap_fix(ss, s);
	} else if ((ret = session_insert(ss, s)) < 0) {
		session_free(&s);
		return ret;
	}
	if (out != NULL)
		*out = s;
	return 0;
}

uint64_t session_next_deadline(const struct sessions *ss)
{
	return ss->n > 0 ? session_deadline(ss->heap[0]) : SESSION_NEVER;
}

struct session *session_first(const struct sessions *ss)
{
	return ss->n > 0 ? ss->heap[0] : NULL;
}

void session_note_handshake(struct sessions *ss, struct session *s, const struct timespec *hs,
			    uint64_t now_ns, const struct timespec *now_wall)
{
	int64_t age_ns;
	uint64_t at;

	if (hs->tv_sec == 0 && hs->tv_nsec == 0)
		return;
	if (hs->tv_sec == s->seen_handshake.tv_sec && hs->tv_nsec == s->seen_handshake.tv_nsec)
		return;
	s->seen_handshake = *hs;
	age_ns = (int64_t)(now_wall->tv_sec - hs->tv_sec) * (int64_t)NS_PER_SEC +
		 (now_wall->tv_nsec - hs->tv_nsec);
	if (age_ns < 0)
		age_ns = 0;
	at = (uint64_t)age_ns >= now_ns ? 0 : now_ns - (uint64_t)age_ns;
	if (at > s->active_ns) {
		s->active_ns = at;
		heap_fix(ss, s);
	}
}

void session_note_active(struct sessions *ss, struct session *s, uint64_t at_ns)
{
	if (at_ns > s->active_ns) {
		s->active_ns = at_ns;
		heap_fix(ss, s);
	}
}

static int session_cmp(const void *a, const void *b)
{
	return strcmp((*(struct session *const *)a)->name, (*(struct session *const *)b)->name);
}

int session_sorted(const struct sessions *ss, struct session ***out)
{
	struct session **v = malloc((ss->n + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	if (ss->n > 0)
		memcpy(v, ss->heap, ss->n * sizeof(*v));
	qsort(v, ss->n, sizeof(*v), session_cmp);
	*out = v;
	return 0;
}
