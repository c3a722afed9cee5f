#!/usr/bin/env bash
# A fuzzing campaign counted in CPU time and resumable across days: runs the target with the
# least CPU so far, for CHUNK seconds of wall time (or what it still needs, if less), until every
# target has had CPU_SECONDS.
#   fuzz/campaign.sh CPU_SECONDS [CHUNK]        (CHUNK defaults to 600 s of wall time)
# Each chunk goes through run.sh (same memory limit, timeout and corpus); its figures are
# appended to logs/campaign.tsv, which later runs read, so the corpus and the count carry on.
# Two campaigns may run at once (one per core): a target in use by the other is skipped.
# The build is done first and not counted: only the fuzzing's CPU time is.
set -euo pipefail
cd "$(dirname "$0")"
budget=${1:?usage: fuzz/campaign.sh CPU_SECONDS [CHUNK]}
chunk=${2:-600}
mapfile -t targets < <(cargo +nightly fuzz list)  # every target of Cargo.toml
tsv=logs/campaign.tsv
mkdir -p logs
[ -f "$tsv" ] || printf 'date\ttarget\twall_s\tcpu_s\texecutions\tcov\tft\tcorpus\tresult\n' >"$tsv"

cpu_so_far() { # target -> CPU seconds recorded for it
  awk -F'\t' -v t="$1" 'NR > 1 && $2 == t { s += $4 } END { printf "%d", s }' "$tsv"
}

while :; do
  cargo +nightly fuzz build -O >logs/campaign-build.log 2>&1 ||
    { echo "campaign.sh: the build failed, see fuzz/logs/campaign-build.log" >&2; exit 1; }
  pick='' least=''
  for t in "${targets[@]}"; do
    c=$(cpu_so_far "$t")
    [ "$c" -lt "$budget" ] || continue
    # Skip a target another campaign is fuzzing now.
    if [ -e "logs/$t.busy" ] && kill -0 "$(cat "logs/$t.busy")" 2>/dev/null; then continue; fi
    if [ -z "$pick" ] || [ "$c" -lt "$least" ]; then pick=$t least=$c; fi
  done
  if [ -z "$pick" ]; then
    echo "campaign.sh: every target has had ${budget} CPU seconds (or is being fuzzed by another campaign)"
    exit 0
  fi
  echo $$ >"logs/$pick.busy"
  result=ok
  # No longer than the target still needs (and a little over, since a chunk's CPU time falls a
  # few seconds short of its wall time): a last chunk of the full length wasted up to ten
  # minutes of a core per target.
  this_chunk=$((budget - least + 30))
  [ "$this_chunk" -lt "$chunk" ] || this_chunk=$chunk
  # The whole output first: `run.sh | grep -q` would end run.sh with SIGPIPE at the match, and
  # under pipefail that failed pipeline hid every finding as `ok`.
  out=$(./run.sh "$this_chunk" "$pick")
  grep -q "stopped with a finding" <<<"$out" && result=finding
  rm -f "logs/$pick.busy"
  # run.sh's time file: "run.sh: T: W s wall, U s user + S s system".
  read -r wall cpu < <(awk '{ printf "%d %d\n", $3, $6 + $10 }' "logs/$pick.time")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$pick.log" | tail -n 1)
  read -r cov ft corp < <(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "logs/$pick.log" |
    tail -n 1 | awk '{ print $2, $4, $6 }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$pick" "$wall" "$cpu" \
    "${execs:-0}" "${cov:-0}" "${ft:-0}" "${corp:-0}" "$result" >>"$tsv"
  echo "campaign.sh: $pick: ${cpu} CPU s this chunk, $(cpu_so_far "$pick") in all ($result)"
  if [ "$result" = finding ]; then
    echo "campaign.sh: stopping at a finding: fuzz/artifacts/$pick/" >&2
    exit 1
  fi
done
