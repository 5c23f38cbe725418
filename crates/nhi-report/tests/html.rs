//! The HTML page is self-contained, escapes everything it shows, keeps its script allowed by its
//! own Content-Security-Policy, and shows the sections its view promises.

mod fixture;

use base64::Engine;
use fixture::{rendered, Estate};
use nhi_report::{Format, View};
use sha2::{Digest, Sha256};

#[test]
fn loads_nothing_from_the_network() {
    let estate = Estate::demo();
    for view in [View::Scan, View::Findings, View::Inventory] {
        let page = rendered(&estate.data(), view, Format::Html).to_lowercase();
        for external in [
            "src=\"http",
            "href=\"http",
            "@import",
            "url(http",
            "src='http",
            "href='http",
        ] {
            assert!(!page.contains(external), "{view:?} page holds {external}");
        }
    }
}

#[test]
fn text_from_the_data_is_escaped() {
    let mut estate = Estate::demo();
    estate.findings[0].finding.title = "<script>alert(1)</script>".into();
    estate.findings[0].finding.subjects[0] = "\"><img src=x onerror=alert(2)>".into();
    let page = rendered(&estate.data(), View::Scan, Format::Html);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own filter script"
    );
    assert!(!page.contains("<img"));
}

#[test]
fn the_policy_allows_exactly_the_inline_script() {
    let estate = Estate::demo();
    let page = rendered(&estate.data(), View::Findings, Format::Html);
    let start = page.find("<script>").expect("filter script") + "<script>".len();
    let end = start + page[start..].find("</script>").expect("script end");
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&page[start..end]));
    assert!(
        page.contains(&format!("script-src 'sha256-{hash}'")),
        "update FILTER_SCRIPT_SHA256 to {hash}"
    );
    assert!(page.contains("default-src 'none'"));
}

#[test]
fn scan_page_has_every_section() {
    let estate = Estate::demo();
    let page = rendered(&estate.data(), View::Scan, Format::Html);
    for part in [
        "<h1>nhi scan examples/demo-estate</h1>",
        "2025-06-01T12:00:00Z",
        "nhi 0.1.0",
        "class=\"cards\"",
        "Findings by severity",
        "NHI2 Secret Leakage",
        "Identities by kind",
        "id=\"finding-filter\"",
        "id=\"severity-filter\"",
        "id=\"owasp-filter\"",
        "id=\"findings-table\"",
        "id=\"identities\"",
        "id=\"credentials\"",
        "fp1:0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "How to fix what aws-access-key-in-file finds.",
    ] {
        assert!(page.contains(part), "scan page lacks {part}");
    }
    assert_eq!(page.matches("<svg").count(), 4);
    for tag in ["table", "tr", "section", "details", "svg", "figure"] {
        assert_eq!(
            page.matches(&format!("<{tag}")).count() - page.matches(&format!("<{tag}s")).count(),
            page.matches(&format!("</{tag}>")).count(),
            "<{tag}> is balanced"
        );
    }
}

#[test]
fn findings_page_has_no_inventory_and_inventory_page_no_findings() {
    let estate = Estate::demo();
    let findings = rendered(&estate.data(), View::Findings, Format::Html);
    assert!(findings.contains("id=\"findings-table\""));
    assert!(!findings.contains("id=\"identities\"") && !findings.contains("Identities by kind"));
    let inventory = rendered(&estate.data(), View::Inventory, Format::Html);
    assert!(inventory.contains("id=\"identities\""));
    assert!(!inventory.contains("id=\"findings\"") && !inventory.contains("<script"));
}

#[test]
fn an_empty_report_still_reads() {
    let estate = Estate {
        findings: Vec::new(),
        ..Estate::demo()
    };
    let page = rendered(&estate.data(), View::Findings, Format::Html);
    assert!(page.contains("No findings.") && !page.contains("<script"));
}
