/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "gateway/conf.h"
#include "base/duration.h"

static const char good[] = "# a comment\n"
			   "[Interface]\n"
			   "Name = wg7\n"
			   "Address = 10.77.0.1/24, fd77::1/64\n"
			   "ListenPort = 51000   # trailing comment\n"
			   "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
			   "Endpoint = vpn.example.org:51000\n"
			   "MailPorts = 587, 465\n"
			   "[Sessions]\n"
			   "window = 8h\n"
			   "IDLE = off\n"
			   "[Daemon]\n"
			   "StateDirectory = /tmp/x\n";

static void parses_good(void **state)
{
	struct conf c;
	char err[ERR_LEN];

	assert_int_equal(conf_parse(&c, good, strlen(good), "vpnd.conf", err), 0);
	assert_string_equal(c.ifname, "wg7");
	assert_int_equal(c.n_addresses, 2);
	assert_int_equal(c.addresses[0].family, AF_INET);
	assert_int_equal(c.addresses[0].prefix, 24);
	assert_int_equal(c.addresses[1].family, AF_INET6);
	assert_int_equal(c.listen_port, 51000);
	assert_int_equal(c.activation_port, CONF_DEFAULT_ACTIVATION_PORT);
	assert_string_equal(c.endpoint_host, "vpn.example.org");
	assert_int_equal(c.n_mail_ports, 2);
	assert_int_equal(c.mail_ports[0], 587);
	assert_int_equal(c.mail_ports[1], 465);
	assert_int_equal(c.window, 8 * 3600);
	assert_int_equal(c.idle, 0);
	assert_string_equal(c.state_dir, "/tmp/x");
	assert_string_equal(c.control_socket, "/run/vpnd/wg7.sock");
	assert_true(c.has_private_key);
	assert_string_equal(c.child_user, "keygate");
	assert_int_equal(c.activation_rate, CONF_DEFAULT_ACTIVATION_RATE);
	conf_finish(&c);
}

/* Replaces line `line` (1-based) of the good config and expects err to
 * contain each given fragment. */
static void expect_error(int line, const char *replacement, const char *frag1, const char *frag2)
{
	char text[2048] = "", err[ERR_LEN];
	const char *p = good;
	struct conf c;
	int n = 1;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');

		if (n == line)
			strcat(strcat(text, replacement), "\n");
		else
			strncat(text, p, (size_t)(nl - p + 1));
		p = nl + 1;
		n++;
	}
	assert_int_equal(conf_parse(&c, text, strlen(text), "vpnd.conf", err), -EINVAL);
	if (strstr(err, frag1) == NULL || (frag2 != NULL && strstr(err, frag2) == NULL))
		fail_msg("error '%s' lacks '%s' / '%s'", err, frag1, frag2 ? frag2 : "");
}

static void names_line_and_value(void **state)
{
	expect_error(10, "Window = 10x", "invalid window '10x' at vpnd.conf:10",
		     "expected a number with s, m, h or d");
	expect_error(5, "ListenPort = 70000", "invalid listen port '70000' at vpnd.conf:5", NULL);
	expect_error(4, "Address = 10.77.0.1", "invalid address '10.77.0.1' at vpnd.conf:4", NULL);
	expect_error(7, "Endpoint = nohostport", "invalid endpoint 'nohostport'", NULL);
	expect_error(3, "Nmae = wg7", "unknown key 'Nmae' at vpnd.conf:3", NULL);
	expect_error(9, "[Session]", "invalid section '[Session]' at vpnd.conf:9", NULL);
	expect_error(11, "Idle", "invalid line 'Idle' at vpnd.conf:11", NULL);
	expect_error(11, "Window = 1h", "duplicate key 'Window' at vpnd.conf:11", NULL);
	expect_error(6, "PrivateKey = short", "invalid private key", NULL);
	expect_error(13, "StateDirectory = relative", "absolute path", NULL);
	expect_error(8, "MailPorts = 587, 0", "invalid mail port '0' at vpnd.conf:8",
		     "expected 1 to 65535");
	expect_error(3, "# no name", "needs Name, Address and Endpoint", NULL);
	expect_error(13, "ActivationRate = 0", "invalid activation rate '0' at vpnd.conf:13",
		     "expected 1 to 1000000 a second");
	expect_error(13, "ActivationRate = 5k", "invalid activation rate '5k'", NULL);
	expect_error(13, "ActivationRate = -3", "invalid activation rate '-3'", NULL);
}

static void key_outside_section(void **state)
{
	struct conf c;
	char err[ERR_LEN];
	const char *t = "Name = x\n";

	assert_int_equal(conf_parse(&c, t, strlen(t), "f", err), -EINVAL);
	assert_non_null(strstr(err, "outside a section at f:1"));
}

static void child_user(void **state)
{
	char text[2048], err[ERR_LEN];
	struct conf c;

	snprintf(text, sizeof(text), "%sChildUser = _keygate-2\n", good);
	assert_int_equal(conf_parse(&c, text, strlen(text), "vpnd.conf", err), 0);
	assert_string_equal(c.child_user, "_keygate-2");
	conf_finish(&c);
	expect_error(13, "ChildUser = root:x", "invalid child user 'root:x' at vpnd.conf:13",
		     "expected a user name");
	expect_error(13, "ChildUser = ../x", "invalid child user '../x'", NULL);
	expect_error(13, "ChildUser = 0day", "invalid child user '0day'", NULL);
	expect_error(13, "ChildUser = abcdefghijklmnopqrstuvwxyz0123456", "invalid child user",
		     NULL);
}

static void firewall_section(void **state)
{
	static const uint16_t defaults[] = {110, 143, 465, 587, 993, 995};
	char text[2048], err[ERR_LEN];
	struct conf c;

	assert_int_equal(conf_parse(&c, good, strlen(good), "vpnd.conf", err), 0);
	assert_true(c.fw_enforce);
	assert_int_equal(c.n_fw_ports, 6);
	assert_memory_equal(c.fw_ports, defaults, sizeof(defaults));
	conf_finish(&c);
	snprintf(text, sizeof(text), "%s[Firewall]\nMailPorts = 143, 4190\nEnforce = no\n", good);
	assert_int_equal(conf_parse(&c, text, strlen(text), "vpnd.conf", err), 0);
	assert_false(c.fw_enforce);
	assert_int_equal(c.n_fw_ports, 2);
	assert_int_equal(c.fw_ports[0], 143);
	assert_int_equal(c.fw_ports[1], 4190);
	assert_int_equal(c.n_mail_ports, 2); /* [Interface] MailPorts stays apart */
	conf_finish(&c);
	expect_error(12, "[Firewall]\nMailPorts = 143, x", "invalid mail port 'x' at vpnd.conf:13",
		     "expected 1 to 65535");
	expect_error(12, "[Firewall]\nMailPorts = 143, 143",
		     "invalid mail port '143' at vpnd.conf:13", "given twice");
	expect_error(12, "[Firewall]\nEnforce = maybe", "invalid Enforce 'maybe' at vpnd.conf:13",
		     "expected yes or no");
	expect_error(12, "[Firewall]\nEnforce = no\nEnforce = yes",
		     "duplicate key 'Enforce' at vpnd.conf:14", NULL);
	expect_error(12, "[Firewall]\nWindow = 1h", "unknown key 'Window' at vpnd.conf:13", NULL);
	expect_error(12, "[Firewal]", "invalid section '[Firewal]' at vpnd.conf:12",
		     "[Daemon], [Firewall], [Web], [Mail], [Metrics] or [Store]");
}

/* Replaces the last line: [Store] comes after [Daemon]'s key. */
#define SD "StateDirectory = /tmp/x\n"

static void store_section(void **state)
{
	char text[2048], err[ERR_LEN];
	struct conf c;

	assert_int_equal(conf_parse(&c, good, strlen(good), "vpnd.conf", err), 0);
	assert_int_equal(c.store.type, STORE_FILES);
	conf_finish(&c);
	snprintf(text, sizeof(text),
		 "%s[Store]\nType = PostgreSQL\nConnection = host=/run/pg dbname=keygate "
		 "passfile=/etc/keygate/pgpass\n",
		 good);
	assert_int_equal(conf_parse(&c, text, strlen(text), "vpnd.conf", err), 0);
	assert_int_equal(c.store.type, STORE_POSTGRESQL);
	assert_string_equal(c.store.connection,
			    "host=/run/pg dbname=keygate passfile=/etc/keygate/pgpass");
	conf_finish(&c);
	expect_error(13, SD "[Store]\nType = etcd", "invalid store type 'etcd' at vpnd.conf:15",
		     "expected files or postgresql");
	expect_error(13, SD "[Store]\nType = postgresql", "Type = postgresql needs Connection",
		     NULL);
	expect_error(13, SD "[Store]\nConnection = dbname=x", "Connection is for Type = postgresql",
		     NULL);
	expect_error(13, SD "[Store]\nType = postgresql\nConnection = dbname=x password = s3cret",
		     "invalid connection at vpnd.conf:16", "passfile=");
	expect_error(13, SD "[Store]\nType = postgresql\nConnection = postgresql://u:s3cret@db/k",
		     "invalid connection at vpnd.conf:16", "holds a password");
	expect_error(13, SD "[Store]\nType = files\nType = files",
		     "duplicate key 'Type' at vpnd.conf:16", NULL);
	expect_error(13, SD "[Store]\nHost = db", "unknown key 'Host' at vpnd.conf:15", NULL);
	/* The password never reaches the message. */
	snprintf(text, sizeof(text), "%s[Store]\nType = postgresql\nConnection = password=s3cret\n",
		 good);
	assert_int_equal(conf_parse(&c, text, strlen(text), "vpnd.conf", err), -EINVAL);
	assert_null(strstr(err, "s3cret"));
}

static void durations(void **state)
{
	uint64_t s;
	char out[24];

	assert_int_equal(duration_parse(&s, "90s"), 0);
	assert_int_equal(s, 90);
	assert_int_equal(duration_parse(&s, "30m"), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(duration_parse(&s, "10h"), 0);
	assert_int_equal(s, 36000);
	assert_int_equal(duration_parse(&s, "2d"), 0);
	assert_int_equal(s, 172800);
	for (const char *const *b =
		     (const char *const[]){"", "10", "h", "10x", "1h30m", "-1h", "0s", "400d",
					   "99999999999999999999s", " 1h", NULL};
	     *b != NULL; b++)
		if (duration_parse(&s, *b) == 0)
			fail_msg("'%s' was accepted", *b);
	duration_format(out, sizeof(out), 36000);
	assert_string_equal(out, "10h");
	duration_format(out, sizeof(out), 5400);
	assert_string_equal(out, "90m");
	duration_format(out, sizeof(out), 61);
	assert_string_equal(out, "61s");
	duration_format_approx(out, sizeof(out), 35999);
	assert_string_equal(out, "9h59m");
	duration_format_minutes(out, sizeof(out), 7200);
	assert_string_equal(out, "2h00m");
	duration_format_minutes(out, sizeof(out), 93784);
	assert_string_equal(out, "1d2h");
	duration_format_minutes(out, sizeof(out), 700);
	assert_string_equal(out, "11m");
	duration_format_minutes(out, sizeof(out), 59);
	assert_string_equal(out, "59s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_good),         cmocka_unit_test(names_line_and_value),
		cmocka_unit_test(child_user),          cmocka_unit_test(firewall_section),
		cmocka_unit_test(key_outside_section), cmocka_unit_test(durations),
		cmocka_unit_test(store_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
