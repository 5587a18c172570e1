#!/usr/bin/env bash
# Fails when an #include or a name crosses a layer line it may not cross (ARCHITECTURE.md): each
# rule below names a pattern and the folders where it may appear. Breaks that exist today are
# listed in scripts/layering_allowlist.txt as FILE:RULE lines; the list may only shrink, so an
# entry whose break is gone fails the check too, until its line is deleted.
# Usage: bash scripts/check_layers.sh [-C DIR]   (DIR: a git checkout, default the current one)
# Checks the C and C++ files git tracks, comments left out. Exit code 0 clean, 1 breaks found.
set -euo pipefail
dir=.
if [ "${1:-}" = -C ]; then dir=$2; fi
root=$(git -C "$dir" rev-parse --show-toplevel)
cd "$root"
allowlist=scripts/layering_allowlist.txt

# Word boundaries for ERE (mawk has no \b).
B='(^|[^A-Za-z0-9_])'
E='([^A-Za-z0-9_]|$)'
INCLUDE='^[ \t]*#[ \t]*include[ \t]*[<"]'

names=() patterns=() only=() allowed=() reasons=()
# rule NAME PATTERN ONLY_UNDER ALLOWED_UNDER REASON
#   ONLY_UNDER: folders the rule applies to (empty: everywhere); ALLOWED_UNDER: folders exempt.
rule() {
  names+=("$1") patterns+=("$2") only+=("$3") allowed+=("$4") reasons+=("$5")
}
rule sqlite-include "${INCLUDE}sqlite3\\.h[>\"]" "" "index/ tests/index/" \
  "only the index includes <sqlite3.h>"
rule index-engine-include "${INCLUDE}squeezefs/index/(db|index)\\.h[>\"]" "" \
  "index/ fs/store/ tests/index/" \
  "the SQLite engine (db.h, index.h) is the index's own; others use the metadata store interface"
rule index-sqlite-include "${INCLUDE}squeezefs/index/sqlite/" "" "index/ fs/store/ tests/" \
  "only the composition root (fs/store) and tests pick the SQLite metadata store"
rule index-txn "${B}index::Txn${E}|(\\.|->)db\\(\\)" "" "index/ fs/store/ tests/index/" \
  "transactions and the connection (index::Txn, db()) stay inside the index"
rule blockstore-local-include "${INCLUDE}squeezefs/blockstore/local/" "" \
  "fs/blockstore/local/ fs/store/ tests/" \
  "only the composition root (fs/store) and tests pick the local block store"
rule fuse-include "${INCLUDE}(fuse3/)?fuse(_lowlevel|_common)?\\.h[>\"]" "" "fs/fuse/ tests/fuse/" \
  "only the FUSE adapter includes libfuse"
rule index-in-fuse "${B}index::|${INCLUDE}squeezefs/index/" "fs/fuse/" "" \
  "the adapter talks to the core only, never to the index"
rule os-space-in-core "${B}statvfs${E}|(^|[^A-Za-z0-9_:])::fallocate[ \t]*\\(|${B}FALLOC_FL_" "fs/core/" "" \
  "the core asks the block store for space and holes, it does not call statvfs or fallocate"
rule index-in-blockstore "${INCLUDE}squeezefs/index/" "fs/include/ fs/src/ fs/blockstore/" "" \
  "the block store lies below the index and does not know it"
# The errno names (errno(3)), not every word that starts with E (EXCLUDES is an annotation).
ERRNO_NAMES='E(2BIG|ACCES|ADDRINUSE|AGAIN|BADF|BUSY|CANCELED|CHILD|DEADLK|DOM|DQUOT|EXIST|FAULT|FBIG|'
ERRNO_NAMES+='ILSEQ|INTR|INVAL|IO|ISDIR|LOOP|MFILE|MLINK|NAMETOOLONG|NFILE|NODATA|NODEV|NOENT|NOEXEC|'
ERRNO_NAMES+='NOLCK|NOMEM|NOSPC|NOSYS|NOTCONN|NOTDIR|NOTEMPTY|NOTSUP|NOTTY|NXIO|OPNOTSUPP|OVERFLOW|'
ERRNO_NAMES+='PERM|PIPE|RANGE|ROFS|SPIPE|SRCH|STALE|TIMEDOUT|TXTBSY|WOULDBLOCK|XDEV)'
rule errno-in-core "${B}errno${E}|${B}${ERRNO_NAMES}${E}" "codecs/ fs/core/" "" \
  "codecs speak status values and the core std::errc; errno belongs to the system-call edges"

# "FILE<TAB>LINE<TAB>TEXT" for every line of code: // comments cut off, lines of /* */ comments
# (starting with /* or *) left out. Files git tracks and new ones it does not ignore.
code=$(mktemp)
trap 'rm -f "$code"' EXIT
git ls-files -z --cached --others --exclude-standard -- '*.c' '*.cc' '*.cpp' '*.h' '*.hpp' |
  while IFS= read -r -d '' file; do if [ -f "$file" ]; then printf '%s\0' "$file"; fi; done |
  xargs -0 -r awk '
  { line = $0; sub(/\/\/.*/, "", line)
    if (line ~ /^[ \t]*(\/\*|\*)/ || line !~ /[^ \t]/) next
    print FILENAME "\t" FNR "\t" line }' >"$code"

declare -A listed=() seen=()
if [ -f "$allowlist" ]; then
  while IFS= read -r entry; do
    entry=${entry%%#*}
    entry=${entry//[[:space:]]/}
    [ -n "$entry" ] && listed[$entry]=1
  done <"$allowlist"
fi

failed=0
for i in "${!names[@]}"; do
  while IFS=$'\t' read -r file line text; do
    key=$file:${names[$i]}
    seen[$key]=1
    if [ -z "${listed[$key]:-}" ]; then
      echo "$file:$line: ${names[$i]}: ${reasons[$i]}"
      echo "    $text"
      failed=1
    fi
  done < <(PAT=${patterns[$i]} ONLY=${only[$i]} ALLOWED=${allowed[$i]} awk -F'\t' '
    function under(path, list,    n, dirs, k) {
      n = split(list, dirs, " ")
      for (k = 1; k <= n; k++) if (index(path, dirs[k]) == 1) return 1
      return 0
    }
    # From the environment: awk -v would take the backslashes of the patterns as escapes.
    BEGIN { pat = ENVIRON["PAT"]; only = ENVIRON["ONLY"]; allowed = ENVIRON["ALLOWED"] }
    { text = $0; sub(/^[^\t]*\t[^\t]*\t/, "", text) }
    (only == "" || under($1, only)) && !under($1, allowed) && text ~ pat {
      print $1 "\t" $2 "\t" text }' "$code")
done

known=" ${names[*]} "
for key in "${!listed[@]}"; do
  if [[ $known != *" ${key##*:} "* ]]; then
    echo "$allowlist: $key: no rule is called ${key##*:}"
    failed=1
  elif [ -z "${seen[$key]:-}" ]; then
    echo "$allowlist: $key: that break is gone; delete the line"
    failed=1
  fi
done

if [ "$failed" != 0 ]; then
  echo "layering check failed: fix the lines above (the allowlist only lists breaks of the past)"
  exit 1
fi
echo "layering check: clean (${#listed[@]} known breaks listed in $allowlist)"
