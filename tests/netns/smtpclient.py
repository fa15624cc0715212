#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Submission (587) with SASL PLAIN: log in, MAIL FROM, RCPT TO, RSET.

Exit 0: logged in and the recipient taken; 1: unreachable; 2: reached, but
the login or the recipient was refused (the server's answer printed).
"""
import argparse
import smtplib
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("host")
    p.add_argument("--port", type=int, default=587)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--rcpt", default="postmaster@keygate.test")
    p.add_argument("--timeout", type=float, default=5.0)
    a = p.parse_args()
    with open(a.password_file) as f:
        password = f.readline().rstrip("\n")
    where = f"submission {a.host}:{a.port}"
    try:
        c = smtplib.SMTP(a.host, a.port, timeout=a.timeout)
    except OSError as e:
        print(f"{where}: unreachable ({e.__class__.__name__}: {e})")
        return 1
    try:
        c.ehlo("client.keygate.test")
        c.login(a.user, password)
        code, msg = c.mail(f"{a.user}@keygate.test")
        if code != 250:
            raise smtplib.SMTPResponseException(code, msg)
        code, msg = c.rcpt(a.rcpt)
        if code not in (250, 251):
            raise smtplib.SMTPResponseException(code, msg)
        c.rset()
        c.quit()
    except smtplib.SMTPResponseException as e:
        print(f"{where}: reached, but refused: {e.smtp_code} {e.smtp_error.decode(errors='replace')}")
        return 2
    except (smtplib.SMTPException, OSError) as e:
        print(f"{where}: reached, but the dialogue failed: {e}")
        return 2
    print(f"{where}: AUTH {a.user} ok; RCPT {a.rcpt} ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
