//! Where a target release runs in CI: a container image, or a FreeBSD VM, and the package
//! manager commands of its family.
//!
//! The image table is the one fact here the knowledge base does not hold: which public image
//! is the release. Each image is the distribution's own (Docker Hub's official `debian`,
//! `ubuntu`, `fedora`, `archlinux` images, Rocky Linux's `rockylinux/rockylinux` for Enterprise
//! Linux and openSUSE's `opensuse/leap`); the FreeBSD releases run in `vmactions/freebsd-vm`,
//! which takes the major version and picks its newest point release.

use syspack_distro::kb::{Family, Release};

/// How a job runs a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Runner {
    /// A Linux container on a GitHub-hosted Ubuntu runner.
    Container {
        /// The image, `name:tag`.
        image: &'static str,
        /// The package manager the image uses.
        manager: Manager,
    },
    /// A FreeBSD virtual machine (`vmactions/freebsd-vm`).
    FreebsdVm {
        /// The release the action boots: the major version (`14`), newest point release.
        release: String,
    },
}

/// The package manager of a container family; also the order of the jobs in the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Manager {
    /// Debian and Ubuntu.
    Apt,
    /// Fedora and Enterprise Linux.
    Dnf,
    /// openSUSE.
    Zypper,
    /// Arch Linux.
    Pacman,
}

/// Container images by release id. A release missing here cannot run in a container job; see
/// [`unsupported_reason`].
const IMAGES: &[(&str, &str)] = &[
    // A rolling release: `base-devel` is the official image with the compiler group installed.
    ("arch", "archlinux:base-devel"),
    ("debian-11", "debian:bullseye"),
    ("debian-12", "debian:bookworm"),
    ("debian-13", "debian:trixie"),
    ("el-10", "rockylinux/rockylinux:10"),
    ("el-8", "rockylinux/rockylinux:8"),
    ("el-9", "rockylinux/rockylinux:9"),
    ("fedora-42", "fedora:42"),
    ("fedora-43", "fedora:43"),
    ("opensuse-15.6", "opensuse/leap:15.6"),
    ("ubuntu-22.04", "ubuntu:22.04"),
    ("ubuntu-24.04", "ubuntu:24.04"),
];

/// Why a release has no runner, for the warning that leaves it out of the workflow.
pub fn unsupported_reason(release: &Release) -> String {
    match release.id.as_str() {
        "centos-7" => "CentOS 7's repositories are archived, so its container cannot install \
                       build dependencies"
            .into(),
        id => format!("syspack knows no container image for `{id}`"),
    }
}

impl Runner {
    /// The runner of a release, if syspack knows one.
    pub fn for_release(release: &Release) -> Option<Runner> {
        if release.family == Family::Freebsd {
            return release.freebsd_major.map(|m| Runner::FreebsdVm {
                release: m.to_string(),
            });
        }
        let manager = match release.family {
            Family::Debian | Family::Ubuntu => Manager::Apt,
            Family::Fedora | Family::El => Manager::Dnf,
            Family::Opensuse => Manager::Zypper,
            Family::Arch => Manager::Pacman,
            _ => return None,
        };
        let image = IMAGES
            .iter()
            .find(|(id, _)| *id == release.id.as_str())
            .map(|(_, image)| *image)?;
        Some(Runner::Container { image, manager })
    }
}

impl Manager {
    /// The job id in the workflow.
    pub fn job_id(self) -> &'static str {
        match self {
            Manager::Apt => "apt",
            Manager::Dnf => "dnf",
            Manager::Zypper => "zypper",
            Manager::Pacman => "pacman",
        }
    }

    /// What the job covers, for its comment.
    pub fn families(self) -> &'static str {
        match self {
            Manager::Apt => "Debian and Ubuntu",
            Manager::Dnf => "Fedora and Enterprise Linux (Rocky Linux)",
            Manager::Zypper => "openSUSE",
            Manager::Pacman => "Arch Linux",
        }
    }

    /// The compiler, pkg-config and the tools the job's steps use (git for the checkout, curl
    /// for rustup, tar/gzip/zstd for actions/cache).
    pub fn toolchain(self) -> &'static str {
        match self {
            Manager::Apt => "build-essential pkg-config git ca-certificates curl zstd",
            Manager::Dnf => "gcc make pkgconf-pkg-config git tar gzip xz zstd",
            Manager::Zypper => "gcc make pkg-config git curl tar gzip xz zstd",
            Manager::Pacman => "base-devel pkgconf git zstd",
        }
    }

    /// Shell lines that install the toolchain and `$dev` (a list of package names, possibly
    /// empty).
    pub fn install_lines(self) -> Vec<String> {
        let tools = self.toolchain();
        match self {
            Manager::Apt => vec![
                "export DEBIAN_FRONTEND=noninteractive".into(),
                "apt-get update".into(),
                format!("apt-get install -y --no-install-recommends {tools} $dev"),
            ],
            Manager::Dnf => vec![format!("dnf install -y {tools} $dev")],
            Manager::Zypper => vec![format!("zypper --non-interactive install {tools} $dev")],
            Manager::Pacman => vec![format!("pacman -Syu --noconfirm --needed {tools} $dev")],
        }
    }

    /// The shell line that installs the package file(s) matching `glob`.
    pub fn install_package(self, glob: &str) -> String {
        match self {
            Manager::Apt => format!("apt-get install -y {glob}"),
            Manager::Dnf => format!("dnf install -y {glob}"),
            // syspack's RPMs are not signed.
            Manager::Zypper => {
                format!(
                    "zypper --non-interactive --no-gpg-checks install --allow-unsigned-rpm {glob}"
                )
            }
            Manager::Pacman => format!("pacman -U --noconfirm {glob}"),
        }
    }

    /// The shell line that removes the package `name`.
    pub fn remove_package(self, name: &str) -> String {
        match self {
            Manager::Apt => format!("apt-get remove -y {name}"),
            Manager::Dnf => format!("dnf remove -y {name}"),
            Manager::Zypper => format!("zypper --non-interactive remove {name}"),
            Manager::Pacman => format!("pacman -R --noconfirm {name}"),
        }
    }

    /// The package file(s) `syspack package --out dist` writes for one target of this family.
    pub fn package_glob(self) -> &'static str {
        match self {
            Manager::Apt => "./dist/*.deb",
            Manager::Dnf | Manager::Zypper => "./dist/*.rpm",
            Manager::Pacman => "./dist/*.pkg.tar.*",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syspack_distro::kb::KnowledgeBase;

    #[test]
    fn every_release_syspack_writes_has_a_runner_or_a_reason() {
        for r in KnowledgeBase::builtin().releases() {
            if r.format.is_none() {
                continue;
            }
            match Runner::for_release(r) {
                Some(_) => {}
                None => assert_eq!(r.id.as_str(), "centos-7", "no runner for {}", r.id),
            }
        }
    }

    #[test]
    fn images_are_sorted_and_name_a_tag() {
        let ids: Vec<&str> = IMAGES.iter().map(|(id, _)| *id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        for (id, image) in IMAGES {
            let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
            assert!(!tag.is_empty() && tag != "latest", "{id}: {image}");
        }
    }
}
