//! Secret rules as data: the YAML shape of a rule file, and the checked, compiled `Rule` built from
//! it. Invariant: every `Rule` has a kebab-case id, a compiled pattern with a secret group, an OWASP
//! mapping, a remediation and at least one usable keyword (lowercase ASCII, three bytes or more),
//! unless it is scoped to credential-store files by name (`files`): those run over the whole file.

use crate::error::RuleError;
use crate::validators::ValidatorKind;
use nhi_model::{CredentialKind, OwaspNhi, RuleKind, RuleMeta, Severity};
use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use serde::Deserialize;
use std::borrow::Cow;

/// Shortest keyword the prefilter accepts: shorter literals would hit on most lines.
const MIN_KEYWORD_LEN: usize = 3;
/// Cap on the compiled size of one rule's pattern, so a careless user rule cannot eat memory.
const PATTERN_SIZE_LIMIT: usize = 4 << 20;

/// One rule file: a list of rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<RuleSpec>,
}

/// A rule as written in YAML, before it is checked and compiled.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    provider: String,
    credential_kind: CredentialKind,
    severity: Severity,
    owasp: Vec<OwaspNhi>,
    keywords: Vec<String>,
    pattern: String,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    validator: Option<ValidatorKind>,
    /// Generic rules (`password = ...`) get the stricter noise filters and lose to specific rules.
    #[serde(default)]
    generic: bool,
    /// Multi-line rules (PEM blocks) may match past the end of the keyword's line.
    #[serde(default)]
    multiline: bool,
    /// File names (or path suffixes with `/`, `*` as wildcard) the rule is limited to; empty: any file.
    #[serde(default)]
    files: Vec<String>,
    /// The match is a field that a file format defines as the credential: see [`Slot`].
    #[serde(default)]
    slot: Option<Slot>,
    remediation: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

/// A credential slot: a field that a file format or URI scheme defines as the password, so its value
/// is a credential whatever it looks like. Weak values (`hunter22`, `pass123`) are reported with a
/// note instead of being dropped as placeholders; only template markers (empty, `${VAR}`, `<...>`,
/// `****`, `changeme`) are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slot {
    /// A credential store written by a tool or kept as a dotfile (`.pgpass`, FileZilla, DBeaver,
    /// `.netrc`): the value is what was saved, even `password`.
    Store,
    /// The password of a connection URI: as in a store, except the words documentation writes in
    /// that place (`user:password@`, `guest:guest@`).
    Uri,
}

/// A checked, compiled secret rule.
#[derive(Debug, Clone)]
pub struct Rule {
    id: String,
    name: String,
    description: String,
    provider: String,
    credential_kind: CredentialKind,
    severity: Severity,
    owasp: Vec<OwaspNhi>,
    keywords: Vec<String>,
    pattern: String,
    pub(crate) regex: Regex,
    pub(crate) secret_group: usize,
    pub(crate) entropy: Option<f64>,
    pub(crate) validator: Option<ValidatorKind>,
    pub(crate) generic: bool,
    pub(crate) multiline: bool,
    files: Vec<String>,
    /// `files` as one path regex ([`files_pattern`]); `None` for rules scoped by content only.
    files_regex: Option<Regex>,
    pub(crate) slot: Option<Slot>,
    remediation: String,
    examples: Vec<String>,
    negative_examples: Vec<String>,
    source: String,
}

impl Rule {
    /// Stable kebab-case id (`github-pat-classic`): users put it in ignore files.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Human name of the credential type.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// One line: what the rule looks for.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The service that issued the credential (`aws`, `github`, `generic`...).
    pub fn provider(&self) -> &str {
        &self.provider
    }
    /// What sort of credential a match is.
    pub fn credential_kind(&self) -> CredentialKind {
        self.credential_kind
    }
    /// Severity of a finding from this rule.
    pub fn severity(&self) -> Severity {
        self.severity
    }
    /// OWASP NHI categories a finding maps to.
    pub fn owasp(&self) -> &[OwaspNhi] {
        &self.owasp
    }
    /// Lowercase literals, one of which occurs near every match (the prefilter's input).
    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }
    /// The regular expression, as written in the rule file.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
    /// How to revoke and rotate this credential.
    pub fn remediation(&self) -> &str {
        &self.remediation
    }
    /// Whether this is a generic assignment rule rather than a provider's token format.
    pub fn is_generic(&self) -> bool {
        self.generic
    }
    /// File-name patterns the rule is limited to (empty: every file).
    pub fn files(&self) -> &[String] {
        &self.files
    }
    /// Whether the rule only runs on files it names (credential stores), over the whole file.
    pub fn is_file_scoped(&self) -> bool {
        !self.files.is_empty()
    }
    /// Whether the rule applies to the file at `path` (`/` or `\\` separated).
    /// A template copy (`.env.example`, `config.php.dist`) is never the store itself.
    pub fn applies_to(&self, path: &str) -> bool {
        match &self.files_regex {
            None => true,
            Some(regex) => !is_template_copy(path) && regex.is_match(path),
        }
    }
    /// The rule's `files` patterns as one regex over a path (see [`files_pattern`]).
    pub(crate) fn files_pattern(&self) -> Option<String> {
        (!self.files.is_empty()).then(|| files_pattern(&self.files))
    }
    /// The credential slot the rule reads, if its field is one a format defines.
    pub fn slot(&self) -> Option<Slot> {
        self.slot
    }
    /// Strings that must match this rule.
    pub fn examples(&self) -> &[String] {
        &self.examples
    }
    /// Strings that must not match this rule.
    pub fn negative_examples(&self) -> &[String] {
        &self.negative_examples
    }
    /// Name of the file the rule came from (`builtin:cloud.yml` or a user path).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The rule's metadata, as `nhi rules` lists it.
    pub fn meta(&self) -> RuleMeta {
        RuleMeta {
            id: Cow::Owned(self.id.clone()),
            kind: RuleKind::Secret,
            title: Cow::Owned(self.name.clone()),
            severity: self.severity,
            owasp: Cow::Owned(self.owasp.clone()),
            description: Cow::Owned(self.description.clone()),
            remediation: Cow::Owned(self.remediation.clone()),
        }
    }
}

/// Parses and compiles every rule of one YAML document. `source` names the file in errors.
pub(crate) fn parse_rules(text: &str, source: &str) -> Result<Vec<Rule>, RuleError> {
    let file: RuleFile = serde_yaml_ng::from_str(text).map_err(|err| RuleError::Yaml {
        file: source.to_string(),
        line: err.location().map(|loc| loc.line()),
        message: err.to_string(),
    })?;
    file.rules
        .into_iter()
        .map(|spec| {
            let line = line_of_id(text, &spec.id);
            compile_rule(spec, source).map_err(|reason| RuleError::InvalidRule {
                file: source.to_string(),
                line,
                id: reason.0,
                reason: reason.1,
            })
        })
        .collect()
}

/// The 1-based line where `id: <id>` is written, for error messages.
fn line_of_id(text: &str, id: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start().trim_start_matches("- ").trim_start();
            line.strip_prefix("id:")
                .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == id)
        })
        .map(|index| index + 1)
}

/// Whether `id` is lowercase kebab-case: `[a-z0-9]+(-[a-z0-9]+)*`.
pub(crate) fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Checks one spec and compiles its pattern. The error is `(id, reason)`.
fn compile_rule(spec: RuleSpec, source: &str) -> Result<Rule, (String, String)> {
    let fail = |reason: String| (spec.id.clone(), reason);
    if !is_kebab_case(&spec.id) {
        return Err(fail("id must be lowercase kebab-case".into()));
    }
    if spec.keywords.is_empty() && spec.files.is_empty() {
        return Err(fail(
            "a rule needs at least one keyword for the prefilter, or `files` to scope it".into(),
        ));
    }
    if spec.files.iter().any(|f| f.trim().is_empty()) {
        return Err(fail("a `files` pattern is empty".into()));
    }
    if let Some(bad) = spec.keywords.iter().find(|kw| !is_usable_keyword(kw)) {
        return Err(fail(format!(
            "keyword '{bad}' is not usable: keywords are lowercase ASCII literals of {MIN_KEYWORD_LEN}+ bytes"
        )));
    }
    if spec.owasp.is_empty() {
        return Err(fail("a rule needs an OWASP NHI mapping".into()));
    }
    if spec.remediation.trim().is_empty() {
        return Err(fail("a rule needs a remediation".into()));
    }
    if spec
        .entropy
        .is_some_and(|bits| !(0.0..=8.0).contains(&bits))
    {
        return Err(fail("entropy is in bits per byte, between 0 and 8".into()));
    }
    if spec.slot.is_some() && spec.entropy.is_some() {
        return Err(fail(
            "a slot keeps weak values, so it cannot have an entropy floor".into(),
        ));
    }
    let regex =
        compile_pattern(&spec.pattern).map_err(|err| fail(format!("bad pattern: {err}")))?;
    let secret_group = secret_group_index(&regex).ok_or_else(|| {
        fail("pattern needs a capture group (named `secret`, or the first)".into())
    })?;
    let files_regex = match spec.files.as_slice() {
        [] => None,
        patterns => Some(
            compile_pattern(&files_pattern(patterns))
                .map_err(|err| fail(format!("bad `files` pattern: {err}")))?,
        ),
    };
    let description = spec
        .description
        .unwrap_or_else(|| format!("Finds a {} in text.", spec.name));
    Ok(Rule {
        id: spec.id,
        name: spec.name,
        description,
        provider: spec.provider,
        credential_kind: spec.credential_kind,
        severity: spec.severity,
        owasp: spec.owasp,
        keywords: spec.keywords,
        pattern: spec.pattern,
        regex,
        secret_group,
        entropy: spec.entropy,
        validator: spec.validator,
        generic: spec.generic,
        multiline: spec.multiline,
        files_regex,
        files: spec.files,
        slot: spec.slot,
        remediation: spec.remediation.trim().to_string(),
        examples: spec.examples,
        negative_examples: spec.negative_examples,
        source: source.to_string(),
    })
}

/// The regex that `files` patterns mean, matched against a whole path (`/` or `\\` separated,
/// any case): a file name (`.pgpass`, `*.ini`) names the path's last component, a pattern with
/// `/` (`.vscode/sftp.json`) its last components; `*` stands for any run within one component.
pub(crate) fn files_pattern(patterns: &[String]) -> String {
    const SEPARATOR: &str = "[/\\\\]";
    const WITHIN: &str = "[^/\\\\]*";
    let alternatives: Vec<String> = patterns
        .iter()
        .map(|pattern| {
            let components: Vec<String> = pattern
                .split(['/', '\\'])
                .map(|component| {
                    let pieces: Vec<String> = component.split('*').map(escape).collect();
                    pieces.join(WITHIN)
                })
                .collect();
            format!("(?:^|{SEPARATOR}){}$", components.join(SEPARATOR))
        })
        .collect();
    format!("(?i:{})", alternatives.join("|"))
}

/// `text` with every regex metacharacter escaped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Whether `path` is a template copy (`.env.example`, `config.php.dist`): it documents a
/// configuration rather than holds it.
pub(crate) fn is_template_copy(path: &str) -> bool {
    TEMPLATE_SUFFIXES.iter().any(|suffix| {
        path.len() >= suffix.len()
            && path.as_bytes()[path.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    })
}

/// Suffixes of files that document a configuration rather than hold it.
const TEMPLATE_SUFFIXES: &[&str] = &[
    ".example",
    ".sample",
    ".template",
    ".tpl",
    ".tmpl",
    ".dist",
    ".default",
    ".skel",
];

fn is_usable_keyword(keyword: &str) -> bool {
    keyword.len() >= MIN_KEYWORD_LEN
        && keyword
            .bytes()
            .all(|b| (b.is_ascii_graphic() && !b.is_ascii_uppercase()) || b == b' ')
        && keyword.bytes().any(|b| b != b' ')
}

/// Compiles a pattern for byte haystacks: ASCII classes, `(?i)` ASCII-only, `.` matches any byte.
fn compile_pattern(pattern: &str) -> Result<Regex, Box<regex_automata::meta::BuildError>> {
    Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(
            Regex::config()
                .utf8_empty(false)
                .nfa_size_limit(Some(PATTERN_SIZE_LIMIT))
                .dfa_size_limit(Some(PATTERN_SIZE_LIMIT)),
        )
        .build(pattern)
        .map_err(Box::new)
}

/// The capture group holding the secret: the one named `secret`, else group 1.
fn secret_group_index(regex: &Regex) -> Option<usize> {
    let info = regex.group_info();
    let pid = regex_automata::PatternID::ZERO;
    info.to_index(pid, "secret")
        .or_else(|| (info.group_len(pid) > 1).then_some(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
rules:
  - id: demo-token
    name: Demo token
    provider: demo
    credential_kind: api-token
    severity: high
    owasp: [NHI2]
    keywords: [demo_]
    pattern: '\b(?P<secret>demo_[a-z0-9]{8})\b'
    remediation: Revoke it.
    examples: ['demo_a1b2c3d4']
    negative_examples: ['demo_short']
"#;

    #[test]
    fn parses_and_compiles_a_rule() {
        let rules = parse_rules(MINIMAL, "test.yml").unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].id(), "demo-token");
        assert_eq!(rules[0].credential_kind(), CredentialKind::ApiToken);
        assert_eq!(rules[0].secret_group, 1);
        assert_eq!(rules[0].meta().kind, RuleKind::Secret);
    }

    #[test]
    fn rejects_rules_without_usable_keywords_with_file_and_line() {
        let text = MINIMAL.replace("[demo_]", "[De]");
        let err = parse_rules(&text, "test.yml").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("test.yml:3"), "{message}");
        assert!(message.contains("keyword"), "{message}");
    }

    #[test]
    fn rejects_bad_ids_patterns_and_missing_groups() {
        let bad_id = MINIMAL.replace("id: demo-token", "id: Demo_Token");
        assert!(parse_rules(&bad_id, "t").is_err());
        let bad_pattern = MINIMAL.replace(r"(?P<secret>demo_[a-z0-9]{8})", "demo_[");
        assert!(parse_rules(&bad_pattern, "t").is_err());
        let no_group = MINIMAL.replace(r"(?P<secret>demo_[a-z0-9]{8})", "demo_[a-z]{8}");
        assert!(parse_rules(&no_group, "t").is_err());
        let yaml_error = parse_rules("rules: [", "broken.yml").unwrap_err();
        assert!(yaml_error.to_string().contains("broken.yml"));
    }

    #[test]
    fn file_scoped_rules_need_no_keyword_and_match_names() {
        let scoped = MINIMAL.replace(
            "keywords: [demo_]",
            "keywords: []\n    files: ['.pgpass', '*.ini', '.vscode/sftp.json']",
        );
        let rule = &parse_rules(&scoped, "t").unwrap()[0];
        assert!(rule.is_file_scoped());
        assert!(rule.applies_to("home/ops/.pgpass"));
        assert!(rule.applies_to("C:\\Users\\ops\\.PGPASS"));
        assert!(rule.applies_to("srv/ventrilo_srv.ini"));
        assert!(rule.applies_to("site/.vscode/sftp.json"));
        assert!(!rule.applies_to("site/sftp.json"));
        assert!(!rule.applies_to("docs/pgpass.md"));
        assert!(!rule.applies_to("a.ini.bak"));
        assert!(!rule.applies_to("conf/app.ini.example"), "a template copy");
        let unscoped = MINIMAL.replace("keywords: [demo_]", "keywords: []");
        assert!(parse_rules(&unscoped, "t").is_err(), "no keyword, no files");
    }

    #[test]
    fn file_patterns_are_globs_over_the_last_components() {
        let matches = |pattern: &str, path: &str| {
            compile_pattern(&files_pattern(&[pattern.to_string()]))
                .unwrap()
                .is_match(path)
        };
        assert!(matches("*", "dir/"));
        assert!(matches("*.env", "app/.env"));
        assert!(matches("data-sources*.xml", "data-sources-2.xml"));
        assert!(matches("*config*.php", "www/wp-config.php"));
        assert!(!matches("*config*.php", "wp-config.php.txt"));
        assert!(
            !matches("*config*.php", "config/x.php"),
            "* stays within a component"
        );
        assert!(!matches("a*a", "a"));
        assert!(matches("a*a", "aa"));
        assert!(matches(
            "credentials/*.key",
            "config\\credentials\\production.key"
        ));
        assert!(!matches("credentials/*.key", "mycredentials/p.key"));
        assert!(matches(
            "settings.local.php",
            "SITES/Default/Settings.Local.PHP"
        ));
        assert!(
            !matches("settings.local.php", "settingsXlocal.php"),
            "dots are literal"
        );
    }

    #[test]
    fn kebab_case() {
        assert!(is_kebab_case("aws-access-key-id"));
        assert!(is_kebab_case("p4ss"));
        assert!(!is_kebab_case("aws--key"));
        assert!(!is_kebab_case("-aws"));
        assert!(!is_kebab_case("AWS"));
        assert!(!is_kebab_case(""));
    }
}
