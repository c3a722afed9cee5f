#!/usr/bin/env python3
"""The packaging benchmark: writes the configurations of every tool for a payload tree, then times
the tools interleaved (one repetition runs every command once, in a rotated order) and prints
hyperfine-like statistics, medians and ratios as Markdown. Called by bench/packaging.sh, which
installs the tools, builds syspack and generates the payloads first.

    bench/packaging.py --work DIR --syspack BIN --root REPO [--reps N] [--reps19 M] [--groups a,b,c,d]
                       [--baseline OTHER_SYSPACK_BIN]

Groups:
  nfpm     the 250 MB payload at nfpm's default compression (deb gzip:9, rpm gzip:9, arch zstd:3),
           every tool at the same settings: syspack (all four formats, and each format alone),
           nfpm deb/rpm/archlinux, dpkg-deb -b, rpmbuild -bb, makepkg (as nobody)
  single   the 250 MB payload at nfpm's settings, each syspack format alone against its fastest
           anchors (nfpm rpm, nfpm deb, nfpm archlinux, bsdtar + zstd -3), with CPU time; with
           --baseline, another syspack binary's rpm and deb alone beside them
  zstd19   the 250 MB payload at zstd -19: `tar | zstd -19 -T0` once against syspack's four formats
  repack   syspack's four formats again with unchanged inputs into the same output directory
  self     syspack's own release binary + docs at each target's default compression: syspack against
           cargo-deb and cargo-generate-rpm (and nfpm, dpkg-deb, rpmbuild, makepkg at their defaults)
  rss      peak RSS of syspack (all four formats) for both payloads, with /usr/bin/time -v
"""

import argparse
import json
import os
import resource
import re
import shutil
import statistics
import subprocess
import sys
import time

TARGETS = "debian-12,fedora-43,arch,freebsd-14"
EPOCH = "1700000000"


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


# --- configurations ------------------------------------------------------------------------------


def syspack_toml(p, name, assets, compressions):
    """A standalone syspack.toml; compressions: format -> "gzip:9" (None: the target's default)."""
    lines = [
        "[package]",
        f'name = "{name}"',
        'version = "1.0.0"',
        'summary = "syspack benchmark payload"',
        'description = "A payload for bench/packaging.sh."',
        'maintainer = "Bench <bench@example.org>"',
        'license = "MIT"',
        "assets = [",
    ]
    lines += [f'    {{ source = "{s}", dest = "{d}" }},' for s, d in assets]
    lines.append("]")
    for fmt, c in (compressions or {}).items():
        lines += ["", f"[package.{fmt}]", f'compression = "{c}"']
    write(p, "\n".join(lines) + "\n")


def nfpm_yaml(p, name, tree, deb=None, rpm=None):
    text = f"""name: {name}
arch: amd64
platform: linux
version: 1.0.0
release: 1
maintainer: Bench <bench@example.org>
description: A payload for bench/packaging.sh.
license: MIT
contents:
  - src: {tree}/usr/
    dst: /usr/
    type: tree
"""
    if deb:
        text += f"deb:\n  compression: {deb}\n"
    if rpm:
        text += f"rpm:\n  compression: {rpm}\n"
    write(p, text)


def rpm_spec(p, name, tree, payload, files):
    fl = "\n".join(files)
    write(
        p,
        f"""Name: {name}
Version: 1.0.0
Release: 1
Summary: syspack benchmark payload
License: MIT
%define debug_package %{{nil}}
%define __os_install_post %{{nil}}
%define _build_id_links none
{"%define _binary_payload " + payload if payload else ""}

%description
A payload for bench/packaging.sh.

%install
mkdir -p %{{buildroot}}
cp -a {tree}/. %{{buildroot}}/

%files
{fl}
""",
    )


def pkgbuild(d, name, tree, compress_zst):
    write(
        os.path.join(d, "PKGBUILD"),
        f"""pkgname={name}
pkgver=1.0.0
pkgrel=1
pkgdesc="syspack benchmark payload"
arch=('x86_64')
license=('MIT')
options=(!strip !docs !libtool !staticlibs !emptydirs !zipman !purge !debug !lto)

package() {{
    cp -a {tree}/. "$pkgdir"/
}}
""",
    )
    conf = open("/etc/makepkg.conf").read()
    conf = re.sub(r"^PKGEXT=.*$", "PKGEXT='.pkg.tar.zst'", conf, flags=re.M)
    if compress_zst:
        conf = re.sub(r"^COMPRESSZST=.*$", f"COMPRESSZST=({compress_zst})", conf, flags=re.M)
    conf = re.sub(r"^BUILDENV=.*$", "BUILDENV=(!distcc !color !ccache !check !sign)", conf, flags=re.M)
    write(os.path.join(d, "makepkg.conf"), conf)
    sh(f"chown -R nobody:nogroup {d}")


def deb_root(d, name, tree):
    if os.path.exists(d):
        shutil.rmtree(d)
    sh(f"cp -al {tree} {d}")
    write(
        os.path.join(d, "DEBIAN/control"),
        f"""Package: {name}
Version: 1.0.0-1
Architecture: amd64
Maintainer: Bench <bench@example.org>
Description: syspack benchmark payload
 A payload for bench/packaging.sh.
""",
    )


# --- the interleaved runner ----------------------------------------------------------------------


class Cmd:
    def __init__(self, name, cmd, out, env=None):
        self.name, self.cmd, self.out, self.env = name, cmd, out, env or {}
        self.times = []
        self.cpu = []  # user + sys seconds of the command and everything it waited for
        self.size = None

    def prepare(self):
        if os.path.exists(self.out):
            shutil.rmtree(self.out)
        os.makedirs(self.out)
        if "makepkg" in self.name:  # makepkg runs as nobody
            sh(f"chown nobody:nogroup {self.out}")

    def run(self, log):
        env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, **self.env)
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(self.cmd, shell=True, env=env, stdout=log, stderr=log)
        dt = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        if r.returncode != 0:
            sys.exit(f"error: `{self.name}` failed (exit {r.returncode}); command: {self.cmd}; see {log.name}")
        self.times.append(dt)
        self.size = sum(
            os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(self.out) for f in fs
        )
        return dt


def run_group(title, cmds, reps, log, keep_prepare=None):
    """Interleaved: each repetition runs every command once, the order rotated by one each time."""
    loads = []
    for rep in range(reps):
        k = rep % len(cmds)
        order = cmds[k:] + cmds[:k]
        for c in order:
            if keep_prepare is None or c.name not in keep_prepare:
                c.prepare()
            loads.append(os.getloadavg()[0])
            dt = c.run(log)
            print(f"  [{title}] rep {rep + 1}/{reps} {c.name}: {dt:.2f} s", file=sys.stderr, flush=True)
    return loads


def stats(v):
    med = statistics.median(v)
    mean = statistics.mean(v)
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    return med, mean, sd, min(v), max(v)


def md(name):
    """A command name as a Markdown table cell."""
    return name.replace("|", "\\|")


def table(cmds, base=None):
    rows = [
        "| command | runs | median (s) | mean ± σ (s) | min … max (s) | CPU median (s) | output (MB) |"
        + (f" × {md(base.name)} |" if base else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if base else ""),
    ]
    for c in cmds:
        med, mean, sd, lo, hi = stats(c.times)
        cpu = f"{statistics.median(c.cpu):.2f}" if c.cpu else "—"
        row = f"| {md(c.name)} | {len(c.times)} | {med:.2f} | {mean:.2f} ± {sd:.2f} | {lo:.2f} … {hi:.2f} | {cpu} | {c.size / 1e6:.1f} |"
        if base:
            row += f" {med / statistics.median(base.times):.2f} |"
        rows.append(row)
    return "\n".join(rows)


def med(c):
    return statistics.median(c.times)


# --- main ----------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/bench-pack")
    ap.add_argument("--syspack", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--tools", default="/tmp/bench-tools/bin")
    ap.add_argument("--cargo-target-dir", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--reps19", type=int, default=2)
    ap.add_argument("--groups", default="nfpm,zstd19,repack,self,rss")
    ap.add_argument("--payload", default="250 MB, 6,000 files", help="label of the synthetic payload")
    ap.add_argument("--baseline", default=None,
                    help="another syspack binary (an earlier build) timed beside this one in the `single` group")
    a = ap.parse_args()
    groups = a.groups.split(",")
    W = a.work
    S = a.syspack
    big = f"{W}/big"
    slf = f"{W}/self"
    log = open(f"{W}/packaging.log", "a")
    out = []
    results = {}

    def emit(s=""):
        out.append(s)
        print(s, flush=True)
        with open(f"{W}/results.md", "w") as f:  # as it goes: a stopped run keeps its tables
            f.write("\n".join(out) + "\n")
        with open(f"{W}/results.json", "w") as f:
            json.dump(results, f, indent=1)

    emit(f"<!-- machine: {os.cpu_count()} cores; load average at start: {os.getloadavg()} -->")

    # ---- configurations for the big payload
    tree = f"{big}/tree"
    nfpm_c = {"deb": "gzip:9", "rpm": "gzip:9", "arch": "zstd:3", "freebsd": "zstd:3"}
    syspack_toml(f"{big}/syspack-nfpm.toml", "benchpayload", [("tree/usr/**/*", "/usr/")], nfpm_c)
    syspack_toml(f"{big}/syspack.toml", "benchpayload", [("tree/usr/**/*", "/usr/")], None)
    nfpm_yaml(f"{big}/nfpm.yaml", "benchpayload", tree)
    rpm_spec(f"{big}/bench-gzip9.spec", "benchpayload", tree, "w9.gzdio",
             ["/usr/lib/benchpayload", "/usr/share/benchpayload"])
    pkgbuild(f"{big}/makepkg", "benchpayload", tree, "zstd -c -T0 -3 -")
    deb_root(f"{big}/deb-root", "benchpayload", tree)

    def sp(name, outd, extra, cfg="syspack-nfpm.toml", cache="off"):
        # Cold runs: frames cached for the run only (`--frame-cache off`), so no repetition
        # profits from an earlier one; the repack group gives a real cache directory.
        return Cmd(name, f"{S} package --no-build --config {big}/{cfg} {extra} --frame-cache {cache} --out {outd}", outd)

    o = f"{W}/out"
    if "nfpm" in groups:
        cmds = [
            sp("syspack, 4 formats", f"{o}/sp4", f"--target {TARGETS}"),
            sp("syspack --format deb", f"{o}/spdeb", "--format deb"),
            sp("syspack --format rpm", f"{o}/sprpm", "--format rpm"),
            sp("syspack --format arch", f"{o}/sparch", "--format arch"),
            sp("syspack --format freebsd", f"{o}/spfbsd", "--format freebsd"),
            Cmd("nfpm deb", f"cd {big} && nfpm package -f nfpm.yaml -p deb -t {o}/nfdeb/", f"{o}/nfdeb"),
            Cmd("nfpm rpm", f"cd {big} && nfpm package -f nfpm.yaml -p rpm -t {o}/nfrpm/", f"{o}/nfrpm"),
            Cmd("nfpm archlinux", f"cd {big} && nfpm package -f nfpm.yaml -p archlinux -t {o}/nfarch/", f"{o}/nfarch"),
            Cmd("dpkg-deb -Zgzip -z9 -b", f"dpkg-deb --root-owner-group -Zgzip -z9 -b {big}/deb-root {o}/dpkg/p.deb", f"{o}/dpkg"),
            Cmd("rpmbuild -bb (w9.gzdio)", f"rpmbuild --quiet --define '_topdir {o}/rpmb' --define '_rpmdir {o}/rpmb' -bb {big}/bench-gzip9.spec", f"{o}/rpmb"),
            # makepkg's core (its create_package): the .MTREE, then bsdtar | zstd. The full makepkg
            # (fakeroot, as nobody) is timed on the small payload in the `self` group.
            Cmd("bsdtar + zstd -3 -T0 (makepkg's core)",
                f"cd {tree} && bsdtar -czf {o}/bsdtar/.MTREE --format=mtree --options='!all,use-set,type,uid,gid,mode,time,size,md5,sha256,link' . "
                f"&& bsdtar --no-fflags --uid 0 --gid 0 -cf - . | zstd -c -T0 -3 -q > {o}/bsdtar/p.pkg.tar.zst",
                f"{o}/bsdtar"),
        ]
        loads = run_group("nfpm", cmds, a.reps, log)
        by = {c.name: c for c in cmds}
        emit(f"### {a.payload} payload, nfpm's compression settings (deb gzip:9, rpm gzip:9, arch/freebsd zstd:3)\n")
        emit(table(cmds, by["syspack, 4 formats"]))
        nf_total = med(by["nfpm deb"]) + med(by["nfpm rpm"]) + med(by["nfpm archlinux"])
        sp4 = med(by["syspack, 4 formats"])
        sp_sum = sum(med(by[n]) for n in ("syspack --format deb", "syspack --format rpm", "syspack --format arch", "syspack --format freebsd"))
        emit("")
        emit(f"- nfpm deb + rpm + archlinux (sum of medians): {nf_total:.2f} s")
        emit(f"- syspack, all four formats in one run: {sp4:.2f} s → **{sp4 / nf_total:.2f}× nfpm's total** (goal ≤ 0.50×)")
        emit(f"- syspack, sum of the four single-format runs: {sp_sum:.2f} s (one run of all four: {sp4 / sp_sum:.2f}× of that)")
        emit(f"- load average (1 min) before each command: {min(loads):.1f} … {max(loads):.1f}")
        emit("")
        results["nfpm"] = {c.name: {"times": c.times, "size": c.size} for c in cmds}

    if "single" in groups:
        # Each format alone against its fastest anchor (issue 22), interleaved, with CPU time.
        cmds = [
            sp("syspack --format rpm", f"{o}/s1rpm", "--format rpm"),
            sp("syspack --format deb", f"{o}/s1deb", "--format deb"),
            sp("syspack --format arch", f"{o}/s1arch", "--format arch"),
            sp("syspack --format freebsd", f"{o}/s1fbsd", "--format freebsd"),
            Cmd("nfpm rpm", f"cd {big} && nfpm package -f nfpm.yaml -p rpm -t {o}/s1nfrpm/", f"{o}/s1nfrpm"),
            Cmd("nfpm deb", f"cd {big} && nfpm package -f nfpm.yaml -p deb -t {o}/s1nfdeb/", f"{o}/s1nfdeb"),
            Cmd("nfpm archlinux", f"cd {big} && nfpm package -f nfpm.yaml -p archlinux -t {o}/s1nfarch/", f"{o}/s1nfarch"),
            Cmd("bsdtar + zstd -3 -T0 (makepkg's core)",
                f"cd {tree} && bsdtar -czf {o}/s1bsdtar/.MTREE --format=mtree --options='!all,use-set,type,uid,gid,mode,time,size,md5,sha256,link' . "
                f"&& bsdtar --no-fflags --uid 0 --gid 0 -cf - . | zstd -c -T0 -3 -q > {o}/s1bsdtar/p.pkg.tar.zst",
                f"{o}/s1bsdtar"),
        ]
        if a.baseline:
            for f in ("rpm", "deb"):
                cmds.append(Cmd(f"baseline syspack --format {f}",
                                f"{a.baseline} package --no-build --config {big}/syspack-nfpm.toml --format {f} --frame-cache off --out {o}/s1base{f}",
                                f"{o}/s1base{f}"))
        loads = run_group("single", cmds, a.reps, log)
        by = {c.name: c for c in cmds}
        emit(f"### {a.payload} payload, each format alone at nfpm's settings (rpm, deb gzip:9; arch, freebsd zstd:3)\n")
        emit(table(cmds))
        emit("")
        anchors = {
            "rpm": ["nfpm rpm"],
            "deb": ["nfpm deb"],
            "arch": ["nfpm archlinux", "bsdtar + zstd -3 -T0 (makepkg's core)"],
            "freebsd": ["bsdtar + zstd -3 -T0 (makepkg's core)"],
        }
        for f, names in anchors.items():
            ours = by[f"syspack --format {f}"]
            best = min((by[n] for n in names), key=med)
            emit(f"- {f} alone: {med(ours):.2f} s wall, {statistics.median(ours.cpu):.2f} s CPU, {ours.size / 1e6:.1f} MB → "
                 f"**{med(ours) / med(best):.2f}×** {best.name} ({med(best):.2f} s, {best.size / 1e6:.1f} MB)")
        emit(f"- load average (1 min) before each command: {min(loads):.1f} … {max(loads):.1f}")
        emit("")
        results["single"] = {c.name: {"times": c.times, "cpu": c.cpu, "size": c.size} for c in cmds}

    if "repack" in groups:
        frames = f"{o}/repack-frames"
        first = sp("syspack, 4 formats (first run, empty --out and frame cache)", f"{o}/sprep", f"--target {TARGETS}", cache=frames)
        again = sp("syspack, 4 formats again (unchanged inputs, same --out and frame cache: up to date)", f"{o}/sprep", f"--target {TARGETS}", cache=frames)
        rewrite = sp("syspack, 4 formats into a new --out (unchanged inputs, same frame cache: frames reused, packages written)", f"{o}/sprep2", f"--target {TARGETS}", cache=frames)
        for rep in range(a.reps):
            first.prepare()
            shutil.rmtree(frames, ignore_errors=True)
            first.run(log)
            again.run(log)
            rewrite.prepare()
            rewrite.run(log)
            print(f"  [repack] rep {rep + 1}/{a.reps}: {first.times[-1]:.2f} s, again {again.times[-1]:.2f} s, new --out {rewrite.times[-1]:.2f} s", file=sys.stderr, flush=True)
        emit(f"### Re-packaging unchanged inputs ({a.payload} payload, nfpm settings)\n")
        emit(table([first, again, rewrite], first))
        emit("")
        emit(f"- re-packaging, packages up to date / cold: **{med(again) / med(first) * 100:.0f}%** (goal ≤ 5%)")
        emit(f"- re-packaging into a new --out (every package written from cached frames) / cold: **{med(rewrite) / med(first) * 100:.0f}%**")
        emit("")
        results["repack"] = {c.name: {"times": c.times, "size": c.size} for c in (first, again, rewrite)}

    # ---- syspack's own crate
    stree = f"{slf}/tree"
    syspack_toml(f"{slf}/syspack.toml", "syspack", [("tree/usr/**/*", "/usr/")], None)
    syspack_toml(f"{slf}/syspack-nfpm.toml", "syspack", [("tree/usr/**/*", "/usr/")], nfpm_c)
    nfpm_yaml(f"{slf}/nfpm.yaml", "syspack", stree)
    rpm_spec(f"{slf}/syspack.spec", "syspack", stree, None, ["/usr/bin/syspack", "/usr/share/doc/syspack"])
    pkgbuild(f"{slf}/makepkg", "syspack", stree, None)
    deb_root(f"{slf}/deb-root", "syspack", stree)
    if "self" in groups:
        T = a.tools
        ctd = a.cargo_target_dir
        man = f"{a.root}/Cargo.toml"
        # cargo-generate-rpm reads only [package.metadata.generate-rpm], which syspack's manifest
        # does not have: give it a scratch manifest with the same name, version and files.
        write(f"{slf}/cgrpm/src/main.rs", "fn main() {}\n")
        write(f"{slf}/cgrpm/Cargo.toml", f"""[package]
name = "syspack"
version = "0.1.0"
edition = "2021"
license = "MIT"
description = "ship Rust software that links C libraries to every distribution"

[package.metadata.generate-rpm]
assets = [
    {{ source = "{stree}/usr/bin/syspack", dest = "/usr/bin/syspack", mode = "0755" }},
    {{ source = "{stree}/usr/share/doc/syspack/README.md", dest = "/usr/share/doc/syspack/README.md", mode = "0644", doc = true }},
    {{ source = "{stree}/usr/share/doc/syspack/LICENSE", dest = "/usr/share/doc/syspack/LICENSE", mode = "0644", doc = true }},
]
""")
        cmds = [
            Cmd("syspack (manifest), deb+rpm (debian-12,fedora-43)",
                f"{S} package --no-build --manifest-path {man} --target debian-12,fedora-43 --frame-cache off --out {o}/selfsp2", f"{o}/selfsp2",
                env={"CARGO_TARGET_DIR": ctd}),
            Cmd("syspack (manifest) --target debian-12",
                f"{S} package --no-build --manifest-path {man} --target debian-12 --frame-cache off --out {o}/selfspdeb", f"{o}/selfspdeb",
                env={"CARGO_TARGET_DIR": ctd}),
            Cmd("syspack (manifest) --target fedora-43",
                f"{S} package --no-build --manifest-path {man} --target fedora-43 --frame-cache off --out {o}/selfsprpm", f"{o}/selfsprpm",
                env={"CARGO_TARGET_DIR": ctd}),
            Cmd("cargo-deb --no-build",
                f"cd {a.root} && {T}/cargo-deb --no-build --no-strip --quiet --output {o}/cdeb/", f"{o}/cdeb",
                env={"CARGO_TARGET_DIR": ctd}),
            Cmd("cargo-generate-rpm",
                f"cd {slf}/cgrpm && {T}/cargo-generate-rpm -o {o}/cgrpm/", f"{o}/cgrpm"),
            Cmd("nfpm deb", f"cd {slf} && nfpm package -f nfpm.yaml -p deb -t {o}/snfdeb/", f"{o}/snfdeb"),
            Cmd("nfpm rpm", f"cd {slf} && nfpm package -f nfpm.yaml -p rpm -t {o}/snfrpm/", f"{o}/snfrpm"),
            Cmd("nfpm archlinux", f"cd {slf} && nfpm package -f nfpm.yaml -p archlinux -t {o}/snfarch/", f"{o}/snfarch"),
            Cmd("dpkg-deb -b (default xz)", f"dpkg-deb --root-owner-group -b {slf}/deb-root {o}/sdpkg/p.deb", f"{o}/sdpkg"),
            Cmd("rpmbuild -bb (default payload)", f"rpmbuild --quiet --define '_topdir {o}/srpmb' --define '_rpmdir {o}/srpmb' -bb {slf}/syspack.spec", f"{o}/srpmb"),
            Cmd("makepkg (default makepkg.conf zstd, as nobody)",
                f"cd {slf}/makepkg && runuser -u nobody -- env HOME={slf}/makepkg BUILDDIR={o}/smkpkg/build PKGDEST={o}/smkpkg makepkg --config {slf}/makepkg/makepkg.conf -f --nodeps --noconfirm --noprogressbar",
                f"{o}/smkpkg"),
        ]
        reps_self = a.reps
        loads = run_group("self", cmds, reps_self, log)
        by = {c.name: c for c in cmds}
        emit("### syspack's own crate (release binary + README + LICENSE), each tool's default compression\n")
        emit(table(cmds, by["syspack (manifest), deb+rpm (debian-12,fedora-43)"]))
        emit("")
        emit(f"- syspack --target debian-12 / cargo-deb: **{med(by['syspack (manifest) --target debian-12']) / med(by['cargo-deb --no-build']):.2f}×**")
        emit(f"- syspack --target fedora-43 / cargo-generate-rpm: **{med(by['syspack (manifest) --target fedora-43']) / med(by['cargo-generate-rpm']):.2f}×**")
        emit(f"- syspack deb+rpm in one run / (cargo-deb + cargo-generate-rpm): **{med(by['syspack (manifest), deb+rpm (debian-12,fedora-43)']) / (med(by['cargo-deb --no-build']) + med(by['cargo-generate-rpm'])):.2f}×**")
        emit(f"- load average (1 min) before each command: {min(loads):.1f} … {max(loads):.1f}")
        emit("")
        emit("Compression each tool chose (read back from the packages):\n")
        emit("```")
        info = subprocess.run(
            f"for f in $(find {o}/selfsp2 {o}/cdeb {o}/cgrpm {o}/snfdeb {o}/snfrpm {o}/snfarch {o}/sdpkg {o}/srpmb {o}/smkpkg -name '*.deb' -o -name '*.rpm' -o -name '*.pkg.tar.*' -o -name '*.pkg' | sort); do "
            "case $f in *.deb) echo \"$f: $(ar t $f | tr '\\n' ' ')\";; *.rpm) echo \"$f: $(rpm -qp --qf '%{PAYLOADCOMPRESSOR}:%{PAYLOADFLAGS}' $f 2>/dev/null)\";; *) echo \"$f: $(file -b $f | cut -c1-40)\";; esac; done",
            shell=True, capture_output=True, text=True).stdout
        emit(info.replace(o + "/", "").rstrip())
        emit("```")
        emit("")
        results["self"] = {c.name: {"times": c.times, "size": c.size} for c in cmds}

    if "rss" in groups:
        emit("### Peak RSS of syspack (all four formats), /usr/bin/time -v\n")
        emit("| payload | compression | wall (s) | peak RSS (MB) |")
        emit("|---|---|---|---|")
        for label, cfg, base, extra in (
            (a.payload, "syspack-nfpm.toml", big, ""),
            (a.payload, "syspack.toml", big, "(target defaults: deb xz:6, others zstd:19)"),
            ("syspack binary + docs", "syspack-nfpm.toml", slf, ""),
        ):
            if "zstd:19" in extra and "rss19" not in groups:
                continue
            od = f"{o}/rss"
            shutil.rmtree(od, ignore_errors=True)
            r = subprocess.run(
                f"/usr/bin/time -v {S} package --no-build --config {base}/{cfg} --target {TARGETS} --frame-cache off --out {od}",
                shell=True, capture_output=True, text=True, env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH))
            if r.returncode != 0:
                sys.exit(f"error: rss run failed: {r.stderr[-2000:]}")
            rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
            wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", r.stderr).group(1)
            comp = "nfpm settings" if "nfpm" in cfg else (extra or "target defaults")
            emit(f"| {label} | {comp} | {wall} | {rss / 1024:.1f} |")
        emit("")

    if "zstd19" in groups:
        cmds = [
            Cmd("tar | zstd -19 -T0", f"tar -C {tree} --sort=name --owner=0 --group=0 -cf - . | zstd -19 -T0 -q -o {o}/tarzst/p.tar.zst", f"{o}/tarzst"),
            sp("syspack, 4 formats, --compression zstd:19", f"{o}/sp19", f"--target {TARGETS} --compression zstd:19"),
            sp("syspack, 4 formats, --compression zstd:19 --single-stream", f"{o}/sp19single", f"--target {TARGETS} --compression zstd:19 --single-stream"),
        ]
        loads = run_group("zstd19", cmds, a.reps19, log)
        emit(f"### {a.payload} payload at zstd -19\n")
        emit(table(cmds, cmds[0]))
        emit("")
        r = med(cmds[1]) / med(cmds[0])
        emit(f"- syspack's four formats / one `tar | zstd -19 -T0`: **{r:.2f}×** (goal ≤ 2.1×)")
        emit(f"- shared frames / one stream per format (`--single-stream`), time: {med(cmds[1]) / med(cmds[2]):.2f}×")
        emit("")
        emit("| package | one stream per format (bytes) | shared frames (bytes) | size cost |")
        emit("|---|---|---|---|")
        for dp, _, fs in sorted(os.walk(f"{o}/sp19")):
            for f in sorted(fs):
                framed = os.path.join(dp, f)
                single = os.path.join(f"{o}/sp19single", os.path.relpath(framed, f"{o}/sp19"))
                a_, b_ = os.path.getsize(single), os.path.getsize(framed)
                emit(f"| {os.path.relpath(framed, f'{o}/sp19')} | {a_} | {b_} | {(b_ / a_ - 1) * 100:+.2f}% |")
        emit(f"- load average (1 min) before each command: {min(loads):.1f} … {max(loads):.1f}")
        emit("")
        results["zstd19"] = {c.name: {"times": c.times, "size": c.size} for c in cmds}

    emit(f"<!-- load average at end: {os.getloadavg()} -->")
    with open(f"{W}/results.json", "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
