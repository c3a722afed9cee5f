//! One test per fixed bug, named after what went wrong.

use std::io::Read;
use std::process::{Command, Stdio};

/// Output into a closed pipe (`syspack vendor list | head -1`) must end quietly, not panic.
#[test]
fn closed_stdout_ends_quietly() {
    let dir = crate::util::Dir::new("pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_syspack"))
        .args(["vendor", "list"])
        .env("SYSPACK_SOURCE_DIR", dir.join("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
