//! Lookups the AWS deriver needs so that it never compares every principal with every other:
//! IAM targets per account sorted by ARN (prefix range scans), and trust policies inverted into
//! "who is trusted by which role".
//!
//! Invariant: built once per analysis in time linear in principals plus trust statements.

use super::condition::{self, RequestFacts, Truth};
use super::policy::{Effect, Principals};
use super::principal::{AwsModel, PrincipalKind};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The actions through which a trust policy lets a principal in.
pub(crate) const ASSUME_ACTIONS: &[&str] = &[
    "sts:assumerole",
    "sts:assumerolewithwebidentity",
    "sts:assumerolewithsaml",
];

/// IAM resources of each account, sorted by ARN.
#[derive(Debug, Default)]
pub(crate) struct Targets<'m> {
    /// Users (not the root user).
    pub users: HashMap<&'m str, BTreeMap<&'m str, usize>>,
    /// Roles a caller can act on (not service-linked).
    pub roles: HashMap<&'m str, BTreeMap<&'m str, usize>>,
    /// Group index by ARN.
    pub groups: HashMap<&'m str, BTreeMap<&'m str, usize>>,
    /// Customer-managed policies attached to some principal or group.
    pub policies: HashMap<&'m str, BTreeSet<&'m str>>,
    /// Every principal by ARN.
    pub by_arn: HashMap<&'m str, usize>,
    /// Roles by (account, name): trust policies may name a role session without the role's path.
    pub role_by_name: HashMap<(&'m str, &'m str), usize>,
}

impl<'m> Targets<'m> {
    pub(crate) fn build(model: &'m AwsModel) -> Targets<'m> {
        let mut t = Targets::default();
        for (i, p) in model.principals.iter().enumerate() {
            t.by_arn.insert(p.arn, i);
            let account = p.account.as_str();
            match p.kind {
                PrincipalKind::User if !p.root => {
                    t.users.entry(account).or_default().insert(p.arn, i);
                }
                PrincipalKind::Role if !p.service_linked => {
                    t.roles.entry(account).or_default().insert(p.arn, i);
                    t.role_by_name
                        .insert((account, p.identity.name.as_str()), i);
                }
                _ => {}
            }
            for arn in &p.custom_managed {
                t.policies.entry(account).or_default().insert(arn);
            }
        }
        for (i, g) in model.groups.iter().enumerate() {
            t.groups
                .entry(g.account.as_str())
                .or_default()
                .insert(g.arn.as_str(), i);
            for arn in &g.custom_managed {
                t.policies
                    .entry(g.account.as_str())
                    .or_default()
                    .insert(arn);
            }
        }
        t
    }

    /// The principal an ARN in a trust policy names: a user, a role, or a role session
    /// (`arn:aws:sts::1:assumed-role/NAME/session`).
    pub(crate) fn principal_named(&self, arn: &str) -> Option<usize> {
        if let Some(&i) = self.by_arn.get(arn) {
            return Some(i);
        }
        let account = arn.split(':').nth(4)?;
        let resource = arn.split(':').nth(5)?;
        let role_name = match resource.split_once('/') {
            Some(("assumed-role", rest)) => rest.split('/').next()?,
            Some(("role", rest)) => rest.rsplit('/').next()?,
            _ => return None,
        };
        self.role_by_name.get(&(account, role_name)).copied()
    }
}

/// Entries of `map` whose key starts with one of `prefixes` (all of them for `None`).
pub(crate) fn with_prefixes<'x, V>(
    map: &'x BTreeMap<&'x str, V>,
    prefixes: Option<&'x [String]>,
) -> Vec<(&'x str, &'x V)> {
    match prefixes {
        None => map.iter().map(|(k, v)| (*k, v)).collect(),
        Some(prefixes) => prefixes
            .iter()
            .flat_map(|prefix| {
                map.range::<str, _>((
                    std::ops::Bound::Included(prefix.as_str()),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(move |(k, _)| k.starts_with(prefix.as_str()))
                .map(|(k, v)| (*k, v))
            })
            .collect(),
    }
}

/// One role trusting someone, with the statement's conditions.
#[derive(Debug, Clone)]
pub(crate) struct TrustLink {
    pub role: usize,
    pub conditions: Option<Value>,
    /// Who the statement names, for the method text.
    pub names: String,
}

/// A trust statement naming a known principal directly.
#[derive(Debug, Clone)]
pub(crate) struct DirectTrust {
    pub from: usize,
    pub link: TrustLink,
}

/// Trust policies inverted.
#[derive(Debug, Default)]
pub(crate) struct Trusts {
    /// Account id -> roles whose trust names that account's root.
    pub account_root: HashMap<String, Vec<TrustLink>>,
    /// Roles whose trust names anyone (`*`).
    pub anyone: Vec<TrustLink>,
    /// (role's account, service principal) -> roles that service may assume. EC2 roles count only
    /// with an instance profile.
    pub service: HashMap<(String, String), Vec<TrustLink>>,
    pub direct: Vec<DirectTrust>,
    /// (identity provider, link) for web-identity and SAML federation.
    pub federated: Vec<(String, TrustLink)>,
}

impl Trusts {
    pub(crate) fn build(model: &AwsModel, targets: &Targets, facts: &RequestFacts) -> Trusts {
        let mut t = Trusts::default();
        for (role, p) in model.principals.iter().enumerate() {
            let Some(trust) = &p.trust else { continue };
            for statement in &trust.statements {
                if statement.effect != Effect::Allow
                    || !ASSUME_ACTIONS.iter().any(|a| statement.actions.matches(a))
                {
                    continue;
                }
                if statement
                    .condition
                    .as_ref()
                    .is_some_and(|c| condition::evaluate(c, facts) == Truth::False)
                {
                    continue;
                }
                let Some(principals) = &statement.principals else {
                    continue;
                };
                let link = |names: &str| TrustLink {
                    role,
                    conditions: statement.condition.clone(),
                    names: names.to_string(),
                };
                t.add(
                    principals,
                    p.service_linked,
                    p.has_instance_profile,
                    &p.account,
                    targets,
                    link,
                );
            }
        }
        t
    }

    fn add(
        &mut self,
        principals: &Principals,
        service_linked: bool,
        has_instance_profile: bool,
        account: &str,
        targets: &Targets,
        link: impl Fn(&str) -> TrustLink,
    ) {
        if principals.anyone || principals.negated {
            self.anyone.push(link("anyone (*)"));
        }
        for name in &principals.aws {
            if let Some(root_account) = account_root(name) {
                self.account_root
                    .entry(root_account.to_string())
                    .or_default()
                    .push(link(name));
            } else if let Some(from) = targets.principal_named(name) {
                self.direct.push(DirectTrust {
                    from,
                    link: link(name),
                });
            }
        }
        for service in &principals.service {
            let service = service.to_ascii_lowercase();
            if service_linked || (service == "ec2.amazonaws.com" && !has_instance_profile) {
                continue;
            }
            self.service
                .entry((account.to_string(), service.clone()))
                .or_default()
                .push(link(&service));
        }
        for provider in &principals.federated {
            self.federated.push((provider.clone(), link(provider)));
        }
    }
}

/// The account of `arn:aws:iam::123456789012:root` or a bare account id.
pub(crate) fn account_root(name: &str) -> Option<&str> {
    if name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit()) {
        return Some(name);
    }
    let rest = name.strip_prefix("arn:")?;
    let mut fields = rest.split(':');
    let (_partition, service, _region, account, resource) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    (service == "iam" && resource == "root").then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_roots_take_both_spellings() {
        assert_eq!(
            account_root("arn:aws:iam::123456789012:root"),
            Some("123456789012")
        );
        assert_eq!(account_root("123456789012"), Some("123456789012"));
        assert_eq!(account_root("arn:aws:iam::123456789012:user/root"), None);
        assert_eq!(account_root("12345"), None);
    }

    #[test]
    fn prefix_scan_returns_only_matching_keys() {
        let map: BTreeMap<&str, usize> = [("arn:r/app-a", 1), ("arn:r/app-b", 2), ("arn:r/db", 3)]
            .into_iter()
            .collect();
        let prefixes = vec!["arn:r/app-".to_string()];
        let hits: Vec<usize> = with_prefixes(&map, Some(&prefixes))
            .into_iter()
            .map(|(_, v)| *v)
            .collect();
        assert_eq!(hits, vec![1, 2]);
        assert_eq!(with_prefixes(&map, None).len(), 3);
    }
}
