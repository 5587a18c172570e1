#!/usr/bin/env bash
# Makes the store fixtures of index format 1 that tests/integration/old_store_test.cpp opens:
# stores written by this release through real mounts, as a user's stores are, so that later
# releases (and their format upgrades) can be shown to still open and read them unchanged.
#
#   v1-killed.tar.gz  three mount sessions; the third wrote and fsynced files, unlinked a file it
#                     held open and was then killed with SIGKILL: the index's WAL still holds
#                     commits (index.db-wal) and the unlinked inode is an orphan.
#   v1-clean.tar.gz   the same store after a fourth, read-write mount that recovered it (replayed
#                     the WAL, reclaimed the orphan), wrote a little more and unmounted cleanly.
#   v1-*.manifest     what each store holds, as read through a mount (write_manifest below).
#
# The sessions use two codecs (the store's default and lz4) and each starts a new data file, so
# the stores hold 3 and 4 data files, with dead bytes (blocks overwritten in place) and punched
# holes (a deleted file). squeezefs.log (the daemon's log, with paths of this machine) is left out.
#
# The fixtures pin what release 0.1.0 wrote: never remake them with a later release (it refuses a
# binary whose index format is not 1); a new format gets fixtures of its own, beside these.
#
# Usage (as root: it mounts): bash tests/data/stores/make_v1_fixture.sh [SQUEEZEFS_BINARY]
# Without a binary it builds build/release/bin/squeezefs from this checkout first. Needs
# setfacl, getfattr and openssl (for reproducible random bytes). Writes next to this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ge 1 ]; then
  bin=$(realpath "$1")
else
  checkout=$(git -C "$here" rev-parse --show-toplevel)
  (cd "$checkout" && SQUEEZEFS_BUILD_TARGET=squeezefs bash scripts/build.sh build/release \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null)
  bin=$checkout/build/release/bin/squeezefs
fi
grep -q "store index 1," <<<"$("$bin" version)" ||
  { echo "make_v1_fixture.sh: $bin does not write index format 1" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "make_v1_fixture.sh: run as root (it mounts stores)" >&2; exit 1; }

work=$(mktemp -d)
mnt=$work/mnt
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null || true
  for m in "$work"/mnt*; do
    if grep -q " $m fuse.squeezefs " /proc/mounts; then fusermount3 -u -z "$m" || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$mnt"

# Deterministic bytes: incompressible ones from a seeded cipher stream, compressible text from a
# line counter and a word list.
random_bytes() { # SIZE SEED
  head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt -pbkdf2 -iter 1 -pass "pass:squeezefs-$2"
}
text_bytes() { # SIZE SEED
  # awk stops by itself (a head cutting it off would fail the pipeline under pipefail).
  awk -v size="$1" -v seed="$2" 'BEGIN {
      split("store block index codec mount inode extent sparse frame dictionary window " \
            "checksum journal orphan compact scrub", w, " ")
      for (i = 0; n < size; i++) {
        line = sprintf("%07d %s %s %s %d\n", i, w[(i*seed)%16+1], w[(i+seed)%16+1],
                       w[(i*7+seed)%16+1], (i*seed)%977)
        if (n + length(line) > size) line = substr(line, 1, size - n)
        printf "%s", line
        n += length(line)
      }
    }'
}
write_at() { # FILE OFFSET: stdin written at OFFSET, in place
  dd of="$1" bs=4096 seek="$2" oflag=seek_bytes conv=notrunc status=none
}
mounted() { grep -q " $1 fuse.squeezefs " /proc/mounts; }

# One line per entry (sorted by path, "." is the root), tab-separated:
#   path type mode uid gid nlink size mtime content xattr...
# type: file, dir, symlink, fifo; size: bytes for files and symlinks, "-" otherwise; mtime:
# seconds.nanoseconds; content: SHA-256 for files, the target for symlinks, "-" otherwise;
# xattrs: name=hex for every attribute listxattr shows (ACLs are system.posix_acl_*), sorted.
write_manifest() { # MOUNTPOINT OUTPUT
  (
    cd "$1"
    echo "# path	type	mode	uid	gid	nlink	size	mtime	content	xattrs (name=hex)..."
    find . -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' p; do
      local path=${p#./} type size content
      [ "$p" = . ] && path=.
      if [ -L "$p" ]; then
        type=symlink size=$(stat -c %s "$p") content=$(readlink "$p")
      elif [ -d "$p" ]; then
        type=dir size=- content=-
      elif [ -p "$p" ]; then
        type=fifo size=- content=-
      elif [ -f "$p" ]; then
        type=file size=$(stat -c %s "$p") content=$(sha256sum <"$p" | cut -d' ' -f1)
      else
        echo "write_manifest: $p has a type the manifest does not know" >&2
        exit 1
      fi
      printf '%s\t%s\t%04o\t%s\t%s\t%s\t%s\t%s\t%s' "$path" "$type" "0$(stat -c %a "$p")" \
        "$(stat -c %u "$p")" "$(stat -c %g "$p")" "$(stat -c %h "$p")" "$size" \
        "$(stat -c %.9Y "$p")" "$content"
      getfattr -h --absolute-names -d -m - -e hex "$p" 2>/dev/null |
        sed -n 's/^\([^#][^=]*\)=0x\(.*\)$/\1=\2/p' | LC_ALL=C sort |
        while IFS= read -r x; do printf '\t%s' "$x"; done
      printf '\n'
    done
  ) >"$2"
}

# Packs STORE as OUTPUT (names relative to a top-level "store" directory).
pack() { # STORE OUTPUT
  tar -C "$(dirname "$1")" --sparse --sort=name --numeric-owner --owner=0 --group=0 \
    --exclude=squeezefs.log --exclude=control.sock -cf - "$(basename "$1")" | gzip -9n >"$2"
}

# Unpacks ARCHIVE, mounts it read-only (which writes nothing but SQLite's -shm, and that only
# while a WAL has commits) and writes its manifest to OUTPUT.
manifest_of_archive() { # ARCHIVE OUTPUT
  local copy=$work/copy-$(basename "$1" .tar.gz)
  mkdir "$copy" "$copy/mnt"
  tar -C "$copy" -xzf "$1"
  "$bin" mount -o ro "$copy/store" "$copy/mnt"
  write_manifest "$copy/mnt" "$2"
  "$bin" umount "$copy/mnt"
}

store=$work/store
"$bin" mkfs "$store"

# Session 1: the store's default codec. Files of several sizes and kinds.
"$bin" mount "$store" "$mnt"
mkdir -p "$mnt"/files "$mnt"/links "$mnt"/special "$mnt"/tree/a/b/c/d "$mnt"/acl_dir
text_bytes 1000 1 >"$mnt/files/small.txt"
text_bytes 300000 2 >"$mnt/files/text_300k.txt"   # three 128 KiB blocks, the last partial
random_bytes 139264 3 >"$mnt/files/random_136k.bin" # one full block and 8 KiB of the next
text_bytes 262144 4 >"$mnt/files/overwritten.txt"  # overwritten in place in session 2
random_bytes 16384 5 >"$mnt/files/deleted.bin"     # deleted in session 2
: >"$mnt/files/empty"
# 1 MiB with data only at 300000 and 800000: blocks 0, 1, 3, 4, 5 and 7 are holes.
truncate -s 1048576 "$mnt/files/sparse"
text_bytes 5000 6 | write_at "$mnt/files/sparse" 300000
random_bytes 3000 7 | write_at "$mnt/files/sparse" 800000
text_bytes 700 8 >"$mnt/tree/a/one.txt"
text_bytes 7000 9 >"$mnt/tree/a/b/two.txt"
text_bytes 70000 10 >"$mnt/tree/a/b/c/d/deep.txt"
ln "$mnt/files/small.txt" "$mnt/links/hard_small"
ln "$mnt/files/small.txt" "$mnt/tree/a/b/c/hard_small_too"
ln -s ../files/text_300k.txt "$mnt/links/to_text"
ln -s nowhere/at/all "$mnt/links/dangling"
mkfifo -m 0640 "$mnt/special/fifo"
setfattr -n user.colour -v blue "$mnt/files/small.txt"
setfattr -n user.empty "$mnt/tree"
setfattr -n user.binary -v 0x00ff10807f "$mnt/files/random_136k.bin"
text_bytes 4000 11 >"$mnt/files/acl.txt"
setfacl -m u:1234:rw-,g:2345:r-- "$mnt/files/acl.txt"
setfacl -d -m u:1234:rwx,g:2345:r-x "$mnt/acl_dir"
text_bytes 3000 12 >"$mnt/acl_dir/inherited.txt" # takes the directory's default ACL
text_bytes 2000 13 >"$mnt/files/private.txt"
chmod 0600 "$mnt/files/private.txt"
chown 1234:2345 "$mnt/files/private.txt"
chmod 0755 "$mnt/tree/a/one.txt"
"$bin" umount "$mnt"

# Session 2: lz4. In-place overwrites (dead bytes in data file 1), a delete (punched), renames.
"$bin" mount -o codec=lz4 "$store" "$mnt"
text_bytes 20000 14 | write_at "$mnt/files/overwritten.txt" 120000 # blocks 0 and 1
random_bytes 4096 15 | write_at "$mnt/files/random_136k.bin" 133000 # the partial block
text_bytes 500 16 >>"$mnt/files/small.txt"                         # through all three links
rm "$mnt/files/deleted.bin"
mv "$mnt/tree/a/b/two.txt" "$mnt/tree/a/two_renamed.txt"
mkdir "$mnt/lz4"
text_bytes 200000 17 >"$mnt/lz4/text_200k.txt"
random_bytes 24000 18 >"$mnt/lz4/random_24k.bin"
setfattr -n user.colour -v red "$mnt/lz4/text_200k.txt"
"$bin" umount "$mnt"

# Session 3: the default codec, in the foreground so that it can be killed. Everything it writes
# is fsynced (dd conv=fsync): an fsync returns once the file's data and every change made before
# it are committed and synced, so all of it must be there after the kill.
"$bin" mount -f "$store" "$mnt" 2>"$work/session3.log" &
daemon_pid=$!
for _ in $(seq 200); do mounted "$mnt" && break; sleep 0.1; done
mounted "$mnt" || { cat "$work/session3.log"; exit 1; }
mkdir "$mnt/killed"
text_bytes 50000 19 | dd of="$mnt/killed/fsynced.txt" conv=fsync status=none
random_bytes 20000 20 | dd of="$mnt/killed/fsynced.bin" conv=fsync status=none
random_bytes 12000 21 | dd of="$mnt/killed/orphan.bin" conv=fsync status=none
exec 3<"$mnt/killed/orphan.bin" # held open across the unlink and the kill: an orphan
rm "$mnt/killed/orphan.bin"
text_bytes 3000 22 | dd of="$mnt/killed/after_unlink.txt" conv=fsync status=none
kill -9 "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
exec 3<&-
# The dead mount goes as an administrator removes it. (`squeezefs umount` can take the dead mount
# for a live one while the kernel still answers stat from its attribute cache.)
fusermount3 -u -z "$mnt"
[ -s "$store/index.db-wal" ] || { echo "session 3 left no commits in index.db-wal" >&2; exit 1; }
echo "== the store after the kill (v1-killed)"
ls -la "$store" "$store/data"
pack "$store" "$here/v1-killed.tar.gz"

# Session 4: recovers the store (WAL, orphan), writes a little and unmounts cleanly.
"$bin" mount "$store" "$mnt"
text_bytes 9000 23 >"$mnt/killed/after_recovery.txt"
"$bin" umount "$mnt"
[ ! -e "$store/index.db-wal" ] || { echo "session 4 left an index.db-wal" >&2; exit 1; }
echo "== the store after a clean mount (v1-clean)"
ls -la "$store" "$store/data"
pack "$store" "$here/v1-clean.tar.gz"

manifest_of_archive "$here/v1-killed.tar.gz" "$here/v1-killed.manifest"
manifest_of_archive "$here/v1-clean.tar.gz" "$here/v1-clean.manifest"
echo "== written by $("$bin" --version | head -1)"
ls -la "$here"
