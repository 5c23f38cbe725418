//! Google Cloud IAM from `gcloud ... --format=json` exports: service accounts, their keys, IAM
//! policies of projects, folders, organisations and other resources, and downloaded
//! service-account key files. Each export is recognised by its content, whatever its name.
//!
//! Invariants: a service account is `gcp:serviceaccount:<email>` whichever export names it, so
//! sightings merge; a key is `gcp-sa-key:<key id>` in the listing and in a key file alike; a
//! private key is fingerprinted, never kept.

mod account;
mod iam_policy;
mod key_file;
mod keys;
mod policy_scope;
mod service_accounts;

pub(crate) use iam_policy::IamPolicy;
pub(crate) use key_file::KeyFile;
pub(crate) use keys::ServiceAccountKeys;
pub(crate) use service_accounts::ServiceAccountList;
