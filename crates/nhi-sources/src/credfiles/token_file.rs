//! Files that hold one bare token (`token`, `*.jwt`, `*.token`), such as a mounted Kubernetes
//! service account token: the JWT with its claims, and its service account when it names one.

use super::secret::Sighting;
use super::Found;
use nhi_model::CredentialKind;

/// Names of files that hold a bare token.
pub(super) fn is_token_name(name: &str) -> bool {
    name == "token" || name.ends_with(".jwt") || name.ends_with(".token")
}

/// Read a token file (recognised only when its content is a JWT).
pub(super) fn read(text: &str, found: &mut Found) {
    let sighting = Sighting {
        value: text.trim(),
        kind: CredentialKind::Jwt,
        found_in: "token-file",
        field: "token".into(),
        location: found.at(Some(1)),
    };
    found.secret(sighting, &[]);
}
