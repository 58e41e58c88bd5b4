#!/usr/bin/env bash
# The benchmark of issue 7: seeds a fresh SQLite database through the store (`dealnest seed`),
# serves it from the release build pinned to CPU 0, and drives each workload with wrk pinned to
# CPU 1 (one thread, 32 connections, 10 s). Prints requests/s, p50/p99 latency, non-2xx
# responses, and the server's peak RSS and CPU seconds, per workload.
#
#   bench/run.sh                  # 2,000 users, 20,000 pending requests, 6,000 partnerships
#   bench/run.sh --large          # also 1,000,000 requests (lists) and 1,000,000 users (search)
#   bench/run.sh --only received,search --no-build
#
# The `ceiling` workload serves two of the routes from memory with a bare axum server
# (benches/ceiling.rs): the machine's ceiling for HTTP + JSON on one core, so the real figures
# can be read as fractions of it on any instance, fast or slow.
#
# Environment: BENCH_DURATION (default 10s), BENCH_CONNECTIONS (32), BENCH_PORT (18004), BENCH_BIN
# (another build of the server, e.g. one with frame pointers for profiles; implies --no-build);
# BENCH_PROFILE=<dir> records the server with `perf` during each run and writes <dir>/<workload>.txt
# (the hottest symbols, self time).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${BENCH_BIN:-$root/target/release/dealnest}
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
port=${BENCH_PORT:-18004}
large=0
build=1
only="ceiling,received,received10,partnerships,search,selective,dashboard,dashboard-cold,write,mixed"
while [ $# -gt 0 ]; do
  case "$1" in
    --large) large=1 ;;
    --no-build) build=0 ;;
    --only) only=$2; shift ;;
    *) echo "usage: $0 [--large] [--no-build] [--only w1,w2]" >&2; exit 2 ;;
  esac
  shift
done

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get install -y wrk >/dev/null || sudo apt-get install -y wrk >/dev/null; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 2; }
if [ "$build" = 1 ] && [ -z "${BENCH_BIN:-}" ]; then (cd "$root" && cargo build --release --quiet); fi
server_cmd=("$bin" serve)
ceiling_cmd=()
if [[ ",$only," == *",ceiling,"* ]]; then
  # `cargo bench --no-run` builds it (release settings) and names the executable.
  ceiling_bin=$(cd "$root" && cargo bench --bench ceiling --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -n 1)
  [ -x "$root/$ceiling_bin" ] || { echo "could not build benches/ceiling.rs" >&2; exit 1; }
  ceiling_cmd=("$root/$ceiling_bin" "127.0.0.1:$port")
fi

# The server gets CPU 0 and wrk CPU 1 when there are two; on one core both share it.
if [ "$(nproc)" -ge 2 ]; then server_cpu=(taskset -c 0); client_cpu=(taskset -c 1); else server_cpu=(); client_cpu=(); fi

work=$(mktemp -d /tmp/dealnest-bench.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DEALNEST_JWT_SECRET=bench-secret-bench-secret-bench
export DEALNEST_RATE_LIMIT=0 DEALNEST_READ_RATE_LIMIT=0 DEALNEST_DAILY_REQUEST_QUOTA=0 DEALNEST_NEW_USER_REQUEST_QUOTA=0
export BENCH_SRC="$here" BENCH_DIR="$work"
base="http://127.0.0.1:$port"

start_server() {
  "${server_cpu[@]}" env DATABASE_URL="sqlite://$work/bench.db" DEALNEST_BIND="127.0.0.1:$port" \
    RUST_LOG="${RUST_LOG:-warn}" "${server_cmd[@]}" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "the server did not become ready; its log:" >&2; cat "$work/server.log" >&2; exit 1
}

stop_server() {
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

# utime + stime of the server, in seconds.
cpu_seconds() {
  local ticks; ticks=$(getconf CLK_TCK)
  awk -v t="$ticks" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$server_pid/stat"
}

peak_rss_mb() {
  awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"
}

# wrk prints latencies as 850.00us, 1.20ms or 1.05s; in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.0f", v * 1000 } }'
}

# Fresh database with the given shape, plus tokens, session cookies and search terms.
prepare() {
  local users=$1 requests=$2 partnerships=$3
  rm -f "$work"/bench.db* "$work/server.log"
  "$bin" seed --database-url "sqlite://$work/bench.db" --users "$users" --requests "$requests" \
    --partnerships "$partnerships" >&2
  seeded_users=$users
  # Distances the seed used (requests, then partnerships): the write cycle starts past them.
  export BENCH_FREE_DISTANCE=$(( (requests + users - 1) / users + (partnerships + users - 1) / users + 1 ))
  # Users the load rotates over: at most 2,000 (a token each).
  local actors=$(( users < 2000 ? users : 2000 ))
  : >"$work/tokens.txt"
  for id in $(seq 1 "$actors"); do "$bin" token --user "$id" --hours 4 >>"$work/tokens.txt"; done
  # Broad terms: a first or last name fragment, matching about 1 user in 20 to 26.
  printf '%s\n' ali mart nguy son okafor walsh fisch moreau kim lars silva rossi tanak haddad \
    dubois jens costa murph schmi grace ivan judy 123 e.k >"$work/terms.txt"
  # Selective terms, as someone looking for one person types them: a last name and the first
  # digits of the number in the seeded names ("kim 4711" matches a handful of users).
  awk -v n="$users" 'BEGIN {
    split("martin okafor nguyen fischer walsh moreau kim larsen silva novak rossi tanaka haddad kowalski dubois jensen ibrahim costa murphy schmidt", last, " ")
    srand(7); for (k = 0; k < 24; k++) { i = int(rand() * n); printf "%s%%20%d\n", last[int(i / 26) % 20 + 1], i } }' >"$work/selective.txt"
  start_server
  : >"$work/cookies.txt"
  for id in $(seq 1 $(( actors < 500 ? actors : 500 ))); do
    cookie=$(curl -s -o /dev/null -D - -X POST "$base/session" -H "Origin: $base" --data "user_id=$id" |
      awk 'tolower($1) == "set-cookie:" { split($2, c, ";"); print c[1] }')
    [ -n "$cookie" ] || { echo "sign-in of user $id gave no cookie" >&2; exit 1; }
    echo "$id $cookie" >>"$work/cookies.txt"
  done
  stop_server
}

# CPU µs/req (server CPU time per request) is the figure least moved by other load on the machine.
printf '%-34s %10s %9s %9s %8s %9s %7s %9s\n' workload "req/s" "p50 ms" "p99 ms" non-2xx "RSS MB" "CPU s" "CPU us/req"
run() {
  local label=$1 script=$2
  start_server
  local cpu0; cpu0=$(cpu_seconds)
  local perf_pid=""
  if [ -n "${BENCH_PROFILE:-}" ]; then
    mkdir -p "$BENCH_PROFILE"
    perf record -q -F 999 -g -p "$server_pid" -o "$BENCH_PROFILE/${script%.lua}.data" 2>/dev/null &
    perf_pid=$!
  fi
  local out; out=$("${client_cpu[@]}" wrk -t1 -c"$connections" -d"$duration" --latency -s "$here/$script" "$base")
  local cpu1; cpu1=$(cpu_seconds)
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
    perf report -q --no-children --stdio -g none --percent-limit 0.7 -i "$BENCH_PROFILE/${script%.lua}.data" \
      2>/dev/null | grep -v '^$' >"$BENCH_PROFILE/${script%.lua}.txt" || true
  fi
  local rps p50 p99 errors total
  total=$(awk '/requests in/ { print $1 }' <<<"$out")
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  errors=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
  local socket; socket=$(awk '/Socket errors:/ { $1 = $2 = ""; print }' <<<"$out")
  local cpu; cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')
  printf '%-34s %10s %9s %9s %8s %9s %7.2f %9.1f%s\n' "$label" "$rps" "$p50" "$p99" "${errors:-0}" "$(peak_rss_mb)" \
    "$cpu" "$(awk -v c="$cpu" -v n="$total" 'BEGIN { print c * 1e6 / n }')" "${socket:+  socket errors:$socket}"
  stop_server
}

wanted() { [[ ",$only," == *",$1,"* ]]; }

run_set() {
  local tag=$1
  if wanted ceiling; then
    server_cmd=("${ceiling_cmd[@]}")
    run "ceiling: JSON list from memory" received.lua
    run "ceiling: 60 kB page from memory" dashboard.lua
    server_cmd=("$bin" serve)
  fi
  wanted received && run "received list$tag" received.lua
  # Ten per page: what a user of the standard data set has (20,000 / 2,000), so the large data
  # set's figure compares the same response, not one twice as long.
  wanted received10 && BENCH_QUERY="?size=10" run "received list, size=10$tag" received.lua
  wanted partnerships && run "partnerships list$tag" partnerships.lua
  wanted search && run "user search$tag" search.lua
  wanted selective && BENCH_TERMS=selective.txt run "user search, selective$tag" search.lua
  wanted dashboard && run "dashboard HTML$tag" dashboard.lua
  # The same pages with nothing kept between views: what a view costs after each change.
  wanted dashboard-cold && DEALNEST_DASHBOARD_CACHE=0 run "dashboard HTML, nothing kept$tag" dashboard.lua
  wanted write && run "create+accept$tag" write.lua
  # Past every pair the write run used.
  wanted mixed && BENCH_WRITE_OFFSET=$(( seeded_users * 100 )) run "mixed 90/10$tag" mixed.lua
  return 0
}

prepare 2000 20000 6000
run_set ""
if [ "$large" = 1 ]; then
  prepare 2000 1000000 6000
  only=$(tr , '\n' <<<"$only" | grep -E '^(received|received10|partnerships|dashboard|dashboard-cold)$' | paste -sd, -) run_set " (1M requests)"
  prepare 1000000 20000 6000
  only=$(tr , '\n' <<<"$only" | grep -E '^(search|selective)$' | paste -sd, -) run_set " (1M users)"
fi
