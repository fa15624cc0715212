/* SPDX-License-Identifier: ISC */
/* Dovecot's policy settings, for vpnd check (dovecheck.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/dovecheck.h"

/* The value of a top-level "key = value" line, trimmed, into out. */
static bool setting(const char *text, size_t len, const char *key, char *out, size_t cap)
{
	size_t kn = strlen(key);
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end, *v;
		size_t n;

		/* Only the top level: doveconf -n indents what is in a block. */
		if ((size_t)(e - p) > kn && memcmp(p, key, kn) == 0 &&
		    (p[kn] == ' ' || p[kn] == '=')) {
			v = p + kn;
			while (v < e && (*v == ' ' || *v == '='))
				v++;
			n = (size_t)(e - v);
			while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\r'))
				n--;
			if (n >= cap)
				n = cap - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
		p = e + 1;
	}
	return false;
}

int dovecheck_text(const char *text, size_t len, char line[ERR_LEN])
{
	char url[256] = "", fail[16] = "";

	if (!setting(text, len, "auth_policy_server_url", url, sizeof(url)) || url[0] == '\0')
		return 0;
	if (setting(text, len, "auth_policy_reject_on_fail", fail, sizeof(fail)) &&
	    strcmp(fail, "yes") == 0)
		return 0;
	text_err(line,
		 "dovecot asks %s about logins but lets them through when it does not "
		 "answer; set auth_policy_reject_on_fail = yes",
		 url);
	return 1;
}

int dovecheck_run(char line[ERR_LEN])
{
	FILE *f = popen("doveconf -n 2>/dev/null", "r");
	char *buf;
	size_t len = 0, cap = 1 << 20;
	int ret;

	if (f == NULL)
		return 0;
	buf = malloc(cap);
	if (buf == NULL) {
		pclose(f);
		return 0;
	}
	len = fread(buf, 1, cap, f);
	pclose(f);
	ret = dovecheck_text(buf, len, line);
	free(buf);
	return ret;
}
