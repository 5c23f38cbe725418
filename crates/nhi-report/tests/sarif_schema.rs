//! The SARIF output validates against the official OASIS SARIF 2.1.0 schema (`schema/`, see its
//! README for where it comes from). Validation is offline: the schema is draft-04 and refers only
//! to itself.

mod fixture;

use fixture::{rendered, Estate};
use nhi_report::{Format, View};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/schema/sarif-schema-2.1.0.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("schema file"))
        .expect("schema is JSON");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(sarif: &Value) -> Vec<String> {
    validator()
        .iter_errors(sarif)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

#[test]
fn demo_findings_are_valid_sarif() {
    let estate = Estate::demo();
    for view in [View::Scan, View::Findings] {
        let sarif: Value =
            serde_json::from_str(&rendered(&estate.data(), view, Format::Sarif)).unwrap();
        assert_eq!(schema_errors(&sarif), Vec::<String>::new());
    }
}

#[test]
fn a_report_with_no_findings_is_valid_sarif() {
    let estate = Estate {
        findings: Vec::new(),
        ..Estate::demo()
    };
    let sarif: Value =
        serde_json::from_str(&rendered(&estate.data(), View::Findings, Format::Sarif)).unwrap();
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"],
        serde_json::json!([])
    );
    assert_eq!(schema_errors(&sarif), Vec::<String>::new());
}

#[test]
fn the_validator_does_reject_invalid_sarif() {
    let estate = Estate::demo();
    let mut sarif: Value =
        serde_json::from_str(&rendered(&estate.data(), View::Findings, Format::Sarif)).unwrap();
    sarif["runs"][0]["results"][0]["level"] = "fatal".into();
    sarif["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert_eq!(
        schema_errors(&sarif).len(),
        2,
        "{:?}",
        schema_errors(&sarif)
    );
}

#[test]
fn results_point_at_their_rules_and_carry_the_finding_id() {
    let estate = Estate::demo();
    let sarif: Value =
        serde_json::from_str(&rendered(&estate.data(), View::Findings, Format::Sarif)).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(
        rules.iter().all(|r| r["id"] != "gcp-key-unrotated"),
        "unreferenced rules are left out"
    );
    for (result, tracked) in run["results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&estate.findings)
    {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(
            result["partialFingerprints"]["nhiFindingId/v1"],
            tracked.finding.id.as_str()
        );
    }
}
