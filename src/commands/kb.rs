//! `syspack kb`: the release indexes derived from the distributions' own archive files.
//!
//! `update` fetches, for each Debian or Ubuntu release of `UPDATABLE`, the suite's `InRelease`
//! (checked with `gpgv` against the archive's keyring) and, for each of its components (Debian's
//! `main`, `contrib`, `non-free-firmware`, `non-free`; Ubuntu's `main`, `restricted`, `universe`,
//! `multiverse`), `<component>/binary-amd64/Packages.xz`, and the `Contents-amd64.gz` files
//! (Debian's one per component, `<component>/Contents-amd64.gz`; Ubuntu's one for the suite,
//! `dists/<codename>/Contents-amd64.gz`) — each verified against the sha256 the Release file lists
//! while it is streamed and decompressed — and the `.deb` files of the common runtime libraries
//! (verified against `Packages`) for their `shlibs` and `symbols`. For Ubuntu only the release
//! pocket (`jammy`, `noble`) is read: the versions every install of the release has at least.
//! The mirror base comes from `--mirror`, else `SYSPACK_DEBIAN_MIRROR` or `SYSPACK_UBUNTU_MIRROR`;
//! for Debian, else from the first `deb` source of this machine's apt configuration
//! (`/etc/apt/sources.list`, `/etc/apt/sources.list.d/*.sources|*.list`); without one for Ubuntu
//! the update stops and says what to set. No host name is built in.
//!
//! `import` takes index files a user downloaded: `<release>.idx` files, or an rpm-md repository
//! (`repodata/repomd.xml` with the `primary` and `filelists` it names), Arch `.files` databases
//! or a FreeBSD catalogue (`packagesite.pkg`, `data.pkg`) for the release named by `--release`,
//! from which it derives the same index (`syspack_distro::kb::rpmmd`,
//! `syspack_distro::kb::archdb`, `syspack_distro::kb::packagesite`). `--keyring` checks the
//! OpenPGP signatures of rpm-md (`repomd.xml.asc`) and Arch (`.files.sig`) before anything is
//! written, `--pubkey` a FreeBSD catalogue's RSA `signature` as pkg does for a `pubkey` repository
//! (`syspack_repo::freebsd::verify_pubkey_signature`), `--fingerprints` its `.sig`/`.pub` signers
//! as pkg does for a `fingerprints` repository, the kind FreeBSD's own are
//! (`syspack_repo::freebsd::verify_fingerprint_signatures`); without them the index says the
//! signature was not checked.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args as ClapArgs, Subcommand};
use syspack_distro::kb::index::{self, Hashing, IndexFile, ReleaseFile, ReleaseIndex, Shlibs};
use syspack_distro::kb::KnowledgeBase;

use crate::exit;

/// Arguments of `syspack kb`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: KbCommand,
}

#[derive(Debug, Subcommand)]
enum KbCommand {
    /// Fetch the release's index files from the Debian or Ubuntu archive and write its compact
    /// index.
    #[command(
        after_help = "Releases: debian-11, debian-12, debian-13 (the Debian archive), ubuntu-22.04, ubuntu-24.04 (the Ubuntu archive; the release pocket `jammy`, `noble` only: what every install of the release has at least). Without a release the Debian ones are updated; Ubuntu's are updated when named.\n\nMirrors: --mirror, else SYSPACK_DEBIAN_MIRROR (else the first `deb` source of this machine's apt configuration) for Debian, SYSPACK_UBUNTU_MIRROR for Ubuntu. --mirror and --keyring name one archive: update Debian and Ubuntu releases in separate runs to give them.\n\nExamples:\n  syspack kb update debian-12\n  SYSPACK_UBUNTU_MIRROR=http://<mirror>/ubuntu syspack kb update ubuntu-22.04 ubuntu-24.04"
    )]
    Update {
        /// Releases to update (default: debian-11, debian-12, debian-13).
        releases: Vec<String>,
        /// Mirror base URL [default: SYSPACK_DEBIAN_MIRROR, else this machine's apt sources, for
        /// Debian; SYSPACK_UBUNTU_MIRROR for Ubuntu].
        #[arg(long)]
        mirror: Option<String>,
        /// The keyring InRelease is checked against [default:
        /// /usr/share/keyrings/debian-archive-keyring.gpg for Debian,
        /// /usr/share/keyrings/ubuntu-archive-keyring.gpg for Ubuntu].
        #[arg(long)]
        keyring: Option<PathBuf>,
        /// Where the indexes go.
        #[arg(long, default_value = "distro/data/index")]
        out: PathBuf,
    },
    /// Check index files a user downloaded into DIR and write them to --out: `<release>.idx` (or
    /// `.idx.xz`) files as they are; or an rpm-md repository (DIR/repodata/repomd.xml and the
    /// primary and filelists files it names, each verified against repomd's sha256 and size),
    /// Arch `.files` databases (core.files, extra.files) or a FreeBSD catalogue
    /// (packagesite.pkg or data.pkg), turned into the index of the release named by --release.
    #[command(
        after_help = "An rpm-md repository gives: which package ships each library (soname Provides `libz.so.1()(64bit)` from primary, `lib*.so.*` and `lib*.so` files in /lib64 and /usr/lib64 from filelists; x86_64 and noarch packages) and the versions (rpm's EVR) of those packages and of the ones the knowledge base names. Arch `.files` databases give makepkg's soname provides (`libz.so=1-64`), the `lib*.so.*` and `lib*.so` files in /usr/lib, and versions. A FreeBSD catalogue (`packagesite.pkg`, else `data.pkg`, or their `.tzst`/`.txz` names) gives each package's `shlibs_provided` and version; the base system's sonames the knowledge base knows (libc.so.7, libm.so.5…) are recorded as `base`, and a soname in neither is unknown there, not missing (the catalogue lists no base system). Its date is the catalogue member's time, else the file's modification time (keep the server's when downloading).\n\nSignatures: --keyring KEYS (OpenPGP public keys) checks repodata/repomd.xml.asc or each database's .sig; --pubkey PEM checks the FreeBSD catalogue's `signature` as pkg does for a `pubkey` repository, --fingerprints DIR its `.sig`/`.pub` signers against a pkg client's trusted and revoked fingerprints as pkg does for a `fingerprints` repository (FreeBSD's own: --fingerprints /usr/share/keys/pkg). A missing or bad signature refuses the import; without a key the index says `signature not checked`.\n\nExamples:\n  syspack kb import --release fedora-43 --origin releases/43/Everything/x86_64/os ./os --out ./index\n  syspack kb import --release arch --keyring archlinux.gpg ./sync --out ./index\n  syspack kb import --release freebsd-14 --fingerprints ./keys/pkg ./FreeBSD:14:amd64 --out ./index"
    )]
    Import {
        /// The directory: `<release>.idx` files, an rpm-md repository (with `repodata/`), Arch
        /// `.files` databases, or a FreeBSD repository's ABI directory (with `packagesite.pkg`).
        dir: PathBuf,
        /// The release an rpm-md repository, Arch databases or a FreeBSD catalogue are
        /// (`fedora-43`, `arch`, `freebsd-14`); needed for, and only for, those.
        #[arg(long)]
        release: Option<String>,
        /// Where the repository was downloaded from (a path such as
        /// `releases/43/Everything/x86_64/os`), recorded before each file's path.
        #[arg(long)]
        origin: Option<String>,
        /// A FreeBSD repository's RSA public key (PEM, the file a pkg client's `pubkey` names):
        /// the catalogue's `signature` member must verify with it, as `pkg update` checks a
        /// `signature_type: "pubkey"` repository. Without it the signature is not checked.
        #[arg(long, value_name = "PEM", conflicts_with = "fingerprints")]
        pubkey: Option<PathBuf>,
        /// A pkg client's fingerprints directory (FreeBSD's is `/usr/share/keys/pkg`): a
        /// FreeBSD catalogue's `.sig`/`.pub` signers are checked as `pkg update` checks a
        /// `signature_type: "fingerprints"` repository (the kind FreeBSD's own are): no
        /// certificate revoked in `DIR/revoked`, one trusted in `DIR/trusted` whose signature
        /// verifies. Without it (or --pubkey) the signature is not checked.
        #[arg(long, value_name = "DIR")]
        fingerprints: Option<PathBuf>,
        /// OpenPGP public keys (armored or binary, one or several): an rpm-md repository's
        /// `repodata/repomd.xml.asc`, or each Arch `.files` database's `.sig`, must verify with
        /// one of them. Without it the signatures are not checked.
        #[arg(long, value_name = "KEYS")]
        keyring: Option<PathBuf>,
        /// Where the indexes go [default: the index directory: $SYSPACK_INDEX_DIR, else
        /// $XDG_CACHE_HOME/syspack/index, else ~/.cache/syspack/index], where `syspack package`
        /// and `syspack matrix` look first.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print what the index a release's facts come from holds (the user's index directory's
    /// `<release>.idx.xz`, else the one built into syspack) and where it comes from.
    Show {
        /// The release (`debian-12`).
        release: String,
        /// Read `<release>.idx.xz` from this directory (where `kb import --out` wrote it) rather
        /// than the shipped index.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Fail when a fact marked verified has neither a derivation nor a primary source with an
    /// as-of date.
    Check,
}

/// Runs `syspack kb`.
pub fn run(args: Args) -> Result<i32> {
    match args.command {
        KbCommand::Update {
            releases,
            mirror,
            keyring,
            out,
        } => update(releases, mirror, keyring, &out),
        KbCommand::Import {
            dir,
            release,
            origin,
            pubkey,
            fingerprints,
            keyring,
            out,
        } => {
            let out = match out.or_else(index::default_dir) {
                Some(o) => o,
                None => bail!(
                    "no index directory: HOME is not set; give --out DIR or set SYSPACK_INDEX_DIR"
                ),
            };
            let freebsd = syspack_distro::kb::packagesite::is_catalogue_dir(&dir);
            let rpm_md = dir.join("repodata/repomd.xml").is_file();
            let arch = has_files_db(&dir);
            let trust = match (pubkey, fingerprints) {
                (Some(p), _) => CatalogueTrust::Pubkey(p),
                (None, Some(d)) => CatalogueTrust::Fingerprints(d),
                (None, None) => CatalogueTrust::None,
            };
            if !matches!(trust, CatalogueTrust::None) && (rpm_md || arch || !freebsd) {
                bail!("--pubkey and --fingerprints check a FreeBSD catalogue (packagesite.pkg, data.pkg); for rpm-md and Arch signatures pass --keyring");
            }
            if keyring.is_some() && !(rpm_md || arch) {
                bail!("--keyring checks rpm-md (repomd.xml.asc) and Arch (.files.sig) signatures; for a FreeBSD catalogue pass --pubkey or --fingerprints");
            }
            if rpm_md {
                import_rpm_md(&dir, release, origin, keyring.as_deref(), &out)
            } else if arch {
                import_arch(&dir, release, origin, keyring.as_deref(), &out)
            } else if freebsd {
                import_freebsd(&dir, release, origin, &trust, &out)
            } else if let Some(r) = release {
                bail!(
                    "`{}` has no repodata/repomd.xml, no `.files` database and no FreeBSD catalogue (packagesite.pkg, data.pkg): --release {r} is for those; `<release>.idx` files name their release themselves",
                    dir.display()
                )
            } else {
                import(&dir, &out)
            }
        }
        KbCommand::Show { release, from } => show(&release, from.as_deref()),
        KbCommand::Check => check(),
    }
}

/// Where a suite's `Contents-amd64.gz` files are, relative to `dists/<codename>/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ContentsLayout {
    /// `<component>/Contents-amd64.gz`, one per component (Debian).
    PerComponent,
    /// `Contents-amd64.gz` beside `InRelease`, one file for every component (Ubuntu).
    Suite,
}

impl ContentsLayout {
    /// The Contents files of a suite with components `areas`.
    fn paths(self, areas: &[&str]) -> Vec<String> {
        match self {
            ContentsLayout::PerComponent => areas
                .iter()
                .map(|a| format!("{a}/Contents-amd64.gz"))
                .collect(),
            ContentsLayout::Suite => vec!["Contents-amd64.gz".to_string()],
        }
    }
}

/// An archive `update` reads: what differs between Debian's and Ubuntu's.
#[derive(Debug)]
struct Archive {
    /// `Debian`, `Ubuntu`.
    name: &'static str,
    /// The variable naming its mirror base.
    mirror_env: &'static str,
    /// Whether, without `--mirror` or the variable, the first `deb` source of this machine's
    /// apt configuration is its mirror.
    apt_sources: bool,
    /// The default `--keyring`.
    keyring: &'static str,
    /// How to install that keyring.
    keyring_install: &'static str,
    /// Where its Contents files are.
    contents: ContentsLayout,
}

const DEBIAN_ARCHIVE: Archive = Archive {
    name: "Debian",
    mirror_env: "SYSPACK_DEBIAN_MIRROR",
    apt_sources: true,
    keyring: "/usr/share/keyrings/debian-archive-keyring.gpg",
    keyring_install: "install it with `apt-get install -y debian-archive-keyring`",
    contents: ContentsLayout::PerComponent,
};

const UBUNTU_ARCHIVE: Archive = Archive {
    name: "Ubuntu",
    mirror_env: "SYSPACK_UBUNTU_MIRROR",
    apt_sources: false,
    keyring: "/usr/share/keyrings/ubuntu-archive-keyring.gpg",
    keyring_install: "it is in the package `ubuntu-keyring` (Debian 13 trixie and later, not in \
                      Debian 12 bookworm; `ubuntu-archive-keyring` depends on it; on Ubuntu \
                      itself `ubuntu-keyring` too): install it with \
                      `apt-get install -y ubuntu-keyring`",
    contents: ContentsLayout::Suite,
};

/// A release `update` knows how to fetch.
#[derive(Debug)]
struct Updatable {
    /// The knowledge-base id (`ubuntu-24.04`).
    id: &'static str,
    /// The suite read (`noble`: the release pocket, not `-updates` or `-security`).
    codename: &'static str,
    archive: &'static Archive,
}

/// The releases `update` can fetch; the Debian ones are the default.
const UPDATABLE: &[Updatable] = &[
    Updatable {
        id: "debian-11",
        codename: "bullseye",
        archive: &DEBIAN_ARCHIVE,
    },
    Updatable {
        id: "debian-12",
        codename: "bookworm",
        archive: &DEBIAN_ARCHIVE,
    },
    Updatable {
        id: "debian-13",
        codename: "trixie",
        archive: &DEBIAN_ARCHIVE,
    },
    Updatable {
        id: "ubuntu-22.04",
        codename: "jammy",
        archive: &UBUNTU_ARCHIVE,
    },
    Updatable {
        id: "ubuntu-24.04",
        codename: "noble",
        archive: &UBUNTU_ARCHIVE,
    },
];

/// The row of `id`, or an error listing the releases `update` knows.
fn updatable(id: &str) -> Result<&'static Updatable> {
    UPDATABLE.iter().find(|u| u.id == id).ok_or_else(|| {
        anyhow!(
            "`syspack kb update` fetches {}; for `{id}`, download its index files and use `syspack kb import DIR`",
            UPDATABLE.iter().map(|u| u.id).collect::<Vec<_>>().join(", ")
        )
    })
}

/// The releases `update` fetches: those named, else the Debian ones.
fn releases_to_update(named: &[String]) -> Result<Vec<&'static Updatable>> {
    if named.is_empty() {
        return Ok(UPDATABLE
            .iter()
            .filter(|u| u.archive.name == DEBIAN_ARCHIVE.name)
            .collect());
    }
    named.iter().map(|id| updatable(id)).collect()
}

/// Sonames whose packages' `shlibs`/`symbols` are read: the C and compiler runtimes and the
/// libraries syspack's users link most (the tracked libraries are added from the data).
const COMMON: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libgcc_s.so.1",
    "libstdc++.so.6",
    "libpcre2-8.so.0",
    "libcurl.so.4",
    "libcrypto.so.3",
    "libcrypto.so.1.1",
    "libssl.so.1.1",
    "libssl.so.3",
];

/// The mirror base of `archive`: the option, else `env` (the value of the archive's variable),
/// else, for Debian, the first `deb` URI of this machine's apt sources.
fn mirror_base(archive: &Archive, opt: Option<String>, env: Option<String>) -> Result<String> {
    if let Some(m) = opt.or(env).filter(|m| !m.trim().is_empty()) {
        return Ok(m.trim().trim_end_matches('/').to_string());
    }
    if archive.apt_sources {
        return apt_mirror();
    }
    bail!(
        "no {name} mirror: set {env}=<base URL of an {name} archive, the directory holding `dists/`> or pass --mirror",
        name = archive.name,
        env = archive.mirror_env
    )
}

/// The first `deb` URI of the apt sources that is not a security archive.
fn apt_mirror() -> Result<String> {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(rd) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        more.sort();
        files.extend(more);
    }
    for f in files {
        let name = f.to_string_lossy().to_string();
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let uris: Vec<String> = if name.ends_with(".sources") {
            // deb822: stanzas with Types: and URIs:.
            text.split("\n\n")
                .filter(|st| {
                    st.lines().any(|l| {
                        l.strip_prefix("Types:")
                            .is_some_and(|t| t.split_whitespace().any(|t| t == "deb"))
                    })
                })
                .flat_map(|st| {
                    st.lines()
                        .filter_map(|l| l.strip_prefix("URIs:"))
                        .flat_map(|u| u.split_whitespace().map(String::from))
                        .collect::<Vec<_>>()
                })
                .collect()
        } else if name.ends_with(".list") {
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("deb "))
                .filter_map(|l| {
                    l.split_whitespace()
                        .find(|w| w.contains("://"))
                        .map(String::from)
                })
                .collect()
        } else {
            continue;
        };
        if let Some(u) = uris
            .into_iter()
            .find(|u| u.starts_with("http") && !u.contains("security"))
        {
            return Ok(u.trim_end_matches('/').to_string());
        }
    }
    bail!("no Debian mirror: set SYSPACK_DEBIAN_MIRROR=<base URL of a Debian archive> or pass --mirror (no `deb` source found in /etc/apt/sources.list*)")
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(20))
        .timeout(Duration::from_secs(900))
        .build()
}

fn get(agent: &ureq::Agent, url: &str) -> Result<Box<dyn Read + Send + Sync>> {
    let resp = agent
        .get(url)
        .call()
        .map_err(|e| anyhow!("download of `{url}` failed: {e}"))?;
    Ok(resp.into_reader())
}

/// Fetches `InRelease` and returns its signed text, verified by gpgv.
fn verified_release(
    agent: &ureq::Agent,
    base: &str,
    codename: &str,
    keyring: &Path,
) -> Result<(String, String)> {
    let url = format!("{base}/dists/{codename}/InRelease");
    let mut body = Vec::new();
    get(agent, &url)?
        .take(64 << 20)
        .read_to_end(&mut body)
        .with_context(|| format!("download of `{url}` was interrupted"))?;
    let tmp = tempfile::tempdir()?;
    let signed = tmp.path().join("InRelease");
    std::fs::write(&signed, &body)?;
    let text_path = tmp.path().join("Release");
    let out = std::process::Command::new("gpgv")
        .arg("--keyring")
        .arg(keyring)
        .arg("--output")
        .arg(&text_path)
        .arg(&signed)
        .output()
        .map_err(|e| {
            anyhow!("`gpgv` cannot run ({e}); install it with `apt-get install -y gpgv`")
        })?;
    if !out.status.success() {
        bail!(
            "the signature of `{url}` does not verify against `{}`:\n{}",
            keyring.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(&text_path)?;
    let keyname = keyring
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().to_string());
    Ok((
        text,
        format!(
            "dists/{codename}/InRelease sha256 {} verified by gpgv with {keyname}",
            index::sha256_hex(&body)
        ),
    ))
}

/// Streams an index file listed in Release: decompresses and parses it while hashing the bytes,
/// then checks sha256 and size. Where the Release says `Acquire-By-Hash: yes` the file is fetched
/// by its hash (`<dir>/by-hash/SHA256/<sha256>`), as apt does: the plain name is rewritten in
/// place when the archive updates, so a mirror caught between two updates serves a plain file
/// that no longer matches the Release, while the by-hash file is the one the Release names.
fn fetch_verified<T>(
    agent: &ureq::Agent,
    base: &str,
    codename: &str,
    release: &ReleaseFile,
    rel_path: &str,
    parse: impl FnOnce(&mut dyn Read) -> syspack_distro::Result<T>,
) -> Result<(T, IndexFile)> {
    let path = format!("dists/{codename}/{rel_path}");
    let (sum, size) = release.expect(&format!("dists/{codename}/InRelease"), rel_path)?;
    let plain = format!("{base}/{path}");
    let by_hash = release.acquire_by_hash.then(|| {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{base}/{dir}/by-hash/SHA256/{sum}")
    });
    // A mirror without the by-hash file (404) gets the plain name, as apt falls back.
    let (url, body) = match by_hash.map(|u| (get(agent, &u), u)) {
        Some((Ok(body), u)) => (u, body),
        _ => (plain.clone(), get(agent, &plain)?),
    };
    let mut hashing = Hashing::new(body, *size);
    let value = {
        let head_c = if rel_path.ends_with(".xz") {
            syspack_distro::Compression::Xz {
                level: 6,
                threads: 1,
            }
        } else {
            syspack_distro::Compression::Gzip { level: 9 }
        };
        let mut dec = syspack_distro::compress::decoder(&mut hashing, head_c)?;
        parse(&mut dec).with_context(|| format!("reading `{url}`"))?
    };
    let (got, got_size) = hashing.finish()?;
    if &got != sum || got_size != *size {
        bail!("`{url}`: sha256 {got} ({got_size} bytes), but the verified Release lists {sum} ({size} bytes); the mirror is inconsistent, try again later");
    }
    Ok((
        value,
        IndexFile {
            path,
            sha256: got,
            size: got_size,
        },
    ))
}

/// The keyring of an update: `--keyring`, else the archive's; an error naming the package
/// that installs it when it is missing.
fn keyring_for(archive: &Archive, opt: Option<&Path>) -> Result<PathBuf> {
    let keyring = opt.map_or_else(|| PathBuf::from(archive.keyring), Path::to_path_buf);
    if !keyring.is_file() {
        bail!(
            "keyring `{}` (the {} archive's signing keys) not found: {}; or give --keyring",
            keyring.display(),
            archive.name,
            archive.keyring_install
        );
    }
    Ok(keyring)
}

fn update(
    releases: Vec<String>,
    mirror: Option<String>,
    keyring: Option<PathBuf>,
    out: &Path,
) -> Result<i32> {
    let todo = releases_to_update(&releases)?;
    // One --mirror, one --keyring: one archive.
    if mirror.is_some() || keyring.is_some() {
        if let Some(other) = todo.iter().find(|u| u.archive.name != todo[0].archive.name) {
            bail!(
                "--mirror and --keyring name one archive, but `{}` is {}'s and `{}` {}'s: update them in separate runs (or set {} and {})",
                todo[0].id,
                todo[0].archive.name,
                other.id,
                other.archive.name,
                todo[0].archive.mirror_env,
                other.archive.mirror_env
            );
        }
    }
    // Every mirror and keyring is found before anything is fetched.
    let mut plan = Vec::new();
    for u in todo {
        let base = mirror_base(
            u.archive,
            mirror.clone(),
            std::env::var(u.archive.mirror_env).ok(),
        )?;
        plan.push((u, base, keyring_for(u.archive, keyring.as_deref())?));
    }
    let kb = KnowledgeBase::builtin();
    let agent = agent();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;
    let mut stdout = std::io::stdout().lock();
    for (u, base, keyring) in plan {
        let (id, codename, base) = (u.id, u.codename, base.as_str());
        let started = std::time::Instant::now();
        let (text, signature) = verified_release(&agent, base, codename, &keyring)?;
        let rf = ReleaseFile::parse(&format!("dists/{codename}/InRelease"), &text)?;
        // Every component (Debian's main, contrib, non-free-firmware, non-free; Ubuntu's main,
        // restricted, universe, multiverse): a library outside main is still shipped by the
        // release, so only all of them can say one is not.
        let mut packages = BTreeMap::new();
        // The area of each package outside main (main is read first, so a package in several
        // areas counts as main's).
        let mut area_of: BTreeMap<String, String> = BTreeMap::new();
        let mut sonames: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut files = Vec::new();
        let areas = rf.areas();
        for area in &areas {
            let (area_packages, pfile) = fetch_verified(
                &agent,
                base,
                codename,
                &rf,
                &format!("{area}/binary-amd64/Packages.xz"),
                |r| index::parse_packages("Packages.xz", r),
            )?;
            for (name, entry) in area_packages {
                packages.entry(name.clone()).or_insert_with(|| {
                    if *area != "main" {
                        area_of.insert(name, area.to_string());
                    }
                    entry
                });
            }
            files.push(pfile);
        }
        for path in u.archive.contents.paths(&areas) {
            let (file_sonames, cfile) = fetch_verified(&agent, base, codename, &rf, &path, |r| {
                index::parse_contents("Contents-amd64.gz", r)
            })?;
            for (so, pkgs) in file_sonames {
                let all = sonames.entry(so).or_default();
                for p in pkgs {
                    if !all.contains(&p) {
                        all.push(p);
                    }
                }
            }
            files.push(cfile);
        }
        let mut ix = ReleaseIndex {
            release: id.to_string(),
            suite: rf.suite.clone(),
            codename: rf.codename.clone(),
            date: rf.date.clone(),
            command: format!("syspack kb update {id}"),
            signature,
            files,
            ..ReleaseIndex::default()
        };
        // Only packages of the release's own Packages files (Contents may name others).
        ix.sonames = sonames
            .into_iter()
            .filter_map(|(so, pkgs)| {
                let pkgs: Vec<String> = pkgs
                    .into_iter()
                    .filter(|p| packages.contains_key(p))
                    .collect();
                (!pkgs.is_empty()).then_some((so, pkgs))
            })
            .collect();
        // The C library, package manager and apt, every library's package, and the packages the
        // knowledge base names (the tracked libraries' runtime and dev packages).
        let named = kb_packages(id, syspack_distro::Format::Deb, "libc6")?;
        for p in ["libc6", "dpkg", "apt"]
            .into_iter()
            .map(String::from)
            .chain(named)
            .chain(ix.sonames.values().flatten().cloned())
        {
            if let Some(e) = packages.get(&p) {
                if let Some(area) = area_of.get(&p) {
                    ix.areas.insert(p.clone(), area.clone());
                }
                ix.packages.insert(p, e.version.clone());
            }
        }
        // shlibs/symbols of the common runtime libraries.
        let mut wanted: Vec<String> = COMMON.iter().map(|s| s.to_string()).collect();
        if let Ok(r) = kb.release(id) {
            wanted.extend(
                r.libraries
                    .values()
                    .filter_map(|l| l.soname.known())
                    .map(|s| s.to_string()),
            );
        }
        let mut debs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for so in &wanted {
            if let Some(p) = ix.provider(so) {
                debs.entry(p.to_string()).or_default().push(so.clone());
            }
        }
        for (pkg, sos) in debs {
            let e = &packages[&pkg];
            let url = format!("{base}/{}", e.filename);
            let mut bytes = Vec::new();
            get(&agent, &url)?
                .take(256 << 20)
                .read_to_end(&mut bytes)
                .with_context(|| format!("download of `{url}` was interrupted"))?;
            let got = index::sha256_hex(&bytes);
            if got != e.sha256 {
                bail!(
                    "`{url}`: sha256 {got}, but the verified Packages lists {}",
                    e.sha256
                );
            }
            let (shlibs, symbols) = index::deb_control_files(&e.filename, &bytes)?;
            let shlibs = shlibs.map(|t| index::parse_shlibs(&t)).unwrap_or_default();
            let symbols = symbols
                .map(|t| index::parse_symbols(&t))
                .unwrap_or_default();
            // Every library the control files describe (libc6's covers libm, libpthread, the
            // dynamic loader…), not only the sonames asked for.
            for (so, depends) in shlibs {
                ix.shlibs.insert(
                    so,
                    Shlibs {
                        depends,
                        deb: e.filename.clone(),
                        sha256: got.clone(),
                    },
                );
            }
            for (so, mut o) in symbols {
                o.deb = e.filename.clone();
                o.sha256 = got.clone();
                ix.symbols.insert(so, o);
            }
            let missing: Vec<&String> = sos
                .iter()
                .filter(|so| !ix.shlibs.contains_key(*so) && !ix.symbols.contains_key(*so))
                .collect();
            if !missing.is_empty() {
                eprintln!(
                    "{id}: {pkg} has neither shlibs nor symbols for {missing:?}: no minimum version for them"
                );
            }
        }
        // What dpkg-shlibdeps computes from needs only the symbols above each library's
        // smallest version: the rest is left out of the shipped index.
        index::SymbolsObject::reduce(&mut ix.symbols);
        let (dest, xz_len, text_len) = write_index(&ix, out)?;
        writeln!(
            stdout,
            "{id}: {} ({}, {}): {} packages, {} library files, {} shlibs, {} symbols files ({} symbols kept); {} bytes ({} uncompressed) in {}; {:.1}s",
            rf.codename,
            rf.suite,
            rf.date,
            ix.packages.len(),
            ix.sonames.len(),
            ix.shlibs.len(),
            ix.symbols.len(),
            ix.symbols.values().map(|o| o.symbols.len()).sum::<usize>(),
            xz_len,
            text_len,
            dest.display(),
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(exit::OK)
}

fn import(dir: &Path, out: &Path) -> Result<i32> {
    // Every file is checked before any is written: a bad one leaves --out as it was.
    let mut checked = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read `{}`", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let text = if name.ends_with(".idx") {
            let mut t = String::new();
            std::fs::File::open(&p)?
                .take(64 << 20)
                .read_to_string(&mut t)
                .with_context(|| format!("cannot read `{}`", p.display()))?;
            t
        } else if name.ends_with(".idx.xz") {
            let mut t = String::new();
            syspack_lzma_sys::safe::XzDecoder::new(std::fs::File::open(&p)?)
                .take(64 << 20)
                .read_to_string(&mut t)
                .with_context(|| format!("cannot decompress `{}`", p.display()))?;
            t
        } else {
            continue;
        };
        let ix = ReleaseIndex::parse(&p.to_string_lossy(), &text)?;
        if !release_id_ok(&ix.release) {
            bail!(
                "`{}`: the index's release `{}` is not a release id (lower-case letters, digits, `.`, `-`, `_`): refused",
                p.display(),
                ix.release.escape_debug()
            );
        }
        checked.push(ix);
    }
    let n = checked.len();
    for ix in &checked {
        write_index(ix, out)?;
    }
    if n == 0 {
        bail!(
            "no `<release>.idx` or `<release>.idx.xz` file in `{}`",
            dir.display()
        );
    }
    println!("imported {n} index(es) into {}", out.display());
    Ok(exit::OK)
}

/// A release id that can name a file: lower-case letters, digits, `.`, `-`, `_`.
fn release_id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Writes an index as `<out>/<release>.idx.xz` (xz level 9, one thread: the same index gives
/// the same bytes), through a temporary file so that a failed write leaves no partial index.
fn write_index(ix: &ReleaseIndex, out: &Path) -> Result<(PathBuf, usize, usize)> {
    // The release names the file: an index from elsewhere must not name a path.
    if !release_id_ok(&ix.release) {
        bail!(
            "the index's release `{}` is not a release id (lower-case letters, digits, `.`, `-`, `_`): refused",
            ix.release.escape_debug()
        );
    }
    let text = ix.to_text();
    let mut enc = syspack_lzma_sys::safe::XzEncoder::new(Vec::new(), 9)?;
    enc.write_all(text.as_bytes())?;
    let xz = enc.finish()?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;
    let dest = out.join(format!("{}.idx.xz", ix.release));
    let tmp = out.join(format!(".{}.idx.xz.tmp", ix.release));
    std::fs::write(&tmp, &xz).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, &dest).with_context(|| format!("cannot write `{}`", dest.display()))?;
    Ok((dest, xz.len(), text.len()))
}

/// The `--release` an import of native index files in `dir` (which `what`) is for, checked;
/// `example` is a release id of that family for the messages.
fn named_release(release: Option<String>, dir: &Path, what: &str, example: &str) -> Result<String> {
    let Some(release) = release else {
        bail!(
            "`{}` {what}: name its release with --release (for example `--release {example}`)",
            dir.display()
        );
    };
    if !release_id_ok(&release) {
        bail!(
            "--release `{release}` is not a release id (lower-case letters, digits, `.`, `-`, `_`; \
             for example `{example}`)"
        );
    }
    Ok(release)
}

fn import_rpm_md(
    dir: &Path,
    release: Option<String>,
    origin: Option<String>,
    keyring: Option<&Path>,
    out: &Path,
) -> Result<i32> {
    let release = named_release(release, dir, "is an rpm-md repository", "fedora-43")?;
    check_origin(origin.as_deref())?;
    let packages = kb_packages(&release, syspack_distro::Format::Rpm, "glibc")?;
    let started = std::time::Instant::now();
    let opts = syspack_distro::kb::rpmmd::Import {
        release: release.clone(),
        command: format!("syspack kb import --release {release} DIR"),
        origin,
        packages,
    };
    // The signature is checked first: the import reads repomd.xml again, and the sha256 it
    // records must be the one of the bytes whose signature was checked.
    let signed = match keyring {
        Some(k) => {
            let keys = read_keyring(k)?;
            let repomd = dir.join("repodata/repomd.xml");
            let asc = dir.join("repodata/repomd.xml.asc");
            let (fpr, sha) = verify_detached(&keys, &repomd, &asc)?;
            Some((sha, fpr, k))
        }
        None => None,
    };
    let mut ix = syspack_distro::kb::rpmmd::import(dir, &opts)
        .with_context(|| format!("importing the rpm-md repository `{}`", dir.display()))?;
    if let Some((sha, fpr, k)) = signed {
        let recorded = ix.files.iter().find(|f| f.path.ends_with("repomd.xml"));
        if recorded.map(|f| &f.sha256) != Some(&sha) {
            bail!(
                "`{}` changed while it was imported: run the import again",
                dir.join("repodata/repomd.xml").display()
            );
        }
        ix.signature = format!(
            "repodata/repomd.xml sha256 {sha}: repomd.xml.asc good signature by key {fpr} ({})",
            key_name(k)
        );
    }
    let source = format!("rpm-md revision {}", ix.codename);
    write_imported(&ix, &source, out, started)
}

/// Writes an index imported from native index files into `out` and prints what it holds.
fn write_imported(
    ix: &ReleaseIndex,
    source: &str,
    out: &Path,
    started: std::time::Instant,
) -> Result<i32> {
    let (dest, xz, text) = write_index(ix, out)?;
    println!(
        "{}: {source} ({}): {} packages, {} library files; {xz} bytes ({text} uncompressed) in {}; {:.1}s",
        ix.release,
        ix.date,
        ix.packages.len(),
        ix.sonames.len(),
        dest.display(),
        started.elapsed().as_secs_f64()
    );
    println!("{}: signature: {}", ix.release, ix.signature);
    if let Some(why) = ix.partial() {
        println!(
            "{}: partial: {why}; a soname in none of the imported files is unknown, not missing",
            ix.release
        );
    }
    Ok(exit::OK)
}

fn check_origin(origin: Option<&str>) -> Result<()> {
    if let Some(o) = origin {
        if o.is_empty() || o.len() > 512 || o.chars().any(|c| c.is_whitespace() || c.is_control()) {
            bail!("--origin must be a path without whitespace (for example `releases/43/Everything/x86_64/os`)");
        }
    }
    Ok(())
}

fn has_files_db(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(|e| e.ok())
            .any(|e| syspack_distro::kb::archdb::is_files_db(&e.file_name().to_string_lossy()))
    })
}

/// The packages the knowledge base names for `release` (its C library's, package manager's
/// and tracked libraries' packages), after checking that it is a release of `format` when the
/// knowledge base knows it.
fn kb_packages(release: &str, format: syspack_distro::Format, libc: &str) -> Result<Vec<String>> {
    let mut packages = vec![libc.to_string()];
    if let Ok(r) = KnowledgeBase::builtin().release(release) {
        if let Some(f) = r.format.filter(|f| *f != format) {
            bail!(
                "`{release}` is a `{}` release in the knowledge base, not a `{}` one: these index files cannot be its index",
                f.name(),
                format.name()
            );
        }
        packages.push(r.package_manager.name.clone());
        for l in r.libraries.values() {
            for p in [l.runtime.known(), l.dev.known()].into_iter().flatten() {
                packages.push(p.to_string());
            }
        }
        for e in r.sonames.values() {
            packages.extend(e.package.as_ref().map(|p| p.to_string()));
        }
    }
    Ok(packages)
}

fn import_arch(
    dir: &Path,
    release: Option<String>,
    origin: Option<String>,
    keyring: Option<&Path>,
    out: &Path,
) -> Result<i32> {
    let release = named_release(release, dir, "holds Arch `.files` databases", "arch")?;
    let packages = kb_packages(&release, syspack_distro::Format::Arch, "glibc")?;
    let started = std::time::Instant::now();
    let command = format!("syspack kb import --release {release} DIR");
    check_origin(origin.as_deref())?;
    let keys = keyring.map(read_keyring).transpose()?;
    let mut ix =
        syspack_distro::kb::archdb::import(dir, &release, &command, origin.as_deref(), &packages)
            .with_context(|| format!("importing the Arch databases in `{}`", dir.display()))?;
    if let (Some(keys), Some(k)) = (keys, keyring) {
        // Each database read is checked against its detached `.sig` (repo-add --sign writes
        // `<db>.files.tar.gz.sig` and links `<db>.files.sig` to it), and must be the bytes the
        // import hashed.
        let mut good = Vec::new();
        for f in &ix.files {
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            let db = dir.join(name);
            let (fpr, sha) = verify_detached(&keys, &db, &dir.join(format!("{name}.sig")))?;
            if sha != f.sha256 {
                bail!(
                    "`{}` changed while it was imported: run the import again",
                    db.display()
                );
            }
            good.push(format!("{name}.sig good signature by key {fpr}"));
        }
        ix.signature = format!("{} ({})", good.join("; "), key_name(k));
    }
    write_imported(&ix, &ix.codename, out, started)
}

fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .with_context(|| format!("cannot open `{}`", path.display()))?
        .take(max + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    if bytes.len() as u64 > max {
        bail!("`{}` is larger than {max} bytes: refused", path.display());
    }
    Ok(bytes)
}

fn read_keyring(path: &Path) -> Result<syspack_repo::sign::Keyring> {
    let bytes = read_bounded(path, 64 << 20)?;
    Ok(syspack_repo::sign::Keyring::from_bytes(
        &bytes,
        &format!("`{}`", path.display()),
    )?)
}

/// The key file's name as the index records it (not the local directory it was read from).
fn key_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Checks `sig` (a detached OpenPGP signature) of `file`, reading the file once as a stream;
/// returns the signer's fingerprint and the sha256 of the bytes whose signature was checked.
/// Nothing is imported when the signature is missing or does not verify.
fn verify_detached(
    keys: &syspack_repo::sign::Keyring,
    file: &Path,
    sig: &Path,
) -> Result<(String, String)> {
    if !sig.is_file() {
        bail!(
            "`{}` not found: the signature of `{}` is needed with --keyring (download it too, or import without --keyring to leave the signature unchecked); nothing imported",
            sig.display(),
            file.display()
        );
    }
    // A detached signature is a few hundred bytes; a keyring's worth of them is still small.
    let signature = read_bounded(sig, 1 << 20)?;
    let data =
        std::fs::File::open(file).with_context(|| format!("cannot open `{}`", file.display()))?;
    let mut hashing = Hashing::new(std::io::BufReader::new(data), index::MAX_DECOMPRESSED);
    let fpr = keys
        .verify_detached_reader(&mut hashing, &signature, file)
        .with_context(|| format!("checking `{}`; nothing imported", sig.display()))?;
    let (sha, _) = hashing
        .finish()
        .with_context(|| format!("cannot read `{}`", file.display()))?;
    Ok((fpr, sha))
}

/// How a FreeBSD catalogue's signature is checked: as pkg checks a `signature_type: "pubkey"`
/// repository (one RSA key), a `"fingerprints"` one (trusted certificates), or not at all.
enum CatalogueTrust {
    None,
    Pubkey(PathBuf),
    Fingerprints(PathBuf),
}

fn import_freebsd(
    dir: &Path,
    release: Option<String>,
    origin: Option<String>,
    trust: &CatalogueTrust,
    out: &Path,
) -> Result<i32> {
    use syspack_distro::kb::packagesite;
    let release = named_release(
        release,
        dir,
        "holds a FreeBSD catalogue (packagesite.pkg, data.pkg)",
        "freebsd-14",
    )?;
    check_origin(origin.as_deref())?;
    let packages = kb_packages(&release, syspack_distro::Format::FreeBsd, "pkg")?;
    // The keys are read before the catalogue: a bad one is an error whatever the catalogue.
    let pem = match trust {
        CatalogueTrust::Pubkey(p) => Some(
            String::from_utf8(read_bounded(p, 1 << 20)?)
                .with_context(|| format!("`{}` is not a PEM file", p.display()))?,
        ),
        _ => None,
    };
    let fingerprints = match trust {
        CatalogueTrust::Fingerprints(d) => Some(
            syspack_repo::freebsd::Fingerprints::load(d)
                .with_context(|| format!("reading the fingerprints in `{}`", d.display()))?,
        ),
        _ => None,
    };
    // The base system's libraries, which no package ships: the sonames the knowledge base knows
    // without a package.
    let (mut base, mut major) = (Vec::new(), None);
    if let Ok(r) = KnowledgeBase::builtin().release(&release) {
        major = r.freebsd_major;
        let known = r.sonames.keys().map(|s| s.as_str().to_string()).chain(
            r.libraries
                .values()
                .filter_map(|l| l.soname.known().map(|s| s.as_str().to_string())),
        );
        for so in known {
            if r.package_for_soname(&so)
                .is_some_and(|p| p.package.is_none())
            {
                base.push(so);
            }
        }
    }
    let started = std::time::Instant::now();
    let opts = packagesite::Import {
        release: release.clone(),
        major,
        command: format!("syspack kb import --release {release} DIR"),
        origin,
        packages,
        base,
    };
    let (mut ix, catalogue) = packagesite::import(dir, &opts)
        .with_context(|| format!("importing the FreeBSD catalogue in `{}`", dir.display()))?;
    let archive = &ix.files[0].path;
    let archive = archive.rsplit('/').next().unwrap_or(archive).to_string();
    if let (Some(fingerprints), CatalogueTrust::Fingerprints(d)) = (&fingerprints, trust) {
        if catalogue.signers.is_empty() && catalogue.signature.is_some() {
            bail!("`{}` has a `signature` member and no `.sig`/`.pub` signers: it is a `pubkey` repository; check it with --pubkey and the repository's public key; nothing imported", dir.join(&archive).display());
        }
        let (signer, fp, file) = syspack_repo::freebsd::verify_fingerprint_signatures(
            fingerprints,
            &catalogue.signers,
            &catalogue.digest,
            &dir.join(&archive),
        )
        .with_context(|| {
            format!(
                "checking the signature of `{}` with the fingerprints in `{}`; nothing imported",
                dir.join(&archive).display(),
                d.display()
            )
        })?;
        ix.signature = format!(
            "{archive}: {} sha256 {} signed by `{}` whose certificate (sha256 {fp}) {} trusts (pkg's `fingerprints` check): good",
            catalogue.member,
            catalogue.digest,
            syspack_distro::text::quote(&signer),
            key_name(&file)
        );
    }
    if let (Some(pem), CatalogueTrust::Pubkey(key)) = (pem, trust) {
        let Some(sig) = &catalogue.signature else {
            let why = if catalogue.signers.is_empty() {
                "the repository is unsigned"
            } else {
                "it is a `fingerprints` repository (`.sig`/`.pub` signers): check it with --fingerprints and a pkg client's fingerprints directory"
            };
            bail!(
                "`{}` has no `signature` member: {why}; nothing imported",
                dir.join(&archive).display()
            );
        };
        if catalogue.signature_kind != "rsa" {
            bail!(
                "`{}`: the signature is a `{}` signature, which syspack does not check (only `rsa`); nothing imported",
                dir.join(&archive).display(),
                syspack_distro::text::quote(&catalogue.signature_kind)
            );
        }
        syspack_repo::freebsd::verify_pubkey_signature(
            &pem,
            &catalogue.digest,
            sig,
            &dir.join(&archive),
        )
        .with_context(|| {
            format!(
                "checking the signature of `{}` with `{}`; nothing imported",
                dir.join(&archive).display(),
                key.display()
            )
        })?;
        ix.signature = format!(
            "{archive}: {} sha256 {} signed with the RSA key {} (pkg's `pubkey` check): good",
            catalogue.member,
            catalogue.digest,
            key_name(key)
        );
    }
    let source = format!("{} ({} base sonames)", catalogue.member, ix.base.len());
    write_imported(&ix, &source, out, started)
}

fn show(release: &str, from: Option<&Path>) -> Result<i32> {
    let mut origin = None;
    let ix = match from {
        Some(dir) => {
            let Some(path) = index::user_file(dir, release) else {
                bail!(
                    "`{}` holds no `{release}.idx.xz` or `{release}.idx`; write one with `syspack kb import --release {release} DIR --out {}`",
                    dir.display(),
                    dir.display()
                );
            };
            index::read_file(&path, release)?
        }
        None => {
            KnowledgeBase::builtin().release(release)?;
            let Some(found) = index::lookup(release)? else {
                bail!(
                    "no index for `{release}`: none in the index directory ({}) and none built in (built-in indexes exist for: {}); import one with `syspack kb import --release {release} DIR`",
                    index::dir().map_or_else(|| "none: HOME is not set".to_string(), |d| format!("`{}`", d.display())),
                    index::builtin_ids().collect::<Vec<_>>().join(", ")
                );
            };
            origin = Some(&found.origin);
            found.index.clone()
        }
    };
    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "release:   {} ({} {})",
        ix.release, ix.codename, ix.suite
    )?;
    if let Some(origin) = origin {
        writeln!(o, "index:     {origin}")?;
    }
    writeln!(o, "as of:     {}", ix.date)?;
    writeln!(o, "derived:   `{}`", ix.command)?;
    writeln!(o, "signature: {}", ix.signature)?;
    for f in &ix.files {
        writeln!(
            o,
            "file:      {} sha256 {} ({} bytes)",
            f.path, f.sha256, f.size
        )?;
    }
    if origin == Some(&index::Origin::Builtin) {
        writeln!(
            o,
            "size:      {} bytes compressed",
            index::builtin_size(release).unwrap_or(0)
        )?;
    }
    writeln!(o, "sonames:   {}", ix.contents_source())?;
    writeln!(o, "versions:  {}", ix.packages_source())?;
    let headline: &[&str] = if ix.suite == syspack_distro::kb::rpmmd::SUITE {
        &["glibc", "rpm"]
    } else if ix.suite == syspack_distro::kb::archdb::SUITE {
        &["glibc", "pacman"]
    } else if ix.suite == syspack_distro::kb::packagesite::SUITE {
        &["pkg"]
    } else {
        &["libc6", "dpkg", "apt"]
    };
    for p in headline {
        writeln!(o, "{p:<10} {}", ix.version(p).unwrap_or("?"))?;
    }
    writeln!(
        o,
        "{} library files, {} packages",
        ix.sonames.len(),
        ix.packages.len()
    )?;
    if !ix.base.is_empty() {
        let base: Vec<&str> = ix.base.iter().map(String::as_str).collect();
        writeln!(
            o,
            "base:      {} (the base system's; no package)",
            base.join(" ")
        )?;
    }
    if let Some(why) = ix.partial() {
        writeln!(
            o,
            "absent:    a soname no package (nor the base list) provides is unknown, not missing: {why}"
        )?;
    }
    for (so, sh) in &ix.shlibs {
        writeln!(o, "shlibs:    {so} -> {} ({})", sh.depends, sh.deb)?;
    }
    for (so, sy) in &ix.symbols {
        writeln!(
            o,
            "symbols:   {so} -> {} from {}, {} symbol(s) above it ({})",
            sy.templates.first().map_or("?", String::as_str),
            sy.smallest.as_deref().unwrap_or("(no version)"),
            sy.symbols.len(),
            sy.deb
        )?;
    }
    Ok(exit::OK)
}

fn check() -> Result<i32> {
    let problems = syspack_distro::kb::audit(KnowledgeBase::builtin());
    for ix in index::builtin_ids() {
        index::load_builtin(ix)?;
    }
    if problems.is_empty() {
        println!("every verified fact has a derivation or a primary source with an as-of date");
        return Ok(exit::OK);
    }
    let mut e = std::io::stderr().lock();
    for p in &problems {
        writeln!(e, "{p}")?;
    }
    writeln!(e, "{} fact(s) marked verified without a derivation or a primary source and as-of date; add `as_of = \"YYYY-MM-DD\"` with a primary source, derive them (`syspack kb update`), or mark them `confidence = \"unverified\"`", problems.len())?;
    Ok(exit::ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_are_per_component_for_debian_and_per_suite_for_ubuntu() {
        let areas = ["main", "contrib"];
        assert_eq!(
            DEBIAN_ARCHIVE.contents.paths(&areas),
            ["main/Contents-amd64.gz", "contrib/Contents-amd64.gz"]
        );
        // Ubuntu's one Contents file sits beside InRelease and covers every component.
        assert_eq!(
            UBUNTU_ARCHIVE.contents.paths(&["main", "universe"]),
            ["Contents-amd64.gz"]
        );
        let noble = updatable("ubuntu-24.04").unwrap();
        assert_eq!(noble.codename, "noble");
        assert_eq!(noble.archive.contents, ContentsLayout::Suite);
        assert_eq!(updatable("ubuntu-22.04").unwrap().codename, "jammy");
    }

    #[test]
    fn every_updatable_release_is_in_the_knowledge_base_as_a_deb_release() {
        let kb = KnowledgeBase::builtin();
        for u in UPDATABLE {
            let r = kb.release(u.id).unwrap();
            assert_eq!(r.format, Some(syspack_distro::Format::Deb), "{}", u.id);
        }
    }

    #[test]
    fn the_default_keyring_is_the_archive_family_s() {
        let dir = tempfile::tempdir().unwrap();
        assert!(DEBIAN_ARCHIVE
            .keyring
            .ends_with("/debian-archive-keyring.gpg"));
        assert!(UBUNTU_ARCHIVE
            .keyring
            .ends_with("/ubuntu-archive-keyring.gpg"));
        assert_eq!(
            updatable("debian-12").unwrap().archive.keyring,
            DEBIAN_ARCHIVE.keyring
        );
        assert_eq!(
            updatable("ubuntu-22.04").unwrap().archive.keyring,
            UBUNTU_ARCHIVE.keyring
        );
        // --keyring wins; a missing one names the package to install.
        let given = dir.path().join("keys.gpg");
        std::fs::write(&given, b"k").unwrap();
        assert_eq!(keyring_for(&UBUNTU_ARCHIVE, Some(&given)).unwrap(), given);
        let missing = dir.path().join("none.gpg");
        let err = keyring_for(&UBUNTU_ARCHIVE, Some(&missing))
            .unwrap_err()
            .to_string();
        for want in [
            "none.gpg",
            "Ubuntu",
            "`ubuntu-keyring`",
            "trixie",
            "--keyring",
        ] {
            assert!(err.contains(want), "{want}: {err}");
        }
        let err = keyring_for(&DEBIAN_ARCHIVE, Some(&missing))
            .unwrap_err()
            .to_string();
        assert!(err.contains("debian-archive-keyring"), "{err}");
    }

    #[test]
    fn the_ubuntu_mirror_comes_from_the_option_or_its_variable_and_nothing_else() {
        let m = |opt: Option<&str>, env: Option<&str>| {
            mirror_base(
                &UBUNTU_ARCHIVE,
                opt.map(String::from),
                env.map(String::from),
            )
        };
        assert_eq!(
            m(Some("http://a/ubuntu/"), Some("http://b/ubuntu")).unwrap(),
            "http://a/ubuntu"
        );
        assert_eq!(
            m(None, Some("http://b/ubuntu/")).unwrap(),
            "http://b/ubuntu"
        );
        // Never this machine's apt sources (a Debian machine's are Debian's).
        for env in [None, Some(""), Some("  ")] {
            let err = m(None, env).unwrap_err().to_string();
            for want in ["no Ubuntu mirror", "SYSPACK_UBUNTU_MIRROR=", "--mirror"] {
                assert!(err.contains(want), "{want}: {err}");
            }
        }
        assert_eq!(
            mirror_base(&DEBIAN_ARCHIVE, None, Some("http://d/debian".into())).unwrap(),
            "http://d/debian"
        );
        assert_eq!(
            updatable("ubuntu-24.04").unwrap().archive.mirror_env,
            "SYSPACK_UBUNTU_MIRROR"
        );
        assert_eq!(
            updatable("debian-11").unwrap().archive.mirror_env,
            "SYSPACK_DEBIAN_MIRROR"
        );
    }

    #[test]
    fn without_a_release_the_debian_ones_are_updated() {
        let ids: Vec<&str> = releases_to_update(&[])
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(ids, ["debian-11", "debian-12", "debian-13"]);
        let named = releases_to_update(&["ubuntu-24.04".into(), "debian-12".into()]).unwrap();
        assert_eq!(
            named.iter().map(|u| u.id).collect::<Vec<_>>(),
            ["ubuntu-24.04", "debian-12"]
        );
        let err = releases_to_update(&["fedora-43".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ubuntu-24.04") && err.contains("syspack kb import"),
            "{err}"
        );
    }

    #[test]
    fn one_mirror_cannot_serve_two_archives() {
        let err = update(
            vec!["debian-12".into(), "ubuntu-24.04".into()],
            Some("http://a/x".into()),
            None,
            Path::new("/nonexistent-syspack-out"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("separate runs") && err.contains("SYSPACK_UBUNTU_MIRROR"),
            "{err}"
        );
    }
}
