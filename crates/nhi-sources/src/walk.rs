//! The walker: expands the scan roots into regular files, reads each one once (up to a size cap),
//! hands it to every source that recognises it, and merges what they discover.
//!
//! Hidden files are walked and `.gitignore` is not obeyed (secrets live in ignored files). Symlinks
//! to files are read; symlinked directories are not descended (so a link loop cannot trap the
//! walk), and a link that loops or dangles is reported by name. Only regular files are opened, so
//! FIFOs and devices never block the scan.

use crate::{sources, Discovery, Source, SourceContext, SourceError, SourceFile};
use nhi_model::Inventory;
use rayon::prelude::*;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Files larger than this are skipped unless the user raises `--max-file-size`.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// How to walk.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files larger than this many bytes are skipped with a warning.
    pub max_file_size: u64,
    /// Paths never read (for example the store's own database).
    pub exclude: Vec<PathBuf>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            exclude: Vec::new(),
        }
    }
}

/// Receives progress while files are read; called from several threads.
pub trait ScanProgress: Sync {
    /// The walk is done: this many files will be read.
    fn files_found(&self, count: u64);
    /// One file was read (`bytes` long).
    fn file_done(&self, bytes: u64);
}

impl ScanProgress for () {
    fn files_found(&self, _: u64) {}
    fn file_done(&self, _: u64) {}
}

/// What a walk produced.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    pub inventory: Inventory,
    /// Inputs that could not be read or parsed: one per problem, naming the file.
    pub errors: Vec<SourceError>,
    /// Inputs deliberately passed over (too large, dangling link): not failures.
    pub warnings: Vec<SourceError>,
    pub files_read: u64,
    pub bytes_read: u64,
    /// Files at least one source recognised.
    pub files_recognised: u64,
}

struct FileResult {
    discovery: Discovery,
    warning: Option<SourceError>,
    bytes: u64,
    recognised: bool,
}

/// Walk `roots`, read every regular file and run the built-in file sources over it.
pub fn scan_paths(
    roots: &[PathBuf],
    options: &ScanOptions,
    ctx: &SourceContext,
    progress: &dyn ScanProgress,
) -> ScanOutcome {
    scan_paths_with(roots, options, sources(), ctx, progress)
}

/// Walk `roots`, read every regular file once and run each of `sources` that recognises it.
pub fn scan_paths_with(
    roots: &[PathBuf],
    options: &ScanOptions,
    sources: &[&dyn Source],
    ctx: &SourceContext,
    progress: &dyn ScanProgress,
) -> ScanOutcome {
    let mut outcome = ScanOutcome::default();
    let exclude: Vec<PathBuf> = options
        .exclude
        .iter()
        .filter_map(|p| fs::canonicalize(p).ok())
        .collect();
    let mut files = Vec::new();
    for root in roots {
        collect_files(root, &exclude, &mut files, &mut outcome);
    }
    progress.files_found(files.len() as u64);

    let results: Vec<FileResult> = files
        .par_iter()
        .map(|path| {
            let result = read_one(path, options, sources, ctx);
            progress.file_done(result.bytes);
            result
        })
        .collect();

    for result in results {
        outcome.files_read += 1;
        outcome.bytes_read += result.bytes;
        outcome.files_recognised += u64::from(result.recognised);
        outcome.inventory.absorb(result.discovery.inventory);
        outcome.errors.extend(result.discovery.errors);
        outcome.warnings.extend(result.warning);
    }
    outcome
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn collect_files(
    root: &Path,
    exclude: &[PathBuf],
    files: &mut Vec<PathBuf>,
    outcome: &mut ScanOutcome,
) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| !(entry.file_type().is_dir() && entry.file_name() == ".git"));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map(display).unwrap_or_else(|| display(root));
                let message = err
                    .io_error()
                    .map(|e| format!("cannot read: {e}"))
                    .unwrap_or_else(|| err.to_string());
                outcome.errors.push(SourceError::new(path, None, message));
                continue;
            }
        };
        let path = entry.path();
        let file_type = entry.file_type();
        if file_type.is_symlink() {
            match fs::metadata(path) {
                Ok(meta) if meta.is_file() => {}
                Ok(_) => continue, // a link to a directory or a special file: not descended
                Err(err) if err.raw_os_error() == Some(40) => {
                    outcome.errors.push(SourceError::new(
                        display(path),
                        None,
                        "symbolic link loop",
                    ));
                    continue;
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    outcome.warnings.push(SourceError::new(
                        display(path),
                        None,
                        "dangling symbolic link",
                    ));
                    continue;
                }
                Err(err) => {
                    outcome.errors.push(SourceError::new(
                        display(path),
                        None,
                        format!("cannot follow link: {err}"),
                    ));
                    continue;
                }
            }
        } else if !file_type.is_file() {
            continue;
        }
        if !exclude.is_empty() {
            if let Ok(canonical) = fs::canonicalize(path) {
                if exclude.contains(&canonical) {
                    continue;
                }
            }
        }
        files.push(path.to_path_buf());
    }
}

fn read_one(
    path: &Path,
    options: &ScanOptions,
    sources: &[&dyn Source],
    ctx: &SourceContext,
) -> FileResult {
    let shown = display(path);
    let mut result = FileResult {
        discovery: Discovery::default(),
        warning: None,
        bytes: 0,
        recognised: false,
    };
    let bytes = match read_capped(path, options.max_file_size) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            result.warning = Some(SourceError::new(
                shown,
                None,
                format!(
                    "skipped: larger than --max-file-size ({} bytes)",
                    options.max_file_size
                ),
            ));
            return result;
        }
        Err(err) => {
            result.discovery.errors.push(SourceError::new(
                shown,
                None,
                format!("cannot read: {err}"),
            ));
            return result;
        }
    };
    result.bytes = bytes.len() as u64;
    let file = SourceFile {
        path: &shown,
        bytes: &bytes,
    };
    for source in sources {
        if source.recognises(&file) {
            result.recognised = true;
            source.read(&file, ctx, &mut result.discovery);
        }
    }
    result
}

/// The file's bytes, or `None` when it is larger than `cap` (checked before reading, and again
/// while reading in case the file grows).
fn read_capped(path: &Path, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let file = fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > cap {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Ok(None);
    }
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_model::Fingerprinter;

    fn scan(root: &Path, max: u64) -> ScanOutcome {
        let fp = Fingerprinter::new([7; 32]);
        let ctx = SourceContext { fingerprinter: &fp };
        let options = ScanOptions {
            max_file_size: max,
            exclude: vec![],
        };
        scan_paths(&[root.to_path_buf()], &options, &ctx, &())
    }

    #[test]
    fn walks_hidden_files_skips_git_and_reports_loops_and_large_files() {
        let dir = std::env::temp_dir().join(format!("nhi-walk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join(".hidden")).unwrap();
        fs::create_dir_all(dir.join(".git/objects")).unwrap();
        fs::write(dir.join(".hidden/a.txt"), "hello").unwrap();
        fs::write(dir.join(".git/objects/x"), "ignored").unwrap();
        fs::write(dir.join("big.bin"), vec![0u8; 2048]).unwrap();
        std::os::unix::fs::symlink("loop-b", dir.join("loop-a")).unwrap();
        std::os::unix::fs::symlink("loop-a", dir.join("loop-b")).unwrap();
        std::os::unix::fs::symlink(".", dir.join("self")).unwrap();
        std::os::unix::fs::symlink("missing", dir.join("dangling")).unwrap();

        let outcome = scan(&dir, 1024);
        assert_eq!(
            outcome.files_read, 2,
            "a.txt and big.bin (skipped) are visited"
        );
        assert_eq!(outcome.bytes_read, 5);
        let errors: Vec<String> = outcome.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().all(|e| e.contains("symbolic link loop")));
        let warnings: Vec<String> = outcome.warnings.iter().map(|e| e.to_string()).collect();
        assert!(warnings
            .iter()
            .any(|w| w.contains("big.bin") && w.contains("--max-file-size")));
        assert!(warnings.iter().any(|w| w.contains("dangling")));
        fs::remove_dir_all(&dir).unwrap();
    }
}
