//! The glibc symbol versions zig links against: zig's `lib/libc/glibc/abilists`, the table from
//! which it writes the stub `libc.so.6` of a `*-linux-gnu.2.N` target. A symbol the link finds
//! undefined for a floor is one the stubs leave out, and this table says from which glibc
//! release on it exists (`getrandom`: `GLIBC_2.25`).
//!
//! The file's format (little-endian; ziglang/libc-abi-tools, README, "abilists binary format"):
//!
//! * `u8` number of libraries, each a NUL-terminated name (`c`, `m`, `pthread`…);
//! * `u8` number of glibc versions, each `u8` major, minor, patch, ascending;
//! * `u8` number of targets, each a NUL-terminated triple (`aarch64-linux-gnu`);
//! * `u16` number of function inclusions, then as many object inclusions: each inclusion is
//!   preceded by its symbol's NUL-terminated name when it is the symbol's first, then a uleb128
//!   `u64` set of targets (bit `1 << index`), (objects only: a uleb128 size,) a `u8` library
//!   index whose bit 7 marks the symbol's last inclusion, and the indexes of its versions, one
//!   byte each, the last with bit 7 set.
//!
//! The file is read whole (about 250 KB) and bounded: a malformed one gives no answer, never a
//! panic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The size above which the file is not read (zig 0.17's is 253 KB).
const MAX_BYTES: u64 = 16 << 20;

/// The zig target name of a Rust `*-linux-gnu*` triple: the vendor dropped, the CPU as zig
/// spells it (`aarch64-unknown-linux-gnu` → `aarch64-linux-gnu`, `i686-…` → `x86-linux-gnu`,
/// `riscv64gc-…` → `riscv64-linux-gnu`, `armv7-…-gnueabihf` → `arm-linux-gnueabihf`).
pub fn zig_target(rust_triple: &str) -> Option<String> {
    let mut parts = rust_triple.split('-');
    let cpu = parts.next()?;
    let _vendor = parts.next()?;
    let os = parts.next()?;
    let abi = parts.next()?;
    let cpu = match cpu {
        "i586" | "i686" => "x86",
        c if c.starts_with("riscv64") => "riscv64",
        c if c.starts_with("armv7") || c.starts_with("armv6") => "arm",
        c => c,
    };
    Some(format!("{cpu}-{os}-{abi}"))
}

/// A cursor over the file's bytes; every read is checked.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Option<u8> {
        let b = *self.data.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.u8()?, self.u8()?]))
    }

    fn uleb(&mut self) -> Option<u64> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(out);
            }
        }
        None
    }

    fn cstr(&mut self) -> Option<&'a str> {
        let rest = self.data.get(self.at..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        self.at += end + 1;
        std::str::from_utf8(&rest[..end]).ok()
    }
}

/// For each of `symbols` that zig's glibc defines for `target` (a zig target name, see
/// [`zig_target`]), the oldest version defining it, as `GLIBC_2.25` (`GLIBC_2.2.5` with a patch
/// number). Symbols it does not define for that target are left out.
pub fn oldest_versions(
    abilists: &[u8],
    target: &str,
    symbols: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    parse(abilists, target, symbols).unwrap_or_default()
}

fn parse(
    data: &[u8],
    target: &str,
    symbols: &BTreeSet<String>,
) -> Option<BTreeMap<String, String>> {
    let mut r = Reader { data, at: 0 };
    for _ in 0..r.u8()? {
        r.cstr()?;
    }
    let mut versions = Vec::new();
    for _ in 0..r.u8()? {
        versions.push((r.u8()?, r.u8()?, r.u8()?));
    }
    let mut target_bit = None;
    for i in 0..r.u8()? {
        if r.cstr()? == target && i < 64 {
            target_bit = Some(1u64 << i);
        }
    }
    let target_bit = target_bit?;
    let mut oldest: BTreeMap<String, (u8, u8, u8)> = BTreeMap::new();
    for sized in [false, true] {
        let count = r.u16()?;
        let mut name = "";
        let mut first = true;
        for _ in 0..count {
            if first {
                name = r.cstr()?;
            }
            let targets = r.uleb()?;
            if sized {
                r.uleb()?;
            }
            let lib = r.u8()?;
            first = lib & 0x80 != 0;
            loop {
                let v = r.u8()?;
                let version = *versions.get(usize::from(v & 0x7f))?;
                if targets & target_bit != 0 && symbols.contains(name) {
                    let e = oldest.entry(name.to_string()).or_insert(version);
                    *e = (*e).min(version);
                }
                if v & 0x80 != 0 {
                    break;
                }
            }
        }
    }
    Some(
        oldest
            .into_iter()
            .map(|(s, (major, minor, patch))| {
                let v = if patch == 0 {
                    format!("GLIBC_{major}.{minor}")
                } else {
                    format!("GLIBC_{major}.{minor}.{patch}")
                };
                (s, v)
            })
            .collect(),
    )
}

/// Reads `lib_dir/libc/glibc/abilists` (zig's library directory), if it is there and not
/// oversized.
pub fn read(lib_dir: &Path) -> Option<Vec<u8>> {
    let path = lib_dir.join("libc").join("glibc").join("abilists");
    let meta = std::fs::metadata(&path).ok()?;
    if meta.len() > MAX_BYTES {
        return None;
    }
    std::fs::read(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in the format above: libraries `c`, versions 2.2.5, 2.17, 2.25, targets
    /// `x86_64-linux-gnu`, `aarch64-linux-gnu`; `memcpy` at 2.2.5 (x86_64) and 2.17 (aarch64),
    /// `getrandom` at 2.25 on both; one object `environ`.
    fn sample() -> Vec<u8> {
        let mut d = vec![1];
        d.extend(b"c\0");
        d.extend([3, 2, 2, 5, 2, 17, 0, 2, 25, 0]);
        d.push(2);
        d.extend(b"x86_64-linux-gnu\0aarch64-linux-gnu\0");
        d.extend(3u16.to_le_bytes());
        d.extend(b"memcpy\0");
        d.extend([0b01, 0, 0x80]); // x86_64, lib c, version 2.2.5 (last)
        d.extend([0b10, 0x80, 0x81]); // aarch64, lib c (last inclusion), 2.17 (last)
        d.extend(b"getrandom\0");
        d.extend([0b11, 0x80, 0x82]);
        d.extend(1u16.to_le_bytes());
        d.extend(b"environ\0");
        d.extend([0b11, 8, 0x80, 0x80]);
        d
    }

    #[test]
    fn oldest_versions_per_target() {
        let want: BTreeSet<String> = ["memcpy", "getrandom", "environ", "nope"]
            .map(String::from)
            .into();
        let x = oldest_versions(&sample(), "x86_64-linux-gnu", &want);
        assert_eq!(x["memcpy"], "GLIBC_2.2.5");
        assert_eq!(x["getrandom"], "GLIBC_2.25");
        assert_eq!(x["environ"], "GLIBC_2.2.5");
        assert!(!x.contains_key("nope"));
        let a = oldest_versions(&sample(), "aarch64-linux-gnu", &want);
        assert_eq!(a["memcpy"], "GLIBC_2.17");
        assert!(oldest_versions(&sample(), "s390x-linux-gnu", &want).is_empty());
        // Truncated anywhere: no answer, no panic.
        let s = sample();
        for n in 0..s.len() {
            let _ = oldest_versions(&s[..n], "x86_64-linux-gnu", &want);
        }
    }

    #[test]
    fn rust_triples_map_to_zig_targets() {
        assert_eq!(
            zig_target("aarch64-unknown-linux-gnu").as_deref(),
            Some("aarch64-linux-gnu")
        );
        assert_eq!(
            zig_target("x86_64-unknown-linux-gnu").as_deref(),
            Some("x86_64-linux-gnu")
        );
        assert_eq!(
            zig_target("armv7-unknown-linux-gnueabihf").as_deref(),
            Some("arm-linux-gnueabihf")
        );
        assert_eq!(zig_target("x86_64"), None);
    }
}
