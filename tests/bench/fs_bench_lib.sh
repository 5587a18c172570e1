# Sourced by fs_bench.sh: set-up and tear-down of each file system, the workloads and clean-up.
# Uses the globals of fs_bench.sh (work, sqz, tree, big_src, image_bytes, ...).
# shellcheck shell=bash disable=SC2154

# The kind of a system name: the squeezefs codecs are everything that is not a known other kind.
kind_of() {
  case $1 in
    raw | bindfs | zfs | btrfs) echo "$1" ;;
    *) echo squeezefs ;;
  esac
}

label_of() {
  case $1 in
    raw) echo "raw dir ($(findmnt -no FSTYPE -T "$work" 2>/dev/null || echo disk))" ;;
    bindfs) echo "bindfs (passthrough)" ;;
    zfs) echo "zfs-fuse gzip-6" ;;
    btrfs) echo "btrfs zstd:3 (loop)" ;;
    *) echo "squeezefs $1" ;;
  esac
}

# Marks the current system as skipped with a reason and ends the phase (status 3).
skip() {
  echo "$*" >"$work/results/$sys.skip"
  echo "fs_bench: skipping $sys: $*" >&2
  exit 3
}

note_failure() {
  echo "$*" >>"$work/results/$sys.failed"
  echo "fs_bench: $sys: $*" >&2
}

record() { echo "$2" >>"$work/results/$sys.$1"; }

# Sets `elapsed` to the seconds the command took.
timed() {
  local t0=$EPOCHREALTIME
  "$@"
  local t1=$EPOCHREALTIME
  elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

drop_caches() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
}

# Allocated bytes of a path, leaving out the squeezefs daemon's log.
allocated() {
  sync
  du -sB1 --exclude=squeezefs.log "$1" | cut -f1
}

fuse_unmount() {
  fusermount3 -u "$1" 2>/dev/null || fusermount -u "$1" 2>/dev/null || umount "$1"
}

# --- raw: a plain directory on the disk that holds the stores --------------------------------
fs_create_raw() { mkdir -p "$d/data"; }
fs_bytes_raw() { allocated "$d/data"; }
fs_mount_raw() { :; }
fs_unmount_raw() { :; }
fs_target_raw() { echo "$d/data"; }

# --- bindfs: the FUSE passthrough baseline ------------------------------------------------------
fs_create_bindfs() {
  command -v bindfs >/dev/null || skip "bindfs is not installed (apt-get install bindfs)"
  mkdir -p "$d/data"
}
fs_bytes_bindfs() { allocated "$d/data"; }
fs_mount_bindfs() { bindfs "$d/data" "$d/mnt"; }
fs_unmount_bindfs() { fuse_unmount "$d/mnt"; }
fs_target_bindfs() { echo "$d/mnt"; }

# --- squeezefs: one store per codec -------------------------------------------------------------
fs_create_squeezefs() { "$sqz" mkfs "$d/store" --codec "$sys" >/dev/null; }
fs_bytes_squeezefs() { allocated "$d/store"; }
fs_mount_squeezefs() {
  "$sqz" mount "$d/store" "$d/mnt"
  local pid
  pid=$(pgrep -x -f -- "$sqz mount $d/store $d/mnt" | head -n1)
  [[ -n $pid ]] || { echo "fs_bench: no squeezefs daemon found for $d/mnt" >&2; return 1; }
  echo "$pid" >"$d/daemon.pid"
}
# Records the daemon's peak RSS (VmHWM, KiB) as metric $1, unmounts and waits for it to end.
fs_unmount_squeezefs() {
  local pid hwm i
  pid=$(cat "$d/daemon.pid")
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
  [[ -n $hwm ]] && record "rss_$1" "$hwm"
  fusermount3 -u "$d/mnt"
  for ((i = 0; i < 3000; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "fs_bench: the squeezefs daemon $pid did not end within 300 s of the unmount" >&2
    return 1
  fi
  # After the last mount of a phase, report what the daemon logged above info level.
  if [[ $1 == W2 || $1 == W4 ]] &&
    grep -E '\] \[(warning|error|critical)\] ' "$d/store/squeezefs.log" >"$d/log.problems"; then
    note_failure "squeezefs.log ($(wc -l <"$d/log.problems") lines): $(head -n2 "$d/log.problems")"
  fi
}
fs_target_squeezefs() { echo "$d/mnt"; }

# --- zfs-fuse: a pool on a sparse file, compression=gzip-6 --------------------------------------
# Starts our own zfs-fuse daemon unless one answers already; cleanup() stops only ours.
zfs_daemon() {
  zpool list >/dev/null 2>&1 && return 0
  command -v zfs-fuse >/dev/null || skip "zfs-fuse is not installed (apt-get install zfs-fuse)"
  zfs-fuse -p "$work/zfs-fuse.pid" 2>"$work/zfs-fuse.err" ||
    skip "zfs-fuse did not start: $(head -c 300 "$work/zfs-fuse.err")"
  local i
  for ((i = 0; i < 100; i++)); do
    zpool list >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  skip "the zfs-fuse daemon does not answer zpool"
}
fs_create_zfs() {
  zfs_daemon
  local pool=sqzbench$$r${run}${phase}
  echo "$pool" >"$d/pool"
  truncate -s "$image_bytes" "$d/pool.img"
  zpool create -f -m "$d/mnt" "$pool" "$d/pool.img" >/dev/null 2>"$d/err" ||
    skip "zpool create failed: $(head -c 300 "$d/err")"
  zfs set compression=gzip-6 "$pool" 2>"$d/err" ||
    skip "zfs set compression=gzip-6 failed: $(head -c 300 "$d/err")"
  zpool export "$pool"
}
# Counted while exported, so everything is committed to the image.
fs_bytes_zfs() { allocated "$d/pool.img"; }
fs_mount_zfs() { zpool import -d "$d" "$(cat "$d/pool")"; }
# Exporting also drops the pool's blocks from the daemon's ARC, so the next read is cold.
fs_unmount_zfs() { zpool export "$(cat "$d/pool")"; }
fs_target_zfs() { echo "$d/mnt"; }

# --- btrfs: a loop device (direct I/O, so syncs reach the disk), compress-force=zstd:3 ---------
fs_create_btrfs() {
  command -v mkfs.btrfs >/dev/null || skip "mkfs.btrfs is missing (apt-get install btrfs-progs)"
  grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null ||
    skip "the kernel has no btrfs support"
  truncate -s "$image_bytes" "$d/btrfs.img"
  mkfs.btrfs -q -f "$d/btrfs.img" >/dev/null 2>"$d/err" ||
    skip "mkfs.btrfs failed: $(head -c 300 "$d/err")"
  losetup --find --show --direct-io=on "$d/btrfs.img" >"$d/loop" 2>"$d/err" ||
    skip "losetup failed: $(head -c 300 "$d/err")"
}
fs_bytes_btrfs() { allocated "$d/btrfs.img"; }
fs_mount_btrfs() {
  mount -o compress-force=zstd:3 "$(cat "$d/loop")" "$d/mnt" 2>"$d/err" ||
    skip "mount -o compress-force=zstd:3 failed: $(head -c 300 "$d/err")"
}
fs_unmount_btrfs() { umount "$d/mnt"; }
fs_target_btrfs() { echo "$d/mnt"; }

# Undoes whatever exists under directory $1: mounts (deepest first), zfs pools, loop devices.
release_dir() {
  local dir=$1 m f pool loop
  [[ -d $dir ]] || return 0
  for f in "$dir"/*/pool "$dir"/pool; do
    [[ -f $f ]] || continue
    pool=$(cat "$f")
    if ! zpool list "$pool" >/dev/null 2>&1; then
      zpool import -d "$(dirname "$f")" "$pool" >/dev/null 2>&1 || continue
    fi
    zpool destroy -f "$pool" || echo "fs_bench: could not destroy zpool $pool" >&2
  done
  while read -r m; do
    fuse_unmount "$m" 2>/dev/null || umount "$m" 2>/dev/null || umount -l "$m" ||
      echo "fs_bench: could not unmount $m" >&2
  done < <(awk -v p="$dir/" 'index($2, p) == 1 { print length($2), $2 }' /proc/mounts |
    sort -rn | cut -d' ' -f2)
  for f in "$dir"/*/btrfs.img "$dir"/btrfs.img; do
    [[ -f $f ]] || continue
    for loop in $(losetup -j "$f" -O NAME -n 2>/dev/null); do
      losetup -d "$loop" || echo "fs_bench: could not detach $loop" >&2
    done
  done
}

cleanup() {
  set +e
  [[ -n ${work:-} && -d $work ]] || return 0
  release_dir "$work"
  if [[ -f $work/zfs-fuse.pid ]]; then
    local pid
    pid=$(cat "$work/zfs-fuse.pid")
    kill "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  # Wait for squeezefs daemons to finish their unmount before removing their stores.
  for f in "$work"/*/daemon.pid; do
    [[ -f $f ]] || continue
    for ((i = 0; i < 100; i++)); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
  done
  if grep -q " $work/" /proc/mounts; then
    echo "fs_bench: mounts remain under $work; not removing it" >&2
  else
    rm -rf "$work"
  fi
}

# One workload pair (phase big: W1/W2, tree: W3/W4) on a fresh instance of $1, run $2.
bench_phase() {
  sys=$1 run=$2 phase=$3
  local kind w_write w_read
  kind=$(kind_of "$sys")
  d=$work/$sys.$run.$phase
  mkdir -p "$d/mnt"
  trap 'release_dir "$d"; rm -rf "$d"' EXIT
  if [[ $phase == big ]]; then w_write=W1 w_read=W2; else w_write=W3 w_read=W4; fi

  "fs_create_$kind"
  local base bytes target
  base=$("fs_bytes_$kind")
  "fs_mount_$kind"
  target=$("fs_target_$kind")
  if [[ $phase == big ]]; then
    cat "$big_src" >/dev/null
    timed dd if="$big_src" of="$target/big.bin" bs=1M conv=fsync status=none
  else
    tar -C "$(dirname "$tree")" -cf - "$(basename "$tree")" | cat >/dev/null
    # shellcheck disable=SC2016 # expanded by eval
    timed eval 'cp -a "$tree" "$target/tree" && sync'
  fi
  record "$w_write" "$elapsed"
  "fs_unmount_$kind" "$w_write"
  bytes=$("fs_bytes_$kind")
  record "bytes_$phase" $((bytes - base))

  "fs_mount_$kind"
  drop_caches
  if [[ $phase == big ]]; then
    timed dd if="$target/big.bin" of=/dev/null bs=1M status=none
    record "$w_read" "$elapsed"
    cmp -s "$big_src" "$target/big.bin" || note_failure "$w_read: big.bin read back differs"
  else
    # shellcheck disable=SC2016 # expanded by eval
    timed eval 'tar -C "$target" -cf - tree | cat >/dev/null'
    record "$w_read" "$elapsed"
    diff -rq --no-dereference "$tree" "$target/tree" >"$d/diff" 2>&1 ||
      note_failure "$w_read: the tree read back differs: $(head -n3 "$d/diff" | tr '\n' ' ')"
  fi
  "fs_unmount_$kind" "$w_read"
}
