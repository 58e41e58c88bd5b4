#!/usr/bin/env bash
# The container image and deploy/compose.yaml, end to end, with podman:
#   - checks deploy/compose.yaml against the Compose specification's schema and
#     deploy/kubernetes/ against Kubernetes' schemas;
#   - builds the image from the release binary already built on this machine
#     (cargo build --release; the Containerfile's DEALNEST_BINARY=prebuilt);
#   - starts PostgreSQL, the one-shot migration, two instances and the balancer as
#     deploy/compose.yaml describes them, and through the balancer: creates users, sends and
#     accepts a partner request, signs in through the pages and stays signed in whichever
#     instance answers, hears a server-sent event, keeps serving with one instance stopped, and
#     sees /readyz fail while PostgreSQL is down (and the site answer 503 at once) and recover
#     when it is back; /metrics is served on each instance's metrics port only, and the
#     balancer passes neither /metrics nor /readyz; one client's writes are limited across both
#     instances (the rate limits are counted in the compose file's Redis);
#   - starts two instances at the same moment on fresh databases, several times;
#   - removes everything it started, however it ends.
#
# Where no container registry is reachable, the official images that the files name are stood
# in for by images built from Debian's packages (deploy/test/), made only when no image of that
# name is present. Every container runs on the host's network (the kind of container networking
# known to work on these machines), each service on a loopback address of its own; the
# services' names resolve to those addresses, so the compose file's settings hold as they are,
# but for the listen addresses.
#
# Run as root: bash deploy/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

readonly compose=deploy/compose.yaml
readonly prefix=dealnest-test
readonly binary=target/release/dealnest
# One loopback address per service, so that each can have its usual port (80, 5432, 8004) beside
# whatever listens on 127.0.0.1.
declare -A address=(
    [postgres]=127.0.84.2 [app1]=127.0.84.3 [app2]=127.0.84.4 [balancer]=127.0.84.5
    [race1]=127.0.84.6 [race2]=127.0.84.7 [redis]=127.0.84.8
)
readonly site="http://${address[balancer]}"
readonly concurrent_start_rounds=5

work=$(mktemp -d)
background_pids=()

log() { printf '\n== deploy: %s\n' "$*"; }
fail() {
    printf 'deploy test FAILED: %s\n' "$*" >&2
    exit 1
}

remove_services() {
    for name in balancer app1 app2 migrate redis postgres; do
        podman rm --force --volumes --time 0 "$prefix-$name" >/dev/null 2>&1 || true
    done
    podman volume rm --force "${prefix}_pgdata" >/dev/null 2>&1 || true
}

cleanup() {
    local status=$?
    set +e
    if [ "$status" -ne 0 ]; then
        for name in postgres redis migrate app1 app2 balancer; do
            podman container exists "$prefix-$name" || continue
            printf '\n--- last lines of %s\n' "$prefix-$name" >&2
            podman logs --tail 25 "$prefix-$name" >&2 2>&1
        done
    fi
    for pid in "${background_pids[@]}"; do kill "$pid" 2>/dev/null; done
    remove_services
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# --- machine ---------------------------------------------------------------------------------

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

setup_tools() {
    apt_install podman runc mmdebstrap curl python3-venv
    export CONTAINERS_CONF=$PWD/deploy/test/containers.conf
    # The schema checkers, in a virtual environment of their own (kept between runs).
    local venv=target/deploy-test-venv
    if [ ! -x "$venv/bin/kubernetes-validate" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet check-jsonschema==0.39.0 kubernetes-validate==1.37.0
    fi
    PATH=$PWD/$venv/bin:$PATH
    [ -x "$binary" ] || fail "$binary is missing: run cargo build --release first"
}

# --- files -----------------------------------------------------------------------------------

check_files() {
    log "schemas: $compose (Compose specification), deploy/kubernetes (Kubernetes 1.30 and 1.37)"
    check-jsonschema --builtin-schema vendor.compose-spec "$compose"
    for version in 1.30.0 1.37.0; do
        kubernetes-validate --strict --quiet --kubernetes-version "$version" deploy/kubernetes/*.yaml
    done
}

# --- images ----------------------------------------------------------------------------------

build() {
    # Builds may not raise the file limit above this machine's hard limit.
    podman build --quiet --network=host --pull=never --ulimit "nofile=$(ulimit -n):$(ulimit -Hn)" "$@" >/dev/null
}

# A stand-in is built for an image name that is absent, and rebuilt (from cache, if unchanged)
# when the image there is a stand-in itself; an image pulled from a registry is left alone.
needs_stand_in() {
    ! podman image exists "$1" ||
        [ -n "$(podman image inspect --format '{{index .Labels "org.dealnest.test-stand-in"}}' "$1")" ]
}

# Image IDs without a name: the builds' intermediate stages and the images they replaced.
dangling_images() { podman images --quiet --no-trunc --filter dangling=true | sort; }

build_images() {
    local dangling
    dangling=$(dangling_images)
    # The runtime base, which the stand-ins build on too.
    local base
    base=$(awk '$1 == "FROM" && $3 == "AS" && $4 == "runtime" {print $2}' Containerfile)
    [ "$base" = docker.io/library/debian:bookworm-slim ] || fail "the runtime base is now $base: update deploy/test"
    if ! podman image exists "$base"; then
        log "stand-in for $base: Debian bookworm by mmdebstrap"
        mmdebstrap --quiet --variant=minbase bookworm "$work/base.tar"
        podman import --quiet --change 'LABEL org.dealnest.test-stand-in=mmdebstrap' \
            --change 'CMD ["bash"]' "$work/base.tar" "$base" >/dev/null
        rm "$work/base.tar"
    fi
    local service image
    for service in postgres redis balancer; do
        image=$(python3 deploy/test/compose_podman.py "$compose" "$service" --print-image)
        if needs_stand_in "$image"; then
            log "stand-in for $image"
            build --file "deploy/test/$service.Containerfile" --tag "$image" deploy/test
        fi
    done

    log "image dealnest:latest from $binary"
    # Docker's image format: OCI's has no HEALTHCHECK. No cache: podman 4.3 was seen reusing a
    # cached COPY --from layer after the stage it copies from had changed.
    build --no-cache --format docker --build-arg DEALNEST_BINARY=prebuilt --tag dealnest:latest .
    # Only what these builds left behind goes.
    comm -13 <(echo "$dangling") <(dangling_images) | xargs --no-run-if-empty podman rmi >/dev/null 2>&1 || true
    local added
    added=$(podman history --format '{{.Size}}\t{{.CreatedBy}}' dealnest:latest |
        awk -F'\t' '/useradd|COPY/ {print "  " $1 "\t" substr($2, 1, 70)}')
    printf 'layers the project adds to its base:\n%s\n' "$added"
}

# --- services --------------------------------------------------------------------------------

# `podman run` of a compose service, on the host's network with every service's name resolving
# to its address; the options given go to compose_podman.py (overrides).
run_service() {
    local name=$1
    shift
    local hosts=() derived=()
    for service in postgres redis app1 app2 balancer; do
        hosts+=(--add-host "$service:${address[$service]}")
    done
    mapfile -d '' derived < <(python3 deploy/test/compose_podman.py "$compose" "$name" --project "$prefix" "$@")
    [ ${#derived[@]} -gt 0 ] || fail "no arguments derived for $name"
    podman run --detach --name "$prefix-$name" --network=host "${hosts[@]}" "${derived[@]}" \
        >/dev/null 2>>"$work/podman.log"
}

# Runs the container's own healthcheck (the compose file's or the image's) until it passes;
# podman would run it on a timer only under systemd.
wait_healthy() {
    local name=$prefix-$1
    for _ in $(seq 1 120); do
        if podman healthcheck run "$name" >/dev/null 2>&1; then
            return 0
        fi
        [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || fail "$name stopped"
        sleep 0.5
    done
    fail "$name not healthy after 60 s"
}

start_stack() {
    log "services of $compose"
    # What a run killed before its cleanup may have left.
    remove_services
    run_service postgres --command=postgres --command=-c --command="listen_addresses=${address[postgres]}"
    wait_healthy postgres
    # The compose file's command, listening on the service's own address.
    local redis_command=()
    mapfile -t redis_command < <(python3 -c 'import sys, yaml; [print(a) for a in yaml.safe_load(open(sys.argv[1]))["services"]["redis"]["command"]]' "$compose")
    run_service redis "${redis_command[@]/#/--command=}" --command=--bind --command="${address[redis]}" \
        --command=--protected-mode --command=no
    wait_healthy redis

    # The one-shot migration, which the instances wait for.
    run_service migrate
    local status
    status=$(podman wait "$prefix-migrate")
    [ "$status" = 0 ] || fail "the migrate service exited with $status"

    # Each instance listens on its own address; the balancer reaches them from loopback.
    for app in app1 app2; do
        run_service "$app" --env "DEALNEST_BIND=${address[$app]}:8004" --env "DEALNEST_TRUSTED_PROXIES=127.0.0.0/8" \
            --env "DEALNEST_METRICS_BIND=${address[$app]}:9004"
    done
    wait_healthy app1
    wait_healthy app2

    # The balancer's configuration as shipped, listening on its own address only.
    sed "s/^\(\s*\)listen 80;/\1listen ${address[balancer]}:80;/" deploy/nginx.conf >"$work/nginx.conf"
    grep -q "listen ${address[balancer]}:80;" "$work/nginx.conf" || fail "no 'listen 80;' in deploy/nginx.conf"
    run_service balancer --volume-source "./nginx.conf=$work/nginx.conf"
    wait_for_status 200 "$site/healthz"
    echo "site up at $site"
}

# --- HTTP helpers ----------------------------------------------------------------------------

status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

wait_for_status() {
    local want=$1 url=$2
    for _ in $(seq 1 60); do
        [ "$(status_of "$url")" = "$want" ] && return 0
        sleep 0.5
    done
    fail "$url did not answer $want within 30 s (last: $(status_of "$url"))"
}

# Sends a request and prints the body; fails unless the status is the one expected.
expect() {
    local want=$1
    shift
    local body status
    body=$(curl -s --max-time 10 -w '\n%{http_code}' "$@") || fail "curl $*"
    status=${body##*$'\n'}
    body=${body%$'\n'*}
    [ "$status" = "$want" ] || fail "expected $want, got $status from curl $*: $body"
    printf '%s' "$body"
}

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

api_post() {
    local want=$1 path=$2 token=$3 json=$4
    local auth=()
    [ -n "$token" ] && auth=(-H "authorization: Bearer $token")
    expect "$want" -X POST "$site/api/v1/$path" "${auth[@]}" -H 'content-type: application/json' -d "$json"
}

# Requests an instance has served (from its /metrics, on its metrics port), but for the health
# checks; or, given a route, the GETs of that route.
served_by() {
    local counters
    counters=$(curl -s --max-time 5 "http://${address[$1]}:9004/metrics" | grep '^http_requests_total' || true)
    if [ $# -gt 1 ]; then
        counters=$(grep -F "{route=\"$2\",method=\"GET\"" <<<"$counters" || true)
    else
        counters=$(grep -v -E 'route="/(metrics|healthz|readyz)"' <<<"$counters" || true)
    fi
    awk '{n += $NF} END {print n + 0}' <<<"$counters"
}

# --- the site --------------------------------------------------------------------------------

operators_only() {
    log "/metrics on each instance's metrics port only; the balancer passes neither it nor /readyz"
    for path in /metrics /readyz; do
        expect 404 "$site$path" >/dev/null
    done
    expect 200 "$site/healthz" >/dev/null
    for app in app1 app2; do
        expect 404 "http://${address[$app]}:8004/metrics" >/dev/null
        expect 200 "http://${address[$app]}:9004/metrics" | grep -q '^http_requests_total' ||
            fail "$app serves no request counters on its metrics port"
        expect 200 "http://${address[$app]}:8004/readyz" >/dev/null
    done
    echo "metrics on :9004 of each instance, 404 on the site's port and through the balancer"
}

exercise_site() {
    log "the partner flow through the balancer"
    local before1 before2
    before1=$(served_by app1)
    before2=$(served_by app2)

    local alice bob
    alice=$(api_post 201 users "" '{"email": "alice@example.com", "name": "Alice Martin"}' | json_field id)
    bob=$(api_post 201 users "" '{"email": "bob@example.com", "name": "Bob Okafor"}' | json_field id)
    # Tokens signed by an instance's own command, with the secret every instance shares.
    local alice_token bob_token
    alice_token=$(podman exec "$prefix-app1" dealnest token --user "$alice")
    bob_token=$(podman exec "$prefix-app2" dealnest token --user "$bob")

    # Alice's event stream stays open through the balancer while Bob is asked and answers.
    curl -s -N --max-time 8 -H "authorization: Bearer $alice_token" "$site/events" >"$work/events" &
    background_pids+=($!)
    local events_pid=$!
    sleep 1

    local request
    request=$(api_post 201 partner-requests "$alice_token" "{\"recipient_id\": $bob}" | json_field request_id)
    local answer
    answer=$(api_post 200 "partner-requests/$request/respond" "$bob_token" '{"action": "accept"}')
    [ "$(printf '%s' "$answer" | json_field status)" = accepted ] || fail "not accepted: $answer"
    expect 200 -H "authorization: Bearer $alice_token" "$site/api/v1/users/$alice/partnerships" |
        grep -q "\"partner\":{\"id\":$bob," || fail "Bob is not among Alice's partners"
    expect 200 -H "authorization: Bearer $bob_token" "$site/api/v1/users/$bob/partnerships" |
        grep -q "\"partner\":{\"id\":$alice," || fail "Alice is not among Bob's partners"
    expect 200 -H "authorization: Bearer $alice_token" "$site/api/v1/users/$alice/notifications" >/dev/null
    echo "users $alice and $bob, request $request accepted"

    # Accepting notified Alice: her stream, held open by the balancer, carries it.
    for _ in $(seq 1 20); do
        grep -q '^event: request_answered' "$work/events" && break
        sleep 0.25
    done
    grep -q '^event: request_answered' "$work/events" ||
        fail "no request_answered event on /events through the balancer: $(cat "$work/events")"
    kill "$events_pid" 2>/dev/null || true
    echo "the event stream carried the answer"

    log "signed in through the pages, whichever instance answers"
    local jar=$work/cookies pages1 pages2
    pages1=$(served_by app1 /)
    pages2=$(served_by app2 /)
    expect 303 -c "$jar" -H "Origin: $site" -d "user_id=$alice" "$site/session" >/dev/null
    for _ in 1 2 3 4; do
        expect 200 -b "$jar" "$site/" >"$work/page"
        grep -q 'Incoming requests' "$work/page" || fail "GET / with the session cookie did not show the dashboard"
        grep -q 'Alice Martin' "$work/page" || fail "the dashboard is not Alice's"
    done
    pages1=$(($(served_by app1 /) - pages1))
    pages2=$(($(served_by app2 /) - pages2))
    echo "the dashboard was served four times on one session: app1 $pages1, app2 $pages2"
    if [ "$pages1" -lt 1 ] || [ "$pages2" -lt 1 ]; then
        fail "the dashboard was not served by both instances"
    fi

    local served1 served2
    served1=$(($(served_by app1) - before1))
    served2=$(($(served_by app2) - before2))
    echo "requests served: app1 $served1, app2 $served2"
    if [ "$served1" -lt 3 ] || [ "$served2" -lt 3 ]; then
        fail "the balancer did not spread requests over both instances"
    fi
}

limits_across_instances() {
    log "one client's writes limited across both instances (counted in Redis)"
    # A client address of its own (nginx passes it on in X-Forwarded-For), so that nothing else
    # has spent from its allowance: DEALNEST_RATE_LIMIT's default of 120 a minute.
    local status allowed=0 refused=0
    for _ in $(seq 1 130); do
        status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 127.0.84.9 -X POST \
            -H 'content-type: application/json' -d '{}' "$site/api/v1/users")
        case $status in
            429) refused=$((refused + 1)) ;;
            422) allowed=$((allowed + 1)) ;;
            *) fail "a write answered $status" ;;
        esac
    done
    echo "130 writes from one client, round robin over two instances: $allowed answered, $refused refused"
    # 120 at once, and one more every half second while the loop runs (a few seconds at most);
    # counted by each instance alone, all 130 would pass (120 each).
    if [ "$allowed" -lt 120 ] || [ "$allowed" -gt 126 ]; then
        fail "expected about 120 writes a minute across both instances, $allowed were allowed"
    fi
}

one_instance_down() {
    log "one instance stopped: the site keeps answering"
    local started
    started=$(date +%s)
    podman stop --time 25 "$prefix-app2" >/dev/null 2>>"$work/podman.log"
    [ "$(podman inspect --format '{{.State.ExitCode}}' "$prefix-app2")" = 0 ] || fail "app2 did not stop cleanly"
    echo "app2 stopped on SIGTERM in $(($(date +%s) - started)) s, exit status 0"
    for _ in $(seq 1 6); do
        expect 200 "$site/api/v1/users?size=5" >/dev/null
    done
    podman start "$prefix-app2" >/dev/null 2>>"$work/podman.log"
    wait_healthy app2
}

database_outage() {
    log "PostgreSQL stopped and started again"
    podman stop --time 10 "$prefix-postgres" >/dev/null 2>>"$work/podman.log"
    for app in app1 app2; do
        wait_for_status 503 "http://${address[$app]}:8004/readyz"
    done
    # Once an instance has found the database gone, it answers at once rather than after the
    # acquire timeout.
    local took
    for app in app1 app2; do
        wait_for_status 503 "http://${address[$app]}:8004/api/v1/users?size=1"
        took=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "http://${address[$app]}:8004/api/v1/users?size=1")
        python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 0.5)" "$took" || fail "$app: a 503 took $took s"
        echo "$app: 503 in $took s"
    done
    expect 503 "$site/api/v1/users?size=1" >/dev/null
    echo "/readyz: 503 on both instances; the site: 503"
    podman start "$prefix-postgres" >/dev/null 2>>"$work/podman.log"
    wait_healthy postgres
    for app in app1 app2; do
        wait_for_status 200 "http://${address[$app]}:8004/readyz"
    done
    wait_for_status 200 "$site/api/v1/users?size=1"
    api_post 201 users "" '{"email": "carol@example.com", "name": "Carol Nguyen"}' >/dev/null
    echo "/readyz: 200 again, and writes go through"
}

# --- migrations when instances start together ------------------------------------------------

concurrent_starts() {
    log "two instances started at the same moment on a fresh database, $concurrent_start_rounds times"
    local env=()
    mapfile -t env < <(python3 deploy/test/compose_podman.py "$compose" app1 --print-env)
    for round in $(seq 1 "$concurrent_start_rounds"); do
        local database=concurrent_$round pids=()
        podman exec "$prefix-postgres" createdb --username=dealnest "$database"
        for instance in race1 race2; do
            env "${env[@]}" DATABASE_URL="postgres://dealnest:dealnest@${address[postgres]}:5432/$database" \
                DEALNEST_BIND="${address[$instance]}:8004" DEALNEST_METRICS_BIND="${address[$instance]}:9004" "$binary" >"$work/$database.$instance.log" 2>&1 &
            pids+=($!)
            background_pids+=($!)
        done
        for instance in race1 race2; do
            local ready=
            for _ in $(seq 1 100); do
                if [ "$(status_of "http://${address[$instance]}:8004/readyz")" = 200 ]; then
                    ready=1
                    break
                fi
                sleep 0.1
            done
            [ -n "$ready" ] || fail "round $round: $instance did not start: $(cat "$work/$database.$instance.log")"
        done
        kill "${pids[@]}"
        wait "${pids[@]}" 2>/dev/null || true
        if grep -h '"level":"ERROR"' "$work/$database".*.log; then
            fail "round $round: an instance logged an error"
        fi
    done
    echo "every round: both instances migrated and served"
}

main() {
    local started=$SECONDS
    setup_tools
    check_files
    build_images
    start_stack
    operators_only
    exercise_site
    limits_across_instances
    one_instance_down
    database_outage
    concurrent_starts
    log "deploy test passed in $((SECONDS - started)) s"
}

main "$@"
