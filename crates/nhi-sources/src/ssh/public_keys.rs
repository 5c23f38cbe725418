//! Public key files (`id_ed25519.pub`, or any file of bare `keytype base64 [comment]` lines):
//! each key is an `ssh-key` identity named by its comment.
//!
//! Invariant: a public key grants nothing by itself, so no credential or grant comes from here.

use super::key::{self, KeyPart};
use super::options::split_field;
use super::{for_each_entry, LineError};
use crate::{Discovery, SourceFile};

/// Parse one `keytype base64 [comment]` line.
fn parse(line: &str) -> Result<KeyPart, LineError> {
    let (key_type, rest) = split_field(line);
    if !key::is_key_type(key_type) {
        return Err(LineError::ExpectedKeyType(key_type.to_string()));
    }
    Ok(KeyPart::parse(key_type, rest)?)
}

/// Read a public key file.
pub(crate) fn read(file: &SourceFile, out: &mut Discovery) {
    for_each_entry(file, out, parse, |part, _line, out| {
        out.inventory
            .add_identity(part.key.identity(part.comment.as_deref()));
    });
}
