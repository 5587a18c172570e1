#!/usr/bin/env bash
# Codec table of the notes: `squeezefs codec bench` on the silesia corpus at 128 KiB blocks.
# Usage: tests/bench/codec_bench.sh [--build DIR] [--corpus DIR] [--min-time S] [--json]
# (build DIR defaults to build/release, corpus DIR to ../shared/corpus, both from the
# repository root).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=build/release
corpus=$repo/../shared/corpus
codecs=lzh,lzh:2,lzh:3,huffman,opcode,compress1d,zstd:3,zlib:6,lz4
extra=()

while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --codec) codecs=$2; shift 2 ;;
    --min-time) extra+=(--min-time "$2"); shift 2 ;;
    --json) extra+=(--json); shift ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "codec_bench: unknown option $1" >&2; exit 2 ;;
  esac
done

[[ $build = /* ]] || build=$repo/$build
sqz=$build/bin/squeezefs
[[ -x $sqz ]] || { echo "codec_bench: $sqz not found: build it first" >&2; exit 1; }
[[ -d $corpus/silesia ]] || { echo "codec_bench: $corpus/silesia not found" >&2; exit 1; }

echo "squeezefs codec bench: $corpus/silesia ($(du -sb "$corpus/silesia" | cut -f1) bytes," \
  "$(find "$corpus/silesia" -type f | wc -l) files), block size 128K, $(git -C "$repo" \
  rev-parse --short HEAD 2>/dev/null || echo unknown commit)" >&2
exec "$sqz" codec bench --codec "$codecs" --block-size 128K "${extra[@]}" "$corpus/silesia"
