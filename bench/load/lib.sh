#!/usr/bin/env bash
# What the load scripts share (sourced by run.sh and apm-onoff.sh): the nginx backend app they
# put behind the proxies, and a median.

# shellcheck disable=SC2016  # $PORT and $DIR are filled in by the wrapper (start.sh), not here
BACKEND_TEMPLATE='worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/plain;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    server {
        listen 127.0.0.1:$PORT;
        location / { return 200 "ok\n"; }
        location = /_stub { stub_status; }
    }
}'

write_backend_files() {  # the template and the wrapper that fills in $PORT; used by both modes
  local dir=$1
  mkdir -p "$dir/logs" "$dir/conf"
  printf '%s\n' "$BACKEND_TEMPLATE" >"$dir/nginx.conf.template"
  cat >"$dir/start.sh" <<'EOF'
#!/bin/sh
# Runs the benchmark backend in the foreground on $PORT (set by Nuri, or by run.sh).
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
: "${PORT:?PORT must be set}"
sed -e "s|\$PORT|$PORT|g" -e "s|\$DIR|$dir|g" "$dir/nginx.conf.template" >"$dir/conf/nginx.conf"
exec nginx -p "$dir/" -e "$dir/logs/error.log" -c "$dir/conf/nginx.conf" -g 'daemon off;'
EOF
  chmod +x "$dir/start.sh"
}

# median of the numbers on stdin (one per line)
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
