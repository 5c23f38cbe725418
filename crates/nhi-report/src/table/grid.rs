//! Aligned text columns for a terminal. Widths are counted in chars; a cell longer than its
//! column's cap is cut with `…` on the side that matters least. Control characters in cells are
//! replaced, so untrusted text (file names, titles) cannot move the cursor or recolour the terminal.

use anstyle::Style;
use std::io::Write;

/// Which end of a long cell to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Keep the start (titles, ids).
    Start,
    /// Keep the end (paths: the file name matters more than the first directories).
    End,
}

/// One column: its header, the widest it may grow, and how to cut a longer cell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub header: &'static str,
    pub max: usize,
    pub keep: Keep,
}

impl Column {
    pub const fn new(header: &'static str, max: usize, keep: Keep) -> Self {
        Column { header, max, keep }
    }
}

/// One cell: its text and, when colour is on, its style.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    /// A cell with no style.
    pub fn plain(text: impl Into<String>) -> Self {
        Cell::styled(text, Style::new())
    }

    /// A cell shown in `style` when colour is on.
    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Cell {
            text: clean(&text.into()),
            style,
        }
    }
}

/// `text` wrapped in `style`'s escapes when `color` is on and the style is not plain.
pub(crate) fn paint(text: &str, style: Style, color: bool) -> String {
    if color && style != Style::new() {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

/// Write a header row and `rows` aligned under `columns`, two spaces apart, with no trailing
/// blanks. Each row has one cell per column.
pub(crate) fn write(
    columns: &[Column],
    rows: &[Vec<Cell>],
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let widest = rows
                .iter()
                .map(|row| width(&row[i].text))
                .max()
                .unwrap_or(0);
            widest.min(column.max).max(width(column.header))
        })
        .collect();
    let bold = Style::new().bold();
    let header: Vec<Cell> = columns
        .iter()
        .map(|c| Cell::styled(c.header, bold))
        .collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, column)) in row.iter().zip(columns).enumerate() {
            let text = cut(&cell.text, widths[i], column.keep);
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(&paint(&text, cell.style, color));
            if i + 1 < columns.len() {
                line.push_str(&" ".repeat(widths[i] - width(&text)));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to at most `max` chars, marking the cut with `…`.
fn cut(text: &str, max: usize, keep: Keep) -> String {
    let len = width(text);
    if len <= max {
        return text.to_string();
    }
    let kept = max.saturating_sub(1);
    match keep {
        Keep::Start => format!("{}…", text.chars().take(kept).collect::<String>()),
        Keep::End => format!("…{}", text.chars().skip(len - kept).collect::<String>()),
    }
}

/// Control characters (escapes, newlines, tabs) replaced by `�`.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_keep_the_side_that_matters() {
        assert_eq!(cut("abcdefgh", 5, Keep::Start), "abcd…");
        assert_eq!(cut("src/app/config.py", 10, Keep::End), "…config.py");
        assert_eq!(cut("short", 10, Keep::End), "short");
        assert_eq!(cut("ééééé", 3, Keep::Start), "éé…");
    }

    #[test]
    fn escapes_in_cells_cannot_reach_the_terminal() {
        assert_eq!(Cell::plain("a\x1b[31mb\nc").text, "a\u{FFFD}[31mb\u{FFFD}c");
    }

    #[test]
    fn columns_align_and_lines_have_no_trailing_blanks() {
        let columns = [
            Column::new("A", 10, Keep::Start),
            Column::new("B", 10, Keep::Start),
        ];
        let rows = vec![
            vec![Cell::plain("long value"), Cell::plain("x")],
            vec![Cell::plain("v"), Cell::plain("")],
        ];
        let mut out = Vec::new();
        write(&columns, &rows, false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "A           B\nlong value  x\nv\n");
    }

    #[test]
    fn colour_wraps_the_text_but_not_the_padding() {
        let red = Style::new().fg_color(Some(anstyle::AnsiColor::Red.into()));
        let columns = [
            Column::new("SEV", 8, Keep::Start),
            Column::new("X", 8, Keep::Start),
        ];
        let rows = vec![vec![Cell::styled("high", red), Cell::plain("y")]];
        let mut out = Vec::new();
        write(&columns, &rows, true, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\u{1b}[31mhigh\u{1b}[0m  y"), "{text:?}");
    }
}
