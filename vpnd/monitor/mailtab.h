/* SPDX-License-Identifier: ISC */
/*
 * Mail logins bound to the tunnel's owner, the monitor's side
 * (docs/mail.md): the listeners of [Mail] DovecotPolicy and PostfixPolicy,
 * made at start for the network child (common/childfd.h), and the table
 * the child decides by (common/mailmsg.h), built from the live sessions,
 * the owners' logins and [Mail], and sent whole on every change, in parts
 * (common/mailpart.h) that leave room on the child's socket for the
 * other messages. The
 * child's refusals come back here (dispatch.c) to be audited and counted.
 *
 * Below gate.c, which calls mailtab_changed when sessions open and end;
 * above audit.c and state/.
 */
#ifndef VPND_MAILTAB_H
#define VPND_MAILTAB_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/daemon.h"

struct mailtab;
struct strbuf;

/* Before privileges go: binds the policy listeners [Mail] asks for (none
 * without the section). 0 or -errno, logged. */
int mailtab_open(struct mailtab **out, struct vpnd *d);
void mailtab_close(struct mailtab **mt);
/* The listener the child gets at number which (CHILDFD_MAIL, CHILDFD_SMTP),
 * or -1. */
int mailtab_child_fd(const struct mailtab *mt, int which);
/* A new child's socket: the table goes to it now (after INIT and WEB_CONF;
 * the parts the socket has no room for on the next turns) and on every
 * change; -1 when the child is gone. 0, or -EIO when the table could not
 * be sent (then it is detached again). */
int mailtab_attach(struct mailtab *mt, int sock);
/* Sessions, owners' logins or [Mail] changed: the child gets the new table
 * on the loop's next turn, once for all the changes of this one (retried
 * shortly when its socket is full), or after the table under way. */
void mailtab_changed(struct mailtab *mt);
/* A MAIL_REFUSED from the child: counted, audited (at most 50 lines a
 * second; the rest counted as unaudited). 0 or -EBADMSG. */
int mailtab_refused(struct mailtab *mt, const uint8_t *msg, size_t len);
/* mail-refused, mail-refused-dovecot, -postfix, -unaudited, mail-sessions. */
void mailtab_status_fields(const struct mailtab *mt, struct strbuf *o);

#endif
