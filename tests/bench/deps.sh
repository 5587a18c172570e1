#!/usr/bin/env bash
# Installs what tests/bench/fs_bench.sh compares squeezefs with: bindfs (the FUSE passthrough
# baseline), zfs-fuse and btrfs-progs. A package that cannot be installed is reported, not fatal:
# the benchmark skips that file system with a reason.
set -uo pipefail

packages=(bindfs zfs-fuse btrfs-progs fuse3 util-linux coreutils)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
echo "Installing: ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq || echo "deps: apt-get update failed" >&2
for p in "${missing[@]}"; do
  # One at a time, so that one unavailable package does not block the others.
  if ! DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
    --no-install-recommends "$p"; then
    echo "deps: could not install $p" >&2
  fi
done
exit 0
