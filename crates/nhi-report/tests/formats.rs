//! Snapshot tests of every text format over the fixed demo estate, plus the promises scripts rely
//! on: JSON parses, JSON Lines carry a `record` tag, tables carry no escape codes without colour.

mod fixture;

use fixture::{rendered, Estate};
use nhi_report::{render, render_rules, Format, RenderOptions, ReportError, View};

#[test]
fn scan_as_table() {
    let estate = Estate::demo();
    insta::assert_snapshot!(rendered(&estate.data(), View::Scan, Format::Table));
}

#[test]
fn inventory_as_table() {
    let estate = Estate::demo();
    insta::assert_snapshot!(rendered(&estate.data(), View::Inventory, Format::Table));
}

#[test]
fn scan_as_json() {
    let estate = Estate::demo();
    insta::assert_snapshot!(rendered(&estate.data(), View::Scan, Format::Json));
}

#[test]
fn findings_as_jsonl() {
    let estate = Estate::demo();
    insta::assert_snapshot!(rendered(&estate.data(), View::Findings, Format::Jsonl));
}

#[test]
fn scan_as_jsonl() {
    let estate = Estate::demo();
    insta::assert_snapshot!(rendered(&estate.data(), View::Scan, Format::Jsonl));
}

#[test]
fn findings_as_csv() {
    let estate = Estate::demo();
    insta::assert_snapshot!(rendered(&estate.data(), View::Findings, Format::Csv));
}

#[test]
fn inventory_as_csv() {
    let estate = Estate::demo();
    insta::assert_snapshot!(rendered(&estate.data(), View::Inventory, Format::Csv));
}

#[test]
fn findings_as_sarif() {
    let estate = Estate::demo();
    insta::assert_snapshot!(rendered(&estate.data(), View::Findings, Format::Sarif));
}

#[test]
fn rules_as_table_and_csv() {
    let estate = Estate::demo();
    for (format, name) in [(Format::Table, "rules_table"), (Format::Csv, "rules_csv")] {
        let mut out = Vec::new();
        render_rules(&estate.rules, format, &RenderOptions::default(), &mut out).unwrap();
        insta::assert_snapshot!(name, String::from_utf8(out).unwrap());
    }
}

#[test]
fn json_views_hold_what_their_command_promises() {
    let estate = Estate::demo();
    let data = estate.data();
    let scan: serde_json::Value =
        serde_json::from_str(&rendered(&data, View::Scan, Format::Json)).unwrap();
    assert_eq!(scan["findings"][1]["status"], "open");
    assert!(
        scan["findings"][0].get("status").is_none(),
        "untracked findings have no status"
    );
    let findings: serde_json::Value =
        serde_json::from_str(&rendered(&data, View::Findings, Format::Json)).unwrap();
    assert_eq!(findings.as_array().map(Vec::len), Some(4));
    let inventory: serde_json::Value =
        serde_json::from_str(&rendered(&data, View::Inventory, Format::Json)).unwrap();
    assert!(inventory.get("findings").is_none());
    assert_eq!(inventory["identities"].as_array().map(Vec::len), Some(3));
    for line in rendered(&data, View::Inventory, Format::Jsonl).lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(matches!(
            record["record"].as_str(),
            Some("identity" | "credential")
        ));
    }
}

#[test]
fn colour_only_when_asked() {
    let estate = Estate::demo();
    let data = estate.data();
    assert!(!rendered(&data, View::Scan, Format::Table).contains('\u{1b}'));
    let mut out = Vec::new();
    render(
        &data,
        View::Scan,
        Format::Table,
        &RenderOptions { color: true },
        &mut out,
    )
    .unwrap();
    let coloured = String::from_utf8(out).unwrap();
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[35mcritical"),
        "critical is bold magenta"
    );
}

#[test]
fn formats_that_cannot_show_a_view_say_so() {
    let estate = Estate::demo();
    let opts = RenderOptions::default();
    let inventory_as_sarif = render(
        &estate.data(),
        View::Inventory,
        Format::Sarif,
        &opts,
        &mut Vec::new(),
    );
    assert!(matches!(
        inventory_as_sarif,
        Err(ReportError::Unsupported { .. })
    ));
    let rules_as_html = render_rules(&estate.rules, Format::Html, &opts, &mut Vec::new());
    assert!(matches!(
        rules_as_html,
        Err(ReportError::Unsupported { .. })
    ));
}
