//! Where the report goes and how it looks: standard output or `--output FILE`, colour only on a
//! terminal (and never with `NO_COLOR`), the chosen format. Nothing but the report goes to stdout.

use crate::cli::{CommonArgs, OutputFormat};
use anyhow::Context;
use nhi_report::{Format, RenderOptions};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

/// The report's destination, opened once per command.
pub struct Output {
    pub format: Format,
    pub options: RenderOptions,
    writer: Box<dyn Write>,
}

impl Output {
    /// Open the destination the flags name.
    pub fn open(common: &CommonArgs) -> anyhow::Result<Output> {
        let format = match common.format {
            OutputFormat::Table => Format::Table,
            OutputFormat::Json => Format::Json,
            OutputFormat::Jsonl => Format::Jsonl,
            OutputFormat::Csv => Format::Csv,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Html => Format::Html,
        };
        let (writer, terminal): (Box<dyn Write>, bool) = match &common.output {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot write report to {}", path.display()))?;
                (Box::new(BufWriter::new(file)), false)
            }
            None => (
                Box::new(BufWriter::new(io::stdout().lock())),
                io::stdout().is_terminal(),
            ),
        };
        let color = terminal && std::env::var_os("NO_COLOR").is_none();
        Ok(Output {
            format,
            options: RenderOptions { color },
            writer,
        })
    }

    /// Render a report of `view` in the chosen format.
    pub fn render(
        &mut self,
        data: &nhi_report::ReportData,
        view: nhi_report::View,
    ) -> anyhow::Result<()> {
        nhi_report::render(data, view, self.format, &self.options, &mut self.writer)?;
        Ok(())
    }

    /// Render the rule catalogue in the chosen format.
    pub fn render_rules(&mut self, rules: &[nhi_model::RuleMeta]) -> anyhow::Result<()> {
        nhi_report::render_rules(rules, self.format, &self.options, &mut self.writer)?;
        Ok(())
    }

    /// The writer the report goes to.
    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.writer
    }

    /// Flush what was written; a closed pipe (e.g. `| head`) is not an error.
    pub fn finish(mut self) -> anyhow::Result<()> {
        match self.writer.flush() {
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("cannot write report"),
        }
    }
}

/// Print one line to standard error unless `--quiet`.
pub fn note(common: &CommonArgs, message: impl std::fmt::Display) {
    if !common.quiet {
        eprintln!("{message}");
    }
}
