//! The PostgreSQL rules. Each finding's subjects are the role identity (and its password
//! credential where the rule is about the password).

use super::facts::{
    applications, client_addresses, flag, is_service_role, list, login_roles, observed_since,
};
use crate::{AnalysisContext, RiskRule, RuleExample};
use nhi_model::{
    Finding, Identity, IdentityKind, Inventory, Location, OwaspNhi, RuleKind, RuleMeta, Severity,
};
use serde_json::{json, Value};
use std::borrow::Cow;

const fn meta(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    owasp: &'static [OwaspNhi],
    description: &'static str,
    remediation: &'static str,
) -> RuleMeta {
    RuleMeta {
        id: Cow::Borrowed(id),
        kind: RuleKind::Risk,
        title: Cow::Borrowed(title),
        severity,
        owasp: Cow::Borrowed(owasp),
        description: Cow::Borrowed(description),
        remediation: Cow::Borrowed(remediation),
    }
}

/// Where a role lives, for findings: the server as a location.
fn server_location(role: &Identity) -> Option<Location> {
    let server = role.attributes.get("server")?.as_str()?;
    Some(Location {
        account: Some(format!("postgres://{server}")),
        ..Location::default()
    })
}

fn finding(meta: &RuleMeta, role: &Identity, title: String, evidence: Value) -> Finding {
    Finding::new(
        meta,
        title,
        vec![role.id.clone()],
        server_location(role),
        evidence,
    )
}

/// A login role named `name` on server `db:5432` with the given attributes (for examples).
fn role(name: &str, attributes: Value) -> Identity {
    let mut identity = Identity::new(
        format!("postgres:role:db:5432/{name}"),
        IdentityKind::DatabaseRole,
        "postgres",
        name,
    );
    identity
        .attributes
        .insert("server".into(), json!("db:5432"));
    identity.attributes.insert("can_login".into(), json!(true));
    if let Value::Object(map) = attributes {
        identity.attributes.extend(map);
    }
    identity
}

fn example(name: &'static str, fires: bool, roles: Vec<Identity>) -> RuleExample {
    RuleExample {
        name,
        inventory: crate::example::inventory(roles, vec![], vec![]),
        fires,
    }
}

/// A login role used by a service holds superuser.
pub(crate) struct ServiceRoleSuperuser;

static SUPERUSER: RuleMeta = meta(
    "postgres-service-role-superuser",
    "Service role is a PostgreSQL superuser",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A login role used by an application holds SUPERUSER: it bypasses every permission check, can read and change all data and run programs on the server.",
    "Create a role with only the privileges the application needs (GRANT on its schema and tables), switch the application to it, then ALTER ROLE ... NOSUPERUSER. Keep superuser for a break-glass role that no application uses.",
);

impl RiskRule for ServiceRoleSuperuser {
    fn meta(&self) -> &RuleMeta {
        &SUPERUSER
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        login_roles(inventory.identities.values())
            .filter(|role| flag(role, "superuser") && is_service_role(role))
            .map(|role| {
                let apps = applications(role);
                let used_by = if apps.is_empty() {
                    String::new()
                } else {
                    format!(" (used by {})", apps.join(", "))
                };
                finding(
                    &SUPERUSER,
                    role,
                    format!("Role {} is a superuser{used_by}", role.name),
                    json!({"role": role.name, "applications": apps}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            example(
                "application role with superuser",
                true,
                vec![role("billing_app", json!({"superuser": true}))],
            ),
            example(
                "bootstrap superuser used by an application",
                true,
                vec![role(
                    "postgres",
                    json!({"superuser": true, "bootstrap_superuser": true,
                           "sessions": [{"application_name": "billing-api", "client_addr": "10.0.4.2"}]}),
                )],
            ),
            example(
                "bootstrap superuser used from psql only",
                false,
                vec![role(
                    "postgres",
                    json!({"superuser": true, "bootstrap_superuser": true,
                           "sessions": [{"application_name": "psql", "client_addr": null}]}),
                )],
            ),
            example(
                "application role without superuser",
                false,
                vec![role("billing_app", json!({"superuser": false}))],
            ),
            example(
                "a person's superuser role",
                false,
                vec![role("alice.smith", json!({"superuser": true}))],
            ),
        ]
    }
}

/// A login role's password never expires.
pub(crate) struct PasswordNeverExpires;

static NEVER_EXPIRES: RuleMeta = meta(
    "postgres-password-never-expires",
    "PostgreSQL role password never expires",
    Severity::Medium,
    &[OwaspNhi::NHI7],
    "A login role has a password and no VALID UNTIL (or VALID UNTIL 'infinity'): a leaked password works forever.",
    "Rotate the password on a schedule and set ALTER ROLE ... VALID UNTIL to the next rotation; better, have applications fetch short-lived credentials (e.g. a secrets manager's dynamic database secrets, or IAM database authentication on managed services).",
);

impl RiskRule for PasswordNeverExpires {
    fn meta(&self) -> &RuleMeta {
        &NEVER_EXPIRES
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        login_roles(inventory.identities.values())
            .filter(|role| {
                role.attributes.get("password_set").and_then(Value::as_bool) == Some(true)
            })
            .filter(|role| {
                let until = role.attributes.get("valid_until").and_then(Value::as_str);
                until.is_none_or(|u| u.eq_ignore_ascii_case("infinity"))
            })
            .map(|role| {
                let mut f = finding(
                    &NEVER_EXPIRES,
                    role,
                    format!("Password of role {} never expires", role.name),
                    json!({"role": role.name, "valid_until": role.attributes.get("valid_until")}),
                );
                f.subjects.insert(
                    0,
                    format!(
                        "postgres-password:{}",
                        role.id.trim_start_matches("postgres:role:")
                    ),
                );
                f
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            example(
                "password, no VALID UNTIL",
                true,
                vec![role(
                    "etl",
                    json!({"password_set": true, "valid_until": null}),
                )],
            ),
            example(
                "password valid until infinity",
                true,
                vec![role(
                    "etl",
                    json!({"password_set": true, "valid_until": "infinity"}),
                )],
            ),
            example(
                "password that expires",
                false,
                vec![role(
                    "etl",
                    json!({"password_set": true, "valid_until": "2026-03-01 00:00:00+00"}),
                )],
            ),
            example(
                "no password (certificate or peer auth)",
                false,
                vec![role("etl", json!({"password_set": false}))],
            ),
            example(
                "password state unknown",
                false,
                vec![role("etl", json!({"password_set": null}))],
            ),
        ]
    }
}

/// The `auth_rules` of a role whose method is `method`.
fn rules_with_method<'a>(role: &'a Identity, method: &'a str) -> impl Iterator<Item = &'a Value> {
    list(role, "auth_rules")
        .iter()
        .filter(move |r| r.get("method").and_then(Value::as_str) == Some(method))
}

fn is_network(rule: &Value) -> bool {
    rule.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.starts_with("host"))
}

fn line_of(rule: &Value) -> i64 {
    rule.get("line").and_then(Value::as_i64).unwrap_or(0)
}

/// `trust` authentication lets anyone who can reach the server log in as the role.
pub(crate) struct TrustAuthentication;

static TRUST: RuleMeta = meta(
    "postgres-trust-authentication",
    "PostgreSQL trusts connections without a password",
    Severity::High,
    &[OwaspNhi::NHI4],
    "A pg_hba.conf line with method 'trust' lets anyone who can connect (over the network for host lines: critical; any local OS user for local lines) log in as the role with no credential at all.",
    "Replace 'trust' with 'scram-sha-256' (or 'cert' / 'peer' for local service accounts) in pg_hba.conf, give the role a credential, and reload the server (SELECT pg_reload_conf()).",
);

impl RiskRule for TrustAuthentication {
    fn meta(&self) -> &RuleMeta {
        &TRUST
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        let mut findings = Vec::new();
        for role in login_roles(inventory.identities.values()) {
            let trusting: Vec<&Value> = rules_with_method(role, "trust").collect();
            if trusting.is_empty() {
                continue;
            }
            let network = trusting.iter().any(|r| is_network(r));
            let lines: Vec<i64> = trusting.iter().map(|r| line_of(r)).collect();
            let reach = if network {
                "over the network"
            } else {
                "from local OS users"
            };
            let mut f = finding(
                &TRUST,
                role,
                format!(
                    "Role {} can log in without a password {reach} (pg_hba.conf line {})",
                    role.name, lines[0]
                ),
                json!({"role": role.name, "pg_hba_lines": trusting}),
            );
            if network {
                f.severity = Severity::Critical;
            }
            findings.push(f);
        }
        findings
    }

    fn examples(&self) -> Vec<RuleExample> {
        let rule = |kind: &str, method: &str| json!([{"line": 3, "type": kind, "method": method, "address": "0.0.0.0"}]);
        vec![
            example(
                "host trust",
                true,
                vec![role("etl", json!({"auth_rules": rule("host", "trust")}))],
            ),
            example(
                "local trust",
                true,
                vec![role("etl", json!({"auth_rules": rule("local", "trust")}))],
            ),
            example(
                "scram",
                false,
                vec![role(
                    "etl",
                    json!({"auth_rules": rule("host", "scram-sha-256")}),
                )],
            ),
            example(
                "trust on a role that cannot log in",
                false,
                vec![role(
                    "readers",
                    json!({"can_login": false, "auth_rules": rule("host", "trust")}),
                )],
            ),
        ]
    }
}

/// `password` authentication sends the password in clear over the network.
pub(crate) struct CleartextPasswordAuth;

static CLEARTEXT: RuleMeta = meta(
    "postgres-cleartext-password-auth",
    "PostgreSQL accepts cleartext passwords over the network",
    Severity::High,
    &[OwaspNhi::NHI4],
    "A 'host' pg_hba.conf line with method 'password' makes clients send the role's password in clear text; without TLS anyone on the path can read it.",
    "Use 'scram-sha-256' instead of 'password' (and 'hostssl' so the connection is encrypted), store SCRAM verifiers (password_encryption = scram-sha-256), then rotate the role's password.",
);

impl RiskRule for CleartextPasswordAuth {
    fn meta(&self) -> &RuleMeta {
        &CLEARTEXT
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        login_roles(inventory.identities.values())
            .filter_map(|role| {
                let lines: Vec<&Value> = rules_with_method(role, "password")
                    .filter(|r| {
                        r.get("type").and_then(Value::as_str) != Some("hostssl") && is_network(r)
                    })
                    .collect();
                let first = lines.first()?;
                Some(finding(
                    &CLEARTEXT,
                    role,
                    format!(
                        "Role {} may send its password in clear text (pg_hba.conf line {})",
                        role.name,
                        line_of(first)
                    ),
                    json!({"role": role.name, "pg_hba_lines": lines}),
                ))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let rule = |kind: &str, method: &str| json!([{"line": 7, "type": kind, "method": method}]);
        vec![
            example(
                "host password",
                true,
                vec![role("etl", json!({"auth_rules": rule("host", "password")}))],
            ),
            example(
                "hostssl password",
                false,
                vec![role(
                    "etl",
                    json!({"auth_rules": rule("hostssl", "password")}),
                )],
            ),
            example(
                "local password",
                false,
                vec![role(
                    "etl",
                    json!({"auth_rules": rule("local", "password")}),
                )],
            ),
            example(
                "host scram",
                false,
                vec![role(
                    "etl",
                    json!({"auth_rules": rule("host", "scram-sha-256")}),
                )],
            ),
        ]
    }
}

/// How long a role must have been watched before "never seen connected" means something.
const UNUSED_AFTER_DAYS: i64 = 30;

/// A login role that was never seen connected in at least 30 days of watching.
pub(crate) struct RoleUnused;

static UNUSED: RuleMeta = meta(
    "postgres-role-unused",
    "PostgreSQL login role never seen in use",
    Severity::Low,
    &[OwaspNhi::NHI1],
    "A login role has not been seen connected by any scan over at least 30 days of observation: it is probably left over from a retired service, and its credential still works.",
    "Confirm with the owning team, then ALTER ROLE ... NOLOGIN (reversible) and, after a grace period, REASSIGN OWNED / DROP OWNED and DROP ROLE. Scan regularly (e.g. hourly from cron) so that short-lived connections are seen.",
);

impl RiskRule for RoleUnused {
    fn meta(&self) -> &RuleMeta {
        &UNUSED
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        let watched_long_enough = |role: &&Identity| {
            observed_since(role)
                .is_some_and(|since| (ctx.now - since).num_days() >= UNUSED_AFTER_DAYS)
        };
        login_roles(inventory.identities.values())
            .filter(|role| role.last_used.is_none() && !flag(role, "bootstrap_superuser"))
            .filter(watched_long_enough)
            .map(|role| {
                let since = observed_since(role).map(|t| t.format("%Y-%m-%d").to_string());
                finding(
                    &UNUSED,
                    role,
                    format!(
                        "Role {} was never seen connected since {}",
                        role.name,
                        since.clone().unwrap_or_default()
                    ),
                    json!({"role": role.name, "observed_since": since}),
                )
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let now = crate::examples_now();
        let ago = |days: i64| (now - chrono::Duration::days(days)).to_rfc3339();
        let mut used = role("reporting", json!({"observed_since": ago(60)}));
        used.last_used = Some(now - chrono::Duration::days(2));
        vec![
            example(
                "watched 60 days, never connected",
                true,
                vec![role("old_etl", json!({"observed_since": ago(60)}))],
            ),
            example(
                "watched 3 days only",
                false,
                vec![role("new_etl", json!({"observed_since": ago(3)}))],
            ),
            example(
                "first seen in this scan",
                false,
                vec![role("new_etl", json!({}))],
            ),
            example("connected two days ago", false, vec![used]),
        ]
    }
}

/// One login role used by several applications or from several hosts.
pub(crate) struct RoleSharedByApplications;

static SHARED: RuleMeta = meta(
    "postgres-role-shared-by-applications",
    "PostgreSQL role shared by several applications",
    Severity::Medium,
    &[OwaspNhi::NHI9],
    "Sessions of one login role come from several applications (application_name) or client hosts: one credential serves many workloads, so none can be rotated or revoked alone and the audit trail cannot tell them apart.",
    "Give each application its own role with only the privileges it needs (GRANT a shared group role if they need the same rights), move each application to its role, then rotate the shared role's password and remove its LOGIN.",
);

impl RiskRule for RoleSharedByApplications {
    fn meta(&self) -> &RuleMeta {
        &SHARED
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        login_roles(inventory.identities.values())
            .filter_map(|role| {
                let apps = applications(role);
                let hosts = client_addresses(role);
                if apps.len() < 2 && hosts.len() < 2 {
                    return None;
                }
                let what = if apps.len() >= 2 {
                    format!("{} applications ({})", apps.len(), apps.join(", "))
                } else {
                    format!("{} client hosts ({})", hosts.len(), hosts.join(", "))
                };
                Some(finding(
                    &SHARED,
                    role,
                    format!("Role {} is used by {what}", role.name),
                    json!({"role": role.name, "applications": apps, "client_addresses": hosts}),
                ))
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let sessions = |list: &[(&str, Option<&str>)]| {
            let items: Vec<Value> = list
                .iter()
                .map(|(app, addr)| json!({"application_name": app, "client_addr": addr}))
                .collect();
            json!({ "sessions": items })
        };
        vec![
            example(
                "two applications",
                true,
                vec![role(
                    "app",
                    sessions(&[("billing-api", None), ("invoice-worker", None)]),
                )],
            ),
            example(
                "one application from two hosts",
                true,
                vec![role(
                    "app",
                    sessions(&[("", Some("10.0.0.5")), ("", Some("10.0.9.9"))]),
                )],
            ),
            example(
                "one application, several connections from one host",
                false,
                vec![role(
                    "app",
                    sessions(&[
                        ("billing-api", Some("10.0.0.5")),
                        ("billing-api", Some("10.0.0.5")),
                    ]),
                )],
            ),
            example(
                "an application and a person's psql",
                false,
                vec![role(
                    "app",
                    sessions(&[("billing-api", None), ("psql", None)]),
                )],
            ),
        ]
    }
}
