#!/usr/bin/env bash
# System packages the tests need (called by .ci/run, as root on Debian/Ubuntu).
# tests/store and tests/audit start a throw-away PostgreSQL server with initdb/pg_ctl.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends postgresql >&2
fi
# initdb refuses root: the fixture runs it as the `postgres` user (created by the package) or `nobody`
# via runuser (util-linux). Make the PostgreSQL tests fail instead of skipping when the server is missing:
echo "export CLAIMSCRUB_REQUIRE_PG=1"
# tests/web/test_browser.py drives Debian's chromium with Playwright (never `playwright install`).
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2
fi
# Make the browser tests fail instead of skipping when chromium is missing:
echo "export CLAIMSCRUB_REQUIRE_CHROMIUM=1"
