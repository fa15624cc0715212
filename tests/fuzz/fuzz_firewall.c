/* SPDX-License-Identifier: ISC */
/*
 * The firewall's readers of nf_tables replies on arbitrary bytes. The input
 * is a series of reads, each [u16 length, little-endian][u8 kind][bytes]:
 * kind 0 is the answer to a commit (acks and errors), 1 to 5 the answer to
 * the GET of the table or the dump of its chains, rules, sets or a set's
 * elements, walked by firewall_nl_parse into one firewall_live; 6 the
 * answer to GETGEN (the generation the self-check reads). What was
 * read is then compared with a fixed configuration, as firewall_check
 * does. The corpus holds real kernel answers (pid 0x1234, sequence 1).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "monitor/firewall.h"
#include "monitor/firewall_check.h"
#include "monitor/firewall_live.h"
#include "monitor/firewall_nl.h"

#define PORTID 0x1234

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t kinds[] = {0,
					 NFT_MSG_NEWTABLE,
					 NFT_MSG_NEWCHAIN,
					 NFT_MSG_NEWRULE,
					 NFT_MSG_NEWSET,
					 NFT_MSG_NEWSETELEM,
					 NFT_MSG_NEWGEN};
	struct firewall_config cfg;
	struct firewall_report rep;
	struct firewall_live l;
	struct firewall_nl_gen gen = {0};
	char err[ERR_LEN];

	if (size > 262144 || firewall_config_init(&cfg, "wg0", err) < 0)
		return 0;
	firewall_live_init(&l);
	while (size >= 3) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		uint8_t kind = data[2] % (sizeof(kinds) / sizeof(kinds[0]));
		struct firewall_nl_reply r = {
			.portid = PORTID,
			.seq_lo = 1,
			.seq_hi = 3,
			.type = kind == 0 ? 0 : (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | kinds[kind]),
			.cb = kind == 0                       ? NULL
			      : kinds[kind] == NFT_MSG_NEWGEN ? firewall_nl_gen_msg
							      : firewall_live_msg,
			.data = kinds[kind] == NFT_MSG_NEWGEN ? (void *)&gen : (void *)&l,
		};
		void *buf;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		/* The parser is handed reads of the socket: aligned buffers. */
		buf = malloc(len > 0 ? len : 1);
		if (buf == NULL)
			break;
		memcpy(buf, data, len);
		(void)firewall_nl_parse(&r, buf, len);
		free(buf);
		data += len;
		size -= len;
	}
	(void)firewall_check_compare(&cfg, &l, &rep);
	firewall_live_finish(&l);
	return 0;
}
