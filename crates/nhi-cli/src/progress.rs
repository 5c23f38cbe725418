//! A progress bar on standard error, shown only when it is a terminal and the user did not ask
//! for quiet: pipes and CI logs get no control characters.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nhi_sources::ScanProgress;
use std::io::IsTerminal;
use std::time::Duration;

/// Progress of a file scan.
pub struct FileProgress {
    bar: Option<ProgressBar>,
}

impl FileProgress {
    /// A bar that draws only when standard error is a terminal and `quiet` is false.
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {pos}/{len} files ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message("walking");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        FileProgress { bar }
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl ScanProgress for FileProgress {
    fn files_found(&self, count: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(count);
            bar.set_message("scanning");
        }
    }

    fn file_done(&self, _bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}
