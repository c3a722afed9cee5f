//! JSON for tools. The layout is `syspack-matrix/1`, described here and in
//! `distro/data/matrix.schema.json`:
//!
//! ```text
//! {
//!   "schema": "syspack-matrix/1",
//!   "artifact": "syspack 0.1.0",
//!   "needs": ["GLIBC_2.34", "GCC_4.2.0"],            // highest need per version family
//!   "rows": [                                        // in the order the releases were asked for
//!     {
//!       "release": "debian-11", "name": "Debian 11 bullseye",
//!       "format": "deb", "compression": "xz" | null,
//!       "installs": CELL, "runs": CELL, "builds": CELL,
//!       "vendored": ["zstd"],                        // sorted
//!       "dependencies": [{"package": "libc6", "relation": "libc6 (>= 2.34)" | null,
//!                         "sonames": ["libc.so.6"]}],   // sorted by package
//!       "build_dependencies": ["libzstd-dev"]       // sorted
//!     }
//!   ]
//! }
//! CELL = {"status": "yes" | "no" | "unknown" | "n/a",
//!         "reasons": ["needs GLIBC_2.34, has 2.31"],
//!         "confidence": "verified" | "unverified",
//!         "proofs": [{"release", "column", "package", "step", "date", "outcome"}],
//!         // installs with `matrix --solve` only: the solver's answer against the release's index
//!         "answer": "installable" | "not installable" | "not solved", "by": "libsolv",
//!         "index": {"files": [..], "sha256": [..], "date": "YYYY-MM-DD" | null, "packages": N} | null}
//! ```
//!
//! Keys appear in the order above; the same matrix always gives the same bytes.

use crate::matrix::Matrix;

/// Renders the matrix as pretty-printed JSON with a trailing newline.
pub fn render(m: &Matrix) -> String {
    // Serialising plain structs of strings, vectors and enums cannot fail.
    let mut s =
        serde_json::to_string_pretty(m).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
