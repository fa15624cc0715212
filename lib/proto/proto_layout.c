/* SPDX-License-Identifier: ISC */
/* The big-endian integers of packets (proto_layout.h). */
#include "proto/proto_layout.h"

void proto_layout_put_u64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

uint64_t proto_layout_get_u64(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}
