//! AWS IAM analysis: policy evaluation (Allow/Deny, NotAction/NotResource, wildcards, conditions,
//! permissions boundaries), access levels from AWS's own action table, the identity-graph deriver
//! (trust, PassRole and the known escalation techniques) and the AWS risk rules.
//!
//! The contract with `nhi-sources/src/aws` is the attribute keys listed in [`principal::attr`]:
//! users are `aws:user:<arn>`, roles `aws:role:<arn>`, access keys `aws-access-key:<id>`; groups
//! are not identities but `bound-to` edges from `aws:group:<arn>` to their policies. Invariant: no
//! I/O, and nothing quadratic in the number of principals.

mod access_level;
mod condition;
mod deriver;
mod eval;
mod examples;
mod index;
mod paths;
mod pattern;
mod policy;
mod principal;
mod rules;
mod techniques;

pub(crate) use deriver::AwsEdges;
pub(crate) use rules::{
    AccessKeyNotRotated, AccessKeyUnused, AdminEquivalent, ConsolePasswordWithoutMfa,
    IdentityUnused, MachineUserConsolePassword, PrivilegeEscalation, RoleTrustsAnyone,
    RoleTrustsExternalAccount, RoleWebIdentityWithoutSubject, RootAccessKey, ServiceWildcard,
    TwoActiveKeys,
};
