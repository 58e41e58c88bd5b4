#!/usr/bin/env bash
# Runs schemathesis against /api/openapi.json of a running release build: any 5xx, or a response
# that does not match the documented schema, fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/release/dealnest}

if ! command -v schemathesis >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check schemathesis
fi

dir=$(mktemp -d -t dealnest-st.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$dir/st.db" DEALNEST_BIND="127.0.0.1:$port"
export DEALNEST_JWT_SECRET=schemathesis-secret-0123456789 DEALNEST_RATE_LIMIT=0 DEALNEST_READ_RATE_LIMIT=0 \
    DEALNEST_DAILY_REQUEST_QUOTA=0 DEALNEST_NEW_USER_REQUEST_QUOTA=0
export RUST_LOG=warn
"$binary" serve >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

# Two users, so that ids 1 and 2 exist and the token's user can act.
for who in alice bob; do
    curl -fs -X POST "http://127.0.0.1:$port/api/v1/users" -H 'content-type: application/json' \
        -d "{\"email\": \"$who@example.com\", \"name\": \"$who\"}" >/dev/null
done
token=$("$binary" token --user 1)

schemathesis run "http://127.0.0.1:$port/api/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --header "Authorization: Bearer $token" \
    --max-examples 40 --workers 1 --seed 7 --generation-database none \
    --phases examples,coverage,fuzzing
if grep -q 'panicked' "$dir/server.log"; then
    echo "the server panicked:"; grep -A5 panicked "$dir/server.log"; exit 1
fi
