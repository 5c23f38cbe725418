//! Helpers shared by the integration tests: the public corpora beside the project, when present.

#![allow(dead_code)] // each test binary uses its own subset

use nhi_detect::{normalise, LogSource, Record, RuleLoadError, SigmaEngine};
use std::path::{Path, PathBuf};

/// `shared/corpora/<sub>`, or `None` (with a note on stderr) when the corpora are not there.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora")
        .join(sub);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipped: corpus {} is not present", path.display());
        None
    }
}

/// The files of a directory with the given extension, sorted by name.
pub fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable corpus directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    files.sort();
    files
}

/// Every rule file of the given directories, loaded into one engine.
pub fn load_rules(dirs: &[PathBuf]) -> (SigmaEngine, Vec<RuleLoadError>, usize) {
    let mut builder = SigmaEngine::builder();
    let mut count = 0;
    for dir in dirs {
        for file in files(dir, "yml") {
            let text = std::fs::read_to_string(&file).expect("readable rule");
            builder.add_yaml(&file.display().to_string(), &text);
            count += 1;
        }
    }
    let (engine, errors) = builder.build();
    (engine, errors, count)
}

/// Normalises one log file, asserting it has no bad record.
pub fn read_log(path: &Path, source: LogSource) -> Vec<Record> {
    let bytes = std::fs::read(path).expect("readable log");
    let normalised = normalise(&path.display().to_string(), &bytes, Some(source));
    assert!(normalised.errors.is_empty(), "{:?}", normalised.errors);
    normalised.records
}
