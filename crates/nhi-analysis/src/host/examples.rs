//! Small inventories for the host and credential-file rules' examples, shaped as the `host` and
//! `credfiles` sources shape them (same ids, same attributes), on a host `web-01`.
//!
//! Invariant: times are days relative to [`examples_now`](crate::examples_now), so examples never rot.

use crate::{examples_now, RuleExample};
use nhi_model::{
    Credential, CredentialKind, Edge, EdgeKind, Grant, Identity, IdentityKind, Inventory, Location,
};
use serde_json::{json, Value};

pub(crate) const HOST: &str = "web-01";

/// `examples_now()` shifted by `days`.
pub(crate) fn days(days: i64) -> nhi_model::Timestamp {
    examples_now() + chrono::Duration::days(days)
}

/// `host:account:web-01/<user>`.
pub(crate) fn account_id(user: &str) -> String {
    format!("host:account:{HOST}/{user}")
}

/// An account of class `class` with `shell` and password state `password` (`set`, `locked`,
/// `empty`), uid `uid` and primary gid = uid.
pub(crate) fn account(user: &str, class: &str, uid: u32, shell: &str, password: &str) -> Identity {
    let kind = if class == "human" {
        IdentityKind::Unknown
    } else {
        IdentityKind::DaemonAccount
    };
    let mut identity = Identity::new(account_id(user), kind, "host", user);
    let login = !shell.ends_with("nologin") && !shell.ends_with("false");
    for (key, value) in [
        ("host", json!(HOST)),
        ("uid", json!(uid)),
        ("gid", json!(uid)),
        ("home", json!(format!("/home/{user}"))),
        ("shell", json!(shell)),
        ("login_shell", json!(login)),
        ("class", json!(class)),
        ("human", json!(class == "human")),
        ("password", json!(password)),
        (
            "location",
            json!({"path": "web-01/etc/passwd", "line": uid % 100 + 1}),
        ),
    ] {
        identity.attributes.insert(key.into(), value);
    }
    identity
}

/// A systemd unit running as `user`.
pub(crate) fn unit(name: &str, user: &str, program: &str) -> Edge {
    let mut edge = Edge {
        from: format!("host:systemd:{HOST}/{name}"),
        to: account_id(user),
        kind: EdgeKind::Uses,
        attributes: Default::default(),
    };
    edge.attributes.insert("program".into(), json!(program));
    edge
}

/// `user` is listed as a member of `group`.
pub(crate) fn member(user: &str, group: &str) -> Edge {
    Edge {
        from: account_id(user),
        to: format!("host:group:{HOST}/{group}"),
        kind: EdgeKind::MemberOf,
        attributes: Default::default(),
    }
}

/// A sudoers grant: `holder` (an account or group node) may run `commands` as `runas`.
pub(crate) fn sudo(holder: &str, commands: &[&str], runas: &str, nopasswd: bool) -> Grant {
    Grant {
        identity: holder.to_string(),
        effect: "allow".into(),
        actions: commands.iter().map(|c| c.to_string()).collect(),
        resources: vec![account_id(runas)],
        conditions: Some(
            json!({"nopasswd": nopasswd, "tags": [], "hosts": ["ALL"], "runas_groups": []}),
        ),
        source: Some("sudoers".into()),
        access_level: None,
        location: Some(Location::file("web-01/etc/sudoers.d/90-service", Some(1))),
    }
}

/// A credential as the credential-file and host sources make one: id `<kind>:fp1:<name>`, seen
/// at `path`, `found_in` and `field` set, plus `attributes`.
pub(crate) fn secret(
    kind: CredentialKind,
    name: &str,
    path: &str,
    found_in: &str,
    field: &str,
    attributes: &[(&str, Value)],
) -> Credential {
    let fingerprint = format!("fp1:{name}");
    let mut credential = Credential::new(
        format!("{}:{fingerprint}", kind.as_str()),
        kind,
        fingerprint,
    );
    credential.redacted = Some("****".into());
    credential.locations.push(Location::file(path, Some(1)));
    credential
        .attributes
        .insert("found_in".into(), json!(found_in));
    credential.attributes.insert("field".into(), json!(field));
    for (key, value) in attributes {
        credential.attributes.insert(key.to_string(), value.clone());
    }
    credential
}

/// A JWT credential issued `issued` days from now, expiring `expires` days from now (`None`: no
/// `exp`), signed with `alg`.
pub(crate) fn jwt(
    name: &str,
    path: &str,
    alg: &str,
    issued: i64,
    expires: Option<i64>,
) -> Credential {
    let mut credential = secret(
        CredentialKind::Jwt,
        name,
        path,
        "dotenv",
        "SESSION_TOKEN",
        &[("jwt_alg", json!(alg))],
    );
    credential.created = Some(days(issued));
    credential.expires = expires.map(days);
    credential
        .attributes
        .insert("jwt_no_expiry".into(), json!(expires.is_none()));
    credential
}

/// An inventory of these pieces, merged as a scan merges them.
pub(crate) fn inventory(
    identities: Vec<Identity>,
    credentials: Vec<Credential>,
    grants: Vec<Grant>,
    edges: Vec<Edge>,
) -> Inventory {
    let mut inventory = crate::example::inventory(identities, credentials, grants);
    inventory.edges = edges;
    inventory
}

/// A rule example.
pub(crate) fn example(name: &'static str, fires: bool, inventory: Inventory) -> RuleExample {
    RuleExample {
        name,
        inventory,
        fires,
    }
}
