#!/usr/bin/env bash
# Makes sure a Chromium the browser tests can drive is installed, and prints its path.
#
#   scripts/install-browser.sh          install Debian's chromium if missing, print its path on stdout
#
# CHROMIUM_PATH=/path/to/chrome uses that executable and installs nothing; BROWSER_NO_APT=1 never
# runs apt-get. See install-debian-tool.sh.
exec "$(dirname "$0")/install-debian-tool.sh" CHROMIUM_PATH "chromium chromium-browser google-chrome-stable google-chrome" chromium fonts-dejavu-core
