//! What a service account's email says about it: the project it lives in, and whether it is one of
//! the defaults Google creates (Compute Engine, App Engine) or a Google-managed service agent.
//!
//! Invariant: every GCP export names a service account by its email, lowercased here, so that all
//! sightings of one account merge into `gcp:serviceaccount:<email>`.

use nhi_model::{Identity, IdentityKind};
use serde_json::Value;

/// Provider name of every GCP identity.
pub(crate) const PROVIDER: &str = "gcp";

/// The identity id of the service account with this email.
pub(crate) fn identity_id(email: &str) -> String {
    format!("gcp:serviceaccount:{}", email.to_ascii_lowercase())
}

/// Which of Google's default service accounts an email names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultAccount {
    /// `<project number>-compute@developer.gserviceaccount.com`
    ComputeEngine,
    /// `<project id>@appspot.gserviceaccount.com`
    AppEngine,
}

impl DefaultAccount {
    fn as_str(self) -> &'static str {
        match self {
            DefaultAccount::ComputeEngine => "compute-engine",
            DefaultAccount::AppEngine => "app-engine",
        }
    }
}

/// What the email of a service account tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AccountFacts {
    pub project: Option<String>,
    pub project_number: Option<String>,
    pub default: Option<DefaultAccount>,
    /// A service agent (`service-<number>@...`, `<number>@cloudservices...`): Google runs it and
    /// grants it its roles; users do not manage it.
    pub google_managed: bool,
}

fn number(s: &str) -> Option<String> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_string())
}

/// Read the facts from an email.
pub(crate) fn facts(email: &str) -> AccountFacts {
    let email = email.to_ascii_lowercase();
    let Some((local, domain)) = email.split_once('@') else {
        return AccountFacts::default();
    };
    let mut facts = AccountFacts::default();
    match domain {
        "developer.gserviceaccount.com" => {
            facts.project_number = local.strip_suffix("-compute").and_then(number);
            if facts.project_number.is_some() {
                facts.default = Some(DefaultAccount::ComputeEngine);
            }
        }
        "appspot.gserviceaccount.com" => {
            facts.project = Some(local.to_string());
            facts.default = Some(DefaultAccount::AppEngine);
        }
        "cloudservices.gserviceaccount.com" => {
            facts.project_number = number(local);
            facts.google_managed = true;
        }
        // The legacy Cloud Build account is created by Google but managed by the project.
        "cloudbuild.gserviceaccount.com" => facts.project_number = number(local),
        _ => match (
            domain.strip_suffix(".iam.gserviceaccount.com"),
            local.strip_prefix("service-"),
        ) {
            (Some(_), Some(agent)) if number(agent).is_some() => {
                facts.project_number = number(agent);
                facts.google_managed = true;
            }
            (Some(project), _) => facts.project = Some(project.to_string()),
            (None, _) => facts.google_managed = domain.ends_with(".gserviceaccount.com"),
        },
    }
    facts
}

impl AccountFacts {
    /// Fill the project id or number from what else is known of the same project (`id` and
    /// `number` name one project): a default account named by number learns the project id.
    pub(crate) fn complete_with(&mut self, id: Option<&str>, number: Option<&str>) {
        let (Some(id), Some(number)) = (id, number) else {
            return;
        };
        if self.project_number.as_deref() == Some(number) && self.project.is_none() {
            self.project = Some(id.to_string());
        } else if self.project.as_deref() == Some(id) && self.project_number.is_none() {
            self.project_number = Some(number.to_string());
        }
    }

    /// The service account identity with these facts as attributes.
    pub(crate) fn identity(&self, email: &str) -> Identity {
        let email = email.to_ascii_lowercase();
        let mut identity = Identity::new(
            identity_id(&email),
            IdentityKind::ServiceAccount,
            PROVIDER,
            &email,
        );
        let attributes = &mut identity.attributes;
        attributes.insert("email".into(), Value::from(email.as_str()));
        if let Some(project) = &self.project {
            attributes.insert("project".into(), Value::from(project.as_str()));
        }
        if let Some(number) = &self.project_number {
            attributes.insert("project_number".into(), Value::from(number.as_str()));
        }
        if let Some(default) = self.default {
            attributes.insert("default_account".into(), Value::from(default.as_str()));
        }
        if self.google_managed {
            attributes.insert("google_managed".into(), Value::Bool(true));
        }
        identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_defaults_agents_and_projects_apart() {
        let compute = facts("413204024550-compute@developer.gserviceaccount.com");
        assert_eq!(compute.default, Some(DefaultAccount::ComputeEngine));
        assert_eq!(compute.project_number.as_deref(), Some("413204024550"));
        let app_engine = facts("Test-GCP-Scanner@appspot.gserviceaccount.com");
        assert_eq!(app_engine.default, Some(DefaultAccount::AppEngine));
        assert_eq!(app_engine.project.as_deref(), Some("test-gcp-scanner"));
        let agent = facts("service-413204024550@gcp-sa-pubsub.iam.gserviceaccount.com");
        assert!(agent.google_managed && agent.project.is_none());
        assert!(facts("413204024550@cloudservices.gserviceaccount.com").google_managed);
        let own = facts("ci-deployer@larkspur-prod.iam.gserviceaccount.com");
        assert_eq!(own.project.as_deref(), Some("larkspur-prod"));
        assert!(!own.google_managed && own.default.is_none());
        assert_eq!(facts("not-an-email"), AccountFacts::default());
        assert_eq!(
            facts("x-compute@developer.gserviceaccount.com").default,
            None
        );
    }

    #[test]
    fn a_number_learns_its_project_id() {
        let mut compute = facts("604218337194-compute@developer.gserviceaccount.com");
        compute.complete_with(Some("larkspur"), Some("604218337194"));
        assert_eq!(compute.project.as_deref(), Some("larkspur"));
        let mut other = facts("1-compute@developer.gserviceaccount.com");
        other.complete_with(Some("larkspur"), Some("604218337194"));
        assert_eq!(other.project, None);
        let identity = compute.identity("604218337194-compute@developer.gserviceaccount.com");
        assert_eq!(identity.attributes["default_account"], "compute-engine");
    }
}
