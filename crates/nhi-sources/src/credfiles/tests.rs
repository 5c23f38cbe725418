//! Each credential file kind read from text written here, and bad input.

use super::*;
use nhi_model::{CredentialKind, Fingerprinter};

/// Read `text` as the file at `path`, the way the walker would hand it over.
pub(super) fn read_as(path: &str, text: &str) -> Discovery {
    let fingerprinter = Fingerprinter::new([9; 32]);
    let ctx = SourceContext {
        fingerprinter: &fingerprinter,
    };
    let file = SourceFile {
        path,
        bytes: text.as_bytes(),
    };
    let mut out = Discovery::default();
    assert!(CredentialFiles.recognises(&file), "{path} not recognised");
    CredentialFiles.read(&file, &ctx, &mut out);
    out
}

/// The first credential of `kind` that `out` holds.
fn first_of(out: &Discovery, kind: CredentialKind) -> &nhi_model::Credential {
    let mut of_kind = out
        .inventory
        .credentials
        .values()
        .filter(|c| c.kind == kind);
    of_kind
        .next()
        .unwrap_or_else(|| panic!("no {kind:?} credential"))
}

fn kinds(out: &Discovery) -> Vec<(CredentialKind, String)> {
    out.inventory
        .credentials
        .values()
        .map(|c| {
            (
                c.kind,
                c.attributes
                    .get("found_in")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn registry_and_git_credentials() {
    let npm = read_as(
        "p/.npmrc",
        "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n//npm.pkg.github.com/:_authToken=${GH_TOKEN}\nbroken\n",
    );
    assert_eq!(
        kinds(&npm),
        vec![(CredentialKind::ApiToken, "npmrc".into())]
    );
    assert_eq!(npm.errors.len(), 1);
    let cred = npm.inventory.credentials.values().next().unwrap();
    assert_eq!(cred.attributes["registry"], "registry.npmjs.org");
    assert_eq!(cred.redacted.as_deref(), Some("npm_****89"));

    let pypi = read_as("h/.pypirc", "[distutils]\nindex-servers = pypi\n[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcCJGFiY2RlZg\n");
    assert_eq!(
        kinds(&pypi),
        vec![(CredentialKind::ApiToken, "pypirc".into())]
    );

    let netrc = read_as("h/.netrc", "machine api.example.com\n  login ci\n  password hunter2hunter2\nmacdef init\ncd /\n\ndefault login anonymous password x@y.z\n");
    assert_eq!(netrc.inventory.credentials.len(), 2, "{:?}", netrc.errors);
    assert!(netrc.errors.is_empty());

    let git = read_as("h/.git-credentials", "https://bot:ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com\nhttps://gitlab.com\nnot a url\n");
    assert_eq!(
        kinds(&git),
        vec![(CredentialKind::ApiToken, "git-credentials".into())]
    );
    assert_eq!(
        git.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![Some(3)]
    );

    let docker = read_as(
        "h/.docker/config.json",
        r#"{"auths": {"registry.larkspur.example": {"auth": "Y2k6czNjcmV0LXBhc3N3b3Jk"}, "ghcr.io": {}}, "credsStore": "desktop"}"#,
    );
    let cred = docker.inventory.credentials.values().next().unwrap();
    assert_eq!(
        (cred.kind, cred.attributes["username"].as_str()),
        (CredentialKind::Password, Some("ci"))
    );
    assert_eq!(docker.inventory.credentials.len(), 1);
}

#[test]
fn dotenv_with_an_aws_pair_and_a_jwt() {
    let jwt = jwt::make(r#"{"alg":"none"}"#, r#"{"sub":"svc","iat":1700000000}"#, "");
    let text = format!(
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nSESSION_JWT={jwt}\nDEBUG=true\nDATABASE_URL=postgres://app:pw-123456@db/app\n"
    );
    let out = read_as("svc/.env", &text);
    let mut kinds: Vec<CredentialKind> =
        out.inventory.credentials.values().map(|c| c.kind).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            CredentialKind::AccessKey,
            CredentialKind::Jwt,
            CredentialKind::ConnectionString
        ]
    );
    let token = first_of(&out, CredentialKind::Jwt);
    assert_eq!(token.attributes["jwt_alg"], "none");
    assert_eq!(token.attributes["jwt_no_expiry"], true);
    assert_eq!(token.created.unwrap().timestamp(), 1_700_000_000);
}

#[test]
fn cloud_cli_caches() {
    let adc = read_as(
        "h/.config/gcloud/application_default_credentials.json",
        r#"{"client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com", "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty", "refresh_token": "1//0gLarkspurRefreshTokenValue0123", "type": "authorized_user"}"#,
    );
    assert_eq!(
        kinds(&adc),
        vec![(CredentialKind::OauthToken, "gcloud-adc".into())]
    );

    let sp = read_as(
        "h/.azure/service_principal_entries.json",
        r#"[{"client_id": "1B2C3D4E-0000-4000-8000-000000000001", "tenant": "t1", "client_secret": "Xq8Q~larkspur.secret.value.0123"}]"#,
    );
    let cred = sp.inventory.credentials.values().next().unwrap();
    assert_eq!(
        cred.identity.as_deref(),
        Some("azure:serviceprincipal:1b2c3d4e-0000-4000-8000-000000000001")
    );

    let token = jwt::make(
        r#"{"alg":"RS256"}"#,
        r#"{"exp":1700003600,"appid":"app-1","idtyp":"app"}"#,
        "c2ln",
    );
    let msal = format!(
        r#"{{"AccessToken": {{"k1": {{"secret": "{token}", "client_id": "c", "realm": "t", "expires_on": "1700003600"}}}}, "RefreshToken": {{"k2": {{"secret": "0.AXoAlarkspur-refresh", "client_id": "c"}}}}}}"#
    );
    let out = read_as("h/.azure/msal_token_cache.json", &msal);
    let mut got: Vec<CredentialKind> = out.inventory.credentials.values().map(|c| c.kind).collect();
    got.sort();
    assert_eq!(got, vec![CredentialKind::OauthToken, CredentialKind::Jwt]);
    let access = first_of(&out, CredentialKind::Jwt);
    assert_eq!(
        access.identity.as_deref(),
        Some("azure:serviceprincipal:app-1")
    );
}

#[test]
fn terraform_state_secrets_and_versions() {
    let state = r#"{
  "version": 4,
  "resources": [
    {"mode": "managed", "type": "aws_iam_access_key", "name": "ci", "instances": [
      {"attributes": {"id": "AKIAIOSFODNN7EXAMPLE", "secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "user": "ci", "create_date": "2023-04-01T10:00:00Z"}}]},
    {"mode": "managed", "type": "random_password", "name": "db", "instances": [
      {"attributes": {"id": "none", "result": "Zq9-larkspur-db-password", "length": 24}}]},
    {"mode": "managed", "type": "aws_s3_object", "name": "o", "instances": [
      {"attributes": {"key": "reports/2024.csv", "public_key": "ssh-ed25519 AAAA"}}]},
    {"mode": "data", "type": "aws_caller_identity", "name": "me", "instances": []}
  ],
  "outputs": {"db_password": {"value": "Zq9-larkspur-db-password", "sensitive": true}}
}"#;
    let out = read_as("infra/terraform.tfstate", state);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let key = &out.inventory.credentials["aws-access-key:AKIAIOSFODNN7EXAMPLE"];
    assert_eq!(key.attributes["cleartext"], true);
    assert_eq!(key.attributes["address"], "aws_iam_access_key.ci");
    assert_eq!(
        key.created.unwrap().to_rfc3339(),
        "2023-04-01T10:00:00+00:00"
    );
    let passwords: Vec<&nhi_model::Credential> = out
        .inventory
        .credentials
        .values()
        .filter(|c| c.kind == CredentialKind::Password)
        .collect();
    assert_eq!(
        passwords.len(),
        1,
        "the output and the resource hold the same password"
    );
    assert_eq!(passwords[0].locations.len(), 2);

    let old = read_as("x.tfstate", r#"{"version": 3, "modules": []}"#);
    assert!(old.errors[0].message.contains("version 3"));
}

#[test]
fn terraform_state_secrets_sit_at_their_attribute_lines() {
    // Pretty-printed, as Terraform writes it: each attribute on a line of its own.
    let state = "{\n  \"version\": 4,\n  \"resources\": [\n    {\n      \"mode\": \"managed\",\n      \
                 \"type\": \"aws_iam_access_key\",\n      \"name\": \"ci\",\n      \"instances\": [\n        {\n          \
                 \"attributes\": {\n            \"id\": \"AKIAIOSFODNN7EXAMPLE\",\n            \"user\": \"ci\",\n            \
                 \"secret\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n          }\n        }\n      ]\n    },\n    {\n      \
                 \"mode\": \"managed\",\n      \"type\": \"random_password\",\n      \"name\": \"db\",\n      \"instances\": [\n        \
                 {\n          \"attributes\": {\n            \"id\": \"none\",\n            \"result\": \"Zq9-larkspur-db-password\"\n          \
                 }\n        }\n      ]\n    }\n  ]\n}\n";
    let out = read_as("infra/terraform.tfstate", state);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let lines = |id: &str| -> Vec<Option<u32>> {
        out.inventory.credentials[id]
            .locations
            .iter()
            .map(|l| l.line)
            .collect()
    };
    assert_eq!(
        lines("aws-access-key:AKIAIOSFODNN7EXAMPLE"),
        vec![Some(11), Some(13)],
        "the key id's line and its secret's"
    );
    let password = first_of(&out, CredentialKind::Password);
    assert_eq!(password.locations[0].line, Some(26));
}

#[test]
fn kubeconfig_tokens_certificates_and_bad_yaml() {
    let sa = jwt::make(
        r#"{"alg":"RS256"}"#,
        r#"{"sub":"system:serviceaccount:ci:deployer"}"#,
        "c2ln",
    );
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://prod.k8s.larkspur.example\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: deployer\nusers:\n- name: deployer\n  user:\n    token: {sa}\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token, --cluster-name, prod]\n"
    );
    let out = read_as("h/.kube/config", &text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.inventory.credentials.len(), 1);
    let token = out.inventory.credentials.values().next().unwrap();
    assert_eq!(token.kind, CredentialKind::Jwt);
    assert_eq!(
        token.identity.as_deref(),
        Some("k8s:serviceaccount:ci/deployer")
    );
    assert_eq!(
        token.attributes["clusters"],
        serde_json::json!(["https://prod.k8s.larkspur.example"])
    );
    assert_eq!(token.locations[0].line, Some(13));

    let bad = read_as(
        "h/.kube/config",
        "apiVersion: v1\nkind: Config\nusers: [\n  - name: x\n",
    );
    assert_eq!(bad.errors.len(), 1);
    assert!(
        bad.errors[0].message.starts_with("not a valid kubeconfig"),
        "{}",
        bad.errors[0]
    );
    assert!(bad.errors[0].line.is_some());
}

#[test]
fn binary_files_are_one_error() {
    let out = read_as("h/.netrc", "machine \0\u{1}");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].message, "not a text file");
}

#[test]
fn prose_named_env_is_not_a_dotenv_file_and_bad_lines_give_one_error() {
    let prose = read_as(
        "notes/release.env",
        "deploy the cluster\nrotate every token\n",
    );
    assert!(prose.errors.is_empty() && prose.inventory.credentials.is_empty());

    let out = read_as(
        "svc/.env",
        "PORT=80\nnot an assignment\nDB_PASSWORD=hunter2-Kq8\nalso bad\n",
    );
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].line, Some(2));
    assert!(out.errors[0].message.starts_with("2 malformed lines"));
    assert_eq!(
        out.inventory.credentials.len(),
        1,
        "the good lines are still read"
    );
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    const PATHS: &[&str] = &[
        "h/.aws/credentials",
        "h/.kube/config",
        "h/.docker/config.json",
        "h/.npmrc",
        "h/.pypirc",
        "h/.netrc",
        "h/.git-credentials",
        "s/.env",
        "s/x.tfstate",
        "h/.azure/msal_token_cache.json",
        "h/.azure/accessTokens.json",
        "h/.config/gcloud/application_default_credentials.json",
    ];

    proptest! {
        #[test]
        fn any_bytes_in_any_credential_file_read_without_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            index in 0..PATHS.len(),
        ) {
            let fingerprinter = Fingerprinter::new([2; 32]);
            let ctx = SourceContext { fingerprinter: &fingerprinter };
            let file = SourceFile { path: PATHS[index], bytes: &bytes };
            let mut out = Discovery::default();
            CredentialFiles.read(&file, &ctx, &mut out);
        }

        #[test]
        fn mangled_structured_text_reads_without_panic(
            text in "[\\[\\]{}:=\"',a-z_ \n.@/-]{0,200}",
            index in 0..PATHS.len(),
        ) {
            let fingerprinter = Fingerprinter::new([2; 32]);
            let ctx = SourceContext { fingerprinter: &fingerprinter };
            let file = SourceFile { path: PATHS[index], bytes: text.as_bytes() };
            let mut out = Discovery::default();
            CredentialFiles.read(&file, &ctx, &mut out);
        }
    }
}
