//! gcloud application default credentials (`application_default_credentials.json`, legacy
//! `adc.json`): an `authorized_user` refresh token (a person's long-lived grant, here used by
//! whatever runs on this machine), or an `impersonated_service_account` whose source credentials
//! hold one. `service_account` key files are the `gcp` source's; `external_account` (workload
//! identity federation) holds no secret.

use super::secret::Sighting;
use super::Found;
use nhi_model::CredentialKind;
use serde::Deserialize;
use serde_json::Value;

/// Types of ADC files that hold a refresh token.
const REFRESH_TOKEN_TYPES: &[&str] = &["\"authorized_user\"", "\"impersonated_service_account\""];

/// Whether the first bytes name a type this reader handles.
pub(super) fn has_type_marker(head: &[u8]) -> bool {
    REFRESH_TOKEN_TYPES
        .iter()
        .any(|m| memchr::memmem::find(head, m.as_bytes()).is_some())
}

#[derive(Deserialize)]
struct Adc {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_id: Option<String>,
    refresh_token: Option<String>,
    account: Option<String>,
    quota_project_id: Option<String>,
    service_account_impersonation_url: Option<String>,
    source_credentials: Option<Box<Adc>>,
}

/// Read an application default credentials file.
pub(super) fn read(text: &str, found: &mut Found) {
    let Some((adc, export)) = found.json::<Adc>(text, "gcloud application default credentials")
    else {
        return;
    };
    let line = export.lines().seek("refresh_token");
    let impersonates = adc
        .service_account_impersonation_url
        .as_deref()
        .and_then(|url| url.rsplit("/serviceAccounts/").next())
        .map(|rest| rest.trim_end_matches(":generateAccessToken"))
        .map(|email| format!("gcp:serviceaccount:{email}"));
    let holder = match adc.kind.as_deref() {
        Some("authorized_user") => Some(adc),
        Some("impersonated_service_account") => adc.source_credentials.map(|b| *b),
        _ => None,
    };
    let Some(user) = holder else {
        return;
    };
    let Some(token) = user.refresh_token.as_deref().filter(|t| !t.is_empty()) else {
        return;
    };
    let mut sighting = Sighting::named(token, "refresh_token", "gcloud-adc", found.at(line));
    sighting.kind = CredentialKind::OauthToken;
    let mut attributes = vec![("adc_type", Value::from("authorized_user"))];
    for (key, value) in [
        ("client_id", &user.client_id),
        ("account", &user.account),
        ("quota_project", &user.quota_project_id),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            attributes.push((key, Value::from(value)));
        }
    }
    if let Some(target) = impersonates {
        attributes.push(("impersonates", Value::from(target)));
    }
    found.secret(sighting, &attributes);
}
