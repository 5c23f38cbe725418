//! Rules about JSON Web Tokens found in files: unsigned (`alg: none`), never expiring, or expired
//! but still lying around.
//!
//! Invariant: expired tokens in client token caches (the Azure CLI's) are left alone: caches keep
//! expired access tokens by design, next to the refresh token that matters.

use super::credential_rule::{place, text, CredentialRule};
use super::examples::{example, inventory, jwt};
use crate::rules::credential_facts::{date, risk};
use nhi_model::{Credential, CredentialKind, OwaspNhi, Severity};
use serde_json::Value;

fn is_jwt(credential: &Credential) -> bool {
    credential.kind == CredentialKind::Jwt
}

fn describe(credential: &Credential) -> String {
    let subject = text(credential, "jwt_subject")
        .map(|s| format!(" for {s}"))
        .unwrap_or_default();
    let issuer = text(credential, "jwt_issuer")
        .map(|i| format!(" from {i}"))
        .unwrap_or_default();
    format!("JWT{subject}{issuer} at {}", place(credential))
}

/// Unsigned tokens.
pub(crate) const JWT_ALG_NONE: CredentialRule = CredentialRule {
    meta: &risk(
        "jwt-alg-none",
        "JWT is unsigned (alg: none)",
        Severity::High,
        &[OwaspNhi::NHI4],
        "A JWT declares `alg: none`: it carries no signature, so anyone can forge one with any claims, and a service that accepts it authenticates nobody.",
        "Find the issuer and the services that accept this token; make them issue and require signed tokens (RS256/ES256 with a pinned key set) and reject `none`; delete the stored token.",
    ),
    found_in: &[],
    applies: |c, _| is_jwt(c) && text(c, "jwt_alg").is_some_and(|a| a.eq_ignore_ascii_case("none")),
    title: |c, _| format!("Unsigned (alg: none) {}", describe(c)),
    examples: || {
        vec![
            example("alg none", true, inventory(vec![], vec![jwt("t", "svc/.env", "none", -10, Some(10))], vec![], vec![])),
            example("RS256", false, inventory(vec![], vec![jwt("t", "svc/.env", "RS256", -10, Some(10))], vec![], vec![])),
        ]
    },
};

/// Tokens without an expiry.
pub(crate) const JWT_NO_EXPIRY: CredentialRule = CredentialRule {
    meta: &risk(
        "jwt-no-expiry",
        "JWT never expires",
        Severity::Medium,
        &[OwaspNhi::NHI7],
        "A JWT has no `exp` claim: it is valid for as long as its signing key is, typically years, and cannot be revoked without rotating that key.",
        "Issue tokens with a short `exp` (minutes to hours) and refresh them; for Kubernetes use projected service account tokens instead of legacy token Secrets; delete the stored token and, if it cannot be revoked, rotate the signing key.",
    ),
    found_in: &[],
    applies: |c, _| is_jwt(c) && c.attributes.get("jwt_no_expiry").and_then(Value::as_bool) == Some(true),
    title: |c, _| format!("Non-expiring {}", describe(c)),
    examples: || {
        vec![
            example("no exp claim", true, inventory(vec![], vec![jwt("t", "svc/.env", "HS256", -400, None)], vec![], vec![])),
            example("expires in an hour", false, inventory(vec![], vec![jwt("t", "svc/.env", "HS256", 0, Some(1))], vec![], vec![])),
        ]
    },
};

/// Expired tokens still stored.
pub(crate) const JWT_EXPIRED: CredentialRule = CredentialRule {
    meta: &risk(
        "jwt-expired-present",
        "Expired JWT still stored",
        Severity::Low,
        &[OwaspNhi::NHI1],
        "An expired JWT is still stored in a file: whatever used it was not cleaned up when it stopped working, and the file may hold, or once held, credentials that still work.",
        "Delete the stale token and the configuration that referenced it; check whether the integration it belonged to is still needed, and offboard it if not.",
    ),
    found_in: &[],
    applies: |c, ctx| is_jwt(c) && text(c, "found_in") != Some("azure-token-cache") && c.expires.is_some_and(|e| e < ctx.now),
    title: |c, _| format!("{} expired {}", describe(c), c.expires.map(date).unwrap_or_default()),
    examples: || {
        let mut cached = jwt("t", "u/.azure/msal_token_cache.json", "RS256", -30, Some(-29));
        cached.attributes.insert("found_in".into(), "azure-token-cache".into());
        vec![
            example("expired a month ago", true, inventory(vec![], vec![jwt("t", "svc/.env", "RS256", -60, Some(-30))], vec![], vec![])),
            example("still valid", false, inventory(vec![], vec![jwt("t", "svc/.env", "RS256", -1, Some(30))], vec![], vec![])),
            example("expired access token in a CLI cache", false, inventory(vec![], vec![cached], vec![], vec![])),
        ]
    },
};
