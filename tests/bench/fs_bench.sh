#!/usr/bin/env bash
# Filesystem benchmark: squeezefs against the raw store disk, a FUSE passthrough (bindfs),
# zfs-fuse (compression=gzip-6) and a loop-mounted btrfs (compress-force=zstd:3), all in one run.
#
#   W1  write a file assembled from the corpus with dd conv=fsync
#   W2  read it back cold (unmount, mount, drop caches)
#   W3  cp -a a tree of small files, then sync
#   W4  read the tree back cold (tar to a pipe)
#
# plus the bytes each keeps on disk and the squeezefs daemon's peak RSS. Every file system is
# created fresh for each workload pair and run. Run as root; see --help.
set -euo pipefail
shopt -s inherit_errexit

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
size_mb=100
tree=/usr/include
only=""
runs=1
build=build/release
codecs=lzh,zstd
tmp_parent=/var/tmp
corpus=""
markdown_out=""
json_out=""
skip_deps=0

usage() {
  cat <<EOF
Usage: sudo tests/bench/fs_bench.sh [OPTIONS]
  --size-mb N       size of the big file in MiB (default $size_mb)
  --tree DIR        tree of small files for W3/W4 (default $tree)
  --only LIST       comma-separated subset of: raw,bindfs,zfs,btrfs and the squeezefs codecs
  --codecs LIST     squeezefs codecs, one store each (default $codecs)
  --runs N          repeat every measurement N times and report the median (default $runs)
  --build DIR       squeezefs build directory (default $build, relative to the repository)
  --corpus DIR      corpus for the big file (default REPO/../shared/corpus)
  --tmp DIR         parent of the temporary directory, on a real disk (default $tmp_parent)
  --markdown FILE   also write the tables as markdown
  --json FILE       also write the results as JSON
  --no-deps         do not run tests/bench/deps.sh
EOF
}

die() {
  echo "fs_bench: $*" >&2
  exit 1
}

while (($#)); do
  case $1 in
    --size-mb) size_mb=$2; shift 2 ;;
    --tree) tree=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --codecs) codecs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --tmp) tmp_parent=$2; shift 2 ;;
    --markdown) markdown_out=$2; shift 2 ;;
    --json) json_out=$2; shift 2 ;;
    --no-deps) skip_deps=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

[[ $size_mb =~ ^[1-9][0-9]*$ ]] || die "--size-mb needs a positive integer"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"
[[ $(id -u) -eq 0 ]] || die "run as root (mounts, loop devices, drop_caches)"
[[ $build = /* ]] || build=$repo/$build
sqz=$build/bin/squeezefs
: "${corpus:=$repo/../shared/corpus}"
[[ -d $corpus ]] || die "corpus $corpus not found (--corpus DIR)"
tree=$(cd "$tree" && pwd) || die "--tree $tree is not a directory"
((skip_deps)) || bash "$repo/tests/bench/deps.sh"

# shellcheck source=tests/bench/fs_bench_lib.sh
source "$repo/tests/bench/fs_bench_lib.sh"
# shellcheck source=tests/bench/fs_bench_report.sh
source "$repo/tests/bench/fs_bench_report.sh"

# Which file systems, in table order.
systems=(raw bindfs)
IFS=, read -ra codec_list <<<"$codecs"
systems+=("${codec_list[@]}" zfs btrfs)
if [[ -n $only ]]; then
  IFS=, read -ra wanted <<<"$only"
  for w in "${wanted[@]}"; do
    [[ " ${systems[*]} " == *" $w "* ]] || die "--only: unknown '$w' (known: ${systems[*]})"
  done
  selected=()
  for s in "${systems[@]}"; do
    [[ ",$only," == *",$s,"* ]] && selected+=("$s")
  done
  systems=("${selected[@]}")
fi

for s in "${systems[@]}"; do
  [[ $(kind_of "$s") != squeezefs || -x $sqz ]] ||
    die "$sqz not found: build it first (bash scripts/run.sh builds build/release)"
done

# Everything lives under $work; cleanup() undoes it all, also after a failure or ^C.
mkdir -p "$tmp_parent"
[[ $(stat -f -c %T "$tmp_parent") != tmpfs ]] || die "$tmp_parent is tmpfs: pass --tmp on a disk"
work=$(mktemp -d "$tmp_parent/squeezefs-bench.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/results" "$work/src"

# The big file: corpus files concatenated (silesia first) and cut at --size-mb.
big_src=$work/src/big.bin
big_bytes=$((size_mb * 1024 * 1024))
mapfile -t corpus_files < <({
  find "$corpus/silesia" -type f | sort
  find "$corpus" -type f -size +64k ! -name SHA256SUMS ! -name '*.md' | sort
} 2>/dev/null | awk '!seen[$0]++')
((${#corpus_files[@]})) || die "no corpus files under $corpus"
corpus_bytes=$(cat "${corpus_files[@]}" | wc -c)
# Repeats the list as often as needed; `head` ends the pipe, so its status is ignored.
for ((i = 0; i <= big_bytes / corpus_bytes; i++)); do cat "${corpus_files[@]}"; done |
  head -c "$big_bytes" >"$big_src" || true
[[ $(stat -c %s "$big_src") -eq $big_bytes ]] || die "could not assemble $big_src"
tree_bytes=$(du -sb "$tree" | cut -f1)
tree_files=$(find "$tree" -type f | wc -l)
image_bytes=$(((big_bytes > tree_bytes ? big_bytes : tree_bytes) * 2 + (512 << 20)))

echo "fs_bench: big file ${size_mb} MiB from ${#corpus_files[@]} corpus files;" \
  "tree $tree ($tree_files files, $((tree_bytes >> 20)) MiB); $runs run(s); work dir $work"

for ((run = 1; run <= runs; run++)); do
  for sys in "${systems[@]}"; do
    [[ -e $work/results/$sys.skip ]] && continue
    for phase in big tree; do
      echo "run $run/$runs: $sys $phase" >&2
      set +e
      (bench_phase "$sys" "$run" "$phase")
      rc=$?
      set -e
      if ((rc == 3)); then
        break # skipped: the reason is in $sys.skip
      elif ((rc != 0)); then
        echo "fs_bench: $sys $phase (run $run) failed with status $rc" >&2
        echo "$phase run $run: failed (status $rc)" >>"$work/results/$sys.failed"
      fi
    done
  done
done

report
