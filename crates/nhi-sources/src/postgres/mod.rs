//! PostgreSQL, live: connects read-only to a server and inventories its roles — login roles that
//! belong to services, their rights, password expiry, memberships, grants, who is connected now
//! and from where, and the authentication rules (`pg_hba_file_rules`) that apply to each role.
//!
//! Invariants: every query runs in a READ ONLY transaction; a catalog the connecting role may not
//! read gives a warning and a partial inventory, never a failure of the whole scan; password
//! hashes are only ever fingerprinted; the DSN's password never appears in any output.

mod catalog;
mod dsn;
mod model;

pub use dsn::{is_postgres_dsn, redact_dsn};

use crate::{Discovery, SourceContext, SourceError};

/// Connect to the server `dsn` names and inventory its roles. Connection failures are one error;
/// missing privileges on individual catalogs are errors in `Discovery::errors` beside a partial
/// inventory.
pub fn discover(dsn: &str, ctx: &SourceContext) -> Discovery {
    let mut discovery = Discovery::default();
    let shown = redact_dsn(dsn);
    let config: postgres::Config = match dsn.parse() {
        Ok(config) => config,
        Err(err) => {
            discovery.errors.push(SourceError::new(
                shown,
                None,
                format!("not a PostgreSQL connection string: {err}"),
            ));
            return discovery;
        }
    };
    let server = dsn::server_name(&config);
    let mut client = match catalog::connect(&config) {
        Ok(client) => client,
        Err(err) => {
            discovery.errors.push(SourceError::new(
                shown,
                None,
                format!("cannot connect: {}", catalog::describe_error(&err)),
            ));
            return discovery;
        }
    };
    let facts = catalog::read(&mut client, &shown, &mut discovery.errors);
    model::build(&server, &facts, ctx, &mut discovery.inventory);
    discovery
}
