//! Log inputs of `nhi hunt`: the files named, and the `.json`, `.jsonl` and `.gz` files found
//! under the directories named (recursively, symlinked directories not followed), read whole and
//! inflated when gzip-compressed, with a cap on the inflated size so that a gzip bomb is an error.

use super::inflate::{gunzip, InflateError};
use nhi_detect::{normalise, Normalised};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// File name endings of logs, which a directory walk picks up.
pub const LOG_ENDINGS: &[&str] = &[".json", ".jsonl", ".gz"];
/// File name endings of Sigma rules.
pub const RULE_ENDINGS: &[&str] = &[".yml", ".yaml"];

/// An input that could not be used, as one line for standard error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    pub path: String,
    pub message: String,
}

impl InputProblem {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        InputProblem {
            path: path.display().to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The files `paths` name: files as given, and under directories the files whose names end with
/// one of `endings` (sorted); with the paths that could not be walked.
pub fn discover(paths: &[PathBuf], endings: &[&str]) -> (Vec<PathBuf>, Vec<InputProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, endings, &mut files, &mut problems),
            Ok(_) => files.push(path.clone()),
            Err(error) => problems.push(InputProblem::new(path, error.to_string())),
        }
    }
    (files, problems)
}

fn walk(dir: &Path, endings: &[&str], files: &mut Vec<PathBuf>, problems: &mut Vec<InputProblem>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => return problems.push(InputProblem::new(dir, error.to_string())),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, endings, files, problems);
        } else if has_ending(&path, endings)
            && fs::metadata(&path).is_ok_and(|target| target.is_file())
        {
            files.push(path);
        }
    }
}

fn has_ending(path: &Path, endings: &[&str]) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    endings.iter().any(|ending| name.ends_with(ending))
}

/// The bytes of one log, inflated when they are gzip data (whatever the file is called).
pub fn read(path: &Path, max_inflated: u64) -> Result<Vec<u8>, InputProblem> {
    let bytes = fs::read(path).map_err(|error| InputProblem::new(path, error.to_string()))?;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    gunzip(&bytes, max_inflated).map_err(|error| {
        let message = match error {
            InflateError::Invalid(error) => format!("not valid gzip data: {error}"),
            InflateError::OverCap => format!(
                "inflates to more than {max_inflated} bytes (a gzip bomb?); raise --max-inflated if the file is genuine"
            ),
        };
        InputProblem::new(path, message)
    })
}

/// Reads and normalises one log; its source (CloudTrail, Kubernetes, GCP, Entra ID, GitHub) is
/// recognised from its records.
pub fn load(path: &Path, max_inflated: u64) -> Result<Normalised, InputProblem> {
    let bytes = read(path, max_inflated)?;
    Ok(normalise(&path.display().to_string(), &bytes, None))
}

#[cfg(test)]
mod tests {
    use super::super::inflate::tests::gzip;
    use super::*;

    #[test]
    fn directories_yield_log_files_only_and_gzip_is_inflated() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("a.json"), b"{}").unwrap();
        fs::write(dir.path().join("sub/b.json.gz"), gzip(b"[1]")).unwrap();
        fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        let roots = [dir.path().to_path_buf(), dir.path().join("missing")];
        let (files, problems) = discover(&roots, LOG_ENDINGS);
        let names: Vec<String> = files
            .iter()
            .map(|file| file.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, vec!["a.json", "sub/b.json.gz"]);
        assert_eq!(problems.len(), 1);
        assert_eq!(read(&files[1], 1024).unwrap(), b"[1]");
    }

    #[test]
    fn a_gzip_bomb_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let bomb = dir.path().join("bomb.json.gz");
        fs::write(&bomb, gzip(&vec![b' '; 1 << 20])).unwrap();
        let problem = read(&bomb, 1000).unwrap_err();
        assert!(problem.message.contains("gzip bomb"), "{problem}");
        let broken = dir.path().join("broken.gz");
        fs::write(&broken, [0x1f, 0x8b, 0, 1, 2]).unwrap();
        assert!(read(&broken, 1000).unwrap_err().message.contains("gzip"));
    }
}
