/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '@' || c == '+';
}

bool text_valid_name(const char *s)
{
	size_t n = 0;

	if (s == NULL || !name_char(s[0]) || s[0] == '.' || s[0] == '_' || s[0] == '-' ||
	    s[0] == '@' || s[0] == '+')
		return false;
	for (; s[n] != '\0'; n++)
		if (!name_char(s[n]) || n >= NAME_MAX_LEN)
			return false;
	return true;
}

int text_split(char *s, char **words, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (*s == '\0')
			return n;
		if (n == max)
			return -E2BIG;
		words[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
	}
}

char *text_kv(char *word, char **value)
{
	char *eq = strchr(word, '=');

	if (eq == NULL)
		return NULL;
	*eq = '\0';
	*value = eq + 1;
	return word;
}

char *text_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

bool text_is_token(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (n >= max || s[n] <= ' ' || s[n] > '~')
			return false;
	return n > 0;
}

void text_err(char err[ERR_LEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
}
