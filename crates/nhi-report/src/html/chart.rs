//! Horizontal bar charts as inline SVG: no script, no external resource, colours from the page's
//! CSS classes. Labels and counts are escaped like every other text of the page.

use super::escape;
use std::io::Write;

const WIDTH: usize = 600;
const LABEL_END: usize = 290;
const BAR_START: usize = 300;
const BAR_MAX: usize = 240;
const ROW: usize = 26;
/// Longest label drawn in full; the `<title>` tooltip always holds the whole label.
const LABEL_CHARS: usize = 46;

/// One bar: its label, its value and the CSS class that colours it (empty for the accent).
pub(super) struct Bar {
    pub label: String,
    pub value: usize,
    pub class: &'static str,
}

/// Write a `<figure>` holding `caption` and one bar per entry, scaled to the largest value.
pub(super) fn write(caption: &str, bars: &[Bar], out: &mut dyn Write) -> std::io::Result<()> {
    let largest = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1);
    let caption = escape(caption);
    writeln!(
        out,
        "<figure class=\"chart\"><figcaption>{caption}</figcaption>"
    )?;
    writeln!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" aria-label=\"{caption}\">"
    )?;
    for (i, bar) in bars.iter().enumerate() {
        let top = i * ROW;
        let length = match bar.value {
            0 => 0,
            value => (value * BAR_MAX / largest).max(2),
        };
        let label = escape(&bar.label);
        writeln!(
            out,
            "<g><title>{label}: {value}</title>\
             <text x=\"{LABEL_END}\" y=\"{text_y}\" text-anchor=\"end\">{short}</text>\
             <rect x=\"{BAR_START}\" y=\"{bar_y}\" width=\"{length}\" height=\"18\" rx=\"3\" class=\"{class}\"/>\
             <text x=\"{count_x}\" y=\"{text_y}\">{value}</text></g>",
            value = bar.value,
            text_y = top + 17,
            short = escape(&shorten(&bar.label)),
            bar_y = top + 4,
            class = bar.class,
            count_x = BAR_START + length + 6,
        )?;
    }
    writeln!(out, "</svg></figure>")
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_zero_draws_nothing() {
        let bars = [
            Bar {
                label: "a <b>".into(),
                value: 4,
                class: "sev-high",
            },
            Bar {
                label: "c".into(),
                value: 1,
                class: "",
            },
            Bar {
                label: "d".into(),
                value: 0,
                class: "",
            },
        ];
        let mut out = Vec::new();
        write("Findings", &bars, &mut out).unwrap();
        let svg = String::from_utf8(out).unwrap();
        assert!(svg.contains(&format!("width=\"{BAR_MAX}\"")));
        assert!(svg.contains(&format!("width=\"{}\"", BAR_MAX / 4)));
        assert!(svg.contains("width=\"0\""));
        assert!(svg.contains("a &lt;b&gt;") && !svg.contains("<b>"));
    }
}
