#!/usr/bin/env bash
# The expiry sweep at scale (issue 17): a SQLite database of 1,000,000 pending requests of which
# 10,000 are past their time; how long the sweep that marks them takes (the server logs it), and
# the received list under load while it runs compared with a window without it.
#
#   bench/sweep.sh [path/to/dealnest]      # default: target/release/dealnest
set -euo pipefail
bin=${1:-target/release/dealnest}
dir=$(mktemp -d)
trap 'kill ${server:-0} 2>/dev/null || true; rm -rf "$dir"' EXIT
db="$dir/sweep.db"
export DATABASE_URL="sqlite://$db" DEALNEST_JWT_SECRET=bench-secret-that-is-long-enough-to-use
"$bin" seed --users 100000 --requests 1000000 --partnerships 0 >/dev/null
for id in $(seq 1 200); do "$bin" token --user "$id"; done >"$dir/tokens.txt"

port=18417
DEALNEST_BIND=127.0.0.1:$port DEALNEST_RATE_LIMIT=0 DEALNEST_READ_RATE_LIMIT=0 RUST_LOG=info \
  taskset -c 0 "$bin" >"$dir/server.log" 2>&1 &
server=$!
start=$(date +%s)
sleep 2
# 10,000 requests (one in a hundred) past their time; the sweep at start found none.
now_ms=$(($(date +%s) * 1000))
sqlite3 "$db" "pragma busy_timeout = 5000; update partner_requests set expires_at = $now_ms - 1000 \
               where request_id % 100 = 0 and status = 'pending'"
echo "due: $(sqlite3 "$db" "select count(*) from partner_requests where status = 'pending' and expires_at <= $now_ms")"
# The next sweep runs 60 s after start: one window of 10 s around it, one after it.
sleep $((start + 55 - $(date +%s)))
BENCH_DIR=$dir BENCH_SRC=bench taskset -c 1 wrk -t1 -c8 -d10s --latency -s bench/received.lua \
  "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|99%" | sed 's/^/with the sweep:    /'
BENCH_DIR=$dir BENCH_SRC=bench taskset -c 1 wrk -t1 -c8 -d10s --latency -s bench/received.lua \
  "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|99%" | sed 's/^/without the sweep: /'
grep "request lifecycle swept" "$dir/server.log" || echo "no sweep logged"
echo "left due: $(sqlite3 "$db" "select count(*) from partner_requests where status = 'pending' and expires_at <= $now_ms")"
sqlite3 "$db" "explain query plan select request_id from partner_requests \
               where status = 'pending' and expires_at <= 1 order by expires_at limit 500"
