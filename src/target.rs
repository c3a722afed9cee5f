//! Targets: distro releases (`debian-13`, `fedora-43`, `arch`, `freebsd-14`…) and what the CLI
//! needs of them — the format, the compression their package manager reads, and the package
//! that provides a shared library. This is the CLI's one adapter over the knowledge base
//! (`syspack_distro::kb`).

use anyhow::{bail, Result};
use syspack_distro::kb::index::{self, Found, ReleaseIndex};
use syspack_distro::kb::{closest, KnowledgeBase, Release};
use syspack_distro::{Compression, Format, Relation, VersionOp};

/// A target release.
#[derive(Clone, Debug)]
pub struct Target {
    /// The release id, e.g. `debian-13`.
    pub id: String,
    /// Its package format.
    pub format: Format,
    /// The knowledge base's description.
    pub release: &'static Release,
}

/// What a `DT_NEEDED` soname means for a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SonameDep {
    /// A package of the distro provides it.
    Package(Relation),
    /// Part of the base system (FreeBSD's libc, libz…): no dependency.
    Base,
    /// The knowledge base does not know it.
    Unknown,
    /// The release's own file list (its derived index) shows no package ships it: the binary
    /// cannot run there. Holds the index file the answer rests on.
    Missing(String),
}

fn kb() -> &'static KnowledgeBase {
    KnowledgeBase::builtin()
}

impl Target {
    /// Looks a release up by id, with a "did you mean" hint for near misses.
    pub fn resolve(id: &str) -> Result<Target> {
        let release = kb().release(id)?;
        Target::from_release(release)
    }

    fn from_release(release: &'static Release) -> Result<Target> {
        let Some(format) = release.format else {
            bail!(
                "target `{}` uses {} packages, which syspack does not write; pick a deb, rpm, arch or freebsd release",
                release.id,
                release.package_format.name()
            );
        };
        Ok(Target {
            id: release.id.to_string(),
            format,
            release,
        })
    }

    /// The newest release of each format's lead family (`debian-13`, `fedora-43`, `arch`,
    /// `freebsd-14`).
    pub fn newest() -> Vec<Target> {
        kb().newest_per_family()
            .into_iter()
            .filter_map(|r| Target::from_release(r).ok())
            .collect()
    }

    /// The compression the release's package manager reads on every point release.
    pub fn default_compression(&self) -> Compression {
        self.release.default_compression()
    }

    /// The FreeBSD major version, for the ABI string.
    pub fn freebsd_major(&self) -> Option<u32> {
        self.release.freebsd_major
    }

    /// The dependency a `DT_NEEDED` soname gives: the libc package (at least the newest
    /// `GLIBC_x.y` the binary needs, as dpkg-shlibdeps does), a library package (with the
    /// distro's own `shlibs` constraint on Debian), the base system, or unknown.
    ///
    /// Where the release has an index ([`Target::index`]: the user's `syspack kb import`, else
    /// the built-in `syspack kb update` one), the package comes from its file list (Debian's
    /// `Contents`, rpm-md's Provides and filelists, Arch's `.files`, FreeBSD's packagesite) and,
    /// on Debian, the minimum version from the library's `symbols`/`shlibs`; a soname no package
    /// of the release ships is [`SonameDep::Missing`] (on FreeBSD, whose packagesite does not
    /// list the base system, the table's base answer or [`SonameDep::Unknown`]). Without an
    /// index the hand-kept table answers.
    pub fn dependency_for(&self, soname: &str, glibc: Option<&str>) -> SonameDep {
        match index::lookup(self.release.id.as_str()) {
            Ok(Some(found)) => self.by_index(found, soname, glibc),
            // A damaged user index is reported by `index()`; never fall back to other data.
            Err(_) => SonameDep::Unknown,
            Ok(None) => self.by_table(soname, glibc),
        }
    }

    /// The release's index: `<index dir>/<release>.idx.xz` (or `.idx`) written by `syspack kb
    /// import`, else the one built into syspack, else `None`; read once per process.
    ///
    /// # Errors
    ///
    /// When the index directory's file for the release cannot be read or parsed (the message
    /// names the file and the fix).
    pub fn index(&self) -> Result<Option<&'static ReleaseIndex>> {
        Ok(index::lookup(self.release.id.as_str())?.map(|f| f.index))
    }

    /// The release index of a Debian-format target: its libraries' symbols files decide the
    /// minimum versions as dpkg-shlibdeps's (`syspack_distro::kb::shlibdeps`).
    pub fn deb_index(&self) -> Option<&'static ReleaseIndex> {
        if self.format == Format::Deb {
            index::get(self.release.id.as_str())
        } else {
            None
        }
    }

    /// Whether `package` is a package of the release, when its index knows (`None` without one).
    pub fn has_package(&self, package: &str) -> Option<bool> {
        index::get(self.release.id.as_str()).map(|ix| ix.version(package).is_some())
    }

    fn by_index(&self, found: &Found, soname: &str, glibc: Option<&str>) -> SonameDep {
        let ix = found.index;
        // The index lists the amd64 port's files: another architecture's glibc loader is in the
        // package of libc.so.6 there.
        let soname = if syspack_distro::kb::is_glibc_loader(soname) && ix.provider(soname).is_none()
        {
            "libc.so.6"
        } else {
            soname
        };
        let table = self.release.package_for_soname(soname);
        // A FreeBSD catalogue lists packages, not the base system's libraries (libc.so.7,
        // libutil.so.9…): its `base` records and the table say which are base; another soname
        // no package provides may still be base, so it stays unknown rather than an error.
        let base = ix.is_base(soname) || table.as_ref().is_some_and(|t| t.package.is_none());
        if base && (!ix.absent_means_missing() || ix.provider(soname).is_none()) {
            return SonameDep::Base;
        }
        let Some(pkg) = ix.provider(soname) else {
            return if ix.absent_means_missing() {
                SonameDep::Missing(format!("{}; index {}", ix.contents_source(), found.origin))
            } else {
                SonameDep::Unknown
            };
        };
        if self.format != Format::Deb {
            // RPM writes soname Requires (elfdeps) and uses this only to know the soname is
            // provided; Arch depends on the provider's name, version-free as makepkg writes it.
            return SonameDep::Package(Relation::any(pkg));
        }
        if table.as_ref().is_some_and(|t| t.libc) {
            // The C library: the newest GLIBC_ version the binary needs, as dpkg-shlibdeps's
            // libc6 symbols file gives.
            return SonameDep::Package(match glibc {
                Some(v) => Relation::with(pkg, VersionOp::Ge, v),
                None => Relation::any(pkg),
            });
        }
        if let Some(r) = ix
            .shlibs
            .get(soname)
            .and_then(|s| s.depends.parse::<Relation>().ok())
            .filter(|r| r.name == pkg)
        {
            return SonameDep::Package(r);
        }
        match self.by_table(soname, glibc) {
            SonameDep::Package(r) if r.name == pkg => SonameDep::Package(r),
            _ => SonameDep::Package(Relation::any(pkg)),
        }
    }

    fn by_table(&self, soname: &str, glibc: Option<&str>) -> SonameDep {
        let Some(sp) = self.release.package_for_soname(soname) else {
            return SonameDep::Unknown;
        };
        let Some(pkg) = sp.package else {
            return SonameDep::Base;
        };
        let name = pkg.as_str().to_string();
        if sp.libc {
            return SonameDep::Package(match glibc {
                Some(v) if self.release.glibc().is_some() => Relation::with(name, VersionOp::Ge, v),
                _ => Relation::any(name),
            });
        }
        if self.format == Format::Deb {
            if let Some(r) = sp
                .depends
                .as_deref()
                .and_then(|d| d.parse::<Relation>().ok())
            {
                if r.name == name {
                    return SonameDep::Package(r);
                }
            }
        }
        SonameDep::Package(Relation::any(name))
    }
}

/// The targets to package for: `--target` if given, else those matching `--format`, else the
/// configuration's `targets`, else the newest release of each family.
pub fn select(
    targets: &[String],
    formats: &[String],
    configured: &[String],
) -> Result<Vec<Target>> {
    let mut formats_parsed = Vec::new();
    for f in formats {
        match f.parse::<Format>() {
            Ok(f) => formats_parsed.push(f),
            Err(_) => {
                let names = Format::ALL.map(|f| f.name());
                let hint = match closest(f, names) {
                    Some(h) => format!("\n\nhelp: a format with a similar name exists: `{h}`"),
                    None => String::new(),
                };
                bail!("unknown format `{f}`{hint}\n\nknown formats: deb, rpm, arch, freebsd");
            }
        }
    }
    let ids: Vec<String> = if !targets.is_empty() {
        targets.to_vec()
    } else if !configured.is_empty() {
        configured.to_vec()
    } else if !formats_parsed.is_empty() {
        Target::newest()
            .into_iter()
            .filter(|t| formats_parsed.contains(&t.format))
            .map(|t| t.id)
            .collect()
    } else {
        Target::newest().into_iter().map(|t| t.id).collect()
    };
    let mut out: Vec<Target> = Vec::new();
    for id in ids {
        let t = Target::resolve(&id)?;
        if !formats_parsed.is_empty() && !formats_parsed.contains(&t.format) {
            continue;
        }
        if !out.iter().any(|o| o.id == t.id) {
            out.push(t);
        }
    }
    if out.is_empty() {
        bail!(
            "no target left: none of the targets has format {}; add `--target` with a release of that format",
            formats.join(", ")
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_targets_get_a_hint() {
        let err = Target::resolve("debain-12").unwrap_err().to_string();
        assert!(
            err.contains("a target with a similar name exists: `debian-12`"),
            "{err}"
        );
    }

    #[test]
    fn default_targets_are_the_newest_of_each_family() {
        let t = select(&[], &[], &[]).unwrap();
        let ids: Vec<&str> = t.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["debian-13", "fedora-43", "arch", "freebsd-14"]);
        let t = select(&[], &["rpm".into()], &[]).unwrap();
        assert_eq!(t[0].id, "fedora-43");
    }

    #[test]
    fn libc_gets_the_newest_glibc_needed() {
        let t = Target::resolve("debian-12").unwrap();
        assert_eq!(
            t.dependency_for("libc.so.6", Some("2.34")),
            SonameDep::Package(Relation::with("libc6", VersionOp::Ge, "2.34"))
        );
        assert!(matches!(
            t.dependency_for("libnosuch.so.9", None),
            SonameDep::Missing(s) if s.contains("Contents-amd64")
        ));
        assert_eq!(
            Target::resolve("fedora-43")
                .unwrap()
                .dependency_for("libnosuch.so.9", None),
            SonameDep::Unknown
        );
    }

    #[test]
    fn another_architectures_glibc_loader_is_libc() {
        // An aarch64 binary linked by GNU ld needs ld-linux-aarch64.so.1; the data and the
        // indexes describe the x86_64 ports, where libc's package ships every loader's
        // counterpart.
        for (id, package) in [
            ("debian-11", "libc6"),
            ("debian-12", "libc6"),
            ("el-9", "glibc"),
            ("arch", "glibc"),
        ] {
            let t = Target::resolve(id).unwrap();
            assert_eq!(
                t.dependency_for("ld-linux-aarch64.so.1", Some("2.17")),
                SonameDep::Package(Relation::with(package, VersionOp::Ge, "2.17")),
                "{id}"
            );
        }
        let bookworm = syspack_distro::kb::KnowledgeBase::builtin()
            .release("debian-12")
            .unwrap();
        assert_eq!(
            bookworm
                .ships_soname("ld-linux-aarch64.so.1")
                .map(|(s, _)| s),
            Some(true)
        );
    }

    #[test]
    fn debian_depends_come_from_the_release_index() {
        let t = Target::resolve("debian-12").unwrap();
        // Not in the hand-kept table: package from Contents, version from the symbols file.
        let SonameDep::Package(r) = t.dependency_for("libpcre2-8.so.0", None) else {
            panic!("libpcre2-8.so.0 is in bookworm");
        };
        assert_eq!(r.name, "libpcre2-8-0");
        assert!(r.constraint.is_some(), "{r:?}");
    }
}
