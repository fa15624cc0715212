#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A mail client for the end-to-end tests and the demo: IMAP LOGIN, LIST,
SELECT, FETCH, or POP3 USER/PASS, STAT, RETR, over plain TCP (143, 110) or
TLS (993, 995). Prints one line saying what it saw.

Exit status: 0 it worked (and the expected subject was seen when one was
given), 1 the server could not be reached (refused, timed out, no route),
2 reached but the mail dialogue failed.
"""
import argparse
import email
import imaplib
import poplib
import re
import ssl
import sys



def tls_context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    # The test certificate names the server, not the address we dial; the
    # chain is still verified against the server's own certificate.
    ctx.check_hostname = False
    return ctx


def list_name(line):
    """The mailbox name of a LIST reply: (\\HasNoChildren) "." INBOX"""
    m = re.match(r'\(.*?\) (?:NIL|"[^"]*") (.*)$', line.decode(errors="replace"))
    return m.group(1).strip('"') if m else "?"


def subject_of(raw):
    return email.message_from_bytes(raw).get("Subject", "")


def imap(args, tls):
    port = args.port or (993 if tls else 143)
    where = f"IMAP{'S' if tls else ''} {args.host}:{port}"
    try:
        if tls:
            c = imaplib.IMAP4_SSL(args.host, port, ssl_context=tls_context(args.cafile),
                                  timeout=args.timeout)
        else:
            c = imaplib.IMAP4(args.host, port, timeout=args.timeout)
    except ssl.SSLError as e:
        return 2, f"{where}: reached, but TLS failed: {e}"
    except OSError as e:
        return 1, f"{where}: unreachable ({e.__class__.__name__}: {e})"
    try:
        c.login(args.user, args.password)
        _, boxes = c.list()
        names = [list_name(b) for b in boxes if b]
        _, data = c.select("INBOX", readonly=True)
        count = int(data[0])
        subjects = []
        for i in range(1, count + 1):
            _, msg = c.fetch(str(i), "(RFC822)")
            subjects.append(subject_of(msg[0][1]))
        c.logout()
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as e:
        return 2, f"{where}: reached, but the IMAP dialogue failed: {e}"
    return 0, (f"{where}: LOGIN {args.user} ok; LIST {', '.join(names)}; "
               f"SELECT INBOX: {count} message(s); FETCH: {subjects}"), subjects


def pop3(args, tls):
    port = args.port or (995 if tls else 110)
    where = f"POP3{'S' if tls else ''} {args.host}:{port}"
    try:
        if tls:
            c = poplib.POP3_SSL(args.host, port, context=tls_context(args.cafile),
                                timeout=args.timeout)
        else:
            c = poplib.POP3(args.host, port, timeout=args.timeout)
    except ssl.SSLError as e:
        return 2, f"{where}: reached, but TLS failed: {e}"
    except OSError as e:
        return 1, f"{where}: unreachable ({e.__class__.__name__}: {e})"
    try:
        c.user(args.user)
        c.pass_(args.password)
        count, _ = c.stat()
        subjects = []
        for i in range(1, count + 1):
            _, lines, _ = c.retr(i)
            subjects.append(subject_of(b"\r\n".join(lines)))
        c.quit()
    except (poplib.error_proto, OSError, ssl.SSLError) as e:
        return 2, f"{where}: reached, but the POP3 dialogue failed: {e}"
    return 0, (f"{where}: USER/PASS {args.user} ok; STAT: {count} message(s); "
               f"RETR: {subjects}"), subjects


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("proto", choices=["imap", "imaps", "pop3", "pop3s"])
    p.add_argument("host")
    p.add_argument("--port", type=int)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True,
                   help="a file whose first line is the password (not argv)")
    p.add_argument("--cafile", help="the server's certificate, for 993 and 995")
    p.add_argument("--expect-subject", help="fail (2) unless a message has this subject")
    p.add_argument("--timeout", type=float, default=3.0)
    args = p.parse_args()
    with open(args.password_file) as f:
        args.password = f.readline().rstrip("\n")
    tls = args.proto.endswith("s")
    r = (imap if args.proto.startswith("imap") else pop3)(args, tls)
    rc, line = r[0], r[1]
    if rc == 0 and args.expect_subject is not None and args.expect_subject not in r[2]:
        rc, line = 2, f"{line}; no message with subject {args.expect_subject!r}"
    print(line)
    return rc


if __name__ == "__main__":
    sys.exit(main())
