#!/usr/bin/env bash
# Configures and builds one flavour of squeezefs: build.sh DIR [extra cmake args...]
# SQUEEZEFS_BUILD_TARGET names one target to build instead of all.
set -euo pipefail
dir=$1
shift
mkdir -p "$dir"
cmake -S "$(dirname "$0")/.." -B "$dir" -G Ninja -DSQUEEZEFS_WERROR=ON "$@" > "$dir.configure.log" 2>&1 ||
  { cat "$dir.configure.log"; exit 1; }
cmake --build "$dir" -j "$(nproc)" ${SQUEEZEFS_BUILD_TARGET:+--target "$SQUEEZEFS_BUILD_TARGET"}
