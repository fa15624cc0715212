/* SPDX-License-Identifier: ISC */
/* vpnd.conf parser: any bytes give a config or one error line. */
#include <stdint.h>
#include <string.h>

#include "gateway/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char err[ERR_LEN];

	if (conf_parse(&c, (const char *)data, size, "fuzz.conf", err) == 0)
		conf_finish(&c);
	else if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
		__builtin_trap();
	return 0;
}
