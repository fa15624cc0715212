/* SPDX-License-Identifier: ISC */
/*
 * The exposure check's parsers of kernel bytes: the first byte picks
 * sock_diag netlink replies (even) or /proc/net/tcp{,6} lines (odd), the
 * rest is the input. Listeners found are classified and described, as
 * vpnd check does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "admin/exposure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void judge(const struct exposure_list *l)
{
	struct exposure_addr tun;
	struct exposure_list bad = {0};
	uint16_t extra = 587;
	char line[512];

	if (exposure_addr_parse("10.77.0.1", &tun) < 0)
		abort();
	if (exposure_find(l, &tun, 1, &extra, 1, &bad) < 0)
		abort();
	for (size_t i = 0; i < bad.count; i++)
		exposure_describe(&bad.items[i], &tun, 1, line, sizeof(line));
	exposure_list_finish(&bad);
}

static void fuzz_diag(const uint8_t *data, size_t size)
{
	struct exposure_list l = {0};
	/* Netlink messages are 4-byte aligned in a real receive buffer. */
	void *buf = malloc(size > 0 ? size : 1);

	if (buf == NULL)
		return;
	memcpy(buf, data, size);
	exposure_parse_diag(buf, size, &l);
	judge(&l);
	exposure_list_finish(&l);
	free(buf);
}

static void fuzz_procnet(const uint8_t *data, size_t size, int family)
{
	struct exposure_list l = {0};
	struct exposure_listener e;
	char *text = malloc(size + 1);
	char *line, *save = NULL;

	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (exposure_parse_procnet_line(line, family, &e) == 1 &&
		    exposure_list_add(&l, &e) < 0)
			break;
	judge(&l);
	exposure_list_finish(&l);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0)
		fuzz_diag(data + 1, size - 1);
	else
		fuzz_procnet(data + 1, size - 1, (data[0] & 2) != 0 ? AF_INET6 : AF_INET);
	return 0;
}
