//! syspack's integration tests: one binary, modules by topic. Each test runs the real `syspack`
//! executable through `util::TestCommand` in a scratch `util::Dir`.

mod util;

// `syspack package` with a standalone syspack.toml: all four formats, summary, reproducibility,
// automatic shared-library dependencies, FreeBSD prefix.
mod package;
// `syspack cache show|prune|clear`, and the size bound kept after each package run.
mod cache;
// Bad input to `syspack package`: each case exits 2, names the input and the fix, and leaves the
// output directory empty.
mod bad_input;
// `syspack inspect`: reading every format back, failing with exit 1 on a damaged package.
mod inspect;
// `syspack vendor fetch|import|verify|list` against a scratch cache and scratch pins.
mod vendor;
// `syspack matrix` on a binary compiled here, on packages, on a project; proofs; renderings.
mod matrix;
// `syspack matrix --solve`: libsolv against the real Debian indexes, apt in debootstrap roots
// agreeing; createrepo_c and repo-add repositories.
mod solve;
// The rest of the command surface: --version, --provenance, doctor, usage errors, `cargo syspack`.
mod cli;
// `syspack generated check|update`: drift, input changes, missing generators, version skew.
mod generated;
// Each sys crate is a self-contained package: no path outside its directory, and `cargo package`
// of all of them builds each from its tarball.
mod sys_crates;
// `syspack recipe`: PKGBUILD, debian/, RPM spec and FreeBSD port built by makepkg,
// dpkg-buildpackage and rpmbuild from a small cargo project linking the system libzstd.
mod recipe;
// `syspack ci github`: the generated workflow passes actionlint and zizmor, follows the configured
// targets, and the checked-in .github/workflows/syspack.yml is what syspack writes.
mod ci;
// Hostile packages: decompression and metadata bombs, escapes, in bounded memory and output.
mod hostile;
// The fuzz targets' committed regressions (and a local corpus) replayed on stable.
mod fuzz_replay;
// Shared-library dependencies judged by the native tools: the Debian Depends from the release
// index against dpkg-shlibdeps; the RPM Requires resolved by rpm against rpmbuild-made providers.
mod shlibdeps;
// `syspack key generate` and `syspack repo`: signed apt repositories judged by apt in Debian
// roots, reproducibility, `repo verify`, and that the secret key never leaves its file.
mod repo;
// `syspack repo push|pull`: a repository mirrored to a real S3-compatible server on 127.0.0.1,
// installed from over HTTP by apt and pacman, pulled back and verified; hostile keys refused.
mod repo_s3;
// Release channels: `syspack repo promote|hold|unhold|yank|log` with a fake clock, apt in a
// Debian root seeing what was promoted, the signed release log, a promotion killed mid-way.
mod channels;
// FreeBSD pkg repositories: layout and fields from pkg's source, the RSA signature checked by
// OpenSSL, reproducibility, and `repo verify` refusing tampering.
mod repo_freebsd;
// lintian and rpmlint on a real-looking project (stripping, man pages, changelog, synopsis),
// and the refusal of ELF files of another ABI.
mod lint;
// `syspack audit` and `--link system` on registry -sys crates (libsqlite3-sys bundled, zstd-sys,
// libz-sys, pcre2-sys, openssl-sys): bundled copies found with versions, DT_NEEDED and Depends of
// the system build, refusals naming the crate; versions against dpkg's.
mod audit;
// `syspack kb import` of rpm-md repodata written by createrepo_c over rpms built here, against
// what rpm says of the same rpms; damaged repodata refused; Arch `.files` databases by repo-add.
mod kb;
// One test per fixed bug.
mod regression;
// The workspace's own sources: no import cycle between the modules of a crate.
mod structure;
// `--glibc`: one binary for a glibc floor built with zig, judged by readelf, dpkg-deb, rpm, the
// matrix and Debian 11/13 roots; system mode and a missing toolchain refused.
mod glibc;
// FreeBSD packages built on Linux: the project cross-built with zig for FreeBSD 14, judged by
// readelf/file, the base libraries and FreeBSD 14's symbol version nodes; the Debian package of the
// same run keeps the Linux binary; FreeBSD 13 refused; system mode refused.
mod freebsd;
