//! The report: thrift's `Report` (idl/demo.thrift) in the compact protocol, compressed with zstd
//! through `syspack-zstd-sys`.

use std::fs;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use syspack_zstd_sys::safe::{ZstdDecoder, ZstdEncoder};
use thrift::protocol::{TCompactInputProtocol, TCompactOutputProtocol, TSerializable};

use crate::demo::{FileRecord, Report};
use crate::filter::Filter;

/// Lists the regular files of `directory` (sorted by name) that pass `filter`.
pub fn scan(directory: &Path, source: &str, filter: &Filter) -> Result<Report, String> {
    let entries = fs::read_dir(directory)
        .map_err(|e| format!("failed to list `{}`: {e}", directory.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("failed to list `{}`: {e}", directory.display()))?;
        let meta = entry
            .metadata()
            .map_err(|e| format!("failed to stat `{}`: {e}", entry.path().display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let size = i64::try_from(meta.len()).unwrap_or(i64::MAX);
        if meta.is_file() && filter.matches(&name, size) {
            files.push(FileRecord::new(name, size));
        }
    }
    files.sort();
    Ok(Report::new(
        directory.display().to_string(),
        source.to_string(),
        files,
    ))
}

/// Encodes, compresses and writes the report (to a temporary file, renamed on success).
pub fn write(report: &Report, path: &Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("failed to write `{}`: {e}", path.display());
    let tmp = path.with_extension("tmp");
    let file = fs::File::create(&tmp).map_err(|e| fail(&e))?;
    let mut encoder = ZstdEncoder::new(BufWriter::new(file), 19).map_err(|e| fail(&e))?;
    {
        let mut protocol = TCompactOutputProtocol::new(&mut encoder);
        report
            .write_to_out_protocol(&mut protocol)
            .map_err(|e| fail(&e))?;
        thrift::protocol::TOutputProtocol::flush(&mut protocol).map_err(|e| fail(&e))?;
    }
    let mut out = encoder.finish().map_err(|e| fail(&e))?;
    out.flush().map_err(|e| fail(&e))?;
    drop(out);
    fs::rename(&tmp, path).map_err(|e| fail(&e))
}

/// Reads a report written by [`write`].
pub fn read(path: &Path) -> Result<Report, String> {
    let fail =
        |e: &dyn std::fmt::Display| format!("failed to read report `{}`: {e}", path.display());
    let mut bytes = Vec::new();
    let file = fs::File::open(path).map_err(|e| fail(&e))?;
    ZstdDecoder::new(file)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(&e))?;
    let mut protocol = TCompactInputProtocol::new(&bytes[..]);
    Report::read_from_in_protocol(&mut protocol).map_err(|e| fail(&e))
}

/// The report as text.
pub fn render(report: &Report) -> String {
    let mut text = format!(
        "directory: {}\nfilter: {}\n",
        report.directory, report.filter
    );
    for f in &report.files {
        text.push_str(&format!("{:>12}  {}\n", f.size, f.name));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_write_and_read_back() {
        let dir = std::env::temp_dir().join(format!("syspack-demo-test-{}", std::process::id()));
        let input = dir.join("in");
        fs::create_dir_all(&input).unwrap();
        fs::write(input.join("big.log"), vec![b'x'; 100]).unwrap();
        fs::write(input.join("big.log.gz"), vec![b'x'; 100]).unwrap();
        fs::write(input.join("small.log"), b"x").unwrap();
        let source = r#"size > 10 && !(name ~ ".gz")"#;
        let report = scan(&input, source, &Filter::new(source).unwrap()).unwrap();
        assert_eq!(
            report.files,
            vec![FileRecord::new("big.log".to_string(), 100)]
        );

        let out = dir.join("report.zst");
        write(&report, &out).unwrap();
        let raw = fs::read(&out).unwrap();
        assert_eq!(&raw[..4], &[0x28, 0xb5, 0x2f, 0xfd], "a zstd frame");
        assert_eq!(read(&out).unwrap(), report);
        assert!(render(&report).contains("100  big.log"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
