//! `load_baseline` reads back the finding ids of every report nhi writes that can hold them.

mod fixture;

use fixture::{rendered, Estate};
use nhi_report::{load_baseline, Format, View};
use std::collections::HashSet;

#[test]
fn every_machine_readable_report_round_trips_its_finding_ids() {
    let estate = Estate::demo();
    let expected: HashSet<String> = estate
        .findings
        .iter()
        .map(|f| f.finding.id.clone())
        .collect();
    for view in [View::Scan, View::Findings] {
        for format in [Format::Json, Format::Jsonl, Format::Sarif] {
            let report = rendered(&estate.data(), view, format);
            let ids = load_baseline(report.as_bytes())
                .unwrap_or_else(|e| panic!("{view:?} {format}: {e}"));
            assert_eq!(ids, expected, "{view:?} as {format}");
        }
    }
}

#[test]
fn human_formats_are_refused() {
    let estate = Estate::demo();
    for format in [Format::Table, Format::Csv, Format::Html] {
        let report = rendered(&estate.data(), View::Scan, format);
        assert!(
            load_baseline(report.as_bytes()).is_err(),
            "{format} is not a baseline"
        );
    }
}
