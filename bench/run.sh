#!/usr/bin/env bash
# The benchmark: seeds a fresh SQLite database through the store (`dealnest seed`),
# serves it from the release build pinned to CPU 0, and drives each workload with wrk pinned to
# CPU 1 (one thread, 32 connections, 10 s). Prints requests/s, p50/p99 latency, non-2xx
# responses, the server's RSS at the end of each workload and CPU µs per request.
#
# One server process serves all the workloads of a data set, in the order below, so later
# workloads run on what earlier ones left (caches, and the rows the `write` and `mixed`
# workloads add); a last line per data set gives that process's peak RSS (VmHWM) over the whole
# run. Two workloads run in processes of their own: `ceiling` (another program) and
# `dashboard-cold` (another setting, DEALNEST_DASHBOARD_CACHE_MB=0, on the next port while the
# main server waits).
#
#   bench/run.sh                  # 2,000 users, 20,000 pending requests, 6,000 partnerships
#   bench/run.sh --large          # also 1,000,000 requests (lists) and 1,000,000 users (search),
#                                 # and on both the worst-case requests of bench/worst.txt
#   bench/run.sh --only received,search --no-build
#   bench/run.sh --only worst     # the worst-case requests on the standard data set
#   bench/run.sh --skewed         # also 1,000,000 users, 3,000,000 partnerships and 5 hubs with
#                                 # 6,000 partners each (all the same users): suggestions,
#                                 # partners in common and the dashboard, for everyone and for
#                                 # the hubs alone (one connection: latency = server time)
#
# The `ceiling` workload serves two of the routes from memory with a bare axum server
# (benches/ceiling.rs): the machine's ceiling for HTTP + JSON on one core, so the real figures
# can be read as fractions of it on any instance, fast or slow.
#
# The `adversarial` workload (standard and 1,000,000-user data sets) measures cheap reads (the
# received list, 8 connections) alone, then again while 8 other connections loop the most
# expensive requests allowed (adversarial.lua) and a loop asks GET /healthz every 20 ms; it
# prints the cheap reads' p99 under attack over alone (target ≤ 3×) and /healthz's worst and p99
# time (target < 50 ms).
#
# The `worst` step (with --large, on each large data set, after the workloads; on the standard
# data set only when --only names it) times each request of bench/worst.txt BENCH_WORST_RUNS
# times (default 5; the first cold) with curl's time_starttransfer, prints them sorted by the
# slowest run, and the most expensive one against the 50 ms target.
#
# Environment: BENCH_DURATION (default 10s), BENCH_CONNECTIONS (32), BENCH_PORT (18004; the
# dashboard-cold server uses the next one), BENCH_BIN (another build of the server, e.g. one with
# frame pointers for profiles; implies --no-build), BENCH_WORST_RUNS (5);
# BENCH_PROFILE=<dir> records the server with `perf` during each workload and writes
# <dir>/<workload>.txt (the hottest symbols, self time). The rate limits are off unless
# BENCH_LIMITS=1 (on, far above any load: every request is checked, none refused) or
# BENCH_REDIS_URL=<url> (the same, counted in that Redis: DEALNEST_REDIS_URL).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${BENCH_BIN:-$root/target/release/dealnest}
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
port=${BENCH_PORT:-18004}
cold_port=$((port + 1))
worst_runs=${BENCH_WORST_RUNS:-5}
large=0
skewed=0
build=1
only="ceiling,received,received10,partnerships,search,selective,dashboard,dashboard-cold,suggestions,in-common,write,mixed,adversarial,worst"
only_given=0
while [ $# -gt 0 ]; do
  case "$1" in
    --large) large=1 ;;
    --skewed) skewed=1 ;;
    --no-build) build=0 ;;
    --only) only=$2; only_given=1; shift ;;
    *) echo "usage: $0 [--large] [--skewed] [--no-build] [--only w1,w2]" >&2; exit 2 ;;
  esac
  shift
done
known=",ceiling,received,received10,partnerships,search,selective,dashboard,dashboard-cold,suggestions,in-common,write,mixed,adversarial,worst,"
for w in ${only//,/ }; do
  [[ "$known" == *",$w,"* ]] || { echo "unknown workload '$w' (known: ${known:1:-1})" >&2; exit 2; }
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
# Every process this script starts in the background, so an interrupted run leaves none.
main_pid=""
background=()
cleanup() {
  local pid
  for pid in ${background[@]+"${background[@]}"} $main_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in ${background[@]+"${background[@]}"} $main_pid; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DEALNEST_JWT_SECRET=bench-secret-bench-secret-bench
limit=0
if [ "${BENCH_LIMITS:-0}" = 1 ] || [ -n "${BENCH_REDIS_URL:-}" ]; then limit=100000000; fi
export DEALNEST_RATE_LIMIT=$limit DEALNEST_READ_RATE_LIMIT=$limit DEALNEST_DAILY_REQUEST_QUOTA=0 DEALNEST_NEW_USER_REQUEST_QUOTA=0
if [ -n "${BENCH_REDIS_URL:-}" ]; then
  export DEALNEST_REDIS_URL=$BENCH_REDIS_URL DEALNEST_REDIS_PREFIX=dealnest-bench-$$
fi
export BENCH_SRC="$here" BENCH_DIR="$work"
base="http://127.0.0.1:$port"

# launch <port> [VAR=value …] -- <command …>: starts a server pinned to CPU 0, waits until it
# answers /readyz, and leaves its pid in $launched.
launched=""
launch() {
  local at=$1; shift
  local settings=()
  while [ "$1" != "--" ]; do settings+=("$1"); shift; done
  shift
  "${server_cpu[@]}" env DATABASE_URL="sqlite://$work/bench.db" DEALNEST_BIND="127.0.0.1:$at" \
    RUST_LOG="${RUST_LOG:-warn}" ${settings[@]+"${settings[@]}"} "$@" >>"$work/server.log" 2>&1 &
  launched=$!
  background+=("$launched")
  for _ in $(seq 1 200); do
    curl -fs "http://127.0.0.1:$at/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$launched" 2>/dev/null || break
    sleep 0.05
  done
  echo "the server did not become ready; its log:" >&2; cat "$work/server.log" >&2; exit 1
}

halt() {
  kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true
  forget "$1"
}

# Takes a finished process off the cleanup's list.
forget() {
  local kept=() pid
  for pid in ${background[@]+"${background[@]}"}; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  background=(${kept[@]+"${kept[@]}"})
}

# utime + stime of a process, in seconds.
cpu_seconds() {
  local ticks; ticks=$(getconf CLK_TCK)
  awk -v t="$ticks" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"
}

# Resident memory now (VmRSS) and the peak since the process started (VmHWM), in MB.
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
peak_rss_mb() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Waits (at most 10 s) until the server has used no CPU for a quarter of a second: work left
# over from the last workload (notifications to deliver after writes) is not counted in the next.
settle() {
  local before after
  for _ in $(seq 1 40); do
    before=$(awk '{ print $14 + $15 }' "/proc/$1/stat"); sleep 0.25
    after=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
    [ "$((after - before))" -le 1 ] && return 0
  done
}

# wrk prints latencies as 850.00us, 1.20ms or 1.05s; in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.0f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.0f", v * 1000 } }'
}

# Reads wrk's output into w_total, w_rps, w_p50, w_p99 (ms), w_errors (non-2xx), w_socket.
parse_wrk() {
  local out=$1
  w_total=$(awk '/requests in/ { print $1 }' <<<"$out")
  w_rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  w_p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  w_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  w_errors=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
  w_errors=${w_errors:-0}
  w_socket=$(awk '/Socket errors:/ { $1 = $2 = ""; print }' <<<"$out")
}

# Fresh database with the given shape, plus tokens, session cookies and search terms.
prepare() {
  local users=$1 requests=$2 partnerships=$3; shift 3
  rm -f "$work"/bench.db* "$work/server.log"
  # Further arguments go to the seed (--hubs, --hub-partners).
  "$bin" seed --database-url "sqlite://$work/bench.db" --users "$users" --requests "$requests" \
    --partnerships "$partnerships" "$@" >&2
  seeded_users=$users
  # Distances the seed used (requests, then partnerships): the write cycle starts past them.
  export BENCH_FREE_DISTANCE=$(( (requests + users - 1) / users + (partnerships + users - 1) / users + 1 ))
  # Users the load rotates over: at most 2,000 (a token each).
  actors=$(( users < 2000 ? users : 2000 ))
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
  # Sign-ins go through a server of their own, stopped before the measured one starts.
  launch "$port" -- "${server_cmd[@]}"
  local signin_pid=$launched
  : >"$work/cookies.txt"
  for id in $(seq 1 $(( actors < 500 ? actors : 500 ))); do
    echo "$id $(sign_in "$id")" >>"$work/cookies.txt"
  done
  halt "$signin_pid"
}

# The session cookie (name=value) of user $1, signed in through the pages.
sign_in() {
  local cookie
  cookie=$(curl -s -o /dev/null -D - -X POST "$base/session" -H "Origin: $base" --data "user_id=$1" |
    awk 'tolower($1) == "set-cookie:" { split($2, c, ";"); print c[1] }')
  [ -n "$cookie" ] || { echo "sign-in of user $1 gave no cookie" >&2; exit 1; }
  echo "$cookie"
}

# CPU µs/req (server CPU time per request) is the figure least moved by other load on the machine.
# RSS MB is the server's resident memory at the end of the workload, peak MB its VmHWM so far.
row_format='%-52s %10s %9s %9s %8s %8s %8s %7s %9s%s\n'
header() {
  printf "$row_format" workload "req/s" "p50 ms" "p99 ms" non-2xx "RSS MB" "peak MB" "CPU s" "CPU us/req" ""
}

# run <label> <script> [pid [url]]: one wrk run against the server (the data set's main server
# unless another is named); prints its row, with the RSS the server has at the end of it.
run() {
  local label=$1 script=$2 pid=${3:-$main_pid} url=${4:-$base} note=${5:-}
  settle "$pid"
  local cpu0; cpu0=$(cpu_seconds "$pid")
  local name; name=$(slug "$label")
  profile_start "$pid" "$name"
  local out; out=$("${client_cpu[@]}" wrk -t1 -c"$connections" -d"$duration" --latency -s "$here/$script" "$url")
  local cpu1; cpu1=$(cpu_seconds "$pid")
  profile_stop "$name"
  parse_wrk "$out"
  local cpu; cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')
  printf "$row_format" "$label" "$w_rps" "$w_p50" "$w_p99" "$w_errors" "$(rss_mb "$pid")" "$(peak_rss_mb "$pid")" \
    "$(printf %.2f "$cpu")" "$(awk -v c="$cpu" -v n="$w_total" 'BEGIN { printf "%.1f", c * 1e6 / n }')" \
    "$note${w_socket:+  socket errors:$w_socket}"
}

# A workload's label as a file name: "user search, selective (1M users)" → user-search-selective-1M-users.
slug() { tr -cs 'A-Za-z0-9' '-' <<<"$1" | sed 's/^-//; s/-$//'; }

# With BENCH_PROFILE, `perf record` of the server during a workload: <dir>/<name>.data, and the
# hottest symbols (self time) in <dir>/<name>.txt.
perf_pid=""
profile_start() {
  [ -n "${BENCH_PROFILE:-}" ] || return 0
  mkdir -p "$BENCH_PROFILE"
  perf record -q -F 999 -g -p "$1" -o "$BENCH_PROFILE/$2.data" >/dev/null 2>&1 &
  perf_pid=$!; background+=("$perf_pid")
}
profile_stop() {
  [ -n "$perf_pid" ] || return 0
  kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true
  forget "$perf_pid"; perf_pid=""
  perf report -q --no-children --stdio -g none --percent-limit 0.7 -i "$BENCH_PROFILE/$1.data" \
    2>/dev/null | grep -v '^$' >"$BENCH_PROFILE/$1.txt" || true
}

# A run of its own process (ceiling, dashboard-cold), started for it and stopped after it: its
# RSS figures are its own.
run_alone() {
  local label=$1 script=$2 at=$3; shift 3
  launch "$at" "$@"
  local pid=$launched
  run "$label" "$script" "$pid" "http://127.0.0.1:$at" "  (own process)"
  halt "$pid"
}

# The adversarial workload: cheap reads alone, then the same cheap reads beside 8 connections of
# the most expensive requests and a /healthz probe every 20 ms (every client on CPU 1).
adversarial() {
  local tag=$1 pid=$main_pid d=$duration
  local alone_p99 attack_p99 expensive_rps healthz
  # Alone: the same 8 connections and duration as under attack.
  connections=8 run "adversarial: cheap reads alone, 8 conn$tag" received.lua
  alone_p99=$w_p99
  settle "$pid"
  local cpu0; cpu0=$(cpu_seconds "$pid")
  profile_start "$pid" "$(slug "adversarial$tag")"
  rm -f "$work/healthz.stop" "$work/healthz.txt"
  # The probe: a new connection each time, as a load balancer's health check makes. Raised in
  # priority where allowed, so the wrk processes on the same CPU delay it less.
  local nice=(); nice -n -5 true 2>/dev/null && nice=(nice -n -5)
  # Probes start on a 20 ms beat (one is skipped when the one before took longer).
  "${client_cpu[@]}" ${nice[@]+"${nice[@]}"} bash -c '
    next=${EPOCHREALTIME//[^0-9]/}
    while [ ! -e "$1/healthz.stop" ]; do
      curl -s -o /dev/null -w "%{http_code} %{time_total}\n" "$2/healthz" >>"$1/healthz.txt"
      now=${EPOCHREALTIME//[^0-9]/}
      while [ "$next" -le "$now" ]; do next=$((next + 20000)); done
      sleep "$(printf "0.%06d" $((next - now)))"
    done' healthz "$work" "$base" &
  local probe=$!; background+=("$probe")
  "${client_cpu[@]}" wrk -t1 -c8 -d"$d" --timeout 10s --latency -s "$here/adversarial.lua" "$base" >"$work/attack.txt" &
  local attacker=$!; background+=("$attacker")
  local cheap; cheap=$("${client_cpu[@]}" wrk -t1 -c8 -d"$d" --latency -s "$here/received.lua" "$base")
  wait "$attacker"; forget "$attacker"
  touch "$work/healthz.stop"; wait "$probe"; forget "$probe"
  local cpu1; cpu1=$(cpu_seconds "$pid")
  profile_stop "$(slug "adversarial$tag")"
  local cpu; cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')
  parse_wrk "$(cat "$work/attack.txt")"
  local attack_total=$w_total expensive_p99=$w_p99
  expensive_rps=$w_rps
  local attack_row=("$w_rps" "$w_p50" "$w_p99" "$w_errors" "${w_socket:+  socket errors:$w_socket}")
  parse_wrk "$cheap"
  attack_p99=$w_p99
  local all=$((attack_total + w_total))
  local per; per=$(awk -v c="$cpu" -v n="$all" 'BEGIN { printf "%.1f", c * 1e6 / n }')
  printf "$row_format" "adversarial: cheap reads under attack$tag" "$w_rps" "$w_p50" "$w_p99" "$w_errors" \
    "$(rss_mb "$pid")" "$(peak_rss_mb "$pid")" "$(printf %.2f "$cpu")" "$per" "  (CPU: both kinds together)${w_socket:+  socket errors:$w_socket}"
  printf "$row_format" "adversarial: expensive requests, 8 conn$tag" "${attack_row[0]}" "${attack_row[1]}" \
    "${attack_row[2]}" "${attack_row[3]}" "" "" "" "" "${attack_row[4]}"
  # /healthz: count, p99 and worst in ms; answers other than 200 counted.
  healthz=$(sort -k2 -g "$work/healthz.txt" | awk '
    { t[NR] = $2 * 1000; if ($1 != 200) bad++ }
    END { if (NR == 0) { print "0 - - 0"; exit }
          i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
          printf "%d %.1f %.1f %d\n", NR, t[i], t[NR], bad + 0 }')
  read -r h_n h_p99 h_max h_bad <<<"$healthz"
  awk -v a="$alone_p99" -v b="$attack_p99" -v e="$expensive_rps" -v ep="$expensive_p99" \
      -v n="$h_n" -v p="$h_p99" -v m="$h_max" -v bad="$h_bad" 'BEGIN {
    r = (a > 0) ? b / a : 0
    printf "  under attack: cheap reads p99 %.2f ms vs %.2f ms alone = %.2fx (target <= 3x: %s); expensive requests %d/s (p99 %s ms)\n",
      b, a, r, (r <= 3 ? "met" : "MISSED"), e, ep
    printf "  /healthz every 20 ms during the attack: %d probes, p99 %s ms, worst %s ms (target always < 50 ms: %s)%s\n",
      n, p, m, (n > 0 && m < 50 ? "met" : "MISSED"), (bad > 0 ? sprintf(", %d not 200", bad) : "") }'
  # The expensive requests refused (adversarial.lua names them): none are expected.
  sed -n 's/^refused: /  expensive requests refused: /p' "$work/attack.txt"
}

# The worst-case requests of bench/worst.txt, each $worst_runs times, sorted by the slowest run.
worst() {
  local tag=$1 heavy=1 last=$seeded_users
  echo "worst-case requests$tag ($worst_runs runs each, the first cold; server time = curl time_starttransfer on loopback):"
  give_many_rows "$heavy"
  # A user added makes every kept search and dashboard stale: each line's first run is cold.
  curl -s -o /dev/null -X POST "$base/api/v1/users" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-cold-$RANDOM$RANDOM@example.org\",\"name\":\"Bench Cold\"}"
  declare -A tokens=() cookies=()
  local label method auth path user kind headers times
  : >"$work/worst.out"
  while read -r label method auth path; do
    case "$label" in ''|'#'*) continue ;; esac
    kind=${auth%%:*}; user=${auth#*:}
    case "$user" in heavy) user=$heavy ;; last) user=$last ;; esac
    path=${path//\{me\}/$user}; path=${path//\{heavy\}/$heavy}; path=${path//\{last\}/$last}
    headers=()
    case "$kind" in
      none) ;;
      token)
        [ -n "${tokens[$user]:-}" ] || tokens[$user]=$("$bin" token --user "$user" --hours 4)
        headers=(-H "Authorization: Bearer ${tokens[$user]}") ;;
      cookie|htmx)
        [ -n "${cookies[$user]:-}" ] || cookies[$user]=$(sign_in "$user")
        headers=(-H "Cookie: ${cookies[$user]}")
        [ "$kind" = htmx ] && headers+=(-H "HX-Request: true") ;;
      *) echo "worst.txt: unknown auth '$auth' in line '$label'" >&2; exit 1 ;;
    esac
    times=()
    local codes="" code t
    for _ in $(seq 1 "$worst_runs"); do
      read -r code t < <("${client_cpu[@]}" curl -s -o /dev/null -X "$method" ${headers[@]+"${headers[@]}"} \
        -w '%{http_code} %{time_starttransfer}\n' "$base$path")
      times+=("$t")
      [[ ",$codes," == *",$code,"* ]] || codes="${codes:+$codes,}$code"
    done
    printf '%s\n' "${times[@]}" | sort -g | awk -v l="$label" -v a="$auth" -v p="$path" -v c="$codes" -v first="${times[0]}" '
      { t[NR] = $1 * 1000 }
      END { printf "%s\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\n", l, t[NR], t[int((NR + 1) / 2)], first * 1000, c, a, p }' >>"$work/worst.out"
  done <"$here/worst.txt"
  sort -t $'\t' -k2,2 -g -r "$work/worst.out" | awk -F '\t' '
    BEGIN { printf "  %-32s %8s %8s %8s %6s  %-13s %s\n", "label", "max ms", "median", "first", "status", "auth", "path" }
    { printf "  %-32s %8s %8s %8s %6s  %-13s %s\n", $1, $2, $3, $4, $5, $6, $7 }
    NR == 1 { top = sprintf("most expensive: %s %s %s ms (target ≤ 50 ms)", $1, $7, $2) }
    END { print top }'
  echo "  server RSS after them: $(rss_mb "$main_pid") MB (peak so far $(peak_rss_mb "$main_pid") MB)"
}

# Gives user $1 many rows: every other user with a token sends them a request (received rows and
# notifications), and they accept every other one (partnerships). Sends refused because the two
# already have a request or a partnership are skipped. One curl process, one connection.
give_many_rows() {
  local user=$1
  local token; token=$(sed -n "${user}p" "$work/tokens.txt")
  awk -v base="$base" -v user="$user" 'NR != user {
      if (n++) print "next"
      printf "url = \"%s/api/v1/partner-requests\"\nrequest = \"POST\"\n", base
      printf "header = \"Authorization: Bearer %s\"\nheader = \"Content-Type: application/json\"\n", $1
      printf "data = \"{\\\"recipient_id\\\":%d}\"\nwrite-out = \" %%{http_code}\\n\"\n", user }' \
    "$work/tokens.txt" >"$work/sends.cfg"
  curl -s -K "$work/sends.cfg" >"$work/sends.out" || true
  # The requests made (201), every other one accepted by the recipient.
  awk '$NF == 201 { if (match($0, /"request_id":[0-9]+/)) print substr($0, RSTART + 13, RLENGTH - 13) }' \
    "$work/sends.out" >"$work/sent.ids"
  awk -v base="$base" -v token="$token" 'NR % 2 == 1 {
      if (n++) print "next"
      printf "url = \"%s/api/v1/partner-requests/%s/respond\"\nrequest = \"POST\"\n", base, $1
      printf "header = \"Authorization: Bearer %s\"\nheader = \"Content-Type: application/json\"\n", token
      printf "data = \"{\\\"action\\\":\\\"accept\\\"}\"\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code}\\n\"\n" }' \
    "$work/sent.ids" >"$work/accepts.cfg"
  local accepted=0
  if [ -s "$work/accepts.cfg" ]; then
    accepted=$(curl -s -K "$work/accepts.cfg" | grep -c '^200$' || true)
  fi
  local totals="" list
  for list in "partner-requests/received/$user" "partner-requests/sent/$user" "users/$user/partnerships" "users/$user/notifications"; do
    totals+="$(curl -s "$base/api/v1/$list?size=1" -H "Authorization: Bearer $token" | grep -o '"total":[0-9]*' | cut -d: -f2) "
  done
  local r s p n; read -r r s p n <<<"$totals"
  echo "  user $user (heavy): $r received, $s sent, $p partnerships, $n notifications (after $(wc -l <"$work/sent.ids") requests sent to them, $accepted accepted)"
}

wanted() { [[ ",$only," == *",$1,"* ]]; }

run_set() {
  local tag=$1
  if wanted ceiling; then
    run_alone "ceiling: JSON list from memory" received.lua "$port" -- "${ceiling_cmd[@]}"
    run_alone "ceiling: 60 kB page from memory" dashboard.lua "$port" -- "${ceiling_cmd[@]}"
  fi
  [ -n "$(tr , '\n' <<<"$only" | grep -vx ceiling)" ] || return 0
  # One process for every other workload of this data set, in this order. Each runs on what the
  # ones before it left: the kept searches and dashboards (each workload still starts its own
  # entries: the dashboard run warms its own, as it did in a fresh process, since the lists run
  # before it view no page), and from `write` on the rows the cycle adds. `write` and `mixed`
  # stay after every read-only workload so the reads see the seeded data only, as in the
  # rounds before; `adversarial` comes after them, so its hundreds of searches cannot evict
  # entries another workload measures; `worst` last, as it adds rows and a user.
  launch "$port" -- "${server_cmd[@]}"
  main_pid=$launched
  wanted received && run "received list$tag" received.lua
  # Ten per page: what a user of the standard data set has (20,000 / 2,000), so the large data
  # set's figure compares the same response, not one twice as long.
  wanted received10 && BENCH_QUERY="?size=10" run "received list, size=10$tag" received.lua
  wanted partnerships && run "partnerships list$tag" partnerships.lua
  wanted search && run "user search$tag" search.lua
  wanted selective && BENCH_TERMS=selective.txt run "user search, selective$tag" search.lua
  wanted dashboard && run "dashboard HTML$tag" dashboard.lua
  # The same pages with nothing kept between views: what a view costs after each change. A
  # process of its own (the setting is read at start), on the next port; the main one waits.
  wanted dashboard-cold && run_alone "dashboard HTML, nothing kept$tag" dashboard.lua "$cold_port" \
    DEALNEST_DASHBOARD_CACHE_MB=0 -- "${server_cmd[@]}"
  # Every user in turn; on the skewed data set, then the best-connected alone, one connection at
  # a time, so a request's latency is its server time (hub 1 asks about hub 2: 6,000 partners
  # each, all shared).
  wanted suggestions && run "suggestions$tag" suggestions.lua
  wanted in-common && run "partners in common$tag" in_common.lua
  if [ "$skewed_set" = 1 ]; then
    wanted suggestions && connections=1 BENCH_HUB_EVERY=1 run "suggestions, hub only, 1 conn$tag" suggestions.lua
    wanted in-common && connections=1 BENCH_HUB_EVERY=1 run "partners in common, hubs only, 1 conn$tag" in_common.lua
  fi
  wanted write && run "create+accept$tag" write.lua
  # Past every pair the write run used.
  wanted mixed && BENCH_WRITE_OFFSET=$(( seeded_users * 100 )) run "mixed 90/10$tag" mixed.lua
  wanted adversarial && adversarial "$tag"
  wanted worst && worst "$tag"
  echo "peak RSS of the server$tag: $(peak_rss_mb "$main_pid") MB (VmHWM: one process, from its start to the end of the data set)"
  halt "$main_pid"; main_pid=""
  return 0
}

# keep <workload…>: the workloads of $only among those named, comma-separated.
keep() { tr , '\n' <<<"$only" | grep -xF -f <(printf '%s\n' "$@") | paste -sd, -; }

header
skewed_set=0
prepare 2000 20000 6000
# `worst` runs on the large data sets; on the standard one only when asked for by name.
if [ "$only_given" = 1 ]; then run_set ""; else only=$(tr , '\n' <<<"$only" | grep -vx worst | paste -sd, -) run_set ""; fi
if [ "$large" = 1 ]; then
  prepare 2000 1000000 6000
  only=$(keep received received10 partnerships dashboard dashboard-cold worst) run_set " (1M requests)"
  prepare 1000000 20000 6000
  only=$(keep search selective adversarial worst) run_set " (1M users)"
fi
if [ "$skewed" = 1 ]; then
  prepare 1000000 20000 3000000 --hubs 5 --hub-partners 6000
  skewed_set=1
  only=$(keep suggestions in-common dashboard dashboard-cold) run_set " (1M users, 3M partnerships, hubs)"
fi
