#!/usr/bin/env bash
# What the APM costs the gateway: throughput with the APM listeners on vs off, interleaved in one run.
#
#   bench/load/apm-onoff.sh            (environment: ROUNDS 5, DURATION 5 (s), WARMUP 5 (s), CONNS 50)
#
# Two Nuri servers from this checkout's distribution (build it first: ./mvnw -o -DskipTests package),
# each with its own data dir, its gateway (1 event loop, as bench/load/run.sh measures it) and its
# own nginx backend app (1 worker, `return 200 "ok\n"`, access log off, the same template as run.sh):
#   on   as shipped: ApmRecorder + start hook, Prometheus listener, access log (ON_OPTS: JVM options for it,
#        e.g. -XX:StartFlightRecording=filename=/tmp/on.jfr,settings=profile to profile it);
#   off  NURI_JAVA_OPTS=-Dnuri.apm.listeners=off: none of those (canary signals stay; the autoscaler then sees no RPS or p95);
#        OFF_OPTS=-Dnuri.apm.listeners=noaccess compares with everything but the access log instead,
#        OFF_OPTS=-Dnuri.apm.listeners=access with the access log alone (the APM proper on vs off).
# wrk -t1 -cCONNS (bench/load/report.lua) against each gateway in turn, ROUNDS rounds, the first target
# alternating per round so drift on a shared machine hits both. Also the server JVM's CPU time per
# request (utime + stime from /proc over each wrk run): less sensitive to other tenants than req/s.
# Prints a markdown table with medians (min-max) and the ratios to stdout and bench/load/results-apm-<date>-<time>.md. Every process
# it started is stopped by pid on exit (trap).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
# shellcheck source=lib.sh
. "$HERE/lib.sh"   # write_backend_files (the nginx backend app, as run.sh uses it), median
NURI=$ROOT/nuri
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-50}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nuri-apm-onoff.XXXXXX")
PIDS=()

log() { printf '[apm-onoff %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
for tool in wrk nginx jq curl; do command -v "$tool" >/dev/null || die "$tool not found"; done

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done   # servers stop their instances
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  [[ ${KEEP_TMP:-0} == 1 ]] || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

declare -A GW SPID
start_server() {  # start_server NAME JAVA_OPTS
  local name=$1 opts=$2 data=$TMP/$1 i
  mkdir -p "$data"
  NURI_SKIP_BUILD=1 NURI_JAVA_OPTS="$opts" "$NURI" server --data-dir "$data" --api-port 0 --gateway-port 0 \
    --gateway-event-loops 1 >"$TMP/$name-server.log" 2>&1 &
  PIDS+=($!)
  SPID[$name]=$!   # the launcher execs java: this is the server JVM
  for ((i = 0; i < 600; i++)); do [[ -s $data/server.json ]] && break; sleep 0.1; done
  [[ -s $data/server.json ]] || { tail -20 "$TMP/$name-server.log" >&2; die "$name server not up in 60 s"; }
  write_backend_files "$TMP/$name-backend"
  cat >"$TMP/$name.yaml" <<EOF
apiVersion: nuri.io/v1
kind: App
metadata: {name: backend}
spec:
  run: {command: ["$TMP/$name-backend/start.sh"]}
  replicas: 1
  probes: {readiness: {http: {path: /}, periodSeconds: 1}}
  routes: [{host: "*", path: /}]
EOF
  NURI_SKIP_BUILD=1 NURI_JAVA_OPTS='' "$NURI" --data-dir "$data" apply -f "$TMP/$name.yaml" >&2
  GW[$name]=$(jq -r .gatewayUrl "$data/server.json")
  for ((i = 0; i < 600; i++)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "${GW[$name]}/") == 200 ]] && break
    sleep 0.1
  done
  ((i < 600)) || die "$name gateway does not answer 200 at ${GW[$name]}"
  log "$name: gateway ${GW[$name]} (JAVA_OPTS '$opts')"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of the JVM, all threads

# Per thread group (the name without its trailing number): utime + stime ticks, "name ticks" lines.
thread_ticks() {
  local f
  for f in /proc/"$1"/task/*/stat; do cat "$f" 2>/dev/null || true; done |
    sed -E 's/^[0-9]+ \((.*)\) /\1\t/' |
    awk -F'\t' '{split($2, a, " "); name = $1; sub(/[-#0-9]+$/, "", name); gsub(/ /, "_", name); t[name] += a[12] + a[13]}
                END {for (n in t) print n, t[n]}'
}

run_wrk() {  # run_wrk NAME SECONDS -> "rps p50_us p99_us errors cpu_us_per_request"
  local out before after tick
  tick=$(getconf CLK_TCK)
  before=$(cpu_ticks "${SPID[$1]}")
  thread_ticks "${SPID[$1]}" >"$TMP/threads-before"
  out=$(wrk -t1 -c"$CONNS" -d"$2s" --timeout 5s --latency -s "$HERE/report.lua" "${GW[$1]}/" 2>&1) \
    || die "wrk failed against $1: $out"
  after=$(cpu_ticks "${SPID[$1]}")
  thread_ticks "${SPID[$1]}" >"$TMP/threads-after"
  # per-thread CPU of this run, summed at the end (run_wrk runs in a subshell: a file, not a variable)
  awk -v reqs="$(awk '/^RESULT /{for(i=2;i<=NF;i++){split($i,kv,"="); if (kv[1]=="requests") print kv[2]}}' <<<"$out")" \
    'NR==FNR {b[$1]=$2; next} {print $1, $2 - b[$1], reqs}' "$TMP/threads-before" "$TMP/threads-after" >>"$TMP/threads-$1"
  awk -v cpu=$(( after - before )) -v tick="$tick" '/^RESULT /{for(i=2;i<=NF;i++){split($i,kv,"=");v[kv[1]]=kv[2]}
       printf "%.0f %d %d %d %.1f\n", v["requests"]/(v["duration_us"]/1e6), v["p50_us"], v["p99_us"], v["status"]+v["timeout"],
         cpu * 1e6 / tick / v["requests"]}' <<<"$out"
}


start_server on "${ON_OPTS:-}"
start_server off "${OFF_OPTS:--Dnuri.apm.listeners=off}"
log "warm-up ${WARMUP}s each"
run_wrk on "$WARMUP" >/dev/null
run_wrk off "$WARMUP" >/dev/null
rm -f "$TMP/threads-on" "$TMP/threads-off"   # per-thread CPU over the measured rounds only
declare -A RPS P50 P99 ERRS CPU
PAIRED=""
for ((r = 1; r <= ROUNDS; r++)); do
  order=(on off)
  ((r % 2 == 0)) && order=(off on)
  for t in "${order[@]}"; do
    read -r rps p50 p99 errs cpu < <(run_wrk "$t" "$DURATION")
    RPS[$t]+="$rps "; P50[$t]+="$p50 "; P99[$t]+="$p99 "; CPU[$t]+="$cpu "; ERRS[$t]=$(( ${ERRS[$t]:-0} + errs ))
    log "round $r $t: $rps req/s p50 ${p50} us p99 ${p99} us, server CPU ${cpu} us/request"
    declare -g "last_$t=$rps"
  done
  # the two runs of a round are seconds apart: their ratio cancels the machine's slow drift
  PAIRED+="$(awk -v on="$last_on" -v off="$last_off" 'BEGIN{printf "%.3f", on/off}') "
done

row() {
  local t=$1 m lo hi
  m=$(tr ' ' '\n' <<<"${RPS[$t]}" | grep . | median)
  lo=$(tr ' ' '\n' <<<"${RPS[$t]}" | grep . | sort -n | head -1)
  hi=$(tr ' ' '\n' <<<"${RPS[$t]}" | grep . | sort -n | tail -1)
  printf '| %s | %s (%s-%s) | %s | %s | %s | %s |\n' "$t" "$m" "$lo" "$hi" \
    "$(tr ' ' '\n' <<<"${P50[$t]}" | grep . | median)" "$(tr ' ' '\n' <<<"${P99[$t]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${CPU[$t]}" | grep . | median)" "${ERRS[$t]}"
}
on_m=$(tr ' ' '\n' <<<"${RPS[on]}" | grep . | median)
off_m=$(tr ' ' '\n' <<<"${RPS[off]}" | grep . | median)
stamp=$(date -u +%Y-%m-%d-%H%M)
result=$HERE/results-apm-$stamp.md
{
  echo "APM listeners on vs off, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "off = ${OFF_OPTS:--Dnuri.apm.listeners=off}; wrk -t1 -c$CONNS, $ROUNDS rounds x ${DURATION}s per target after ${WARMUP}s warm-up each (medians, min-max), gateway with 1 event loop, nginx backend"
  echo
  echo "| APM listeners | req/s | p50 us | p99 us | server CPU us/request | non-2xx+timeouts |"
  echo "|---|---|---|---|---|---|"
  row on
  row off
  echo
  awk -v on="$on_m" -v off="$off_m" 'BEGIN{printf "Throughput with the APM on / off: %.3f\n", on/off}'
  sorted=$(tr ' ' '\n' <<<"$PAIRED" | grep . | sort -n)
  echo "Per-round on/off ratio: median $(median <<<"$sorted") (min $(head -1 <<<"$sorted"), max $(tail -1 <<<"$sorted"); rounds: ${PAIRED% })"
  on_c=$(tr ' ' '\n' <<<"${CPU[on]}" | grep . | median)
  off_c=$(tr ' ' '\n' <<<"${CPU[off]}" | grep . | median)
  awk -v on="$on_c" -v off="$off_c" 'BEGIN{printf "Server CPU per request off / on: %.3f (the throughput ratio a CPU-bound gateway would reach)\n", off/on}'
  echo
  echo "Server CPU per request by thread group (us, all measured rounds; a thread group's requests are the target's):"
  echo
  echo "| thread group | on | off |"
  echo "|---|---|---|"
  tick=$(getconf CLK_TCK)
  for t in on off; do
    awk -v t="$t" -v tick="$tick" '{cpu[$1] += $2; reqs[$1] += $3}
      END {for (n in cpu) if (cpu[n] > 0) printf "%s %s %.2f\n", n, t, cpu[n] * 1e6 / tick / reqs[n]}' "$TMP/threads-$t"
  done | awk '{v[$1 FS $2] = $3; names[$1] = 1} END {for (n in names) printf "| %s | %s | %s |\n", n, (v[n FS "on"] == "" ? "0" : v[n FS "on"]), (v[n FS "off"] == "" ? "0" : v[n FS "off"])}' | sort -t'|' -k3 -gr
} | tee "$result"
log "written $result"
