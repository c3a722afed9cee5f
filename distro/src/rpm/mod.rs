//! RPM v4 packages, written and read natively (no `rpmbuild`, no `rpm` crate).
//!
//! Format facts, with their sources: `docs/formats.md` §2. A package is
//!
//! ```text
//! lead (96 bytes) | signature header (padded to 8) | main header | compressed cpio payload
//! ```
//!
//! * [`lead`]: `3/0/binary/archnum 1/N-[E:]V-R/osnum 1/signature type 5`.
//! * Signature header (region 62): `SHA1` and `SHA256` (273) of the main header, `SIZE` (or
//!   `LONGSIZE`) and `MD5` of header + payload, `PAYLOADSIZE` (or `LONGARCHIVESIZE`), and
//!   optionally `RESERVEDSPACE` ([`Options::reserved_space`]).
//! * Main header (region 63), tags sorted, data in index order and aligned ([`header`]):
//!   `HEADERI18NTABLE ["C"]`, `NAME`, `VERSION`, `RELEASE`, `EPOCH`, `SUMMARY`, `DESCRIPTION`,
//!   `BUILDTIME` (= [`SourceDate`](crate::SourceDate)), `BUILDHOST` (fixed), `SIZE`/`LONGSIZE`,
//!   `VENDOR`, `LICENSE`, `PACKAGER`, `GROUP` ([`group`]), `URL`, `OS`, `ARCH`, the scriptlets and their
//!   `*PROG`, the file arrays (`FILESIZES`/`LONGFILESIZES`, `FILEMODES`, `FILERDEVS`,
//!   `FILEMTIMES`, `FILEDIGESTS` (SHA-256), `FILELINKTOS`, `FILEFLAGS`, `FILEUSERNAME`,
//!   `FILEGROUPNAME`, `FILEVERIFYFLAGS`, `FILEDEVICES`, `FILEINODES`, `FILELANGS`, `DIRINDEXES`,
//!   `BASENAMES`, `DIRNAMES`), `SOURCERPM` (`N-V-R.src.rpm`, as rpmbuild writes; its presence
//!   marks a binary package), the dependency triplets (`PROVIDE*`, `REQUIRE*`, `CONFLICT*`,
//!   `OBSOLETE*`, `RECOMMEND*`, `SUGGEST*`), `RPMVERSION`, one `CHANGELOG*` entry,
//!   `PAYLOADFORMAT`, `PAYLOADCOMPRESSOR`, `PAYLOADFLAGS`, `FILEDIGESTALGO` (8),
//!   `ENCODING`, `PAYLOADDIGEST`, `PAYLOADDIGESTALGO`, `PAYLOADDIGESTALT`.
//! * Payload ([`cpio`]): newc entries named `./path`, inode numbers equal to `FILEINODES`, every
//!   *declared* entry of the package (directories only when the model declares them, as
//!   `%dir` does), then `TRAILER!!!`; compressed with [`Options::compression`].
//!
//! Relations: the package provides `name = [E:]V-R` and, unless noarch, `name(x86-64)` (rpm's
//! `%{_isa}` form), plus the model's provides and `bundled(<lib>) = <version>` for each vendored
//! library, and, when it has config files, `config(name) = [E:]V-R`, which it also requires (as
//! rpmbuild does); requires the model's depends (`pre_depends` as `Requires(pre)`), each scriptlet's
//! interpreter as `Requires(<scriptlet>)`, and the `rpmlib(...)` features it uses
//! (`CompressedFileNames`, `FileDigests`, `PayloadFilesHavePrefix`, `PayloadIsZstd`/`PayloadIsXz`/
//! `PayloadIsBzip2`, `LargeFiles`); model `replaces` become `Obsoletes`. Scripts are mapped as
//! described in [`scripts`].
//!
//! Files of 4 GiB or more: the package switches to `LONGFILESIZES`/`LONGSIZE`, requires
//! `rpmlib(LargeFiles)` (rpm ≥ 4.12), and writes its payload in rpm's stripped cpio format
//! (`07070X` + file index), as rpmbuild does; rpm 4.11 (EL 7) cannot install such a package.
//!
//! ```no_run
//! use syspack_distro::{rpm, output, Package};
//! # fn f(pkg: &Package) -> syspack_distro::Result<()> {
//! let writer = rpm::Writer::new(pkg, &rpm::Options::default())?;
//! let path = output::write_atomically("target/syspack".as_ref(), &writer.file_name(), |w| writer.write_to(w))?;
//! let read = rpm::Reader::open(&path)?; // verifies every digest
//! println!("{read}");
//! # Ok(()) }
//! ```

pub mod cpio;
pub mod group;
pub mod header;
mod layout;
pub mod lead;
mod read;
pub mod scripts;
pub mod tags;
mod write;

#[cfg(test)]
mod tests;

pub use layout::Layout;
pub use read::{
    Dependency, EntryKind, ReadEntry, ReadScriptlet, Reader, RpmFileFlags, RpmMetadata,
};
pub use write::Writer;

use crate::compress::Compression;

/// Settings of the RPM writer.
#[derive(Clone, Debug)]
pub struct Options {
    /// Payload compression; `zstd:19` by default (rpm ≥ 4.14: EL ≥ 8.2, Fedora ≥ 31). Use gzip
    /// or xz for EL 7 (rpm 4.11).
    pub compression: Compression,
    /// BUILDHOST; a fixed `localhost` by default so builds are reproducible.
    pub build_host: String,
    /// GROUP; by default [`group::group_of`] the model's section (never `Unspecified`, which
    /// rpmlint reports as no group).
    pub group: Option<String>,
    /// Size of the zeroed RESERVEDSPACE signature tag that lets `rpmsign` add a signature in
    /// place (rpmbuild reserves 4128 bytes); none by default.
    pub reserved_space: Option<u32>,
    /// Digests and shared frames read once for several packages ([`crate::frames`]): file
    /// digests come from it, and with zstd or gzip the payload is written as frames with large
    /// files' shared frames spliced in (PAYLOADDIGESTALT, the optional digest of the uncompressed
    /// payload, is then left out). None by default (one stream, files read here).
    pub shared: Option<std::sync::Arc<crate::frames::SharedContent>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            compression: Compression::DEFAULT_ZSTD,
            build_host: "localhost".to_string(),
            group: None,
            reserved_space: None,
            shared: None,
        }
    }
}
