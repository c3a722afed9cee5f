# shellcheck shell=bash
# Helpers for ci/install-tests: steps that name their release, expected failures, file-set
# snapshots of a root, stage timing, and the proofs file `syspack matrix --proofs` reads.
#
# Sourced, not run. Expects `$work` (a scratch directory) and `$proof_date` to be set by the caller.
# shellcheck disable=SC2154 # work and proof_date come from ci/install-tests

# die RELEASE STEP MESSAGE [FILE]: prints the failure with FILE's content (a tool's output) and exits.
die() {
  local release=$1 what=$2 message=$3 file=${4:-}
  {
    echo "ci/install-tests: FAILED [$release] $what: $message"
    if [ -n "$file" ] && [ -s "$file" ]; then
      echo "---- output"
      tail -n 60 "$file"
      echo "----"
    fi
  } >&2
  exit 1
}

ok() { echo "[$1] $2: ok"; }

# step RELEASE WHAT -- COMMAND...: COMMAND must succeed.
step() {
  local release=$1 what=$2
  shift 3
  local rc=0
  "$@" >"$work/last.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    die "$release" "$what" "command failed (exit $rc): $(printf '%q ' "$@")" "$work/last.log"
  fi
  ok "$release" "$what"
}

# step_fails RELEASE WHAT REGEX -- COMMAND...: COMMAND must fail and print a line matching REGEX
# (grep -E): the failure must be the one predicted, not any failure.
step_fails() {
  local release=$1 what=$2 regex=$3
  shift 4
  if "$@" >"$work/last.log" 2>&1; then
    die "$release" "$what" "command succeeded but was predicted to fail: $(printf '%q ' "$@")" "$work/last.log"
  fi
  if ! grep -Eq -- "$regex" "$work/last.log"; then
    die "$release" "$what" "command failed, but not with the predicted error /$regex/: $(printf '%q ' "$@")" "$work/last.log"
  fi
  ok "$release" "$what"
}

# expect RELEASE WHAT CONDITION-DESCRIPTION -- TEST...: a check that runs no tool of interest
# (`[ -e … ]`, `cmp`, `grep`); on failure prints the description and the last tool output.
expect() {
  local release=$1 what=$2 desc=$3
  shift 4
  if ! "$@" >"$work/expect.log" 2>&1; then
    cat "$work/expect.log" >>"$work/last.log"
    die "$release" "$what" "$desc" "$work/last.log"
  fi
  ok "$release" "$what"
}

# snapshot ROOT FILE: every path of ROOT (type and path), except the package managers' own
# databases, logs and scratch files, sorted: two snapshots compare equal when an install and a
# removal left nothing behind.
snapshot() {
  (cd "$1" && find . -xdev \
    \( -path ./var/lib/dpkg -o -path ./var/lib/rpm -o -path ./var/lib/pacman -o -path ./var/log \
    -o -path ./var/cache -o -path ./tmp -o -path ./proc -o -path ./dev -o -path ./run \
    -o -path ./usr/lib/sysimage/rpm \) -prune -o -printf '%y %p\n' |
    LC_ALL=C sort) >"$2"
}

# Stage timing: `stage NAME` starts a stage (ending the previous one), `stage end` ends the last;
# `stage_summary` prints all.
stage_names=()
stage_secs=()
stage_now=
stage() {
  local t
  t=$(date +%s)
  if [ -n "$stage_now" ]; then
    stage_secs+=($((t - stage_now)))
  fi
  stage_now=$t
  [ "$1" = end ] && return 0
  stage_names+=("$1")
  echo "ci/install-tests: ---- $1"
}
stage_summary() {
  local i total=0
  echo "ci/install-tests: stage times"
  for i in "${!stage_names[@]}"; do
    printf '  %-56s %5s s\n' "${stage_names[$i]}" "${stage_secs[$i]:-?}"
    total=$((total + ${stage_secs[$i]:-0}))
  done
  printf '  %-56s %5s s\n' "total" "$total"
}

# Proofs: `proof RELEASE COLUMN PACKAGE OUTCOME STEP` records what a real tool showed; written
# as the JSON array `syspack matrix --proofs FILE` reads (fields of syspack_distro::matrix::Proof).
proofs=()
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/ }
  s=${s//$'\t'/ }
  printf '"%s"' "$s"
}
# proof_json RELEASE COLUMN PACKAGE OUTCOME STEP: one proof object.
proof_json() {
  printf '{"release":%s,"column":%s,"package":%s,"step":%s,"date":%s,"outcome":%s}' \
    "$(json_str "$1")" "$(json_str "$2")" "$(json_str "$3")" "$(json_str "$5")" \
    "$(json_str "$proof_date")" "$(json_str "$4")"
}
proof() { proofs+=("$(proof_json "$@")"); }
# write_proofs FILE PROOF-JSON...: the JSON array, written atomically.
write_proofs() {
  local file=$1 n i=0
  shift
  n=$#
  mkdir -p "$(dirname "$file")"
  {
    echo "["
    for p in "$@"; do
      i=$((i + 1))
      if [ "$i" -lt "$n" ]; then echo "  $p,"; else echo "  $p"; fi
    done
    echo "]"
  } >"$file.partial"
  mv "$file.partial" "$file"
}
