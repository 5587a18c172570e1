#!/usr/bin/env bash
# Builds squeezefs, shows the codec tools on a sample file, then creates a store (./store unless
# it exists) and mounts it at ./mnt. Installs its own dependencies.
# Usage: bash scripts/run.sh [FILE]
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

# The filesystem: a store at ./store, mounted at ./mnt (in the background).
store=$PWD/store
mnt=$PWD/mnt
[ -e "$store/index.db" ] || $sqz mkfs "$store"
mkdir -p "$mnt"
if grep -q " $mnt fuse.squeezefs " /proc/mounts; then
  echo "$store is already mounted at $mnt"
else
  $sqz mount "$store" "$mnt"
  echo "mounted $store at $mnt"
fi
cat <<USAGE
Use $mnt like any directory; files are compressed into $store (log: $store/squeezefs.log).
  cp -r /usr/share/doc $mnt/ && du -sh $mnt/doc $store/data
Unmount (returns once everything is flushed and the daemon has exited) with:
  $sqz umount $mnt
USAGE
