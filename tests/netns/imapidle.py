#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""An IMAP IDLE client for the extension test: logs in, selects INBOX,
idles on ONE connection, and when the server announces a new message
(EXISTS) fetches its subject over that same connection. Prints "idling"
once the server has accepted IDLE, then "new mail: SUBJECT" at the end.

Exit status: 0 the new message came over the first connection, 1 the
connection broke or nothing came in time (the line says which).
"""
import argparse
import email
import socket
import sys
import time


class Conn:
    def __init__(self, host, port, timeout):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.f = self.s.makefile("rb")
        self.tag = 0

    def line(self):
        data = self.f.readline()
        if not data:
            raise ConnectionError("the server closed the connection")
        return data.decode(errors="replace").rstrip("\r\n")

    def send(self, text):
        self.s.sendall(text.encode() + b"\r\n")

    def command(self, text):
        """Sends a tagged command; returns the untagged lines before its OK."""
        self.tag += 1
        tag = f"a{self.tag}"
        self.send(f"{tag} {text}")
        lines = []
        while True:
            ln = self.line()
            if ln.startswith(tag + " "):
                if not ln.startswith(tag + " OK"):
                    raise ConnectionError(f"{text.split()[0]} refused: {ln}")
                return lines
            # A literal {N}: read its bytes as part of the reply.
            if ln.endswith("}") and "{" in ln:
                n = int(ln[ln.rindex("{") + 1:-1])
                lines.append(ln)
                lines.append(self.f.read(n).decode(errors="replace"))
                continue
            lines.append(ln)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("host")
    p.add_argument("--port", type=int, default=143)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--wait", type=float, default=30.0, help="seconds to idle at most")
    a = p.parse_args()
    with open(a.password_file) as f:
        password = f.read().strip()
    start = time.monotonic()
    try:
        c = Conn(a.host, a.port, a.wait)
        c.line()  # greeting
        c.command(f'LOGIN "{a.user}" "{password}"')
        exists = 0
        for ln in c.command("SELECT INBOX"):
            if ln.endswith(" EXISTS"):
                exists = int(ln.split()[1])
        c.tag += 1
        idle_tag = f"a{c.tag}"
        c.send(f"{idle_tag} IDLE")
        ln = c.line()
        if not ln.startswith("+"):
            raise ConnectionError(f"IDLE refused: {ln}")
        print("idling", flush=True)
        while True:
            c.s.settimeout(max(0.1, a.wait - (time.monotonic() - start)))
            ln = c.line()
            if ln.endswith(" EXISTS") and int(ln.split()[1]) > exists:
                exists = int(ln.split()[1])
                break
        c.send("DONE")
        while not c.line().startswith(idle_tag + " "):
            pass
        raw = "\n".join(c.command(f"FETCH {exists} (BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
        subject = email.message_from_string(raw.split("\n", 1)[1]).get("Subject", "?")
        c.command("LOGOUT")
    except (OSError, ConnectionError, ValueError) as e:
        print(f"IDLE connection to {a.host}:{a.port} failed after "
              f"{time.monotonic() - start:.1f}s: {e.__class__.__name__}: {e}", flush=True)
        return 1
    print(f"new mail: {subject}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
