#!/usr/bin/env bash
# Cold `cargo build --release` of syspack's four sys crates (vendored) against the registry's
# libz-sys (static), bzip2-sys (static), liblzma-sys (static) and zstd-sys, on the same machine,
# in one run, interleaved, REPS repetitions, each with a fresh CARGO_TARGET_DIR.
#
#   bench/sys-build.sh [REPS]            (default 3)
#
# Environment:
#   BENCH_WORK           scratch directory        [default: /tmp/bench-sysbuild]
#   BENCH_TARGET_PREFIX  CARGO_TARGET_DIR prefix, `-<set>` appended [default: $BENCH_WORK/target]
#   SYSPACK_SOURCE_DIR   filled source cache      [default: /tmp/syspack-sources]
#
# Each build is timed by /usr/bin/time (GNU time): wall time, and CPU time (user + sys of cargo
# and everything it ran), which depends far less than wall time on what else the machine runs.
# Prints a Markdown table (medians of both, ratios) and writes $BENCH_WORK/sys-build.tsv (every
# run, with the 1-minute load average before and after it).
# `links` forbids both sets in one dependency graph, so each set has its own scratch workspace.
set -euo pipefail

REPS=${1:-3}
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK=${BENCH_WORK:-/tmp/bench-sysbuild}
TARGET_PREFIX=${BENCH_TARGET_PREFIX:-$WORK/target}
export SYSPACK_SOURCE_DIR=${SYSPACK_SOURCE_DIR:-/tmp/syspack-sources}

if [ ! -x /usr/bin/time ]; then
    echo "error: /usr/bin/time (GNU time) is needed to measure CPU time: apt-get install time" >&2
    exit 2
fi

if [ ! -d "$SYSPACK_SOURCE_DIR" ] || [ -z "$(ls -A "$SYSPACK_SOURCE_DIR" 2>/dev/null)" ]; then
    echo "error: the source cache $SYSPACK_SOURCE_DIR is empty; fill it with ci/fetch-sources and" \
        "\`syspack vendor import DIR\`, or point SYSPACK_SOURCE_DIR at a filled cache" >&2
    exit 2
fi

mkdir -p "$WORK/ws-syspack/src" "$WORK/ws-registry/src"

# --- scratch workspace 1: syspack's sys crates, by path ----------------------------------------
cat > "$WORK/ws-syspack/Cargo.toml" <<EOF
[package]
name = "bench-sys-syspack"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[features]
vendored = [
    "syspack-zlib-sys/vendored",
    "syspack-bzip2-sys/vendored",
    "syspack-lzma-sys/vendored",
    "syspack-zstd-sys/vendored",
]

[dependencies]
syspack-zlib-sys = { path = "$ROOT/sys-crates/zlib-sys" }
syspack-bzip2-sys = { path = "$ROOT/sys-crates/bzip2-sys" }
syspack-lzma-sys = { path = "$ROOT/sys-crates/lzma-sys" }
syspack-zstd-sys = { path = "$ROOT/sys-crates/zstd-sys" }
EOF
cat > "$WORK/ws-syspack/src/lib.rs" <<'EOF'
pub use syspack_bzip2_sys as bzip2;
pub use syspack_lzma_sys as lzma;
pub use syspack_zlib_sys as zlib;
pub use syspack_zstd_sys as zstd;
EOF

# --- scratch workspace 2: the registry's sys crates --------------------------------------------
# Each builds its bundled C source and links it statically with these features; zstd-sys
# always builds its bundled source (default features: legacy, zdict_builder).
cat > "$WORK/ws-registry/Cargo.toml" <<'EOF'
[package]
name = "bench-sys-registry"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[features]
# Same command line as the syspack workspace; the static features are set below.
vendored = []

[dependencies]
libz-sys = { version = "1", features = ["static"] }
bzip2-sys = { version = "0.1", features = ["static"] }
liblzma-sys = { version = "0.4", features = ["static"] }
zstd-sys = { version = "2" }
EOF
cat > "$WORK/ws-registry/src/lib.rs" <<'EOF'
pub use bzip2_sys as bzip2;
pub use libz_sys as zlib;
pub use liblzma_sys as lzma;
pub use zstd_sys as zstd;
EOF

# Resolve and download once (not timed); the timed builds run --offline.
for ws in ws-syspack ws-registry; do
    (cd "$WORK/$ws" && cargo fetch --quiet)
done

TSV="$WORK/sys-build.tsv"
printf 'rep\tset\twall_s\tcpu_s\tuser_s\tsys_s\tloadavg_before\tloadavg_after\n' > "$TSV"

run_one() { # rep set-name workspace-dir
    local rep=$1 name=$2 ws=$3 target="$TARGET_PREFIX-$2"
    rm -rf "$target"
    local before after
    before=$(cut -d' ' -f1 /proc/loadavg)
    (cd "$ws" && CARGO_TARGET_DIR="$target" /usr/bin/time -f '%e %U %S' -o "$WORK/.time" \
        cargo build --release --offline --features vendored --quiet >"$WORK/$name.log" 2>&1) ||
        { echo "error: build of $name failed, see $WORK/$name.log" >&2; exit 1; }
    after=$(cut -d' ' -f1 /proc/loadavg)
    rm -rf "$target"
    read -r wall user sys < "$WORK/.time"
    local cpu
    cpu=$(python3 -c "print(f'{$user + $sys:.2f}')")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$name" "$wall" "$cpu" "$user" "$sys" \
        "$before" "$after" >> "$TSV"
    echo "rep $rep  $name  wall ${wall}s  cpu ${cpu}s (user $user + sys $sys)  (load average before: $before, after: $after)" >&2
}

for rep in $(seq 1 "$REPS"); do
    # Alternate the order so that neither set always runs first after the other's page cache.
    if [ $((rep % 2)) -eq 1 ]; then order="syspack registry"; else order="registry syspack"; fi
    for set in $order; do
        run_one "$rep" "$set" "$WORK/ws-$set"
    done
done

python3 - "$TSV" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
wall, cpu = {}, {}
for rep, s, w, c, _user, _sys, _before, _after in rows:
    wall.setdefault(s, []).append(float(w))
    cpu.setdefault(s, []).append(float(c))
def stats(v):
    m = statistics.mean(v)
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    return f"{statistics.median(v):.1f} | {m:.1f} ± {sd:.1f} | {min(v):.1f} … {max(v):.1f}"
print("| set | runs | CPU median (s) | CPU mean ± σ (s) | CPU min … max (s) "
      "| wall median (s) | wall mean ± σ (s) | wall min … max (s) |")
print("|---|---|---|---|---|---|---|---|")
label = {"syspack": "syspack sys crates, vendored", "registry": "registry sys crates, static"}
for s in ("syspack", "registry"):
    print(f"| {label[s]} | {len(cpu[s])} | {stats(cpu[s])} | {stats(wall[s])} |")
med = statistics.median
print(f"\nratio syspack / registry (medians): CPU (user + sys) **{med(cpu['syspack']) / med(cpu['registry']):.2f}×**, "
      f"wall **{med(wall['syspack']) / med(wall['registry']):.2f}×**")
loads = [float(x) for l in rows for x in l[6:8]]
print(f"load average (1 min) before/after the runs: {min(loads):.2f} … {max(loads):.2f}")
EOF
