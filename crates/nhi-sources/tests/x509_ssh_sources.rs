//! Scans the committed x509 and ssh fixtures (see `tests/fixtures/README.md`) the way the CLI does
//! and checks the exact inventory: ids, kinds, links, locations, key facts, grants and errors.

use nhi_model::{Credential, CredentialDetails, Fingerprinter, Inventory};
use nhi_sources::{scan_paths, ScanOptions, ScanOutcome, SourceContext};
use std::path::PathBuf;

fn scan(dir: &str) -> ScanOutcome {
    let fingerprinter = Fingerprinter::new([7; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    scan_paths(&[PathBuf::from(dir)], &ScanOptions::default(), &ctx, &())
}

/// One line per credential: id, kind, identity, locations, key facts.
fn credential_lines(inventory: &Inventory) -> Vec<String> {
    inventory
        .credentials
        .values()
        .map(credential_line)
        .collect()
}

fn credential_line(c: &Credential) -> String {
    let locations: Vec<String> = c
        .locations
        .iter()
        .map(|l| {
            l.display()
                .trim_start_matches("tests/fixtures/")
                .to_string()
        })
        .collect();
    let key = c.details.key().map_or(String::new(), |k| {
        format!(
            "{:?}/{}/{} enc={:?}",
            k.algorithm,
            k.bits.map_or("-".into(), |b| b.to_string()),
            k.curve.as_deref().unwrap_or("-"),
            k.encrypted
        )
    });
    format!(
        "{} | {} | {} | {} | {key}",
        c.id.replace("tests/fixtures/", ""),
        c.kind.as_str(),
        c.identity.as_deref().unwrap_or("-"),
        locations.join(",")
    )
}

fn errors(outcome: &ScanOutcome) -> Vec<String> {
    let mut errors: Vec<String> = outcome.errors.iter().map(|e| e.to_string()).collect();
    errors.sort();
    errors
}

const API_KEY: &str = "a1e16748a1b29946f42c2d089045401929edffc5cc41f5db662c6a5fc88eb330";
const DEPLOY_KEY: &str = "SHA256:Lc1CpiDWRAY5hQR4UMC5WkMabpC/cqIcUvdW3mW23sw";
const ALICE_KEY: &str = "SHA256:T0euGwGVC/gf4agAmi2TB2NVT317msNgJhxp0+ebqLg";

#[test]
fn x509_fixtures_give_the_exact_inventory() {
    let outcome = scan("tests/fixtures/x509");
    assert_eq!(errors(&outcome), Vec::<String>::new());
    let inventory = &outcome.inventory;
    let identities: Vec<(&str, &str)> = inventory
        .identities
        .values()
        .map(|i| (i.id.as_str(), i.name.as_str()))
        .collect();
    assert_eq!(
        identities,
        [
            ("x509:subject:CN=edge.acme.test", "edge.acme.test"),
            ("x509:subject:CN=legacy.internal", "legacy.internal"),
            ("x509:subject:CN=old-api.acme.test", "old-api.acme.test"),
            ("x509:subject:CN=sha1.acme.test", "sha1.acme.test"),
            ("x509:subject:CN=soon.acme.test", "soon.acme.test"),
            ("x509:subject:CN=www.acme.test", "www.acme.test"),
            (
                "x509:subject:O=Acme Fixtures,CN=Acme Fixture Root CA",
                "Acme Fixture Root CA"
            ),
            (
                "x509:subject:O=Acme\\, Inc.,CN=api.acme.test",
                "api.acme.test"
            ),
        ]
    );
    assert!(inventory.identities.values().all(|i| i.provider == "x509"));
    assert_eq!(
        credential_lines(inventory),
        [
            "private-key:0344863186e022cf90a06fc532a68dc723d830431554c2c80b5971c03a2b27f9 | private-key | - | x509/tls/server.key:1 | Ecdsa/256/P-256 enc=Some(false)",
            "private-key:26e513f3b438ab619bc5a22a96febc3d9e335c22adb5631f3ba2f16f074eed6b | private-key | - | x509/ed25519_leaf_key.der | Ed25519/256/- enc=Some(false)",
            "private-key:3a16ba4a7d9d037607bcdc6a5d77fb19b624ad34d3154d9e61a6ee062c0a219f | private-key | - | x509/dsa1024_traditional.key:1 | Dsa/1024/- enc=Some(false)",
            "private-key:489658fc30033c1027833f399ac0f34cb4067ed5f2602b4fab59519ea4556d59 | private-key | - | x509/ec_no_public.key:1 | Ecdsa/256/P-256 enc=Some(false)",
            "private-key:a1e16748a1b29946f42c2d089045401929edffc5cc41f5db662c6a5fc88eb330 | private-key | x509:subject:O=Acme\\, Inc.,CN=api.acme.test | x509/backup/api.key:1,x509/leaf_and_key.pem:20 | Rsa/2048/- enc=Some(false)",
            "private-key:fp1:1ebe990ccb1121bf1dfc1792d045f1cb | private-key | - | x509/legacy_encrypted_rsa.key:1 | Rsa/-/- enc=Some(true)",
            "private-key:fp1:31a5c52e24920fa51c309ffb8c44c820 | private-key | - | x509/encrypted_pkcs8.pem:1 | Unknown/-/- enc=Some(true)",
            "x509-certificate:073930fd60f15ce115176b29f0586a3a1df43caca01fef65925306dfd1042414 | x509-certificate | x509:subject:O=Acme Fixtures,CN=Acme Fixture Root CA | x509/ca.pem:1,x509/chain.pem:13 | Ecdsa/384/P-384 enc=None",
            "x509-certificate:216456febc8e3221579223e3bb75acf9907b4a5722b510f8f6fced7d5120193f | x509-certificate | x509:subject:CN=sha1.acme.test | x509/sha1_leaf.pem:1 | Rsa/2048/- enc=None",
            "x509-certificate:41509f5b947ccd3e527ca913f68c92473b73522d729adf37927b62ea5730fc3a | x509-certificate | x509:subject:CN=www.acme.test | x509/tls/server.crt:1 | Ecdsa/256/P-256 enc=None",
            "x509-certificate:8dd8aa7ec4e8214fdadd4d7126e49734329a95b5660ddfb002de827a05af18a0 | x509-certificate | x509:subject:CN=soon.acme.test | x509/chain.pem:1 | Ecdsa/256/P-256 enc=None",
            "x509-certificate:bc04a2a04af888a52324308cf79a3669576546117083e8d724e57f56f2a600fe | x509-certificate | x509:subject:CN=legacy.internal | x509/rsa1024_selfsigned.pem:1 | Rsa/1024/- enc=None",
            "x509-certificate:cfbad690bf0bce7abe24bbb62ff59cc0d3e885b434a171c7844eec16f9941de8 | x509-certificate | x509:subject:CN=old-api.acme.test | x509/expired_leaf.pem:1 | Ecdsa/256/P-256 enc=None",
            "x509-certificate:ddf461bc1dd9762aa3265d59c1fe071af7fb6ed1e484c173a58d8bde8a9a4393 | x509-certificate | x509:subject:CN=edge.acme.test | x509/ed25519_leaf.der | Ed25519/256/- enc=None",
            "x509-certificate:df1e883ed44d50000604e9393fff39bd206ab2b1c7d567b3059be9b3845fe907 | x509-certificate | x509:subject:O=Acme\\, Inc.,CN=api.acme.test | x509/leaf_and_key.pem:1 | Rsa/2048/- enc=None",
        ]
    );
}

#[test]
fn certificate_details_are_complete_and_keys_link_by_public_key() {
    let inventory = scan("tests/fixtures/x509").inventory;
    let cert = &inventory.credentials
        ["x509-certificate:df1e883ed44d50000604e9393fff39bd206ab2b1c7d567b3059be9b3845fe907"];
    let CredentialDetails::Certificate(details) = &cert.details else {
        panic!("certificate details expected, got {:?}", cert.details);
    };
    let json = serde_json::to_value(details).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "subject": "O=Acme\\, Inc.,CN=api.acme.test",
            "issuer": "O=Acme Fixtures,CN=Acme Fixture Root CA",
            "serial": "1003",
            "not_before": "2025-06-01T00:00:00Z",
            "not_after": "2027-06-01T00:00:00Z",
            "sans": ["DNS:api.acme.test", "DNS:*.api.acme.test", "IP:10.0.0.5", "email:ops@acme.test", "URI:spiffe://acme.test/api"],
            "signature_algorithm": "ecdsa-with-SHA256",
            "is_ca": false,
            "self_signed": false,
            "sha256": "df1e883ed44d50000604e9393fff39bd206ab2b1c7d567b3059be9b3845fe907",
            "key": {"algorithm": "rsa", "bits": 2048, "public_key_sha256": API_KEY}
        })
    );
    assert_eq!(cert.created, Some(details.not_before));
    assert_eq!(cert.expires, Some(details.not_after));

    let signature = |id: &str| match &inventory.credentials[id].details {
        CredentialDetails::Certificate(c) => {
            (c.signature_algorithm.clone(), c.is_ca, c.self_signed)
        }
        other => panic!("{other:?}"),
    };
    let ca = "x509-certificate:073930fd60f15ce115176b29f0586a3a1df43caca01fef65925306dfd1042414";
    assert_eq!(signature(ca), ("ecdsa-with-SHA384".into(), true, true));
    let sha1 = "x509-certificate:216456febc8e3221579223e3bb75acf9907b4a5722b510f8f6fced7d5120193f";
    assert_eq!(signature(sha1), ("ecdsa-with-SHA1".into(), false, false));
    let legacy =
        "x509-certificate:bc04a2a04af888a52324308cf79a3669576546117083e8d724e57f56f2a600fe";
    assert_eq!(
        signature(legacy),
        ("sha256WithRSAEncryption".into(), false, true)
    );

    // Every derivable private key equals the public key of a certificate somewhere in the tree.
    let cert_keys: Vec<&str> = inventory
        .credentials
        .values()
        .filter(|c| matches!(c.details, CredentialDetails::Certificate(_)))
        .filter_map(|c| c.details.key().map(|k| k.public_key_sha256.as_str()))
        .collect();
    for key in inventory
        .credentials
        .values()
        .filter(|c| c.id.starts_with("private-key:"))
    {
        let public = &key.details.key().unwrap().public_key_sha256;
        let derivable = !public.is_empty() && !key.id.contains("3a16ba4a"); // the DSA key has no certificate
        assert_eq!(
            cert_keys.contains(&public.as_str()),
            derivable,
            "{}",
            key.id
        );
    }
    let key = &inventory.credentials[&format!("private-key:{API_KEY}")];
    assert_eq!(
        key.redacted.as_deref(),
        Some("-----BEGIN PRIVATE KEY----- [redacted 1218 bytes]")
    );
}

#[test]
fn ssh_fixtures_give_the_exact_inventory() {
    let outcome = scan("tests/fixtures/ssh");
    assert_eq!(
        errors(&outcome),
        [
            "tests/fixtures/ssh/authorized_keys_mixed:7: invalid base64 in 'ssh-ed25519' key",
            "tests/fixtures/ssh/known_hosts:5: no SSH key on this line",
        ]
    );
    let inventory = &outcome.inventory;
    let identities: Vec<String> = inventory
        .identities
        .values()
        .map(|i| {
            let attributes = serde_json::to_string(&i.attributes).unwrap();
            format!("{} | {} | {} | {attributes}", i.id, i.kind.as_str(), i.name)
        })
        .collect();
    assert_eq!(
        identities,
        [
            "ssh:key:SHA256:7R0jd+du8tu3Lchfy7qKKuDb3xN3uwHvI/G6svaqavk | ssh-key | backup@nas | {}",
            "ssh:key:SHA256:9G7bIGh7HQBolapTfWSKhW4W2c/WFqnI+9CvlydJYv4 | ssh-key | SHA256:9G7bIGh7HQBolapTfWSKhW4W2c/WFqnI+9CvlydJYv4 | {\"known_host\":[\"github.com\",\"140.82.121.3\",\"[git.acme.test]:2222\"]}",
            "ssh:key:SHA256:Lc1CpiDWRAY5hQR4UMC5WkMabpC/cqIcUvdW3mW23sw | ssh-key | deploy@ci-runner | {}",
            "ssh:key:SHA256:T0euGwGVC/gf4agAmi2TB2NVT317msNgJhxp0+ebqLg | ssh-key | alice@laptop | {}",
            "ssh:key:SHA256:YYa4Z0+5IULb/RpyUYUXas8cBzROXLUx2m2dfqJEhIk | ssh-key | runner | {}",
            "ssh:key:SHA256:l5dtenl7uPVC9RYcwI/rhwlwj4+KFSuPwLxocr8uDGg | ssh-key | legacy key, with spaces | {}",
            "ssh:key:SHA256:r1Juh9ClBnnjYL8bR7t0AvWLdjH6nIb20Mg1y8Ytclk | ssh-key | acme host CA | {\"known_host\":[\"*.acme.test\"],\"known_host_marker\":\"cert-authority\"}",
            "ssh:key:SHA256:y8dwXlQZmPIK5UqHFl2B9s6+Ton9PpRNDBmGfEdKb+E | ssh-key | SHA256:y8dwXlQZmPIK5UqHFl2B9s6+Ton9PpRNDBmGfEdKb+E | {\"known_host\":[\"|1|PvhWvX2vkiOCPLWOlWZKpcUwH4s=|QJ8CyotiVcJCcC+09UrxDZ7gZHg=\"]}",
        ]
    );
    let deploy = format!("ssh:key:{DEPLOY_KEY}");
    let alice = format!("ssh:key:{ALICE_KEY}");
    assert_eq!(
        credential_lines(inventory),
        [
            "ssh-authorized-key:SHA256:7R0jd+du8tu3Lchfy7qKKuDb3xN3uwHvI/G6svaqavk:ssh/authorized_keys_mixed | ssh-authorized-key | ssh:key:SHA256:7R0jd+du8tu3Lchfy7qKKuDb3xN3uwHvI/G6svaqavk | ssh/authorized_keys_mixed:3 | Ed25519/256/- enc=None".to_string(),
            format!("ssh-authorized-key:{DEPLOY_KEY}:alice | ssh-authorized-key | {deploy} | ssh/home/alice/.ssh/authorized_keys:1 | Ed25519/256/- enc=None"),
            format!("ssh-authorized-key:{DEPLOY_KEY}:deploy | ssh-authorized-key | {deploy} | ssh/home/deploy/.ssh/authorized_keys:1 | Ed25519/256/- enc=None"),
            format!("ssh-authorized-key:{DEPLOY_KEY}:ssh/authorized_keys_mixed | ssh-authorized-key | {deploy} | ssh/authorized_keys_mixed:2 | Ed25519/256/- enc=None"),
            format!("ssh-authorized-key:{ALICE_KEY}:alice | ssh-authorized-key | {alice} | ssh/home/alice/.ssh/authorized_keys:2 | Rsa/3072/- enc=None"),
            "ssh-authorized-key:SHA256:YYa4Z0+5IULb/RpyUYUXas8cBzROXLUx2m2dfqJEhIk:ssh/authorized_keys_mixed | ssh-authorized-key | ssh:key:SHA256:YYa4Z0+5IULb/RpyUYUXas8cBzROXLUx2m2dfqJEhIk | ssh/authorized_keys_mixed:5 | Ecdsa/256/P-256 enc=None".to_string(),
            "ssh-authorized-key:SHA256:l5dtenl7uPVC9RYcwI/rhwlwj4+KFSuPwLxocr8uDGg:ssh/authorized_keys_mixed | ssh-authorized-key | ssh:key:SHA256:l5dtenl7uPVC9RYcwI/rhwlwj4+KFSuPwLxocr8uDGg | ssh/authorized_keys_mixed:6 | Rsa/1024/- enc=None".to_string(),
            format!("ssh-private-key:{DEPLOY_KEY} | ssh-private-key | {deploy} | ssh/id_ed25519:1 | Ed25519/256/- enc=Some(false)"),
            format!("ssh-private-key:{ALICE_KEY} | ssh-private-key | {alice} | ssh/id_rsa_encrypted:1 | Rsa/3072/- enc=Some(true)"),
        ]
    );
}

#[test]
fn authorized_keys_give_details_and_login_grants() {
    let inventory = scan("tests/fixtures/ssh").inventory;
    let backup = &inventory.credentials
        ["ssh-authorized-key:SHA256:7R0jd+du8tu3Lchfy7qKKuDb3xN3uwHvI/G6svaqavk:tests/fixtures/ssh/authorized_keys_mixed"];
    let CredentialDetails::AuthorizedKey(details) = &backup.details else {
        panic!("authorized key details expected");
    };
    assert_eq!(details.account, None);
    assert_eq!(
        details.options,
        [
            r#"from="10.0.0.0/8,192.168.1.1""#,
            r#"command="rsync --server -e.Lsf . \"/srv/backup dir\"""#,
            "no-pty"
        ]
    );
    assert_eq!(details.comment.as_deref(), Some("backup@nas"));
    assert_eq!(
        details.key.public_key_sha256,
        "ed1d2377e76ef2dbb72dc85fcbba8a2ae0dbdf1377bb01ef23f1bab2f6aa6af9"
    );

    let grants: Vec<String> = inventory
        .grants
        .iter()
        .map(|g| {
            let conditions = g.conditions.as_ref().map_or("-".into(), |c| c.to_string());
            let at = g.location.as_ref().map(|l| l.display()).unwrap_or_default();
            format!(
                "{} {} {} {} {conditions} @{at}",
                g.identity,
                g.effect,
                g.actions.join(","),
                g.resources.join(",")
            )
        })
        .collect();
    let mixed = "ssh-authorized-keys:tests/fixtures/ssh/authorized_keys_mixed";
    assert_eq!(
        grants,
        [
            format!("ssh:key:{DEPLOY_KEY} allow ssh:login {mixed} - @tests/fixtures/ssh/authorized_keys_mixed:2"),
            format!("ssh:key:SHA256:7R0jd+du8tu3Lchfy7qKKuDb3xN3uwHvI/G6svaqavk allow ssh:login {mixed} {{\"command\":\"rsync --server -e.Lsf . \\\"/srv/backup dir\\\"\",\"from\":\"10.0.0.0/8,192.168.1.1\",\"no-pty\":true}} @tests/fixtures/ssh/authorized_keys_mixed:3"),
            format!("ssh:key:SHA256:YYa4Z0+5IULb/RpyUYUXas8cBzROXLUx2m2dfqJEhIk allow ssh:login {mixed} {{\"command\":\"/usr/local/bin/runner\",\"restrict\":true}} @tests/fixtures/ssh/authorized_keys_mixed:5"),
            format!("ssh:key:SHA256:l5dtenl7uPVC9RYcwI/rhwlwj4+KFSuPwLxocr8uDGg allow ssh:login {mixed} - @tests/fixtures/ssh/authorized_keys_mixed:6"),
            format!("ssh:key:{DEPLOY_KEY} allow ssh:login account:alice {{\"from\":\"192.168.0.0/16\"}} @tests/fixtures/ssh/home/alice/.ssh/authorized_keys:1"),
            format!("ssh:key:{ALICE_KEY} allow ssh:login account:alice - @tests/fixtures/ssh/home/alice/.ssh/authorized_keys:2"),
            format!("ssh:key:{DEPLOY_KEY} allow ssh:login account:deploy - @tests/fixtures/ssh/home/deploy/.ssh/authorized_keys:1"),
        ]
    );
}

#[test]
fn broken_inputs_give_one_error_each_and_good_blocks_still_count() {
    let outcome = scan("tests/fixtures/broken");
    let errors = errors(&outcome);
    assert_eq!(errors.len(), 6, "{errors:#?}");
    let expected_starts = [
        "tests/fixtures/broken/bad_base64.pem:1: PEM block 'CERTIFICATE' has invalid base64 on line 2",
        "tests/fixtures/broken/binary.pem: no PEM block, and not a DER certificate or private key",
        "tests/fixtures/broken/garbage.der: no PEM block, and not a DER certificate or private key",
        "tests/fixtures/broken/id_ed25519_truncated:1: malformed OpenSSH private key",
        "tests/fixtures/broken/not_a_certificate.pem:1: not a valid X.509 certificate",
        "tests/fixtures/broken/truncated.pem:13: PEM block 'CERTIFICATE' has no END line (truncated)",
    ];
    for (error, start) in errors.iter().zip(expected_starts) {
        assert!(
            error.starts_with(start),
            "{error} should start with {start}"
        );
    }
    let ids: Vec<&String> = outcome.inventory.credentials.keys().collect();
    assert_eq!(
        ids,
        ["x509-certificate:cfbad690bf0bce7abe24bbb62ff59cc0d3e885b434a171c7844eec16f9941de8"],
        "the complete block before the truncated one still counts"
    );
}

#[test]
fn no_private_key_material_reaches_the_inventory() {
    let inventory = scan("tests/fixtures").inventory;
    let json = serde_json::to_string(&inventory).unwrap();
    let key_files = [
        "x509/leaf_and_key.pem",
        "x509/tls/server.key",
        "x509/dsa1024_traditional.key",
        "x509/encrypted_pkcs8.pem",
        "x509/legacy_encrypted_rsa.key",
        "x509/ec_no_public.key",
        "ssh/id_ed25519",
        "ssh/id_rsa_encrypted",
    ];
    for file in key_files {
        let text = std::fs::read_to_string(format!("tests/fixtures/{file}")).unwrap();
        let body_lines = text
            .lines()
            .filter(|l| !l.starts_with("-----") && !l.contains(':') && l.len() > 20);
        for line in body_lines {
            assert!(
                !json.contains(line),
                "{file}: a line of key material leaked"
            );
        }
    }
    let der = std::fs::read("tests/fixtures/x509/ed25519_leaf_key.der").unwrap();
    assert!(!json.contains(&hex_of(&der[16..])), "DER key bytes leaked");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
