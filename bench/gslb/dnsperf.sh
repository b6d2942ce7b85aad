#!/usr/bin/env bash
# DNS queries per second: Nuri's GSLB DNS front end against BIND 9 (named) serving the same names
# from a static zone, side by side in one run, loopback only, bounded in time.
# Needs: apt-get install dnsperf bind9 ; a built ./nuri (the script calls it).
# Usage: bench/gslb/dnsperf.sh [rounds] [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
seconds=${2:-10}
tmp=$(mktemp -d /tmp/nuri-dnsperf.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

cat > "$tmp/egov.test.zone" <<ZONE
\$TTL 5
@       IN SOA ns1.egov.test. hostmaster.egov.test. 1 3600 600 86400 5
@       IN NS  ns1.egov.test.
ns1     IN A   127.0.0.1
portal  IN A   127.0.0.2
portal  IN A   127.0.0.3
ZONE
cat > "$tmp/named.conf" <<CONF
options { directory "$tmp"; listen-on port 18054 { 127.0.0.1; }; listen-on-v6 { none; };
          recursion no; pid-file "$tmp/named.pid"; dnssec-validation no; };
zone "egov.test" { type master; file "$tmp/egov.test.zone"; };
CONF
named -f -c "$tmp/named.conf" -n 2 >"$tmp/named.log" 2>&1 & pids+=($!)
NURI_JAVA_OPTS=${NURI_JAVA_OPTS:-} ./nuri gslb --config examples/gslb/portal-hybrid.yaml --dns-port 18053 --http-port -1 \
  --data-dir "$tmp/gslb" >"$tmp/gslb.log" 2>&1 & pids+=($!)
for port in 18053 18054; do
  for _ in $(seq 1 120); do dig @127.0.0.1 -p $port +short +tries=1 +time=1 portal.egov.test A >/dev/null 2>&1 && break; sleep 0.5; done
done
echo "portal.egov.test A" > "$tmp/queries"

run() { dnsperf -s 127.0.0.1 -p "$1" -d "$tmp/queries" -l "$seconds" -c 8 -T 2 -q 200 2>&1 | awk '/Queries per second/ {print $4}'; }
run 18053 >/dev/null; run 18054 >/dev/null   # warm-up (JIT, caches)
echo "round nuri_qps bind_qps ratio"
for r in $(seq 1 "$rounds"); do
  n=$(run 18053); b=$(run 18054)
  echo "$r $n $b $(awk -v n="$n" -v b="$b" 'BEGIN{printf "%.2f", n/b}')"
done
