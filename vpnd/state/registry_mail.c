/* SPDX-License-Identifier: ISC */
/* An owner's mail logins (registry.h): part of the registry module. */
#include <errno.h>
#include <string.h>

#include "state/registry.h"

#define LOGINS_MAX 16

static bool login_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '+' || c == '-' || c == '@';
}

int registry_owner_set_logins(struct reg_owner *o, const char *list, char err[ERR_LEN])
{
	char out[REG_MAIL_LOGINS_LEN];
	size_t len = 0, n = 0;
	const char *p = list;

	if (strcmp(list, "-") == 0 || list[0] == '\0') {
		o->mail_logins[0] = '\0';
		return 0;
	}
	if (strlen(list) >= sizeof(out)) {
		text_err(err, "mail logins '%.40s...' are longer than %d bytes in all", list,
			 REG_MAIL_LOGINS_LEN - 1);
		return -EINVAL;
	}
	while (*p != '\0') {
		size_t l = strcspn(p, ",");

		if (l == 0 || l > REG_MAIL_LOGIN_MAX || ++n > LOGINS_MAX) {
			text_err(err,
				 "invalid mail login '%.*s': expected at most %d logins of 1 "
				 "to %d characters, commas between",
				 (int)(l < 64 ? l : 64), p, LOGINS_MAX, REG_MAIL_LOGIN_MAX);
			return -EINVAL;
		}
		if (len > 0)
			out[len++] = ',';
		for (size_t i = 0; i < l; i++) {
			char c = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] + 32) : p[i];

			if (!login_char(c)) {
				text_err(err, "invalid mail login '%.*s': only a-z 0-9 . _ + - @",
					 (int)(l < 64 ? l : 64), p);
				return -EINVAL;
			}
			out[len++] = c;
		}
		p += l;
		if (*p == ',')
			p++;
	}
	out[len] = '\0';
	memcpy(o->mail_logins, out, len + 1);
	return 0;
}
