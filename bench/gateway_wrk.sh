#!/usr/bin/env bash
# bench_gateway: authorized, audited single-field reads through the gateway next to
# nginx serving a static file of the same size, both measured with the same wrk
# settings over loopback in the same run. Prints requests/s, p50/p99, the ratio, and each
# server's CPU time per request (user+system from /proc/PID/stat, all threads; nginx: master
# and workers).
# Target (issue 5): gateway >= 0.7x nginx's requests/s with p99 <= 5 ms.
#
# usage: bench/gateway_wrk.sh [DOMICILE_BINARY]   (default build/bin/domicile)
# env:   WRK_THREADS (2), WRK_CONNECTIONS (16), WRK_DURATION (10s), SUBJECTS (100);
#        TMPDIR=/dev/shm puts the gateway's data (RocksDB, audit log) on tmpfs, which
#        separates the cost of durable audit appends (syncfs) from the rest of the path.
set -euo pipefail

DOMICILE=${1:-build/bin/domicile}
THREADS=${WRK_THREADS:-2}
CONNECTIONS=${WRK_CONNECTIONS:-16}
DURATION=${WRK_DURATION:-10s}
SUBJECTS=${SUBJECTS:-100}
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "bench_gateway: $tool is missing (bash scripts/deps.sh)" >&2; exit 1; }
done
[ -x "$DOMICILE" ] || { echo "bench_gateway: $DOMICILE is not an executable" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/domicile-bench-gateway-XXXXXX")
GATEWAY_PID="" NGINX_PID=""
cleanup() {
  [ -n "$GATEWAY_PID" ] && kill -TERM "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for_file() {  # FILE PID
  for _ in $(seq 1 300); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "bench_gateway: process $2 exited; see $WORK" >&2; cat "$WORK"/*.log >&2; exit 1; }
    sleep 0.1
  done
  echo "bench_gateway: $1 did not appear" >&2
  exit 1
}

# --- the gateway (embedded demo configuration), seeded with SUBJECTS subjects ---
"$DOMICILE" serve --data-dir "$WORK/data" --port 0 --ready-file "$WORK/ready" 2>"$WORK/serve.log" &
GATEWAY_PID=$!
wait_for_file "$WORK/ready" "$GATEWAY_PID"
GATEWAY=$(tr -d '\n' <"$WORK/ready")
INGEST=$("$DOMICILE" token issue --demo --sub ingest --ttl 3600)
ANA=$("$DOMICILE" token issue --demo --sub ana --ttl 3600)
for i in $(seq 1 "$SUBJECTS"); do
  phone=$(printf '+1 415 555 %04d' "$i")
  curl -sf -o /dev/null -X PUT "http://$GATEWAY/v1/subjects/bench-$i" \
    -H "Authorization: Bearer $INGEST" -H 'Domicile-Purpose: ingest' -H 'Content-Type: application/json' \
    --data "{\"home\":\"US\",\"data\":{\"profile\":{\"phone\":\"$phone\",\"birth_date\":\"1987-04-12\"}}}"
done
# One response, to size the static file and check the read is allowed and audited.
curl -sf -D "$WORK/headers" -o "$WORK/response.json" "http://$GATEWAY/v1/subjects/bench-1/profile?fields=phone" \
  -H "Authorization: Bearer $ANA" -H 'Domicile-Purpose: investigation'
grep -qi '^domicile-audit-index:' "$WORK/headers" || { echo "bench_gateway: the read was not audited" >&2; exit 1; }
BYTES=$(stat -c %s "$WORK/response.json")

cat >"$WORK/gateway.lua" <<EOF
-- Rotates over the seeded subjects; every request is authorized per field and audited.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer $ANA"
wrk.headers["Domicile-Purpose"] = "investigation"
local i = 0
request = function()
  i = i % $SUBJECTS + 1
  return wrk.format(nil, "/v1/subjects/bench-" .. i .. "/profile?fields=phone")
end
EOF
cat >"$WORK/nginx.lua" <<EOF
-- The same headers, so both servers parse requests of the same size.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer $ANA"
wrk.headers["Domicile-Purpose"] = "investigation"
request = function() return wrk.format(nil, "/response.json") end
EOF

# Breakdown rows: the HTTP layer alone (/healthz: no auth, no audit) and token check
# plus durable audit append without Cedar or the vault (/v1/whoami).
for path in healthz v1/whoami; do
  sed "s#return wrk.format(nil, \"/response.json\")#return wrk.format(nil, \"/$path\")#" "$WORK/nginx.lua" \
    >"$WORK/${path##*/}.lua"
done

# --- nginx: a non-daemon on a free loopback port, temp prefix, static file of BYTES ---
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx/html" "$WORK/nginx/tmp"
cp "$WORK/response.json" "$WORK/nginx/html/response.json"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log $WORK/nginx/access.log;
  default_type application/json;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/nginx/html;
  }
}
EOF
chmod -R a+rX "$WORK/nginx" && chmod a+x "$WORK"  # nginx workers run as an unprivileged user
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx.log" &
NGINX_PID=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/response.json" && break; sleep 0.1; done
cmp -s <(curl -sf "http://127.0.0.1:$NGINX_PORT/response.json") "$WORK/response.json" ||
  { echo "bench_gateway: nginx does not serve the file" >&2; cat "$WORK/nginx.log" "$WORK/nginx/error.log" >&2; exit 1; }

# --- measure: same wrk settings, one after the other ---
cpu_ticks() {  # PID...: user+system clock ticks of the processes (and their threads)
  local total=0 pid
  for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo "$total"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
run_wrk() {  # NAME URL LUA PID...: the server's CPU per request from /proc/PID/stat
  local out="$WORK/${1%% *}.wrk" rps p50 p99 non2xx before after requests
  before=$(cpu_ticks "${@:4}")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$3" "$2" >"$out" 2>&1
  after=$(cpu_ticks "${@:4}")
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
  requests=$(awk '/requests in/ {print $1}' "$out")
  printf '%-34s %12s %10s %10s %10s %12s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}" \
    "$(( (after - before) * TICK_US / (requests > 0 ? requests : 1) ))"
  echo "$rps" >"$WORK/${1%% *}.rps"
}
NGINX_PIDS=$(pgrep -d ' ' -P "$NGINX_PID" || true)
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION over loopback; response body $BYTES bytes; $(nproc) CPUs; $(uptime)"
printf '%-34s %12s %10s %10s %10s %12s\n' "server" "requests/s" "p50" "p99" "non-2xx" "CPU us/req"
# shellcheck disable=SC2086  # NGINX_PIDS is a list
run_wrk "nginx_static_file" "http://127.0.0.1:$NGINX_PORT" "$WORK/nginx.lua" "$NGINX_PID" $NGINX_PIDS
run_wrk "gateway_audited_read" "http://$GATEWAY" "$WORK/gateway.lua" "$GATEWAY_PID"
awk -v g="$(cat "$WORK/gateway_audited_read.rps")" -v n="$(cat "$WORK/nginx_static_file.rps")" \
  'BEGIN { printf "gateway / nginx requests/s: %.3fx (target >= 0.70x, p99 <= 5 ms)\n", g / n }'
echo "breakdown:"
run_wrk "gateway_healthz (http only)" "http://$GATEWAY" "$WORK/healthz.lua" "$GATEWAY_PID"
run_wrk "gateway_whoami (jwt+audit)" "http://$GATEWAY" "$WORK/whoami.lua" "$GATEWAY_PID"

# The audit log holds every request and verifies.
kill -TERM "$GATEWAY_PID"; wait "$GATEWAY_PID" || true; GATEWAY_PID=""
VKEY=$(grep -o 'verifier key [^ ]*' "$WORK/serve.log" | head -1 | cut -d' ' -f3)
"$DOMICILE" log verify "$WORK/data/log" --vkey "$VKEY"
