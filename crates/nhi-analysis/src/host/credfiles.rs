//! Rules about credential files: static cloud keys where SSO or a role would do, registry and git
//! tokens in clear, kubeconfigs with static tokens or long-lived client certificates, and
//! Terraform state that holds secrets.

use super::credential_rule::{place, shown, text, CredentialRule};
use super::examples::{days, example, inventory, secret};
use crate::rules::credential_facts::{date, risk};
use nhi_model::{Credential, CredentialKind, OwaspNhi, Severity};
use serde_json::{json, Value};

/// Client certificates valid longer than this many days are long-lived.
const CERTIFICATE_MAX_DAYS: i64 = 365;

fn flag(credential: &Credential, key: &str) -> bool {
    credential.attributes.get(key).and_then(Value::as_bool) == Some(true)
}

/// Static AWS access keys in `~/.aws/credentials` or `~/.aws/config`.
pub(crate) const AWS_STATIC_KEY: CredentialRule = CredentialRule {
    meta: &risk(
        "aws-static-key-in-credentials-file",
        "Static AWS access key in a credentials file",
        Severity::Medium,
        &[OwaspNhi::NHI7],
        "A long-lived AWS access key (AKIA...) is stored in an AWS CLI credentials or config file, where IAM Identity Center (SSO), an assumed role or an instance/workload role would give short-lived credentials instead.",
        "Switch the profile to `sso_session` (IAM Identity Center) or `role_arn` with `credential_source`/`source_profile`, or use the instance or workload role; then deactivate and delete the access key (`aws iam update-access-key --status Inactive`, then `delete-access-key`).",
    ),
    found_in: &["aws-credentials", "aws-config"],
    applies: |c, _| c.id.starts_with("aws-access-key:") && !flag(c, "temporary"),
    title: |c, _| {
        let profile = text(c, "profile").unwrap_or("?");
        format!("Static AWS access key {} in profile {profile} at {}", shown(c), place(c))
    },
    examples: || {
        let key = |id: &str, temporary: bool| {
            let mut credential = secret(CredentialKind::AccessKey, "k", "web-01/home/deploy/.aws/credentials", "aws-credentials", "aws_access_key_id", &[
                ("profile", json!("default")),
                ("temporary", json!(temporary)),
            ]);
            credential.id = format!("aws-access-key:{id}");
            credential
        };
        vec![
            example("AKIA key in the default profile", true, inventory(vec![], vec![key("AKIA2LARKSPUR0000001", false)], vec![], vec![])),
            example("temporary ASIA key with a session token", false, inventory(vec![], vec![key("ASIA2LARKSPUR0000001", true)], vec![], vec![])),
        ]
    },
};

/// Registry and git tokens and passwords stored in clear.
pub(crate) const PLAINTEXT_REGISTRY_TOKEN: CredentialRule = CredentialRule {
    meta: &risk(
        "plaintext-registry-token",
        "Registry or git token stored in clear",
        Severity::Medium,
        &[OwaspNhi::NHI2],
        "A package registry, container registry or git token or password is stored in clear in `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials` or Docker's `config.json`, where any process of the user, any backup and any copied home folder can read it.",
        "Use a credential helper (git `credential.helper` with the OS keychain or `cache`, Docker `credsStore`), reference the token from the environment (`//registry.npmjs.org/:_authToken=${NPM_TOKEN}`), or use short-lived tokens from your CI's OIDC trust (npm and PyPI trusted publishing); revoke the stored token.",
    ),
    found_in: &["npmrc", "pypirc", "netrc", "git-credentials", "docker-config"],
    applies: |_, _| true,
    title: |c, _| {
        let target = ["registry", "repository", "host"].iter().find_map(|k| text(c, k)).unwrap_or("?");
        format!("{} for {target} stored in clear in {} ({})", c.kind.as_str(), place(c), shown(c))
    },
    examples: || {
        let npm = secret(CredentialKind::ApiToken, "npm", "repo/.npmrc", "npmrc", "_authToken", &[("registry", json!("registry.npmjs.org"))]);
        let env = secret(CredentialKind::ApiToken, "npm", "repo/.env", "dotenv", "NPM_TOKEN", &[]);
        vec![
            example("npm token in .npmrc", true, inventory(vec![], vec![npm], vec![], vec![])),
            example("token in a .env file (another rule's concern)", false, inventory(vec![], vec![env], vec![], vec![])),
        ]
    },
};

/// Static bearer tokens and passwords in kubeconfig files.
pub(crate) const KUBECONFIG_STATIC_TOKEN: CredentialRule = CredentialRule {
    meta: &risk(
        "kubeconfig-static-token",
        "Kubeconfig holds a static token",
        Severity::Medium,
        &[OwaspNhi::NHI7],
        "A kubeconfig user authenticates with an embedded bearer token, basic-auth password or legacy auth-provider token: a copy of the file is a working cluster credential until the token is revoked, often years later.",
        "Use an exec credential plugin that fetches short-lived tokens (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`) or OIDC; for automation inside the cluster use projected service account tokens; delete the long-lived token Secret behind the embedded token.",
    ),
    found_in: &["kubeconfig"],
    applies: |c, _| {
        let field = text(c, "field").unwrap_or("");
        field == "token" || field == "password" || field.starts_with("auth-provider.")
    },
    title: |c, _| {
        let user = text(c, "kubeconfig_user").unwrap_or("?");
        format!("Kubeconfig user {user} holds a static {} ({}) in {}", text(c, "field").unwrap_or("token"), shown(c), place(c))
    },
    examples: || {
        let token = secret(CredentialKind::ApiToken, "t", "web-01/root/.kube/config", "kubeconfig", "token", &[("kubeconfig_user", json!("admin"))]);
        let key = secret(CredentialKind::PrivateKey, "k", "web-01/root/.kube/config", "kubeconfig", "client-key-data", &[]);
        vec![
            example("embedded bearer token", true, inventory(vec![], vec![token], vec![], vec![])),
            example("client key (judged with its certificate)", false, inventory(vec![], vec![key], vec![], vec![])),
        ]
    },
};

/// Kubeconfig client certificates valid for more than a year.
pub(crate) const KUBECONFIG_LONG_LIVED_CERTIFICATE: CredentialRule = CredentialRule {
    meta: &risk(
        "kubeconfig-client-certificate-long-lived",
        "Kubeconfig client certificate valid for more than a year",
        Severity::Medium,
        &[OwaspNhi::NHI7],
        "A kubeconfig embeds a client certificate valid for more than a year: Kubernetes cannot revoke client certificates, so a leaked copy works until it expires.",
        "Issue client certificates for hours or days (kubeadm `kubeconfig user --validity-period`, a CertificateSigningRequest with `expirationSeconds`), or move to OIDC or an exec plugin; never give out certificates in system:masters.",
    ),
    found_in: &["kubeconfig"],
    applies: |c, _| {
        let validity = c.created.zip(c.expires).map(|(from, to)| (to - from).num_days());
        c.kind == CredentialKind::X509Certificate && validity.is_some_and(|d| d > CERTIFICATE_MAX_DAYS)
    },
    title: |c, _| {
        let days = c.created.zip(c.expires).map(|(from, to)| (to - from).num_days()).unwrap_or(0);
        let user = c.identity.as_deref().and_then(|i| i.strip_prefix("k8s:user:")).unwrap_or("?");
        let until = c.expires.map(date).unwrap_or_default();
        format!("Kubeconfig client certificate for {user} is valid for {days} days (until {until}) in {}", place(c))
    },
    examples: || {
        let certificate = |valid_days: i64| {
            let mut credential = secret(CredentialKind::X509Certificate, "c", "web-01/root/.kube/config", "kubeconfig", "client-certificate-data", &[]);
            credential.identity = Some("k8s:user:kubernetes-admin".into());
            credential.created = Some(days(-30));
            credential.expires = Some(days(valid_days - 30));
            credential
        };
        vec![
            example("kubeadm admin certificate valid 10 years", true, inventory(vec![], vec![certificate(3650)], vec![], vec![])),
            example("certificate valid 24 hours", false, inventory(vec![], vec![certificate(1)], vec![], vec![])),
        ]
    },
};

/// Secrets in clear in Terraform state.
pub(crate) const TERRAFORM_STATE_SECRET: CredentialRule = CredentialRule {
    meta: &risk(
        "terraform-state-secret",
        "Terraform state holds a secret in clear",
        Severity::High,
        &[OwaspNhi::NHI2],
        "A Terraform state file holds a secret in clear (an access key secret, a generated password, a private key, a sensitive output): state is copied to backends, laptops and CI logs, and `sensitive = true` hides values only from the plan output.",
        "Keep state in an encrypted backend with tight access (S3 with SSE-KMS and a bucket policy, Terraform Cloud), stop creating secrets in Terraform (use write-only attributes, `manage_master_user_password`, a secrets manager), delete local state copies and rotate the exposed values.",
    ),
    found_in: &["terraform-state"],
    applies: |c, _| flag(c, "cleartext"),
    title: |c, _| {
        let address = text(c, "address").unwrap_or("?");
        let field = text(c, "field").unwrap_or("?");
        format!("{address}.{field} is in clear in {} ({})", place(c), shown(c))
    },
    examples: || {
        let password = secret(CredentialKind::Password, "p", "infra/terraform.tfstate", "terraform-state", "result", &[
            ("address", json!("random_password.db")),
            ("cleartext", json!(true)),
        ]);
        let encrypted = secret(CredentialKind::AccessKey, "k", "infra/terraform.tfstate", "terraform-state", "id", &[
            ("address", json!("aws_iam_access_key.ci")),
            ("cleartext", json!(false)),
        ]);
        vec![
            example("random_password result", true, inventory(vec![], vec![password], vec![], vec![])),
            example("access key whose secret is PGP-encrypted", false, inventory(vec![], vec![encrypted], vec![], vec![])),
        ]
    },
};
