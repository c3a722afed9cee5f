//! Tag numbers, data types and flag bits of the RPM v4 header, as defined by rpm's
//! `include/rpm/rpmtag.h`, `rpmds.h` and `rpmfiles.h` (see `docs/formats.md` §2).

/// Region tag of a legacy header image; some old packages tag their signature region's
/// trailer with it (rpm's `hdrblobVerifyRegion` accepts that).
pub const HEADERIMAGE: u32 = 61;
/// Header region tag of the signature header.
pub const HEADERSIGNATURES: u32 = 62;
/// Header region tag of the main (immutable) header.
pub const HEADERIMMUTABLE: u32 = 63;
/// Locale table for I18NSTRING values (`["C"]`).
pub const HEADERI18NTABLE: u32 = 100;

/// Signature header: hex SHA-1 of the main header.
pub const SIG_SHA1: u32 = 269;
/// Signature header: header + payload size when ≥ 4 GiB.
pub const SIG_LONGSIZE: u32 = 270;
/// Signature header: uncompressed payload size when ≥ 4 GiB.
pub const SIG_LONGARCHIVESIZE: u32 = 271;
/// Signature header: hex SHA-256 of the main header (rpm ≥ 4.14).
pub const SIG_SHA256: u32 = 273;
/// Signature header: header + payload size.
pub const SIG_SIZE: u32 = 1000;
/// Signature header: MD5 of header + payload.
pub const SIG_MD5: u32 = 1004;
/// Signature header: uncompressed payload size.
pub const SIG_PAYLOADSIZE: u32 = 1007;
/// Signature header: zeroes kept free so a signature can be added in place.
pub const SIG_RESERVEDSPACE: u32 = 1008;

/// Package name.
pub const NAME: u32 = 1000;
/// Version.
pub const VERSION: u32 = 1001;
/// Release.
pub const RELEASE: u32 = 1002;
/// Epoch.
pub const EPOCH: u32 = 1003;
/// One-line summary (I18NSTRING).
pub const SUMMARY: u32 = 1004;
/// Description (I18NSTRING).
pub const DESCRIPTION: u32 = 1005;
/// Build time (seconds since the epoch).
pub const BUILDTIME: u32 = 1006;
/// Build host.
pub const BUILDHOST: u32 = 1007;
/// Installed size (INT32).
pub const SIZE: u32 = 1009;
/// Vendor.
pub const VENDOR: u32 = 1011;
/// Licence.
pub const LICENSE: u32 = 1014;
/// Packager.
pub const PACKAGER: u32 = 1015;
/// Group (I18NSTRING).
pub const GROUP: u32 = 1016;
/// Home page.
pub const URL: u32 = 1020;
/// Operating system (`linux`).
pub const OS: u32 = 1021;
/// Architecture.
pub const ARCH: u32 = 1022;
/// `%pre` body.
pub const PREIN: u32 = 1023;
/// `%post` body.
pub const POSTIN: u32 = 1024;
/// `%preun` body.
pub const PREUN: u32 = 1025;
/// `%postun` body.
pub const POSTUN: u32 = 1026;
/// File sizes (INT32).
pub const FILESIZES: u32 = 1028;
/// File modes including the type bits (INT16).
pub const FILEMODES: u32 = 1030;
/// Device numbers of special files (INT16).
pub const FILERDEVS: u32 = 1033;
/// Modification times (INT32).
pub const FILEMTIMES: u32 = 1034;
/// File digests, lowercase hex; empty for non-regular files.
pub const FILEDIGESTS: u32 = 1035;
/// Symlink targets; empty for other entries.
pub const FILELINKTOS: u32 = 1036;
/// `RPMFILE_*` flags.
pub const FILEFLAGS: u32 = 1037;
/// Owner names.
pub const FILEUSERNAME: u32 = 1039;
/// Group names.
pub const FILEGROUPNAME: u32 = 1040;
/// Source package file name; its presence marks a binary package.
pub const SOURCERPM: u32 = 1044;
/// Marks a source package (rpmbuild sets it in every SRPM).
pub const SOURCEPACKAGE: u32 = 1106;
/// What `rpm -V` checks per file.
pub const FILEVERIFYFLAGS: u32 = 1045;
/// Provides names.
pub const PROVIDENAME: u32 = 1047;
/// Requires flags.
pub const REQUIREFLAGS: u32 = 1048;
/// Requires names.
pub const REQUIRENAME: u32 = 1049;
/// Requires versions.
pub const REQUIREVERSION: u32 = 1050;
/// Conflicts flags.
pub const CONFLICTFLAGS: u32 = 1053;
/// Conflicts names.
pub const CONFLICTNAME: u32 = 1054;
/// Conflicts versions.
pub const CONFLICTVERSION: u32 = 1055;
/// Version of the tool that wrote the package.
pub const RPMVERSION: u32 = 1064;
/// Changelog entry times.
pub const CHANGELOGTIME: u32 = 1080;
/// Changelog entry authors.
pub const CHANGELOGNAME: u32 = 1081;
/// Changelog entry texts.
pub const CHANGELOGTEXT: u32 = 1082;
/// `%pre` interpreter.
pub const PREINPROG: u32 = 1085;
/// `%post` interpreter.
pub const POSTINPROG: u32 = 1086;
/// `%preun` interpreter.
pub const PREUNPROG: u32 = 1087;
/// `%postun` interpreter.
pub const POSTUNPROG: u32 = 1088;
/// Obsoletes names.
pub const OBSOLETENAME: u32 = 1090;
/// Device ids (with FILEINODES, identifies hard links).
pub const FILEDEVICES: u32 = 1095;
/// Inode numbers (1..n, matching the cpio payload).
pub const FILEINODES: u32 = 1096;
/// File languages.
pub const FILELANGS: u32 = 1097;
/// Provides flags.
pub const PROVIDEFLAGS: u32 = 1112;
/// Provides versions.
pub const PROVIDEVERSION: u32 = 1113;
/// Obsoletes flags.
pub const OBSOLETEFLAGS: u32 = 1114;
/// Obsoletes versions.
pub const OBSOLETEVERSION: u32 = 1115;
/// Per file, the index of its directory in DIRNAMES.
pub const DIRINDEXES: u32 = 1116;
/// File base names.
pub const BASENAMES: u32 = 1117;
/// Directory names, each ending in `/`.
pub const DIRNAMES: u32 = 1118;
/// Payload archive format (`cpio`).
pub const PAYLOADFORMAT: u32 = 1124;
/// Payload compressor (`gzip`, `bzip2`, `xz`, `zstd`; absent means gzip or plain).
pub const PAYLOADCOMPRESSOR: u32 = 1125;
/// Payload compression level.
pub const PAYLOADFLAGS: u32 = 1126;
/// File sizes (INT64), used instead of FILESIZES when a file is ≥ 4 GiB.
pub const LONGFILESIZES: u32 = 5008;
/// Installed size (INT64), used instead of SIZE when ≥ 4 GiB.
pub const LONGSIZE: u32 = 5009;
/// Digest algorithm of FILEDIGESTS (8 = SHA-256).
pub const FILEDIGESTALGO: u32 = 5011;
/// Recommends names.
pub const RECOMMENDNAME: u32 = 5046;
/// Recommends versions.
pub const RECOMMENDVERSION: u32 = 5047;
/// Recommends flags.
pub const RECOMMENDFLAGS: u32 = 5048;
/// Suggests names.
pub const SUGGESTNAME: u32 = 5049;
/// Suggests versions.
pub const SUGGESTVERSION: u32 = 5050;
/// Suggests flags.
pub const SUGGESTFLAGS: u32 = 5051;
/// Character encoding of the header strings (`utf-8`).
pub const ENCODING: u32 = 5062;
/// Hex digest of the compressed payload.
pub const PAYLOADDIGEST: u32 = 5092;
/// Algorithm of PAYLOADDIGEST.
pub const PAYLOADDIGESTALGO: u32 = 5093;
/// Hex digest of the uncompressed payload (rpm ≥ 4.16).
pub const PAYLOADDIGESTALT: u32 = 5097;

/// The PGP hash algorithm id of SHA-256 (`PGPHASHALGO_*`, rpm's `include/rpm/rpmpgp.h`), the
/// FILEDIGESTALGO rpmbuild ≥ 4.14 writes; `%_binary_filedigest_algorithm` selects any of these.
pub const DIGEST_SHA256: u32 = 8;
/// The PGP hash algorithm id of MD5 (rpm before 4.6 wrote no FILEDIGESTALGO: MD5).
pub const DIGEST_MD5: u32 = 1;
/// The PGP hash algorithm id of SHA-1.
pub const DIGEST_SHA1: u32 = 2;
/// The PGP hash algorithm id of SHA-384.
pub const DIGEST_SHA384: u32 = 9;
/// The PGP hash algorithm id of SHA-512.
pub const DIGEST_SHA512: u32 = 10;
/// The PGP hash algorithm id of SHA-224.
pub const DIGEST_SHA224: u32 = 11;

/// Header data types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagType {
    /// No data.
    Null = 0,
    /// Characters.
    Char = 1,
    /// 8-bit integers.
    Int8 = 2,
    /// 16-bit integers.
    Int16 = 3,
    /// 32-bit integers.
    Int32 = 4,
    /// 64-bit integers.
    Int64 = 5,
    /// One NUL-terminated string.
    String = 6,
    /// Bytes.
    Bin = 7,
    /// NUL-terminated strings.
    StringArray = 8,
    /// Localised strings, one per HEADERI18NTABLE entry.
    I18nString = 9,
}

impl TagType {
    /// The type for a number read from an index entry.
    pub fn from_u32(n: u32) -> Option<Self> {
        Some(match n {
            0 => TagType::Null,
            1 => TagType::Char,
            2 => TagType::Int8,
            3 => TagType::Int16,
            4 => TagType::Int32,
            5 => TagType::Int64,
            6 => TagType::String,
            7 => TagType::Bin,
            8 => TagType::StringArray,
            9 => TagType::I18nString,
            _ => return None,
        })
    }

    /// Required alignment of the data in the store.
    pub fn alignment(self) -> usize {
        match self {
            TagType::Int16 => 2,
            TagType::Int32 => 4,
            TagType::Int64 => 8,
            _ => 1,
        }
    }
}

/// Dependency sense flags (`rpmsenseFlags`).
pub mod sense {
    /// `<`.
    pub const LESS: u32 = 1 << 1;
    /// `>`.
    pub const GREATER: u32 = 1 << 2;
    /// `=`.
    pub const EQUAL: u32 = 1 << 3;
    /// The requirement is a scriptlet interpreter.
    pub const INTERP: u32 = 1 << 8;
    /// `Requires(pre)`.
    pub const SCRIPT_PRE: u32 = 1 << 9;
    /// `Requires(post)`.
    pub const SCRIPT_POST: u32 = 1 << 10;
    /// `Requires(preun)`.
    pub const SCRIPT_PREUN: u32 = 1 << 11;
    /// `Requires(postun)`.
    pub const SCRIPT_POSTUN: u32 = 1 << 12;
    /// An `rpmlib(...)` feature requirement.
    pub const RPMLIB: u32 = 1 << 24;
    /// The comparison bits.
    pub const COMPARE: u32 = LESS | GREATER | EQUAL;
}

/// File flags (`rpmfileAttrs`).
pub mod fileflags {
    /// `%config`.
    pub const CONFIG: u32 = 1 << 0;
    /// `%doc`.
    pub const DOC: u32 = 1 << 1;
    /// `%config(noreplace)`.
    pub const NOREPLACE: u32 = 1 << 4;
    /// `%ghost`: listed, not in the payload.
    pub const GHOST: u32 = 1 << 6;
    /// `%license`.
    pub const LICENSE: u32 = 1 << 7;
}

/// File type bits of FILEMODES.
pub mod mode {
    /// Mask of the type bits.
    pub const S_IFMT: u32 = 0o170000;
    /// Regular file.
    pub const S_IFREG: u32 = 0o100000;
    /// Directory.
    pub const S_IFDIR: u32 = 0o040000;
    /// Symbolic link.
    pub const S_IFLNK: u32 = 0o120000;
}
