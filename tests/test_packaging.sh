#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Check hashmatchd's deployment files (packaging/) against a built
# hashmatchd, without systemd running it and without docker:
#   1. the systemd unit passes `systemd-analyze verify` with no message at
#      all (its ExecStart pointed at the binary) and keeps its hardening;
#   2. the program starts on each sample configuration file and stops
#      cleanly on SIGTERM;
#   3. the Dockerfile's HEALTHCHECK command, run as written (the port
#      changed), passes against that program and fails on a closed port;
#   4. the Dockerfile's runtime stage installs the package of every shared
#      library the binary and libhashmatch need (dpkg -S), and apt knows
#      every package it names.
# Usage: bash tests/test_packaging.sh PATH/TO/hashmatchd
set -euo pipefail
bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
unit=$root/packaging/systemd/hashmatchd.service
dockerfile=$root/packaging/docker/Dockerfile
tmp=$(mktemp -d)
pid=
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "test_packaging: $*" >&2; exit 1; }

# 1. systemd unit
if command -v systemd-analyze >/dev/null; then
  sed "s#/usr/local/bin/hashmatchd#$bin#" "$unit" > "$tmp/hashmatchd.service"
  out=$(cd "$tmp" && systemd-analyze verify ./hashmatchd.service 2>&1) || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify warns: $out"
  echo "systemd unit: systemd-analyze verify clean"
else
  echo "systemd unit: systemd-analyze not installed, not verified"
fi
for d in DynamicUser=yes ProtectSystem=strict ReadWritePaths=/var/lib/hashmatchd NoNewPrivileges=yes \
         PrivateTmp=yes StateDirectory=hashmatchd 'ExecReload=/bin/kill -HUP $MAINPID' CapabilityBoundingSet=; do
  grep -qxF "$d" "$unit" || fail "the unit lacks $d"
done

# 2 and 3. the sample configurations, and the health check
health=$(sed -n 's/^ *CMD \["bash", "-c", "\(.*\)"\]$/\1/p' "$dockerfile" | sed 's/\\\\/\\/g')
case $health in *127.0.0.1/5000*) ;; *) fail "no HEALTHCHECK probing 127.0.0.1:5000 found in $dockerfile" ;; esac
for cfg in "$root/packaging/systemd/hashmatchd.json" "$root/packaging/docker/hashmatchd.json"; do
  log=$tmp/log
  "$bin" --config "$cfg" --listen 127.0.0.1:0 --index "$tmp/index.hmi" --no-auth 2>"$log" &
  pid=$!
  for _ in $(seq 100); do grep -q 'ready' "$log" && break; sleep 0.1; done
  grep -q 'ready' "$log" || fail "$cfg: not ready: $(cat "$log")"
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
  bash -c "${health//127.0.0.1\/5000/127.0.0.1/$port}" || fail "HEALTHCHECK fails against a live server"
  kill -TERM "$pid"
  wait "$pid" || fail "$cfg: exit status $? after SIGTERM: $(cat "$log")"
  pid=
  echo "config $(basename "$(dirname "$cfg")")/$(basename "$cfg"): serves, health check passes, stops cleanly"
done
if bash -c "${health//127.0.0.1\/5000/127.0.0.1/$port}" 2>/dev/null; then
  fail "HEALTHCHECK passes on a closed port"
fi

# 4. runtime libraries of the image
runtime=$(awk '/^FROM debian:12-slim/{s=1} s' "$dockerfile" |
  sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
  grep -vxE 'apt-get|install|rm|rf|DEBIAN_FRONTEND=noninteractive' | sort -u)
[ -n "$runtime" ] || fail "no runtime packages found in $dockerfile"
for p in $runtime; do apt-cache show "$p" >/dev/null 2>&1 || fail "apt does not know $p"; done
lib=$(ldd "$bin" | awk '$1 ~ /^libhashmatch\.so/ {print $3}')
[ -f "$lib" ] || fail "ldd does not find libhashmatch for $bin"
needed=$( { readelf -d "$bin"; readelf -d "$lib"; } | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
for so in $needed; do
  case $so in libhashmatch.so*|ld-linux*|libc.so.*|libm.so.*) continue ;; esac   # libc6: in every image
  path=$(ldd "$lib" "$bin" | awk -v so="$so" '$1 == so && !f {print $3; f = 1}')
  [ -n "$path" ] || fail "ldd does not resolve $so"
  pkg=$(dpkg -S "$(realpath "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null) || fail "no package owns $path"
  pkg=${pkg%%:*}
  grep -qxF "$pkg" <<<"$runtime" || fail "$so ($pkg) is not installed by the Dockerfile's runtime stage"
done
echo "Dockerfile: the runtime stage installs every library needed ($(echo $runtime))"
