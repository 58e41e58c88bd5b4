#!/bin/bash
# The image's HEALTHCHECK: GET /healthz from the server in this container, with nothing but bash
# (the slim base has no curl). Healthy when the answer's status is 200.
set -euo pipefail

bind=${DEALNEST_BIND:-127.0.0.1:8004}
host=${bind%:*}
port=${bind##*:}
# A wildcard address is not one to connect to; the server answers on loopback too.
case $host in
    0.0.0.0 | '[::]' | '') host=127.0.0.1 ;;
esac
host=${host#[}
host=${host%]}

exec 3<>"/dev/tcp/$host/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
read -r -t 2 _ status _ <&3
[ "$status" = 200 ]
