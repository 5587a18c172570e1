# Sourced by fs_bench.sh: turns $work/results into the printed tables, markdown and JSON.
# A result file $work/results/SYSTEM.METRIC holds one value per run; the median is reported.
# shellcheck shell=bash disable=SC2154

median() {
  local f=$work/results/$1.$2
  [[ -s $f ]] || return 0
  sort -g "$f" | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B [FORMAT]: A / B, or "-" when either is missing or B is zero.
ratio() {
  awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" \
    'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf f "\n", a / b }'
}

mib() { awk -v b="$1" 'BEGIN { if (b == "") print "-"; else printf "%.1f\n", b / 1048576 }'; }

# Fills the table rows: time_rows, bytes_rows, rss_rows (fields separated by |) and notes.
collect() {
  local s w t base bb bt kb kt
  time_rows=() bytes_rows=() rss_rows=() notes=()
  kb=$(median btrfs bytes_big)
  kt=$(median btrfs bytes_tree)
  for s in "${systems[@]}"; do
    if [[ -f $work/results/$s.skip ]]; then
      notes+=("$(label_of "$s") skipped: $(cat "$work/results/$s.skip")")
      [[ -s $work/results/$s.W1 ]] || continue
    fi
    if [[ -f $work/results/$s.failed ]]; then
      while read -r line; do notes+=("$(label_of "$s") FAILED $line"); done \
        <"$work/results/$s.failed"
    fi
    local row
    row=$(label_of "$s")
    for w in W1 W2 W3 W4; do
      t=$(median "$s" "$w")
      base=$(median bindfs "$w")
      row+="|${t:--}|$(ratio "$t" "$base")"
    done
    time_rows+=("$row")
    bb=$(median "$s" bytes_big)
    bt=$(median "$s" bytes_tree)
    bytes_rows+=("$(label_of "$s")|$(mib "$bb")|$(ratio "$big_bytes" "$bb")|$(ratio "$bb" "$kb")|$(mib "$bt")|$(ratio "$tree_bytes" "$bt")|$(ratio "$bt" "$kt")")
    if [[ $(kind_of "$s") == squeezefs ]]; then
      row="$(label_of "$s")"
      for w in W1 W2 W3 W4; do
        t=$(median "$s" "rss_$w")
        row+="|$(awk -v k="$t" 'BEGIN { if (k == "") print "-"; else printf "%.1f\n", k / 1024 }')"
      done
      rss_rows+=("$row")
    fi
  done
}

# print_table WIDTHS HEADER ROWS...: fixed-width text; the first column left-aligned.
print_table() {
  local widths=$1 header=$2
  shift 2
  local line
  for line in "$header" "$@"; do
    awk -F'|' -v w="$widths" 'BEGIN { n = split(w, width, " ") } {
      out = sprintf("%-" width[1] "s", $1)
      for (i = 2; i <= NF; i++) out = out sprintf(" %" width[i > n ? n : i] "s", $i)
      print out }' <<<"$line"
  done
}

print_markdown_table() {
  local header=$1 line
  shift
  echo "| ${header//|/ | } |"
  echo "$header" | awk -F'|' '{ s = "|---"; for (i = 2; i <= NF; i++) s = s "|---:"; print s "|" }'
  for line in "$@"; do echo "| ${line//|/ | } |"; done
}

time_header="file system|W1 s|x bindfs|W2 s|x bindfs|W3 s|x bindfs|W4 s|x bindfs"
bytes_header="file system|big MiB|ratio|x btrfs|tree MiB|ratio|x btrfs"
rss_header="squeezefs daemon VmHWM|W1 MiB|W2 MiB|W3 MiB|W4 MiB"

report_text() {
  echo
  echo "Times (median of $runs; W1 write ${size_mb} MiB + fsync, W2 read it cold," \
    "W3 cp -a $tree + sync, W4 read the tree cold; x bindfs = time / bindfs time)"
  print_table "24 8 8" "$time_header" "${time_rows[@]}"
  echo
  echo "Bytes on disk (added by each workload; ratio = logical size / bytes on disk;" \
    "big file ${size_mb} MiB, tree $(mib "$tree_bytes") MiB in $tree_files files)"
  print_table "24 9 7 8" "$bytes_header" "${bytes_rows[@]}"
  if ((${#rss_rows[@]})); then
    echo
    echo "squeezefs daemon peak RSS (VmHWM just before each unmount, median of $runs)"
    print_table "24 8" "$rss_header" "${rss_rows[@]}"
  fi
  local n
  for n in "${notes[@]}"; do echo "note: $n"; done
}

report_markdown() {
  echo "### Filesystem benchmark"
  echo
  echo "Big file: ${size_mb} MiB from the corpus; tree: \`$tree\` ($tree_files files," \
    "$(mib "$tree_bytes") MiB); median of $runs run(s); $(date -u +%Y-%m-%d)."
  echo
  print_markdown_table "$time_header" "${time_rows[@]}"
  echo
  print_markdown_table "$bytes_header" "${bytes_rows[@]}"
  if ((${#rss_rows[@]})); then
    echo
    print_markdown_table "$rss_header" "${rss_rows[@]}"
  fi
  local n
  for n in "${notes[@]}"; do printf '\n- %s' "$n"; done
  echo
}

json_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "${s//$'\n'/ }"
}

json_number() { if [[ -z $1 ]]; then printf null; else printf '%s' "$1"; fi; }

report_json() {
  local s w first=1
  printf '{"size_mb": %s, "big_bytes": %s, "tree": %s, "tree_bytes": %s, "tree_files": %s, ' \
    "$size_mb" "$big_bytes" "$(json_string "$tree")" "$tree_bytes" "$tree_files"
  printf '"runs": %s, "baseline": "bindfs", "systems": [' "$runs"
  for s in "${systems[@]}"; do
    ((first)) || printf ', '
    first=0
    printf '\n  {"name": %s, "label": %s, ' "$(json_string "$s")" "$(json_string "$(label_of "$s")")"
    if [[ -f $work/results/$s.skip ]]; then
      printf '"skipped": %s, ' "$(json_string "$(cat "$work/results/$s.skip")")"
    fi
    if [[ -f $work/results/$s.failed ]]; then
      printf '"failures": %s, ' "$(json_string "$(cat "$work/results/$s.failed")")"
    fi
    printf '"seconds": {'
    for w in W1 W2 W3 W4; do
      printf '"%s": %s%s' "$w" "$(json_number "$(median "$s" "$w")")" "$([[ $w == W4 ]] || echo ', ')"
    done
    printf '}, "bytes_on_disk": {"big": %s, "tree": %s}' \
      "$(json_number "$(median "$s" bytes_big)")" "$(json_number "$(median "$s" bytes_tree)")"
    if [[ $(kind_of "$s") == squeezefs ]]; then
      printf ', "peak_rss_kib": {'
      for w in W1 W2 W3 W4; do
        printf '"%s": %s%s' "$w" "$(json_number "$(median "$s" "rss_$w")")" \
          "$([[ $w == W4 ]] || echo ', ')"
      done
      printf '}'
    fi
    printf '}'
  done
  printf '\n]}\n'
}

report() {
  collect
  report_text
  [[ -z $markdown_out ]] || report_markdown >"$markdown_out"
  [[ -z $json_out ]] || report_json >"$json_out"
}
