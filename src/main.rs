//! `syspack`: ship Rust software that links C libraries to every distribution.
//!
//! The command line is a thin layer over the workspace's libraries: `syspack-distro` writes and
//! reads packages, `syspack-build` holds the source pins and cache, and the sys crates report the
//! provenance of the C libraries inside this binary. See `syspack --help`.
//!
//! Exit status: 0 success, 1 a check failed (a tampered tarball, a bad checksum in a package),
//! 2 usage or I/O error. A closed pipe on standard output ends the run quietly.
//!
//! Also usable as `cargo syspack …`: cargo runs `cargo-syspack syspack …`, so when the program is
//! called through a `cargo-syspack` link (or any name) with `syspack` as its first argument, that
//! argument is dropped. Install the link with `ln -s syspack ~/.cargo/bin/cargo-syspack`; the
//! package syspack builds of itself ships `/usr/bin/cargo-syspack` that way.

mod cargo_build;
mod ci;
mod commands;
mod config;
mod exit;
mod formats;
mod fresh;
mod generated;
mod link;
mod pins;
mod provenance;
mod recipe;
mod solve;
mod stage;
mod strip;
mod sys_crates;
mod target;
mod toolchain;

use std::ffi::OsString;

fn main() {
    exit::install_panic_hook();
    let args = cargo_subcommand_args(std::env::args_os().collect());
    let code = match commands::run(args) {
        Ok(code) => code,
        Err(err) => exit::report(&err),
    };
    std::process::exit(code);
}

/// Drops the `syspack` argument cargo inserts when running `cargo syspack …`.
fn cargo_subcommand_args(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.len() >= 2 && args[1] == "syspack" {
        args.remove(1);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_subcommand_argument_is_dropped() {
        let v = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            cargo_subcommand_args(v(&["cargo-syspack", "syspack", "doctor"])),
            v(&["cargo-syspack", "doctor"])
        );
        assert_eq!(
            cargo_subcommand_args(v(&["syspack", "doctor"])),
            v(&["syspack", "doctor"])
        );
    }
}
