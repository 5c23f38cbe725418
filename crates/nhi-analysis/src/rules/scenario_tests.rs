//! All rules over a small, realistic estate: a TLS directory with its key (and a backup copy), an
//! expired and an expiring certificate, a legacy weak leaf, a SHA-1 root, and SSH keys of a deploy
//! account and a person. The exact set of findings is the contract.

use super::example_builders::{
    authorized_key, certificate, inventory, private_key, seen_at, ssh_private_key,
    with_certificate, with_key,
};
use crate::{analyse, examples_now, AnalysisContext};

#[test]
fn small_estate_gives_exactly_the_expected_findings() {
    let api = seen_at(certificate("api.acme", "", -365, 365), &["etc/tls/api.crt"]);
    let api_key = private_key("pk-api.acme", &["etc/tls/api.key", "backup/api.key"], false);
    let expired = seen_at(certificate("old.acme", "", -375, -10), &["etc/tls/old.crt"]);
    let soon = seen_at(certificate("soon.acme", "", -85, 5), &["certs/soon.pem"]);
    let root = with_certificate(
        seen_at(
            certificate("Acme Root", "", -3000, 4000),
            &["certs/root.pem"],
        ),
        |c| {
            c.is_ca = true;
            c.self_signed = true;
            c.signature_algorithm = "sha1WithRSAEncryption".into();
        },
    );
    let legacy = with_key(
        with_certificate(
            seen_at(
                certificate("legacy.acme", "", -100, 200),
                &["certs/legacy.pem"],
            ),
            |c| c.signature_algorithm = "sha1WithRSAEncryption".into(),
        ),
        |k| k.bits = Some(1024),
    );
    let credentials = vec![
        api,
        api_key,
        expired,
        soon,
        root,
        legacy,
        authorized_key("deploy", "deploy", &[], Some("deploy@ci-runner")),
        authorized_key(
            "deploy",
            "root",
            &["from=\"10.0.0.0/8\""],
            Some("deploy@ci-runner"),
        ),
        authorized_key("alice", "alice", &[], Some("alice@laptop")),
        ssh_private_key("alice", &["home/alice/.ssh/id_ed25519"], true),
    ];
    let findings = analyse(
        &inventory(credentials),
        &AnalysisContext::new(examples_now()),
    );
    let mut found: Vec<(String, String, String)> = findings
        .iter()
        .map(|f| {
            let at = f.location.as_ref().map(|l| l.display()).unwrap_or_default();
            (f.rule.clone(), f.subjects[0].clone(), at)
        })
        .collect();
    found.sort();
    let expected = [
        (
            "crypto-weak-key",
            "x509-certificate:cert-legacy.acme",
            "certs/legacy.pem:1",
        ),
        (
            "key-material-reused",
            "private-key:pk-api.acme",
            "etc/tls/api.key:1",
        ),
        (
            "key-material-reused",
            "ssh-authorized-key:SHA256:deploy:deploy",
            "/home/deploy/.ssh/authorized_keys:1",
        ),
        (
            "private-key-beside-certificate",
            "private-key:pk-api.acme",
            "etc/tls/api.key:1",
        ),
        (
            "private-key-unencrypted",
            "private-key:pk-api.acme",
            "backup/api.key:1",
        ),
        (
            "private-key-unencrypted",
            "private-key:pk-api.acme",
            "etc/tls/api.key:1",
        ),
        (
            "ssh-authorized-key-unrestricted",
            "ssh-authorized-key:SHA256:deploy:deploy",
            "/home/deploy/.ssh/authorized_keys:1",
        ),
        (
            "x509-certificate-expired",
            "x509-certificate:cert-old.acme",
            "etc/tls/old.crt:1",
        ),
        (
            "x509-certificate-expiring-soon",
            "x509-certificate:cert-soon.acme",
            "certs/soon.pem:1",
        ),
        (
            "x509-certificate-long-validity",
            "x509-certificate:cert-api.acme",
            "etc/tls/api.crt:1",
        ),
        (
            "x509-weak-signature",
            "x509-certificate:cert-legacy.acme",
            "certs/legacy.pem:1",
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(r, s, l)| (r.to_string(), s.to_string(), l.to_string()))
        .collect();
    assert_eq!(found, expected);

    let titles: Vec<&str> = findings.iter().map(|f| f.title.as_str()).collect();
    for title in [
        "Certificate CN=old.acme expired 2025-12-22 (10 days ago)",
        "Certificate CN=soon.acme expires 2026-01-06 (in 5 days)",
        "Certificate CN=api.acme is valid for 730 days (more than 398)",
        "Certificate CN=legacy.acme uses a weak RSA-1024 key",
        "Private key for certificate CN=api.acme stored beside it in etc/tls/",
        "SSH key 'deploy@ci-runner' can log in to deploy from anywhere and run any command",
        "SSH key ssh:key:SHA256:deploy is authorized for 2 accounts: deploy, root",
    ] {
        assert!(
            titles.contains(&title),
            "missing title {title:?} in {titles:#?}"
        );
    }
}
