//! The credentials of a directory object: client secrets (`passwordCredentials`) and certificates
//! (`keyCredentials`), on an application registration or on a service principal itself.
//!
//! Invariants: a listing never holds a secret's value (`secretText` is not even read); a secret is
//! `azure-client-secret:<keyId>`, a certificate `azure-certificate:<keyId>`, and the `object`
//! attribute says which object holds it (`application` or `service-principal`).

use crate::cloud_export::{id_fingerprint, Export, LineCursor};
use crate::{Discovery, SourceContext};
use nhi_model::{Credential, CredentialKind};
use serde::Deserialize;
use serde_json::Value;

/// A client secret as Microsoft Graph lists it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PasswordCredential {
    key_id: Option<String>,
    display_name: Option<String>,
    start_date_time: Option<String>,
    end_date_time: Option<String>,
    /// The first characters of the secret, which Graph shows on purpose.
    hint: Option<String>,
    custom_key_identifier: Option<String>,
}

/// A certificate (public part) as Microsoft Graph lists it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KeyCredential {
    key_id: Option<String>,
    display_name: Option<String>,
    start_date_time: Option<String>,
    end_date_time: Option<String>,
    #[serde(rename = "type")]
    key_type: Option<String>,
    usage: Option<String>,
    custom_key_identifier: Option<String>,
}

/// Which directory object holds the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Holder {
    Application,
    ServicePrincipal,
}

impl Holder {
    fn as_str(self) -> &'static str {
        match self {
            Holder::Application => "application",
            Holder::ServicePrincipal => "service-principal",
        }
    }
}

/// The credentials of one object, as it sits in the export.
pub(super) struct ObjectCredentials<'a> {
    pub identity: &'a str,
    pub holder: Holder,
    pub passwords: Vec<PasswordCredential>,
    pub keys: Vec<KeyCredential>,
}

/// One credential of either family, in the fields both share.
struct Listed {
    kind: CredentialKind,
    key_id: Option<String>,
    display_name: Option<String>,
    start: Option<String>,
    end: Option<String>,
    custom_key_identifier: Option<String>,
    redacted: Option<String>,
    /// Family-specific attributes.
    extra: Vec<(&'static str, Option<String>)>,
}

impl From<KeyCredential> for Listed {
    fn from(key: KeyCredential) -> Self {
        Listed {
            kind: CredentialKind::X509Certificate,
            key_id: key.key_id,
            display_name: key.display_name,
            start: key.start_date_time,
            end: key.end_date_time,
            custom_key_identifier: key.custom_key_identifier,
            redacted: None,
            extra: vec![("key_type", key.key_type), ("usage", key.usage)],
        }
    }
}

impl From<PasswordCredential> for Listed {
    fn from(password: PasswordCredential) -> Self {
        Listed {
            kind: CredentialKind::Password,
            key_id: password.key_id,
            display_name: password.display_name,
            start: password.start_date_time,
            end: password.end_date_time,
            custom_key_identifier: password.custom_key_identifier,
            redacted: password
                .hint
                .filter(|h| !h.is_empty())
                .map(|hint| format!("{hint}***")),
            extra: Vec::new(),
        }
    }
}

impl ObjectCredentials<'_> {
    /// Add every credential of the object to `out`.
    pub(super) fn read_into(
        self,
        export: &Export,
        lines: &mut LineCursor,
        ctx: &SourceContext,
        out: &mut Discovery,
    ) {
        let keys = self.keys.into_iter().map(Listed::from);
        let passwords = self.passwords.into_iter().map(Listed::from);
        for listed in keys.chain(passwords) {
            add(self.identity, self.holder, listed, export, lines, ctx, out);
        }
    }
}

fn add(
    identity: &str,
    holder: Holder,
    listed: Listed,
    export: &Export,
    lines: &mut LineCursor,
    ctx: &SourceContext,
    out: &mut Discovery,
) {
    let family = match listed.kind {
        CredentialKind::Password => "azure-client-secret",
        _ => "azure-certificate",
    };
    let Some(key_id) = listed.key_id.filter(|k| !k.is_empty()) else {
        return out
            .errors
            .push(export.error(None, format!("a {family} of {identity} has no keyId")));
    };
    let line = lines.seek(&key_id);
    let id = format!("{family}:{}", key_id.to_ascii_lowercase());
    let mut credential = Credential::new(&id, listed.kind, id_fingerprint(ctx, &id));
    credential.identity = Some(identity.to_string());
    credential.redacted = listed.redacted;
    credential.created = export.time(
        listed.start.as_deref(),
        "startDateTime",
        line,
        &mut out.errors,
    );
    credential.expires = export.time(listed.end.as_deref(), "endDateTime", line, &mut out.errors);
    credential.locations.push(export.location(line, None));
    let attributes = &mut credential.attributes;
    attributes.insert("object".into(), Value::from(holder.as_str()));
    let named = [
        ("display_name", listed.display_name),
        ("custom_key_identifier", listed.custom_key_identifier),
    ];
    for (attribute, value) in named.into_iter().chain(listed.extra) {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            attributes.insert(attribute.into(), Value::from(value));
        }
    }
    out.inventory.add_credential(credential);
}
