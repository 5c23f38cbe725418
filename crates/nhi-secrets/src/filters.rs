//! Filters every match goes through: vendor documentation values, placeholders and templating,
//! lockfile integrity hashes; and, for generic rules only, UUIDs, hex digests, file paths and
//! variable references. Each filter is a pure function of the secret (and its surroundings).

use crate::entropy::shannon;
use crate::rule::{Rule, Slot};
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// Values vendors publish in documentation: never real.
const DOCUMENTATION_VALUES: &[&[u8]] = &[
    b"AKIAIOSFODNN7EXAMPLE",
    b"AKIAI44QH8DHBEXAMPLE",
    b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    b"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    b"sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    b"pk_test_TYooMQauvdEDq54NiTphI7jx",
    b"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",
];

/// Substrings that mark a value as a placeholder outside credential slots, besides every
/// [`TEMPLATE_MARKERS`] one (checked lowercased): words that in source code and docs stand for a
/// value, but that a real (weak) password in a credential store may well contain.
const PLACEHOLDER_ONLY_MARKERS: &[&[u8]] = &[
    b"yourkey",
    b"yourtoken",
    b"yoursecret",
    b"your key",
    b"example",
    b"dummy",
    b"sample",
    b"fake_",
    b"fake-",
    b"<token>",
    b"<secret>",
    b"<password>",
];

/// Whole values (alphanumerics only, lowercased) that are words, not secrets.
const PLACEHOLDER_VALUES: &[&[u8]] = &[
    b"test",
    b"testing",
    b"test123",
    b"testtest",
    b"testpassword",
    b"testpass",
    b"testtoken",
    b"testkey",
    b"testsecret",
    b"password",
    b"passwd",
    b"secret",
    b"token",
    b"apikey",
    b"key",
    b"null",
    b"nil",
    b"none",
    b"true",
    b"false",
    b"undefined",
    b"empty",
    b"string",
    b"value",
    b"required",
    b"optional",
    b"hidden",
    b"mask",
    b"masked",
    b"unset",
    b"default",
    b"pass",
    b"foobar",
    b"foo",
    b"bar",
    b"baz",
    b"abc123",
    b"password123",
    b"secret123",
    b"guest",
    // The conventional password of anonymous FTP logins (RFC 1635), not a secret.
    b"anonymous",
    b"mysecret",
    b"mypassword",
    b"mytoken",
    b"somesecret",
    b"sometoken",
];

/// Markers that only a template or documentation puts in a credential slot: even a credential
/// store holding one of them holds no password (checked lowercased, as substrings).
const TEMPLATE_MARKERS: &[&[u8]] = &[
    b"xxxx",
    b"****",
    b"....",
    b"${",
    b"{{",
    b"}}",
    b"your-",
    b"your_",
    b"yourpassword",
    b"changeme",
    b"change_me",
    b"change-me",
    b"placeholder",
    b"redacted",
    b"replace_me",
    b"replaceme",
    b"replace-me",
    b"insert_",
    b"insert-",
    b"notreal",
    b"not_real",
    b"not-a-real",
    b"not_a_real",
];

/// Whole values that are not secrets even in a credential slot: the conventional password of
/// anonymous FTP (RFC 1635), and flags (`USE_PASSWORD=true` switches a password on, it is none).
const CONVENTIONAL_NON_SECRETS: &[&[u8]] = &[
    b"anonymous",
    b"true",
    b"false",
    b"yes",
    b"no",
    b"on",
    b"off",
    b"null",
    b"none",
    b"nil",
    b"undefined",
];

/// Whole values documentation writes in the password place of a URI (`user:password@host`,
/// RabbitMQ's `guest:guest@localhost`): in a URI they are placeholders, in a store they are not.
const URI_DOCUMENTATION_WORDS: &[&[u8]] =
    &[b"password", b"passwd", b"pass", b"pwd", b"secret", b"guest"];

static TEMPLATE_AUTOMATON: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(TEMPLATE_MARKERS)
        .ok()
});

/// Whether a candidate of `rule` is noise: the filters every match goes through, the stricter
/// generic ones for generic rules, and for credential slots only the template check (a weak value
/// in a slot is still the credential).
pub(crate) fn is_noise(rule: &Rule, hay: &[u8], start: usize, secret: &[u8]) -> bool {
    if is_documentation_value(secret) || is_lockfile_integrity(hay, start, secret) {
        return true;
    }
    match rule.slot {
        Some(slot) => is_template_value(secret, slot),
        None => {
            is_placeholder(secret, rule.multiline)
                || (rule.generic && is_generic_noise(hay, start, secret))
        }
    }
}

/// Whether a value in a credential slot is a template's stand-in rather than a password: empty,
/// a variable or reference, a mask, an unambiguous documentation marker, or (in a URI) a word that
/// documentation writes there.
pub(crate) fn is_template_value(secret: &[u8], slot: Slot) -> bool {
    let marked = TEMPLATE_AUTOMATON
        .as_ref()
        .is_some_and(|ac| ac.is_match(secret));
    let lower = secret.to_ascii_lowercase();
    let whole = |list: &[&[u8]]| list.contains(&lower.as_slice());
    // `` `pass show db` `` and `$(...)` run a command that prints the password.
    let command = secret.first() == Some(&b'`');
    marked
        || command
        || is_variable_syntax(secret)
        || is_reference(secret)
        || whole(CONVENTIONAL_NON_SECRETS)
        || (slot == Slot::Uri && whole(URI_DOCUMENTATION_WORDS))
        || secret.iter().all(|&b| b == secret[0])
}

/// Why a password is weak, for a note on its finding: a dictionary-like word or pattern, or short.
/// A weak password in a credential store is worse than a strong one: it can be guessed online.
pub(crate) fn weakness(secret: &[u8]) -> Option<&'static str> {
    if is_placeholder(secret, false) || is_word_like(secret) {
        Some("weak password: a common word or pattern, open to guessing")
    } else if secret.len() < 10 || shannon(secret) < 2.8 {
        Some("weak password: short or low in entropy, open to guessing")
    } else {
        None
    }
}

const LOCKFILE_HASH_PREFIXES: &[&[u8]] = &[b"sha512-", b"sha384-", b"sha256-", b"sha1-"];
const DIGEST_LABELS: &[&[u8]] = &[
    b"sha1:", b"sha256:", b"sha384:", b"sha512:", b"md5:", b"sha1=", b"sha256=",
];
const PATH_EXTENSIONS: &[&[u8]] = &[
    b".json",
    b".yml",
    b".yaml",
    b".pem",
    b".key",
    b".txt",
    b".env",
    b".properties",
    b".xml",
    b".conf",
    b".cfg",
    b".ini",
    b".p12",
    b".pfx",
    b".jks",
    b".crt",
    b".toml",
    b".js",
    b".py",
    b".rb",
    b".go",
];
const REFERENCE_MARKERS: &[&[u8]] = &[
    b"process.env",
    b"os.environ",
    b"getenv",
    b"env(",
    b"env[",
    b"env.",
    b"$(",
    b"%(",
    b"@{",
    b"#{",
    b"secrets.",
    b"vault:",
    // Apple's notarisation tools (gon, altool): `@env:AC_PASSWORD`, `@keychain:AC_PASSWORD`.
    b"@env:",
    b"@keychain:",
    b"ref+",
    b"!ref",
    b"config.",
    b"settings.",
    b"params.",
    b"args.",
    b"props.",
    b"this.",
    b"self.",
    b"request.",
    b"req.",
    b"options.",
    b"opts.",
];

/// Whether `secret` is (or embeds) a published documentation value.
pub(crate) fn is_documentation_value(secret: &[u8]) -> bool {
    DOCUMENTATION_VALUES
        .iter()
        .any(|doc| memchr::memmem::find(secret, doc).is_some())
}

/// One case-insensitive automaton over the placeholder markers, built on first use.
static PLACEHOLDER_AUTOMATON: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(TEMPLATE_MARKERS.iter().chain(PLACEHOLDER_ONLY_MARKERS))
        .ok()
});

/// Whether `secret` is a placeholder, a template variable or an obviously made-up value.
/// `structured` values (PEM blocks) legitimately hold long runs (`AAAAAAAA` in DER lengths), so
/// the repetition and sequence checks skip them.
pub(crate) fn is_placeholder(secret: &[u8], structured: bool) -> bool {
    let marked = PLACEHOLDER_AUTOMATON
        .as_ref()
        .is_some_and(|ac| ac.is_match(secret));
    if marked || is_variable_syntax(secret) {
        return true;
    }
    let core: Vec<u8> = secret
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    if PLACEHOLDER_VALUES.contains(&core.as_slice()) {
        return true;
    }
    let body = strip_type_prefix(secret);
    !structured && (is_low_variety(body) || has_long_run(body) || has_sequence(body))
}

/// `$VAR`, `%VAR%`, `<name>`, `[name]`.
fn is_variable_syntax(secret: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (secret.first(), secret.last()) else {
        return true;
    };
    let dollar_var = first == b'$'
        && secret
            .get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'{');
    dollar_var
        || (first == b'%' && last == b'%' && secret.len() > 2)
        || (first == b'<' && last == b'>')
        || (first == b'[' && last == b']')
}

/// The part after a leading type marker (`ghp_`, `sk_live_`), so fixed prefixes do not count as
/// repetition or sequence.
fn strip_type_prefix(secret: &[u8]) -> &[u8] {
    let head = &secret[..secret.len().min(16)];
    match head.iter().rposition(|&b| b == b'_' || b == b'-') {
        Some(p) if head[..p].iter().all(u8::is_ascii_alphanumeric) && p + 1 < secret.len() => {
            &secret[p + 1..]
        }
        _ => secret,
    }
}

fn is_low_variety(body: &[u8]) -> bool {
    if body.len() < 8 {
        return false;
    }
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &b in body {
        if !seen[b as usize] {
            seen[b as usize] = true;
            distinct += 1;
        }
    }
    distinct <= 3
}

fn has_long_run(body: &[u8]) -> bool {
    longest_run(body, |a, b| a == b) >= 6
}

fn has_sequence(body: &[u8]) -> bool {
    longest_run(body, |a, b| {
        b == a.wrapping_add(1) && b.is_ascii_alphanumeric()
    }) >= 7
}

fn longest_run(body: &[u8], continues: impl Fn(u8, u8) -> bool) -> usize {
    let mut best = usize::from(!body.is_empty());
    let mut current = 1;
    for pair in body.windows(2) {
        current = if continues(pair[0], pair[1]) {
            current + 1
        } else {
            1
        };
        best = best.max(current);
    }
    best
}

/// Whether the value at `range` of `hay` is a lockfile integrity hash (`sha512-...`).
pub(crate) fn is_lockfile_integrity(hay: &[u8], start: usize, secret: &[u8]) -> bool {
    let before = &hay[start.saturating_sub(7)..start];
    LOCKFILE_HASH_PREFIXES
        .iter()
        .any(|p| secret.starts_with(p) || before.ends_with(p))
}

/// Password-hash formats: a hash in a config file is not the password itself.
const PASSWORD_HASH_PREFIXES: &[&[u8]] = &[
    b"$2a$",
    b"$2b$",
    b"$2y$",
    b"$argon2",
    b"$1$",
    b"$5$",
    b"$6$",
    b"$apr1$",
    b"{ssha}",
    b"{sha}",
    b"{bcrypt}",
    b"pbkdf2_",
    b"pbkdf2:",
    b"scrypt:",
    b"md5$",
    b"sha1$",
];

/// Extra noise filters for generic rules: UUIDs, digests, password hashes, paths, references to
/// variables, and plain words (a generic value with neither digit nor symbol is a name, not a key).
pub(crate) fn is_generic_noise(hay: &[u8], start: usize, secret: &[u8]) -> bool {
    is_uuid(secret)
        || is_digest(hay, start, secret)
        || is_password_hash(secret)
        || is_file_path(secret)
        || is_reference(secret)
        || is_word_like(secret)
        || is_plain_url(secret)
}

/// A web address without user-info (`token_uri = "https://oauth2.example/token"`): it names an
/// endpoint; credentials inside URLs have rules of their own.
fn is_plain_url(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix(b"https://")
        .or_else(|| lower.strip_prefix(b"http://"))
    else {
        return false;
    };
    let authority_end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
    !rest[..authority_end].contains(&b'@') && !rest.contains(&b'?')
}

fn is_password_hash(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    PASSWORD_HASH_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Names and ids built from words and numbers (`db-credentials-2`, `user_12345`, `Enter password`):
/// every segment between separators is one plain word, one number or one CONSTANT.
fn is_word_like(secret: &[u8]) -> bool {
    secret
        .split(|&b| matches!(b, b'_' | b'-' | b'.' | b' ' | b'/' | b':'))
        .all(|segment| {
            let letters = segment.iter().skip(1).all(u8::is_ascii_lowercase)
                && segment.first().is_none_or(u8::is_ascii_alphabetic);
            letters
                || segment.iter().all(u8::is_ascii_digit)
                || segment.iter().all(u8::is_ascii_uppercase)
        })
}

fn is_uuid(secret: &[u8]) -> bool {
    secret.len() == 36
        && secret.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Git commit ids (40 hex) always; other hex digests when labelled (`sha256:...`).
fn is_digest(hay: &[u8], start: usize, secret: &[u8]) -> bool {
    if !secret.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    if secret.len() == 40 {
        return true;
    }
    let before = hay[start.saturating_sub(8)..start].to_ascii_lowercase();
    matches!(secret.len(), 32 | 64 | 96 | 128) && DIGEST_LABELS.iter().any(|l| before.ends_with(l))
}

fn is_file_path(secret: &[u8]) -> bool {
    let rooted = secret.starts_with(b"/")
        || secret.starts_with(b"./")
        || secret.starts_with(b"../")
        || secret.starts_with(b"~/")
        || (secret.len() > 3 && secret[0].is_ascii_alphabetic() && &secret[1..3] == b":\\");
    let lower = secret.to_ascii_lowercase();
    rooted || PATH_EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
}

/// Code that reads a secret rather than the secret itself: `process.env.X`, `os.environ[...]`,
/// calls, dotted identifiers, `ALL_CAPS` names.
fn is_reference(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    if REFERENCE_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(&lower, m).is_some())
    {
        return true;
    }
    let identifier = |part: &[u8]| {
        !part.is_empty()
            && !part[0].is_ascii_digit()
            && part.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let call = secret.ends_with(b")") && secret.contains(&b'(');
    let dotted = secret.contains(&b'.') && secret.split(|&b| b == b'.').all(identifier);
    let constant_name = identifier(secret)
        && secret.contains(&b'_')
        && secret
            .iter()
            .all(|b| b.is_ascii_uppercase() || *b == b'_' || b.is_ascii_digit());
    call || dotted || constant_name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_values() {
        assert!(is_documentation_value(b"AKIAIOSFODNN7EXAMPLE"));
        assert!(is_documentation_value(
            b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        ));
        assert!(!is_documentation_value(b"AKIAQ3EGRJ5XPLBZSW7A"));
    }

    #[test]
    fn placeholders() {
        for value in [
            "xxxxxxxxxxxxxxxx",
            "XXXXXXXX",
            "your-key-here",
            "<token>",
            "${VAR}",
            "{{ var }}",
            "$VAR",
            "%VAR%",
            "********",
            "changeme",
            "example-secret",
            "dummy-value",
            "test",
            "Test123",
            "aaaaaaaaaaaa",
            "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcdefghijklmnop",
            "12345678",
            "sk_live_0123456789abcdef",
            "password",
            "${{ secrets.TOKEN }}",
            "anonymous",
            "",
        ] {
            assert!(
                is_placeholder(value.as_bytes(), false),
                "{value} should be a placeholder"
            );
        }
        for value in [
            "hX9kQ2vL7pZ4mN8s",
            "ghp_Zq8LmN3pR7sT1vW5xY9aB2cD4eF6gH0a1b2c",
            "Tr0ub4dor&3-horse",
        ] {
            assert!(
                !is_placeholder(value.as_bytes(), false),
                "{value} should not be a placeholder"
            );
        }
        assert!(!is_placeholder(
            b"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB",
            true
        ));
    }

    #[test]
    fn template_values_in_slots() {
        for value in [
            "",
            "${DB_PASS}",
            "$PGPASSWORD",
            "<password>",
            "********",
            "xxxxxxxx",
            "changeme",
            "your_password",
            "anonymous",
            "%PASS%",
            "{{ pw }}",
        ] {
            assert!(is_template_value(value.as_bytes(), Slot::Store), "{value}");
        }
        for value in [
            "password",
            "pass123",
            "hunter22",
            "irc_pass",
            "testpass",
            "ExamplePas123",
            "admin",
        ] {
            assert!(
                !is_template_value(value.as_bytes(), Slot::Store),
                "{value} is what the store holds"
            );
        }
        assert!(is_template_value(b"password", Slot::Uri));
        assert!(is_template_value(b"guest", Slot::Uri));
        assert!(!is_template_value(b"testpass", Slot::Uri));
    }

    #[test]
    fn weak_passwords_are_named() {
        assert!(weakness(b"password").is_some());
        assert!(weakness(b"hunter22").is_some());
        assert!(weakness(b"irc_pass").is_some());
        assert!(weakness(b"Pa5s!w0rd").is_some(), "short");
        assert!(weakness(b"q7#Lm2!vRt9@Xz4p").is_none());
    }

    #[test]
    fn lockfile_integrity() {
        let hay = b"integrity sha512-AbCdEf0123456789";
        assert!(is_lockfile_integrity(hay, 17, &hay[17..]));
        assert!(is_lockfile_integrity(hay, 10, &hay[10..]));
        assert!(!is_lockfile_integrity(b"token AbCdEf", 6, b"AbCdEf"));
    }

    #[test]
    fn generic_noise() {
        let noise = |s: &str| is_generic_noise(s.as_bytes(), 0, s.as_bytes());
        assert!(noise("123e4567-e89b-12d3-a456-426614174000"));
        assert!(noise("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        assert!(noise("/etc/secrets/db"));
        assert!(noise("C:\\keys\\prod"));
        assert!(noise("secrets/prod.json"));
        assert!(noise("process.env.DB_PASSWORD"));
        assert!(noise("os.environ['DB_PASSWORD']"));
        assert!(noise("getPassword()"));
        assert!(noise("config.db.password"));
        assert!(noise("DB_PASSWORD"));
        assert!(noise(
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
        ));
        assert!(noise("bert-base-uncased"));
        assert!(noise("db-credentials-2"));
        assert!(noise("user_12345"));
        assert!(noise("Enter password"));
        assert!(noise("@env:AC_PASSWORD"));
        assert!(noise("https://oauth2.googleapis.com/token"));
        assert!(!noise("https://ci:Zr7kQ3wPq9@git.corp.internal/"));
        assert!(!noise("hunter2"));
        assert!(!noise("Summer-2024!"));
        assert!(!noise("hX9kQ2vL7pZ4mN8s"));
        assert!(!noise("Tr0ub4dor&3-horse"));
        let labelled = b"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert!(is_generic_noise(labelled, 7, &labelled[7..]));
        assert!(!is_generic_noise(&labelled[7..], 0, &labelled[7..]));
    }
}
