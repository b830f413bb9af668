#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Start hashmatchd (docs/hashmatchd.md) on the bundled example hash list,
# from a clean checkout, in one command:
#
#   bash scripts/hashmatchd.sh [hashmatchd flags...]
#
#   1. scripts/build-go.sh: installs the build dependencies, builds and
#      installs libhashmatch into build/prefix-go, builds the Go binding;
#   2. builds build/hashmatchd;
#   3. runs it on 127.0.0.1:5000 with the index build/hashmatchd-example.hmi
#      (created at the first start, kept after) and the example list
#      tests/data/example/known.csv.
#
# Without HASHMATCHD_TOKENS / HASHMATCHD_CURATION_TOKENS in the environment
# it runs with --no-auth (local development; it warns). Extra arguments
# go to hashmatchd (e.g. --listen :5000, --token-file FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
prefix=$root/build/prefix-go
bash scripts/build-go.sh "$prefix"
source scripts/go-env.sh
pc=$(find "$prefix" -name hashmatch.pc | head -n 1)
export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
(cd bindings/go && "$GO" build -o "$root/build/hashmatchd" ./cmd/hashmatchd)
auth=()
if [ -z "${HASHMATCHD_TOKENS:-}${HASHMATCHD_CURATION_TOKENS:-}" ]; then
  auth=(--no-auth)
fi
exec "$root/build/hashmatchd" "${auth[@]}" \
  --index "$root/build/hashmatchd-example.hmi" \
  --list "$root/tests/data/example/known.csv" "$@"
