#!/usr/bin/env bash
# Makes the seed corpora under fuzz/corpus/<target>/ (not committed: generated here from what
# syspack and the distro tools write, so that the fuzzer starts from real structure).
#   fuzz/seeds.sh            # needs a built syspack (cargo build) and, for the dpkg-deb seed, dpkg
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
syspack=${SYSPACK:-$root/target/debug/syspack}
[ -x "$syspack" ] || { echo "seeds.sh: build syspack first (cargo build), or set SYSPACK" >&2; exit 2; }
corpus=$here/corpus
mkdir -p "$corpus"/{deb,rpm,arch,freebsd,elf,kb,pin,library,syspack-toml,cargo-toml,generated-manifest,s3-listing,signed-text,rpm-md,pacman-db,packagesite}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Packages syspack writes: the test fixture, every format, several compressions.
cp -r "$root/tests/fixtures/package/hello/." "$work/"
cp /usr/bin/true "$work/stage/usr/bin/hello-elf"
for c in gzip:1 xz:1 zstd:1 bzip2:1 none; do
  out="$work/out-${c%%:*}"
  targets=debian-12,fedora-43,arch,freebsd-14
  [ "$c" = bzip2:1 ] && targets=fedora-43 # only rpm reads bzip2
  # --allow-foreign-binaries: the FreeBSD package carries this machine's ELF file as data.
  (cd "$work" && SOURCE_DATE_EPOCH=1700000000 SYSPACK_FRAME_CACHE=off "$syspack" package \
    --no-build --config syspack.toml --target "$targets" \
    --allow-foreign-binaries --compression "$c" --out "$out" >/dev/null 2>"$work/err") || {
    echo "seeds.sh: no packages with --compression $c: $(tail -n 3 "$work/err")" >&2
    continue
  }
  for f in "$out"/*; do
    case "$f" in
      *.deb) cp "$f" "$corpus/deb/syspack-${c%%:*}.deb" ;;
      *.rpm) cp "$f" "$corpus/rpm/syspack-${c%%:*}.rpm" ;;
      *.pkg.tar*) cp "$f" "$corpus/arch/syspack-${c%%:*}.pkg.tar" ;;
      *.pkg) cp "$f" "$corpus/freebsd/syspack-${c%%:*}.pkg" ;;
    esac
  done
done
# A package the distro tool writes.
if command -v dpkg-deb >/dev/null; then
  mkdir -p "$work/dpkg/DEBIAN" "$work/dpkg/usr/bin"
  printf 'Package: seed\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: T <t@example.org>\nDescription: seed\n' \
    > "$work/dpkg/DEBIAN/control"
  cp /usr/bin/true "$work/dpkg/usr/bin/seed"
  dpkg-deb --root-owner-group -Zxz -b "$work/dpkg" "$corpus/deb/dpkg-deb.deb" >/dev/null
fi
# ELF files: an executable and a shared library of this machine.
cp /usr/bin/true "$corpus/elf/true"
for so in /lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libz.so.1; do
  [ -f "$so" ] && { cp -L "$so" "$corpus/elf/libz.so.1"; break; }
done
# Text inputs: the knowledge base, the pins and the library manifests of the repository.
cp "$root"/distro/data/*.toml "$corpus/kb/"
# Release indexes (the shipped ones, cut to their first 64 KiB of text) and this machine's apt
# lists (Release, Packages), the archive files `kb update` parses.
for ix in "$root"/distro/data/index/*.idx.xz; do
  xz -dc "$ix" | head -c 65536 >"$corpus/kb/$(basename "$ix" .xz)" || true
done
n=0
for list in /var/lib/apt/lists/*_InRelease /var/lib/apt/lists/*_Packages /var/lib/apt/lists/*_Packages.lz4; do
  [ -f "$list" ] || continue
  n=$((n + 1))
  case $list in
    *.lz4) command -v lz4 >/dev/null && { lz4 -dc "$list" | head -c 65536 >"$corpus/kb/apt-$n" || true; } ;;
    *) head -c 65536 "$list" >"$corpus/kb/apt-$n" ;;
  esac
done
for crate in "$root"/sys-crates/*/; do
  name=$(basename "$crate")
  [ -f "$crate/pin.toml" ] && cp "$crate/pin.toml" "$corpus/pin/$name.toml"
  [ -f "$crate/library.toml" ] && cp "$crate/library.toml" "$corpus/library/$name.toml"
  true
done
# Project configuration: every syspack.toml of the test fixtures, the workspace's manifests and
# the generated-source manifest.
n=0
while IFS= read -r f; do n=$((n + 1)); cp "$f" "$corpus/syspack-toml/$n.toml"; done \
  < <(find "$root/tests/fixtures" -name syspack.toml)
for f in "$root"/Cargo.toml "$root"/*/Cargo.toml "$root"/sys-crates/*/Cargo.toml "$root"/examples/*/Cargo.toml; do
  [ -f "$f" ] && { n=$((n + 1)); cp "$f" "$corpus/cargo-toml/$n.toml"; }
done
cp "$root/generated/manifest.toml" "$corpus/generated-manifest/" 2>/dev/null || true
# Repository metadata: a signed apt tree's InRelease and Release.gpg; a ListObjectsV2 page of
# the shape S3 (and moto, in tests/repo_s3.rs) returns.
(cd "$work" && "$syspack" key generate --out keys --algorithm ed25519 >/dev/null &&
  SYSPACK_NOW=1700000000 "$syspack" repo add repo out-gzip/*.deb --signing-key keys/secret.asc >/dev/null) &&
  cp "$work/repo/dists/testing/InRelease" "$work/repo/dists/testing/Release.gpg" "$corpus/signed-text/"
printf '%s' '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated><Contents><Key>repo/dists/testing/InRelease</Key><LastModified>2026-12-05T00:00:00.000Z</LastModified><ETag>&quot;764efa883dda1e11db47671c4a3bbd9e&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents><Name>b</Name><Prefix>repo/</Prefix><NextContinuationToken>t1</NextContinuationToken><MaxKeys>1000</MaxKeys><KeyCount>1</KeyCount></ListBucketResult>' \
  > "$corpus/s3-listing/page.xml"
# rpm-md metadata: repomd.xml, primary.xml and filelists.xml that createrepo_c writes over
# syspack's rpm (when createrepo_c is installed: apt-get install createrepo-c).
if command -v createrepo_c >/dev/null && ls "$work"/out-gzip/*.rpm >/dev/null 2>&1; then
  mkdir -p "$work/rpmmd"
  cp "$work"/out-gzip/*.rpm "$work/rpmmd/"
  createrepo_c --quiet --no-database "$work/rpmmd"
  cp "$work/rpmmd/repodata/repomd.xml" "$corpus/rpm-md/"
  for f in "$work"/rpmmd/repodata/*-primary.xml.gz "$work"/rpmmd/repodata/*-filelists.xml.gz; do
    name=$(basename "$f" .gz)
    gzip -dc "$f" > "$corpus/rpm-md/${name#*-}"
  done
fi
# An Arch `.files` database that repo-add writes over syspack's package (when repo-add is
# installed: apt-get install pacman-package-manager).
if command -v repo-add >/dev/null && ls "$work"/out-zstd/*.pkg.tar* >/dev/null 2>&1; then
  mkdir -p "$work/pacman"
  cp "$work"/out-zstd/*.pkg.tar* "$work/pacman/"
  (cd "$work/pacman" && repo-add -q seed.db.tar.gz ./*.pkg.tar* >/dev/null)
  cp "$work/pacman/seed.files.tar.gz" "$corpus/pacman-db/"
fi
# A FreeBSD catalogue (packagesite.pkg, data.pkg) that `repo add` writes over syspack's package,
# signed with an RSA key as pkg's `pubkey` repositories are.
if ls "$work"/out-zstd/*.pkg >/dev/null 2>&1; then
  (cd "$work" && "$syspack" key generate --out rsa-keys --algorithm rsa4096 >/dev/null &&
    SYSPACK_NOW=1700000000 "$syspack" repo add fbsd-repo out-zstd/*.pkg --signing-key rsa-keys/secret.asc >/dev/null) &&
    cp "$work"/fbsd-repo/freebsd/*/*/packagesite.pkg "$work"/fbsd-repo/freebsd/*/*/data.pkg "$corpus/packagesite/"
fi
# The same catalogue as a `fingerprints` repository writes it (FreeBSD's own kind): the member
# with a `.sig`/`.pub` pair per signer, signed as FreeBSD's sign.sh does (openssl dgst).
site=$(ls "$work"/fbsd-repo/freebsd/*/*/packagesite.pkg 2>/dev/null | head -n 1)
if [ -n "$site" ] && command -v openssl >/dev/null && command -v bsdtar >/dev/null; then
  fp="$work/fingerprints"
  mkdir -p "$fp"
  bsdtar -xf "$site" -C "$fp" packagesite.yaml
  openssl genrsa -out "$fp/key.pem" 2048 2>/dev/null
  openssl rsa -in "$fp/key.pem" -pubout -out "$fp/packagesite.yaml.pub" 2>/dev/null
  sha256sum "$fp/packagesite.yaml" | cut -c1-64 | tr -d '\n' >"$fp/digest"
  openssl dgst -sha256 -sign "$fp/key.pem" -binary -out "$fp/packagesite.yaml.sig" "$fp/digest"
  bsdtar --zstd -cf "$corpus/packagesite/fingerprints.pkg" -C "$fp" \
    packagesite.yaml.sig packagesite.yaml.pub packagesite.yaml
fi
echo "seeds.sh: $(find "$corpus" -type f | wc -l) seeds in $corpus"
