//! A safe API over libsolv for one question: *can this package be installed on that release?*
//!
//! A [`Pool`] holds a release's repositories, read from its index files
//! ([`Pool::load_index`]: Debian `Packages`, rpm-md `primary.xml`, Arch `.db`, plain or
//! gzip/xz/zstd-compressed, recognised by their first bytes), and the package under test, added
//! from its own metadata in the index's format ([`Pool::add_debian_control`],
//! [`Pool::add_rpm_primary`], [`Pool::add_arch_desc`]). [`Pool::solve_install`] runs libsolv's
//! solver on the job "install this" with nothing installed, and answers [`Answer::Installable`]
//! (with the number of packages the install pulls in) or [`Answer::NotInstallable`] with the
//! solver's problems in its own words:
//!
//! ```text
//! nothing provides libc6 >= 2.34 needed by syspack-0.1.0-1.amd64 (libc6 2.31-13+deb11u11 is available)
//! ```
//!
//! ```
//! use syspack_solv_sys::solve::{Answer, Dist, Pool};
//!
//! let mut pool = Pool::new(Dist::Debian, "amd64").unwrap();
//! pool.add_debian_index_text("archive", "Package: libc6\nVersion: 2.31-13\nArchitecture: amd64\n\n").unwrap();
//! let pkg = pool.add_debian_control("Package: hello\nVersion: 1.0-1\nArchitecture: amd64\nDepends: libc6 (>= 2.34)\n").unwrap();
//! match pool.solve_install(pkg) {
//!     Answer::NotInstallable { problems } => {
//!         assert!(problems[0].starts_with("nothing provides libc6 >= 2.34 needed by hello-1.0-1.amd64"), "{problems:?}");
//!         assert!(problems[0].ends_with("(libc6 2.31-13 is available)"), "{problems:?}");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```
//!
//! Only the first fields of libsolv's `Pool`, `Repo` and `Solvable` structs are read (the
//! solvable array, a repository's solvable range, a solvable's name, evr and arch), which have
//! not moved in libsolv 0.7, so the bindings generated from the pinned 0.7.32 headers serve the
//! system library of older releases too.

use std::ffi::{CStr, CString};
use std::fmt;
use std::io::Read;
use std::os::fd::IntoRawFd;
use std::os::raw::{c_char, c_int};
use std::path::{Path, PathBuf};

use crate::ffi;

extern "C" {
    // `solv_xfopen*` return a stdio stream; libsolv's headers do not declare its closing.
    fn fclose(stream: *mut ffi::FILE) -> c_int;
}

/// Errors of the safe API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An index file could not be opened or read.
    #[error("cannot read the index `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An index file is compressed in a format libsolv was not built to read.
    #[error(
        "the index `{path}` is {format}-compressed, which this libsolv cannot read: decompress \
         it first, or give its gzip, xz or zstd form"
    )]
    Compression {
        /// The file.
        path: PathBuf,
        /// The compression recognised (`bzip2`).
        format: &'static str,
    },
    /// libsolv refused the data.
    #[error("libsolv could not read {what}: {message}")]
    Parse {
        /// What was read (`the index /x/Packages.xz`, `the package under test`).
        what: String,
        /// libsolv's error text (`pool_errstr`).
        message: String,
    },
    /// The package under test yielded no package (an empty stanza, a `desc` without `%NAME%`).
    #[error("{0}: no package found in it")]
    NoPackage(String),
    /// A text handed to libsolv contains a NUL byte.
    #[error("{0} contains a NUL byte")]
    Nul(String),
    /// libsolv has no support for the distribution type or architecture.
    #[error("this libsolv cannot solve for {0}")]
    Unsupported(String),
}

/// The distribution semantics the pool solves with (version comparison, dependency syntax).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dist {
    /// Debian and derivatives: `Packages` indexes, `.deb` control stanzas.
    Debian,
    /// RPM distributions: rpm-md `primary.xml`.
    Rpm,
    /// Arch Linux: `.db` repository tarballs of `desc` files.
    Arch,
}

/// Which reader an index file needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    /// A Debian `Packages` file.
    DebianPackages,
    /// An rpm-md `primary.xml`.
    RpmPrimary,
    /// An Arch `.db` (a tarball of `<pkg>/desc` files).
    ArchDb,
}

/// A package added to the pool ([`Pool::add_debian_control`] etc.).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate(ffi::Id);

/// The solver's answer to "install this".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The job is solvable: it installs the package and `packages` in all (itself included).
    Installable {
        /// How many packages the install takes from the pool.
        packages: usize,
    },
    /// The job is not solvable; one line per problem rule, as libsolv words it.
    NotInstallable {
        /// The problems (deduplicated, in the solver's order).
        problems: Vec<String>,
    },
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Installable { packages } => {
                write!(f, "installable ({packages} packages)")
            }
            Answer::NotInstallable { problems } => {
                write!(f, "not installable: {}", problems.join("; "))
            }
        }
    }
}

/// A libsolv pool: the repositories of one release, the package under test, and the solver.
pub struct Pool {
    raw: *mut ffi::Pool,
    dist: Dist,
    /// Whether `pool_createwhatprovides` is up to date with the repositories.
    indexed: bool,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool").field("dist", &self.dist).finish()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // SAFETY: `raw` came from `pool_create` and is freed once.
        unsafe { ffi::pool_free(self.raw) }
    }
}

fn cstring(s: &str, what: &str) -> Result<CString, Error> {
    CString::new(s).map_err(|_| Error::Nul(what.to_string()))
}

/// A stdio stream libsolv reads, closed on drop.
struct Stream(*mut ffi::FILE);

impl Drop for Stream {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: a stream from `solv_xfopen*`, closed once.
            unsafe { fclose(self.0) };
        }
    }
}

impl Pool {
    /// An empty pool with `dist`'s semantics for the architecture `arch` (`amd64` for Debian,
    /// `x86_64` for RPM and Arch).
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] when this libsolv was built without `dist` (a system libsolv
    /// without multi-distribution support), [`Error::Nul`].
    pub fn new(dist: Dist, arch: &str) -> Result<Pool, Error> {
        let arch_c = cstring(arch, "the architecture")?;
        // SAFETY: pool_create returns a fresh pool (it aborts on allocation failure).
        let raw = unsafe { ffi::pool_create() };
        let pool = Pool {
            raw,
            dist,
            indexed: false,
        };
        let ty = match dist {
            Dist::Debian => ffi::DISTTYPE_DEB,
            Dist::Rpm => ffi::DISTTYPE_RPM,
            Dist::Arch => ffi::DISTTYPE_ARCH,
        };
        // SAFETY: valid pool; pool_setdisttype returns -1 when unsupported.
        if unsafe { ffi::pool_setdisttype(raw, ty as c_int) } == -1 {
            return Err(Error::Unsupported(format!("{dist:?}")));
        }
        // SAFETY: valid pool and NUL-terminated string (copied by libsolv).
        unsafe { ffi::pool_setarch(raw, arch_c.as_ptr()) };
        Ok(pool)
    }

    /// The pool's distribution semantics.
    pub fn dist(&self) -> Dist {
        self.dist
    }

    fn errstr(&self) -> String {
        // SAFETY: pool_errstr returns the pool's NUL-terminated error buffer.
        unsafe { CStr::from_ptr(ffi::pool_errstr(self.raw)) }
            .to_string_lossy()
            .into_owned()
    }

    fn repo(&mut self, name: &str) -> Result<*mut ffi::Repo, Error> {
        let name = cstring(name, "the repository name")?;
        self.indexed = false;
        // SAFETY: valid pool; the name is copied.
        Ok(unsafe { ffi::repo_create(self.raw, name.as_ptr()) })
    }

    /// Reads an index file into a new repository named `name` and returns how many packages
    /// it added. The compression (gzip, xz, zstd, or none) is recognised by the first bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Io`], [`Error::Compression`] (bzip2 or an unknown compression is read as
    /// plain text only if it is not a known magic), [`Error::Parse`] when libsolv rejects it.
    pub fn load_index(&mut self, name: &str, path: &Path, kind: IndexKind) -> Result<usize, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut magic = [0u8; 6];
        let n = read_up_to(&mut file, &mut magic).map_err(io)?;
        let suffix = match &magic[..n] {
            [0x1f, 0x8b, ..] => ".gz",
            [0xfd, b'7', b'z', b'X', b'Z', 0] => ".xz",
            [0x28, 0xb5, 0x2f, 0xfd, ..] => ".zst",
            [b'B', b'Z', b'h', ..] => {
                return Err(Error::Compression {
                    path: path.to_path_buf(),
                    format: "bzip2",
                })
            }
            _ => "",
        };
        // Reopen at offset 0 and let libsolv decompress by the (synthetic) suffix.
        let file = std::fs::File::open(path).map_err(io)?;
        let fname = cstring(&format!("index{suffix}"), "the index name")?;
        let fd = file.into_raw_fd();
        // SAFETY: `fd` is an open descriptor whose ownership passes to the stream.
        let fp = Stream(unsafe { ffi::solv_xfopen_fd(fname.as_ptr(), fd, c"r".as_ptr()) });
        if fp.0.is_null() {
            // SAFETY: the stream did not take the descriptor.
            drop(unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) });
            return Err(io(std::io::Error::other(
                "libsolv could not open the stream",
            )));
        }
        let repo = self.repo(name)?;
        let what = format!("the index {}", path.display());
        self.read_into(repo, &fp, kind, &what)
    }

    /// Reads a Debian `Packages` text (for tests and small archives) into a new repository.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`], [`Error::Nul`].
    pub fn add_debian_index_text(&mut self, name: &str, text: &str) -> Result<usize, Error> {
        let repo = self.repo(name)?;
        let fp = buffer_stream(text)?;
        self.read_into(repo, &fp.0, IndexKind::DebianPackages, "the Packages text")
    }

    fn read_into(
        &mut self,
        repo: *mut ffi::Repo,
        fp: &Stream,
        kind: IndexKind,
        what: &str,
    ) -> Result<usize, Error> {
        // SAFETY: valid repo and an open stream; the readers return non-zero on error.
        let rc = unsafe {
            match kind {
                IndexKind::DebianPackages => ffi::repo_add_debpackages(repo, fp.0, 0),
                IndexKind::RpmPrimary => ffi::repo_add_rpmmd(repo, fp.0, std::ptr::null(), 0),
                IndexKind::ArchDb => ffi::repo_add_arch_repo(repo, fp.0, 0),
            }
        };
        if rc != 0 {
            return Err(Error::Parse {
                what: what.to_string(),
                message: self.errstr(),
            });
        }
        // SAFETY: repo is valid; nsolvables is maintained by libsolv.
        Ok(unsafe { (*repo).nsolvables } as usize)
    }

    fn add_candidate(
        &mut self,
        fp: &Stream,
        kind: IndexKind,
        what: &str,
    ) -> Result<Candidate, Error> {
        let repo = self.repo("@candidate")?;
        let n = self.read_into(repo, fp, kind, what)?;
        if n == 0 {
            return Err(Error::NoPackage(what.to_string()));
        }
        // SAFETY: the repository's solvables are `start..end`; the last one was just added.
        Ok(Candidate(unsafe { (*repo).end } - 1))
    }

    /// Adds the package under test from its Debian control stanza (`DEBIAN/control`).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`], [`Error::NoPackage`], [`Error::Nul`].
    pub fn add_debian_control(&mut self, control: &str) -> Result<Candidate, Error> {
        let mut text = control.trim_end().to_string();
        text.push_str("\n\n");
        let fp = buffer_stream(&text)?;
        self.add_candidate(
            &fp.0,
            IndexKind::DebianPackages,
            "the package's control stanza",
        )
    }

    /// Adds the package under test from an rpm-md `<package type="rpm">…</package>` element
    /// (the form `primary.xml` lists it in).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`], [`Error::NoPackage`], [`Error::Nul`].
    pub fn add_rpm_primary(&mut self, package_xml: &str) -> Result<Candidate, Error> {
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata packages=\"1\">\n{}\n</metadata>\n",
            package_xml.trim()
        );
        let fp = buffer_stream(&text)?;
        self.add_candidate(&fp.0, IndexKind::RpmPrimary, "the package's primary entry")
    }

    /// Adds the package under test from an Arch `desc` text (`%NAME%`, `%VERSION%`, `%ARCH%`,
    /// `%DEPENDS%`, …, as in a repository database).
    ///
    /// # Errors
    ///
    /// [`Error::Parse`], [`Error::NoPackage`], [`Error::Nul`].
    pub fn add_arch_desc(&mut self, desc: &str) -> Result<Candidate, Error> {
        let tar = one_file_tar("candidate-0/desc", desc.as_bytes());
        let fp = buffer_stream_bytes(tar)?;
        self.add_candidate(&fp.0, IndexKind::ArchDb, "the package's desc")
    }

    fn solvable(&self, id: ffi::Id) -> &ffi::Solvable {
        // SAFETY: `id` is a solvable id of this pool (from a repository or the solver), and
        // `solvables` has `nsolvables` entries.
        unsafe { &*(*self.raw).solvables.add(id as usize) }
    }

    fn id2str(&self, id: ffi::Id) -> String {
        // SAFETY: valid pool and id; returns a pool-owned NUL-terminated string.
        unsafe { CStr::from_ptr(ffi::pool_id2str(self.raw, id)) }
            .to_string_lossy()
            .into_owned()
    }

    /// `name-evr.arch` of a solvable, as libsolv writes it in problems.
    pub fn describe(&self, c: Candidate) -> String {
        // SAFETY: valid pool and solvable; returns a pool temp string copied at once.
        unsafe {
            let s = (*self.raw).solvables.add(c.0 as usize);
            CStr::from_ptr(ffi::pool_solvable2str(self.raw, s))
        }
        .to_string_lossy()
        .into_owned()
    }

    /// Solves "install `c`" with nothing installed.
    pub fn solve_install(&mut self, c: Candidate) -> Answer {
        if !self.indexed {
            // SAFETY: valid pool.
            unsafe {
                ffi::pool_addfileprovides(self.raw);
                ffi::pool_createwhatprovides(self.raw);
            }
            self.indexed = true;
        }
        let mut job = Queue::new();
        job.push2((ffi::SOLVER_INSTALL | ffi::SOLVER_SOLVABLE) as ffi::Id, c.0);
        // SAFETY: valid pool; the solver is freed below.
        let solver = unsafe { ffi::solver_create(self.raw) };
        // SAFETY: valid solver and job queue.
        let nproblems = unsafe { ffi::solver_solve(solver, &mut job.0) };
        let answer = if nproblems == 0 {
            let mut decisions = Queue::new();
            // SAFETY: valid solver; fills the queue with decided literals (> 0: install).
            unsafe { ffi::solver_get_decisionqueue(solver, &mut decisions.0) };
            Answer::Installable {
                // Positive literals are installs; id 1 is libsolv's SYSTEM solvable, always "installed".
                packages: decisions.as_slice().iter().filter(|&&d| d > 1).count(),
            }
        } else {
            Answer::NotInstallable {
                problems: self.problems(solver, nproblems),
            }
        };
        // SAFETY: created above, freed once.
        unsafe { ffi::solver_free(solver) };
        answer
    }

    fn problems(&self, solver: *mut ffi::Solver, n: c_int) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for problem in 1..=n {
            let mut rules = Queue::new();
            // SAFETY: valid solver and problem number.
            unsafe { ffi::solver_findallproblemrules(solver, problem as ffi::Id, &mut rules.0) };
            let infos: Vec<_> = rules
                .as_slice()
                .iter()
                .map(|&rule| {
                    let (mut source, mut target, mut dep) = (0, 0, 0);
                    // SAFETY: valid solver and rule id; the outputs are plain ids.
                    let ty = unsafe {
                        ffi::solver_ruleinfo(solver, rule, &mut source, &mut target, &mut dep)
                    };
                    (ty, source, target, dep)
                })
                .collect();
            // The job rule itself ("conflicting requests") says nothing the other rules of the
            // problem do not say better.
            let only_job = infos.iter().all(|i| i.0 == ffi::SOLVER_RULE_JOB);
            for (ty, source, target, dep) in infos {
                if ty == ffi::SOLVER_RULE_JOB && !only_job {
                    continue;
                }
                // SAFETY: returns a pool temp string, copied at once.
                let mut text = unsafe {
                    CStr::from_ptr(ffi::solver_problemruleinfo2str(
                        solver, ty, source, target, dep,
                    ))
                }
                .to_string_lossy()
                .into_owned();
                if ty == ffi::SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP && dep != 0 {
                    let available = self.available_for(dep);
                    if !available.is_empty() {
                        text.push_str(&format!(" ({} available)", available));
                    }
                }
                if !out.contains(&text) {
                    out.push(text);
                }
            }
        }
        out
    }

    /// For an unmet `name op version` dependency: the versions of `name` the pool has,
    /// `libc6 2.31-13 is`, or empty.
    fn available_for(&self, dep: ffi::Id) -> String {
        // SAFETY: valid pool and dependency id; a pool temp string, copied at once.
        let text = unsafe { CStr::from_ptr(ffi::pool_dep2str(self.raw, dep)) }
            .to_string_lossy()
            .into_owned();
        let Some(name) = text.split_whitespace().next() else {
            return String::new();
        };
        let Ok(name_c) = CString::new(name) else {
            return String::new();
        };
        let mut sel = Queue::new();
        let mut found = Queue::new();
        // SAFETY: valid pool, queues and string.
        unsafe {
            ffi::selection_make(
                self.raw,
                &mut sel.0,
                name_c.as_ptr(),
                ffi::SELECTION_NAME as c_int,
            );
            ffi::selection_solvables(self.raw, &mut sel.0, &mut found.0);
        }
        let mut versions: Vec<String> = found
            .as_slice()
            .iter()
            .map(|&p| self.id2str(self.solvable(p).evr))
            .collect();
        versions.sort();
        versions.dedup();
        match versions.len() {
            0 => String::new(),
            1 => format!("{name} {} is", versions[0]),
            _ => format!("{name} {} are", versions.join(", ")),
        }
    }
}

/// A libsolv `Queue`, freed on drop.
struct Queue(ffi::Queue);

impl Queue {
    fn new() -> Queue {
        let mut q = std::mem::MaybeUninit::<ffi::Queue>::uninit();
        // SAFETY: queue_init initialises every field.
        unsafe {
            ffi::queue_init(q.as_mut_ptr());
            Queue(q.assume_init())
        }
    }

    fn push2(&mut self, a: ffi::Id, b: ffi::Id) {
        // SAFETY: valid queue; inserting at `count` appends.
        unsafe { ffi::queue_insert2(&mut self.0, self.0.count, a, b) }
    }

    fn as_slice(&self) -> &[ffi::Id] {
        if self.0.count <= 0 || self.0.elements.is_null() {
            return &[];
        }
        // SAFETY: `elements` holds `count` ids.
        unsafe { std::slice::from_raw_parts(self.0.elements, self.0.count as usize) }
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // SAFETY: initialised by queue_init, freed once.
        unsafe { ffi::queue_free(&mut self.0) }
    }
}

/// A read stream over owned bytes. libsolv's buffer stream keeps the *addresses* of the
/// buffer pointer and length it is given and reads through them, so both live on the heap
/// beside the bytes, as long as the stream (fields drop in order: the stream first).
struct BufStream(
    Stream,
    #[allow(dead_code)] Box<(*mut c_char, usize)>,
    #[allow(dead_code)] Box<[u8]>,
);

fn buffer_stream(text: &str) -> Result<BufStream, Error> {
    if text.contains('\0') {
        return Err(Error::Nul("the package's metadata".into()));
    }
    buffer_stream_bytes(text.as_bytes().to_vec())
}

fn buffer_stream_bytes(bytes: Vec<u8>) -> Result<BufStream, Error> {
    let mut owned = bytes.into_boxed_slice();
    let mut cell = Box::new((owned.as_mut_ptr() as *mut c_char, owned.len()));
    // SAFETY: for mode "r", libsolv reads `cell.1` bytes at `cell.0` through the two addresses,
    // which stay valid as long as the returned BufStream (boxes move, their heap data does not).
    let fp = unsafe {
        ffi::solv_xfopen_buf(c"buffer".as_ptr(), &mut cell.0, &mut cell.1, c"r".as_ptr())
    };
    if fp.is_null() {
        return Err(Error::Parse {
            what: "an in-memory text".into(),
            message: "libsolv could not open a stream over it".into(),
        });
    }
    Ok(BufStream(Stream(fp), cell, owned))
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A ustar archive holding one regular file (what `repo_add_arch_repo` reads).
fn one_file_tar(path: &str, data: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    let mut b = tar::Builder::new(Vec::new());
    // Writing to a Vec cannot fail, and the path is a fixed short relative one.
    let _ = b.append_data(&mut header, path, data);
    b.into_inner().unwrap_or_default()
}
