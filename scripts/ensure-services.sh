#!/usr/bin/env bash
# Makes sure the shared services the integration tests use are answering:
#   PostgreSQL on 127.0.0.1:5432 (user postgres, no password over TCP)
#   NATS with JetStream on 127.0.0.1:4222
#   Debian's chromium (and a CJK font) for the console's browser tests
#   Debian's haproxy for the scale-out test (test/infra/scale-out.spec.ts runs it from infra/haproxy/)
#   xmllint (Debian's libxml2-utils) that validates the warnings' CAP 1.2 XML against the OASIS schema
# Starts them when they are not running, installs them (Debian: apt-get) when they are missing.
# Never stops or restarts a running service. Idempotent; prints nothing when everything already runs.
#
# Environment: ENSURE_SERVICES_TIMEOUT  seconds to wait for each service (default 30)
set -uo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
NATS_HOST=127.0.0.1
NATS_PORT=4222
NATS_STORE=/var/lib/nats-server
NATS_LOG=/var/log/nats-server.log
TIMEOUT=${ENSURE_SERVICES_TIMEOUT:-30}

log() { echo "ensure-services: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run as root: directly when we are root, through sudo (non-interactive) otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root for: $* (no sudo available)"
  fi
}

pg_answers() {
  command -v pg_isready >/dev/null 2>&1 || return 1
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

# Connects to NATS and reads the INFO line the server sends first.
# Exit 0: answers with JetStream on; 2: answers but JetStream is off; 1: does not answer.
nats_probe() {
  if command -v node >/dev/null 2>&1; then
    node -e '
      const net = require("node:net");
      const [host, port] = process.argv.slice(1);
      let buf = "";
      const done = (code) => { socket.destroy(); process.exit(code); };
      const socket = net.connect({ host, port: Number(port) });
      socket.setTimeout(2000, () => done(1));
      socket.on("error", () => done(1));
      socket.on("data", (chunk) => {
        buf += chunk.toString("utf8");
        const nl = buf.indexOf("\n");
        if (nl < 0) return;
        const line = buf.slice(0, nl).trim();
        if (!line.startsWith("INFO ")) done(1);
        try { done(JSON.parse(line.slice(5)).jetstream === true ? 0 : 2); } catch { done(1); }
      });
    ' "$NATS_HOST" "$NATS_PORT"
  else
    # Fallback without node: bash /dev/tcp.
    local info
    info=$(timeout 3 bash -c "exec 3<>/dev/tcp/$NATS_HOST/$NATS_PORT && head -n1 <&3" 2>/dev/null) || return 1
    case "$info" in
      INFO*'"jetstream":true'*) return 0 ;;
      INFO*) return 2 ;;
      *) return 1 ;;
    esac
  fi
}

# wait_for <name> <command...>: polls until the command succeeds or TIMEOUT seconds pass.
wait_for() {
  local name=$1; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.5
  done
  log "$name is up"
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "$* not installed and apt-get is not available; install it by hand"
  log "installing $* (apt-get)"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n1; }

# Debian's stock pg_hba.conf asks TCP clients for a password. Only for a server this script installed:
# trust local TCP connections so that `psql -h 127.0.0.1 -U postgres` works without a prompt.
pg_trust_localhost() {
  local v=$1 hba="/etc/postgresql/$1/main/pg_hba.conf" tmp
  as_root grep -q '^# muster: ensure-services' "$hba" && return 0
  tmp=$(mktemp)
  {
    echo '# muster: ensure-services.sh — local TCP clients are trusted (development / CI machine)'
    echo 'host    all             all             127.0.0.1/32            trust'
    echo 'host    all             all             ::1/128                 trust'
    as_root cat "$hba"
  } > "$tmp"
  as_root cp "$tmp" "$hba"
  rm -f "$tmp"
  as_root pg_ctlcluster --skip-systemctl-redirect "$v" main reload >/dev/null 2>&1 || true
}

ensure_postgres() {
  pg_answers && return 0
  local installed_now=0
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(pg_version)" ]; then
    apt_install postgresql
    installed_now=1
  fi
  local v
  v=$(pg_version)
  [ -n "$v" ] || die "PostgreSQL installed but /etc/postgresql is empty"
  if [ ! -d "/etc/postgresql/$v/main" ]; then
    log "creating PostgreSQL $v cluster 'main'"
    as_root pg_createcluster "$v" main >/dev/null || die "pg_createcluster $v main failed"
  fi
  log "starting PostgreSQL $v"
  as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 \
    || pg_answers || log "pg_ctlcluster start reported an error; waiting anyway"
  wait_for "PostgreSQL on $PG_HOST:$PG_PORT" pg_answers \
    || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT after ${TIMEOUT}s (see /var/log/postgresql/)"
  [ "$installed_now" -eq 1 ] && pg_trust_localhost "$v"
  return 0
}

# Diagnostic only: warn when TCP connections as postgres need a password (server not installed by us).
check_postgres_login() {
  command -v psql >/dev/null 2>&1 || return 0
  local err
  if ! err=$(PGCONNECT_TIMEOUT=5 psql -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' 2>&1 >/dev/null); then
    log "WARNING: PostgreSQL answers but 'psql -h $PG_HOST -U postgres' fails: $err"
    log "         add 'host all all 127.0.0.1/32 trust' to pg_hba.conf (or set PGPASSWORD) for the tests"
  fi
}

nats_answers() { nats_probe; [ $? -eq 0 ]; }

ensure_nats() {
  nats_probe
  case $? in
    0) return 0 ;;
    2) die "NATS answers on $NATS_HOST:$NATS_PORT but JetStream is off; it is shared, so it is not restarted here — restart it with -js" ;;
  esac
  if [ ! -x /usr/sbin/nats-server ]; then
    apt_install nats-server
  fi
  log "starting nats-server with JetStream"
  as_root mkdir -p "$NATS_STORE"
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$NATS_STORE" -l "$NATS_LOG" \
    || die "start-stop-daemon could not start nats-server"
  wait_for "NATS on $NATS_HOST:$NATS_PORT" nats_answers \
    || die "NATS with JetStream does not answer on $NATS_HOST:$NATS_PORT after ${TIMEOUT}s (see $NATS_LOG)"
}

# The console's browser tests drive Debian's chromium (nothing downloads a browser); a CJK font so that
# the Chinese console renders as text, not boxes, in its screenshots.
ensure_browser() {
  command -v chromium >/dev/null 2>&1 || apt_install chromium fonts-wqy-zenhei
  # chromium brings fontconfig; a machine that had chromium without a Chinese font gets one.
  if command -v fc-list >/dev/null 2>&1 && ! fc-list :lang=zh 2>/dev/null | grep -q .; then apt_install fonts-wqy-zenhei; fi
  return 0
}

# The scale-out test puts Debian's haproxy in front of two api and two gateway processes; it is only
# installed here, never started as a service (the test runs its own on a free port).
ensure_haproxy() {
  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || apt_install haproxy
  return 0
}

# The warnings' CAP 1.2 messages are validated against the OASIS schema with libxml2's xmllint (issue 21).
ensure_xmllint() {
  command -v xmllint >/dev/null 2>&1 || apt_install libxml2-utils
  return 0
}

main() {
  ensure_postgres
  check_postgres_login
  ensure_nats
  ensure_browser
  ensure_haproxy
  ensure_xmllint
}

# Sourcing the file (tests) defines the functions without running anything.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
