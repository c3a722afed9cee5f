//! Exit codes and error reporting, the cargo way: the whole cause chain, then an exit code.
//!
//! * 0: success;
//! * 1: a check failed ([`CheckFailed`]): a tarball no pin accepts, a package whose checksums do
//!   not match, a cache entry that changed;
//! * 2: usage or I/O error (anything else).
//!
//! A broken pipe on standard output ends the run quietly with 0, as `rg | head` does.

use std::fmt;
use std::io::Write;

/// Marks an error as "a check failed" (exit 1) rather than "could not run" (exit 2).
#[derive(Debug)]
pub struct CheckFailed(pub String);

impl fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckFailed {}

/// Exit codes.
pub const OK: i32 = 0;
/// A check failed.
pub const FAILED: i32 = 1;
/// Usage or I/O error.
pub const ERROR: i32 = 2;

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The longest message (or cause) printed, in bytes.
const MAX_MESSAGE: usize = 4096;

/// Prints `error: …` and every cause, and returns the exit code.
pub fn report(err: &anyhow::Error) -> i32 {
    if is_broken_pipe(err) {
        return OK;
    }
    // Messages may quote a package's or a config's bytes: escape controls (one function for
    // every place syspack prints such text) and keep each message to a few KB.
    let shown = |m: String| {
        let m = syspack_distro::text::bounded(&m, MAX_MESSAGE).into_owned();
        syspack_distro::text::escape(&m).into_owned()
    };
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", shown(err.to_string()));
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "\nCaused by:");
        for line in shown(cause.to_string()).lines() {
            let _ = writeln!(stderr, "  {line}");
        }
    }
    if err.downcast_ref::<CheckFailed>().is_some() || err.chain().any(|e| e.is::<CheckFailed>()) {
        FAILED
    } else {
        ERROR
    }
}

/// A panic is a bug in syspack: say so, with the version, and ask for a report.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        eprintln!(
            "\nnote: this is a bug in syspack {}; please report it with the command you ran and the output above",
            env!("CARGO_PKG_VERSION")
        );
    }));
}

/// Prints a warning on standard error.
pub fn warn(msg: impl fmt::Display) {
    let msg = msg.to_string();
    let msg = syspack_distro::text::bounded(&msg, MAX_MESSAGE);
    let _ = writeln!(
        std::io::stderr().lock(),
        "warning: {}",
        syspack_distro::text::escape(&msg)
    );
}
