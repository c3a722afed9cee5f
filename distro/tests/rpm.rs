//! The RPM writer checked with the real rpm tools: `rpm -qip`, `rpm -qlp --dump`, `rpm -K`,
//! `rpm2cpio | cpio`, installs into an empty root (`rpm --root`), `rpm -V`, `rpm -e`, `rpmlint`;
//! reproducibility across directories, on-disk modes and time zones; bad input.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{run, run_status, sample_package, scratch, DATE};
use syspack_distro::rpm::header::{Header, TagValue};
use syspack_distro::rpm::{self, tags, EntryKind, Options, Reader};
use syspack_distro::{output, Compression, Error, InstallPath, Package};

const RPM_HINT: &str = "apt-get install --no-install-recommends rpm";
const RPMLINT_HINT: &str = "apt-get install --no-install-recommends rpmlint";
const CPIO_HINT: &str = "apt-get install --no-install-recommends cpio";

fn opts(compression: &str) -> Options {
    Options {
        compression: compression.parse().unwrap(),
        ..Options::default()
    }
}

/// Writes `pkg` into `out` through `write_atomically`, as the CLI does.
fn build(pkg: &Package, options: &Options, out: &Path) -> PathBuf {
    let w = rpm::Writer::new(pkg, options).unwrap();
    output::write_atomically(out, &w.file_name(), |f| w.write_to(f)).unwrap()
}

fn sample_rpm(dir: &Path, compression: &str) -> PathBuf {
    let pkg = sample_package(&dir.join("assets"));
    build(&pkg, &opts(compression), &dir.join("out"))
}

fn rpm_cmd() -> Command {
    let mut c = Command::new("rpm");
    // Package queries need no database; keep rpm away from the host's anyway.
    c.env("LC_ALL", "C");
    c
}

#[test]
fn rpm_qip_shows_our_fields() {
    let dir = scratch();
    let pkg = sample_rpm(dir.path(), "zstd:19");
    assert_eq!(
        pkg.file_name().unwrap(),
        "syspack-sample-1.2.3-1.x86_64.rpm"
    );
    let info = run(rpm_cmd().arg("-qip").arg(&pkg), RPM_HINT);
    let field = |name: &str| -> String {
        info.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].trim_start().starts_with(':'))
            .unwrap_or_else(|| panic!("no `{name}` in rpm -qip output:\n{info}"))
            .split_once(':')
            .unwrap()
            .1
            .trim()
            .to_string()
    };
    assert_eq!(field("Name"), "syspack-sample");
    assert_eq!(field("Version"), "1.2.3");
    assert_eq!(field("Release"), "1");
    assert_eq!(field("Architecture"), "x86_64");
    assert_eq!(field("License"), "MIT");
    // The sample's Debian section `utils`, translated to rpm's standard group (src/rpm/group.rs).
    assert_eq!(field("Group"), "Applications/System");
    assert_eq!(field("Source RPM"), "syspack-sample-1.2.3-1.src.rpm");
    assert_eq!(field("Build Host"), "localhost");
    assert_eq!(field("URL"), "https://syspack.invalid/");
    assert_eq!(field("Packager"), "Syspack Tests <tests@syspack.invalid>");
    assert_eq!(
        field("Summary"),
        "sample package written by syspack's tests"
    );
    assert!(info.contains("Second paragraph."), "{info}");
    let date = run(
        rpm_cmd().args(["-qp", "--qf", "%{BUILDTIME}"]).arg(&pkg),
        RPM_HINT,
    );
    assert_eq!(date, DATE.to_string());
    let compressor = run(
        rpm_cmd()
            .args(["-qp", "--qf", "%{PAYLOADCOMPRESSOR} %{PAYLOADFLAGS}"])
            .arg(&pkg),
        RPM_HINT,
    );
    assert_eq!(compressor, "zstd 19");

    let requires = run(rpm_cmd().args(["-qp", "--requires"]).arg(&pkg), RPM_HINT);
    for want in [
        "libc6 >= 2.31",
        "/bin/sh",
        "config(syspack-sample) = 1.2.3-1",
        "rpmlib(CompressedFileNames) <= 3.0.4-1",
        "rpmlib(FileDigests) <= 4.6.0-1",
        "rpmlib(PayloadFilesHavePrefix) <= 4.0-1",
        "rpmlib(PayloadIsZstd) <= 5.4.18-1",
    ] {
        assert!(
            requires.lines().any(|l| l == want),
            "missing `{want}` in\n{requires}"
        );
    }
    let provides = run(rpm_cmd().args(["-qp", "--provides"]).arg(&pkg), RPM_HINT);
    let provides: Vec<&str> = provides.lines().collect();
    assert_eq!(
        provides,
        [
            "syspack-sample = 1.2.3-1",
            "syspack-sample(x86-64) = 1.2.3-1",
            // It has a config file: rpmbuild's `config(name)`, required as well.
            "config(syspack-sample) = 1.2.3-1",
            "hello-world"
        ]
    );
    let conflicts = run(rpm_cmd().args(["-qp", "--conflicts"]).arg(&pkg), RPM_HINT);
    assert_eq!(conflicts.trim(), "syspack-sample-legacy");
}

#[test]
fn bundled_libraries_weak_deps_and_obsoletes_reach_rpm() {
    let dir = scratch();
    let mut pkg = sample_package(&dir.path().join("assets"));
    pkg.metadata.bundled.push(syspack_distro::Bundled {
        name: "zstd".into(),
        version: "1.5.7".into(),
    });
    pkg.metadata
        .relations
        .recommends
        .push("syspack-sample-extras".parse().unwrap());
    pkg.metadata
        .relations
        .suggests
        .push("syspack-sample-docs >= 1".parse().unwrap());
    pkg.metadata
        .relations
        .replaces
        .push("syspack-sample-old < 1.0".parse().unwrap());
    pkg.metadata.epoch = Some(2);
    let file = build(&pkg, &opts("gzip:9"), &dir.path().join("out"));
    let q = |what: &str| run(rpm_cmd().args(["-qp", what]).arg(&file), RPM_HINT);
    assert!(
        q("--provides")
            .lines()
            .any(|l| l == "bundled(zstd) = 1.5.7"),
        "{}",
        q("--provides")
    );
    assert!(
        q("--provides")
            .lines()
            .any(|l| l == "syspack-sample = 2:1.2.3-1"),
        "{}",
        q("--provides")
    );
    assert_eq!(q("--recommends").trim(), "syspack-sample-extras");
    assert_eq!(q("--suggests").trim(), "syspack-sample-docs >= 1");
    assert_eq!(q("--obsoletes").trim(), "syspack-sample-old < 1.0");
    // gzip payloads need no rpmlib(PayloadIs...) feature: installable by rpm 4.11 (EL 7).
    assert!(
        !q("--requires").contains("PayloadIs"),
        "{}",
        q("--requires")
    );
}

#[test]
fn rpm_dump_matches_our_file_list() {
    let dir = scratch();
    let pkg = sample_rpm(dir.path(), "xz:6");
    let ours = Reader::open(&pkg).unwrap();
    // path size mtime digest mode owner group isconfig isdoc rdev symlink
    let dump = run(rpm_cmd().args(["-qp", "--dump"]).arg(&pkg), RPM_HINT);
    let theirs: BTreeMap<String, Vec<String>> = dump
        .lines()
        .map(|l| {
            let f: Vec<String> = l.split(' ').map(str::to_string).collect();
            (f[0].clone(), f)
        })
        .collect();
    assert_eq!(theirs.len(), ours.entries().len(), "{dump}");
    for e in ours.entries() {
        let f = theirs
            .get(&e.path)
            .unwrap_or_else(|| panic!("rpm does not list {}:\n{dump}", e.path));
        assert_eq!(f[1], e.size.to_string(), "size of {}", e.path);
        assert_eq!(f[2], DATE.to_string(), "mtime of {}", e.path);
        let type_bits = match e.kind {
            EntryKind::File => 0o100000,
            EntryKind::Dir => 0o040000,
            EntryKind::Symlink => 0o120000,
            _ => unreachable!(
                "{}: rpm lists only files, directories and symlinks here",
                e.path
            ),
        };
        assert_eq!(
            u32::from_str_radix(&f[4], 8).unwrap(),
            type_bits | e.mode,
            "mode of {}",
            e.path
        );
        assert_eq!((f[5].as_str(), f[6].as_str()), ("root", "root"));
        assert_eq!(
            f[7],
            if e.rpm_flags.is_some_and(|f| f.config) {
                "1"
            } else {
                "0"
            },
            "config flag of {}",
            e.path
        );
        match e.kind {
            EntryKind::File => assert_eq!(
                Some(f[3].as_str()),
                e.digest.as_deref(),
                "digest of {}",
                e.path
            ),
            EntryKind::Symlink => assert_eq!(Some(f[10].as_str()), e.link_target.as_deref()),
            _ => {}
        }
    }
    // Only declared directories are owned: /var/lib/syspack-sample, not /usr or /usr/bin.
    assert!(theirs.contains_key("/var/lib/syspack-sample"));
    assert!(!theirs.contains_key("/usr/bin"));
    let list = run(
        rpm_cmd()
            .args(["-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]"])
            .arg(&pkg),
        RPM_HINT,
    );
    assert!(
        list.contains("drwxr-x--- /var/lib/syspack-sample"),
        "{list}"
    );
    assert!(
        list.contains("-rwxr-xr-x /usr/bin/syspack-sample"),
        "{list}"
    );
    let configs = run(rpm_cmd().args(["-qp", "--configfiles"]).arg(&pkg), RPM_HINT);
    assert_eq!(configs.trim(), "/etc/syspack-sample/hello.conf");
}

/// Runs `rpmbuild MODE` (`-bb`, `-bs`) on `spec` in `dir` with `defines` (macro, value), at
/// the tests' fixed date; returns rpmbuild's top directory (RPMS/, SRPMS/).
fn rpmbuild(dir: &Path, mode: &str, spec: &str, defines: &[(&str, &str)]) -> PathBuf {
    let top = dir.join("top");
    let file = dir.join("package.spec");
    std::fs::write(&file, spec).unwrap();
    let mut cmd = Command::new("rpmbuild");
    cmd.args([mode, "--quiet", "--define"])
        .arg(format!("_topdir {}", top.display()))
        .env("SOURCE_DATE_EPOCH", DATE.to_string());
    for (name, value) in defines {
        cmd.arg("--define").arg(format!("{name} {value}"));
    }
    run(cmd.arg(&file), RPM_HINT);
    top
}

/// A package rpmbuild writes with what syspack's writer never does — a file under three names
/// (a hard-link set: the content once in the payload, rpmlib(PartialHardlinkSets)), file
/// capabilities, a `%ghost` file and a `%config(noreplace)` one — is read as rpm lists it:
/// same paths, modes, sizes and flags, the ghost marked in the listing.
#[test]
fn an_rpmbuild_package_with_hard_links_caps_and_ghosts_reads_as_rpm_lists_it() {
    let dir = scratch();
    let top = rpmbuild(
        dir.path(),
        "-bb",
        "Name: hl\nVersion: 1.0\nRelease: 1\nSummary: hard links\nLicense: MIT\n\
         BuildArch: x86_64\n%description\nhard links, caps, ghosts\n%install\n\
         mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/hl %{buildroot}/var/lib/hl\n\
         printf '#!/bin/sh\\necho hi\\n' > %{buildroot}/usr/bin/hl\n\
         chmod 755 %{buildroot}/usr/bin/hl\n\
         ln %{buildroot}/usr/bin/hl %{buildroot}/usr/bin/hl2\n\
         ln %{buildroot}/usr/bin/hl %{buildroot}/usr/bin/hl3\n\
         echo conf > %{buildroot}/etc/hl/hl.conf\n\
         %files\n/usr/bin/hl2\n/usr/bin/hl3\n%config(noreplace) /etc/hl/hl.conf\n\
         %ghost /var/lib/hl/state\n%dir /var/lib/hl\n%caps(cap_net_raw=ep) /usr/bin/hl\n",
        &[],
    );
    let package = top.join("RPMS/x86_64/hl-1.0-1.x86_64.rpm");
    let listed = run(
        rpm_cmd()
            .args([
                "-qp",
                "--qf",
                "[%{FILENAMES} %{FILEMODES:octal} %{FILESIZES} %{FILEFLAGS:fflags}\n]",
            ])
            .arg(&package),
        RPM_HINT,
    );
    let r = Reader::open(&package).unwrap_or_else(|e| panic!("{e}\n{listed}"));
    let ours: Vec<String> = r
        .entries()
        .iter()
        .map(|e| {
            let type_bits = match e.kind {
                EntryKind::Dir => 0o040000,
                EntryKind::Symlink => 0o120000,
                _ => 0o100000,
            };
            let flags = e.rpm_flags.unwrap_or_default();
            let fflags: String = [(flags.config, 'c'), (flags.doc, 'd'), (flags.ghost, 'g')]
                .iter()
                .filter_map(|(on, c)| on.then_some(*c))
                .collect();
            format!("{} {:o} {} {fflags}", e.path, type_bits | e.mode, e.size)
        })
        .collect();
    // The flags the model has (`c`onfig, `d`oc, `g`host) out of rpm's letters.
    let theirs: Vec<String> = listed
        .lines()
        .map(|l| match l.rsplit_once(' ') {
            Some((rest, f)) => format!("{rest} {}", f.replace(|c| !"cdg".contains(c), "")),
            None => l.to_string(),
        })
        .collect();
    assert_eq!(ours, theirs);
    let hl = |p: &str| r.entries().iter().find(|e| e.path == p).unwrap().clone();
    assert_eq!(hl("/usr/bin/hl").digest, hl("/usr/bin/hl3").digest);
    assert!(r.to_string().contains("/var/lib/hl/state (ghost)"), "{r}");
}

/// An rpm file's parts: lead, signature header (without its padding), main header, payload.
fn parts(bytes: &[u8]) -> [&[u8]; 4] {
    let intro = |at: usize| Header::parse_intro(&bytes[at..at + 16]).unwrap().2;
    let sig_end = 96 + intro(96);
    let header_at = sig_end.next_multiple_of(8);
    let header_end = header_at + intro(header_at);
    [
        &bytes[..96],
        &bytes[96..sig_end],
        &bytes[header_at..header_end],
        &bytes[header_end..],
    ]
}

fn assemble(lead: &[u8], signature: &[u8], header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = lead.to_vec();
    out.extend_from_slice(signature);
    out.resize(out.len().next_multiple_of(8), 0);
    out.extend_from_slice(header);
    out.extend_from_slice(payload);
    out
}

/// The rpm `bytes` with its main header edited (see [`resigned`]).
fn with_header(bytes: &[u8], edit: impl FnOnce(&mut Header)) -> Vec<u8> {
    let [lead, signature, header, payload] = parts(bytes);
    let mut h = Header::parse(header, tags::HEADERIMMUTABLE).unwrap();
    edit(&mut h);
    resigned(lead, signature, &h.to_bytes(), payload)
}

/// An rpm of these parts whose signature's digests of `header` (SHA-256, SHA-1, MD5 of header
/// and payload, size) are made again, as a writer that meant that header would.
fn resigned(lead: &[u8], signature: &[u8], header: &[u8], payload: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut sig = Header::parse(signature, tags::HEADERSIGNATURES).unwrap();
    sig.put(
        tags::SIG_SHA256,
        TagValue::String(hex::encode(sha2::Sha256::digest(header))),
    );
    sig.put(
        tags::SIG_SHA1,
        TagValue::String(hex::encode(sha1::Sha1::digest(header))),
    );
    let mut md5 = md5::Md5::new();
    md5.update(header);
    md5.update(payload);
    sig.put(tags::SIG_MD5, TagValue::Bin(md5.finalize().to_vec()));
    sig.put(
        tags::SIG_SIZE,
        TagValue::Int32(vec![(header.len() + payload.len()) as u32]),
    );
    assemble(lead, &sig.to_bytes(), header, payload)
}

/// A header (`bytes`) with one more index entry after its region: a STRING whose value follows
/// the region trailer, a "dribble" as older rpmsign appended to the signature header.
fn with_dribble(bytes: &[u8], tag: u32, value: &str) -> Vec<u8> {
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    let (il, dl) = (be(&bytes[8..12]), be(&bytes[12..16]));
    let index_end = 16 + il as usize * 16;
    let mut out = bytes[..8].to_vec();
    out.extend_from_slice(&(il + 1).to_be_bytes());
    out.extend_from_slice(&(dl + value.len() as u32 + 1).to_be_bytes());
    out.extend_from_slice(&bytes[16..index_end]);
    for n in [tag, 6, dl, 1] {
        out.extend_from_slice(&n.to_be_bytes()); // {tag, STRING, offset: after the trailer, 1}
    }
    out.extend_from_slice(&bytes[index_end..]);
    out.extend_from_slice(value.as_bytes());
    out.push(0);
    out
}

/// `rpm -Kv --nosignature` of `bytes` (written to `file`): whether rpm accepts them, and what
/// it says.
fn rpm_k(file: &Path, bytes: &[u8]) -> (bool, String) {
    std::fs::write(file, bytes).unwrap();
    let (ok, out, err) = run_status(rpm_cmd().args(["-Kv", "--nosignature"]).arg(file), RPM_HINT);
    (ok, format!("{out}{err}"))
}

/// nfpm and older rpmbuilds (rpm's own test packages) record a directory's `st_size`, 4096, in
/// FILESIZES; rpm reads no payload for a directory whatever it says, and neither do we. A
/// regular file's size that disagrees with the payload is still refused.
#[test]
fn a_directory_size_in_filesizes_is_not_read_from_the_payload() {
    let dir = scratch();
    let path = sample_rpm(dir.path(), "gzip:9");
    let bytes = std::fs::read(&path).unwrap();
    let r = Reader::open(&path).unwrap();
    let is_dir: Vec<bool> = r
        .entries()
        .iter()
        .map(|e| e.kind == EntryKind::Dir)
        .collect();
    assert!(is_dir.contains(&true), "the sample rpm lists no directory");
    let set_sizes = |size_of: &dyn Fn(usize, u64) -> u64| {
        with_header(&bytes, |h| {
            let sizes = h.numbers(tags::FILESIZES);
            let sizes = sizes.iter().enumerate().map(|(i, s)| size_of(i, *s) as u32);
            h.put(tags::FILESIZES, TagValue::Int32(sizes.collect()));
        })
    };
    let dirs_4096 = set_sizes(&|i, s| if is_dir[i] { 4096 } else { s });
    let file = dir.path().join("dirs-4096.rpm");
    let (ok, said) = rpm_k(&file, &dirs_4096);
    assert!(ok, "rpm -K refuses the package:\n{said}");
    let back = Reader::open(&file).unwrap_or_else(|e| panic!("{e}"));
    for (before, after) in r.entries().iter().zip(back.entries()) {
        let size = if after.kind == EntryKind::Dir {
            4096
        } else {
            before.size
        };
        assert_eq!(
            (&after.path, after.size, &after.digest),
            (&before.path, size, &before.digest)
        );
    }
    let first_file = r
        .entries()
        .iter()
        .position(|e| e.kind == EntryKind::File)
        .unwrap();
    let wrong_file = set_sizes(&|i, s| if i == first_file { s + 1 } else { s });
    std::fs::write(&file, &wrong_file).unwrap();
    let err = Reader::open(&file).unwrap_err();
    assert!(err.to_string().contains("the payload holds"), "{err}");
}

/// rpm sorts a header's index after reading it and reads entries after the signature header's
/// region ("dribbles", appended by older rpmsign); the main header must be one region. Each
/// package here is judged by rpm first, then by our reader.
#[test]
fn signature_headers_are_read_as_rpm_reads_them() {
    let dir = scratch();
    let path = sample_rpm(dir.path(), "gzip:9");
    let bytes = std::fs::read(&path).unwrap();
    let [lead, signature, header, payload] = parts(&bytes);
    let sha256 = Reader::open(&path)
        .unwrap()
        .signature()
        .string(tags::SIG_SHA256)
        .unwrap()
        .to_string();
    let file = dir.path().join("edited.rpm");

    // A dribble repeating the header's SHA-256: accepted by both.
    let good = assemble(
        lead,
        &with_dribble(signature, tags::SIG_SHA256, &sha256),
        header,
        payload,
    );
    let (ok, said) = rpm_k(&file, &good);
    assert!(ok, "{said}");
    Reader::open(&file).unwrap_or_else(|e| panic!("{e}"));
    // A dribble with another SHA-256: rpm verifies the region's and shows the dribble's; we
    // refuse the ambiguity.
    let bad = assemble(
        lead,
        &with_dribble(signature, tags::SIG_SHA256, &"0".repeat(64)),
        header,
        payload,
    );
    let (ok, said) = rpm_k(&file, &bad);
    assert!(ok && said.contains("Header SHA256 digest: OK"), "{said}");
    let shown = run(
        rpm_cmd()
            .args(["-qp", "--qf", "%{SHA256HEADER}"])
            .arg(&file),
        RPM_HINT,
    );
    assert_eq!(shown, "0".repeat(64), "rpm shows the dribble's value");
    let err = Reader::open(&file).unwrap_err();
    assert!(
        err.to_string().contains("another in a dribble entry"),
        "{err}"
    );

    // The index unsorted (SHA-256 before SHA-1), the data still in index order.
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    let entry = |i: usize| [16 + 16 * i, 32 + 16 * i];
    let il = be(&signature[8..12]) as usize;
    let store = 16 + 16 * il;
    let [a, _] = entry(1);
    let [b, _] = entry(2);
    let layout: Vec<u32> = [a, a + 8, b, b + 8]
        .iter()
        .map(|&o| be(&signature[o..o + 4]))
        .collect();
    assert_eq!(
        layout,
        [tags::SIG_SHA1, 0, tags::SIG_SHA256, 41],
        "the writer's signature layout changed"
    );
    let mut unsorted = signature.to_vec();
    unsorted[a..a + 16].copy_from_slice(&signature[b..b + 16]);
    unsorted[b..b + 16].copy_from_slice(&signature[a..a + 16]);
    unsorted[a + 8..a + 12].copy_from_slice(&0u32.to_be_bytes());
    unsorted[b + 8..b + 12].copy_from_slice(&65u32.to_be_bytes());
    let (sha1, sha256_value) = (
        &signature[store..store + 41],
        &signature[store + 41..store + 106],
    );
    unsorted[store..store + 65].copy_from_slice(sha256_value);
    unsorted[store + 65..store + 106].copy_from_slice(sha1);
    let (ok, said) = rpm_k(&file, &assemble(lead, &unsorted, header, payload));
    assert!(ok, "{said}");
    Reader::open(&file).unwrap_or_else(|e| panic!("{e}"));

    // A dribble in the main header: rpm refuses the package, and so do we.
    let main = with_dribble(header, tags::SUMMARY, "dribbled");
    let with_main = resigned(lead, signature, &main, payload);
    let (ok, said) = rpm_k(&file, &with_main);
    assert!(!ok, "rpm -K accepts a main header with a dribble:\n{said}");
    let err = Reader::open(&file).unwrap_err();
    assert!(err.to_string().contains("one region"), "{err}");
}

/// A source rpm (rpmbuild -bs) is valid for rpm -K and refused by our reader as unsupported,
/// not as broken.
#[test]
fn a_source_rpm_is_refused_as_unsupported() {
    let dir = scratch();
    let top = rpmbuild(
        dir.path(),
        "-bs",
        "Name: srcpkg\nVersion: 1.0\nRelease: 1\nSummary: a source package\nLicense: MIT\n\
         %description\nsource\n%files\n",
        &[],
    );
    let srpm = top.join("SRPMS/srcpkg-1.0-1.src.rpm");
    let said = run(
        rpm_cmd().args(["-Kv", "--nosignature"]).arg(&srpm),
        RPM_HINT,
    );
    assert!(said.contains("Payload SHA256 digest: OK"), "{said}");
    match Reader::open(&srpm) {
        Err(e @ Error::UnsupportedPackage { .. }) => {
            assert!(e.to_string().contains("source rpm"), "{e}")
        }
        other => panic!("a source rpm read as {other:?}"),
    }
}

/// rpmbuild writes file digests with any of rpm's hash algorithms
/// (`%_binary_filedigest_algorithm`: 1 MD5, 2 SHA-1, 8 SHA-256, 9 SHA-384, 10 SHA-512,
/// 11 SHA-224) and payloads of each compressor; the reader checks every digest, which are
/// rpm's own, and calls an lzma payload unsupported rather than broken.
#[test]
fn rpmbuild_packages_of_every_digest_algorithm_and_payload_are_read() {
    let spec = "Name: algo\nVersion: 1\nRelease: 1\nSummary: digests\nLicense: MIT\n\
                BuildArch: noarch\n%description\ndigests\n%install\n\
                mkdir -p %{buildroot}/usr/share/algo/sub\n\
                echo one > %{buildroot}/usr/share/algo/one\n\
                seq 1 5000 > %{buildroot}/usr/share/algo/sub/two\n\
                %files\n/usr/share/algo\n";
    for (payload, algorithm) in [
        ("w9.gzdio", "1"),
        ("w2.xzdio", "2"),
        ("w19.zstdio", "8"),
        ("w9.bzdio", "9"),
        ("w.ufdio", "10"),
        ("w6.gzdio", "11"),
    ] {
        let dir = scratch();
        let top = rpmbuild(
            dir.path(),
            "-bb",
            spec,
            &[
                ("_binary_payload", payload),
                ("_binary_filedigest_algorithm", algorithm),
            ],
        );
        let package = top.join("RPMS/noarch/algo-1-1.noarch.rpm");
        let listed = run(
            rpm_cmd()
                .args(["-qp", "--qf", "[%{FILENAMES} %{FILEDIGESTS}\n]"])
                .arg(&package),
            RPM_HINT,
        );
        let r = Reader::open(&package)
            .unwrap_or_else(|e| panic!("{payload}, algorithm {algorithm}: {e}\n{listed}"));
        let ours: String = r
            .entries()
            .iter()
            .map(|e| format!("{} {}\n", e.path, e.digest.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(ours, listed, "{payload}, algorithm {algorithm}");
    }
    let dir = scratch();
    let top = rpmbuild(dir.path(), "-bb", spec, &[("_binary_payload", "w5.lzdio")]);
    match Reader::open(&top.join("RPMS/noarch/algo-1-1.noarch.rpm")) {
        Err(e @ Error::UnsupportedPackage { .. }) => {
            assert!(e.to_string().contains("lzma"), "{e}")
        }
        other => panic!("an lzma payload read as {other:?}"),
    }
}

/// A file whose digest in the header is wrong, the header digests being right: the reader
/// names that file.
#[test]
fn a_changed_file_digest_is_reported_for_that_file() {
    let dir = scratch();
    let path = sample_rpm(dir.path(), "none");
    let r = Reader::open(&path).unwrap();
    let i = r
        .entries()
        .iter()
        .position(|e| e.kind == EntryKind::File)
        .unwrap();
    let victim = r.entries()[i].path.clone();
    let edited = with_header(&std::fs::read(&path).unwrap(), |h| {
        let mut digests: Vec<String> = h
            .strings(tags::FILEDIGESTS)
            .iter()
            .map(|s| s.to_string())
            .collect();
        digests[i] = "00".repeat(32);
        h.put(tags::FILEDIGESTS, TagValue::StringArray(digests));
    });
    let file = dir.path().join("edited.rpm");
    let (ok, said) = rpm_k(&file, &edited);
    assert!(
        ok,
        "rpm -K checks no file digest, and should accept it:\n{said}"
    );
    let err = Reader::open(&file).unwrap_err();
    assert!(
        matches!(err, Error::ChecksumMismatch { ref entry, .. } if *entry == victim),
        "{err}"
    );
}

#[test]
fn rpm_k_accepts_digests_and_rejects_a_tampered_copy() {
    let dir = scratch();
    for c in ["gzip:9", "zstd:19"] {
        let pkg = sample_rpm(&dir.path().join(c.replace(':', "-")), c);
        let out = run(rpm_cmd().arg("-Kv").arg(&pkg), RPM_HINT);
        for line in [
            "Header SHA256 digest: OK",
            "Header SHA1 digest: OK",
            "Payload SHA256 digest: OK",
            "MD5 digest: OK",
        ] {
            assert!(out.contains(line), "{c}: missing `{line}` in\n{out}");
        }
        // Flip one byte in the payload (the last kilobyte): rpm and our reader both refuse it.
        let mut bytes = std::fs::read(&pkg).unwrap();
        let n = bytes.len();
        bytes[n - 100] ^= 0xff;
        let bad = dir
            .path()
            .join(format!("tampered-{}.rpm", c.replace(':', "-")));
        std::fs::write(&bad, &bytes).unwrap();
        let (ok, stdout, stderr) = run_status(rpm_cmd().arg("-K").arg(&bad), RPM_HINT);
        assert!(!ok, "rpm -K accepted a tampered package:\n{stdout}{stderr}");
        assert!(stdout.contains("NOT OK"), "{stdout}{stderr}");
        assert!(Reader::open(&bad).is_err());
    }
}

#[test]
fn rpm2cpio_and_cpio_list_the_payload() {
    let dir = scratch();
    let pkg = sample_rpm(dir.path(), "zstd:19");
    let out = Command::new("rpm2cpio")
        .arg(&pkg)
        .output()
        .unwrap_or_else(|e| panic!("rpm2cpio: {e}; install with `{RPM_HINT}`"));
    assert!(
        out.status.success(),
        "rpm2cpio failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cpio = Command::new("cpio")
        .args(["-t", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cpio: {e}; install with `{CPIO_HINT}`"));
    cpio.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let listed = cpio.wait_with_output().unwrap();
    assert!(listed.status.success());
    let names: Vec<String> = String::from_utf8(listed.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let ours: Vec<String> = Reader::open(&pkg)
        .unwrap()
        .entries()
        .iter()
        .map(|e| format!(".{}", e.path))
        .collect();
    assert_eq!(names, ours);
}

#[test]
fn scriptlets_are_mapped_and_guarded() {
    let dir = scratch();
    let mut pkg = sample_package(&dir.path().join("assets"));
    pkg.systemd_units.push(syspack_distro::SystemdUnit {
        name: "syspack-sample.service".into(),
        enable: true,
        start: true,
    });
    let file = build(&pkg, &opts("zstd:19"), &dir.path().join("out"));
    let scripts = run(rpm_cmd().args(["-qp", "--scripts"]).arg(&file), RPM_HINT);
    assert!(
        scripts.contains("postinstall scriptlet (using /bin/sh):"),
        "{scripts}"
    );
    assert!(scripts.contains("echo post-install ran"), "{scripts}");
    assert!(
        scripts.contains("systemctl --no-reload enable syspack-sample.service"),
        "{scripts}"
    );
    assert!(
        scripts.contains("preuninstall scriptlet (using /bin/sh):"),
        "{scripts}"
    );
    assert!(scripts.contains("if [ \"$1\" -eq 0 ]; then"), "{scripts}");
    assert!(
        scripts.contains("postuninstall scriptlet (using /bin/sh):"),
        "{scripts}"
    );
    let requires = run(
        rpm_cmd()
            .args(["-qp", "--qf", "[%{REQUIRENAME} %{REQUIREFLAGS:deptype}\n]"])
            .arg(&file),
        RPM_HINT,
    );
    assert!(requires.contains("/bin/sh post"), "{requires}");
    assert!(requires.contains("/bin/sh preun"), "{requires}");

    // The scriptlet bodies run under sh as rpm runs them: `$1` is 0 on removal and 1 when the
    // old package is removed during an upgrade, when the model's pre_remove must not run.
    pkg.scripts.pre_remove = Some("#!/bin/sh\nset -e\necho REMOVING \"$1\"\nexit 0\n".into());
    let file = build(&pkg, &opts("zstd:19"), &dir.path().join("out2"));
    let r = Reader::open(&file).unwrap();
    let preun = &r
        .metadata()
        .scripts
        .iter()
        .find(|s| s.name == "%preun")
        .unwrap()
        .body;
    let script = dir.path().join("preun.sh");
    std::fs::write(&script, preun).unwrap();
    // No systemctl on this PATH: the systemd part is skipped quietly.
    let out = run(
        Command::new("/bin/sh")
            .arg(&script)
            .arg("0")
            .env("PATH", "/nonexistent"),
        "sh",
    );
    assert_eq!(out, "REMOVING 0\n");
    let out = run(
        Command::new("/bin/sh")
            .arg(&script)
            .arg("1")
            .env("PATH", "/nonexistent"),
        "sh",
    );
    assert_eq!(out, "", "pre_remove must not run on upgrade");
    // A failing script fails the scriptlet.
    pkg.scripts.pre_remove = Some("#!/bin/sh\nset -e\nfalse\necho not reached\n".into());
    let file = build(&pkg, &opts("zstd:19"), &dir.path().join("out3"));
    let r = Reader::open(&file).unwrap();
    std::fs::write(
        &script,
        &r.metadata()
            .scripts
            .iter()
            .find(|s| s.name == "%preun")
            .unwrap()
            .body,
    )
    .unwrap();
    let (ok, out, _) = run_status(Command::new("/bin/sh").arg(&script).arg("0"), "sh");
    assert!(!ok && out.is_empty(), "{out}");
}

/// Initialises an empty root with an rpm database.
fn empty_root(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    run(
        rpm_cmd()
            .arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm", "--initdb"]),
        RPM_HINT,
    );
    root
}

#[test]
fn each_payload_compression_installs_verifies_and_removes() {
    for c in ["gzip:9", "xz:6", "zstd:19", "none"] {
        let dir = scratch();
        let pkg = sample_rpm(dir.path(), c);
        let root = empty_root(dir.path());
        let in_root = |args: &[&str]| {
            let mut cmd = rpm_cmd();
            cmd.arg("--root")
                .arg(&root)
                .args(["--dbpath", "/var/lib/rpm"])
                .args(args);
            cmd
        };
        // The root has no /bin/sh, so the scriptlets cannot run there: --noscripts (the
        // scriptlets are checked by `scriptlets_are_mapped_and_guarded`). --nodeps because the
        // empty root provides nothing (libc6, /bin/sh).
        run(
            in_root(&["-i", "--nodeps", "--noscripts", "--nosignature"]).arg(&pkg),
            RPM_HINT,
        );
        let q = run(&mut in_root(&["-q", "syspack-sample"]), RPM_HINT);
        assert_eq!(q.trim(), "syspack-sample-1.2.3-1.x86_64", "{c}");
        let bin = root.join("usr/bin/syspack-sample");
        assert_eq!(
            std::fs::read_to_string(&bin).unwrap(),
            "#!/bin/sh\necho \"hello from syspack\"\n"
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&bin).unwrap().permissions().mode() & 0o7777,
            0o755,
            "{c}"
        );
        assert_eq!(
            std::fs::read_link(root.join("usr/bin/hello-sample")).unwrap(),
            Path::new("syspack-sample")
        );
        let data = std::fs::read(root.join("usr/share/syspack-sample/data.bin")).unwrap();
        assert_eq!(data.len(), 300_000);
        let var = std::fs::metadata(root.join("var/lib/syspack-sample")).unwrap();
        assert_eq!(var.permissions().mode() & 0o7777, 0o750);

        // rpm -V: no output, exit 0, for every file (--nodeps: the empty root provides nothing).
        let verify = run(
            &mut in_root(&["-V", "--nodeps", "syspack-sample"]),
            RPM_HINT,
        );
        assert_eq!(verify, "", "{c}: rpm -V reported changes");
        // And it does notice a change.
        std::fs::write(&bin, "changed\n").unwrap();
        let (ok, out, _) = run_status(
            &mut in_root(&["-V", "--nodeps", "syspack-sample"]),
            RPM_HINT,
        );
        assert!(!ok && out.contains("/usr/bin/syspack-sample"), "{c}: {out}");

        run(
            &mut in_root(&["-e", "--nodeps", "--noscripts", "syspack-sample"]),
            RPM_HINT,
        );
        assert!(!bin.exists(), "{c}: not removed");
        assert!(
            !root.join("var/lib/syspack-sample").exists(),
            "{c}: owned directory not removed"
        );
        let (installed, _, _) = run_status(&mut in_root(&["-q", "syspack-sample"]), RPM_HINT);
        assert!(!installed, "{c}: still in the database");
    }
}

/// Copies the host's `/bin/sh` and the libraries it loads into `root`, so rpm can run scriptlets
/// there (rpm chroots into the root and runs `/bin/sh`).
fn install_host_shell(root: &Path) {
    let sh = std::fs::canonicalize("/bin/sh").unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy(&sh, root.join("bin/sh")).unwrap();
    let ldd = run(Command::new("ldd").arg(&sh), "apt-get install libc-bin");
    for lib in ldd.split_whitespace().filter(|w| w.starts_with('/')) {
        let dest = root.join(lib.trim_start_matches('/'));
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(lib, &dest).unwrap();
    }
    std::fs::create_dir_all(root.join("tmp")).unwrap();
}

#[test]
fn rpm_runs_the_scriptlets_with_the_documented_mapping() {
    let dir = scratch();
    let root = empty_root(dir.path());
    install_host_shell(&root);
    let in_root = |args: &[&str]| {
        let mut cmd = rpm_cmd();
        cmd.arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm"])
            .args(args);
        cmd
    };
    let mut pkg = sample_package(&dir.path().join("assets"));
    let log = |what: &str| {
        Some(format!(
            "#!/bin/sh\nset -e\necho {what} >> /tmp/scripts.log\n"
        ))
    };
    pkg.scripts.pre_install = log("pre_install");
    pkg.scripts.post_install = log("post_install");
    pkg.scripts.pre_remove = log("pre_remove");
    pkg.scripts.post_remove = log("post_remove");
    let v1 = build(&pkg, &opts("gzip:9"), &dir.path().join("v1"));
    pkg.metadata.version = "1.2.4".into();
    let v2 = build(&pkg, &opts("gzip:9"), &dir.path().join("v2"));
    let read_log = || std::fs::read_to_string(root.join("tmp/scripts.log")).unwrap_or_default();

    run(
        in_root(&["-i", "--nodeps", "--nosignature"]).arg(&v1),
        RPM_HINT,
    );
    assert_eq!(read_log(), "pre_install\npost_install\n");
    // An upgrade runs the new package's %pre/%post and the old one's %preun/%postun with $1 = 1:
    // the model's remove scripts must not run.
    run(
        in_root(&["-U", "--nodeps", "--nosignature"]).arg(&v2),
        RPM_HINT,
    );
    assert_eq!(
        read_log(),
        "pre_install\npost_install\npre_install\npost_install\n"
    );
    run(
        &mut in_root(&["-e", "--nodeps", "syspack-sample"]),
        RPM_HINT,
    );
    assert_eq!(
        read_log(),
        "pre_install\npost_install\npre_install\npost_install\npre_remove\npost_remove\n"
    );
}

/// rpmlint findings this project accepts, each with the reason. Everything else that rpmlint
/// reports as an error fails the test.
const RPMLINT_ACCEPTED: &[(&str, &str)] = &[
    // syspack does not sign packages; signing is the distributor's step (rpmsign).
    ("no-signature", "unsigned by design"),
    // The fixture is an x86_64 package whose "binary" is a shell script.
    (
        "no-binary",
        "the test fixture ships a shell script under an arch-specific package",
    ),
    // The fixture declares its state directory 0750 on purpose (a private directory); rpmlint
    // wants 0755 for every directory.
    (
        "non-standard-dir-perm",
        "the fixture's private 0750 state directory",
    ),
];

#[test]
fn rpmlint_reports_no_unexpected_errors() {
    let dir = scratch();
    let pkg = sample_rpm(dir.path(), "zstd:19");
    // MIT is valid; rpmlint's default config has an empty licence list (every licence invalid).
    let config = dir.path().join("rpmlint.toml");
    std::fs::write(&config, "ValidLicenses = [\"MIT\"]\n").unwrap();
    let (_, out, err) = run_status(
        Command::new("rpmlint")
            .arg("-c")
            .arg(&config)
            .arg(&pkg)
            .env("LC_ALL", "C.UTF-8"),
        RPMLINT_HINT,
    );
    assert!(
        out.contains("packages and 0 specfiles checked"),
        "rpmlint did not run:\n{out}\n{err}"
    );
    let errors: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(": E: "))
        .filter(|l| {
            !RPMLINT_ACCEPTED
                .iter()
                .any(|(id, _)| l.contains(&format!(": E: {id}")))
        })
        .collect();
    assert!(
        errors.is_empty(),
        "unexpected rpmlint errors:\n{}\n\nfull output:\n{out}",
        errors.join("\n")
    );
    assert!(!out.contains("invalid-license"), "{out}");
}

/// The child half of `output_is_reproducible_across_dirs_modes_and_time_zones`: builds the
/// sample from `SYSPACK_TEST_ASSETS` into `SYSPACK_TEST_OUT` (scratch dirs when unset) and
/// reads the result back.
#[test]
fn reproducibility_child_builds_and_reads_the_sample() {
    let tmp = scratch();
    let assets = std::env::var_os("SYSPACK_TEST_ASSETS")
        .map(PathBuf::from)
        .unwrap_or(tmp.path().join("a"));
    let out = std::env::var_os("SYSPACK_TEST_OUT")
        .map(PathBuf::from)
        .unwrap_or(tmp.path().join("o"));
    let pkg = sample_package(&assets);
    if let Some(mode) = std::env::var("SYSPACK_TEST_CHMOD")
        .ok()
        .and_then(|m| u32::from_str_radix(&m, 8).ok())
    {
        use std::os::unix::fs::PermissionsExt;
        for name in ["hello", "hello.conf", "data.bin"] {
            std::fs::set_permissions(assets.join(name), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
    }
    let file = build(&pkg, &Options::default(), &out);
    Reader::open(&file).unwrap();
}

#[test]
fn output_is_reproducible_across_dirs_modes_and_time_zones() {
    let dir = scratch();
    let exe = std::env::current_exe().unwrap();
    let mut hashes = Vec::new();
    for (i, (tz, mode)) in [("UTC", "600"), ("Pacific/Kiritimati", "644")]
        .iter()
        .enumerate()
    {
        let base = dir
            .path()
            .join(format!("build-{i}"))
            .join("nested".repeat(i + 1));
        let out = base.join("out");
        let status = Command::new(&exe)
            .args([
                "--exact",
                // The test's name in the one test binary (tests/tests.rs): module path first.
                "rpm::reproducibility_child_builds_and_reads_the_sample",
                "--quiet",
            ])
            .env("TZ", tz)
            .env("SYSPACK_TEST_ASSETS", base.join("assets"))
            .env("SYSPACK_TEST_OUT", &out)
            .env("SYSPACK_TEST_CHMOD", mode)
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "child build failed:\n{}{}",
            String::from_utf8_lossy(&status.stdout),
            String::from_utf8_lossy(&status.stderr)
        );
        let bytes = std::fs::read(out.join("syspack-sample-1.2.3-1.x86_64.rpm")).unwrap();
        hashes.push(bytes);
    }
    assert!(hashes[0] == hashes[1], "two builds differ");
}

fn out_dir_is_empty(out: &Path) -> bool {
    !out.exists() || std::fs::read_dir(out).unwrap().next().is_none()
}

#[test]
fn bad_input_gives_clear_errors_and_leaves_nothing() {
    let dir = scratch();
    let out = dir.path().join("out");
    let try_build = |pkg: &Package| -> Error {
        let result = rpm::Writer::new(pkg, &Options::default())
            .and_then(|w| output::write_atomically(&out, &w.file_name(), |f| w.write_to(f)));
        result.unwrap_err()
    };

    let mut pkg = sample_package(&dir.path().join("a"));
    pkg.metadata.version = "1.0-2".into();
    let err = try_build(&pkg);
    assert!(
        matches!(
            err,
            Error::InvalidField {
                field: "version",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("release"),
        "the hint names the fix: {err}"
    );

    let mut pkg = sample_package(&dir.path().join("b"));
    pkg.metadata.name = "bad name".into();
    assert!(matches!(
        try_build(&pkg),
        Error::InvalidField { field: "name", .. }
    ));

    let mut meta = syspack_distro::Metadata::new("empty", "1", syspack_distro::Arch::X86_64);
    meta.summary = "nothing".into();
    meta.license = "MIT".into();
    let empty = Package::new(meta, syspack_distro::SourceDate(DATE));
    assert!(matches!(try_build(&empty), Error::EmptyPackage { .. }));

    // An asset that vanishes after staging fails during the write: nothing partial is left.
    let assets = dir.path().join("c");
    let pkg = sample_package(&assets);
    std::fs::remove_file(assets.join("data.bin")).unwrap();
    let err = try_build(&pkg);
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(
        out_dir_is_empty(&out),
        "partial output left in {}",
        out.display()
    );
}

/// A sparse file of 4 GiB + 1 byte: the package uses LONGFILESIZES/LONGSIZE, requires
/// rpmlib(LargeFiles) and a stripped cpio payload; rpm reads the header and verifies it.
#[test]
fn files_over_4_gib_use_the_64_bit_tags() {
    let dir = scratch();
    let assets = dir.path().join("assets");
    let mut pkg = sample_package(&assets);
    let big = assets.join("big.img");
    let size = (4u64 << 30) + 1;
    std::fs::File::create(&big).unwrap().set_len(size).unwrap();
    pkg.add_file(
        InstallPath::new("/usr/share/syspack-sample/big.img").unwrap(),
        &big,
        0o644,
    )
    .unwrap();
    let options = Options {
        compression: Compression::Zstd {
            level: 1,
            threads: 1,
        },
        ..Options::default()
    };
    let file = build(&pkg, &options, &dir.path().join("out"));
    let dump = run(rpm_cmd().args(["-qp", "--dump"]).arg(&file), RPM_HINT);
    let line = dump
        .lines()
        .find(|l| l.starts_with("/usr/share/syspack-sample/big.img "))
        .unwrap();
    assert!(
        line.starts_with(&format!("/usr/share/syspack-sample/big.img {size} ")),
        "{line}"
    );
    let requires = run(rpm_cmd().args(["-qp", "--requires"]).arg(&file), RPM_HINT);
    assert!(
        requires.contains("rpmlib(LargeFiles) <= 4.12.0-1"),
        "{requires}"
    );
    let size_tag = run(
        rpm_cmd().args(["-qp", "--qf", "%{LONGSIZE}"]).arg(&file),
        RPM_HINT,
    );
    assert_eq!(
        size_tag.parse::<u64>().unwrap(),
        pkg.installed_size()
            + "syspack-sample".len() as u64
            + "/usr/bin/syspack-sample".len() as u64
    );
    run(rpm_cmd().arg("-K").arg(&file), RPM_HINT);
    let r = Reader::open(&file).unwrap();
    assert_eq!(
        r.entries()
            .iter()
            .find(|e| e.path.ends_with("big.img"))
            .unwrap()
            .size,
        size
    );
}
