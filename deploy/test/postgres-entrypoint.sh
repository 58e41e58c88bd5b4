#!/bin/bash
# TEST ONLY: the stand-in PostgreSQL image's entry point (see postgres.Containerfile). Creates
# the database on first start, then runs the command as the postgres user.
set -euo pipefail

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

install -d -o postgres -g postgres -m 0700 "$PGDATA"
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?the stand-in needs POSTGRES_PASSWORD}"
    user=${POSTGRES_USER:-postgres}
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
    chown postgres "$password_file"
    as_postgres initdb --username="$user" --pwfile="$password_file" --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$password_file"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    if [ "${POSTGRES_DB:-$user}" != postgres ]; then
        # A server on the socket only, as the official image does while it initialises.
        as_postgres pg_ctl --wait --silent -o "-c listen_addresses=''" start
        as_postgres psql --quiet --username="$user" --dbname=postgres \
            --command="create database \"${POSTGRES_DB:-$user}\""
        as_postgres pg_ctl --wait --silent --mode=fast stop
    fi
fi

if [ "${1:-}" = postgres ]; then
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi
exec "$@"
