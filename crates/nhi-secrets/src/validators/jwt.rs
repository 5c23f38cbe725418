//! JSON Web Tokens: the header and claims must be base64url JSON objects, the header naming an
//! `alg`. Weaknesses become notes: `alg: none`, no `exp`, or an expiry far after issue.

use super::Verdict;
use crate::decode::decode_base64;
use serde_json::{Map, Value};

/// Lifetimes longer than this (exp - iat) are reported as far expiry.
const FAR_EXPIRY_SECONDS: i64 = 365 * 24 * 3600;

/// Decodes a compact JWS (`header.claims.signature`) and notes its weaknesses.
pub(crate) fn check(token: &[u8]) -> Verdict {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(claims)) = (parts.next(), parts.next()) else {
        return Verdict::invalid();
    };
    let (Some(header), Some(claims)) = (json_object(header), json_object(claims)) else {
        return Verdict::invalid();
    };
    let Some(alg) = header.get("alg").and_then(Value::as_str) else {
        return Verdict::invalid();
    };
    let mut verdict = Verdict::valid();
    if alg.eq_ignore_ascii_case("none") {
        verdict = verdict.with_note("alg none: the token is unsigned and can be forged".into());
    }
    let issued = claims.get("iat").and_then(Value::as_i64);
    match claims.get("exp").and_then(Value::as_i64) {
        None => verdict = verdict.with_note("no exp claim: the token never expires".into()),
        Some(exp) => {
            if let Some(lifetime) = issued.map(|iat| exp.saturating_sub(iat)) {
                if lifetime > FAR_EXPIRY_SECONDS {
                    let days = lifetime / 86_400;
                    verdict =
                        verdict.with_note(format!("far expiry: valid for {days} days after issue"));
                }
            }
        }
    }
    if let Some(role) = claims.get("role").and_then(Value::as_str) {
        verdict = verdict.with_note(format!("role claim: {}", short(role)));
    }
    verdict
}

fn json_object(segment: &[u8]) -> Option<Map<String, Value>> {
    let mut decoded = Vec::new();
    if !decode_base64(segment, &mut decoded) {
        return None;
    }
    match serde_json::from_slice(&decoded).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Claims are attacker-controlled text: keep notes short and printable.
fn short(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validators::Validation;

    fn b64url(text: &str) -> String {
        crate::decode::tests::encode_base64url(text.as_bytes())
    }

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.c2lnbmF0dXJl", b64url(header), b64url(claims))
    }

    #[test]
    fn flags_alg_none_and_missing_expiry() {
        let verdict = check(token(r#"{"alg":"none"}"#, r#"{"sub":"svc"}"#).as_bytes());
        assert_eq!(verdict.validation, Validation::Valid);
        assert!(verdict.notes.iter().any(|n| n.starts_with("alg none")));
        assert!(verdict.notes.iter().any(|n| n.starts_with("no exp")));
    }

    #[test]
    fn flags_far_expiry_but_not_short_lived_tokens() {
        let far = check(
            token(
                r#"{"alg":"HS256"}"#,
                r#"{"iat":1700000000,"exp":1900000000}"#,
            )
            .as_bytes(),
        );
        assert!(far.notes.iter().any(|n| n.starts_with("far expiry")));
        let short_lived = check(
            token(
                r#"{"alg":"RS256"}"#,
                r#"{"iat":1700000000,"exp":1700003600}"#,
            )
            .as_bytes(),
        );
        assert_eq!(short_lived, Verdict::valid());
    }

    #[test]
    fn rejects_non_json_segments() {
        assert_eq!(check(b"eyJub3Q.eyJqc29u.x").validation, Validation::Invalid);
        assert_eq!(check(b"onlyonepart").validation, Validation::Invalid);
        let no_alg = token(r#"{"typ":"JWT"}"#, r#"{"exp":1}"#);
        assert_eq!(check(no_alg.as_bytes()).validation, Validation::Invalid);
    }
}
