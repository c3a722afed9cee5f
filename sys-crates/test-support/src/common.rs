//! Test helpers for every sys crate's tests.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// About 3 MiB of mixed, deterministic data: text-like lines, pseudo-random bytes (which do not
/// compress) and runs (which compress very well), interleaved in chunks.
pub fn corpus() -> Vec<u8> {
    corpus_of(3 << 20)
}

/// Like [`corpus`], `len` bytes long.
pub fn corpus_of(len: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "package", "version", "depends", "library", "static", "vendored", "system", "debian",
        "fedora", "arch", "freebsd", "compress", "stream", "frame", "block", "zstd", "xz", "gzip",
        "bzip2", "the", "a", "of", "and", "to", "in", "is", "with", "for", "rust", "cargo",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut out = Vec::with_capacity(len + 4096);
    while out.len() < len {
        match next() % 3 {
            0 => {
                for _ in 0..(next() % 200) {
                    out.extend_from_slice(WORDS[(next() % WORDS.len() as u64) as usize].as_bytes());
                    out.push(if next() % 12 == 0 { b'\n' } else { b' ' });
                }
            }
            1 => {
                for _ in 0..(next() % 512) {
                    out.extend_from_slice(&next().to_le_bytes());
                }
            }
            _ => {
                let byte = (next() % 256) as u8;
                out.extend(std::iter::repeat_n(byte, (next() % 8192) as usize));
            }
        }
    }
    out.truncate(len);
    out
}

/// Runs `tool args`, feeding `input` on stdin, and returns stdout; fails the test (with the
/// command that installs the tool) if the tool is missing, and on a non-zero exit.
pub fn run_tool(tool: &str, args: &[&str], input: &[u8], apt_package: &str) -> Vec<u8> {
    let mut child = match Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("`{tool}` is not installed; install it with `apt-get install {apt_package}`")
        }
        Err(e) => panic!("failed to run `{tool}`: {e}"),
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        // The tool may exit early on bad input; its exit status tells.
        let _ = stdin.write_all(&input);
    });
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_to_end(&mut stdout)
        .expect("read stdout");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait for the tool");
    feeder.join().expect("stdin feeder");
    assert!(
        status.success(),
        "`{tool} {}` failed ({status}): {stderr}",
        args.join(" ")
    );
    stdout
}

/// The provenance JSON of the library in this test binary, parsed.
pub fn provenance(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("provenance is not JSON ({e}): {json}"))
}

/// The `DT_NEEDED` entries of the ELF file at `path`.
pub fn needed_libraries(path: &Path) -> Vec<String> {
    use object::read::elf::{Dyn, FileHeader, SectionHeader};
    let data = std::fs::read(path).expect("read the test executable");
    let header =
        object::elf::FileHeader64::<object::Endianness>::parse(&*data).expect("a 64-bit ELF file");
    let endian = header.endian().expect("ELF endianness");
    let sections = header.sections(endian, &*data).expect("ELF sections");
    let mut needed = Vec::new();
    for section in sections.iter() {
        let Some((entries, link)) = section.dynamic(endian, &*data).expect("dynamic section")
        else {
            continue;
        };
        let strings = sections
            .strings(endian, &*data, link)
            .expect("dynamic string table");
        for entry in entries {
            if entry.tag32(endian) == Some(object::elf::DT_NEEDED) {
                let name = entry.string(endian, strings).expect("DT_NEEDED string");
                needed.push(String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    needed
}

/// Whether the ELF file at `path` defines (not merely references) the symbol `name`.
pub fn defines_symbol(path: &Path, name: &str) -> bool {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(path).expect("read the test executable");
    let file = object::File::parse(&*data).expect("parse the test executable");
    file.symbols()
        .chain(file.dynamic_symbols())
        .any(|s| s.name() == Ok(name) && !s.is_undefined())
}

/// The `version` of a sys crate's pin (its `PIN`, the text of its `pin.toml`).
pub fn pinned_version(pin: &str) -> String {
    pin.lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("pin.toml has a version")
        .to_owned()
}

/// The version of the library the provenance promises: for a vendored build the pin's (checked
/// to be the provenance's version), for a system build the one pkg-config reported for
/// `library`. `pin` is the crate's `PIN`.
pub fn expected_version(provenance: &serde_json::Value, library: &str, pin: &str) -> String {
    match provenance["mode"].as_str() {
        Some("vendored") => {
            assert_eq!(
                provenance["version"].as_str(),
                Some(pinned_version(pin).as_str())
            );
            pinned_version(pin)
        }
        Some("system") => provenance["version"]
            .as_str()
            .unwrap_or_else(|| panic!("pkg-config reports {library}'s version"))
            .to_owned(),
        other => panic!("unexpected mode {other:?}"),
    }
}

/// Checks the linking of the library into this test executable against its provenance:
/// `dylib` links have `needed` in `DT_NEEDED` and do not define `symbol`; `static` links (and
/// every vendored build) have no such `DT_NEEDED` and define `symbol`. Returns the provenance.
pub fn check_linking(provenance_json: &str, needed: &str, symbol: &str) -> serde_json::Value {
    let provenance = provenance(provenance_json);
    let exe = std::env::current_exe().expect("current_exe");
    let libs = needed_libraries(&exe);
    let mode = provenance["mode"].as_str().expect("provenance has a mode");
    let link = provenance["link"]
        .as_str()
        .expect("provenance has a link kind");
    match (mode, link) {
        ("system", "dylib") => {
            assert!(
                libs.iter().any(|l| l == needed),
                "system dylib mode: expected DT_NEEDED {needed}, found {libs:?}"
            );
            assert!(!defines_symbol(&exe, symbol), "system dylib mode: `{symbol}` must come from {needed}, yet the executable defines it");
        }
        ("vendored", _) | ("system", "static") => {
            assert!(
                !libs.iter().any(|l| l == needed),
                "{mode} {link} mode: expected no DT_NEEDED {needed}, found {libs:?}"
            );
            assert!(
                defines_symbol(&exe, symbol),
                "{mode} {link} mode: expected `{symbol}` defined in the executable"
            );
        }
        _ => panic!("unexpected mode/link in provenance: {provenance}"),
    }
    provenance
}

/// A reader that hands out its data a few bytes at a time (1 to 7), to exercise decoders'
/// buffering at every boundary.
pub struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl<'a> Trickle<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Trickle { data, step: 0 }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 7 + 1;
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
