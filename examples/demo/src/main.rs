//! syspack-demo: lists the files of a directory that pass a filter expression and writes them as
//! a zstd-compressed thrift report. syspack's worked example (see README.md).
//!
//! ```text
//! syspack-demo scan [--config FILE] [--directory DIR] [--filter EXPR] [--output FILE]
//! syspack-demo show REPORT
//! syspack-demo parse EXPR
//! syspack-demo --version
//! ```

mod config;
mod filter;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

include!(concat!(env!("OUT_DIR"), "/thrift_module.rs"));

const USAGE: &str = "usage:
  syspack-demo scan [--config FILE] [--directory DIR] [--filter EXPR] [--output FILE]
  syspack-demo show REPORT
  syspack-demo parse EXPR
  syspack-demo --version";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("syspack-demo: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("scan") => scan(&args[1..]),
        Some("show") if args.len() == 2 => {
            let report = report::read(&PathBuf::from(&args[1]))?;
            print!("{}", report::render(&report));
            Ok(())
        }
        Some("parse") if args.len() == 2 => {
            let filter =
                filter::Filter::new(&args[1]).map_err(|e| format!("invalid filter: {e}"))?;
            println!("{:#?}", filter.expr());
            Ok(())
        }
        Some("--version") => {
            println!("syspack-demo {}", env!("CARGO_PKG_VERSION"));
            println!("generated sources: {}", env!("SYSPACK_DEMO_GENERATED"));
            println!(
                "zstd {}: {}",
                syspack_zstd_sys::safe::version(),
                syspack_zstd_sys::provenance()
            );
            Ok(())
        }
        Some("--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown arguments\n{USAGE}")),
    }
}

/// `scan`: the config file, then command-line overrides.
fn scan(args: &[String]) -> Result<(), String> {
    let mut settings = config::Settings::default();
    let mut rest = args.iter();
    let mut overrides = Vec::new();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--config" => settings = config::Settings::load(&PathBuf::from(value))?,
            "--directory" | "--filter" | "--output" => overrides.push((&flag[2..], value.as_str())),
            _ => return Err(format!("unknown option `{flag}`\n{USAGE}")),
        }
    }
    for (key, value) in overrides {
        settings.set(key, value)?;
    }
    let filter = filter::Filter::new(&settings.filter)
        .map_err(|e| format!("invalid filter `{}`: {e}", settings.filter))?;
    let report = report::scan(&settings.directory, &settings.filter, &filter)?;
    report::write(&report, &settings.output)?;
    println!(
        "{} of the files in `{}` match `{}`: written to `{}`",
        report.files.len(),
        settings.directory.display(),
        settings.filter,
        settings.output.display()
    );
    Ok(())
}
