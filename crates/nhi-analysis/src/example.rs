//! Building blocks shared by rule examples (see [`RuleExample`](crate::RuleExample)): examples are
//! small inventories written by hand, and this assembles them the way a scan would.

use nhi_model::{Credential, Grant, Identity, Inventory};

/// An inventory of these identities, credentials and grants, merged as a scan merges them.
pub(crate) fn inventory(
    identities: Vec<Identity>,
    credentials: Vec<Credential>,
    grants: Vec<Grant>,
) -> Inventory {
    let mut inventory = Inventory::default();
    identities
        .into_iter()
        .for_each(|i| inventory.add_identity(i));
    credentials
        .into_iter()
        .for_each(|c| inventory.add_credential(c));
    inventory.grants = grants;
    inventory
}
