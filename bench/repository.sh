#!/usr/bin/env bash
# The repository benchmark: a repository of N packages per family, then one package more, written
# by syspack and by each family's native tool on the same machine in the same run.
#
#   bench/repository.sh [N]      (default 5000)
#
# Each tool builds its repository of N once (the populate rows, one run: minutes); the
# repository is then copied aside, and "one more" is timed BENCH_REPS times (default 5) on a
# fresh copy each time, the tools taking turns (syspack deb, reprepro, syspack rpm,
# createrepo_c, syspack pacman, repo-add, then again), so a load change on a shared machine
# falls on every tool alike. The add-1 rows are the medians. syspack's add-1 is timed twice: as
# it writes by default (every file and its directory fsynced) and with SYSPACK_REPO_UNSAFE_IO=1
# (no fsync). For comparison, `strace -f -c` counts 22 fdatasync calls when reprepro adds one
# package to an empty repository, 3 for createrepo_c, none for repo-add.
#
#   apt:    syspack repo add   vs  reprepro includedeb (SignWith: the same RSA-4096 key, in gpg;
#                                  DebIndices . .gz .xz: the same three Packages files syspack writes)
#   rpm-md: syspack repo add   vs  createrepo_c --update, then gpg --detach-sign of repomd.xml
#                                  (createrepo_c does not sign; syspack's repomd.xml.asc is part
#                                  of its time, so the same signature is part of createrepo_c's)
#   pacman: syspack repo add   vs  repo-add --sign (gpg)
#
# syspack signs every RPM (header and header+payload signatures) and every pacman package
# (detached .sig) as it adds it; createrepo_c and repo-add sign no package (rpmsign and makepkg
# do, before), so the populate rows compare more work against less. gpg signs through
# gpg-agent, a process /usr/bin/time does not count: the natives' CPU times miss their signing.
#
# Every tool signs with an RSA-4096 key (syspack's own key generate, imported into a scratch
# GNUPGHOME for the others). Times are wall and CPU (user+sys) from /usr/bin/time; ratios are
# syspack / native. `syspack repo verify` checks the
# result. Prints a Markdown table; raw times in $BENCH_WORK/times.txt.
#
# Environment:
#   BENCH_WORK      scratch directory           [default: /tmp/bench-repo]
#   BENCH_REPS      timed runs of each add-1    [default: 5]
#   BENCH_REUSE     1: time add-1 again on the last run's populated repositories (kept as
#                   $BENCH_WORK/*.base), keeping its populate times   [default: 0]
#   BENCH_SYSPACK   the syspack binary           [default: build --release into /tmp/bench-syspack]
#
# Needs: reprepro, createrepo-c, pacman-package-manager (repo-add), gnupg, time
#   (apt-get install -y reprepro createrepo-c pacman-package-manager gnupg time)
set -euo pipefail

N=${1:-5000}
REPS=${BENCH_REPS:-5}
REUSE=${BENCH_REUSE:-0}
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
WORK=${BENCH_WORK:-/tmp/bench-repo}

for tool in reprepro createrepo_c repo-add gpg /usr/bin/time; do
    command -v "$tool" >/dev/null || {
        echo "bench/repository.sh: $tool is missing: apt-get install -y reprepro createrepo-c pacman-package-manager gnupg time" >&2
        exit 2
    }
done
if [ -n "${BENCH_SYSPACK:-}" ]; then
    SYSPACK=$BENCH_SYSPACK
else
    (cd "$ROOT" && CARGO_TARGET_DIR=/tmp/bench-syspack cargo build --release --quiet --bin syspack)
    SYSPACK=/tmp/bench-syspack/release/syspack
fi

# --- N+1 packages per family, made once (not timed) ------------------------------------------------
gen() { # gen I: packages/pI/out/*
    local i=$1 d="$WORK/gen/p$1"
    [ -d "$d/out" ] && return 0
    mkdir -p "$d/stage/usr/share/p$i"
    echo "package $i" >"$d/stage/usr/share/p$i/readme"
    cat >"$d/syspack.toml" <<EOF
[package]
name = "p$i"
version = "1.0.0"
summary = "repository benchmark package $i"
description = "One of the packages of syspack's repository benchmark."
maintainer = "Bench <bench@example.org>"
license = "MIT"
assets = [{ source = "stage/usr/**/*", dest = "/usr/" }]
EOF
    (cd "$d" && SOURCE_DATE_EPOCH=1700000000 "$SYSPACK" package --config syspack.toml --no-build \
        --target debian-12,fedora-43,arch --out out.tmp >/dev/null && mv out.tmp out)
}
export -f gen
export WORK SYSPACK
mkdir -p "$WORK/gen"
seq -f '%05g' 1 $((N + 1)) | xargs -P "$(nproc)" -I{} bash -c 'gen {}'
last=$(printf '%05d' $((N + 1)))
for fam in deb rpm pkg.tar.zst; do
    rm -rf "$WORK/in-$fam" && mkdir -p "$WORK/in-$fam"
    find "$WORK/gen" -path "*/out/*.$fam" ! -path "*/p$last/*" -exec ln -s {} "$WORK/in-$fam/" \;
done
one_deb=$(ls "$WORK/gen/p$last/out/"*.deb)
one_rpm=$(ls "$WORK/gen/p$last/out/"*.rpm)
one_pkg=$(ls "$WORK/gen/p$last/out/"*.pkg.tar.zst)

# --- keys ------------------------------------------------------------------------------------------
export GNUPGHOME="$WORK/gnupg"
if [ "$REUSE" = 1 ]; then
    # The populated repositories, keys and populate times of the last run; new add-1 times.
    grep -- '-populate ' "$WORK/times.txt" >"$WORK/times.keep"
    mv "$WORK/times.keep" "$WORK/times.txt"
else
    rm -rf "$WORK/keys" "$WORK/gnupg"
    "$SYSPACK" key generate --out "$WORK/keys" --algorithm rsa4096 >/dev/null
    mkdir -m 700 "$GNUPGHOME"
    gpg --batch --quiet --import "$WORK/keys/secret.asc"
    : >"$WORK/times.txt"
fi
fpr=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ {print $10; exit}')
echo "$fpr:6:" | gpg --batch --quiet --import-ownertrust

timed() { # timed LABEL CMD...: appends "LABEL wall cpu" to times.txt
    local label=$1
    shift
    /usr/bin/time -f "%e %U %S" -o "$WORK/time.out" "$@" >"$WORK/log-$label.txt" 2>&1 || {
        echo "bench/repository.sh: $label failed:" >&2
        tail -20 "$WORK/log-$label.txt" >&2
        exit 1
    }
    awk -v l="$label" '{printf "%s %.2f %.2f\n", l, $1, $2 + $3}' "$WORK/time.out" >>"$WORK/times.txt"
}

createrepo_sign() { # createrepo_sign ARGS... DIR: createrepo_c, then repomd.xml signed
    createrepo_c "$@" && gpg --batch --yes --armor --detach-sign "${!#}/repodata/repomd.xml"
}
export -f createrepo_sign
export SOURCE_DATE_EPOCH=1700000000 SYSPACK_NOW=1700000000
if [ "$REUSE" != 1 ]; then
    # --- syspack: one repository, three families ---------------------------------------------------
    rm -rf "$WORK/syspack"
    for fam in deb rpm pkg.tar.zst; do
        mkdir -p "$WORK/syspack/$fam"
        timed "syspack-$fam-populate" "$SYSPACK" repo add "$WORK/syspack/$fam" "$WORK/in-$fam/"* \
            --signing-key "$WORK/keys/secret.asc"
    done

    # --- reprepro ----------------------------------------------------------------------------------
    rm -rf "$WORK/reprepro" && mkdir -p "$WORK/reprepro/conf"
    printf '%s\n' "Codename: testing" "Architectures: amd64" "Components: main" "SignWith: $fpr" \
        "DebIndices: Packages Release . .gz .xz" >"$WORK/reprepro/conf/distributions"
    timed reprepro-populate reprepro -S misc -P optional -b "$WORK/reprepro" includedeb testing "$WORK/in-deb/"*

    # --- createrepo_c ------------------------------------------------------------------------------
    rm -rf "$WORK/createrepo" && mkdir -p "$WORK/createrepo/Packages"
    cp -L "$WORK/in-rpm/"* "$WORK/createrepo/Packages/"
    # shellcheck disable=SC2016 # $0 is expanded by the inner bash
    timed createrepo-populate bash -c 'createrepo_sign --quiet "$0"' "$WORK/createrepo"

    # --- repo-add ----------------------------------------------------------------------------------
    rm -rf "$WORK/pacman" && mkdir -p "$WORK/pacman"
    cp -L "$WORK/in-pkg.tar.zst/"* "$WORK/pacman/"
    timed repo-add-populate repo-add --quiet --sign --key "$fpr" "$WORK/pacman/bench.db.tar.zst" \
        "$WORK/pacman/"*.pkg.tar.zst

    for d in syspack/deb syspack/rpm syspack/pkg.tar.zst reprepro createrepo pacman; do
        rm -rf "$WORK/$d.base" && mv "$WORK/$d" "$WORK/$d.base"
    done
fi

# --- one more, BENCH_REPS times, the tools taking turns, each on a fresh copy ---------------------
fresh() { # fresh DIR: DIR as it was after the populate step
    rm -rf "${WORK:?}/$1" && cp -a "$WORK/$1.base" "$WORK/$1"
}
for _ in $(seq "$REPS"); do
    for fam in deb rpm pkg.tar.zst; do
        case $fam in deb) one=$one_deb ;; rpm) one=$one_rpm ;; *) one=$one_pkg ;; esac
        fresh "syspack/$fam"
        timed "syspack-$fam-add1" "$SYSPACK" repo add "$WORK/syspack/$fam" "$one" \
            --signing-key "$WORK/keys/secret.asc"
        # The same without fsync (repo/src/store.rs, "Unsafe I/O").
        fresh "syspack/$fam"
        timed "syspack-$fam-add1-unsafe" env SYSPACK_REPO_UNSAFE_IO=1 "$SYSPACK" repo add \
            "$WORK/syspack/$fam" "$one" --signing-key "$WORK/keys/secret.asc"
        case $fam in
        deb)
            fresh reprepro
            timed reprepro-add1 reprepro -S misc -P optional -b "$WORK/reprepro" includedeb testing \
                "$one_deb"
            ;;
        rpm)
            fresh createrepo
            cp "$one_rpm" "$WORK/createrepo/Packages/"
            # shellcheck disable=SC2016 # $0 is expanded by the inner bash
            timed createrepo-add1 bash -c 'createrepo_sign --quiet --update "$0"' "$WORK/createrepo"
            ;;
        *)
            fresh pacman
            cp "$one_pkg" "$WORK/pacman/"
            timed repo-add-add1 repo-add --quiet --sign --key "$fpr" \
                "$WORK/pacman/bench.db.tar.zst" "$WORK/pacman/$(basename "$one_pkg")"
            ;;
        esac
    done
done
for fam in deb rpm pkg.tar.zst; do
    "$SYSPACK" repo verify "$WORK/syspack/$fam" --key "$WORK/keys/public.asc" >/dev/null
done

# --- table -----------------------------------------------------------------------------------------
python3 - "$WORK/times.txt" "$N" <<'EOF'
import sys
import statistics
runs = {}
for line in open(sys.argv[1]):
    label, wall, cpu = line.split()
    runs.setdefault(label, []).append((float(wall), float(cpu)))
# One populate run; the median of the add-1 runs (wall and CPU each).
t = {label: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
     for label, r in runs.items()}
n = sys.argv[2]
reps = len(runs["syspack-deb-add1"])
print(f"add-1 rows: median of {reps} runs each, the tools taking turns")
print()
print(f"| family | step | syspack wall / CPU | native | native wall / CPU | wall ratio | CPU ratio |")
print("|---|---|---|---|---|---|---|")
for fam, native in (("deb", "reprepro"), ("rpm", "createrepo"), ("pkg.tar.zst", "repo-add")):
    for step, name in (("populate", f"{n} packages"), ("add1", f"1 into {n}"),
                       ("add1-unsafe", f"1 into {n}, no fsync")):
        s, o = t[f"syspack-{fam}-{step}"], t[f"{native}-{step.split('-')[0]}"]
        ratio = lambda a, b: f"{a / b:.2f}x" if b > 0 else "n/a"
        print(f"| {fam} | {name} | {s[0]:.2f} s / {s[1]:.2f} s | {native} | "
              f"{o[0]:.2f} s / {o[1]:.2f} s | {ratio(s[0], o[0])} | {ratio(s[1], o[1])} |")
EOF
