//! Where an IAM policy is attached. `gcloud projects|folders|organizations get-iam-policy` print
//! the same shape without naming the resource, so the scope is told, in order, from a `resource`
//! the export carries (Cloud Asset Inventory records), from the path (`.../folders/F/...`,
//! `org-...-policy.json`), and for project policies from the project's own service agents.
//!
//! Invariant: a scope never guessed is `projects/-`, GCP's own placeholder for "some project".

use super::account;
use std::collections::BTreeMap;

/// The resource a policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    Project(String),
    Folder(String),
    Organization(String),
    /// Any other resource (a service account, a bucket, ...), by its resource name.
    Resource(String),
}

/// Placeholder for an id the input does not tell.
const UNKNOWN: &str = "-";

impl Scope {
    /// The resource name: `projects/P`, `folders/F`, `organizations/O`, or the resource's own.
    pub(crate) fn resource(&self) -> String {
        match self {
            Scope::Project(id) => format!("projects/{id}"),
            Scope::Folder(id) => format!("folders/{id}"),
            Scope::Organization(id) => format!("organizations/{id}"),
            Scope::Resource(name) => name.clone(),
        }
    }

    /// Whether the project's id is still to be found.
    pub(crate) fn is_unknown_project(&self) -> bool {
        matches!(self, Scope::Project(id) if id == UNKNOWN)
    }

    /// The scope named by a full or relative resource name, e.g.
    /// `//cloudresourcemanager.googleapis.com/projects/p` or `folders/123`.
    pub(crate) fn from_resource(name: &str) -> Scope {
        let relative = [
            "//cloudresourcemanager.googleapis.com/",
            "//iam.googleapis.com/",
        ]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .unwrap_or(name);
        let parts: Vec<&str> = relative.split('/').collect();
        match parts.as_slice() {
            ["projects", id] => Scope::Project(id.to_string()),
            ["folders", id] => Scope::Folder(id.to_string()),
            ["organizations", id] => Scope::Organization(id.to_string()),
            _ => Scope::Resource(relative.to_string()),
        }
    }

    /// The scope the path tells: a `folders/<number>` or `organizations/<number>` pair of
    /// directories, or a file name that says `organization`/`org-` or `folder` (with the id as a
    /// run of digits). Project directories are not trusted: `~/projects/<name>` is too common.
    pub(crate) fn from_path(path: &str) -> Option<Scope> {
        let parts: Vec<&str> = path.split(['/', '\\']).collect();
        let (file_name, directories) = parts.split_last()?;
        let numeric = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        for pair in directories.windows(2).rev() {
            match (pair[0], pair[1]) {
                ("folders", id) if numeric(id) => return Some(Scope::Folder(id.to_string())),
                ("organizations", id) if numeric(id) => {
                    return Some(Scope::Organization(id.to_string()))
                }
                _ => {}
            }
        }
        let name = file_name.to_ascii_lowercase();
        let id = digits_in(&name).unwrap_or_else(|| UNKNOWN.to_string());
        if name.contains("organization")
            || ["org-", "org_", "org."].iter().any(|p| name.starts_with(p))
        {
            Some(Scope::Organization(id))
        } else if name.contains("folder") {
            Some(Scope::Folder(id))
        } else {
            None
        }
    }
}

/// The first run of at least six digits (folder and organisation ids are long numbers).
fn digits_in(name: &str) -> Option<String> {
    name.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() >= 6)
        .map(str::to_string)
}

/// The project a project policy belongs to, as its members tell: the App Engine default account
/// carries the project id; service agents, the Compute Engine default and the legacy Cloud Build
/// account carry its number. Each is the one most named (a tie tells nothing), because a
/// policy may also grant roles to another project's accounts.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ProjectGuess {
    pub id: Option<String>,
    pub number: Option<String>,
}

impl ProjectGuess {
    /// Guess from the emails of the policy's service-account members.
    pub(crate) fn from_members<'a>(emails: impl Iterator<Item = &'a str>) -> ProjectGuess {
        let mut ids = BTreeMap::new();
        let mut numbers = BTreeMap::new();
        for email in emails {
            let facts = account::facts(email);
            if facts.default == Some(account::DefaultAccount::AppEngine) {
                *ids.entry(facts.project).or_insert(0) += 1;
            } else if facts.project_number.is_some() {
                *numbers.entry(facts.project_number).or_insert(0) += 1;
            }
        }
        ProjectGuess {
            id: most_named(ids),
            number: most_named(numbers),
        }
    }

    /// The project scope: by id, else by number, else unknown.
    pub(crate) fn scope(&self) -> Scope {
        let id = self
            .id
            .as_deref()
            .or(self.number.as_deref())
            .unwrap_or(UNKNOWN);
        Scope::Project(id.to_string())
    }
}

fn most_named(counts: BTreeMap<Option<String>, u32>) -> Option<String> {
    let mut ranked: Vec<(u32, Option<String>)> = counts.into_iter().map(|(k, n)| (n, k)).collect();
    ranked.sort_by_key(|(count, _)| std::cmp::Reverse(*count));
    match ranked.as_slice() {
        [(first, _), (second, _), ..] if first == second => None,
        [(_, value), ..] => value.clone(),
        [] => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names_become_scopes() {
        let project = Scope::from_resource("//cloudresourcemanager.googleapis.com/projects/p1");
        assert_eq!(project, Scope::Project("p1".into()));
        assert_eq!(
            Scope::from_resource("organizations/42"),
            Scope::Organization("42".into())
        );
        let sa = Scope::from_resource(
            "//iam.googleapis.com/projects/p/serviceAccounts/a@p.iam.gserviceaccount.com",
        );
        assert_eq!(
            sa.resource(),
            "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com"
        );
        let bucket = Scope::from_resource("//storage.googleapis.com/manifests");
        assert_eq!(
            bucket,
            Scope::Resource("//storage.googleapis.com/manifests".into())
        );
    }

    #[test]
    fn paths_tell_scopes() {
        let scope = Scope::from_path("export/organizations/42/folders/7/iam.json");
        assert_eq!(scope, Some(Scope::Folder("7".into())));
        assert_eq!(
            Scope::from_path("/home/me/projects/nhi/iam-policy.json"),
            None
        );
        let org = Scope::from_path("gcp/org-583920174466-iam-policy.json").unwrap();
        assert_eq!(org.resource(), "organizations/583920174466");
        assert_eq!(
            Scope::from_path("gcp/folder-policy.json"),
            Some(Scope::Folder("-".into()))
        );
        assert_eq!(Scope::from_path("gcp/iam-policy.json"), None);
        assert_eq!(Scope::from_path("projects.json"), None);
    }

    #[test]
    fn members_tell_the_project_unless_they_disagree() {
        let guess = ProjectGuess::from_members(
            [
                "413204024550-compute@developer.gserviceaccount.com",
                "413204024550@cloudservices.gserviceaccount.com",
                "service-99@gcp-sa-pubsub.iam.gserviceaccount.com",
                "test-gcp-scanner@appspot.gserviceaccount.com",
                "ci@other.iam.gserviceaccount.com",
            ]
            .into_iter(),
        );
        assert_eq!(guess.id.as_deref(), Some("test-gcp-scanner"));
        assert_eq!(guess.number.as_deref(), Some("413204024550"));
        assert_eq!(guess.scope().resource(), "projects/test-gcp-scanner");

        let tie = ProjectGuess::from_members(
            [
                "1@cloudservices.gserviceaccount.com",
                "2@cloudservices.gserviceaccount.com",
            ]
            .into_iter(),
        );
        assert_eq!(tie, ProjectGuess::default());
        assert!(tie.scope().is_unknown_project());
    }
}
