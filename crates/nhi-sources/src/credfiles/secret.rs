//! Literal secrets found in structured files (credential files, host configuration, MCP configs):
//! whether a name or value denotes a secret, which credential kind it is, and the one way a
//! sighting becomes a [`Credential`].
//!
//! Invariant: a plaintext value only passes through these functions; what comes out holds a keyed
//! fingerprint and a redacted form (at most the first 4 and last 2 characters of a long value).

use super::jwt;
use nhi_model::{Credential, CredentialKind, Fingerprinter, Location};
use serde_json::Value;

/// Values shorter than this are redacted completely.
const REVEAL_MIN_LEN: usize = 16;

/// Fragments that make a name denote a secret wherever they appear (`PGPASSWORD`, `apiKey`).
const SECRET_FRAGMENTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "credential",
];
/// Words that make a name denote a secret when they stand alone (`MYSQL_PWD`, `GITHUB_PAT`).
const SECRET_WORDS: &[&str] = &["pwd", "pass", "pat", "dsn"];
/// Fragments that make a name about public or protected material, never a secret.
const NOT_SECRET_FRAGMENTS: &[&str] = &["public", "encrypted", "fingerprint", "checksum"];

/// Name endings that say the value is about a secret, not the secret itself.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_id",
    "_file",
    "_path",
    "_name",
    "_user",
    "_username",
    "_host",
    "_port",
    "_region",
    "_type",
    "_env_var",
    "_hash",
    "_length",
    "_ttl",
    "_expiry",
    "_expires",
    "_header",
    "_arn",
    "_version",
];

/// Known token prefixes and the kind they mean. Recognised whatever the name.
const TOKEN_PREFIXES: &[(&str, CredentialKind)] = &[
    ("ghp_", CredentialKind::ApiToken),
    ("gho_", CredentialKind::OauthToken),
    ("ghu_", CredentialKind::OauthToken),
    ("ghs_", CredentialKind::ApiToken),
    ("ghr_", CredentialKind::OauthToken),
    ("github_pat_", CredentialKind::ApiToken),
    ("glpat-", CredentialKind::ApiToken),
    ("xoxb-", CredentialKind::ApiToken),
    ("xoxp-", CredentialKind::ApiToken),
    ("xoxa-", CredentialKind::ApiToken),
    ("xapp-", CredentialKind::ApiToken),
    ("sk-ant-", CredentialKind::ApiToken),
    ("sk-proj-", CredentialKind::ApiToken),
    ("sk_live_", CredentialKind::ApiToken),
    ("rk_live_", CredentialKind::ApiToken),
    ("npm_", CredentialKind::ApiToken),
    ("pypi-", CredentialKind::ApiToken),
    ("dckr_pat_", CredentialKind::ApiToken),
    ("hvs.", CredentialKind::ApiToken),
    ("AIza", CredentialKind::ApiToken),
    ("shpat_", CredentialKind::ApiToken),
    ("lin_api_", CredentialKind::ApiToken),
    ("ntn_", CredentialKind::ApiToken),
    ("SG.", CredentialKind::ApiToken),
    ("atlasv1.", CredentialKind::ApiToken),
    ("https://hooks.slack.com/", CredentialKind::WebhookUrl),
];

/// Whether `name` (an environment variable, a JSON field, a flag) names a secret value:
/// `DB_PASSWORD`, `apiKey`, `--auth-token`, but not `TOKEN_FILE` or `AWS_ACCESS_KEY_ID`.
pub(crate) fn names_secret(name: &str) -> bool {
    let lower = snake(name.trim_start_matches('-'));
    let compact: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    if NOT_SECRET_SUFFIXES.iter().any(|s| lower.ends_with(s))
        || NOT_SECRET_FRAGMENTS.iter().any(|f| compact.contains(f))
    {
        return false;
    }
    SECRET_FRAGMENTS.iter().any(|f| compact.contains(f))
        || lower.split(['_', '.']).any(|w| SECRET_WORDS.contains(&w))
        // `SIGNING_KEY`, `STRIPE_KEY`; a bare `key` says too little.
        || (lower.ends_with("_key") && lower.len() > 4)
}

/// `camelCase`, `kebab-case` and `UPPER_CASE` as lowercase `snake_case`.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c == '-' {
            '_'
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

/// Whether a value is a stand-in rather than a secret: empty, a variable or template reference
/// (`${TOKEN}`, `$TOKEN`, `%TOKEN%`, `{{ token }}`, `${input:token}`), or an obvious placeholder.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    v.len() < 4
        || is_variable_reference(v)
        || v.contains("${")
        || v.contains("$(")
        || v.contains("{{")
        || (v.starts_with('%') && v.ends_with('%'))
        || (v.starts_with('<') && v.ends_with('>'))
        || v.chars()
            .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '-' | '_' | '#'))
        || [
            "your_",
            "your-",
            "changeme",
            "change_me",
            "replace_me",
            "replace-me",
            "placeholder",
            "dummy",
            "redacted",
        ]
        .iter()
        .any(|w| lower.contains(w))
        || ["null", "none", "true", "false", "undefined"].contains(&lower.as_str())
}

/// `$NAME`: a shell variable, not a value (a password may still start with `$`).
fn is_variable_reference(value: &str) -> bool {
    value.strip_prefix('$').is_some_and(|name| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The kind a value's own shape tells (a known token prefix, a JWT, a URL with a password), if any.
pub(crate) fn kind_by_value(value: &str) -> Option<CredentialKind> {
    if jwt::looks_like(value) {
        return Some(CredentialKind::Jwt);
    }
    if value.starts_with("-----BEGIN ") && value.contains("PRIVATE KEY") {
        return Some(CredentialKind::PrivateKey);
    }
    if let Some((_, kind)) = TOKEN_PREFIXES.iter().find(|(p, _)| value.starts_with(p)) {
        return Some(*kind);
    }
    if super::url::Url::parse(value).is_some_and(|u| u.password.is_some()) {
        return Some(CredentialKind::ConnectionString);
    }
    None
}

/// Whether a value looks like an access key id (`AKIA...`, `ASIA...`): an id, not a secret.
pub(crate) fn is_aws_key_id(value: &str) -> bool {
    value.len() == 20
        && ["AKIA", "ASIA", "AIDA", "AROA", "ABIA", "ACCA"]
            .iter()
            .any(|p| value.starts_with(p))
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The kind of a secret held under `name`: its value's shape first, then its name.
pub(crate) fn kind_for(name: &str, value: &str) -> CredentialKind {
    if let Some(kind) = kind_by_value(value) {
        return kind;
    }
    let lower = snake(name);
    // `mysql -pSECRET`, `curl -u user:SECRET`.
    let password_flag = matches!(name, "-p" | "-u" | "--user");
    if password_flag
        || ["password", "passwd", "pwd", "pass"]
            .iter()
            .any(|w| lower.split('_').any(|part| part == *w))
    {
        CredentialKind::Password
    } else if lower.contains("refresh") || lower.contains("oauth") {
        CredentialKind::OauthToken
    } else if lower.contains("private_key") || lower.contains("privatekey") {
        CredentialKind::PrivateKey
    } else {
        CredentialKind::ApiToken
    }
}

/// A form of `value` safe to show: `ghp_****Zx` for long values, `****` otherwise.
pub(crate) fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < REVEAL_MIN_LEN {
        return "****".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}****{tail}")
}

/// One literal secret seen in a file: what it is, where, and under which field.
pub(crate) struct Sighting<'a> {
    pub value: &'a str,
    pub kind: CredentialKind,
    /// The kind of file or setting (`dotenv`, `kubeconfig`, `mcp-config`, `crontab`, ...).
    pub found_in: &'static str,
    /// The field that held it (`env:DB_PASSWORD`, `token`, `header:Authorization`).
    pub field: String,
    pub location: Location,
}

impl Sighting<'_> {
    /// A sighting of `value` under `name`, its kind told by [`kind_for`].
    pub(crate) fn named<'a>(
        value: &'a str,
        name: &str,
        found_in: &'static str,
        location: Location,
    ) -> Sighting<'a> {
        Sighting {
            value,
            kind: kind_for(name, value),
            found_in,
            field: name.to_string(),
            location,
        }
    }

    /// The credential: id `<kind>:<fingerprint>`, the keyed fingerprint, a redacted form, the
    /// location, and `found_in`/`field` attributes. A JWT also gets its decoded claims, its
    /// issue and expiry times and, when the claims name one, its identity.
    pub(crate) fn into_credential(self, fingerprinter: &Fingerprinter) -> Credential {
        let fingerprint = fingerprinter.fingerprint(self.value.as_bytes());
        let mut credential = Credential::new(
            format!("{}:{fingerprint}", self.kind.as_str()),
            self.kind,
            fingerprint,
        );
        credential.redacted = Some(match self.kind {
            CredentialKind::ConnectionString | CredentialKind::WebhookUrl => {
                super::url::redact(self.value)
            }
            CredentialKind::PrivateKey => {
                format!("[private key redacted, {} bytes]", self.value.len())
            }
            _ => redact(self.value),
        });
        credential.locations.push(self.location);
        credential
            .attributes
            .insert("found_in".into(), Value::from(self.found_in));
        credential
            .attributes
            .insert("field".into(), Value::from(self.field));
        if self.kind == CredentialKind::Jwt {
            if let Some(claims) = jwt::decode(self.value) {
                claims.describe(&mut credential);
            }
        }
        credential
    }
}

/// An AWS access key by its id (`aws-access-key:<AKIA...>`, the id the AWS source uses, so the two
/// merge). Its fingerprint is that of the id, as for every credential known by id; the secret
/// half, when present, is fingerprinted into `secret_fingerprint`.
pub(crate) fn aws_access_key(
    fingerprinter: &Fingerprinter,
    key_id: &str,
    secret: Option<&str>,
    found_in: &'static str,
    location: Location,
) -> Credential {
    let mut credential = Credential::new(
        format!("aws-access-key:{key_id}"),
        CredentialKind::AccessKey,
        fingerprinter.fingerprint(key_id.as_bytes()),
    );
    credential.redacted = Some(format!(
        "{}****{}",
        &key_id[..4.min(key_id.len())],
        &key_id[key_id.len().saturating_sub(4)..]
    ));
    credential.locations.push(location);
    credential
        .attributes
        .insert("found_in".into(), Value::from(found_in));
    credential
        .attributes
        .insert("temporary".into(), Value::from(key_id.starts_with("ASIA")));
    if let Some(secret) = secret.filter(|s| !is_placeholder(s)) {
        credential.attributes.insert(
            "secret_fingerprint".into(),
            Value::from(fingerprinter.fingerprint(secret.as_bytes())),
        );
    }
    credential
}

/// One environment variable as a file sets it.
pub(crate) struct Variable<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub location: Location,
}

/// The credentials among a set of environment variables: `AWS_ACCESS_KEY_ID` with
/// `AWS_SECRET_ACCESS_KEY` make one AWS access key; any other variable whose name or value says
/// secret (and that is not a placeholder) makes one credential.
pub(crate) fn variable_credentials(
    fingerprinter: &Fingerprinter,
    variables: &[Variable],
    found_in: &'static str,
) -> Vec<Credential> {
    let get = |name: &str| variables.iter().find(|v| v.name == name);
    let aws_key = get("AWS_ACCESS_KEY_ID").filter(|v| is_aws_key_id(v.value));
    let mut credentials = Vec::new();
    if let Some(key) = aws_key {
        let secret = get("AWS_SECRET_ACCESS_KEY").map(|v| v.value);
        let mut credential = aws_access_key(
            fingerprinter,
            key.value,
            secret,
            found_in,
            key.location.clone(),
        );
        credential
            .attributes
            .insert("field".into(), Value::from(key.name));
        credentials.push(credential);
    }
    for variable in variables {
        let paired = aws_key.is_some() && variable.name == "AWS_SECRET_ACCESS_KEY";
        let secret = names_secret(variable.name) || kind_by_value(variable.value).is_some();
        if paired || !secret || is_placeholder(variable.value) {
            continue;
        }
        let sighting = Sighting::named(
            variable.value,
            variable.name,
            found_in,
            variable.location.clone(),
        );
        credentials.push(sighting.into_credential(fingerprinter));
    }
    credentials
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_told_from_names_about_secrets() {
        for name in [
            "DB_PASSWORD",
            "apiKey",
            "--auth-token",
            "GITHUB_TOKEN",
            "client_secret",
            "SIGNING_KEY",
            "PGPASSWORD",
        ] {
            assert!(names_secret(name), "{name}");
        }
        for name in [
            "TOKEN_FILE",
            "AWS_ACCESS_KEY_ID",
            "PASSWORD_PATH",
            "keyboard",
            "HOME",
            "AUTH_METHOD",
            "passenger",
        ] {
            assert!(!names_secret(name), "{name}");
        }
        assert!(names_secret("MYSQL_PWD"));
    }

    #[test]
    fn placeholders_and_references_are_not_secrets() {
        for value in [
            "",
            "${GITHUB_TOKEN}",
            "$TOKEN",
            "%TOKEN%",
            "{{ .token }}",
            "<token>",
            "xxxxxx",
            "your-key-here",
            "changeme",
            "REPLACE_ME",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        assert!(!is_placeholder("ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
        assert!(
            !is_placeholder("$ecret-Passw0rd!"),
            "a password may start with $"
        );
    }

    #[test]
    fn kinds_come_from_values_then_names() {
        assert_eq!(
            kind_for("X", "ghp_0123456789abcdefghij0123456789abcdef"),
            CredentialKind::ApiToken
        );
        assert_eq!(
            kind_for("DATABASE_URL", "postgres://app:s3cr3t@db/app"),
            CredentialKind::ConnectionString
        );
        assert_eq!(
            kind_for("DB_PASSWORD", "hunter2hunter2"),
            CredentialKind::Password
        );
        assert_eq!(
            kind_for("REFRESH_TOKEN", "1//0gabc"),
            CredentialKind::OauthToken
        );
        assert_eq!(
            kind_for("API_TOKEN", "abcdef123456"),
            CredentialKind::ApiToken
        );
        assert_eq!(kind_for("-p", "Hunter22"), CredentialKind::Password);
        assert!(is_aws_key_id("AKIAIOSFODNN7EXAMPLE") && !is_aws_key_id("AKIAshort"));
    }

    #[test]
    fn redaction_shows_at_most_six_characters_of_long_values() {
        assert_eq!(redact("ghp_0123456789abcdefghij"), "ghp_****ij");
        assert_eq!(redact("short-pass"), "****");
        assert_eq!(redact("ééééééééééééééééé"), "éééé****éé");
    }

    #[test]
    fn a_sighting_becomes_a_credential_without_its_plaintext() {
        let fp = Fingerprinter::new([3; 32]);
        let value = "glpat-abcdefghijklmnopqrst";
        let credential = Sighting::named(
            value,
            "GITLAB_TOKEN",
            "dotenv",
            Location::file(".env", Some(2)),
        )
        .into_credential(&fp);
        assert_eq!(credential.kind, CredentialKind::ApiToken);
        assert_eq!(
            credential.id,
            format!("api-token:{}", fp.fingerprint(value.as_bytes()))
        );
        let json = serde_json::to_string(&credential).unwrap();
        assert!(
            !json.contains(value) && !json.contains("abcdefghijklmnop"),
            "{json}"
        );
        assert_eq!(credential.attributes["field"], "GITLAB_TOKEN");
    }
}
