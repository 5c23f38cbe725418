//! `known_hosts` files: each host key becomes an `ssh-key` identity whose `known_host` attribute
//! lists the host patterns it is trusted for (hashed `|1|` patterns kept as written).
//!
//! Invariant: host keys are inventory only, never credentials: they authenticate servers, and
//! nothing here is secret.

use super::key::{self, KeyPart};
use super::options::split_field;
use super::{for_each_entry, LineError};
use crate::{Discovery, SourceFile};
use nhi_model::Identity;
use serde_json::Value;
use std::collections::BTreeMap;

/// One known_hosts line: `[@marker] hosts keytype base64 [comment]`.
#[derive(Debug)]
pub(crate) struct HostEntry {
    /// `cert-authority` or `revoked`.
    pub marker: Option<String>,
    pub hosts: Vec<String>,
    pub key: KeyPart,
}

impl HostEntry {
    /// Parse one non-comment line.
    pub fn parse(line: &str) -> Result<Self, LineError> {
        let (mut hosts, mut rest) = split_field(line);
        let marker = match hosts.strip_prefix('@') {
            Some(marker) => {
                (hosts, rest) = split_field(rest.trim_start());
                Some(marker.to_string())
            }
            None => None,
        };
        let (key_type, rest) = split_field(rest.trim_start());
        if key_type.is_empty() {
            return Err(LineError::NoKey);
        }
        if !key::is_key_type(key_type) {
            return Err(LineError::ExpectedKeyType(key_type.to_string()));
        }
        Ok(HostEntry {
            marker,
            hosts: hosts
                .split(',')
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect(),
            key: KeyPart::parse(key_type, rest)?,
        })
    }
}

/// Read a known_hosts file: one identity per distinct host key, with every host it serves.
pub(crate) fn read(file: &SourceFile, out: &mut Discovery) {
    let mut keys: BTreeMap<String, (Identity, Vec<String>)> = BTreeMap::new();
    for_each_entry(file, out, HostEntry::parse, |entry, _line, _out| {
        let (_, hosts) = keys.entry(entry.key.key.identity_id()).or_insert_with(|| {
            let mut identity = entry.key.key.identity(entry.key.comment.as_deref());
            if let Some(marker) = &entry.marker {
                identity
                    .attributes
                    .insert("known_host_marker".into(), Value::String(marker.clone()));
            }
            (identity, Vec::new())
        });
        for host in entry.hosts {
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
    });
    for (_, (mut identity, hosts)) in keys {
        let hosts = hosts.into_iter().map(Value::String).collect();
        identity
            .attributes
            .insert("known_host".into(), Value::Array(hosts));
        out.inventory.add_identity(identity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINEyYWXPRlLgqqjxRfcPtl9x2/Md9HImcItuoiTDQ5+t";

    #[test]
    fn markers_hashed_hosts_and_bad_lines() {
        let ca = HostEntry::parse(&format!("@cert-authority *.acme.test {KEY} acme CA")).unwrap();
        assert_eq!(ca.marker.as_deref(), Some("cert-authority"));
        assert_eq!(ca.hosts, ["*.acme.test"]);
        assert_eq!(ca.key.comment.as_deref(), Some("acme CA"));
        let hashed = HostEntry::parse(&format!("|1|c2FsdA==|aGFzaA== {KEY}")).unwrap();
        assert_eq!(hashed.hosts, ["|1|c2FsdA==|aGFzaA=="]);
        assert!(matches!(
            HostEntry::parse("lonely-host"),
            Err(LineError::NoKey)
        ));
        assert!(matches!(
            HostEntry::parse("host ssh-nope AAAA"),
            Err(LineError::ExpectedKeyType(_))
        ));
    }
}
