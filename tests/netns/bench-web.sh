#!/bin/bash
# SPDX-License-Identifier: ISC
# bench/web.sh in its quick mode: the web page's CPU against the UDP
# port's, and touch to IMAP, with their targets.
BENCH_QUICK=1 exec bash "$SRC/bench/web.sh" "$BUILD"
