//! Writing package files safely: to a temporary file in the output directory, renamed into place
//! only when the whole package was written. A failure leaves nothing behind.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `dir/file_name` through `write`, atomically: the bytes go to a hidden temporary file in
/// `dir`, which is renamed to its final name after `write` succeeded and the data was flushed.
/// On any error the temporary file is removed and the error returned.
///
/// The file gets mode `0o644` whatever the umask, so two runs give identical files.
///
/// # Errors
///
/// [`Error::Io`] when the directory or file cannot be created, and whatever `write` returns.
pub fn write_atomically<F>(dir: &Path, file_name: &str, write: F) -> Result<PathBuf>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating output directory", e))?;
    remove_stale_partials(dir);
    let final_path = dir.join(file_name);
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, "creating a temporary file in", e))?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        write(&mut w)?;
        w.flush().map_err(|e| Error::io(tmp.path(), "writing", e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(tmp.path(), "setting permissions of", e))?;
    }
    tmp.persist(&final_path)
        .map_err(|e| Error::io(&final_path, "renaming into place", e.error))?;
    Ok(final_path)
}

/// How long a temporary file must have gone unmodified to be a leftover of a run that was killed
/// (`kill -9`, a power cut). A run writes its temporary files continuously (a package, a
/// frame: every compressed block), so one untouched for an hour belongs to no live run; an age,
/// unlike a lock, needs nothing from the run that left the file.
pub const STALE_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether the file or directory `meta` describes was last modified more than [`STALE_AGE`]
/// ago.
pub(crate) fn is_stale(meta: &std::fs::Metadata) -> bool {
    meta.modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age > STALE_AGE)
}

/// Removes the `.<name>.partial` files a killed run left in `dir` ([`STALE_AGE`]). Failures are
/// ignored: a leftover costs only space.
pub fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.as_encoded_bytes();
        if name.starts_with(b".") && name.ends_with(b".partial") {
            if let Ok(m) = e.metadata() {
                if m.is_file() && is_stale(&m) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

/// `io::copy` with a 1 MiB buffer: package members and frames are copied in bulk, and the
/// standard 8 KiB buffer turns a few hundred megabytes into tens of thousands of system calls.
pub(crate) fn copy_in_bulk<R: Read + ?Sized, W: Write + ?Sized>(
    reader: &mut R,
    writer: &mut W,
) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        writer.write_all(&buf[..n])?;
        total += n as u64;
    }
}
