//! The knowledge-base lookups of the recipes: the release of a family, and the development,
//! runtime and soname packages of a library there.

use anyhow::{anyhow, bail, Result};
use syspack_distro::kb::{KnowledgeBase, LibraryFact, Provider, Release};

use super::model::{Family, LinkedLib};

/// The kb release a recipe uses, checked against the family.
pub fn release_for(family: Family, target: Option<&str>) -> Result<&'static Release> {
    let id = target.unwrap_or(family.default_release());
    let r = KnowledgeBase::builtin().release(id)?;
    if r.format != Some(family.format()) {
        bail!(
            "target `{id}` does not use {} packages; pick a release of that family, e.g. `{}`",
            family.format().name(),
            family.default_release()
        );
    }
    Ok(r)
}

/// The knowledge base's entry for `lib` on `release`, or an error naming the data file to edit.
fn library_fact<'r>(release: &'r Release, lib: &LinkedLib) -> Result<&'r LibraryFact> {
    release.library(&lib.kb_name).ok_or_else(|| {
        anyhow!(
            "the knowledge base has no entry for library `{}` on `{}`; add it to distro/data/{}",
            lib.kb_name,
            release.id,
            release.data_file
        )
    })
}

/// The package providing `lib`'s headers on `release`: `Ok(None)` for the base system.
pub fn dev_package(release: &Release, lib: &LinkedLib) -> Result<Option<String>> {
    match library_fact(release, lib)?.dev.known() {
        Some(Provider::Package(p)) => Ok(Some(p.as_str().to_string())),
        Some(Provider::BaseSystem) => Ok(None),
        None => bail!(
            "the knowledge base does not know the headers package of `{}` on `{}`; add `dev` to \
             [libraries.{}] in distro/data/{}",
            lib.kb_name,
            release.id,
            lib.kb_name,
            release.data_file
        ),
    }
}

/// The runtime package of `lib` on `release`: `Ok(None)` for the base system.
pub fn runtime_package(release: &Release, lib: &LinkedLib) -> Result<Option<String>> {
    match library_fact(release, lib)?.runtime.known() {
        Some(Provider::Package(p)) => Ok(Some(p.as_str().to_string())),
        Some(Provider::BaseSystem) => Ok(None),
        None => bail!(
            "the knowledge base does not know the runtime package of `{}` on `{}`",
            lib.kb_name,
            release.id
        ),
    }
}

/// The package providing a soname on `release` (`libc.so.6` → `glibc`), if the data knows it.
pub fn soname_package(release: &Release, soname: &str) -> Option<String> {
    release
        .package_for_soname(soname)
        .and_then(|p| p.package)
        .map(|p| p.as_str().to_string())
}
