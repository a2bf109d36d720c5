#!/usr/bin/env bash
# Debian's Chromium for the editor test (test/e2e/scenarios/editor.ts, driven by playwright-core): installed from
# Debian's packages when missing (needs root, as on CI's fresh machine). Nothing else is changed.
set -euo pipefail
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
	echo "Chromium is missing and this is not root: install Debian's chromium package (apt-get install chromium)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends chromium || { apt-get update && apt-get install -y --no-install-recommends chromium; }
