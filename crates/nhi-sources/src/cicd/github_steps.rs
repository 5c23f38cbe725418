//! The steps of a GitHub Actions job (or of a composite action): every `uses:` with its line, the
//! checkouts and the refs they fetch, the cloud logins and what they log in as, and whether a
//! script asks for the OIDC token itself.
//!
//! Invariant: facts as written. Whether a ref is untrusted, an action unpinned or a login
//! long-lived is the analysis's judgement; only secret *names* are kept from `with:` inputs.

use super::expressions::{expressions, SecretReads};
use super::yaml::{get, get_text, shape};
use super::CiFile;
use crate::SourceError;
use serde::Serialize;
use serde_yaml_ng::Value;

/// What the steps of one job do.
#[derive(Debug, Default, Serialize)]
pub(super) struct StepFacts {
    /// Every action, reusable workflow or container the job uses, as written.
    pub actions: Vec<ActionUse>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checkouts: Vec<Checkout>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cloud_logins: Vec<CloudLogin>,
    /// A `run:` script requests the OIDC token (`ACTIONS_ID_TOKEN_REQUEST_*`, keyless signing,
    /// npm provenance).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub requests_id_token: bool,
}

/// One `uses:`.
#[derive(Debug, Serialize)]
pub(super) struct ActionUse {
    pub uses: String,
    pub line: u32,
}

/// A step that fetches code: `actions/checkout`, or `git`/`gh pr checkout` in a script.
#[derive(Debug, Serialize)]
pub(super) struct Checkout {
    pub line: u32,
    /// `actions/checkout` or `run`.
    pub via: &'static str,
    /// The ref as written (`with.ref`), or for a script the expressions on its command line.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// A step that logs in to a cloud.
#[derive(Debug, Serialize)]
pub(super) struct CloudLogin {
    /// `aws`, `gcp` or `azure`.
    pub cloud: &'static str,
    /// The action, without its ref.
    pub action: String,
    /// Whether it exchanges the job's OIDC token rather than a stored key.
    pub federated: bool,
    /// What it logs in as, as written: role ARN, service account email (or workload identity
    /// provider), client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The secrets its inputs read (stored keys), by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    pub line: u32,
}

/// The facts of a `steps:` list. `job` names the job in messages; `from` is the job's line.
pub(super) fn read_steps(
    file: &CiFile,
    steps: Option<&Value>,
    job: &str,
    from: u32,
    errors: &mut Vec<SourceError>,
) -> StepFacts {
    let mut facts = StepFacts::default();
    let steps = match steps {
        None => return facts,
        Some(Value::Sequence(steps)) => steps,
        Some(other) => {
            errors.push(file.error(
                Some(from),
                format!("job `{job}`: steps is {}, not a list", shape(other)),
            ));
            return facts;
        }
    };
    let mut cursor = from;
    for (index, step) in steps.iter().enumerate() {
        if !step.is_mapping() {
            let message = format!(
                "job `{job}` step {}: {} is not a step",
                index + 1,
                shape(step)
            );
            errors.push(file.error(Some(cursor), message));
            continue;
        }
        if let Some(uses) = get_text(step, "uses") {
            cursor = file.line_containing(&uses, cursor);
            let inputs = match get(step, "with") {
                None | Some(Value::Null) => None,
                Some(with @ Value::Mapping(_)) => Some(with),
                Some(other) => {
                    let message = format!(
                        "job `{job}` step {}: `with` is {}; its inputs cannot be read",
                        index + 1,
                        shape(other)
                    );
                    errors.push(file.error(Some(cursor), message));
                    None
                }
            };
            read_action(&uses, inputs, cursor, &mut facts);
        } else if let Some(run) = get_text(step, "run") {
            cursor = file.key_line("run", cursor);
            read_script(&run, cursor, &mut facts);
        }
    }
    facts
}

/// Record one `uses:` step; `inputs` is its `with:` mapping.
fn read_action(uses: &str, inputs: Option<&Value>, line: u32, facts: &mut StepFacts) {
    facts.actions.push(ActionUse {
        uses: uses.to_string(),
        line,
    });
    let input = |key: &str| inputs.and_then(|with| get_text(with, key));
    let action = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
    let login = |cloud, federated, target: Option<String>, secret_inputs: &[&str]| CloudLogin {
        cloud,
        action: action.clone(),
        federated,
        target,
        secrets: secret_names(secret_inputs.iter().filter_map(|key| input(key))),
        line,
    };
    match action.as_str() {
        "actions/checkout" => facts.checkouts.push(Checkout {
            line,
            via: "actions/checkout",
            git_ref: input("ref"),
            repository: input("repository"),
        }),
        "aws-actions/configure-aws-credentials" => {
            let keys = [
                "aws-access-key-id",
                "aws-secret-access-key",
                "aws-session-token",
            ];
            let stored = keys.iter().any(|k| input(k).is_some());
            facts
                .cloud_logins
                .push(login("aws", !stored, input("role-to-assume"), &keys));
        }
        "google-github-actions/auth" => {
            let stored = input("credentials_json").is_some();
            let target = input("service_account").or_else(|| input("workload_identity_provider"));
            facts
                .cloud_logins
                .push(login("gcp", !stored, target, &["credentials_json"]));
        }
        "azure/login" => {
            let stored = input("creds").is_some();
            facts
                .cloud_logins
                .push(login("azure", !stored, input("client-id"), &["creds"]));
        }
        _ => {}
    }
}

/// Secret names read by the given input values.
fn secret_names(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut reads = SecretReads::default();
    for value in values {
        expressions(&value).into_iter().for_each(|e| reads.scan(e));
    }
    reads.names.into_iter().collect()
}

/// Script text that requests the job's OIDC token: the request variables themselves, and tools
/// that use them for keyless signing and provenance.
const ID_TOKEN_MARKERS: [&str; 4] = [
    "ACTIONS_ID_TOKEN_REQUEST",
    "cosign",
    "--provenance",
    "gh attestation",
];

/// Commands that fetch other code into the workspace.
const FETCH_COMMANDS: [&str; 5] = [
    "gh pr checkout",
    "git checkout",
    "git fetch",
    "git pull",
    "git switch",
];

fn read_script(run: &str, line: u32, facts: &mut StepFacts) {
    if ID_TOKEN_MARKERS.iter().any(|m| run.contains(m)) {
        facts.requests_id_token = true;
    }
    for (offset, command) in run.lines().enumerate() {
        let Some(fetch) = FETCH_COMMANDS.iter().find(|c| command.contains(*c)) else {
            continue;
        };
        let written: Vec<String> = expressions(command)
            .iter()
            .map(|e| format!("${{{{{e}}}}}"))
            .collect();
        // `gh pr checkout` fetches the pull request's head whatever it is given.
        let git_ref = match (written.is_empty(), *fetch == "gh pr checkout") {
            (false, _) => Some(written.join(" ")),
            (true, true) => Some("gh pr checkout".to_string()),
            (true, false) => continue,
        };
        // A block script starts on the line after its key.
        let first = if run.contains('\n') { line + 1 } else { line };
        facts.checkouts.push(Checkout {
            line: first + offset as u32,
            via: "run",
            git_ref,
            repository: None,
        });
    }
}
