//! `/etc/group`: group membership as `member-of` edges, so that sudo rules for `%group` reach
//! the accounts in it.
//!
//! Invariant: groups are graph nodes (`host:group:<host>/<name>`), not identities. Each group also
//! gets an edge from `host:gid:<host>/<gid>`, which stands for "every account whose primary group
//! is this gid": passwd names primary groups only by number.

use super::root::HostRoot;
use super::{attr, for_each_line};
use crate::{Discovery, SourceFile};
use nhi_model::{Edge, EdgeKind, Location};
use serde_json::Value;

/// Read a group file.
pub(crate) fn read(file: &SourceFile, text: &str, host: &HostRoot, out: &mut Discovery) {
    for_each_line(file, text, out, |line, number, out| {
        if line.starts_with(['+', '-']) {
            return Ok(());
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() != 4 || fields[0].is_empty() {
            return Err(format!(
                "malformed group entry: expected 4 ':'-separated fields, found {}",
                fields.len()
            ));
        }
        let gid = fields[2];
        if gid.parse::<u32>().is_err() {
            return Err(format!(
                "malformed group entry: gid '{gid}' is not a number"
            ));
        }
        let group = host.group(fields[0]);
        let location =
            serde_json::to_value(Location::file(file.path, Some(number))).unwrap_or_default();
        let mut edge = |from: String| {
            let mut edge = Edge {
                from,
                to: group.clone(),
                kind: EdgeKind::MemberOf,
                attributes: Default::default(),
            };
            edge.attributes.insert(attr::GID.into(), Value::from(gid));
            edge.attributes
                .insert(attr::LOCATION.into(), location.clone());
            out.inventory.edges.push(edge);
        };
        edge(host.gid(gid));
        for member in fields[3]
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            edge(host.account(member));
        }
        Ok(())
    });
}
