//! The shape shared by rules that judge one credential at a time by where it was found (its
//! `found_in` attribute: `crontab`, `kubeconfig`, `npmrc`, `mcp-config`, ...) and its own facts.
//! Each such rule is a `const` [`CredentialRule`]: metadata, the file kinds it looks at, a test,
//! a title and its examples; one finding per matching credential. (A `const` of plain references
//! and function pointers, so that the rule list can borrow it for `'static`.)

use crate::rules::credential_facts::finding_about;
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{Credential, Finding, Inventory, RuleMeta};
use serde_json::{json, Value};

/// A rule over credentials found in given kinds of files.
pub(crate) struct CredentialRule {
    pub meta: &'static RuleMeta,
    /// `found_in` values the rule looks at (empty: every credential).
    pub found_in: &'static [&'static str],
    /// Whether a credential from those files is a finding.
    pub applies: fn(&Credential, &AnalysisContext) -> bool,
    /// The finding's title.
    pub title: fn(&Credential, &AnalysisContext) -> String,
    pub examples: fn() -> Vec<RuleExample>,
}

/// A string attribute of a credential.
pub(crate) fn text<'a>(credential: &'a Credential, key: &str) -> Option<&'a str> {
    credential.attributes.get(key).and_then(Value::as_str)
}

/// Where the credential is, for titles: its first path and line.
pub(crate) fn place(credential: &Credential) -> String {
    credential
        .locations
        .first()
        .map(|l| l.display())
        .unwrap_or_else(|| "an unknown place".into())
}

/// The redacted form, or the id, for titles.
pub(crate) fn shown(credential: &Credential) -> &str {
    credential.redacted.as_deref().unwrap_or(&credential.id)
}

/// Attributes worth showing as evidence (the plaintext is never among them).
const EVIDENCE_KEYS: &[&str] = &[
    "found_in",
    "field",
    "profile",
    "registry",
    "repository",
    "host",
    "username",
    "unit",
    "address",
    "kubeconfig_user",
    "clusters",
    "jwt_alg",
    "jwt_issuer",
    "jwt_subject",
    "mcp_server",
    "client",
    "temporary",
    "other_profiles",
];

impl RiskRule for CredentialRule {
    fn meta(&self) -> &RuleMeta {
        self.meta
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        inventory
            .credentials
            .values()
            .filter(|c| {
                self.found_in.is_empty()
                    || text(c, "found_in").is_some_and(|f| self.found_in.contains(&f))
            })
            .filter(|c| (self.applies)(c, ctx))
            .map(|credential| {
                let mut evidence = json!({
                    "kind": credential.kind.as_str(),
                    "redacted": credential.redacted,
                    "paths": credential.paths(),
                    "created": credential.created,
                    "expires": credential.expires,
                });
                for key in EVIDENCE_KEYS {
                    if let Some(value) = credential.attributes.get(*key) {
                        evidence[*key] = value.clone();
                    }
                }
                finding_about(
                    self.meta,
                    credential,
                    None,
                    (self.title)(credential, ctx),
                    evidence,
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        (self.examples)()
    }
}
