//! `aws organizations list-accounts`: the accounts of an organisation with their names. Each
//! account's root user becomes an identity (`aws:user:arn:aws:iam::<id>:root`) carrying the
//! account's name and the environment the name suggests (`payments-prod` -> `production`).
//!
//! Invariant: e-mail addresses are not kept (personal data the inventory does not need).

use super::{json_with_any, parse_json, parse_time, tags};
use crate::{Discovery, Source, SourceContext, SourceFile};
use nhi_model::{Identity, IdentityKind};
use serde::Deserialize;

/// Reads `list-accounts` output.
pub(crate) struct OrganizationAccounts;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountList {
    accounts: Vec<Account>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Account {
    id: String,
    name: Option<String>,
    status: Option<String>,
    joined_timestamp: Option<String>,
}

impl Source for OrganizationAccounts {
    fn name(&self) -> &'static str {
        "aws-organizations"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        json_with_any(file, &["\"Accounts\""])
            && json_with_any(
                file,
                &[
                    "\"JoinedTimestamp\"",
                    "\"JoinedMethod\"",
                    ":organizations::",
                ],
            )
    }

    fn read(&self, file: &SourceFile, _ctx: &SourceContext, out: &mut Discovery) {
        let list: AccountList = match parse_json(file, "list-accounts output") {
            Ok(list) => list,
            Err(error) => return out.errors.push(error),
        };
        for account in list.accounts {
            let arn = format!("arn:aws:iam::{}:root", account.id);
            let mut root = Identity::new(
                format!("aws:user:{arn}"),
                IdentityKind::CloudUser,
                "aws",
                "root",
            );
            root.created = account.joined_timestamp.as_deref().and_then(parse_time);
            root.environment = account
                .name
                .as_deref()
                .and_then(tags::environment_of_account);
            let attrs = &mut root.attributes;
            attrs.insert("arn".into(), arn.into());
            attrs.insert("account".into(), account.id.into());
            attrs.insert("root".into(), true.into());
            if let Some(name) = account.name {
                attrs.insert("account_name".into(), name.into());
            }
            if let Some(status) = account.status {
                attrs.insert("account_status".into(), status.into());
            }
            out.inventory.add_identity(root);
        }
    }
}
