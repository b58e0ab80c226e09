#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust for user postgres, database `test`) and Redis
# (127.0.0.1:6379) answer, as the storage tests need; installs and starts only what is missing.
set -euo pipefail

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$@"
}

postgres_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if postgres_up; then
  echo "postgresql: running"
else
  echo "postgresql: not answering, installing and starting it"
  dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed" || apt_install postgresql
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! $sudo grep -qE '^host\s+all\s+postgres\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    # First match wins in pg_hba.conf, so the trust line goes on top.
    $sudo sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
  postgres_up || { echo "postgresql: did not start" >&2; exit 1; }
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" \
  | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
fi

if redis_up; then
  echo "redis: running"
else
  echo "redis: not answering, installing and starting it"
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
  redis_up || { echo "redis: did not start" >&2; exit 1; }
fi
