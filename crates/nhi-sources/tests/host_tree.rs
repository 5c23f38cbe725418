//! Builds a whole host tree in a temporary folder (accounts, sudoers, crontabs, a unit, SSH keys,
//! every kind of credential file, AI agent configs, bad files), scans it the way `nhi scan` does
//! and checks the exact inventory of the host, credential-file and MCP sources, the errors, and
//! the exact findings of their rules.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use nhi_model::{CredentialKind, EdgeKind, Fingerprinter, IdentityKind, Inventory};
use nhi_sources::{scan_paths, ScanOptions, ScanOutcome, SourceContext};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const GITHUB_TOKEN: &str = "ghp_LarkspurFreight0123456789abcdefABCD";

fn jwt(header: &str, claims: &str, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    )
}

fn fixture(path: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path),
    )
    .expect("committed fixture")
}

/// Every file of the tree: path inside the tree, content.
fn files() -> Vec<(&'static str, Vec<u8>)> {
    let ssh_key = String::from_utf8(fixture("ssh/id_ed25519.pub")).unwrap();
    let certificate = STANDARD.encode(fixture("x509/rsa1024_selfsigned.pem"));
    let legacy_token = jwt(
        r#"{"alg":"RS256","kid":"k1"}"#,
        r#"{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:ci:deployer"}"#,
        "c2lnbmF0dXJl",
    );
    let unsigned = jwt(
        r#"{"alg":"none"}"#,
        r#"{"sub":"billing","iat":1700000000,"exp":1700003600}"#,
        "",
    );
    let text = |s: &str| s.as_bytes().to_vec();
    vec![
        ("web-01/etc/hostname", text("web-01\n")),
        (
            "web-01/etc/passwd",
            text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                  www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nbackup:x:34:34:backup:/var/backups:/bin/sh\n\
                  postgres:x:114:120:PostgreSQL administrator:/var/lib/postgresql:/bin/bash\n\
                  deploy:x:1001:1001:Deploy bot:/home/deploy:/bin/bash\nalice:x:1002:1002:Alice Ops:/home/alice:/bin/zsh\n\
                  ci-bot:x:1003:1003::/home/ci-bot:/bin/bash\nthis line is broken\n"),
        ),
        (
            "web-01/etc/shadow",
            text("root:$y$j9T$abc$def:19500:0:99999:7:::\ndaemon:*:19500:0:99999:7:::\nwww-data:*:19500:0:99999:7:::\n\
                  backup:!:19500:0:99999:7:::\npostgres:$6$salt$pghash:19000:0:99999:7:::\n\
                  deploy:$6$salt$deployhash:19100:0:90:7:::\nalice:$y$j9T$x$y:19700:0:99999:7:::\nci-bot::19200:0:99999:7:::\n"),
        ),
        ("web-01/etc/group", text("root:x:0:\nsudo:x:27:alice\nadmin:x:1010:backup\ndeploy:x:1001:\n")),
        (
            "web-01/etc/sudoers",
            text("Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n%admin ALL=(root) NOPASSWD: /bin/bash\n#includedir /etc/sudoers.d\n"),
        ),
        ("web-01/etc/sudoers.d/deploy", text("deploy ALL=(ALL) NOPASSWD: ALL\n")),
        ("web-01/etc/sudoers.d/broken", text("ci-bot ALL NOPASSWD: ALL\n")),
        ("web-01/etc/crontab", text("SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")),
        ("web-01/etc/cron.d/backup", text("30 2 * * * backup /usr/bin/mysqldump -uroot -pS3cretDump99 shop\n")),
        (
            "web-01/var/spool/cron/crontabs/deploy",
            text("API_TOKEN=tok_live_8f2a9c7e1d3b5a60\n@daily /opt/deploy/sync.sh\nnot a cron line\n"),
        ),
        ("web-01/var/spool/cron/crontabs/ghost", b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec()),
        (
            "web-01/etc/systemd/system/billing.service",
            text("[Unit]\nDescription=Billing API\n[Service]\nUser=deploy\nEnvironment=\"DB_PASSWORD=Bi11ingDbPass!\" \"LOG_LEVEL=info\"\n\
                  LoadCredential=stripe:/etc/billing/stripe.key\nExecStart=/opt/billing/bin/api --listen 0.0.0.0:8080\n[Install]\nWantedBy=multi-user.target\n"),
        ),
        ("web-01/home/deploy/.ssh/id_ed25519.pub", text(&ssh_key)),
        ("web-01/home/deploy/.ssh/authorized_keys", text(&ssh_key)),
        (
            "web-01/home/deploy/.aws/credentials",
            text("[default]\naws_access_key_id = AKIA2LARKSPUR0000003\naws_secret_access_key = p8Zr7LarkspurSecretKey0123456789abcdEfGh\n\
                  [session]\naws_access_key_id = ASIA2LARKSPUR0000004\naws_secret_access_key = k2Lr7LarkspurSecretKey0123456789abcdEfGh\naws_session_token = FwoGZXIvYXdzEBYaDH\n"),
        ),
        ("web-01/home/deploy/.aws/config", text("[profile prod]\nsso_session = larkspur\nsso_account_id = 111122223333\n")),
        (
            "web-01/home/deploy/.kube/config",
            text(&format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://k8s.larkspur.example\n\
                 contexts:\n- name: prod\n  context:\n    cluster: prod\n    user: deployer\nusers:\n- name: deployer\n  user:\n    token: {legacy_token}\n\
                 - name: legacy-admin\n  user:\n    client-certificate-data: {certificate}\n"
            )),
        ),
        (
            "web-01/home/deploy/.docker/config.json",
            text(&format!(r#"{{"auths": {{"registry.larkspur.example": {{"auth": "{}"}}}}}}"#, STANDARD.encode("deploy:Reg1stryPassw0rd"))),
        ),
        ("web-01/home/deploy/.npmrc", text("//registry.npmjs.org/:_authToken=npm_LarkspurNpmToken0123456789abcdefgh\n")),
        ("web-01/home/deploy/.pypirc", text("[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmcLarkspur\n")),
        ("web-01/home/deploy/.netrc", text("machine ftp.larkspur.example login deploy password Ftp-Passw0rd-99\n")),
        ("web-01/home/deploy/.git-credentials", text("https://deploy:glpat-LarkspurGitlab0123456@gitlab.larkspur.example\n")),
        (
            "web-01/home/deploy/.config/gcloud/application_default_credentials.json",
            text(r#"{"type": "authorized_user", "client_id": "c.apps.googleusercontent.com", "refresh_token": "1//0gLarkspurRefreshToken0123"}"#),
        ),
        (
            "web-01/home/deploy/.azure/service_principal_entries.json",
            text(r#"[{"client_id": "7C1E0A52-3B0F-4C55-9E8A-1D2B3C4D5E6F", "tenant": "larkspur", "client_secret": "Az~LarkspurClientSecret.0123"}]"#),
        ),
        ("web-01/root/.kube/config", text("apiVersion: v1\nkind: Config\nusers: [\n  - name: x\n")),
        (
            "web-01/srv/app/.env",
            text(&format!("SESSION_JWT={unsigned}\nDB_PASSWORD=AppDbPassw0rd!\nLOG_LEVEL=debug\n")),
        ),
        (
            "web-01/srv/infra/terraform.tfstate",
            text(r#"{"version": 4, "resources": [
  {"mode": "managed", "type": "aws_iam_access_key", "name": "ci", "instances": [{"attributes": {"id": "AKIA2LARKSPUR0000001", "secret": "q9Zr7LarkspurSecretKey0123456789abcdEfGh", "user": "ci"}}]},
  {"mode": "managed", "type": "random_password", "name": "db", "instances": [{"attributes": {"id": "none", "result": "Tf-Generated-Passw0rd"}}]}]}"#),
        ),
        (
            "web-01/home/alice/.config/Claude/claude_desktop_config.json",
            text(&format!(
                r#"{{"mcpServers": {{
  "github": {{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{GITHUB_TOKEN}"}}}},
  "files": {{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.7.1", "/"]}},
  "tracker": {{"url": "http://mcp.tracker.larkspur.example/sse?api_key=tk_0123456789abcdef"}},
  "aws": {{"command": "uvx", "args": ["awslabs.aws-api-mcp-server==1.2.0"], "env": {{"AWS_ACCESS_KEY_ID": "AKIA2LARKSPUR0000002", "AWS_SECRET_ACCESS_KEY": "r7Zr7LarkspurSecretKey0123456789abcdEfGh"}}}}
}}}}"#
            )),
        ),
        (
            "web-01/home/alice/.cursor/mcp.json",
            text(&format!(
                "{{\n  // Cursor user config\n  \"mcpServers\": {{\"github\": {{\"command\": \"npx\", \"args\": [\"-y\", \"@modelcontextprotocol/server-github\"], \"env\": {{\"GITHUB_TOKEN\": \"{GITHUB_TOKEN}\"}}}},}}\n}}\n"
            )),
        ),
        (
            "web-01/home/alice/.codex/config.toml",
            text("[mcp_servers.shell]\ncommand = \"uvx\"\nargs = [\"mcp-shell-server==1.0.3\"]\n"),
        ),
        (
            "web-01/etc/claude-code/managed-mcp.json",
            text(r#"{"mcpServers": {"docs": {"type": "http", "url": "https://mcp.larkspur.example/docs", "headers": {"Authorization": "Bearer ${DOCS_TOKEN}"}}}}"#),
        ),
        (
            "cloud/aws/authorization-details.json",
            text(r#"{"UserDetailList": [{"Path": "/", "UserName": "ops-agent", "UserId": "AIDAOPSAGENT", "Arn": "arn:aws:iam::111122223333:user/ops-agent",
  "CreateDate": "2024-01-10T09:00:00Z", "GroupList": [], "UserPolicyList": [], "Tags": [],
  "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}],
 "GroupDetailList": [], "RoleDetailList": [],
 "Policies": [{"PolicyName": "AdministratorAccess", "PolicyId": "ANPAADMIN", "Arn": "arn:aws:iam::aws:policy/AdministratorAccess", "Path": "/",
  "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": true,
  "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "VersionId": "v1", "IsDefaultVersion": true}]}]}"#),
        ),
        (
            "cloud/aws/list-access-keys-ops-agent.json",
            text(r#"{"AccessKeyMetadata": [{"UserName": "ops-agent", "AccessKeyId": "AKIA2LARKSPUR0000002", "Status": "Active", "CreateDate": "2024-02-01T00:00:00+00:00"}]}"#),
        ),
    ]
}

struct Tree {
    root: PathBuf,
}

impl Tree {
    fn build() -> Tree {
        let root = std::env::temp_dir().join(format!("nhi-host-tree-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for (path, content) in files() {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        Tree { root }
    }

    fn scan(&self) -> ScanOutcome {
        let fingerprinter = Fingerprinter::new([1; 32]);
        let ctx = SourceContext {
            fingerprinter: &fingerprinter,
        };
        scan_paths(
            std::slice::from_ref(&self.root),
            &ScanOptions::default(),
            &ctx,
            &(),
        )
    }

    /// A path as reports show it, relative to the tree.
    fn relative<'a>(&self, path: &'a str) -> &'a str {
        let prefix = format!("{}/", self.root.display());
        path.strip_prefix(prefix.as_str()).unwrap_or(path)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Identities of the host and MCP sources: id (with the tree's paths made relative) and kind.
fn identities(tree: &Tree, inventory: &Inventory) -> Vec<(String, IdentityKind)> {
    let prefix = format!("{}/", tree.root.display());
    inventory
        .identities
        .values()
        .filter(|i| i.provider == "host" || i.provider == "mcp")
        .map(|i| (i.id.replace(&prefix, ""), i.kind))
        .collect()
}

/// Credentials the host, credential-file and MCP sources made: (kind, found_in, field, file).
fn credentials(
    tree: &Tree,
    inventory: &Inventory,
) -> BTreeSet<(CredentialKind, String, String, String)> {
    inventory
        .credentials
        .values()
        .filter_map(|c| {
            let found_in = c.attributes.get("found_in")?.as_str()?.to_string();
            let field = c
                .attributes
                .get("field")
                .and_then(|f| f.as_str())
                .unwrap_or("")
                .to_string();
            Some(c.locations.iter().map(move |l| {
                (
                    c.kind,
                    found_in.clone(),
                    field.clone(),
                    tree.relative(l.path.as_deref().unwrap_or("")).to_string(),
                )
            }))
        })
        .flatten()
        .collect()
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn a_whole_host_tree() {
    let tree = Tree::build();
    let outcome = tree.scan();
    let inventory = &outcome.inventory;

    // Accounts and agents, with their kinds.
    let daemon = IdentityKind::DaemonAccount;
    let agent = IdentityKind::AiAgent;
    let desktop = "web-01/home/alice/.config/Claude/claude_desktop_config.json";
    let expected: Vec<(String, IdentityKind)> = vec![
        (s("host:account:web-01/alice"), IdentityKind::Unknown),
        (s("host:account:web-01/backup"), daemon),
        (s("host:account:web-01/ci-bot"), daemon),
        (s("host:account:web-01/daemon"), daemon),
        (s("host:account:web-01/deploy"), daemon),
        (s("host:account:web-01/postgres"), daemon),
        (s("host:account:web-01/root"), daemon),
        (s("host:account:web-01/www-data"), daemon),
        (
            s("mcp:agent:claude-code:web-01/etc/claude-code/managed-mcp.json"),
            agent,
        ),
        (format!("mcp:agent:claude-desktop:{desktop}"), agent),
        (
            s("mcp:agent:codex:web-01/home/alice/.codex/config.toml"),
            agent,
        ),
        (
            s("mcp:agent:cursor:web-01/home/alice/.cursor/mcp.json"),
            agent,
        ),
        (
            s("mcp:server:claude-code:web-01/etc/claude-code/managed-mcp.json#docs"),
            agent,
        ),
        (format!("mcp:server:claude-desktop:{desktop}#aws"), agent),
        (format!("mcp:server:claude-desktop:{desktop}#files"), agent),
        (format!("mcp:server:claude-desktop:{desktop}#github"), agent),
        (
            format!("mcp:server:claude-desktop:{desktop}#tracker"),
            agent,
        ),
        (
            s("mcp:server:codex:web-01/home/alice/.codex/config.toml#shell"),
            agent,
        ),
        (
            s("mcp:server:cursor:web-01/home/alice/.cursor/mcp.json#github"),
            agent,
        ),
    ];
    assert_eq!(identities(&tree, inventory), expected);
    let alice = &inventory.identities["host:account:web-01/alice"];
    assert_eq!(alice.attributes["human"], true);
    assert_eq!(
        inventory.identities["host:account:web-01/ci-bot"].attributes["password"],
        "empty"
    );

    // Every credential, where it was found.
    use CredentialKind::*;
    let c = |kind, found_in: &str, field: &str, path: &str| (kind, s(found_in), s(field), s(path));
    let expected: BTreeSet<_> = [
        c(Password, "shadow", "", "web-01/etc/shadow"),
        c(Password, "crontab", "-p", "web-01/etc/cron.d/backup"),
        c(
            ApiToken,
            "crontab",
            "API_TOKEN",
            "web-01/var/spool/cron/crontabs/deploy",
        ),
        c(
            Password,
            "systemd-environment",
            "DB_PASSWORD",
            "web-01/etc/systemd/system/billing.service",
        ),
        c(
            AccessKey,
            "aws-credentials",
            "",
            "web-01/home/deploy/.aws/credentials",
        ),
        c(
            Jwt,
            "kubeconfig",
            "token",
            "web-01/home/deploy/.kube/config",
        ),
        c(
            X509Certificate,
            "kubeconfig",
            "client-certificate-data",
            "web-01/home/deploy/.kube/config",
        ),
        c(
            Password,
            "docker-config",
            "auth",
            "web-01/home/deploy/.docker/config.json",
        ),
        c(ApiToken, "npmrc", "_authToken", "web-01/home/deploy/.npmrc"),
        c(ApiToken, "pypirc", "password", "web-01/home/deploy/.pypirc"),
        c(Password, "netrc", "password", "web-01/home/deploy/.netrc"),
        c(
            ApiToken,
            "git-credentials",
            "password",
            "web-01/home/deploy/.git-credentials",
        ),
        c(
            OauthToken,
            "gcloud-adc",
            "refresh_token",
            "web-01/home/deploy/.config/gcloud/application_default_credentials.json",
        ),
        c(
            Password,
            "azure-cli-service-principal",
            "client_secret",
            "web-01/home/deploy/.azure/service_principal_entries.json",
        ),
        c(Jwt, "dotenv", "SESSION_JWT", "web-01/srv/app/.env"),
        c(Password, "dotenv", "DB_PASSWORD", "web-01/srv/app/.env"),
        c(
            AccessKey,
            "terraform-state",
            "secret",
            "web-01/srv/infra/terraform.tfstate",
        ),
        c(
            Password,
            "terraform-state",
            "result",
            "web-01/srv/infra/terraform.tfstate",
        ),
        c(
            ApiToken,
            "mcp-config",
            "env:GITHUB_PERSONAL_ACCESS_TOKEN",
            desktop,
        ),
        c(
            ApiToken,
            "mcp-config",
            "env:GITHUB_PERSONAL_ACCESS_TOKEN",
            "web-01/home/alice/.cursor/mcp.json",
        ),
        c(ApiToken, "mcp-config", "url:api_key", desktop),
        c(AccessKey, "mcp-config", "env:AWS_ACCESS_KEY_ID", desktop),
        // The same key, as the AWS listing shows it.
        c(
            AccessKey,
            "mcp-config",
            "env:AWS_ACCESS_KEY_ID",
            "cloud/aws/list-access-keys-ops-agent.json",
        ),
    ]
    .into_iter()
    .collect();
    let got = credentials(&tree, inventory);
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    let shared = inventory
        .credentials
        .values()
        .find(|c| {
            c.attributes.get("field").and_then(|f| f.as_str())
                == Some("env:GITHUB_PERSONAL_ACCESS_TOKEN")
        })
        .unwrap();
    assert_eq!(
        shared.paths().len(),
        2,
        "one token, two agent configs, one credential"
    );
    let kube_token = inventory
        .credentials
        .values()
        .find(|c| c.kind == Jwt && c.attributes["found_in"] == "kubeconfig")
        .unwrap();
    assert_eq!(
        kube_token.identity.as_deref(),
        Some("k8s:serviceaccount:ci/deployer")
    );
    assert!(inventory
        .credentials
        .contains_key("aws-access-key:AKIA2LARKSPUR0000003"));
    assert!(inventory
        .credentials
        .contains_key("aws-access-key:ASIA2LARKSPUR0000004"));

    // Edges: jobs run as accounts, groups, keys, homes.
    let edge = |from: &str, to_prefix: &str, kind| {
        inventory
            .edges
            .iter()
            .any(|e| e.from == from && e.to.starts_with(to_prefix) && e.kind == kind)
    };
    assert!(edge(
        "host:systemd:web-01/billing.service",
        "host:account:web-01/deploy",
        EdgeKind::Uses
    ));
    assert!(edge(
        "host:cron:web-01/etc/cron.d/backup",
        "host:account:web-01/backup",
        EdgeKind::Uses
    ));
    assert!(edge(
        "host:account:web-01/backup",
        "host:group:web-01/admin",
        EdgeKind::MemberOf
    ));
    assert!(edge(
        "host:account:web-01/deploy",
        "ssh:key:SHA256:",
        EdgeKind::Owns
    ));
    assert!(inventory
        .edges
        .iter()
        .any(|e| e.from.starts_with("ssh:key:SHA256:")
            && e.to == "host:account:web-01/deploy"
            && e.kind == EdgeKind::CanAssume));
    assert!(edge(
        "host:account:web-01/deploy",
        "aws-access-key:AKIA2LARKSPUR0000003",
        EdgeKind::Owns
    ));
    assert!(edge(
        "host:account:web-01/alice",
        "mcp:agent:cursor:",
        EdgeKind::Uses
    ));

    // Bad input: one error each, naming the file and the line, and the rest still counts.
    let mut errors: Vec<(String, Option<u32>)> = outcome
        .errors
        .iter()
        .filter(|e| !e.message.starts_with("k8s") && !e.message.contains("document"))
        .map(|e| (tree.relative(&e.path).to_string(), e.line))
        .collect();
    errors.sort();
    errors.dedup();
    assert!(
        errors.contains(&(s("web-01/etc/passwd"), Some(9))),
        "{errors:?}"
    );
    assert!(
        errors.contains(&(s("web-01/etc/sudoers.d/broken"), Some(1))),
        "{errors:?}"
    );
    assert!(
        errors.contains(&(s("web-01/var/spool/cron/crontabs/deploy"), Some(3))),
        "{errors:?}"
    );
    assert!(
        errors.contains(&(s("web-01/var/spool/cron/crontabs/ghost"), None)),
        "{errors:?}"
    );
    let kube_error = outcome.errors.iter().find(|e| {
        e.path.ends_with("root/.kube/config") && e.message.starts_with("not a valid kubeconfig")
    });
    assert!(
        kube_error.is_some_and(|e| e.line.is_some()),
        "{:?}",
        outcome.errors
    );

    // The findings of the host, credential-file and MCP rules, exactly.
    let ctx = nhi_analysis::AnalysisContext::new(
        chrono::DateTime::from_timestamp(1_780_272_000, 0).unwrap(),
    );
    let findings = nhi_analysis::analyse(inventory, &ctx);
    let families = [
        "host-",
        "aws-static-key",
        "plaintext-registry",
        "kubeconfig-",
        "terraform-",
        "jwt-",
        "mcp-",
    ];
    let mut got: Vec<(String, String)> = findings
        .iter()
        .filter(|f| families.iter().any(|p| f.rule.starts_with(p)))
        .map(|f| {
            (
                f.rule.clone(),
                f.subjects[0].replace(&format!("{}/", tree.root.display()), ""),
            )
        })
        .collect();
    got.sort();
    let fp = Fingerprinter::new([1; 32]);
    let id = |kind: CredentialKind, value: &str| {
        format!("{}:{}", kind.as_str(), fp.fingerprint(value.as_bytes()))
    };
    let mut expected: Vec<(String, String)> = vec![
        (
            s("host-service-account-login-password"),
            s("host:account:web-01/deploy"),
        ),
        (
            s("host-service-account-login-password"),
            s("host:account:web-01/postgres"),
        ),
        (
            s("host-account-empty-password"),
            s("host:account:web-01/ci-bot"),
        ),
        (
            s("host-service-account-sudo-nopasswd-all"),
            s("host:account:web-01/deploy"),
        ),
        (
            s("host-service-account-sudo-nopasswd-all"),
            s("host:account:web-01/backup"),
        ),
        (
            s("host-systemd-unit-secret"),
            id(Password, "Bi11ingDbPass!"),
        ),
        (s("host-crontab-secret"), id(Password, "S3cretDump99")),
        (
            s("host-crontab-secret"),
            id(ApiToken, "tok_live_8f2a9c7e1d3b5a60"),
        ),
        (
            s("aws-static-key-in-credentials-file"),
            s("aws-access-key:AKIA2LARKSPUR0000003"),
        ),
        (
            s("plaintext-registry-token"),
            id(Password, "Reg1stryPassw0rd"),
        ),
        (
            s("plaintext-registry-token"),
            id(ApiToken, "npm_LarkspurNpmToken0123456789abcdefgh"),
        ),
        (
            s("plaintext-registry-token"),
            id(ApiToken, "pypi-AgEIcHlwaS5vcmcLarkspur"),
        ),
        (
            s("plaintext-registry-token"),
            id(Password, "Ftp-Passw0rd-99"),
        ),
        (
            s("plaintext-registry-token"),
            id(ApiToken, "glpat-LarkspurGitlab0123456"),
        ),
        (
            s("kubeconfig-static-token"),
            inventory
                .credentials
                .values()
                .find(|c| c.kind == Jwt && c.attributes["found_in"] == "kubeconfig")
                .unwrap()
                .id
                .clone(),
        ),
        (s("jwt-no-expiry"), kube_token.id.clone()),
        (
            s("kubeconfig-client-certificate-long-lived"),
            inventory
                .credentials
                .values()
                .find(|c| c.kind == X509Certificate)
                .unwrap()
                .id
                .clone(),
        ),
        (
            s("terraform-state-secret"),
            s("aws-access-key:AKIA2LARKSPUR0000001"),
        ),
        (
            s("terraform-state-secret"),
            id(Password, "Tf-Generated-Passw0rd"),
        ),
        (
            s("jwt-alg-none"),
            inventory
                .credentials
                .values()
                .find(|c| c.attributes.get("field").and_then(|f| f.as_str()) == Some("SESSION_JWT"))
                .unwrap()
                .id
                .clone(),
        ),
        (
            s("jwt-expired-present"),
            inventory
                .credentials
                .values()
                .find(|c| c.attributes.get("field").and_then(|f| f.as_str()) == Some("SESSION_JWT"))
                .unwrap()
                .id
                .clone(),
        ),
        (s("mcp-plaintext-secret"), shared.id.clone()),
        (
            s("mcp-plaintext-secret"),
            id(ApiToken, "tk_0123456789abcdef"),
        ),
        (
            s("mcp-plaintext-secret"),
            s("aws-access-key:AKIA2LARKSPUR0000002"),
        ),
        (s("mcp-token-shared-across-agents"), shared.id.clone()),
        (s("mcp-token-in-url"), id(ApiToken, "tk_0123456789abcdef")),
        (
            s("mcp-agent-cloud-admin-credential"),
            s("aws-access-key:AKIA2LARKSPUR0000002"),
        ),
        (
            s("mcp-unpinned-server-package"),
            format!("mcp:server:claude-desktop:{desktop}#github"),
        ),
        (
            s("mcp-unpinned-server-package"),
            s("mcp:server:cursor:web-01/home/alice/.cursor/mcp.json#github"),
        ),
        (
            s("mcp-remote-plain-http"),
            format!("mcp:server:claude-desktop:{desktop}#tracker"),
        ),
        (
            s("mcp-server-unrestricted-reach"),
            format!("mcp:server:claude-desktop:{desktop}#files"),
        ),
        (
            s("mcp-server-unrestricted-reach"),
            s("mcp:server:codex:web-01/home/alice/.codex/config.toml#shell"),
        ),
    ];
    expected.sort();
    assert_eq!(got, expected);

    // No plaintext secret anywhere in the inventory or the findings.
    let json = serde_json::to_string(&(inventory, &findings)).unwrap();
    for secret in [
        GITHUB_TOKEN,
        "Bi11ingDbPass!",
        "S3cretDump99",
        "Reg1stryPassw0rd",
        "Tf-Generated-Passw0rd",
        "q9Zr7LarkspurSecretKey",
        "$6$salt$deployhash",
    ] {
        assert!(!json.contains(secret), "{secret} leaked");
    }
}
