#!/usr/bin/env bash
# Runs fuzz targets for a fixed time each, with a memory limit per run so that a bomb is a
# finding:   fuzz/run.sh SECONDS [TARGET...]      (all targets when none is named)
# Needs the nightly toolchain and cargo-fuzz (see README.md); run fuzz/seeds.sh first.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
# Every target of Cargo.toml when none is named.
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # 512 MB: syspack promises 256 MB; AddressSanitizer's shadow memory and quarantine need the rest.
  # The quarantine is cut from ASan's default 256 MB to 64 MB, and freed memory goes back to the
  # system: with the defaults, freed memory alone grew a run over 512 MB (the kb target, 800
  # inputs of up to 64 KiB: 524 MB RSS while 96 MB without a quarantine; the live heap was 41 MB).
  # CPU time (user + system, the fuzzer included) beside the wall time: a campaign's length
  # is counted in CPU time, which a shared machine gives less of than the clock.
  ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=64:allocator_release_to_os_interval_ms=500} \
    /usr/bin/time -f "run.sh: $t: %e s wall, %U s user + %S s system" -o "logs/$t.time" \
    cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=512 -malloc_limit_mb=512 -timeout=10 \
    -print_final_stats=1 >"logs/$t.log" 2>&1 || echo "run.sh: $t stopped with a finding (see fuzz/logs/$t.log, fuzz/artifacts/$t/)"
  grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE|cov:" "logs/$t.log" | tail -2
  tail -n 1 "logs/$t.time"
done
