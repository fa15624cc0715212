#!/bin/bash
# SPDX-License-Identifier: ISC
# The web page behind a reverse proxy (nginx from Debian): web.sh's main
# path, with vpnd serving plain HTTP and trusting X-Forwarded-For from the
# proxy only.
WEB_MODE=proxy exec bash "$(dirname "$0")/web.sh"
