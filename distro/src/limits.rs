//! The limits the package readers and the ELF analysis enforce on untrusted input.
//!
//! `syspack inspect` and `syspack matrix --package` read packages from anywhere. A small package
//! can decompress to gigabytes, or claim a gigabyte-long name, symlink target or metadata file.
//! Every reader therefore streams the payload (file contents are hashed as they pass, never held)
//! and holds in memory only what the table below bounds; anything larger is refused with an
//! error that quotes at most a short prefix ([`crate::text::quote`]).
//!
//! The limits are chosen above what real packages use and at or below what the installing tools
//! accept, so that a package syspack refuses is one no real archive carries:
//!
//! | limit | value | applies to | why (what the installing tools accept) |
//! |---|---|---|---|
//! | [`MAX_PATH`] | 4096 bytes | every entry name (deb, rpm, arch, freebsd), after long-name and pax records | Linux `PATH_MAX` is 4096 (a longer name cannot be created); rpm's cpio reader refuses names over 4096 (`CPIO_NAMESIZE_MAX`); FreeBSD's `MAXPATHLEN` is 1024 |
//! | [`MAX_LINK_TARGET`] | 4096 bytes | symlink and hard-link targets | `symlink(2)` fails with `ENAMETOOLONG` beyond `PATH_MAX`; rpm stores targets in the header, which it caps (below) |
//! | [`MAX_EXTENSION_RECORD`] | 1 MiB | a GNU `L`/`K` long-name record, a pax `x`/`g` header | libarchive (bsdtar, pacman, pkg) refuses "Special header too large" over 1 MiB (`read_body_to_string`) |
//! | [`MAX_METADATA_MEMBER`] | 32 MiB | each metadata file, decompressed: a deb's `control`, `md5sums`, scripts…; Arch `.PKGINFO`, `.BUILDINFO`, `.INSTALL`, `.MTREE` (and its gzip content); FreeBSD `+MANIFEST`, `+COMPACT_MANIFEST` | the largest real ones (md5sums or `.MTREE` of texlive documentation packages, 10⁵ files) are a few MB; pacman reads `.PKGINFO` lines of at most 512 KiB (`parse_descfile`); dpkg keeps conffile lines under 1000 bytes (`MAXCONFFILENAME`) |
//! | [`MAX_METADATA_TOTAL`] | 64 MiB | all metadata files of one package together | two members at their limit |
//! | [`MAX_ENTRIES`] | 250 000 | entries of one package (data.tar, payload, header file list) | real packages have at most ~10⁵ files; the listing of each entry is held in memory |
//! | [`MAX_LISTING_BYTES`] | 32 MiB | all entry names and link targets of one package together | 10⁵ files of 300-byte names; bounds the listing whatever the names' lengths |
//! | [`MAX_XZ_DECODER_MEMORY`] | 128 MiB | an xz decoder's memory (its dictionary) | `xz -9` needs 65 MiB to decompress; a header may ask for 1.5 GiB; zstd frames are held to 128 MiB windows by libzstd's default `ZSTD_d_windowLogMax` (27), what `zstd -d` accepts without `--long` |
//! | [`MAX_RPM_SIGNATURE`] | 64 KiB data, 32 tags | an rpm signature header | rpm accepts at most 32 tags (`hdrblobVerifyLengths`); real signature headers are under 8 KiB (rpm itself allows 64 MiB of data) |
//! | [`MAX_RPM_HEADER`] | 32 MiB data | an rpm main header | rpm accepts 256 MiB (`HEADER_DATA_MAX`), 65 535 tags; 32 MiB holds the file list of 10⁵ files several times over, and keeps the peak below |
//! | [`MAX_RPM_STRINGS`] | 2 000 000 | strings of all string-array tags of an rpm header | each string costs ~40 bytes once decoded; rpm's own count check only bounds them by the data length |
//! | [`MAX_TRAILING_ZEROS`] | 1 MiB | decompressed bytes after a tar's end marker (must be zeros) | GNU tar and bsdtar pad to 10 KiB records; `tar -b 2048` to 1 MiB |
//! | [`MAX_ELF_HEADERS`] | 1 MiB | an ELF file's program or section header table | real tables are a few KB (a section header is 64 bytes) |
//! | [`MAX_ELF_SECTION`] | 32 MiB | each ELF section the analysis reads (`.dynamic`, `.dynsym`, their string table, `.gnu.version`, `.gnu.version_r`, `.gnu.version_d`, the dynamic relocation sections, `.interp`, notes) | the dynamic string table and `.rela.dyn` of the largest shared libraries (libLLVM) are a few MB |
//! | [`MAX_ELF_SECTIONS_TOTAL`] | 96 MiB | all those sections of one ELF file together | three sections at their limit; real files need a few MB |
//! | [`MAX_AUDIT_FILE`] | 1 GiB | an ELF file `syspack audit` looks into (it reads the headers, the symbol tables and each read-only data section of at most 256 MiB, not the whole file) | the largest real executables (browsers, libLLVM with symbols) are a few hundred MB |
//!
//! Checks that are not sizes: every compressed member is read to its end, so its checksums
//! (gzip CRC-32 and ISIZE of every member, xz check and index, zstd frame checksum and content
//! size) are verified and anything after the last stream is an error; a deb's data.tar, control.tar
//! and the whole Arch and FreeBSD packages must end after the tar end marker and padding.
//!
//! # Peak memory
//!
//! With these limits, `syspack inspect` holds at most the metadata (64 MiB), the listing of
//! 250 000 entries (each path ≤ 4 KiB, typically ~100 bytes: ~60 MiB for typical names) and the
//! decoders' windows (xz and zstd: at most 64 MiB for the largest window syspack accepts, see
//! below), and an rpm header (32 MiB plus its decoded strings): under 256 MiB. `matrix --package`
//! adds, per ELF file, its headers and the sections above (at most 96 MiB together, in practice a
//! few MB, and the imported symbols' names), one ELF at a time. zstd frames asking for a window above 128 MiB (`zstd
//! --long=31`) are refused by libzstd's default `ZSTD_d_windowLogMax` (27, 128 MiB); xz presets use
//! at most a 64 MiB dictionary, and xz decoders are limited to [`MAX_XZ_DECODER_MEMORY`].
//! The names and link targets of all entries are bounded together by [`MAX_LISTING_BYTES`], and
//! the path checks keep hashes, not copies. The tests in `tests/hostile.rs` regenerate each bomb
//! class and check the peak RSS of the real binary stays under 256 MB (measured: 14 MB for each
//! refused bomb; a `.deb` of 249 000 entries with 128-byte names, the worst listing, 117 MB).

/// Longest entry name, in bytes.
pub const MAX_PATH: usize = 4096;
/// Longest symlink or hard-link target, in bytes.
pub const MAX_LINK_TARGET: usize = 4096;
/// Largest GNU long-name/long-link record or pax extended header, in bytes.
pub const MAX_EXTENSION_RECORD: u64 = 1 << 20;
/// Largest metadata file, decompressed, in bytes.
pub const MAX_METADATA_MEMBER: u64 = 32 << 20;
/// Largest sum of a package's metadata files, in bytes.
pub const MAX_METADATA_TOTAL: u64 = 64 << 20;
/// Most entries in one package.
pub const MAX_ENTRIES: usize = 250_000;
/// Largest rpm signature header data store, in bytes.
pub const MAX_RPM_SIGNATURE: u32 = 64 << 10;
/// Most tags in an rpm signature header (rpm's own limit).
pub const MAX_RPM_SIGNATURE_TAGS: u32 = 32;
/// Largest rpm main header data store, in bytes.
pub const MAX_RPM_HEADER: u32 = 32 << 20;
/// Most strings in all string-array tags of one rpm header.
pub const MAX_RPM_STRINGS: usize = 2_000_000;
/// Most decompressed bytes after a tar end marker (all of them zeros).
pub const MAX_TRAILING_ZEROS: u64 = 1 << 20;
/// Most memory an xz decoder may use (its dictionary, mostly), in bytes.
pub const MAX_XZ_DECODER_MEMORY: u64 = 128 << 20;
/// Largest sum of the entry names and link targets of one package, in bytes.
pub const MAX_LISTING_BYTES: usize = 32 << 20;
/// Largest ELF program or section header table, in bytes.
pub const MAX_ELF_HEADERS: u64 = 1 << 20;
/// Largest ELF section the analysis reads, in bytes.
pub const MAX_ELF_SECTION: u64 = 32 << 20;
/// Largest sum of the ELF sections the analysis reads from one file, in bytes.
pub const MAX_ELF_SECTIONS_TOTAL: u64 = 96 << 20;
/// Largest ELF file the bundled-library audit reads, in bytes.
pub const MAX_AUDIT_FILE: u64 = 1 << 30;
