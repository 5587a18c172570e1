#!/usr/bin/env bash
# Builds squeezefs and runs its main job: compress a sample file with the default seed codec,
# inspect the framed file, restore it and check the restored copy. Installs its own
# dependencies. Usage: bash scripts/run.sh [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSQUEEZEFS_BUILD_TESTS=OFF
sqz=build/release/bin/squeezefs
sample=${1:-README.md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$sqz codec list
$sqz codec compress --codec zstd "$sample" "$work/sample.sqz"
$sqz codec info "$work/sample.sqz"
$sqz codec decompress "$work/sample.sqz" "$work/restored"
cmp "$sample" "$work/restored"
echo "restored $(stat -c %s "$work/restored") bytes from $(stat -c %s "$work/sample.sqz"): identical"
