//! Reading the catalogs. Each query stands alone (autocommit, read-only session), so a catalog the
//! role may not read costs only that part of the picture: the error is recorded and the rest goes on.

use crate::SourceError;
use postgres::{Client, NoTls, Row};
use std::time::Duration;

/// One role as `pg_roles` describes it.
pub(crate) struct RoleRow {
    pub oid: u32,
    pub name: String,
    pub superuser: bool,
    pub inherit: bool,
    pub create_role: bool,
    pub create_db: bool,
    pub can_login: bool,
    pub replication: bool,
    pub bypass_rls: bool,
    pub connection_limit: i32,
    /// `VALID UNTIL` as the server prints it (`infinity` included); `None` when unset.
    pub valid_until: Option<String>,
}

/// A privilege `grantee` holds on an object (`PUBLIC` for everyone).
pub(crate) struct Privilege {
    pub grantee: String,
    /// `database`, `schema`, `tables` (aggregated per schema) or `default` (default privileges).
    pub object_kind: &'static str,
    pub object: String,
    pub privilege: String,
    /// For aggregated table privileges: on how many relations.
    pub count: i64,
}

/// A client session open now.
pub(crate) struct Session {
    pub role: String,
    pub application_name: String,
    pub client_addr: Option<String>,
    pub database: Option<String>,
}

/// One line of `pg_hba.conf` as the server parsed it.
pub(crate) struct HbaRule {
    pub line: i32,
    pub connection_type: String,
    pub databases: Vec<String>,
    pub users: Vec<String>,
    pub address: Option<String>,
    pub method: String,
}

/// Everything read from one server.
#[derive(Default)]
pub(crate) struct Facts {
    pub version: Option<String>,
    pub server_now: Option<chrono::DateTime<chrono::Utc>>,
    pub roles: Vec<RoleRow>,
    /// Role name and stored password hash; `None` when `pg_authid` could not be read.
    pub password_hashes: Option<Vec<(String, String)>>,
    /// (member, group, admin option)
    pub memberships: Vec<(String, String, bool)>,
    pub privileges: Vec<Privilege>,
    pub sessions: Vec<Session>,
    /// `None` when `pg_hba_file_rules` could not be read.
    pub hba_rules: Option<Vec<HbaRule>>,
}

/// Open a read-only session with short timeouts (a scan must never hang on a server or lock).
pub(crate) fn connect(config: &postgres::Config) -> Result<Client, postgres::Error> {
    let mut config = config.clone();
    config.application_name("nhi").options(
        "-c default_transaction_read_only=on -c statement_timeout=30000 -c lock_timeout=5000",
    );
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.connect(NoTls)
}

/// The server's own message when there is one (`permission denied for table pg_authid`).
pub(crate) fn describe_error(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => db.message().to_string(),
        None => err.to_string(),
    }
}

const ROLES: &str = "SELECT oid::int8, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, \
     rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, rolvaliduntil::text \
     FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname";
const PASSWORDS: &str =
    "SELECT rolname, rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL ORDER BY rolname";
const MEMBERSHIPS: &str = "SELECT m.rolname, g.rolname, am.admin_option FROM pg_auth_members am \
     JOIN pg_roles m ON m.oid = am.member JOIN pg_roles g ON g.oid = am.roleid ORDER BY 1, 2";
const DATABASE_PRIVILEGES: &str = "SELECT coalesce(pg_get_userbyid(nullif(a.grantee, 0)), 'PUBLIC'), \
     d.datname, a.privilege_type, 1::int8 FROM pg_database d, aclexplode(d.datacl) a ORDER BY 1, 2, 3";
const SCHEMA_PRIVILEGES: &str =
    "SELECT coalesce(pg_get_userbyid(nullif(a.grantee, 0)), 'PUBLIC'), \
     n.nspname, a.privilege_type, 1::int8 FROM pg_namespace n, aclexplode(n.nspacl) a \
     WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1, 2, 3";
const TABLE_PRIVILEGES: &str = "SELECT coalesce(pg_get_userbyid(nullif(a.grantee, 0)), 'PUBLIC'), \
     n.nspname, a.privilege_type, count(*)::int8 FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a \
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname !~ '^pg_' \
     AND n.nspname <> 'information_schema' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
const DEFAULT_PRIVILEGES: &str = "SELECT coalesce(pg_get_userbyid(nullif(a.grantee, 0)), 'PUBLIC'), \
     pg_get_userbyid(d.defaclrole) || coalesce(' in ' || n.nspname, '') || ' on ' || \
     CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' \
     WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE d.defaclobjtype::text END, \
     a.privilege_type, 1::int8 FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, \
     aclexplode(d.defaclacl) a ORDER BY 1, 2, 3";
const SESSIONS: &str =
    "SELECT usename, coalesce(application_name, ''), host(client_addr), datname \
     FROM pg_stat_activity WHERE usename IS NOT NULL AND backend_type = 'client backend' \
     AND pid <> pg_backend_pid() ORDER BY 1, 2, 3";
const HBA: &str = "SELECT line_number, type, database, user_name, address, auth_method \
     FROM pg_hba_file_rules WHERE error IS NULL ORDER BY line_number";

/// Read every catalog nhi uses. Errors name `shown` (the redacted DSN) and the catalog.
pub(crate) fn read(client: &mut Client, shown: &str, errors: &mut Vec<SourceError>) -> Facts {
    let mut run = |sql: &str, what: &str| -> Option<Vec<Row>> {
        match client.query(sql, &[]) {
            Ok(rows) => Some(rows),
            Err(err) => {
                errors.push(SourceError::new(
                    shown,
                    None,
                    format!("cannot read {what}: {}", describe_error(&err)),
                ));
                None
            }
        }
    };
    let mut facts = Facts::default();
    if let Some(rows) = run(
        "SELECT current_setting('server_version'), now()",
        "the server version",
    ) {
        facts.version = rows.first().and_then(|r| r.try_get(0).ok());
        facts.server_now = rows.first().and_then(|r| r.try_get(1).ok());
    }
    facts.roles = run(ROLES, "pg_roles")
        .unwrap_or_default()
        .iter()
        .filter_map(|row| {
            Some(RoleRow {
                oid: u32::try_from(row.try_get::<_, i64>(0).ok()?).ok()?,
                name: row.try_get(1).ok()?,
                superuser: row.try_get(2).ok()?,
                inherit: row.try_get(3).ok()?,
                create_role: row.try_get(4).ok()?,
                create_db: row.try_get(5).ok()?,
                can_login: row.try_get(6).ok()?,
                replication: row.try_get(7).ok()?,
                bypass_rls: row.try_get(8).ok()?,
                connection_limit: row.try_get(9).ok()?,
                valid_until: row.try_get(10).ok()?,
            })
        })
        .collect();
    facts.password_hashes = run(PASSWORDS, "pg_authid (password state)").map(|rows| {
        rows.iter()
            .filter_map(|row| Some((row.try_get(0).ok()?, row.try_get(1).ok()?)))
            .collect()
    });
    facts.memberships = run(MEMBERSHIPS, "role memberships")
        .unwrap_or_default()
        .iter()
        .filter_map(|row| {
            Some((
                row.try_get(0).ok()?,
                row.try_get(1).ok()?,
                row.try_get(2).ok()?,
            ))
        })
        .collect();
    for (sql, kind, what) in [
        (DATABASE_PRIVILEGES, "database", "database privileges"),
        (SCHEMA_PRIVILEGES, "schema", "schema privileges"),
        (TABLE_PRIVILEGES, "tables", "table privileges"),
        (DEFAULT_PRIVILEGES, "default", "default privileges"),
    ] {
        for row in run(sql, what).unwrap_or_default() {
            let privilege = (|| {
                Some(Privilege {
                    grantee: row.try_get(0).ok()?,
                    object_kind: kind,
                    object: row.try_get(1).ok()?,
                    privilege: row.try_get(2).ok()?,
                    count: row.try_get(3).ok()?,
                })
            })();
            facts.privileges.extend(privilege);
        }
    }
    facts.sessions = run(SESSIONS, "pg_stat_activity")
        .unwrap_or_default()
        .iter()
        .filter_map(|row| {
            Some(Session {
                role: row.try_get(0).ok()?,
                application_name: row.try_get(1).ok()?,
                client_addr: row.try_get(2).ok()?,
                database: row.try_get(3).ok()?,
            })
        })
        .collect();
    facts.hba_rules = run(HBA, "pg_hba_file_rules (authentication methods)").map(|rows| {
        rows.iter()
            .filter_map(|row| {
                Some(HbaRule {
                    line: row.try_get(0).ok()?,
                    connection_type: row.try_get(1).ok()?,
                    databases: row
                        .try_get::<_, Option<Vec<String>>>(2)
                        .ok()?
                        .unwrap_or_default(),
                    users: row
                        .try_get::<_, Option<Vec<String>>>(3)
                        .ok()?
                        .unwrap_or_default(),
                    address: row.try_get(4).ok()?,
                    method: row.try_get(5).ok()?,
                })
            })
            .collect()
    });
    facts
}
