/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "gateway/ctl.h"

static bool needs_escape(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || c == '%' || c == '=';
}

static void add_encoded(struct strbuf *sb, const char *s)
{
	if (*s == '\0') {
		strbuf_puts(sb, "%00"); /* an empty value would be no value */
		return;
	}
	for (; *s != '\0'; s++) {
		if (needs_escape((unsigned char)*s))
			strbuf_printf(sb, "%%%02X", (unsigned char)*s);
		else
			strbuf_add(sb, s, 1);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -EINVAL;
}

/* Decodes in place; "%00" alone is the empty string, elsewhere it is an error. */
static int decode(char *s)
{
	char *out = s;
	const char *in = s;

	if (strcmp(s, "%00") == 0) {
		s[0] = '\0';
		return 0;
	}
	while (*in != '\0') {
		if (*in == '%') {
			int hi = hexval(in[1]), lo = hi < 0 ? hi : hexval(in[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -EINVAL;
			*out++ = (char)(hi * 16 + lo);
			in += 3;
		} else if (needs_escape((unsigned char)*in)) {
			return -EINVAL;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return 0;
}

static bool valid_key(const char *k)
{
	if (*k == '\0')
		return false;
	for (; *k != '\0'; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-'))
			return false;
	return true;
}

int ctl_request_parse(struct ctl_request *req, const char *data, size_t len, char err[ERR_LEN])
{
	char *w[CTL_MAX_WORDS];
	int n;

	req->nargs = req->nopts = 0;
	if (len > 0 && data[len - 1] == '\n')
		len--;
	if (len > CTL_MAX_REQUEST) {
		text_err(err, "request longer than %d bytes", CTL_MAX_REQUEST);
		return -EINVAL;
	}
	memcpy(req->buf, data, len);
	req->buf[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)req->buf[i] < ' ' || (unsigned char)req->buf[i] >= 0x7f) {
			text_err(err, "request has a control or non-ASCII byte at offset %zu", i);
			return -EINVAL;
		}
	}
	n = text_split(req->buf, w, CTL_MAX_WORDS);
	if (n <= 0) {
		text_err(err, n == 0 ? "empty request" : "request has too many words");
		return -EINVAL;
	}
	for (int i = 0; i < n; i++) {
		char *v, *k;

		if (strchr(w[i], '=') == NULL) {
			if (req->nopts > 0 || decode(w[i]) < 0) {
				text_err(err, "unexpected word #%d in the request", i + 1);
				return -EINVAL;
			}
			req->args[req->nargs++] = w[i];
			continue;
		}
		k = text_kv(w[i], &v);
		if (!valid_key(k) || decode(v) < 0) {
			text_err(err, "bad option #%d in the request", i + 1);
			return -EINVAL;
		}
		if (ctl_request_opt(req, k) != NULL) {
			text_err(err, "option '%s' appears twice", k);
			return -EINVAL;
		}
		req->keys[req->nopts] = k;
		req->vals[req->nopts++] = v;
	}
	/* Handlers index args[0]: a request of options only has no command. */
	if (req->nargs == 0) {
		text_err(err, "request has no command word");
		return -EINVAL;
	}
	return 0;
}

const char *ctl_request_opt(const struct ctl_request *req, const char *key)
{
	for (int i = 0; i < req->nopts; i++)
		if (strcmp(req->keys[i], key) == 0)
			return req->vals[i];
	return NULL;
}

static void sep(struct strbuf *sb)
{
	if (sb->len > 0 && sb->buf[sb->len - 1] != '\n')
		strbuf_add(sb, " ", 1);
}

void ctl_add_word(struct strbuf *sb, const char *word)
{
	sep(sb);
	add_encoded(sb, word);
}

void ctl_add_field(struct strbuf *sb, const char *key, const char *value)
{
	sep(sb);
	strbuf_puts(sb, key);
	strbuf_add(sb, "=", 1);
	add_encoded(sb, value);
}

void ctl_add_fieldf(struct strbuf *sb, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctl_add_field(sb, key, buf);
}

void ctl_end_line(struct strbuf *sb)
{
	strbuf_add(sb, "\n", 1);
}

void ctl_reply_ok(struct strbuf *sb)
{
	strbuf_puts(sb, "ok\n");
}

void ctl_reply_error(struct strbuf *sb, const char *fmt, ...)
{
	char buf[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	strbuf_printf(sb, "error %s\n", buf);
}

void ctl_reply_finish(struct ctl_reply *r)
{
	for (int i = 0; i < r->nrec; i++) {
		free(r->recs[i].keys);
		free(r->recs[i].vals);
	}
	free(r->recs);
	if (r->text != NULL)
		sodium_memzero(r->text, strlen(r->text));
	free(r->text);
	memset(r, 0, sizeof(*r));
}

static int parse_record(struct ctl_record *rec, char *line)
{
	int n = 1;

	for (char *p = line; *p != '\0'; p++)
		n += *p == ' ';
	rec->keys = calloc((size_t)n, sizeof(char *));
	rec->vals = calloc((size_t)n, sizeof(char *));
	if (rec->keys == NULL || rec->vals == NULL)
		return -ENOMEM;
	for (char *save = NULL, *w = strtok_r(line, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save)) {
		char *v, *k = text_kv(w, &v);

		if (k == NULL || !valid_key(k) || decode(v) < 0 || rec->n == n)
			return -EINVAL;
		rec->keys[rec->n] = k;
		rec->vals[rec->n++] = v;
	}
	return rec->n > 0 ? 0 : -EINVAL;
}

int ctl_reply_parse(struct ctl_reply *r, const char *data, size_t len)
{
	char *p, *end;
	int ret = -EINVAL, lines = 0;

	memset(r, 0, sizeof(*r));
	if (len == 0 || data[len - 1] != '\n' || memchr(data, '\0', len) != NULL)
		return -EINVAL;
	r->text = malloc(len + 1);
	if (r->text == NULL)
		return -ENOMEM;
	memcpy(r->text, data, len);
	r->text[len] = '\0';
	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	r->recs = calloc((size_t)lines, sizeof(*r->recs));
	if (r->recs == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	for (p = r->text; *p != '\0'; p = end + 1) {
		end = strchr(p, '\n');
		*end = '\0';
		if (end[1] == '\0') {
			/* The last line says how it went. */
			if (strcmp(p, "ok") == 0)
				return 0;
			if (strncmp(p, "error ", 6) == 0 && p[6] != '\0') {
				r->error = p + 6;
				return 0;
			}
			goto fail;
		}
		ret = parse_record(&r->recs[r->nrec++], p);
		if (ret < 0)
			goto fail;
	}
fail:
	ctl_reply_finish(r);
	return ret < 0 ? ret : -EINVAL;
}

const char *ctl_record_get(const struct ctl_record *rec, const char *key)
{
	for (int i = 0; i < rec->n; i++)
		if (strcmp(rec->keys[i], key) == 0)
			return rec->vals[i];
	return NULL;
}

int ctl_call(const char *path, const char *request, struct ctl_reply *reply, char err[ERR_LEN])
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct strbuf in;
	size_t len = strlen(request);
	int fd, ret;

	strbuf_init(&in);
	if (strlen(path) >= sizeof(sun.sun_path)) {
		text_err(err, "control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		text_err(err, "cannot reach vpnd at %s: %s%s", path, strerror(errno),
			 errno == ENOENT || errno == ECONNREFUSED ? " (is `vpnd run` running?)"
								  : "");
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, request + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			text_err(err, "cannot send to vpnd: %s", strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		char buf[65536];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			text_err(err, "cannot read from vpnd: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (in.len + (size_t)n > CTL_MAX_REPLY) {
			ret = -EFBIG;
			text_err(err, "reply from vpnd is too large");
			goto out;
		}
		strbuf_add(&in, buf, (size_t)n);
	}
	ret = in.failed ? -ENOMEM : ctl_reply_parse(reply, in.buf != NULL ? in.buf : "", in.len);
	if (ret < 0)
		text_err(err, "vpnd sent a reply that is not one (%zu bytes)", in.len);
out:
	if (fd >= 0)
		close(fd);
	strbuf_finish(&in);
	return ret;
}
