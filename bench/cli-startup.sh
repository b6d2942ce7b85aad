#!/usr/bin/env bash
# CLI startup benchmark: wall time of `./nuri get apps` against a running local server.
#
#   bench/cli-startup.sh DATA_DIR [RUNS]
#
# Start the server first, e.g. `./nuri server --data-dir /tmp/nuri-bench --apply examples/`, then
# run `bench/cli-startup.sh /tmp/nuri-bench`. The CLI finds the server and token in DATA_DIR
# (server.json, admin.token). What is measured is the whole command as a user types it: the bash
# launcher (JDK lookup, build check), JVM start with the CLI's class archive, one authenticated
# GET to the API, and printing the table. The first, untimed runs create the class archive.
#
# Uses hyperfine when installed (apt-get install hyperfine), else a bash loop; reports the median
# and min/max in milliseconds. Talks to 127.0.0.1 only: it refuses a server.json that points
# elsewhere, and ignores NURI_SERVER / NURI_TOKEN from the environment.
# Results go to docs/benchmarks.md by hand, with the machine (nproc, JDK) next to them.
set -euo pipefail

usage() { echo "usage: $0 DATA_DIR [RUNS]   (a data dir of a running 'nuri server')" >&2; exit 2; }
die() { echo "cli-startup: $*" >&2; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || usage
DATA_DIR=$(cd "$1" 2>/dev/null && pwd) || die "no such data dir: $1"
RUNS=${2:-20}
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 3 ]] || die "RUNS must be a number >= 3, not '$RUNS'"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NURI=$ROOT/nuri
unset NURI_SERVER NURI_TOKEN

# --- the server must be up, and local ---------------------------------------------------------
[[ -f $DATA_DIR/server.json ]] || die "$DATA_DIR/server.json missing: is 'nuri server --data-dir $DATA_DIR' running?"
url=$(sed -n 's/.*"url" *: *"\([^"]*\)".*/\1/p' "$DATA_DIR/server.json")
[[ $url =~ ^http://(127\.0\.0\.1|localhost):[0-9]+$ ]] \
  || die "server.json says the API is at '$url'; this benchmark only talks to 127.0.0.1"
if command -v curl >/dev/null; then
  curl -fsS --max-time 2 "$url/readyz" >/dev/null || die "no ready server at $url (GET /readyz failed)"
fi

cmd=("$NURI" get apps --data-dir "$DATA_DIR")
printf -v cmd_str '%q ' "${cmd[@]}"; cmd_str=${cmd_str% }

# Untimed: builds if sources changed, creates the CLI class archive, and checks the command works.
"${cmd[@]}" >/dev/null || die "'$cmd_str' failed; run it by hand to see why"
"${cmd[@]}" >/dev/null
# Timed runs never rebuild, even if someone edits a source meanwhile (a build would be one huge outlier).
export NURI_SKIP_BUILD=1

echo "cli-startup: $cmd_str"
echo "cli-startup: server $url, $RUNS runs, $(nproc) cores, JDK $("$NURI" --print-java-home)"

if command -v hyperfine >/dev/null; then
  json=$(mktemp); trap 'rm -f "$json"' EXIT
  # -N: no intermediate shell (hyperfine >= 1.13), so nothing but the command is timed.
  shell_opt=(-N); hyperfine --help | grep -q -- '--shell' || shell_opt=()
  hyperfine "${shell_opt[@]}" --warmup 3 --runs "$RUNS" --export-json "$json" "$cmd_str"
  python3 - "$json" <<'PY' 2>/dev/null || true
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"cli-startup: median {r['median']*1000:.0f} ms, min {r['min']*1000:.0f} ms, max {r['max']*1000:.0f} ms")
PY
else
  echo "cli-startup: hyperfine not installed, timing a bash loop"
  times=()
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    "${cmd[@]}" >/dev/null || die "run $((i + 1)) failed"
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
  n=${#sorted[@]}
  if (( n % 2 )); then median=${sorted[n / 2]}; else median=$(( (sorted[n / 2 - 1] + sorted[n / 2]) / 2 )); fi
  echo "cli-startup: median ${median} ms, min ${sorted[0]} ms, max ${sorted[n - 1]} ms ($n runs)"
fi
