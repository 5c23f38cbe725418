//! SSH keys in a home of a host tree, tied to the account: the account `owns` the key of each
//! private key and `.pub` file in its `.ssh/`, and each key in its `authorized_keys` `can-assume`
//! the account (whoever holds that key logs in as it). The ssh source makes the key identities
//! (`ssh:key:SHA256:...`); these edges only name them.
//!
//! Invariants: only folders of a host tree with an account database count (a `home/` folder in a
//! repository is not a host); bad keys are left for the ssh source to report, so nothing is
//! reported twice.

use super::root::{home_of, HostRoot};
use crate::{Discovery, SourceFile};
use nhi_model::{Edge, EdgeKind, Location};
use serde_json::Value;
use ssh_key::{HashAlg, PublicKey};

const PRIVATE_KEY_BEGIN: &[u8] = b"-----BEGIN OPENSSH PRIVATE KEY-----";

/// `home/<user>/.ssh/<file>` or `root/.ssh/<file>`: the user and where the host's root ends.
pub(super) fn classify(path: &str) -> Option<(String, usize)> {
    let (root_end, user, home_end) = home_of(path)?;
    let file = path[home_end..].strip_prefix(".ssh/")?;
    (!file.is_empty() && !file.contains('/')).then(|| (user.to_string(), root_end))
}

fn key_id(key: &PublicKey) -> String {
    format!("ssh:key:{}", key.fingerprint(HashAlg::Sha256))
}

/// Add the edges for one `.ssh` file of `user`.
pub(super) fn read(file: &SourceFile, host: &HostRoot, user: &str, out: &mut Discovery) {
    if !host.has_accounts() {
        return;
    }
    let account = host.account(user);
    let Ok(text) = std::str::from_utf8(file.bytes) else {
        return;
    };
    let mut add = |from: String, to: String, kind: EdgeKind, method: &str, line: Option<u32>| {
        let mut edge = Edge {
            from,
            to,
            kind,
            attributes: Default::default(),
        };
        edge.attributes.insert("method".into(), Value::from(method));
        let location = Location::file(file.path, line);
        edge.attributes.insert(
            "location".into(),
            serde_json::to_value(location).unwrap_or_default(),
        );
        out.inventory.edges.push(edge);
    };
    if file.file_name().starts_with("authorized_keys") {
        for (index, line) in text.lines().enumerate() {
            let line_no = u32::try_from(index + 1).ok();
            let entry = ssh_key::authorized_keys::AuthorizedKeys::new(line).next();
            if let Some(Ok(entry)) = entry {
                let method = "ssh login (authorized_keys)";
                add(
                    key_id(entry.public_key()),
                    account.clone(),
                    EdgeKind::CanAssume,
                    method,
                    line_no,
                );
            }
        }
    } else if memchr::memmem::find(file.bytes, PRIVATE_KEY_BEGIN).is_some() {
        if let Ok(key) = ssh_key::PrivateKey::from_openssh(file.bytes) {
            add(
                account,
                key_id(key.public_key()),
                EdgeKind::Owns,
                "private key in ~/.ssh",
                None,
            );
        }
    } else if file.extension() == "pub" {
        if let Ok(key) = PublicKey::from_openssh(text.trim()) {
            add(
                account,
                key_id(&key),
                EdgeKind::Owns,
                "public key in ~/.ssh",
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_directly_in_dot_ssh() {
        assert_eq!(
            classify("img/home/deploy/.ssh/id_ed25519"),
            Some(("deploy".into(), 4))
        );
        assert_eq!(
            classify("img/root/.ssh/authorized_keys"),
            Some(("root".into(), 4))
        );
        assert_eq!(classify("img/home/deploy/.ssh/old/id_rsa"), None);
        assert_eq!(classify("img/home/deploy/.aws/credentials"), None);
    }
}
