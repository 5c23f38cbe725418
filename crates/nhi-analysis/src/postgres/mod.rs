//! PostgreSQL role rules: service roles with superuser, passwords that never expire, `trust` and
//! cleartext `password` authentication, roles never seen connected, and one role shared by several
//! applications. They read the attributes the live PostgreSQL source records on each role
//! (`can_login`, `superuser`, `password_set`, `valid_until`, `sessions`, `auth_rules`, ...).

mod facts;
mod rules;

pub(crate) use rules::{
    CleartextPasswordAuth, PasswordNeverExpires, RoleSharedByApplications, RoleUnused,
    ServiceRoleSuperuser, TrustAuthentication,
};
