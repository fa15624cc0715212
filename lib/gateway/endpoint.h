/* SPDX-License-Identifier: ISC */
/*
 * "HOST:PORT" as vpnd.conf writes an endpoint or a listening address: one
 * parser below conf.c and webconf.c, which both read such values.
 */
#ifndef KEYGATE_ENDPOINT_H
#define KEYGATE_ENDPOINT_H
#include <stddef.h>
#include <stdint.h>

/* A port, 1 to 65535, in decimal and nothing else; 0 or -EINVAL. */
int endpoint_parse_port(uint16_t *port, const char *s);
/* Splits "HOST:PORT" or "[V6]:PORT"; 0 or -EINVAL. */
int endpoint_parse(const char *s, char *host, size_t hostlen, uint16_t *port);

#endif
