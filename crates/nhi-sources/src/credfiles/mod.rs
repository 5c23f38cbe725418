//! Credential files, wherever they are: cloud CLI credentials (`.aws/credentials`, `.aws/config`,
//! gcloud application default credentials, Azure CLI token caches), `.kube/config`, registry and
//! git credentials (`.docker/config.json`, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`),
//! `.env` files, Terraform state and bare token files. Each secret becomes a credential with its
//! kind, times where known, and the identity it belongs to when the file tells.
//!
//! What lands in the inventory, the contract `nhi-analysis::host` reads: credentials with
//! `found_in` (the file kind, e.g. `aws-credentials`, `kubeconfig`, `npmrc`, `terraform-state`),
//! `field`, and per-kind attributes; ids `<kind>:<fingerprint>` unless the secret has a native id
//! (`aws-access-key:<AKIA...>`, `x509-certificate:<sha256>`, `gcp-sa-key:<id>`); when the file
//! sits in a home of a host tree, an `owns` edge from that account to each credential.
//!
//! Invariants: plaintext stays inside the readers ([`secret`] makes every credential); a file that
//! does not parse gives one error naming it (and the line where known), a bad entry one error, and
//! the rest still counts. Service-account key JSON is the `gcp` source's, not read here.

mod aws;
mod azure;
mod certificate;
pub(crate) mod command_line;
mod docker;
mod dotenv;
mod gcloud;
mod git_credentials;
mod ini;
pub(crate) mod jwt;
mod kubeconfig;
mod netrc;
mod npmrc;
mod pypirc;
pub(crate) mod secret;
mod tfstate;
mod token_file;
pub(crate) mod url;

use crate::cloud_export::Export;
use crate::{Discovery, Source, SourceContext, SourceError, SourceFile};
use nhi_model::{Credential, Edge, EdgeKind, Location};
use secret::Sighting;
use serde::de::DeserializeOwned;

/// How far into a file content checks look.
const SNIFF_WINDOW: usize = 64 * 1024;

/// Reads credential files.
pub(crate) struct CredentialFiles;

/// Which credential file this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CredFile {
    AwsCredentials,
    AwsConfig,
    GcloudAdc,
    AzureMsalCache,
    AzureAccessTokens,
    AzureServicePrincipals,
    Kubeconfig,
    DockerConfig,
    Npmrc,
    Pypirc,
    Netrc,
    GitCredentials,
    Dotenv,
    TerraformState,
    TokenFile,
}

fn classify(file: &SourceFile) -> Option<CredFile> {
    let path = file.path.replace('\\', "/");
    let name = file.file_name();
    let head = &file.bytes[..file.bytes.len().min(SNIFF_WINDOW)];
    let has = |marker: &str| memchr::memmem::find(head, marker.as_bytes()).is_some();
    let kind = match name {
        "credentials" if path.ends_with(".aws/credentials") => CredFile::AwsCredentials,
        "config" if path.ends_with(".aws/config") => CredFile::AwsConfig,
        "config" if path.ends_with(".kube/config") => CredFile::Kubeconfig,
        "config.json" if path.ends_with(".docker/config.json") => CredFile::DockerConfig,
        ".dockercfg" | ".dockerconfigjson" => CredFile::DockerConfig,
        "msal_token_cache.json" => CredFile::AzureMsalCache,
        "accessTokens.json" => CredFile::AzureAccessTokens,
        "service_principal_entries.json" => CredFile::AzureServicePrincipals,
        ".npmrc" | "npmrc" => CredFile::Npmrc,
        ".pypirc" => CredFile::Pypirc,
        ".netrc" | "_netrc" => CredFile::Netrc,
        ".git-credentials" => CredFile::GitCredentials,
        "credentials" if path.ends_with("git/credentials") => CredFile::GitCredentials,
        "application_default_credentials.json" | "adc.json" => CredFile::GcloudAdc,
        _ if name.ends_with(".tfstate") || name.ends_with(".tfstate.backup") => {
            CredFile::TerraformState
        }
        _ if dotenv::is_dotenv_name(name) => CredFile::Dotenv,
        _ if token_file::is_token_name(name)
            && jwt::looks_like(String::from_utf8_lossy(head).trim()) =>
        {
            CredFile::TokenFile
        }
        _ if name.ends_with(".json")
            && has("\"refresh_token\"")
            && gcloud::has_type_marker(head) =>
        {
            CredFile::GcloudAdc
        }
        _ if kubeconfig::looks_like(name, head) => CredFile::Kubeconfig,
        _ => return None,
    };
    Some(kind)
}

impl Source for CredentialFiles {
    fn name(&self) -> &'static str {
        "credential-files"
    }

    fn recognises(&self, file: &SourceFile) -> bool {
        classify(file).is_some()
    }

    fn read(&self, file: &SourceFile, ctx: &SourceContext, out: &mut Discovery) {
        let Some(kind) = classify(file) else {
            return;
        };
        let text = match std::str::from_utf8(
            file.bytes
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or(file.bytes),
        ) {
            Ok(text) if !text.contains('\0') => text,
            _ => {
                return out
                    .errors
                    .push(SourceError::new(file.path, None, "not a text file"))
            }
        };
        let mut found = Found {
            path: file.path,
            ctx,
            holder: crate::host::root::home_account(file.path),
            out,
        };
        match kind {
            CredFile::AwsCredentials => aws::read(text, "aws-credentials", &mut found),
            CredFile::AwsConfig => aws::read(text, "aws-config", &mut found),
            CredFile::GcloudAdc => gcloud::read(text, &mut found),
            CredFile::AzureMsalCache => azure::read_msal_cache(text, &mut found),
            CredFile::AzureAccessTokens => azure::read_access_tokens(text, &mut found),
            CredFile::AzureServicePrincipals => azure::read_service_principals(text, &mut found),
            CredFile::Kubeconfig => kubeconfig::read(text, &mut found),
            CredFile::DockerConfig => docker::read(text, &mut found),
            CredFile::Npmrc => npmrc::read(text, &mut found),
            CredFile::Pypirc => pypirc::read(text, &mut found),
            CredFile::Netrc => netrc::read(text, &mut found),
            CredFile::GitCredentials => git_credentials::read(text, &mut found),
            CredFile::Dotenv => dotenv::read(text, &mut found),
            CredFile::TerraformState => tfstate::read(text, &mut found),
            CredFile::TokenFile => token_file::read(text, &mut found),
        }
    }
}

/// What a reader needs to report: the file, fingerprints, the account whose home holds the
/// file, and the discovery to fill.
pub(crate) struct Found<'a, 'o> {
    pub path: &'a str,
    pub ctx: &'a SourceContext<'a>,
    /// `host:account:<host>/<user>` when the file is in a home of a host tree.
    pub holder: Option<String>,
    pub out: &'o mut Discovery,
}

impl<'a> Found<'a, '_> {
    /// A location in this file.
    pub(crate) fn at(&self, line: Option<u32>) -> Location {
        Location::file(self.path, line)
    }

    /// An error about this file.
    pub(crate) fn error(&mut self, line: Option<u32>, message: impl Into<String>) {
        self.out
            .errors
            .push(SourceError::new(self.path, line, message));
    }

    /// Parse `text` as JSON of type `T`; a parse error (naming the file and line) is reported and
    /// gives `None`. The export is returned too, for finding the lines of records.
    pub(crate) fn json<'t, T: DeserializeOwned>(
        &mut self,
        text: &'t str,
        what: &'static str,
    ) -> Option<(T, Export<'t>)>
    where
        'a: 't,
    {
        let file = SourceFile {
            path: self.path,
            bytes: text.as_bytes(),
        };
        let parsed =
            Export::new(&file, what).and_then(|export| export.parse().map(|value| (value, export)));
        parsed.map_err(|err| self.out.errors.push(err)).ok()
    }

    /// Add a literal secret as a credential, with `attributes`; returns its id.
    pub(crate) fn secret(
        &mut self,
        sighting: Sighting,
        attributes: &[(&str, serde_json::Value)],
    ) -> String {
        let mut credential = sighting.into_credential(self.ctx.fingerprinter);
        for (key, value) in attributes {
            credential
                .attributes
                .insert((*key).to_string(), value.clone());
        }
        self.credential(credential)
    }

    /// Add a credential; the holder of the home it sits in `owns` it. Returns its id.
    pub(crate) fn credential(&mut self, credential: Credential) -> String {
        let id = credential.id.clone();
        if let Some(holder) = &self.holder {
            let mut edge = Edge {
                from: holder.clone(),
                to: id.clone(),
                kind: EdgeKind::Owns,
                attributes: Default::default(),
            };
            edge.attributes
                .insert("method".into(), "credential file in home".into());
            edge.attributes.insert("path".into(), self.path.into());
            self.out.inventory.edges.push(edge);
        }
        self.out.inventory.add_credential(credential);
        id
    }
}

#[cfg(test)]
mod tests;
