#!/usr/bin/env bash
# Cold release build of a small crate linking syspack's four vendored compression libraries
# (zlib, bzip2, xz, zstd): `cargo build --release --features vendored` (the host's gcc, the
# host's glibc) against `syspack build --glibc 2.17 --features vendored` (zig through
# cargo-zigbuild), interleaved, REPS repetitions, each with a fresh CARGO_TARGET_DIR.
#
#   bench/glibc-build.sh [REPS]          (default 2)
#
# Environment:
#   BENCH_WORK          scratch directory                       [default: /tmp/bench-glibc]
#   SYSPACK             the syspack binary                      [default: target/debug/syspack]
#   SYSPACK_SOURCE_DIR  filled source cache                     [default: ~/.cache/syspack/sources]
# zig and cargo-zigbuild must be on PATH (ci/install-deps; `syspack doctor` shows them). The first,
# untimed zig build fills zig's own cache (its libc stubs and compiler-rt), as any machine that has
# built once has it.
#
# Each build is timed by GNU /usr/bin/time: wall time and CPU time (user + sys of everything it
# ran). Prints one line per build and writes $BENCH_WORK/glibc-build.tsv.
set -euo pipefail

REPS=${1:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_WORK:-/tmp/bench-glibc}
export SYSPACK=${SYSPACK:-$ROOT/target/debug/syspack}
export SYSPACK_SOURCE_DIR=${SYSPACK_SOURCE_DIR:-$HOME/.cache/syspack/sources}
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) is needed: apt-get install time" >&2; exit 2; }
[ -x "$SYSPACK" ] || { echo "error: no syspack at $SYSPACK: cargo build --bin syspack" >&2; exit 2; }

mkdir -p "$WORK/crate/src"
cat >"$WORK/crate/Cargo.toml" <<TOML
[package]
name = "floor"
version = "0.1.0"
edition = "2021"
license = "MIT"
description = "links the four vendored compression libraries"
authors = ["bench <bench@example.org>"]

[workspace]

[dependencies]
syspack-zlib-sys = { path = "$ROOT/sys-crates/zlib-sys" }
syspack-bzip2-sys = { path = "$ROOT/sys-crates/bzip2-sys" }
syspack-lzma-sys = { path = "$ROOT/sys-crates/lzma-sys" }
syspack-zstd-sys = { path = "$ROOT/sys-crates/zstd-sys" }

[features]
vendored = ["syspack-zlib-sys/vendored", "syspack-bzip2-sys/vendored", "syspack-lzma-sys/vendored", "syspack-zstd-sys/vendored"]
TOML
cat >"$WORK/crate/src/main.rs" <<'RS'
fn main() {
    println!(
        "zlib {} bzip2 {} xz {} zstd {}",
        syspack_zlib_sys::safe::version(),
        syspack_bzip2_sys::safe::version(),
        syspack_lzma_sys::safe::version(),
        syspack_zstd_sys::safe::version()
    );
}
RS
cp "$ROOT/Cargo.lock" "$WORK/crate/Cargo.lock"
cd "$WORK/crate"

build() { # set target-dir
  case $1 in
    gcc) cargo build --release --offline --quiet --features vendored ;;
    zig) "$SYSPACK" build --glibc 2.17 --features vendored >/dev/null ;;
  esac
}

# Untimed: zig's cache (libc stubs, compiler-rt) and cargo's registry.
rm -rf "$WORK/warm" && CARGO_TARGET_DIR=$WORK/warm build zig 2>/dev/null
rm -rf "$WORK/warm"

tsv=$WORK/glibc-build.tsv
printf 'set\trep\twall_s\tcpu_s\tload\n' >"$tsv"
for rep in $(seq 1 "$REPS"); do
  for set in gcc zig; do
    dir=$WORK/target-$set
    rm -rf "$dir"
    load=$(cut -d' ' -f1 /proc/loadavg)
    export CARGO_TARGET_DIR=$dir
    /usr/bin/time -f '%e %U %S' -o "$WORK/time" bash -c "$(declare -f build); build $set" 2>/dev/null
    read -r wall user sys <"$WORK/time"
    cpu=$(echo "$user + $sys" | bc)
    printf '%s\t%s\t%s\t%s\t%s\n' "$set" "$rep" "$wall" "$cpu" "$load" | tee -a "$tsv"
  done
done
