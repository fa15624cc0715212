/* SPDX-License-Identifier: ISC */
/*
 * softkey behind /dev/uhid: the kernel makes a HID device of it (hid-generic
 * binds, hidraw gives it a node), and every report the host writes to that
 * node comes here as UHID_OUTPUT; replies go back as UHID_INPUT2. One host
 * side only, so unlike the socket there is no connection to tell apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/uhid.h>

#include "base/log.h"
#include "uhid.h"

#define KEEPALIVE_MS 100
/* BUS_USB from linux/input.h: libfido2 lists only USB keys. */
#define UHID_BUS_USB 0x03
/* The pid.codes vendor ID for open projects' test devices. */
#define UHID_VENDOR 0x1209

/*
 * The report descriptor of a FIDO key (CTAPHID, FIDO 2.1 section 11.2.8.1):
 * the FIDO Alliance usage page, the CTAPHID usage, and one 64-byte input
 * and one 64-byte output report without report IDs. libfido2 takes a
 * device for a key only by this usage page, and its report sizes from
 * here.
 */
static const uint8_t fido_rdesc[] = {
	0x06, 0xd0, 0xf1, /* Usage Page (FIDO Alliance, 0xF1D0) */
	0x09, 0x01,       /* Usage (CTAPHID) */
	0xa1, 0x01,       /* Collection (Application) */
	0x09, 0x20,       /*   Usage (Input Report Data) */
	0x15, 0x00,       /*   Logical Minimum (0) */
	0x26, 0xff, 0x00, /*   Logical Maximum (255) */
	0x75, 0x08,       /*   Report Size (8 bits) */
	0x95, 0x40,       /*   Report Count (64) */
	0x81, 0x02,       /*   Input (Data, Variable, Absolute) */
	0x09, 0x21,       /*   Usage (Output Report Data) */
	0x15, 0x00,       /*   Logical Minimum (0) */
	0x26, 0xff, 0x00, /*   Logical Maximum (255) */
	0x75, 0x08,       /*   Report Size (8 bits) */
	0x95, 0x40,       /*   Report Count (64) */
	0x91, 0x02,       /*   Output (Data, Variable, Absolute) */
	0xc0,             /* End Collection */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_event(int fd, const struct uhid_event *ev)
{
	ssize_t n;

	do
		n = write(fd, ev, sizeof(*ev));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*ev) ? 0 : -EIO;
}

static int send_report(void *ctx, const uint8_t *report)
{
	struct uhid_dev *u = ctx;
	struct uhid_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = UHID_INPUT2;
	ev.u.input2.size = CTAPHID_REPORT_LEN;
	memcpy(ev.u.input2.data, report, CTAPHID_REPORT_LEN);
	/* A host that is gone loses its reply, as on the socket. */
	if (write_event(u->fd, &ev) < 0)
		log_debug("cannot send a report: %s", strerror(errno));
	return 0;
}

/*
 * One event from the kernel. A report for the device goes to *report
 * (true returned); requests the kernel waits on are refused at once.
 */
static int read_event(struct uhid_dev *u, uint8_t report[CTAPHID_REPORT_LEN], bool *got)
{
	struct uhid_event ev, reply;
	const uint8_t *data;
	size_t len;
	ssize_t n;

	*got = false;
	n = read(u->fd, &ev, sizeof(ev));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n < (ssize_t)sizeof(ev.type))
		return 0;
	memset(&reply, 0, sizeof(reply));
	switch (ev.type) {
	case UHID_OUTPUT:
		data = ev.u.output.data;
		len = ev.u.output.size;
		/* hidraw hands over the report-ID byte (0) it was written with. */
		if (len == CTAPHID_REPORT_LEN + 1 && data[0] == 0) {
			data++;
			len--;
		}
		if (ev.u.output.rtype != UHID_OUTPUT_REPORT || len != CTAPHID_REPORT_LEN) {
			log_debug("dropped an output report of %zu bytes", len);
			return 0;
		}
		memcpy(report, data, CTAPHID_REPORT_LEN);
		*got = true;
		return 0;
	case UHID_GET_REPORT:
		reply.type = UHID_GET_REPORT_REPLY;
		reply.u.get_report_reply.id = ev.u.get_report.id;
		reply.u.get_report_reply.err = EIO;
		return write_event(u->fd, &reply);
	case UHID_SET_REPORT:
		reply.type = UHID_SET_REPORT_REPLY;
		reply.u.set_report_reply.id = ev.u.set_report.id;
		reply.u.set_report_reply.err = EIO;
		return write_event(u->fd, &reply);
	default:
		/* START, STOP, OPEN, CLOSE: nothing to do. */
		return 0;
	}
}

/* While a request waits for a touch: keepalives every 100 ms, and CANCEL or
 * INIT from the host still get through softkey_frame. */
static int wait_touch(struct softkey *sk)
{
	struct uhid_dev *u = sk->io;
	int64_t t = now_ms(), deadline, next_ka = t;
	uint8_t report[CTAPHID_REPORT_LEN];
	struct pollfd pfd = {.fd = u->fd, .events = POLLIN};

	deadline = t + (sk->cfg.presence ? sk->cfg.touch_delay_ms : sk->cfg.touch_timeout_ms);
	while ((t = now_ms()) < deadline && !sk->cancelled && !*u->stopping) {
		bool got;

		if (t >= next_ka) {
			softkey_keepalive(sk, CTAPHID_KEEPALIVE_UPNEEDED);
			next_ka = t + KEEPALIVE_MS;
		}
		if (poll(&pfd, 1, (int)((next_ka < deadline ? next_ka : deadline) - t)) <= 0)
			continue;
		if (read_event(u, report, &got) < 0)
			break;
		if (got)
			softkey_frame(sk, report, now_ms());
	}
	if (sk->cancelled || *u->stopping)
		return CTAP2_ERR_KEEPALIVE_CANCEL;
	return sk->cfg.presence ? CTAP2_OK : CTAP2_ERR_OPERATION_DENIED;
}

int uhid_create(struct uhid_dev *u, struct softkey *sk, const char *name, uint16_t product,
		volatile sig_atomic_t *stopping, char err[ERR_LEN])
{
	struct uhid_event ev;
	int r;

	memset(u, 0, sizeof(*u));
	u->sk = sk;
	u->stopping = stopping;
	u->fd = open("/dev/uhid", O_RDWR | O_CLOEXEC);
	if (u->fd < 0) {
		r = -errno;
		text_err(err, "cannot open /dev/uhid: %s%s", strerror(errno),
			 errno == ENOENT ? " (load the uhid module)" : "");
		return r;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = UHID_CREATE2;
	snprintf((char *)ev.u.create2.name, sizeof(ev.u.create2.name), "keygate softkey %s", name);
	snprintf((char *)ev.u.create2.phys, sizeof(ev.u.create2.phys), "softkey/%s", name);
	snprintf((char *)ev.u.create2.uniq, sizeof(ev.u.create2.uniq), "%s", name);
	ev.u.create2.rd_size = sizeof(fido_rdesc);
	memcpy(ev.u.create2.rd_data, fido_rdesc, sizeof(fido_rdesc));
	ev.u.create2.bus = UHID_BUS_USB;
	ev.u.create2.vendor = UHID_VENDOR;
	ev.u.create2.product = product;
	ev.u.create2.version = 1;
	r = write_event(u->fd, &ev);
	if (r < 0) {
		text_err(err, "cannot create the HID device: %s", strerror(-r));
		close(u->fd);
		u->fd = -1;
		return r;
	}
	sk->send = send_report;
	sk->io = u;
	sk->wait_touch = wait_touch;
	return 0;
}

int uhid_serve(struct uhid_dev *u)
{
	struct pollfd pfd = {.fd = u->fd, .events = POLLIN};
	uint8_t report[CTAPHID_REPORT_LEN];

	while (!*u->stopping) {
		int timeout = softkey_tick(u->sk, now_ms()), r;
		bool got;

		if (poll(&pfd, 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return -errno;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		r = read_event(u, report, &got);
		if (r < 0) {
			log_error("reading /dev/uhid: %s", strerror(-r));
			return r;
		}
		if (got)
			softkey_frame(u->sk, report, now_ms());
	}
	return 0;
}

void uhid_destroy(struct uhid_dev *u)
{
	struct uhid_event ev;

	if (u->fd < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = UHID_DESTROY;
	write_event(u->fd, &ev);
	close(u->fd);
	u->fd = -1;
}
