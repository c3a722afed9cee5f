//! The cpio payload: SVR4 "new ASCII" entries (`070701`), as rpm writes them, and rpm's stripped
//! entries (`07070X`) for packages with files of 4 GiB or more.
//!
//! A newc entry is the magic, 13 eight-digit hex fields (inode, mode, uid, gid, nlink, mtime,
//! size, dev major/minor, rdev major/minor, name size including the NUL, checksum 0), the name
//! and its NUL, padding to 4 bytes, the content, padding to 4 bytes. rpm names entries `./path`.
//! A stripped entry is the magic and one field, the file's index in the header; everything else
//! (name, mode, size) comes from the header. rpm ≥ 4.12 writes stripped entries for every file of
//! a package that uses LONGFILESIZES, and ends the archive with the usual `TRAILER!!!` entry.

use std::io::{self, Read, Write};

/// newc magic.
pub const NEWC_MAGIC: &[u8; 6] = b"070701";
/// newc-with-CRC magic (read only).
pub const CRC_MAGIC: &[u8; 6] = b"070702";
/// rpm's stripped-entry magic.
pub const STRIPPED_MAGIC: &[u8; 6] = b"07070X";
/// Name of the last entry.
pub const TRAILER: &str = "TRAILER!!!";
/// Longest entry name rpm reads (`CPIO_NAMESIZE_MAX`).
pub const NAME_MAX: usize = 4096;

/// Writes a cpio stream, tracking the offset for padding.
pub struct CpioWriter<W: Write> {
    inner: W,
    offset: u64,
}

/// The metadata of one newc entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewcHeader {
    /// Inode number.
    pub ino: u32,
    /// Mode with type bits.
    pub mode: u32,
    /// Link count.
    pub nlink: u32,
    /// Modification time.
    pub mtime: u32,
    /// Content size.
    pub size: u32,
    /// Name, e.g. `./usr/bin/x`.
    pub name: String,
}

impl<W: Write> CpioWriter<W> {
    /// Starts a stream.
    pub fn new(inner: W) -> Self {
        CpioWriter { inner, offset: 0 }
    }

    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.inner.write_all(b)?;
        self.offset += b.len() as u64;
        Ok(())
    }

    /// Pads with zeroes to a multiple of 4.
    pub fn pad(&mut self) -> io::Result<()> {
        let n = (4 - (self.offset % 4) as usize) % 4;
        self.put(&[0u8; 4][..n])
    }

    /// Writes a newc header, the name and the padding; the caller then writes `size` bytes of
    /// content with [`CpioWriter::write_content`].
    pub fn newc_header(&mut self, h: &NewcHeader) -> io::Result<()> {
        self.pad()?;
        let fields = [
            h.ino,
            h.mode,
            0,
            0,
            h.nlink,
            h.mtime,
            h.size,
            0,
            0,
            0,
            0,
            h.name.len() as u32 + 1,
            0,
        ];
        let mut head = Vec::with_capacity(110 + h.name.len() + 1);
        head.extend_from_slice(NEWC_MAGIC);
        for f in fields {
            head.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        head.extend_from_slice(h.name.as_bytes());
        head.push(0);
        self.put(&head)?;
        self.pad()
    }

    /// Writes a stripped header for file index `fx`; the content follows.
    pub fn stripped_header(&mut self, fx: u32) -> io::Result<()> {
        self.pad()?;
        let mut head = Vec::with_capacity(14);
        head.extend_from_slice(STRIPPED_MAGIC);
        head.extend_from_slice(format!("{fx:08x}").as_bytes());
        self.put(&head)?;
        self.pad()
    }

    /// Writes content bytes.
    pub fn write_content(&mut self, b: &[u8]) -> io::Result<()> {
        self.put(b)
    }

    /// Lets `content` write `size` bytes of content straight into the inner writer.
    ///
    /// # Errors
    ///
    /// The error of `content`, and an error if it wrote another number of bytes.
    pub fn write_content_with<T>(
        &mut self,
        size: u64,
        content: impl FnOnce(&mut W) -> crate::Result<(T, u64)>,
    ) -> crate::Result<T> {
        let (value, written) = content(&mut self.inner)?;
        if written != size {
            return Err(crate::Error::io(
                "<cpio payload>",
                "writing",
                io::Error::other(format!("expected {size} content bytes, got {written}")),
            ));
        }
        self.offset += size;
        Ok(value)
    }

    /// Writes the `TRAILER!!!` entry and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.newc_header(&NewcHeader {
            ino: 0,
            mode: 0,
            nlink: 1,
            mtime: 0,
            size: 0,
            name: TRAILER.to_string(),
        })?;
        self.pad()?;
        Ok(self.inner)
    }
}

/// One entry header read from a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CpioEntry {
    /// A newc (or newc-with-CRC) entry.
    Newc(NewcHeader),
    /// A stripped entry: the file's index in the header.
    Stripped(u32),
    /// The end of the archive.
    Trailer,
}

/// Reads a cpio stream entry by entry.
pub struct CpioReader<R: Read> {
    inner: R,
    offset: u64,
}

impl<R: Read> CpioReader<R> {
    /// Starts reading.
    pub fn new(inner: R) -> Self {
        CpioReader { inner, offset: 0 }
    }

    /// The inner reader (to drain what follows the trailer).
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn take(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.inner.read_exact(buf)?;
        self.offset += buf.len() as u64;
        Ok(())
    }

    fn skip_pad(&mut self) -> io::Result<()> {
        let n = (4 - (self.offset % 4) as usize) % 4;
        let mut b = [0u8; 4];
        self.take(&mut b[..n])
    }

    /// Reads the next entry header (after the previous entry's content was fully read).
    ///
    /// # Errors
    ///
    /// `InvalidData` for a bad magic, a non-hex field or an overlong name; the reader's errors.
    pub fn next_entry(&mut self) -> io::Result<CpioEntry> {
        self.skip_pad()?;
        let mut magic = [0u8; 6];
        self.take(&mut magic)?;
        if &magic == STRIPPED_MAGIC {
            let mut fx = [0u8; 8];
            self.take(&mut fx)?;
            self.skip_pad()?;
            let fx = hex_field(&fx)?;
            return Ok(if fx == u32::MAX {
                CpioEntry::Trailer
            } else {
                CpioEntry::Stripped(fx)
            });
        }
        if &magic != NEWC_MAGIC && &magic != CRC_MAGIC {
            return Err(bad(format!(
                "bad cpio magic {:?} at payload offset {}",
                String::from_utf8_lossy(&magic),
                self.offset - 6
            )));
        }
        let mut fields = [0u8; 104];
        self.take(&mut fields)?;
        let f = |i: usize| hex_field(&fields[i * 8..i * 8 + 8]);
        let namesize = f(11)? as usize;
        if namesize == 0 || namesize > NAME_MAX {
            return Err(bad(format!("cpio name size {namesize} is out of range")));
        }
        let mut name = vec![0u8; namesize];
        self.take(&mut name)?;
        if name.pop() != Some(0) {
            return Err(bad("cpio entry name is not NUL-terminated".to_string()));
        }
        let name =
            String::from_utf8(name).map_err(|_| bad("cpio entry name is not UTF-8".to_string()))?;
        self.skip_pad()?;
        if name == TRAILER {
            return Ok(CpioEntry::Trailer);
        }
        Ok(CpioEntry::Newc(NewcHeader {
            ino: f(0)?,
            mode: f(1)?,
            nlink: f(4)?,
            mtime: f(5)?,
            size: f(6)?,
            name,
        }))
    }

    /// Reads `size` bytes of content into `sink`.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` when the stream ends early; the sink's errors.
    pub fn read_content(&mut self, size: u64, sink: &mut dyn Write) -> io::Result<()> {
        let copied = io::copy(&mut (&mut self.inner).take(size), sink)?;
        self.offset += copied;
        if copied != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("cpio content ends after {copied} of {size} bytes"),
            ));
        }
        Ok(())
    }
}

fn hex_field(b: &[u8]) -> io::Result<u32> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| u32::from_str_radix(s, 16).ok())
        .ok_or_else(|| {
            bad(format!(
                "cpio header field {:?} is not hexadecimal",
                String::from_utf8_lossy(b)
            ))
        })
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}
