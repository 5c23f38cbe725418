//! Git's credential store (`~/.git-credentials`, `~/.config/git/credentials`): one URL per line
//! with the user and password or token in clear (`https://user:token@host`).

use super::secret::{self, Sighting};
use super::url::Url;
use super::Found;
use nhi_model::CredentialKind;
use serde_json::Value;

/// Read a git credential store.
pub(super) fn read(text: &str, found: &mut Found) {
    for (index, raw) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).ok();
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some(url) = Url::parse(trimmed) else {
            found.error(
                line,
                "malformed line: expected a URL such as https://user:token@host",
            );
            continue;
        };
        let Some(password) = url
            .password
            .as_deref()
            .filter(|p| !secret::is_placeholder(p))
        else {
            continue;
        };
        let mut sighting = Sighting::named(password, "password", "git-credentials", found.at(line));
        sighting.kind = secret::kind_by_value(password).unwrap_or(CredentialKind::Password);
        let mut attributes = vec![("host", Value::from(url.hostname()))];
        if let Some(user) = &url.user {
            attributes.push(("username", Value::from(user.as_str())));
        }
        found.secret(sighting, &attributes);
    }
}
