//! Deterministic tar streams for the three tar-based formats (`.deb` members, Arch, FreeBSD).
//!
//! Every header field is set explicitly — times from the [`SourceDate`](crate::SourceDate), owner
//! ids from the staging model, modes without umask — so the stream depends on nothing but the
//! package. Names are written exactly as the caller gives them, because the formats disagree:
//! Debian wants `./usr/bin/x`, Arch `usr/bin/x`, FreeBSD `/usr/local/bin/x` (absolute, which the
//! `tar` crate's path setter refuses, hence the raw name handling here).
//!
//! Names longer than the 100-byte ustar field use the flavour's extension: GNU `L`/`K` records
//! for [`TarFlavor::Gnu`] (what `dpkg-deb` writes and every dpkg reads), pax `path`/`linkpath`
//! records for [`TarFlavor::Pax`] (libarchive's restricted pax, what makepkg and `pkg create`
//! write). Sizes beyond 8 GiB use GNU base-256 numbers, which dpkg (≥ 1.18.24) and libarchive read.

use std::io::{self, Read, Write};

use crate::package::{Entry, Owner};

/// Which tar dialect to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TarFlavor {
    /// GNU tar (`tar --format=gnu`), as `dpkg-deb` writes.
    Gnu,
    /// ustar with pax extended headers where needed (libarchive's "restricted pax").
    Pax,
}

/// A tar stream writer with explicit, reproducible headers.
pub struct TarWriter<W: Write> {
    inner: tar::Builder<W>,
    flavor: TarFlavor,
    mtime: u64,
}

const NAME_LEN: usize = 100;

impl<W: Write> TarWriter<W> {
    /// Starts a tar stream; every entry gets `mtime` as its modification time.
    pub fn new(inner: W, flavor: TarFlavor, mtime: u64) -> Self {
        let mut inner = tar::Builder::new(inner);
        inner.mode(tar::HeaderMode::Deterministic);
        TarWriter {
            inner,
            flavor,
            mtime,
        }
    }

    fn header(
        &self,
        kind: tar::EntryType,
        size: u64,
        mode: u32,
        owner: &Owner,
    ) -> io::Result<tar::Header> {
        let mut h = match self.flavor {
            TarFlavor::Gnu => tar::Header::new_gnu(),
            TarFlavor::Pax => tar::Header::new_ustar(),
        };
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode & 0o7777);
        h.set_mtime(self.mtime);
        h.set_uid(owner.uid() as u64);
        h.set_gid(owner.gid() as u64);
        h.set_username(&owner.user)?;
        h.set_groupname(&owner.group)?;
        if self.flavor == TarFlavor::Pax {
            h.set_device_major(0)?;
            h.set_device_minor(0)?;
        }
        Ok(h)
    }

    /// Writes the long-name extension records a name or link target needs, then puts what fits
    /// into the header's own fields.
    fn set_names(&mut self, h: &mut tar::Header, name: &str, link: Option<&str>) -> io::Result<()> {
        let long_name = name.len() > NAME_LEN;
        let long_link = link.is_some_and(|l| l.len() > NAME_LEN);
        match self.flavor {
            TarFlavor::Gnu => {
                if long_name {
                    self.gnu_long_record(b'L', name)?;
                }
                if let (true, Some(l)) = (long_link, link) {
                    self.gnu_long_record(b'K', l)?;
                }
            }
            TarFlavor::Pax => {
                let mut records: Vec<(&str, &[u8])> = Vec::new();
                if long_name {
                    records.push(("path", name.as_bytes()));
                }
                if let (true, Some(l)) = (long_link, link) {
                    records.push(("linkpath", l.as_bytes()));
                }
                if !records.is_empty() {
                    self.inner.append_pax_extensions(records)?;
                }
            }
        }
        copy_truncated(&mut h.as_old_mut().name, name);
        if let Some(l) = link {
            copy_truncated(&mut h.as_old_mut().linkname, l);
        }
        Ok(())
    }

    fn gnu_long_record(&mut self, kind: u8, value: &str) -> io::Result<()> {
        let mut h = tar::Header::new_gnu();
        copy_truncated(&mut h.as_old_mut().name, "././@LongLink");
        h.set_entry_type(tar::EntryType::new(kind));
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_username("root")?;
        h.set_groupname("root")?;
        let mut data = value.as_bytes().to_vec();
        data.push(0);
        h.set_size(data.len() as u64);
        h.set_cksum();
        self.inner.append(&h, &data[..])
    }

    /// Appends a regular file whose `size` bytes come from `data`.
    ///
    /// # Errors
    ///
    /// I/O errors of the data source or the output; an error if `data` is shorter than `size`.
    pub fn append_file(
        &mut self,
        name: &str,
        size: u64,
        mode: u32,
        owner: &Owner,
        data: impl Read,
    ) -> io::Result<()> {
        let mut h = self.header(tar::EntryType::Regular, size, mode, owner)?;
        self.set_names(&mut h, name, None)?;
        h.set_cksum();
        let mut counted = CountingReader {
            inner: data.take(size),
            count: 0,
        };
        self.inner.append(&h, &mut counted)?;
        if counted.count != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "`{name}`: expected {size} bytes, the source gave {}",
                    counted.count
                ),
            ));
        }
        Ok(())
    }

    /// Appends a regular file of `size` bytes whose content `content` writes straight into the
    /// inner writer (so a compressor can take a ready frame for it); returns what `content`
    /// returns.
    ///
    /// # Errors
    ///
    /// The error of `content`, output errors (`out_err`), and an error if `content` reports a
    /// size other than `size`.
    pub fn append_file_with<T>(
        &mut self,
        name: &str,
        size: u64,
        mode: u32,
        owner: &Owner,
        content: impl FnOnce(&mut W) -> crate::Result<(T, u64)>,
    ) -> crate::Result<T> {
        let out_err = |e| crate::Error::io(name, "writing tar entry", e);
        let mut h = self
            .header(tar::EntryType::Regular, size, mode, owner)
            .map_err(out_err)?;
        self.set_names(&mut h, name, None).map_err(out_err)?;
        h.set_cksum();
        // The header alone: with no data, the builder writes no padding either.
        self.inner.append(&h, io::empty()).map_err(out_err)?;
        let (value, written) = content(self.inner.get_mut())?;
        if written != size {
            return Err(out_err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("`{name}`: expected {size} bytes, the source gave {written}"),
            )));
        }
        let padding = (512 - size % 512) % 512;
        self.inner
            .get_mut()
            .write_all(&[0u8; 512][..padding as usize])
            .map_err(out_err)?;
        Ok(value)
    }

    /// Appends a directory.
    ///
    /// # Errors
    ///
    /// I/O errors of the output.
    pub fn append_dir(&mut self, name: &str, mode: u32, owner: &Owner) -> io::Result<()> {
        let mut h = self.header(tar::EntryType::Directory, 0, mode, owner)?;
        self.set_names(&mut h, name, None)?;
        h.set_cksum();
        self.inner.append(&h, io::empty())
    }

    /// Appends a symbolic link.
    ///
    /// # Errors
    ///
    /// I/O errors of the output.
    pub fn append_symlink(&mut self, name: &str, target: &str, owner: &Owner) -> io::Result<()> {
        let mut h = self.header(tar::EntryType::Symlink, 0, 0o777, owner)?;
        self.set_names(&mut h, name, Some(target))?;
        h.set_cksum();
        self.inner.append(&h, io::empty())
    }

    /// Appends a staged entry under `name`, streaming a file's content from its source.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Io`] naming the asset when its content cannot be read, and output errors.
    pub fn append_entry(&mut self, name: &str, entry: &Entry) -> crate::Result<()> {
        let out_err = |e| crate::Error::io(name, "writing tar entry", e);
        match entry {
            Entry::File(f) => {
                let src = f.open()?;
                self.append_file(name, f.size, f.mode, &f.owner, src)
                    .map_err(|e| {
                        let path = match &f.source {
                            crate::FileSource::Path(p) => p.clone(),
                            crate::FileSource::Bytes(_) => name.into(),
                        };
                        crate::Error::io(path, "reading asset", e)
                    })
            }
            Entry::Dir(d) => self.append_dir(name, d.mode, &d.owner).map_err(out_err),
            Entry::Symlink(s) => self
                .append_symlink(name, &s.target, &s.owner)
                .map_err(out_err),
        }
    }

    /// Writes the end-of-archive blocks and returns the inner writer.
    ///
    /// # Errors
    ///
    /// I/O errors of the output.
    pub fn finish(self) -> io::Result<W> {
        self.inner.into_inner()
    }
}

impl<W: crate::frames::ContentSink> TarWriter<W> {
    /// Appends a staged entry under `name`; a file's content goes through
    /// [`ContentSink::write_file`](crate::frames::ContentSink::write_file), so a shared frame can
    /// stand in for it. Returns a file's digests.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Io`] naming the asset when its content cannot be read, and output errors.
    pub fn append_staged(
        &mut self,
        name: &str,
        entry: &Entry,
    ) -> crate::Result<Option<crate::frames::FileDigests>> {
        match entry {
            Entry::File(f) => self
                .append_file_with(name, f.size, f.mode, &f.owner, |w| {
                    let (digests, _) = w.write_file(f, name)?;
                    Ok((digests, digests.size))
                })
                .map(Some),
            other => self.append_entry(name, other).map(|()| None),
        }
    }
}

fn copy_truncated(field: &mut [u8], value: &str) {
    field.fill(0);
    let bytes = value.as_bytes();
    let n = bytes.len().min(field.len());
    field[..n].copy_from_slice(&bytes[..n]);
}

struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_back(bytes: &[u8]) -> Vec<(String, Option<String>, u64, u32, u64)> {
        let mut ar = tar::Archive::new(bytes);
        ar.entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let path = String::from_utf8(e.path_bytes().into_owned()).unwrap();
                let link = e
                    .link_name_bytes()
                    .map(|l| String::from_utf8(l.into_owned()).unwrap());
                let h = e.header();
                (
                    path,
                    link,
                    h.size().unwrap(),
                    h.mode().unwrap(),
                    h.mtime().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn long_and_absolute_names_survive_both_flavours() {
        let long = format!("/usr/local/share/{}/file", "d".repeat(150));
        let target = format!("../{}", "t".repeat(120));
        for flavor in [TarFlavor::Gnu, TarFlavor::Pax] {
            let mut w = TarWriter::new(Vec::new(), flavor, 1234);
            w.append_dir("/usr/local/", 0o755, &Owner::root()).unwrap();
            w.append_file(&long, 3, 0o644, &Owner::root(), &b"abc"[..])
                .unwrap();
            w.append_symlink("/usr/local/bin/l", &target, &Owner::root())
                .unwrap();
            let out = w.finish().unwrap();
            let entries = read_back(&out);
            assert_eq!(entries.len(), 3, "{flavor:?}");
            assert_eq!(entries[1].0, long);
            assert_eq!(entries[1].2, 3);
            assert_eq!(entries[2].1.as_deref(), Some(target.as_str()));
            assert!(entries.iter().all(|e| e.4 == 1234));
        }
    }

    #[test]
    fn a_short_source_is_an_error_not_a_corrupt_archive() {
        let mut w = TarWriter::new(Vec::new(), TarFlavor::Gnu, 0);
        let err = w
            .append_file("./x", 10, 0o644, &Owner::root(), &b"abc"[..])
            .unwrap_err();
        assert!(err.to_string().contains("expected 10 bytes"), "{err}");
    }
}
