//! What deflate costs on a tree of files, by kind of content and libdeflate level: the figures
//! behind bench/RESULTS.md §2.14 (issue 22).
//!
//! ```text
//! cargo run --release -p syspack-distro --example deflate_cost -- DIR [LEVEL ...]
//! ```
//!
//! The input is cut as syspack's gzip frames cut it: every file of at least
//! [`SHARE_THRESHOLD`] bytes alone, the smaller ones one after the other, each stream in
//! chunks of 1 MiB compressed independently. Each chunk is sorted by a level-1 compression of
//! all of it into "incompressible" (saves less than 1/1024, which syspack stores), "large files"
//! and "small files". For each level (default 1 6 7 9) the example prints, per kind, the bytes in
//! and out and the CPU time of this one thread (`CLOCK_THREAD_CPUTIME_ID`), so the figures do not
//! depend on the machine's other work as much as wall time would; the machine's speed they do.
//! Then the same for the digests and checksum an rpm computes besides (SHA-256 of every file and
//! of the compressed payload, MD5 of header and payload, CRC-32), over all the input.

use std::path::{Path, PathBuf};

use md5::Md5;
use sha2::{Digest, Sha256};
use syspack_distro::frames::SHARE_THRESHOLD;
use syspack_libdeflate_sys::safe::{crc32, Compressor};

const CHUNK: usize = 1 << 20;
const KINDS: [&str; 3] = ["incompressible", "large files", "small files"];

fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a timespec to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// Every regular file under `dir`, in walk order by name; an entry that cannot be read is an
/// error, not a file left out of the figures.
fn files(dir: &Path) -> Result<Vec<PathBuf>, walkdir::Error> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        if entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("deflate_cost: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: deflate_cost DIR [LEVEL ...]")?);
    let mut levels: Vec<u32> = args
        .map(|a| {
            a.parse()
                .map_err(|_| format!("level `{a}` is not a libdeflate level (0-12)"))
        })
        .collect::<Result<_, _>>()?;
    if levels.is_empty() {
        levels = vec![1, 6, 7, 9];
    }

    // The chunks, by kind.
    let mut chunks: [Vec<Vec<u8>>; 3] = Default::default();
    let mut probe = Compressor::new(1)?;
    let mut scratch = Vec::new();
    let mut small = Vec::new();
    let mut sort = |data: &[u8], small_files: bool, chunks: &mut [Vec<Vec<u8>>; 3]| {
        for chunk in data.chunks(CHUNK) {
            scratch.clear();
            probe.deflate(chunk, &mut scratch).expect("level-1 probe");
            let kind = if scratch.len() * 1024 >= chunk.len() * 1023 {
                0
            } else if small_files {
                2
            } else {
                1
            };
            chunks[kind].push(chunk.to_vec());
        }
    };
    for path in files(&dir)? {
        let data = std::fs::read(&path)?;
        if data.len() as u64 >= SHARE_THRESHOLD {
            sort(&data, false, &mut chunks);
        } else {
            small.extend_from_slice(&data);
        }
    }
    sort(&small, true, &mut chunks);

    println!("| kind | MB in | level | MB out | ratio | CPU s | MB/s |");
    println!("|---|---|---|---|---|---|---|");
    let mut out = Vec::new();
    for (kind, name) in KINDS.iter().enumerate() {
        let bytes_in: usize = chunks[kind].iter().map(Vec::len).sum();
        for &level in &levels {
            let mut compressor = Compressor::new(level)?;
            let mut bytes_out = 0;
            let start = thread_cpu_seconds();
            for chunk in &chunks[kind] {
                out.clear();
                compressor.deflate(chunk, &mut out)?;
                bytes_out += out.len();
            }
            let cpu = thread_cpu_seconds() - start;
            println!(
                "| {name} | {:.1} | {level} | {:.1} | {:.3} | {cpu:.2} | {:.0} |",
                bytes_in as f64 / 1e6,
                bytes_out as f64 / 1e6,
                bytes_out as f64 / bytes_in.max(1) as f64,
                bytes_in as f64 / 1e6 / cpu.max(1e-9),
            );
        }
    }

    let all: Vec<&[u8]> = chunks.iter().flatten().map(Vec::as_slice).collect();
    let total: usize = all.iter().map(|c| c.len()).sum();
    let time = |f: &mut dyn FnMut(&[u8])| {
        let start = thread_cpu_seconds();
        for chunk in &all {
            f(chunk);
        }
        thread_cpu_seconds() - start
    };
    let mut sha256 = Sha256::new();
    let mut md5 = Md5::new();
    let mut crc = 0;
    println!();
    println!("| over all {:.1} MB | CPU s | MB/s |", total as f64 / 1e6);
    println!("|---|---|---|");
    for (name, cpu) in [
        ("SHA-256 (sha2)", time(&mut |c| sha256.update(c))),
        ("MD5 (md-5)", time(&mut |c| md5.update(c))),
        ("CRC-32 (libdeflate)", time(&mut |c| crc = crc32(crc, c))),
    ] {
        println!(
            "| {name} | {cpu:.2} | {:.0} |",
            total as f64 / 1e6 / cpu.max(1e-9)
        );
    }
    // Keeps the digests from being optimized away.
    let _ = (sha256.finalize(), md5.finalize(), crc);
    Ok(())
}
