#!/usr/bin/env bash
# Proves the README's run command on a fresh clone: clones the committed checkout into an empty
# directory, runs `bash scripts/run.sh` there as a new user would, writes a file into the mount it
# made, reads it back, unmounts and checks that the daemon let go of the store.
# Usage: bash tests/setup/fresh_clone_run.sh   (from anywhere inside the checkout; needs /dev/fuse)
set -euo pipefail
checkout=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d)
clone=$work/squeezefs
cleanup() {
  if grep -q " $clone/mnt fuse.squeezefs " /proc/mounts; then fusermount3 -u -z "$clone/mnt" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

git clone -q "$checkout" "$clone"
cd "$clone"
bash scripts/run.sh

grep -q " $clone/mnt fuse.squeezefs " /proc/mounts ||
  { echo "fresh clone: scripts/run.sh left no squeezefs mount at $clone/mnt"; exit 1; }
head -c 300000 /dev/urandom > "$work/sample"
cat README.md README.md >> "$work/sample"
cp "$work/sample" mnt/sample
mkdir mnt/dir && echo "written through the mount" > mnt/dir/note
cmp "$work/sample" mnt/sample
[ "$(cat mnt/dir/note)" = "written through the mount" ]
unmount_and_wait() {
  # `squeezefs umount` returns once the daemon has flushed and exited: the store is free at once.
  build/release/bin/squeezefs umount mnt
  flock -n store/index.db true ||
    { echo "fresh clone: the daemon still holds the store after squeezefs umount returned"; return 1; }
}
unmount_and_wait
build/release/bin/squeezefs fsck store

# Run again, as a user coming back would: the same store is mounted and holds what was written.
bash scripts/run.sh
cmp "$work/sample" mnt/sample
[ "$(cat mnt/dir/note)" = "written through the mount" ]
unmount_and_wait
echo "fresh clone: scripts/run.sh built, mounted and served the store; files read back after a remount"
