//! AI agent (MCP) risk rules over what the `mcp` source discovers.
//!
//! The contract with the source: agents are `mcp:agent:<client>:<path>`, servers
//! `mcp:server:<client>:<path>#<name>` with the attributes `agent`, `client`, `config_path`,
//! `location`, `disabled`, `launcher`, `package`, `package_version`, `pinned`, `url` (redacted),
//! `url_scheme`, `url_loopback`, `reach` and `filesystem_roots`; each server `uses` the credentials
//! it is given, which carry `found_in` `mcp-config`, `field` and `mcp_server`. AWS keys keep the
//! identity the AWS source gives them, so the cloud graph says whether they are admin.

mod credentials;
mod examples;
mod facts;
mod servers;

pub(crate) use credentials::{
    CloudAdminCredential, SharedAcrossAgents, PLAINTEXT_SECRET, TOKEN_IN_URL,
};
pub(crate) use servers::{PlainHttp, UnpinnedPackage, UnrestrictedReach};
