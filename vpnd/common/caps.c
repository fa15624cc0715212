/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/caps.h"

int caps_get(uint32_t *permitted, uint32_t *effective)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &h, data) < 0)
		return -errno;
	*permitted = data[0].permitted;
	*effective = data[0].effective;
	return 0;
}

int caps_set(uint32_t permitted, uint32_t effective)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	if ((effective & ~permitted) != 0)
		return -EINVAL;
	memset(data, 0, sizeof(data));
	data[0].permitted = permitted;
	data[0].effective = effective;
	if (syscall(SYS_capset, &h, data) < 0)
		return -errno;
	return 0;
}

int caps_bound(uint32_t keep)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (cap < 32 && (keep & (1U << cap)) != 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			return -errno;
		}
	}
	return 0;
}
