/* SPDX-License-Identifier: ISC */
/*
 * Picking a security key among those plugged in. libfido2 lists them
 * (fido_dev_info_manifest: hidraw nodes with the FIDO usage page); an
 * assertion with user presence off tells, without a touch or a PIN,
 * whether a key holds one of our credentials (CTAP 2 getAssertion with
 * "up": false answers NO_CREDENTIALS when it does not).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <fido.h>
#include <sodium.h>

#include "keypick.h"

#define MAX_KEYS 16

/* What a person calls the key: its product name, else the HID name the
 * kernel has for it, and where it is. */
static void label_of(char *out, size_t cap, const fido_dev_info_t *di)
{
	const char *path = fido_dev_info_path(di), *prod = fido_dev_info_product_string(di);
	const char *node = strrchr(path, '/');
	char uevent[256], line[256], name[96] = "";
	FILE *f;

	if (prod != NULL && prod[0] != '\0') {
		snprintf(name, sizeof(name), "%.95s", prod);
	} else if (node != NULL) {
		snprintf(uevent, sizeof(uevent), "/sys/class/hidraw/%s/device/uevent", node + 1);
		if ((f = fopen(uevent, "re")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				if (strncmp(line, "HID_NAME=", 9) == 0) {
					line[strcspn(line, "\n")] = '\0';
					snprintf(name, sizeof(name), "%.95s", line + 9);
				}
			fclose(f);
		}
	}
	if (name[0] != '\0')
		snprintf(out, cap, "%s (%s)", name, path);
	else
		snprintf(out, cap, "the key at %s", path);
}

/* 1 the key holds one of creds, 0 it does not, -1 it cannot say (an old
 * U2F key, a key that wants a PIN even for this). */
static int holds(struct seckey *k, const char *rp_id, const struct enroll_cred *creds, size_t n)
{
	fido_assert_t *a = fido_assert_new();
	uint8_t cdh[32];
	int r = FIDO_ERR_INTERNAL;

	if (a == NULL)
		return -1;
	randombytes_buf(cdh, sizeof(cdh));
	if (fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_assert_set_rp(a, rp_id) != FIDO_OK ||
	    fido_assert_set_up(a, FIDO_OPT_FALSE) != FIDO_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (fido_assert_allow_cred(a, creds[i].id, creds[i].id_len) != FIDO_OK)
			goto out;
	r = fido_dev_get_assert(k->dev, a, NULL);
out:
	fido_assert_free(&a);
	return r == FIDO_OK ? 1 : r == FIDO_ERR_NO_CREDENTIALS ? 0 : -1;
}

/* The keys plugged in, but skip; 0 (with *n) or -ENODEV with err. */
static int list_keys(fido_dev_info_t **list, size_t *n, char err[ERR_LEN])
{
	*n = 0;
	if ((*list = fido_dev_info_new(MAX_KEYS)) == NULL) {
		text_err(err, "out of memory");
		return -ENOMEM;
	}
	if (fido_dev_info_manifest(*list, MAX_KEYS, n) != FIDO_OK || *n == 0) {
		fido_dev_info_free(list, MAX_KEYS);
		text_err(err, "no FIDO2 security key found; plug one in");
		return -ENODEV;
	}
	return 0;
}

static bool skipped(const fido_dev_info_t *di, const char *skip)
{
	return skip != NULL && strcmp(fido_dev_info_path(di), skip) == 0;
}

int keypick_open(struct seckey *k, const char *spec, const char *skip, const char *rp_id,
		 const struct enroll_cred *creds, size_t n, char err[ERR_LEN])
{
	fido_dev_info_t *list = NULL;
	char labels[3 * 128] = "", one[128];
	size_t nk, avail = 0, tried = 0, len = 0;
	int unknown = -1, n_unknown = 0, r;

	if (spec != NULL && spec[0] != '\0')
		return seckey_open(k, spec, err);
	if ((r = list_keys(&list, &nk, err)) < 0)
		return r;
	for (size_t i = 0; i < nk; i++)
		avail += !skipped(fido_dev_info_ptr(list, i), skip);
	for (size_t i = 0; i < nk; i++) {
		const fido_dev_info_t *di = fido_dev_info_ptr(list, i);
		char e[ERR_LEN];
		int h;

		if (skipped(di, skip))
			continue;
		tried++;
		label_of(one, sizeof(one), di);
		if (len < sizeof(labels))
			len += (size_t)snprintf(labels + len, sizeof(labels) - len, "%s%s",
						len > 0 ? ", " : "", one);
		if (seckey_open(k, fido_dev_info_path(di), e) < 0)
			continue;
		h = holds(k, rp_id, creds, n);
		if (h == 1) {
			if (avail > 1)
				snprintf(k->label, sizeof(k->label), "%s", one);
			r = 0;
			goto out;
		}
		seckey_close(k);
		if (h < 0 && n_unknown++ == 0)
			unknown = (int)i;
	}
	/* A key that cannot say, alone: it may be the one (asking tells). */
	if (n_unknown == 1) {
		const fido_dev_info_t *di = fido_dev_info_ptr(list, (size_t)unknown);

		r = seckey_open(k, fido_dev_info_path(di), err);
		if (r == 0 && avail > 1)
			label_of(k->label, sizeof(k->label), di);
		goto out;
	}
	if (tried == 0) {
		text_err(err, "no FIDO2 security key found besides %s; plug one in", skip);
		r = -ENODEV;
	} else if (tried == 1) {
		text_err(err,
			 "the security key plugged in, %s, is not registered for this gateway; "
			 "plug in the one you registered",
			 labels);
		r = -ENOKEY;
	} else {
		text_err(err,
			 "none of the %zu security keys plugged in (%s) is registered for this "
			 "gateway",
			 tried, labels);
		r = -ENOKEY;
	}
out:
	fido_dev_info_free(&list, MAX_KEYS);
	return r;
}

int keypick_first(struct seckey *k, const char *spec, const char *skip, char err[ERR_LEN])
{
	fido_dev_info_t *list = NULL;
	size_t nk, avail = 0;
	int r = -ENODEV, first = -1;

	if (spec != NULL && spec[0] != '\0')
		return seckey_open(k, spec, err);
	if ((r = list_keys(&list, &nk, err)) < 0)
		return r;
	for (size_t i = 0; i < nk; i++) {
		if (skipped(fido_dev_info_ptr(list, i), skip))
			continue;
		if (avail++ == 0)
			first = (int)i;
	}
	if (first < 0) {
		text_err(err, "no FIDO2 security key found besides %s; plug one in", skip);
		r = -ENODEV;
		goto out;
	}
	r = seckey_open(k, fido_dev_info_path(fido_dev_info_ptr(list, (size_t)first)), err);
	if (r == 0 && avail > 1)
		label_of(k->label, sizeof(k->label), fido_dev_info_ptr(list, (size_t)first));
out:
	fido_dev_info_free(&list, MAX_KEYS);
	return r;
}
