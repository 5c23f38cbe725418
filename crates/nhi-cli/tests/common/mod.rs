//! Helpers for running the `nhi` binary the way a user does.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The bundled demo estate.
pub fn demo_estate() -> PathBuf {
    repo_root().join("examples/demo-estate")
}

/// Run `nhi` with `args` in `cwd`; returns its output.
pub fn nhi(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nhi"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NHI_DB")
        .env("NO_COLOR", "1")
        .output()
        .expect("run nhi")
}

/// Standard output as JSON, with a helpful panic when it is not.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Copy a directory tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The `rule` values of the findings in a JSON report (object with `findings`, or an array).
pub fn rules_of(report: &serde_json::Value) -> Vec<String> {
    let findings = report.get("findings").unwrap_or(report);
    let mut rules: Vec<String> = findings
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    rules.sort();
    rules
}
