//! Python package index configuration (`.pypirc`): a password or API token (`pypi-...`) per index
//! server section, with its username (`__token__` for tokens).

use super::ini;
use super::secret::{self, Sighting};
use super::Found;
use nhi_model::CredentialKind;
use serde_json::Value;

/// Read a `.pypirc`.
pub(super) fn read(text: &str, found: &mut Found) {
    let (sections, errors) = ini::parse(text);
    for (line, message) in errors {
        found.error(Some(line), message);
    }
    for section in sections.iter().filter(|s| s.name != "distutils") {
        let Some(password) = section
            .get("password")
            .filter(|p| !secret::is_placeholder(&p.value))
        else {
            continue;
        };
        let mut sighting = Sighting::named(
            &password.value,
            "password",
            "pypirc",
            found.at(Some(password.line)),
        );
        sighting.kind = secret::kind_by_value(&password.value).unwrap_or(CredentialKind::Password);
        let mut attributes = vec![(
            "repository",
            Value::from(section.value("repository").unwrap_or(section.name.as_str())),
        )];
        if let Some(username) = section.value("username") {
            attributes.push(("username", Value::from(username)));
        }
        found.secret(sighting, &attributes);
    }
}
