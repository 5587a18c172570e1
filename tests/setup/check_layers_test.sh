#!/usr/bin/env bash
# Tests scripts/check_layers.sh on throw-away git repositories: each rule catches a line that
# breaks it and names the file, the line and the rule; allowed folders, comments and near misses
# pass; an allowlist entry lets a known break pass, and a stale or misspelt entry fails.
# Usage: bash tests/setup/check_layers_test.sh   (needs git)
set -euo pipefail
check=$(cd "$(dirname "$0")/../.." && pwd)/scripts/check_layers.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# A fresh repository holding FILE with CONTENT (one line), and ALLOWLIST as its allowlist.
repo=
make_repo() { # FILE CONTENT [ALLOWLIST]
  repo=$(mktemp -d "$work/repo.XXXX")
  git -C "$repo" init -q
  mkdir -p "$repo/scripts" "$repo/$(dirname "$1")"
  printf '// a file\n%s\n' "$2" >"$repo/$1"
  printf '%s\n' "${3:-}" >"$repo/scripts/layering_allowlist.txt"
}
run_check() { bash "$check" -C "$repo" 2>&1; }

# The check fails on FILE holding LINE and names FILE:2 and RULE.
expect_caught() { # FILE LINE RULE
  make_repo "$1" "$2"
  local output rc=0
  output=$(run_check) || rc=$?
  [ "$rc" = 1 ] || fail "$1 with '$2': exit code $rc, expected 1: $output"
  grep -qF "$1:2: $3:" <<<"$output" || fail "$1 with '$2': '$1:2: $3:' not reported: $output"
}
# The check passes on FILE holding LINE.
expect_passed() { # FILE LINE
  make_repo "$1" "$2"
  local output rc=0
  output=$(run_check) || rc=$?
  [ "$rc" = 0 ] || fail "$1 with '$2': exit code $rc, expected 0: $output"
}

# Every rule catches what it forbids.
expect_caught fs/core/src/a.cpp '#include <sqlite3.h>' sqlite-include
expect_caught mount_tools/src/a.cpp '#include "squeezefs/index/db.h"' index-engine-include
expect_caught fs/core/include/squeezefs/fs/a.h '#include "squeezefs/index/index.h"' \
  index-engine-include
expect_caught fs/core/src/a.cpp '#include "squeezefs/index/sqlite/sqlite_metadata_store.h"' \
  index-sqlite-include
expect_caught fs/maint/src/a.cpp '  index::Txn txn(index_.db());' index-txn
expect_caught tests/check/a_test.cpp '  idx.db().exec("PRAGMA foreign_keys=OFF");' index-txn
expect_caught fs/check/src/a.cpp '  store->db().sync();' index-txn
expect_caught fs/core/src/a.cpp '#include "squeezefs/blockstore/local/local_block_store.h"' \
  blockstore-local-include
expect_caught fs/core/src/a.cpp '#include <fuse_lowlevel.h>' fuse-include
expect_caught mount_tools/src/a.cpp '# include <fuse3/fuse.h>' fuse-include
expect_caught fs/fuse/src/a.cpp 'void f(const index::InodeRecord& rec);' index-in-fuse
expect_caught fs/fuse/src/a.cpp '#include "squeezefs/index/error.h"' index-in-fuse
expect_caught fs/core/src/a.cpp '  struct statvfs st {};' os-space-in-core
expect_caught fs/core/src/a.cpp '  ::fallocate(fd, mode, offset, length);' os-space-in-core
expect_caught fs/src/a.cpp '#include "squeezefs/index/records.h"' index-in-blockstore
expect_caught fs/core/src/a.cpp '  if (errno == ENOENT) return;' errno-in-core
expect_caught codecs/src/a.cpp '  return EIO;' errno-in-core
expect_caught fs/core/src/a.cpp '  if (e == ENAMETOOLONG) return;' errno-in-core
expect_passed fs/core/src/a.cpp '  void sync() EXCLUDES(mutex_);'

# Where each is allowed, in comments, and near misses.
expect_passed index/src/a.cpp '#include <sqlite3.h>'
expect_passed tests/index/a_test.cpp '  Txn txn(index_.db());'
expect_passed fs/store/src/a.cpp '  index::Txn txn(index_.db());'
expect_passed fs/store/src/a.cpp '#include "squeezefs/blockstore/local/local_block_store.h"'
expect_passed fs/fuse/src/a.cpp '#include <fuse_lowlevel.h>'
expect_passed fs/fuse/src/a.cpp 'fs::Filesystem& core;  // never index::Index'
expect_passed fs/core/src/a.cpp '// index::Txn txn(index_.db()); once was here'
expect_passed fs/core/src/a.cpp ' * fallocate(PUNCH_HOLE) in a block comment'
expect_passed fs/core/src/a.cpp 'Result<void> Filesystem::fallocate(std::uint64_t ino);'
expect_caught fs/core/src/a.cpp '  int mode = FALLOC_FL_PUNCH_HOLE;' os-space-in-core
expect_passed fs/core/src/a.cpp '#include "squeezefs/index/records.h"'
expect_passed fs/core/src/a.cpp '  auto store = open_db();'
expect_passed fs/core/src/a.cpp '  return std::errc::io_error;'
expect_passed fs/maint/src/a.cpp '  if (errno == EINTR) continue;'
expect_passed fs/maint/src/a.cpp '  my_index::Txnx t;'

# A committed file is checked as an untracked one is.
make_repo fs/core/src/b.cpp '#include <sqlite3.h>'
git -C "$repo" add -A && git -C "$repo" -c user.name=t -c user.email=t@t commit -qm files
output=$(run_check) && fail "committed break passed: $output"
grep -qF 'fs/core/src/b.cpp:2: sqlite-include:' <<<"$output" ||
  fail "committed break not reported: $output"

# An allowlist entry lets the known break pass; comments and blank lines are ignored.
make_repo fs/core/src/b.cpp '  index::Txn txn(index_.db());' \
  "$(printf '# known\n\nfs/core/src/b.cpp:index-txn  # step 4a\n')"
output=$(run_check) || fail "allowlisted break failed: $output"
# ... for that file and rule only.
make_repo fs/core/src/b.cpp '  index::Txn txn(index_.db()); struct statvfs st;' \
  'fs/core/src/b.cpp:index-txn'
output=$(run_check) && fail "break of another rule passed: $output"
grep -qF 'fs/core/src/b.cpp:2: os-space-in-core:' <<<"$output" ||
  fail "break of another rule not reported: $output"
grep -qF 'index-txn' <<<"$output" && fail "the allowlisted break was reported: $output"

# An entry whose break is gone, or that names no rule, fails and says so.
make_repo fs/core/src/b.cpp '  int x = 0;' 'fs/core/src/b.cpp:index-txn'
output=$(run_check) && fail "stale allowlist entry passed: $output"
grep -qF 'fs/core/src/b.cpp:index-txn: that break is gone; delete the line' <<<"$output" ||
  fail "stale allowlist entry not reported: $output"
make_repo fs/core/src/b.cpp '  index::Txn txn(index_.db());' 'fs/core/src/b.cpp:index-tx'
output=$(run_check) && fail "misspelt allowlist entry passed: $output"
grep -qF 'fs/core/src/b.cpp:index-tx: no rule is called index-tx' <<<"$output" ||
  fail "misspelt allowlist entry not reported: $output"

if [ "$failures" != 0 ]; then
  echo "check_layers_test: $failures failures"
  exit 1
fi
echo "check_layers_test: all cases passed"
