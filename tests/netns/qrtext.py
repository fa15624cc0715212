#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Turns a QR code drawn in a terminal with half blocks (clientcfg --format
qr) back into an image (PBM on stdout), so that zbarimg can read what a
phone's camera would. A space is two dark modules, U+2580 a light upper
one, U+2584 a light lower one, U+2588 two light ones; ANSI colour codes are
ignored."""
import re
import sys

LIGHT = {" ": (0, 0), "\u2584": (0, 1), "\u2580": (1, 0), "\u2588": (1, 1)}
SCALE = 4


def main():
    text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [l for l in text.split("\n") if l and set(l) <= set(LIGHT)]
    if not lines:
        sys.exit("qrtext: no QR code in the input")
    width = max(len(l) for l in lines)
    rows = []
    for l in lines:
        l = l.ljust(width)
        rows.append([LIGHT[c][0] for c in l])
        rows.append([LIGHT[c][1] for c in l])
    # A light border: the terminal's last half row may be its own background.
    width += 8
    rows = [[1] * width] * 4 + [[1] * 4 + r + [1] * 4 for r in rows] + [[1] * width] * 4
    out = ["P1", f"{width * SCALE} {len(rows) * SCALE}"]
    for r in rows:
        line = " ".join("0" if light else "1" for light in r for _ in range(SCALE))
        out.extend([line] * SCALE)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
