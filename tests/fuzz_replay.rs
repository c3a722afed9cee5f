//! The fuzz targets' inputs replayed on stable (issue 16): every committed regression under
//! `fuzz/regressions/<target>/` (inputs that once crashed, hung or exhausted memory) and, when
//! `fuzz/seeds.sh` or a campaign made one, the local corpus under `fuzz/corpus/<target>/`. Each
//! input must return (an error is fine) without panicking. The targets themselves are
//! `fuzz/src/lib.rs`, shared with the libFuzzer binaries.

#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::path::Path;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_regression_and_corpus_input_returns() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut regressions = 0;
    for target in targets::TARGETS {
        let committed = inputs(&fuzz.join("regressions").join(target));
        regressions += committed.len();
        let corpus = inputs(&fuzz.join("corpus").join(target));
        for input in committed.iter().chain(&corpus) {
            let data = match std::fs::read(input) {
                Ok(data) => data,
                // A fuzzer running meanwhile replaces corpus entries with smaller ones.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && corpus.contains(input) => {
                    continue
                }
                Err(e) => panic!("{}: {e}", input.display()),
            };
            let run = std::panic::catch_unwind(|| targets::run(target, &data));
            assert!(
                run.is_ok(),
                "target `{target}` panicked on {}",
                input.display()
            );
        }
    }
    assert!(
        regressions > 0,
        "fuzz/regressions/ holds no input: the replay would prove nothing"
    );
}
