#!/usr/bin/env bash
# Gateway load harness: one fast backend, four ways to reach it, measured interleaved in one run.
#
#   bench/load/run.sh [--skip-nuri] [--backend nuri|self] [--rounds N] [--duration 10s]
#                     [--warmup 10s] [--conns "50 200"] [--no-docs] [--keep-tmp]
#
# What it does, everything on 127.0.0.1:
#   1. A fast backend: nginx, 1 worker, access log off, `return 200 "ok\n"`. By default it runs as
#      a Nuri app (a `command` app whose wrapper script writes the nginx config for $PORT and execs
#      nginx in the foreground; 1 replica; route {host: "*", path: /}), and its port is read from
#      `nuri get instances`. With --skip-nuri it is started by the harness itself (--backend self),
#      unless --backend nuri is given (then Nuri runs it, but its gateway is not measured).
#   2. Proxies in front of that same backend process, configs generated here: nginx as reverse
#      proxy (1 worker, upstream keepalive 64, HTTP/1.1, Connection ""), HAProxy (nbthread 1,
#      http-reuse always) and Nuri's gateway (`nuri server --gateway-port G`, with
#      --gateway-<...threads/loops...>=1 when the server offers such an option).
#   3. wrk -t1 -cC -dD --latency against each target: a warm-up per target, then ROUNDS rounds, each
#      round every connection count, each connection count every target in turn (direct, nuri,
#      nginx, haproxy). p50/p99 come from the same runs (wrk records every request's latency).
#      While wrk runs, the CPU time of the proxy and of the backend is sampled from /proc.
#   4. A markdown table (medians over rounds with min-max, ratios to direct and to nginx) on
#      stdout and in bench/load/results-<date>-<time>.md, and the section "Gateway load" of
#      docs/benchmarks.md (replaced, other sections left alone; --no-docs to leave it).
#   5. Every process it started is stopped by pid on exit, Ctrl-C or failure (trap).
#
# Needs: nginx, haproxy, wrk (apt-get install -y --no-install-recommends nginx haproxy wrk), jq,
# curl; for Nuri a JDK >= 21 (the ./nuri launcher finds it). Not part of ./mvnw verify.
#
# Environment: ROUNDS (3), DURATION (10s), WARMUP (10s), CONNS ("50 200"), WRK_THREADS (1),
#   GATEWAY_THREADS (1, used when the server has a gateway thread option), GATEWAY_OPTS (extra
#   words for `nuri server`), NGINX_KEEPALIVE (64: idle upstream connections nginx keeps),
#   WARMUP_MAX (6: warm-ups per target are repeated until two agree within 10%, at most this many),
#   CALM_BUSY (25) / CALM_WAIT (15): before each measured run wait up to CALM_WAIT s for the
#   machine to be at most CALM_BUSY % busy (0 = do not wait), NURI_JAVA_OPTS (passed to the
#   launcher), KEEP_TMP=1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
NURI=$ROOT/nuri
DOCS=$ROOT/docs/benchmarks.md
APP=bench-backend
SECTION="## Gateway load"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-10s}
CONNS=${CONNS:-"50 200"}
WRK_THREADS=${WRK_THREADS:-1}
GATEWAY_THREADS=${GATEWAY_THREADS:-1}
GATEWAY_OPTS=${GATEWAY_OPTS:-}
NGINX_KEEPALIVE=${NGINX_KEEPALIVE:-64}
WARMUP_MAX=${WARMUP_MAX:-6}
CALM_BUSY=${CALM_BUSY:-25}
CALM_WAIT=${CALM_WAIT:-15}
KEEP_TMP=${KEEP_TMP:-0}
SKIP_NURI=0
BACKEND_MODE=
UPDATE_DOCS=1
BUILD=1

usage() { sed -n '2,35p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
log() { printf '[load %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

while (($#)); do
  case $1 in
    --skip-nuri) SKIP_NURI=1 ;;
    --backend) BACKEND_MODE=${2:?}; shift ;;
    --backend=*) BACKEND_MODE=${1#*=} ;;
    --rounds) ROUNDS=${2:?}; shift ;;
    --rounds=*) ROUNDS=${1#*=} ;;
    --duration) DURATION=${2:?}; shift ;;
    --duration=*) DURATION=${1#*=} ;;
    --warmup) WARMUP=${2:?}; shift ;;
    --warmup=*) WARMUP=${1#*=} ;;
    --conns) CONNS=${2:?}; shift ;;
    --conns=*) CONNS=${1#*=} ;;
    --no-docs) UPDATE_DOCS=0 ;;
    --no-build) BUILD=0 ;;
    --keep-tmp) KEEP_TMP=1 ;;
    -h|--help) usage 0 ;;
    *) log "unknown argument: $1"; usage 2 ;;
  esac
  shift
done

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"
[[ $DURATION =~ ^[1-9][0-9]*s$ ]] || die "DURATION must be whole seconds like 10s, not '$DURATION'"
[[ $WARMUP =~ ^[0-9]+s$ ]] || die "WARMUP must be whole seconds like 5s, not '$WARMUP'"
read -ra CONN_LIST <<<"$CONNS"
((${#CONN_LIST[@]})) || die "CONNS is empty"
for c in "${CONN_LIST[@]}"; do
  [[ $c =~ ^[1-9][0-9]*$ && $c -ge $WRK_THREADS ]] || die "bad connection count '$c' (needs >= WRK_THREADS)"
done
[[ -z $BACKEND_MODE ]] && { ((SKIP_NURI)) && BACKEND_MODE=self || BACKEND_MODE=nuri; }
[[ $BACKEND_MODE == nuri || $BACKEND_MODE == self ]] || die "--backend must be nuri or self"
((SKIP_NURI)) || [[ $BACKEND_MODE == nuri ]] || die "measuring Nuri's gateway needs --backend nuri (the gateway routes to instances Nuri runs)"

for tool in nginx haproxy wrk curl jq ss; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y --no-install-recommends nginx haproxy wrk jq curl)"
done

CLK_TCK=$(getconf CLK_TCK)
DUR_S=${DURATION%s}
WARM_S=${WARMUP%s}
STAMP=$(date +%Y-%m-%d-%H%M)
DAY=$(date +%Y-%m-%d)

# --- processes: everything started is recorded and stopped by pid --------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nuri-load.XXXXXX")
STARTED=()      # "pid:starttime:label:grace", in start order; starttime guards against pid reuse
CUR_WRK=

starttime() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; read -ra f <<<"$s"; echo "${f[19]}"; }
state_of() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; echo "${s%% *}"; }
alive() { local st; st=$(state_of "$1") || return 1; [[ $st != Z && $st != X ]]; }
children_of() {  # direct children of a pid, from /proc (by parent pid, never by name)
  local d s ppid
  for d in /proc/[0-9]*; do
    s=$(cat "$d/stat" 2>/dev/null) || continue
    s=${s##*) }; read -r _ ppid _ <<<"$s"
    [[ $ppid == "$1" ]] && echo "${d#/proc/}"
  done
  return 0
}
descendants_of() { local c; for c in $(children_of "$1"); do echo "$c"; descendants_of "$c"; done; }

track() {  # track PID LABEL GRACE_SECONDS
  local st; st=$(starttime "$1") || st=0
  STARTED+=("$1:$st:$2:${3:-5}")
}

stop_one() {  # stop_one PID STARTTIME LABEL GRACE
  local pid=$1 st=$2 label=$3 grace=$4 i kids
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  [[ $st == 0 || $(starttime "$pid") == "$st" ]] || return 0   # pid reused by someone else: leave it
  kids=$(descendants_of "$pid" | tr '\n' ' ')
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then log "$label (pid $pid) still running after ${grace}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
  local k
  for k in $kids; do  # e.g. nginx workers, whose master was killed hard
    if alive "$k"; then log "leftover child $k of $label: SIGKILL"; kill -KILL "$k" 2>/dev/null || true; fi
  done
}

cleanup() {
  local rc=$? i e
  trap - EXIT INT TERM HUP
  if [[ -n $CUR_WRK ]] && alive "$CUR_WRK"; then kill -TERM "$CUR_WRK" 2>/dev/null || true; wait "$CUR_WRK" 2>/dev/null || true; fi
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    e=${STARTED[i]}
    IFS=: read -r p st label grace <<<"$e"
    stop_one "$p" "$st" "$label" "$grace"
  done
  if ((rc != 0)); then
    log "failed (exit $rc); logs kept in $TMP"
  elif ((KEEP_TMP)); then
    log "kept $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

USED_PORTS=" "
# Ports for the listeners: below the ephemeral range, so no outgoing connection (thousands of them
# in TIME_WAIT after a run) can hold one; and not in use by any socket in any state.
PORT_LOW=10000
PORT_HIGH=$(awk '{ print $1 - 1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32767)
((PORT_HIGH > PORT_LOW + 1000)) || PORT_HIGH=32767
free_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((PORT_LOW + RANDOM % (PORT_HIGH - PORT_LOW)))
    [[ $USED_PORTS == *" $p "* ]] && continue
    [[ -z $(ss -Htan "( sport = :$p or dport = :$p )") ]] || continue
    USED_PORTS+="$p "
    echo "$p"; return 0
  done
  die "no free port found in $PORT_LOW-$PORT_HIGH"
}

wait_ok() {  # wait_ok URL SECONDS PID : until URL answers 200 "ok", while PID lives
  local url=$1 secs=$2 pid=${3:-} i body
  for ((i = 0; i < secs * 10; i++)); do
    body=$(curl -fsS --max-time 1 "$url" 2>/dev/null) && [[ $body == ok ]] && return 0
    [[ -z $pid ]] || alive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

ticks_of() {  # CPU ticks (user+system) of the given pids, all their threads
  local p s t=0
  for p in "$@"; do
    s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    s=${s##*) }; read -ra f <<<"$s"
    t=$((t + f[11] + f[12]))
  done
  echo "$t"
}
# "busy idle irq+softirq" ticks of the whole machine; interrupt time (loopback TCP runs largely in
# softirq) is busy time that no process's utime/stime includes.
machine_ticks() { local _c u n s i w q sq st; read -r _c u n s i w q sq st _ </proc/stat; echo "$((u + n + s + q + sq + st)) $((i + w)) $((q + sq))"; }

# --- backend -------------------------------------------------------------------------------------
# BACKEND_TEMPLATE and write_backend_files: bench/load/lib.sh (shared with apm-onoff.sh)

BACKEND_PORT=
BACKEND_PID=
BACKEND_PIDS=()
NURI_PID=
NURI_DATA=$TMP/nuri
GATEWAY_PORT=
GATEWAY_THREAD_NOTE=
NURI_HELP=

# CLI calls: never rebuild mid-run, and NURI_JAVA_OPTS is meant for the server, not for them.
nuri_cli() { NURI_JAVA_OPTS='' NURI_SKIP_BUILD=1 "$NURI" --data-dir "$NURI_DATA" "$@"; }

prepare_nuri() {
  local out
  if ((BUILD)); then
    log "building Nuri if sources changed (./nuri server --help)"
    if ! out=$("$NURI" server --help 2>&1); then
      log "the build failed (someone editing?); trying the existing distribution"
      printf '%s\n' "$out" | tail -5 >&2
    fi
  fi
  NURI_HELP=$(NURI_SKIP_BUILD=1 "$NURI" server --help 2>&1) || die "./nuri server --help failed: $NURI_HELP"
}

start_nuri_server() {
  local args=(server --data-dir "$NURI_DATA" --api-port 0 --stop-grace 5) opt extra
  mkdir -p "$NURI_DATA"
  if ((SKIP_NURI)); then
    # The gateway is not measured: turn it off where the server has one (it would take port 8000).
    if grep -q -- '--gateway-port' <<<"$NURI_HELP"; then args+=(--gateway-port -1); fi
  else
    grep -q -- '--gateway-port' <<<"$NURI_HELP" \
      || die "this build of ./nuri server has no --gateway-port yet; run with --skip-nuri"
    GATEWAY_PORT=$(free_port)
    args+=(--gateway-port "$GATEWAY_PORT")
    opt=$(grep -oE -- '--gateway-[a-z-]*(thread|loop|worker)[a-z-]*' <<<"$NURI_HELP" | head -1 || true)
    if [[ -n $opt ]]; then
      args+=("$opt=$GATEWAY_THREADS")
      GATEWAY_THREAD_NOTE="started with \`$opt=$GATEWAY_THREADS\`"
    else
      GATEWAY_THREAD_NOTE="\`nuri server --help\` offers no gateway thread option: the gateway ran with its default event loop count"
    fi
  fi
  if ((!SKIP_NURI)) && [[ -n ${NURI_JAVA_OPTS:-} ]]; then GATEWAY_THREAD_NOTE+="; JVM options \`$NURI_JAVA_OPTS\`"; fi
  if [[ -n $GATEWAY_OPTS ]]; then read -ra extra <<<"$GATEWAY_OPTS"; args+=("${extra[@]}"); GATEWAY_THREAD_NOTE+="; extra options \`$GATEWAY_OPTS\`"; fi
  log "starting: nuri ${args[*]}"
  NURI_SKIP_BUILD=1 "$NURI" "${args[@]}" >"$TMP/nuri-server.log" 2>&1 &
  NURI_PID=$!
  track "$NURI_PID" "nuri server" 20
  local i
  for ((i = 0; i < 600; i++)); do
    alive "$NURI_PID" || { tail -20 "$TMP/nuri-server.log" >&2; die "nuri server exited during start"; }
    if [[ -s $NURI_DATA/server.json ]] && nuri_cli get apps >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  ((i < 600)) || die "nuri server not ready after 60 s (log: $TMP/nuri-server.log)"
  # The launcher execs java, so NURI_PID is the JVM; re-read its start time now that exec is done.
  STARTED[-1]="$NURI_PID:$(starttime "$NURI_PID"):nuri server:20"
  log "nuri server up (pid $NURI_PID, JVM $(tr '\0' ' ' <"/proc/$NURI_PID/cmdline" | cut -c1-60)...)"
}

start_backend_nuri() {
  local dir=$TMP/backend spec=$TMP/backend.yaml i line
  write_backend_files "$dir"
  {
    echo "apiVersion: nuri.io/v1"
    echo "kind: App"
    echo "metadata: {name: $APP}"
    echo "spec:"
    echo "  run:"
    echo "    command: [\"$dir/start.sh\"]"
    echo "  replicas: 1"
    echo "  probes:"
    echo "    readiness: {http: {path: /}, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 5}"
    if ((!SKIP_NURI)); then
      echo "  routes:"
      echo "    - {host: \"*\", path: /}"
    fi
  } >"$spec"
  nuri_cli apply -f "$spec" >&2 || die "nuri apply of the backend failed"
  for ((i = 0; i < 600; i++)); do
    line=$(nuri_cli get instances "$APP" -o json 2>/dev/null \
      | jq -r '[.[] | select(.state == "Ready" and .port > 0)] | if length > 0 then "\(.[0].pid) \(.[0].port)" else "" end' 2>/dev/null || true)
    [[ -n $line ]] && break
    sleep 0.1
  done
  [[ -n $line ]] || die "the backend app did not become Ready in 60 s ($(nuri_cli get instances "$APP" 2>&1 | tail -2))"
  read -r BACKEND_PID BACKEND_PORT <<<"$line"
  # Started through Nuri on the harness's behalf: tracked too, so it is stopped even if the server is not.
  track "$BACKEND_PID" "backend nginx (Nuri instance)" 5
  STARTED=("${STARTED[-1]}" "${STARTED[@]:0:${#STARTED[@]}-1}")  # stopped last, after the server had its go
  wait_ok "http://127.0.0.1:$BACKEND_PORT/" 10 || die "the backend on port $BACKEND_PORT does not answer ok"
}

start_backend_self() {
  local dir=$TMP/backend
  write_backend_files "$dir"
  BACKEND_PORT=$(free_port)
  PORT=$BACKEND_PORT "$dir/start.sh" >"$dir/logs/stdout.log" 2>&1 &
  BACKEND_PID=$!
  track "$BACKEND_PID" "backend nginx" 5
  wait_ok "http://127.0.0.1:$BACKEND_PORT/" 10 "$BACKEND_PID" || { cat "$dir/logs/error.log" >&2 || true; die "backend nginx did not start"; }
  STARTED[-1]="$BACKEND_PID:$(starttime "$BACKEND_PID"):backend nginx:5"
}

NGINX_PORT=
NGINX_PID=
start_nginx_proxy() {
  local dir=$TMP/nginx-proxy
  mkdir -p "$dir/logs" "$dir/conf"
  NGINX_PORT=$(free_port)
  cat >"$dir/conf/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive $NGINX_KEEPALIVE;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
  nginx -p "$dir/" -e "$dir/logs/error.log" -c "$dir/conf/nginx.conf" -g 'daemon off;' >"$dir/logs/stdout.log" 2>&1 &
  NGINX_PID=$!
  track "$NGINX_PID" "nginx proxy" 5
  wait_ok "http://127.0.0.1:$NGINX_PORT/" 10 "$NGINX_PID" || { cat "$dir/logs/error.log" >&2 || true; die "nginx proxy did not start"; }
}

HAPROXY_PORT=
HAPROXY_PID=
start_haproxy() {
  local dir=$TMP/haproxy
  mkdir -p "$dir"
  HAPROXY_PORT=$(free_port)
  cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s

frontend fe
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend be

backend be
    server b1 127.0.0.1:$BACKEND_PORT
EOF
  haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
  HAPROXY_PID=$!
  track "$HAPROXY_PID" "haproxy" 5
  wait_ok "http://127.0.0.1:$HAPROXY_PORT/" 10 "$HAPROXY_PID" || { cat "$dir/haproxy.log" >&2; die "haproxy did not start"; }
}

# --- the measured runs ---------------------------------------------------------------------------
declare -A URL WARMUPS
WARM_RPS=0
TARGETS=()

proxy_pids() {  # the processes doing a target's proxying (for the CPU column)
  case $1 in
    direct) ;;
    nuri) echo "$NURI_PID" ;;
    nginx) echo "$NGINX_PID"; children_of "$NGINX_PID" ;;
    haproxy) echo "$HAPROXY_PID" ;;
  esac
}

# round target conns rps p50_us p99_us errors proxy% backend% wrk% other% p90_us p999_us max_us busy% busy%-before irq% backend-conns-opened
RECORDS=$TMP/records.tsv
: >"$RECORDS"

thread_ticks() {  # tid<TAB>ticks<TAB>name for every thread of a pid
  local t s name
  for t in /proc/"$1"/task/*; do
    s=$(cat "$t/stat" 2>/dev/null) || continue
    name=$(cat "$t/comm" 2>/dev/null) || continue
    s=${s##*) }; read -ra f <<<"$s"
    printf '%s\t%s\t%s\n' "${t##*/}" "$((f[11] + f[12]))" "$name"
  done
}

CHILD_SECS=0
child_secs() {  # CHILD_SECS = CPU seconds of the harness's reaped children so far (bash `times`, 2nd
  times >"$TMP/times"  # line); not in a $(...) subshell, which would see only its own children
  CHILD_SECS=$(sed -n 2p "$TMP/times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); s += a[1] * 60 + a[2] } printf "%.3f", s }')
}

stub_accepts() {  # connections the backend has accepted so far (nginx stub_status), or NA
  curl -fsS --max-time 2 "http://127.0.0.1:$BACKEND_PORT/_stub" 2>/dev/null | awk 'NR == 3 { print $1; f = 1 } END { if (!f) print "NA" }'
}

busy_pct() {  # machine busy % (all cores) over the next second
  local a b
  a=$(machine_ticks); sleep 1; b=$(machine_ticks)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); bu = y[1] - x[1]; id = y[2] - x[2]; printf "%.0f", (bu + id) ? 100 * bu / (bu + id) : 0 }'
}

calm() {  # wait (at most CALM_WAIT s) until the machine is nearly idle between runs; prints its busy %
  local i b
  for ((i = 0; i < CALM_WAIT; i++)); do
    b=$(busy_pct)
    ((b <= CALM_BUSY)) && break
  done
  echo "${b:-NA}"
}

pct() { awk -v t="$1" -v hz="$2" -v d="$3" 'BEGIN { printf "%.0f", 100 * t / hz / (d / 1e6) }'; }

run_wrk() {  # run_wrk TARGET CONNS SECONDS ROUND(0 = warm-up)
  local target=$1 conns=$2 secs=$3 round=$4 out pids bt0 bt1 pt0 pt1 m0 m1 w0 w1 a0 a1 res before=NA
  out=$TMP/wrk/$target-c$conns-r$round.txt
  mkdir -p "$TMP/wrk"
  read -ra pids <<<"$(proxy_pids "$target" | tr '\n' ' ')"
  ((round == 0 || CALM_WAIT == 0)) || before=$(calm)
  child_secs; w0=$CHILD_SECS
  a0=$(stub_accepts)
  pt0=$(ticks_of "${pids[@]}"); bt0=$(ticks_of "${BACKEND_PIDS[@]}"); m0=$(machine_ticks)
  wrk -t"$WRK_THREADS" -c"$conns" -d"${secs}s" --timeout 5s --latency -s "$HERE/report.lua" "${URL[$target]}" >"$out" 2>&1 &
  CUR_WRK=$!
  wait "$CUR_WRK" || { CUR_WRK=; cat "$out" >&2; die "wrk failed against $target"; }
  CUR_WRK=
  pt1=$(ticks_of "${pids[@]}"); bt1=$(ticks_of "${BACKEND_PIDS[@]}"); m1=$(machine_ticks)
  child_secs; w1=$CHILD_SECS
  a1=$(stub_accepts)
  res=$(grep '^RESULT ' "$out") || { cat "$out" >&2; die "no RESULT line from wrk ($target)"; }
  ((round > 0)) || { WARM_RPS=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$out"); log "warm-up $target c$conns: $WARM_RPS req/s"; return 0; }
  local -A r
  local kv
  for kv in ${res#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  local errors=$((r[connect] + r[read] + r[write] + r[status] + r[timeout]))
  local d=${r[duration_us]} rps pcpu bcpu wcpu ocpu icpu busy opened=NA
  # New connections the backend accepted during the run (the second status request counts itself).
  [[ $a0 == NA || $a1 == NA ]] || opened=$((a1 - a0 - 1))
  rps=$(awk -v n="${r[requests]}" -v d="$d" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
  pcpu=NA; [[ $target == direct ]] || pcpu=$(pct $((pt1 - pt0)) "$CLK_TCK" "$d")
  bcpu=$(pct $((bt1 - bt0)) "$CLK_TCK" "$d")
  wcpu=$(awk -v a="$w0" -v b="$w1" -v d="$d" 'BEGIN { printf "%.0f", 100 * (b - a) / (d / 1e6) }')
  read -r mb0 mi0 mq0 <<<"$m0"; read -r mb1 mi1 mq1 <<<"$m1"
  icpu=$(pct $((mq1 - mq0)) "$CLK_TCK" "$d")
  busy=$(awk -v b=$((mb1 - mb0)) -v i=$((mi1 - mi0)) 'BEGIN { printf "%.0f", (b + i) ? 100 * b / (b + i) : 0 }')
  # CPU used outside wrk, the proxy, the backend and interrupts (other tenants, kernel threads), in % of a core.
  ocpu=$(awk -v b=$((mb1 - mb0)) -v hz="$CLK_TCK" -v d="$d" -v p="$pcpu" -v q="$bcpu" -v w="$wcpu" -v i="$icpu" \
    'BEGIN { o = 100 * b / hz / (d / 1e6) - (p == "NA" ? 0 : p) - q - w - i; printf "%.0f", o < 0 ? 0 : o }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$conns" "$rps" \
    "${r[p50_us]}" "${r[p99_us]}" "$errors" "$pcpu" "$bcpu" "$wcpu" "$ocpu" "${r[p90_us]}" "${r[p999_us]}" "${r[max_us]}" \
    "$busy" "$before" "$icpu" "$opened" >>"$RECORDS"
  log "round $round $target c$conns: $rps req/s, p50 ${r[p50_us]} us, p99 ${r[p99_us]} us, errors $errors; CPU % of a core: proxy $pcpu, backend $bcpu, wrk $wcpu, irq $icpu, other $ocpu (machine busy $busy%, $before% before); backend accepted $opened new connections"
}

# --- statistics and report -----------------------------------------------------------------------
stats() {  # numbers on stdin -> "median min max" (NA when none)
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "NA NA NA"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print m, v[1], v[NR] }'
}
col() { awk -F'\t' -v t="$1" -v c="$2" -v k="$3" '$2 == t && $3 == c { print $k }' "$RECORDS" | grep -v '^NA$' || true; }
ms() { awk -v u="$1" 'BEGIN { if (u == "NA") print "NA"; else printf "%.2f", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "-"; else printf "%.2f", a / b }'; }
kfmt() { awk -v v="$1" 'BEGIN { if (v == "NA") print "NA"; else printf "%.1fk", v / 1000 }'; }

declare -A MED
summarize() {
  local t c k a b m
  for c in "${CONN_LIST[@]}"; do
    for t in "${TARGETS[@]}"; do
      for k in rps:4 p50:5 p99:6 pcpu:8 bcpu:9 wcpu:10 ocpu:11 icpu:17 conn:18; do
        read -r m a b <<<"$(col "$t" "$c" "${k#*:}" | stats)"
        MED["$t,$c,${k%:*}"]=$m; MED["$t,$c,${k%:*}min"]=$a; MED["$t,$c,${k%:*}max"]=$b
      done
      MED["$t,$c,err"]=$(col "$t" "$c" 7 | awk '{ s += $1 } END { print s + 0 }')
    done
  done
}

label_of() {
  case $1 in
    direct) echo "direct (wrk -> backend)" ;;
    nuri) echo "Nuri gateway" ;;
    nginx) echo "nginx reverse proxy" ;;
    haproxy) echo "HAProxy" ;;
  esac
}

table() {
  local t c rps p50 p99 pc
  echo "| target | conns | req/s median (min-max) | x direct | x nginx | p50 ms median (min-max) | p99 ms median (min-max) | p99 x nginx | errors | CPU %: proxy | backend | wrk | irq | other | backend conns opened |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for c in "${CONN_LIST[@]}"; do
    for t in "${TARGETS[@]}"; do
      rps="$(kfmt "${MED[$t,$c,rps]}") ($(kfmt "${MED[$t,$c,rpsmin]}")-$(kfmt "${MED[$t,$c,rpsmax]}"))"
      p50="$(ms "${MED[$t,$c,p50]}") ($(ms "${MED[$t,$c,p50min]}")-$(ms "${MED[$t,$c,p50max]}"))"
      p99="$(ms "${MED[$t,$c,p99]}") ($(ms "${MED[$t,$c,p99min]}")-$(ms "${MED[$t,$c,p99max]}"))"
      pc=${MED[$t,$c,pcpu]}; [[ $t == direct ]] && pc="-"
      echo "| $(label_of "$t") | $c | $rps | $(ratio "${MED[$t,$c,rps]}" "${MED[direct,$c,rps]}") | $(ratio "${MED[$t,$c,rps]}" "${MED[nginx,$c,rps]}") | $p50 | $p99 | $(ratio "${MED[$t,$c,p99]}" "${MED[nginx,$c,p99]}") | ${MED[$t,$c,err]} | $pc | ${MED[$t,$c,bcpu]} | ${MED[$t,$c,wcpu]} | ${MED[$t,$c,icpu]} | ${MED[$t,$c,ocpu]} | ${MED[$t,$c,conn]} |"
    done
  done
}

reading() {
  local c t verdict_tp verdict_p99 d n
  for c in "${CONN_LIST[@]}"; do
    d=${MED[direct,$c,rps]}
    local parts=()
    for t in "${TARGETS[@]}"; do
      [[ $t == direct ]] && continue
      parts+=("$(label_of "$t") $(ratio "${MED[$t,$c,rps]}" "$d")x (p99 $(ms "${MED[$t,$c,p99]}") ms, proxy CPU ${MED[$t,$c,pcpu]}%)")
    done
    local joined; joined=$(printf '%s; ' "${parts[@]}"); joined=${joined%; }
    echo "- **$c connections**: direct $(kfmt "$d") req/s (p99 $(ms "${MED[direct,$c,p99]}") ms); through $joined."
    if [[ " ${TARGETS[*]} " == *" nuri "* ]]; then
      n=${MED[nuri,$c,rps]}
      verdict_tp=$(awk -v n="$n" -v a="${MED[nginx,$c,rps]}" -v b="${MED[haproxy,$c,rps]}" 'BEGIN { print (n >= a && n >= b) ? "meets" : "misses" }')
      verdict_p99=$(awk -v n="${MED[nuri,$c,p99]}" -v a="${MED[nginx,$c,p99]}" -v b="${MED[haproxy,$c,p99]}" 'BEGIN { print (n <= a && n <= b) ? "no worse" : "worse" }')
      echo "  Nuri vs nginx $(ratio "$n" "${MED[nginx,$c,rps]}")x, vs HAProxy $(ratio "$n" "${MED[haproxy,$c,rps]}")x throughput: $verdict_tp the target (>= both); p99 $verdict_p99 than both."
    fi
  done
  local pc wc oc
  pc=$(awk -F'\t' '$8 != "NA" { print $8 }' "$RECORDS" | stats | cut -d' ' -f1)
  wc=$(awk -F'\t' '{ print $10 }' "$RECORDS" | stats | cut -d' ' -f1)
  oc=$(awk -F'\t' '{ print $11 }' "$RECORDS" | stats | cut -d' ' -f1)
  echo "- CPU: on $(nproc) cores wrk, the proxy and the backend share the CPUs (CPU % is of one core; $(nproc) cores = $(($(nproc) * 100))%)."
  echo "  Medians over all runs: wrk ${wc}%, proxy ${pc}% (a proxy near 100% is bound by its one worker/thread; well below"
  echo "  100% with the machine saturated means it is starved by wrk and the backend), other load outside the harness ${oc}%"
  echo "  (other tenants of the machine; large values make every figure lower and noisier)."
  for c in "${CONN_LIST[@]}"; do
    for t in "${TARGETS[@]}"; do
      [[ $t == direct || ${MED[$t,$c,conn]} == NA ]] && continue
      if awk -v n="${MED[$t,$c,conn]}" 'BEGIN { exit !(n > 1000) }'; then
        echo "- $(label_of "$t") at $c connections: the backend accepted a median ${MED[$t,$c,conn]} new connections per run, so upstream"
        echo "  connections are not reused$([[ $t == nginx ]] && echo " (more requests in flight than the $NGINX_KEEPALIVE idle connections \`keepalive\` keeps: the rest are closed after each request)")."
      fi
    done
  done
  local errs; errs=$(awk -F'\t' '{ s += $7 } END { print s + 0 }' "$RECORDS")
  echo "- Errors (connect/read/write/timeout/non-2xx, all runs): $errs."
}

versions() {
  local jh jv
  echo "- $(nginx -v 2>&1)"
  echo "- $(haproxy -v 2>&1 | head -1)"
  echo "- $(wrk -v 2>&1 | head -1)"
  if jh=$("$NURI" --print-java-home 2>/dev/null); then
    jv=$("$jh/bin/java" -version 2>&1 | tr '\n' ' ' | sed 's/  */ /g')
    echo "- java ($jh): $jv"
  else
    echo "- java: $(java -version 2>&1 | head -1) (no JDK >= 21 found by ./nuri)"
  fi
  echo "- Nuri: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes in the tree)')"
}

THREAD_REPORT=
THREAD_LINES=()
nuri_threads_report() {  # per-thread CPU of the JVM, summed over the measured Nuri runs, by thread name
  [[ -s $TMP/threads.d ]] || return 0
  local rows total
  rows=$(awk -F'\t' '{ n[$3] += $2; k = $3 SUBSEP $1; if (!(k in seen)) { seen[k] = 1; c[$3]++ } }
    END { for (k in n) printf "%d\t%d\t%s\n", n[k], c[k], k }' "$TMP/threads.d" | sort -rn)
  total=$(awk -F'\t' '{ s += $1 } END { print s + 0 }' <<<"$rows")
  THREAD_REPORT=$(head -10 <<<"$rows" | awk -F'\t' -v tot="$total" -v hz="$CLK_TCK" -v secs="$NURI_RUN_SECS" '{
    printf "- `%s` (%d thread%s): %.1f s CPU, %.0f%% of the JVM'"'"'s, %.0f%% of a core\n", $3, $2, ($2 > 1 ? "s" : ""), $1 / hz, tot ? 100 * $1 / tot : 0, secs ? 100 * $1 / hz / secs : 0 }')
  mapfile -t THREAD_LINES <<<"$THREAD_REPORT"
}

write_section() {  # the whole "Gateway load" section on stdout
  local backend_note loadavg=$1 loadavg_after=$2 results_rel=$3 max_conns=0 c
  for c in "${CONN_LIST[@]}"; do if ((c > max_conns)); then max_conns=$c; fi; done
  if [[ $BACKEND_MODE == nuri ]]; then
    backend_note="run as a Nuri app (\`command\` app, 1 replica, a wrapper writes the nginx config for \`\$PORT\` and execs nginx in the foreground); its port read from \`nuri get instances $APP -o json\`; every target reaches this same process"
  else
    backend_note="started by the harness (Nuri not involved); every target reaches this same process"
  fi
  echo "$SECTION"
  echo
  echo "Method: \`bench/load/run.sh$( ((SKIP_NURI)) && echo ' --skip-nuri')\` (see its header). One run on 127.0.0.1: a fast backend,"
  printf '%s\n' "nginx \`return 200 \"ok\\n\"\` with 1 worker and access log off, $backend_note."
  echo "Targets: direct; $( ((SKIP_NURI)) || echo "Nuri's gateway (\`nuri server --gateway-port\`, $GATEWAY_THREAD_NOTE); ")nginx as reverse proxy"
  echo "(1 worker, upstream keepalive $NGINX_KEEPALIVE, HTTP/1.1, \`Connection \"\"\`); HAProxy (nbthread 1, mode http, http-reuse always)."
  echo "Load: \`wrk -t$WRK_THREADS -cC -d$DURATION --latency\` for C in ${CONN_LIST[*]}, after warm-up runs per target ($WARMUP each at"
  echo "$max_conns connections, repeated until two agree within 10%, at most $WARMUP_MAX; req/s: $(for t in "${TARGETS[@]}"; do printf '%s %s; ' "$t" "${WARMUPS[$t]}"; done | sed 's/; $//')); $ROUNDS rounds,"
  echo "each round every connection count, each count every target in turn ($(printf '%s, ' "${TARGETS[@]}" | sed 's/, $//'))."
  echo "p50/p99 are wrk's latencies of the same saturating runs (closed loop: they include queueing)."
  echo "Before each measured run the harness waits (up to ${CALM_WAIT}s) for the machine to be at most ${CALM_BUSY}% busy."
  echo "Figures: medians over rounds (min-max); ratios of medians. CPU %: of one core, from /proc, over the run;"
  echo "irq: interrupt and softirq time (loopback TCP is largely processed there; no process is charged for it);"
  echo "\"other\": the machine's remaining busy time, not spent in wrk, the proxy or the backend (other tenants)."
  echo "Backend conns opened: new TCP connections the backend accepted during a run (nginx stub_status; a proxy that"
  echo "reuses upstream connections opens few; with the backend run by Nuri its readiness probe adds about one a second)."
  echo
  echo "Run $DAY on $(nproc) cores, \`$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')\`, load average before $loadavg, after $loadavg_after."
  if ((SKIP_NURI)); then echo "Nuri's gateway not measured in this run (--skip-nuri)."; fi
  echo
  echo "Versions:"
  versions
  echo
  table
  echo
  echo "Reading:"
  reading
  if [[ -n $THREAD_REPORT ]]; then
    echo "- Nuri JVM threads that used CPU during the measured Nuri runs (top; the JVM had $NURI_THREADS threads in all):"
    printf '  %s\n' "${THREAD_LINES[@]}"
  fi
  echo
  echo "Per-run figures: \`$results_rel\`."
}

update_docs() {  # replace (or append) our section in docs/benchmarks.md, leaving the rest alone
  local section_file=$1 tmp
  if [[ ! -f $DOCS ]]; then mkdir -p "${DOCS%/*}"; printf '# Benchmarks\n' >"$DOCS"; fi
  tmp=$(mktemp "$DOCS.XXXXXX")
  awk -v sec="$SECTION" -v file="$section_file" '
    function emit(  line) { while ((getline line < file) > 0) print line; close(file); done = 1 }
    $0 == sec { emit(); skip = 1; next }
    skip && /^## / { skip = 0; print "" }
    skip { next }
    { print }
    END { if (!done) { print ""; emit() } }' "$DOCS" >"$tmp"
  # No trailing blank lines doubled: squeeze runs of blank lines at the end.
  sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp" >"$tmp.2" && mv "$tmp.2" "$DOCS" && rm -f "$tmp"
}

# --- main ----------------------------------------------------------------------------------------
main() {
  local load_before load_after
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  log "tmp dir $TMP; rounds $ROUNDS, duration $DURATION, warm-up $WARMUP, connections ${CONN_LIST[*]}"

  if [[ $BACKEND_MODE == nuri ]]; then
    prepare_nuri
    start_nuri_server
    start_backend_nuri
  else
    start_backend_self
  fi
  read -ra BACKEND_PIDS <<<"$({ echo "$BACKEND_PID"; descendants_of "$BACKEND_PID"; } | tr '\n' ' ')"
  log "backend nginx: port $BACKEND_PORT, pids ${BACKEND_PIDS[*]}"

  start_nginx_proxy
  start_haproxy
  log "nginx proxy :$NGINX_PORT (pid $NGINX_PID), haproxy :$HAPROXY_PORT (pid $HAPROXY_PID)"

  URL[direct]=http://127.0.0.1:$BACKEND_PORT/
  URL[nginx]=http://127.0.0.1:$NGINX_PORT/
  URL[haproxy]=http://127.0.0.1:$HAPROXY_PORT/
  TARGETS=(direct)
  if ((!SKIP_NURI)); then
    URL[nuri]=http://127.0.0.1:$GATEWAY_PORT/
    TARGETS+=(nuri)
    local i
    for ((i = 0; i < 300; i++)); do wait_ok "${URL[nuri]}" 1 && break; sleep 0.1; done
    wait_ok "${URL[nuri]}" 1 || die "Nuri's gateway on :$GATEWAY_PORT does not answer ok for $APP ($(curl -sS -o /dev/null -w '%{http_code}' "${URL[nuri]}" 2>&1))"
  fi
  TARGETS+=(nginx haproxy)

  local t c r max_c=0
  for c in "${CONN_LIST[@]}"; do if ((c > max_c)); then max_c=$c; fi; done
  # Warm-up: repeated per target until two in a row agree within 10% (a JVM needs many requests
  # before its JIT settles; nginx and HAProxy settle at once), at most WARMUP_MAX runs.
  if ((WARM_S > 0)); then
    local prev n
    for t in "${TARGETS[@]}"; do
      prev=0
      for ((n = 1; n <= WARMUP_MAX; n++)); do
        run_wrk "$t" "$max_c" "$WARM_S" 0
        WARMUPS[$t]+="${WARMUPS[$t]:+, }$WARM_RPS"
        if ((n > 1)) && awk -v a="$prev" -v b="$WARM_RPS" 'BEGIN { exit !(b > 0 && a / b > 0.9 && a / b < 1.1) }'; then break; fi
        prev=$WARM_RPS
      done
    done
  fi
  for ((r = 1; r <= ROUNDS; r++)); do
    for c in "${CONN_LIST[@]}"; do
      for t in "${TARGETS[@]}"; do
        [[ $t == nuri ]] && thread_ticks "$NURI_PID" >"$TMP/threads.pre"
        run_wrk "$t" "$c" "$DUR_S" "$r"
        # Only the Nuri runs count toward the thread report: accumulate per-run deltas.
        if [[ $t == nuri ]]; then
          thread_ticks "$NURI_PID" >"$TMP/threads.post"
          awk -F'\t' 'NR == FNR { t0[$1] = $2; next } { d = $2 - t0[$1]; if (d > 0) print $1 "\t" d "\t" $3 }' \
            "$TMP/threads.pre" "$TMP/threads.post" >>"$TMP/threads.d"
        fi
      done
    done
  done
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)

  # Backend still the same process (no restart by Nuri during the run)?
  alive "$BACKEND_PID" || die "the backend process $BACKEND_PID is gone: results are not comparable"
  NURI_THREADS=
  if ((!SKIP_NURI)); then
    NURI_THREADS=$(awk '/^Threads:/ { print $2 }' "/proc/$NURI_PID/status")
    NURI_RUN_SECS=$((ROUNDS * ${#CONN_LIST[@]} * DUR_S))
    nuri_threads_report
  fi

  summarize
  local results=$HERE/results-$STAMP.md results_rel=bench/load/results-$STAMP.md section=$TMP/section.md
  write_section "$load_before" "$load_after" "$results_rel" >"$section"
  {
    echo "# Gateway load results, $STAMP"
    echo
    sed "1d" "$section"
    echo
    echo "## Every run"
    echo
    echo "| round | target | conns | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | CPU %: proxy | backend | wrk | irq | other | machine busy % | busy % before | backend conns opened |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 / 1000, $12 / 1000, $6 / 1000, $13 / 1000, $14 / 1000, $7, $8, $9, $10, $17, $11, $15, $16, $18 }' "$RECORDS"
  } >"$results"
  cat "$section"
  if ((UPDATE_DOCS)); then update_docs "$section"; log "updated \"$SECTION\" in docs/benchmarks.md"; fi
  log "results in $results_rel"
}

main
