#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Drives Debian's chromium, headless, over the DevTools protocol, with its
# WebAuthn virtual authenticator, for tests/netns/web.sh. Reads one command
# a line on stdin and answers one line on stdout: "ok TEXT" or "error TEXT".
#   open URL                 navigate and wait for the page to load
#   fill ID TEXT             set an input's value
#   click ID                 click an element
#   check NAME               tick the device checkbox of value NAME (others off)
#   wait ID SECONDS TEXT     until ID's text contains TEXT; answers the text
#   text ID                  ID's text
#   eval JS                  a JavaScript expression's value, as JSON
#   authenticator PROTO UV   a new virtual authenticator (ctap2|u2f, uv yes|no)
#   uv yes|no                the authenticator's user verification from now on
#   credentials              how many credentials the authenticator holds
#   screenshot FILE          a PNG of the page
#   quit
# Usage: webdriver.py SPKI_BASE64 HOST_RULES PROFILE_DIR
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import websocket


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Browser:
    def __init__(self, spki, rules, profile):
        self.port = free_port()
        args = [shutil.which("chromium") or "/usr/bin/chromium", "--headless=new", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--remote-debugging-port=%d" % self.port, "--user-data-dir=" + profile,
                "--window-size=390,844", "--host-resolver-rules=" + rules,
                "--ignore-certificate-errors-spki-list=" + spki, "about:blank"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(profile + ".log", "w"),
                                     start_new_session=True)
        deadline = time.time() + 30
        while True:
            try:
                tabs = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json" % self.port, timeout=2))
                page = [t for t in tabs if t.get("type") == "page"]
                if page:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("chromium did not start")
            time.sleep(0.2)
        self.ws = websocket.create_connection(page[0]["webSocketDebuggerUrl"], timeout=60)
        self.id = 0
        self.auth = None
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("WebAuthn.enable", {"enableUI": False})
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})

    def send(self, method, params=None):
        self.id += 1
        my = self.id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params or {}}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == my:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"].get("message")))
                return m.get("result", {})

    def eval(self, js):
        r = self.send("Runtime.evaluate", {"expression": js, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"].get("exception", {}).get("description", "exception"))
        return r.get("result", {}).get("value")

    def authenticator(self, proto, uv):
        if self.auth is not None:
            self.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.auth})
        opts = {"protocol": proto, "transport": "usb", "hasResidentKey": proto == "ctap2",
                "hasUserVerification": proto == "ctap2", "isUserVerified": uv,
                "automaticPresenceSimulation": True}
        if proto == "ctap2":
            opts["ctap2Version"] = "ctap2_1"
        self.auth = self.send("WebAuthn.addVirtualAuthenticator", {"options": opts})["authenticatorId"]

    def open(self, url):
        self.send("Page.navigate", {"url": url})
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if self.eval("document.readyState") == "complete" and self.eval("location.href") == url:
                    return
            except RuntimeError:
                pass
            time.sleep(0.05)
        raise RuntimeError("page did not load: " + url)

    def quit(self):
        try:
            self.ws.close()
        finally:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def js_str(s):
    return json.dumps(s)


def run(b, line):
    words = line.split(" ", 1)
    cmd, rest = words[0], words[1] if len(words) > 1 else ""
    if cmd == "open":
        b.open(rest)
        return "loaded"
    if cmd == "fill":
        i, text = rest.split(" ", 1)
        b.eval("(() => { const e = document.getElementById(%s); e.value = %s; return true; })()"
               % (js_str(i), js_str(text)))
        return "filled"
    if cmd == "click":
        b.eval("document.getElementById(%s).click(), true" % js_str(rest))
        return "clicked"
    if cmd == "check":
        b.eval("[...document.querySelectorAll('#devices input')].forEach(c => c.checked = c.value === %s), true"
               % js_str(rest))
        return "checked"
    if cmd == "wait":
        i, secs, want = rest.split(" ", 2)
        secs = float(secs)
        deadline = time.time() + secs
        text = ""
        while time.time() < deadline:
            text = b.eval("(document.getElementById(%s) || {}).textContent || ''" % js_str(i))
            if want in text:
                return text
            time.sleep(0.02)
        raise RuntimeError("%s says %r, not %r" % (i, text, want))
    if cmd == "text":
        return b.eval("(document.getElementById(%s) || {}).textContent || ''" % js_str(rest))
    if cmd == "eval":
        return json.dumps(b.eval(rest))
    if cmd == "authenticator":
        proto, uv = rest.split(" ")
        b.authenticator(proto, uv == "yes")
        return "added"
    if cmd == "uv":
        b.send("WebAuthn.setUserVerified", {"authenticatorId": b.auth, "isUserVerified": rest == "yes"})
        return "set"
    if cmd == "credentials":
        return str(len(b.send("WebAuthn.getCredentials", {"authenticatorId": b.auth})["credentials"]))
    if cmd == "screenshot":
        data = b.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(rest, "wb") as f:
            f.write(base64.b64decode(data))
        return "saved"
    raise RuntimeError("unknown command " + cmd)


def main():
    b = Browser(sys.argv[1], sys.argv[2], sys.argv[3])
    print("ok ready", flush=True)
    try:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line == "quit":
                break
            try:
                out = run(b, line)
                print("ok " + str(out).replace("\n", " "), flush=True)
            except Exception as e:  # every failure is an answer
                print("error " + str(e).replace("\n", " "), flush=True)
    finally:
        b.quit()


if __name__ == "__main__":
    main()
