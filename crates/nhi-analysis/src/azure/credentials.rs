//! Rules about the client secrets and certificates of applications and service principals.

use super::examples::{credential, own_application, saml_pair};
use super::text;
use crate::example::inventory;
use crate::rules::credential_facts::{finding_about, risk};
use crate::{AnalysisContext, RiskRule, RuleExample};
use chrono::Months;
use nhi_model::{
    Credential, CredentialKind, Finding, Inventory, OwaspNhi, RuleMeta, Severity, Timestamp,
};
use serde_json::json;

const SECRET: &str = "azure-client-secret:";
const CERTIFICATE: &str = "azure-certificate:";

fn azure_credentials(inventory: &Inventory) -> impl Iterator<Item = &Credential> {
    inventory
        .credentials
        .values()
        .filter(|c| c.id.starts_with(SECRET) || c.id.starts_with(CERTIFICATE))
}

fn is_secret(credential: &Credential) -> bool {
    credential.id.starts_with(SECRET)
}

fn expired(credential: &Credential, now: Timestamp) -> bool {
    credential.expires.is_some_and(|end| end <= now)
}

/// `client secret 'ci' of dispatch-api`, for titles.
fn describe(credential: &Credential, inventory: &Inventory) -> String {
    let family = if is_secret(credential) {
        "Client secret"
    } else {
        "Certificate"
    };
    let id = credential
        .id
        .split_once(':')
        .map_or(credential.id.as_str(), |(_, id)| id);
    let name = text(&credential.attributes, "display_name").unwrap_or(id);
    let holder = credential
        .identity
        .as_deref()
        .unwrap_or("an unknown principal");
    let holder = inventory
        .identities
        .get(holder)
        .map_or(holder, |i| i.name.as_str());
    format!("{family} '{name}' of {holder}")
}

/// Whether the secret is the password of a SAML signing certificate of the same principal (Entra
/// stores the pair with one custom key identifier).
fn pairs_a_signing_certificate(secret: &Credential, inventory: &Inventory) -> bool {
    let Some(key) = text(&secret.attributes, "custom_key_identifier") else {
        return false;
    };
    azure_credentials(inventory).any(|c| {
        !is_secret(c)
            && c.identity == secret.identity
            && text(&c.attributes, "custom_key_identifier") == Some(key)
    })
}

/// A client secret valid for more than a year.
pub(crate) struct ClientSecretLongLived;

static LONG_LIVED: RuleMeta = risk(
    "azure-client-secret-long-lived",
    "Client secret valid for more than a year",
    Severity::Medium,
    &[OwaspNhi::NHI7],
    "A client secret of an application or service principal whose validity (start to end) is \
     longer than one year, and which has not expired yet (the password of a SAML signing \
     certificate is no client secret).",
    "Replace the secret with a certificate or a federated credential (workload identity \
     federation), or at least with a secret of at most six months kept in Key Vault; enforce the \
     lifetime with an app management policy.",
);

/// The rotation period a "year" allows: 12 months plus a day, so a secret made for exactly one year
/// (which may cross a leap day or start a few seconds late) passes.
fn longer_than_a_year(start: Timestamp, end: Timestamp) -> bool {
    start
        .checked_add_months(Months::new(12))
        .is_some_and(|year| end > year + chrono::Duration::days(1))
}

impl RiskRule for ClientSecretLongLived {
    fn meta(&self) -> &RuleMeta {
        &LONG_LIVED
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        azure_credentials(inventory)
            .filter(|c| {
                is_secret(c) && !expired(c, ctx.now) && !pairs_a_signing_certificate(c, inventory)
            })
            .filter_map(|c| {
                let (start, end) = (c.created?, c.expires?);
                longer_than_a_year(start, end).then(|| {
                    let days = (end - start).num_days();
                    let title = format!("{} is valid for {days} days", describe(c, inventory));
                    let object = c.attributes.get("object");
                    let evidence =
                        json!({"start": start, "end": end, "valid_days": days, "object": object});
                    finding_about(&LONG_LIVED, c, None, title, evidence)
                })
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let app = own_application("app-1", "sp-1");
        let secret = |start, end| {
            credential(
                "k1",
                CredentialKind::Password,
                &app.id,
                "application",
                start,
                end,
            )
        };
        vec![
            RuleExample {
                name: "secret valid until 2099",
                inventory: inventory(
                    vec![app.clone()],
                    vec![secret("2024-02-01T00:00:00Z", "2099-12-31T00:00:00Z")],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "secret valid for exactly one year over a leap day",
                inventory: inventory(
                    vec![app.clone()],
                    vec![secret("2025-03-01T00:00:00Z", "2026-03-01T00:00:05Z")],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "long secret that already expired",
                inventory: inventory(
                    vec![app.clone()],
                    vec![secret("2021-01-01T00:00:00Z", "2024-06-30T00:00:00Z")],
                    vec![],
                ),
                fires: false,
            },
            RuleExample {
                name: "password of a SAML signing certificate valid until 2099",
                inventory: inventory(vec![app.clone()], saml_pair(&app.id), vec![]),
                fires: false,
            },
            RuleExample {
                name: "certificate valid until 2099",
                inventory: inventory(
                    vec![app.clone()],
                    vec![credential(
                        "c1",
                        CredentialKind::X509Certificate,
                        &app.id,
                        "application",
                        "2024-02-01T00:00:00Z",
                        "2099-12-31T00:00:00Z",
                    )],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// An expired secret or certificate still listed.
pub(crate) struct CredentialExpired;

static EXPIRED: RuleMeta = risk(
    "azure-credential-expired",
    "Expired secret or certificate still present",
    Severity::Low,
    &[OwaspNhi::NHI1],
    "An application or service principal still lists a client secret or certificate that has \
     expired: rotation left the old credential behind, and whoever owned it may have gone too.",
    "Remove the expired credential (az ad app credential delete --id <appId> --key-id <keyId>) and \
     check that the application still has an owner and a current, rotated credential.",
);

impl RiskRule for CredentialExpired {
    fn meta(&self) -> &RuleMeta {
        &EXPIRED
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        azure_credentials(inventory)
            .filter(|c| expired(c, ctx.now))
            .map(|c| {
                let end = c
                    .expires
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                let title = format!(
                    "{} expired on {end} and is still present",
                    describe(c, inventory)
                );
                finding_about(
                    &EXPIRED,
                    c,
                    None,
                    title,
                    json!({"expired": c.expires, "object": c.attributes.get("object")}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let app = own_application("app-1", "sp-1");
        let cert = |end| {
            credential(
                "c1",
                CredentialKind::X509Certificate,
                &app.id,
                "application",
                "2022-01-01T00:00:00Z",
                end,
            )
        };
        vec![
            RuleExample {
                name: "certificate that expired in 2024",
                inventory: inventory(
                    vec![app.clone()],
                    vec![cert("2024-06-30T00:00:00Z")],
                    vec![],
                ),
                fires: true,
            },
            RuleExample {
                name: "password of a SAML signing certificate valid until 2099",
                inventory: inventory(vec![app.clone()], saml_pair(&app.id), vec![]),
                fires: false,
            },
            RuleExample {
                name: "certificate valid until 2099",
                inventory: inventory(
                    vec![app.clone()],
                    vec![cert("2099-12-31T00:00:00Z")],
                    vec![],
                ),
                fires: false,
            },
        ]
    }
}

/// A client secret on the service principal object itself.
pub(crate) struct ServicePrincipalPassword;

static SP_PASSWORD: RuleMeta = risk(
    "azure-sp-password-credential",
    "Password credential on a service principal",
    Severity::Medium,
    &[OwaspNhi::NHI4],
    "A client secret added to the service principal itself rather than to its application: the \
     portal does not show it, owners of the application do not see it, and attackers add such \
     secrets to keep access. Secrets paired with a SAML signing certificate (same key identifier) \
     are left out.",
    "Find out who added the secret (Entra audit log: 'Add service principal credentials'); remove \
     it (az ad sp credential delete) and give the application a certificate or federated \
     credential on its application object instead.",
);

impl RiskRule for ServicePrincipalPassword {
    fn meta(&self) -> &RuleMeta {
        &SP_PASSWORD
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        azure_credentials(inventory)
            .filter(|c| is_secret(c) && text(&c.attributes, "object") == Some("service-principal"))
            .filter(|c| !expired(c, ctx.now) && !pairs_a_signing_certificate(c, inventory))
            .map(|c| {
                let title = format!(
                    "{} is set on the service principal itself",
                    describe(c, inventory)
                );
                finding_about(
                    &SP_PASSWORD,
                    c,
                    None,
                    title,
                    json!({"created": c.created, "expires": c.expires}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let app = own_application("app-1", "sp-1");
        let (start, end) = ("2024-02-01T00:00:00Z", "2099-12-31T00:00:00Z");
        let on = |object| credential("k1", CredentialKind::Password, &app.id, object, start, end);
        vec![
            RuleExample {
                name: "secret on the service principal",
                inventory: inventory(vec![app.clone()], vec![on("service-principal")], vec![]),
                fires: true,
            },
            RuleExample {
                name: "secret on the application",
                inventory: inventory(vec![app.clone()], vec![on("application")], vec![]),
                fires: false,
            },
            RuleExample {
                name: "password of a SAML signing certificate",
                inventory: inventory(vec![app.clone()], saml_pair(&app.id), vec![]),
                fires: false,
            },
        ]
    }
}
