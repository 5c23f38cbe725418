//! Engine behaviour on realistic inputs: decoding, suppression, overlaps, limits and options.

use nhi_secrets::{DecodeLimits, Encoding, RuleSet, ScanOptions, ScanOutcome, Scanner, Validation};
use std::sync::OnceLock;

/// One reported match, owned, for assertions (tests only: real callers never keep plaintext).
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    rule: String,
    line: usize,
    column: usize,
    secret: String,
    validation: Validation,
    notes: Vec<String>,
    decoded_from: Option<Encoding>,
}

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| Scanner::new(RuleSet::builtin().unwrap()).unwrap())
}

fn scan_with(scanner: &Scanner, text: &[u8]) -> Vec<Seen> {
    let mut seen = Vec::new();
    scanner.scan(text, |m| {
        seen.push(Seen {
            rule: m.rule.id().to_string(),
            line: m.line,
            column: m.column,
            secret: String::from_utf8_lossy(m.secret).into_owned(),
            validation: m.validation,
            notes: m.notes.to_vec(),
            decoded_from: m.decoded_from,
        })
    });
    seen
}

fn scan(text: &str) -> Vec<Seen> {
    scan_with(scanner(), text.as_bytes())
}

/// The secret a rule reports in its first example: a valid synthetic token to plant in inputs.
fn sample(rule_id: &str) -> String {
    let rule = scanner()
        .rules()
        .iter()
        .find(|r| r.id() == rule_id)
        .unwrap();
    scan(&rule.examples()[0])
        .into_iter()
        .find(|s| s.rule == rule_id)
        .unwrap()
        .secret
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[((v >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

#[test]
fn finds_a_token_inside_a_kubernetes_secret_data_value() {
    let token = sample("github-pat-classic");
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ntype: Opaque\ndata:\n  GITHUB_TOKEN: {}\n",
        base64(token.as_bytes())
    );
    let seen = scan(&manifest);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].rule, "github-pat-classic");
    assert_eq!(seen[0].line, 7);
    assert_eq!(seen[0].column, 17);
    assert_eq!(seen[0].secret, token);
    assert_eq!(seen[0].decoded_from, Some(Encoding::Base64));
    assert_eq!(seen[0].validation, Validation::Valid);
}

#[test]
fn finds_a_password_whose_key_is_outside_the_encoded_value() {
    let manifest = format!(
        "kind: Secret\ndata:\n  password: {}\n",
        base64(b"Zr8#qLw2!vXn5kT")
    );
    let seen = scan(&manifest);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        (seen[0].rule.as_str(), seen[0].line),
        ("generic-password", 3)
    );
    assert_eq!(seen[0].secret, "Zr8#qLw2!vXn5kT");
}

#[test]
fn decodes_percent_and_unicode_escapes() {
    let token = sample("slack-bot-token");
    let percent: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
    let seen = scan(&format!("redirect=https://app.internal/cb?t={percent}\n"));
    assert_eq!(
        seen.iter()
            .map(|s| (&*s.rule, s.decoded_from))
            .collect::<Vec<_>>(),
        [("slack-bot-token", Some(Encoding::Percent))]
    );
    let escaped: String = token
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let seen = scan(&format!("{{\"cfg\": \"{escaped}\"}}"));
    assert_eq!(
        seen.iter()
            .map(|s| (&*s.rule, s.decoded_from))
            .collect::<Vec<_>>(),
        [("slack-bot-token", Some(Encoding::Escape))]
    );
}

#[test]
fn allow_comment_suppresses_its_line_only() {
    let token = sample("stripe-secret-key");
    let text = format!("a = \"{token}\" # nhi:allow test fixture\nb = \"{token}\"\n");
    let seen = scan(&text);
    assert_eq!(seen.iter().map(|s| s.line).collect::<Vec<_>>(), [2]);
}

#[test]
fn reports_each_secret_once_even_when_many_keywords_hit() {
    let secret = sample("aws-secret-access-key");
    let seen = scan(&format!(
        "aws_secret_access_key_secret_token_api_key = \"{secret}\"\n"
    ));
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].rule, "aws-secret-access-key");
}

#[test]
fn specific_rules_beat_generic_ones() {
    let token = sample("github-pat-classic");
    let seen = scan(&format!("token = \"{token}\"\napi_key: {token}\n"));
    assert!(
        seen.iter().all(|s| s.rule == "github-pat-classic"),
        "{seen:?}"
    );
    assert_eq!(seen.len(), 2);
}

#[test]
fn reports_lines_columns_and_validator_notes_in_order() {
    let key_id = sample("aws-access-key-id");
    let jwt_none = scanner()
        .rules()
        .iter()
        .find(|r| r.id() == "jwt")
        .unwrap()
        .examples()[1]
        .clone();
    let text = format!("# config\n\n  key = {key_id}\n{jwt_none}\n");
    let seen = scan(&text);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((seen[0].line, seen[0].column), (3, 9));
    assert!(
        seen[0].notes[0].starts_with("aws account "),
        "{:?}",
        seen[0].notes
    );
    assert_eq!(
        (seen[1].rule.as_str(), seen[1].line, seen[1].column),
        ("jwt", 4, 7)
    );
    assert!(seen[1].notes.iter().any(|n| n.starts_with("alg none")));
}

#[test]
fn invalid_checksums_are_dropped_unless_asked_for() {
    let token = sample("github-pat-classic");
    let broken = format!(
        "{}{}",
        &token[..token.len() - 1],
        if token.ends_with('A') { 'B' } else { 'A' }
    );
    assert!(scan(&broken).is_empty());
    let options = ScanOptions {
        report_invalid: true,
        ..ScanOptions::default()
    };
    let keeping = Scanner::with_options(RuleSet::builtin().unwrap(), options).unwrap();
    let seen = scan_with(&keeping, broken.as_bytes());
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].validation, Validation::Invalid);
}

#[test]
fn binary_input_is_skipped_unless_asked_for() {
    let token = sample("gitlab-pat");
    let mut bytes = b"\x7fELF\0\0\0".to_vec();
    bytes.extend_from_slice(token.as_bytes());
    assert_eq!(
        scanner().scan(&bytes, |_| panic!("binary must be skipped")),
        ScanOutcome::SkippedBinary
    );
    let options = ScanOptions {
        scan_binary: true,
        ..ScanOptions::default()
    };
    let binary_scanner = Scanner::with_options(RuleSet::builtin().unwrap(), options).unwrap();
    assert_eq!(scan_with(&binary_scanner, &bytes).len(), 1);
}

#[test]
fn a_decoding_bomb_stays_bounded() {
    // Ten levels of base64 around a token, repeated many times: depth and byte budget both cap it.
    let mut payload = sample("npm-access-token").into_bytes();
    for _ in 0..10 {
        payload = base64(&payload).into_bytes();
    }
    let line = String::from_utf8(payload).unwrap();
    let bomb = format!("{line}\n").repeat(2000);
    let limits = DecodeLimits {
        max_decoded_bytes: 1 << 20,
        ..DecodeLimits::default()
    };
    let options = ScanOptions {
        decode: limits,
        ..ScanOptions::default()
    };
    let bounded = Scanner::with_options(RuleSet::builtin().unwrap(), options).unwrap();
    assert!(
        scan_with(&bounded, bomb.as_bytes()).is_empty(),
        "the token is deeper than max_depth"
    );

    let shallow = format!(
        "NPM_TOKEN_B64={}\n",
        base64(base64(sample("npm-access-token").as_bytes()).as_bytes())
    );
    let seen = scan(&shallow);
    assert_eq!(seen.len(), 1, "two levels deep is within max_depth");
}

#[test]
fn a_ten_megabyte_single_line_completes() {
    let token = sample("anthropic-api-key");
    let chunk = "function(a,b){return a.token=b.password||\"\",a.apiKey=void 0,eyJ0=1,sk_x=2};var x_secret=\"abc\";";
    let mut line = String::with_capacity(10 << 20);
    while line.len() < 10 << 20 {
        line.push_str(chunk);
        if line.len() % (1 << 20) < chunk.len() {
            line.push_str(&format!("k=\"{token}\";"));
        }
    }
    let seen = scan(&line);
    assert!(
        !seen.is_empty()
            && seen
                .iter()
                .all(|s| s.rule == "anthropic-api-key" && s.line == 1),
        "{:?}",
        &seen[..seen.len().min(3)]
    );
}

#[test]
fn user_rules_load_from_a_directory_and_ids_stay_unique() {
    let dir = std::env::temp_dir().join(format!("nhi-secrets-user-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rule = r#"
rules:
  - id: acme-internal-token
    name: ACME internal token
    provider: acme
    credential_kind: api-token
    severity: high
    owasp: [NHI2]
    keywords: [acme_]
    pattern: '\b(?P<secret>acme_[a-z0-9]{24})\b'
    remediation: Revoke it in the ACME console.
    examples: ['ACME=acme_q8w7e6r5t4y3u2i1o9p8a7s6']
    negative_examples: ['acme_short']
"#;
    std::fs::write(dir.join("acme.yml"), rule).unwrap();
    let mut rules = RuleSet::builtin().unwrap();
    assert_eq!(rules.load_user(&dir).unwrap(), 1);
    let duplicate = rules.load_user(&dir.join("acme.yml")).unwrap_err();
    assert!(
        duplicate.to_string().contains("acme-internal-token"),
        "{duplicate}"
    );
    let scanner = Scanner::new(rules).unwrap();
    assert!(scanner.check_examples().is_empty());
    let missing = RuleSet::empty()
        .load_user(&dir.join("missing.yml"))
        .unwrap_err();
    assert!(missing.to_string().contains("missing.yml"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn generic_rules_ignore_placeholders_references_and_hashes() {
    let text = r#"
password = os.environ["DB_PASSWORD"]
api_key: ${API_KEY}
token = "xxxxxxxxxxxxxxxxxxxxxxxx"
secret = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
"integrity": "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
password: "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
client_secret = process.env.CLIENT_SECRET
"#;
    // The bcrypt hash is not a plaintext password: only the (low-severity) hash rule reports it.
    let seen = scan(text);
    let rules: Vec<&str> = seen.iter().map(|s| s.rule.as_str()).collect();
    assert_eq!(rules, ["bcrypt-password-hash"], "{seen:?}");
}
