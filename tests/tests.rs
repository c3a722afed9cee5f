//! syspack's integration tests: one binary, modules by topic. Each test runs the real `syspack`
//! executable through `util::TestCommand` in a scratch `util::Dir`.

mod util;

// `syspack package` with a standalone syspack.toml: all four formats, summary, reproducibility,
// automatic shared-library dependencies, FreeBSD prefix.
mod package;
// Bad input to `syspack package`: each case exits 2, names the input and the fix, and leaves the
// output directory empty.
mod bad_input;
// `syspack inspect`: reading every format back, failing with exit 1 on a damaged package.
mod inspect;
// `syspack vendor fetch|import|verify|list` against a scratch cache and scratch pins.
mod vendor;
// The rest of the command surface: --version, --provenance, doctor, usage errors, `cargo syspack`.
mod cli;
// `syspack generated check|update`: drift, input changes, missing generators, version skew.
mod generated;
// One test per fixed bug.
mod regression;
