//! expat (the XML parser) for syspack: the raw C API in [`ffi`]. The workspace uses it through
//! libsolv (`syspack-solv-sys`), which reads rpm-md repositories (`repodata/*-primary.xml`) with
//! it; depending on this crate puts exactly one expat into the binary.
//!
//! The build script (through `syspack-build`) links either the system `libexpat` (found by
//! pkg-config, at least 2.2.0) or a static build of the pinned upstream release (`pin.toml`)
//! made by upstream's CMake build, as chosen by the features `vendored`/`static` and the
//! `SYSPACK_LINK`/`SYSPACK_EXPAT_LINK` variables. [`provenance`] tells which one this binary
//! contains.
//!
//! ```
//! let version = unsafe { std::ffi::CStr::from_ptr(syspack_expat_sys::ffi::XML_ExpatVersion()) };
//! assert!(version.to_str().unwrap().starts_with("expat_2."));
//! ```
#![deny(missing_docs)]

syspack_sys_support::sys_crate_items! {
    library: "expat",
    header: "expat.h",
    provenance_env: "SYSPACK_PROVENANCE_EXPAT",
}

/// The version of the linked library, `2.5.0` (from `XML_ExpatVersionInfo`).
pub fn version() -> String {
    // SAFETY: a pure function of the library, returning a struct by value.
    let v = unsafe { ffi::XML_ExpatVersionInfo() };
    format!("{}.{}.{}", v.major, v.minor, v.micro)
}
