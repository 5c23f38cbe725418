//! The list of file sources. Adding a source means adding one line here.

use crate::Source;

/// Every built-in file source.
pub fn sources() -> &'static [&'static dyn Source] {
    &[
        &crate::x509::X509Source,
        &crate::ssh::SshSource,
        &crate::gcp::ServiceAccountList,
        &crate::gcp::ServiceAccountKeys,
        &crate::gcp::IamPolicy,
        &crate::gcp::KeyFile,
        &crate::aws::AuthorizationDetails,
        &crate::aws::CredentialReport,
        &crate::aws::AccessKeyList,
        &crate::aws::AccessKeyLastUsed,
        &crate::aws::OrganizationAccounts,
        &crate::azure::DirectoryObjects,
        &crate::azure::ManagedIdentities,
        &crate::azure::RoleAssignments,
        &crate::k8s::K8sSource,
        &crate::host::HostSource,
        &crate::credfiles::CredentialFiles,
        &crate::mcp::McpSource,
        &crate::cicd::GithubActions,
        &crate::cicd::GitlabCi,
    ]
}
