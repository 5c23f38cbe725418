//! JSON Web Tokens found in credential files: the header and claims decoded (never verified),
//! for the algorithm, issuer, subject, audience, issue and expiry times, and the identity the
//! subject names when it is one nhi knows (a Kubernetes service account, an Azure application).
//!
//! Invariant: only the header and claims are read; the signature is never kept or shown.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use nhi_model::{Credential, Timestamp};
use serde_json::{Map, Value};

/// Whether `value` has the shape of a JWT: `eyJ` header, a claims part, a (possibly empty)
/// signature, all base64url.
pub(crate) fn looks_like(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
        })
}

/// The decoded header and claims of a JWT.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Claims {
    pub alg: Option<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audience: Option<String>,
    pub issued: Option<Timestamp>,
    pub expires: Option<Timestamp>,
    /// The identity the claims name, when nhi knows its id scheme.
    pub identity: Option<String>,
}

/// Decode a JWT's header and claims; `None` when it is not one.
pub(crate) fn decode(token: &str) -> Option<Claims> {
    if !looks_like(token) {
        return None;
    }
    let mut parts = token.split('.');
    let header = object(parts.next()?)?;
    let claims = object(parts.next()?)?;
    let text = |key: &str| claims.get(key).and_then(Value::as_str).map(str::to_string);
    let time = |key: &str| {
        claims
            .get(key)
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
    };
    let audience = match claims.get("aud") {
        Some(Value::String(aud)) => Some(aud.clone()),
        Some(Value::Array(list)) => Some(
            list.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => None,
    };
    Some(Claims {
        alg: header
            .get("alg")
            .and_then(Value::as_str)
            .map(str::to_string),
        issuer: text("iss"),
        subject: text("sub"),
        audience,
        issued: time("iat"),
        expires: time("exp"),
        identity: identity(&claims),
    })
}

fn object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .or_else(|_| URL_SAFE.decode(part))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The identity a token's claims name: a Kubernetes service account (`system:serviceaccount:ns:name`)
/// or an Azure application token (`idtyp: app` with `appid`).
fn identity(claims: &Map<String, Value>) -> Option<String> {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(rest) = sub.strip_prefix("system:serviceaccount:") {
        let (namespace, name) = rest.split_once(':')?;
        return Some(format!("k8s:serviceaccount:{namespace}/{name}"));
    }
    let app_token = claims.get("idtyp").and_then(Value::as_str) == Some("app");
    let app_id = claims
        .get("appid")
        .or_else(|| claims.get("azp"))
        .and_then(Value::as_str);
    match app_id {
        Some(app_id) if app_token => Some(format!(
            "azure:serviceprincipal:{}",
            app_id.to_ascii_lowercase()
        )),
        _ => None,
    }
}

impl Claims {
    /// Put the claims on the credential: `created`/`expires` from `iat`/`exp`, attributes
    /// `jwt_alg`, `jwt_issuer`, `jwt_subject`, `jwt_audience`, `jwt_no_expiry`, and the identity
    /// when the claims name one and the credential has none yet.
    pub(crate) fn describe(self, credential: &mut Credential) {
        credential.created = credential.created.or(self.issued);
        credential.expires = credential.expires.or(self.expires);
        let attributes = &mut credential.attributes;
        for (key, value) in [
            ("jwt_alg", self.alg),
            ("jwt_issuer", self.issuer),
            ("jwt_subject", self.subject),
            ("jwt_audience", self.audience),
        ] {
            if let Some(value) = value {
                attributes.insert(key.into(), Value::from(value));
            }
        }
        attributes.insert("jwt_no_expiry".into(), Value::from(self.expires.is_none()));
        if credential.identity.is_none() {
            credential.identity = self.identity;
        }
    }
}

/// Test tokens built from JSON, unsigned unless a signature is given.
#[cfg(test)]
pub(crate) fn make(header: &str, claims: &str, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_claims_and_service_account_subjects() {
        let token = make(
            r#"{"alg":"RS256","kid":"k"}"#,
            r#"{"iss":"https://kubernetes.default.svc","sub":"system:serviceaccount:ci:deployer","aud":["api"],"iat":1700000000,"exp":1700003600}"#,
            "c2ln",
        );
        let claims = decode(&token).unwrap();
        assert_eq!(claims.alg.as_deref(), Some("RS256"));
        assert_eq!(
            claims.identity.as_deref(),
            Some("k8s:serviceaccount:ci/deployer")
        );
        assert_eq!(claims.audience.as_deref(), Some("api"));
        assert_eq!(claims.expires.unwrap().timestamp(), 1_700_003_600);
    }

    #[test]
    fn unsigned_tokens_and_azure_app_tokens() {
        let token = make(
            r#"{"alg":"none"}"#,
            r#"{"appid":"ABC-1","idtyp":"app"}"#,
            "",
        );
        let claims = decode(&token).unwrap();
        assert_eq!(claims.alg.as_deref(), Some("none"));
        assert_eq!(claims.expires, None);
        assert_eq!(
            claims.identity.as_deref(),
            Some("azure:serviceprincipal:abc-1")
        );
    }

    #[test]
    fn non_tokens_are_refused_without_panic() {
        for value in [
            "",
            "a.b.c",
            "eyJ.eyJ.",
            "eyJhbGciOi.eyJzdWIi.sig",
            "eyJ!.eyJ.x",
            "x.y",
        ] {
            assert!(decode(value).is_none(), "{value}");
        }
    }
}
