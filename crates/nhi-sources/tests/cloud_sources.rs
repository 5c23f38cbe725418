//! Scans the GCP and Azure fixtures (`tests/fixtures/{gcp,azure}/`) the way the CLI does and checks
//! the inventory they make: identities merged across exports, credentials without secrets, grants
//! with their scopes, and one clear error per bad input while the rest still counts.

use nhi_model::{CredentialKind, CredentialStatus, Fingerprinter, Grant, IdentityKind, Inventory};
use nhi_sources::{scan_paths, ScanOptions, ScanOutcome, SourceContext};
use std::path::PathBuf;

fn fingerprinter() -> Fingerprinter {
    Fingerprinter::new([7; 32])
}

fn scan(paths: &[PathBuf]) -> ScanOutcome {
    let fingerprinter = fingerprinter();
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    scan_paths(paths, &ScanOptions::default(), &ctx, &())
}

fn fixtures(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
}

fn grants_of<'a>(inventory: &'a Inventory, identity: &str) -> Vec<&'a Grant> {
    inventory
        .grants
        .iter()
        .filter(|g| g.identity == identity)
        .collect()
}

fn attribute<'a>(attributes: &'a nhi_model::Attributes, key: &str) -> Option<&'a str> {
    attributes.get(key).and_then(|v| v.as_str())
}

const CI: &str = "gcp:serviceaccount:ci-deployer@acme-shipping.iam.gserviceaccount.com";
const CI_KEY: &str = "gcp-sa-key:3f9a1c0e7b52d8846a1e0c9b7d2f4a6e5c3b1d09";

#[test]
fn gcp_exports_merge_into_accounts_keys_and_grants() {
    let outcome = scan(&[fixtures("gcp")]);
    let inventory = &outcome.inventory;

    // The account from the listing, the policy, the key listing and the key file is one identity.
    let ci = &inventory.identities[CI];
    assert_eq!(ci.kind, IdentityKind::ServiceAccount);
    assert_eq!(ci.name, "ci-deployer@acme-shipping.iam.gserviceaccount.com");
    assert_eq!(ci.attributes["disabled"], false);
    assert_eq!(
        attribute(&ci.attributes, "unique_id"),
        Some("104857392018475610293")
    );
    assert_eq!(
        attribute(&ci.attributes, "display_name"),
        Some("CI deployer")
    );
    let legacy = &inventory.identities
        ["gcp:serviceaccount:legacy-edi@acme-shipping.iam.gserviceaccount.com"];
    assert_eq!(legacy.attributes["disabled"], true);

    // Default accounts are marked, and the policy's agents tell the project of the numbered one.
    let compute = &inventory.identities
        ["gcp:serviceaccount:318274650091-compute@developer.gserviceaccount.com"];
    assert_eq!(
        attribute(&compute.attributes, "default_account"),
        Some("compute-engine")
    );
    assert_eq!(
        attribute(&compute.attributes, "project"),
        Some("acme-shipping")
    );
    assert_eq!(
        attribute(&compute.attributes, "project_number"),
        Some("318274650091")
    );
    let app_engine =
        &inventory.identities["gcp:serviceaccount:acme-shipping@appspot.gserviceaccount.com"];
    assert_eq!(
        attribute(&app_engine.attributes, "default_account"),
        Some("app-engine")
    );
    let agent = &inventory.identities
        ["gcp:serviceaccount:service-318274650091@gcp-sa-pubsub.iam.gserviceaccount.com"];
    assert_eq!(agent.attributes["google_managed"], true);
    assert!(!inventory
        .identities
        .keys()
        .any(|id| id.contains("svc.id.goog") || id.starts_with("gcp:user:")));

    // The listed key and the key file are one credential seen in two files.
    let key = &inventory.credentials[CI_KEY];
    assert_eq!(key.kind, CredentialKind::AccessKey);
    assert_eq!(key.identity.as_deref(), Some(CI));
    assert_eq!(key.status, CredentialStatus::Active);
    assert_eq!(
        key.created.unwrap().to_rfc3339(),
        "2023-03-14T09:26:53+00:00"
    );
    assert_eq!(key.expires, None);
    assert_eq!(key.attributes["never_expires"], true);
    assert_eq!(attribute(&key.attributes, "key_type"), Some("USER_MANAGED"));
    assert_eq!(
        key.fingerprint,
        fingerprinter().fingerprint(CI_KEY.as_bytes())
    );
    let private = attribute(&key.attributes, "private_key_fingerprint").unwrap();
    assert!(private.starts_with("fp1:"));
    let mut files: Vec<&str> = key
        .paths()
        .into_iter()
        .map(|p| p.rsplit('/').next().unwrap())
        .collect();
    files.sort_unstable();
    assert_eq!(
        files,
        [
            "keys_list_mixed_types.json",
            "service_account_key_file.json"
        ]
    );
    assert_eq!(
        key.locations.iter().map(|l| l.line).collect::<Vec<_>>(),
        [Some(6), Some(4)]
    );
    let disabled = &inventory.credentials["gcp-sa-key:0b1d3f5a7c9e2b4d6f8a0c2e4a6c8e0b2d4f6a8c"];
    assert_eq!(disabled.status, CredentialStatus::Inactive);
    let legacy_key = &inventory.credentials["gcp-sa-key:5e7a9c1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c"];
    assert_eq!(
        legacy_key.expires.unwrap().to_rfc3339(),
        "2033-09-17T15:45:00+00:00"
    );
    assert_eq!(
        legacy_key.locations[0].account, None,
        "project '-' names no project"
    );
    assert_eq!(inventory.credentials.len(), 4);
    let text = serde_json::to_string(inventory).unwrap();
    assert!(
        !text.contains("PRIVATE KEY") && !text.contains("RklYVFVSRS1"),
        "no key material kept"
    );

    // Bindings become grants on the scope each policy is attached to.
    let editor = grants_of(inventory, &compute.id);
    assert_eq!(editor.len(), 1);
    assert_eq!(editor[0].actions, ["roles/editor"]);
    assert_eq!(editor[0].resources, ["projects/acme-shipping"]);
    assert_eq!(
        editor[0].source.as_deref(),
        Some("gcp:iam-policy:projects/acme-shipping")
    );
    let location = editor[0].location.as_ref().unwrap();
    assert_eq!(
        (location.line, location.account.as_deref()),
        (Some(9), Some("projects/acme-shipping"))
    );
    let conditional = &grants_of(
        inventory,
        "gcp:serviceaccount:route-planner@acme-shipping.iam.gserviceaccount.com",
    )[0];
    assert_eq!(
        conditional.conditions.as_ref().unwrap()["title"],
        "migration-window"
    );
    let org = grants_of(inventory, "gcp:group:platform-admins@acme.example");
    assert_eq!(org[0].resources, ["organizations/583920174466"]);
    let public = grants_of(inventory, "gcp:public:allUsers");
    assert_eq!(
        public[0].resources,
        ["//storage.googleapis.com/acme-shipping-manifests"]
    );
    assert_eq!(
        public[0].location.as_ref().unwrap().account.as_deref(),
        Some("projects/318274650091")
    );
    let on_one_account = grants_of(inventory, "gcp:user:oncall@acme.example");
    assert_eq!(
        on_one_account[0].resources,
        ["projects/acme-shipping/serviceAccounts/ci-deployer@acme-shipping.iam.gserviceaccount.com"]
    );
    assert_eq!(
        grants_of(inventory, "k8s:serviceaccount:dispatch/api").len(),
        1
    );
    assert_eq!(grants_of(inventory, "gcp:domain:acme.example").len(), 1);
    assert_eq!(inventory.grants.len(), 16);

    // One error per bad input, naming the file (and line); everything else still counts.
    let errors: Vec<String> = outcome.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("truncated_policy.json:26: truncated JSON")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("keys_rest_shape_with_bad_name.json:13:")
                && e.contains("not-a-resource-name")),
        "{errors:#?}"
    );
}

const DISPATCH: &str = "azure:serviceprincipal:3c8e1f5a-7b2d-4e9c-a1f6-0d4b8e2c6a91";

#[test]
fn azure_exports_make_principals_credentials_and_assignments() {
    let outcome = scan(&[fixtures("azure")]);
    let inventory = &outcome.inventory;

    // An application and its service principal (any casing) are one identity.
    let dispatch = &inventory.identities[DISPATCH];
    assert_eq!(dispatch.kind, IdentityKind::ServicePrincipal);
    assert_eq!(dispatch.name, "dispatch-api");
    assert_eq!(
        attribute(&dispatch.attributes, "object_id"),
        Some("a1d3f5b7-9c2e-4a6f-8b1d-3e5f7a9c2b4d")
    );
    assert_eq!(
        attribute(&dispatch.attributes, "application_object_id"),
        Some("7e9a1c3e-5b2d-4f6a-8c1e-3a5c7e9b1d3f")
    );
    assert_eq!(
        attribute(&dispatch.attributes, "app_owner_tenant"),
        Some("2f4a9c61-8e3b-4d7a-b5c2-91e0d6f3a847")
    );
    assert_eq!(
        dispatch.created.unwrap().to_rfc3339(),
        "2023-11-20T14:02:11+00:00"
    );

    // A managed identity from the service principal listing and from `az identity list` merges.
    let invoice =
        &inventory.identities["azure:managedidentity:e5b7d9f1-3a2c-4e4d-b6f8-0c2e4a6b8d0f"];
    assert_eq!(invoice.kind, IdentityKind::ManagedIdentity);
    assert_eq!(
        attribute(&invoice.attributes, "tenant_id"),
        Some("2f4a9c61-8e3b-4d7a-b5c2-91e0d6f3a847")
    );
    assert_eq!(
        attribute(&invoice.attributes, "subscription"),
        Some("0b6d2e84-5f19-4c3a-8e7d-a2c4f6b8d0e1")
    );
    assert_eq!(invoice.tags["cost-center"], "4410");
    assert!(attribute(&invoice.attributes, "resource_id")
        .unwrap()
        .ends_with("/mi-invoice-worker"));
    assert_eq!(inventory.identities.len(), 7);

    // Secrets and certificates, on the application or the principal; never a secret value.
    let secret = &inventory.credentials["azure-client-secret:2c4e6a8c-0e1b-4d3f-a5c7-9e1b3d5f7a9c"];
    assert_eq!(secret.kind, CredentialKind::Password);
    assert_eq!(secret.identity.as_deref(), Some(DISPATCH));
    assert_eq!(secret.redacted.as_deref(), Some("k9P***"));
    assert_eq!(attribute(&secret.attributes, "object"), Some("application"));
    assert_eq!(
        secret.created.unwrap().to_rfc3339(),
        "2024-02-01T09:30:00.123456700+00:00"
    );
    assert_eq!(
        secret.expires.unwrap().to_rfc3339(),
        "2099-02-01T09:30:00+00:00"
    );
    let on_sp = &inventory.credentials["azure-client-secret:e4b6d8f0-1a3c-4e5b-9d7f-2c4e6a8b0d1f"];
    assert_eq!(
        attribute(&on_sp.attributes, "object"),
        Some("service-principal")
    );
    let certificate =
        &inventory.credentials["azure-certificate:4e6a8c0e-2f1b-4d3c-a5e7-9b1d3f5a7c9f"];
    assert_eq!(certificate.kind, CredentialKind::X509Certificate);
    assert_eq!(certificate.locations[0].line, Some(45));
    assert!(
        !inventory
            .credentials
            .contains_key("azure-certificate:1b3d5f7a-9c2e-4b4d-8f6a-0c2e4a6c8e0b"),
        "a managed identity's own certificate is Azure's business"
    );
    assert_eq!(inventory.credentials.len(), 6);
    assert!(!serde_json::to_string(inventory)
        .unwrap()
        .contains("never-read-by-nhi"));

    // Role assignments are grants to object ids, with the role named even when only its id is.
    let vendor = grants_of(
        inventory,
        "azure:principal:b2e4a6c8-0d1f-4b3a-9c5e-7f9b1d3f5a7c",
    );
    assert_eq!(vendor[0].actions, ["Owner"]);
    assert_eq!(
        vendor[0].resources,
        ["/subscriptions/0b6d2e84-5f19-4c3a-8e7d-a2c4f6b8d0e1"]
    );
    let location = vendor[0].location.as_ref().unwrap();
    assert_eq!(
        location.account.as_deref(),
        Some("0b6d2e84-5f19-4c3a-8e7d-a2c4f6b8d0e1")
    );
    let backup = grants_of(
        inventory,
        "azure:principal:7a9c1e3b-5d4f-4a6b-8c0e-2d4f6a8c0e2b",
    );
    assert_eq!(backup[0].actions, ["Contributor"]);
    assert_eq!(
        grants_of(inventory, "azure:user:d9f1b3d5-7a6c-4e8f-a0b2-4c6e8a0c2e4f").len(),
        1
    );
    let conditional = grants_of(
        inventory,
        "azure:principal:0c2e4a6c-8e1b-4d3f-a5c7-9e1b3d5f7a9d",
    );
    assert!(conditional[0].conditions.is_some());
    assert_eq!(conditional[0].location.as_ref().unwrap().account, None);
    assert_eq!(inventory.grants.len(), 5);

    let errors: Vec<String> = outcome.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("truncated_role_assignments.json:26: truncated JSON"),
        "{errors:#?}"
    );
}

#[test]
fn powershell_utf16_output_reads_like_utf8() {
    let dir = std::env::temp_dir().join(format!("nhi-azure-utf16-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(fixtures("azure").join("identity_list.json")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.join("identities.json"), bytes).unwrap();
    let outcome = scan(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert_eq!(outcome.inventory.identities.len(), 2);
}

#[test]
fn unrelated_json_is_left_alone() {
    let dir = std::env::temp_dir().join(format!("nhi-cloud-unrelated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        r#"{"name": "x", "role": "admin", "members": []}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("adc.json"),
        r#"{"type": "authorized_user", "client_email": "a", "private_key_id": "b"}"#,
    )
    .unwrap();
    let outcome = scan(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    assert!(outcome.inventory.identities.is_empty());
}
