#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: installs Debian's postgresql when it is
# missing, starts a private cluster on a unix socket, exports DATABASE_URL, then removes it all.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

WORKDIR="$(mktemp -d /tmp/ccg-postgres.XXXXXX)"
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$WORKDIR"
  RUN_AS=(runuser -u postgres --)
fi

cleanup() {
  "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$WORKDIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORKDIR"
}
trap cleanup EXIT

"${RUN_AS[@]}" "$PGBIN/initdb" -D "$WORKDIR/data" -U ccg --auth=trust -E UTF8 >/dev/null
"${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$WORKDIR/data" -l "$WORKDIR/server.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories='$WORKDIR' -c fsync=off" start >/dev/null
"${RUN_AS[@]}" "$PGBIN/createdb" -h "$WORKDIR" -U ccg ccg

export DATABASE_URL="postgres://ccg@/ccg?host=$WORKDIR"
"$@"
