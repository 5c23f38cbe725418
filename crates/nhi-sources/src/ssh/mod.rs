//! The ssh source: OpenSSH private keys, public key files, `authorized_keys` and `known_hosts`.
//! Each distinct public key is one identity (`ssh:key:SHA256:...`), the id OpenSSH prints.
//!
//! Invariants: files are recognised by name, else by content (the first entry line decides); a bad
//! line gives one error with its line number and the rest of the file goes on; private key bytes
//! never leave `private_key`.

mod authorized_keys;
mod key;
mod known_hosts;
mod options;
mod private_key;
mod public_keys;

use super::x509;
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use authorized_keys::Entry;
use known_hosts::HostEntry;

/// How much of an unnamed file is looked at to sniff its kind.
const SNIFF_BYTES: usize = 4096;

/// Reads SSH keys and the files that authorize or trust them.
pub(crate) struct SshSource;

impl Source for SshSource {
    fn name(&self) -> &'static str {
        "ssh"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        classify(file).is_some()
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        match classify(file) {
            Some(FileKind::PrivateKeys) => private_key::read(file, ctx, out),
            Some(FileKind::AuthorizedKeys) => authorized_keys::read(file, ctx, out),
            Some(FileKind::KnownHosts) => known_hosts::read(file, out),
            Some(FileKind::PublicKeys) => public_keys::read(file, out),
            None => {}
        }
    }
}

/// What sort of SSH file this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    PrivateKeys,
    AuthorizedKeys,
    KnownHosts,
    PublicKeys,
}

fn classify(file: &SourceFile) -> Option<FileKind> {
    let by_name = kind_by_name(file);
    if matches!(
        by_name,
        Some(FileKind::AuthorizedKeys | FileKind::KnownHosts)
    ) {
        return by_name;
    }
    if memchr::memmem::find(file.bytes, private_key::BEGIN_LINE.as_bytes()).is_some() {
        return Some(FileKind::PrivateKeys);
    }
    match by_name {
        // A `.pub` in PEM or RFC 4716 armour is not OpenSSH's one-line format.
        Some(kind) => (!file.bytes.trim_ascii_start().starts_with(b"---")).then_some(kind),
        None => sniff(file.bytes),
    }
}

fn kind_by_name(file: &SourceFile) -> Option<FileKind> {
    let name = file.file_name();
    let parent = file.path.rsplit(['/', '\\']).nth(1);
    if name.starts_with("authorized_keys") || parent == Some("authorized_keys") {
        Some(FileKind::AuthorizedKeys)
    } else if name.starts_with("known_hosts") || name == "ssh_known_hosts" {
        Some(FileKind::KnownHosts)
    } else if file.extension() == "pub" {
        Some(FileKind::PublicKeys)
    } else {
        None
    }
}

/// The kind a text file's first entry line shows: options then a key (authorized_keys), a bare key
/// (public keys), or hosts then a key (known_hosts).
fn sniff(bytes: &[u8]) -> Option<FileKind> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let line = head
        .split(|b| *b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty() && !l.starts_with(b"#"))?;
    let line = std::str::from_utf8(line).ok()?;
    if !line.contains(" AAAA") && !line.contains("\tAAAA") {
        return None;
    }
    if key::is_key_type(options::split_field(line).0) {
        Some(FileKind::PublicKeys)
    } else if Entry::has_options(line).unwrap_or(false) {
        Some(FileKind::AuthorizedKeys)
    } else {
        HostEntry::parse(line).ok().map(|_| FileKind::KnownHosts)
    }
}

/// Why one line of an SSH text file cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LineError {
    #[error(transparent)]
    Options(#[from] options::OptionError),
    #[error(transparent)]
    Key(#[from] key::KeyError),
    #[error("expected an SSH key type, found '{0}'")]
    ExpectedKeyType(String),
    #[error("no SSH key on this line")]
    NoKey,
}

/// Parse every entry line (not blank, not `#`) of a text file; bad lines become errors with their
/// line number and the rest goes on.
fn for_each_entry<T>(
    file: &SourceFile,
    out: &mut Discovery,
    parse: impl Fn(&str) -> Result<T, LineError>,
    mut add: impl FnMut(T, u32, &mut Discovery),
) {
    let text = String::from_utf8_lossy(file.bytes);
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        match parse(line) {
            Ok(entry) => add(entry, number, out),
            Err(err) => out
                .errors
                .push(SourceError::new(file.path, Some(number), err.to_string())),
        }
    }
}

#[cfg(test)]
mod tests;
