//! GCP audit, Entra ID sign-in and GitHub audit logs end to end: each container they come in is
//! recognised without being told, Sigma rules written with SigmaHQ's field names for them route
//! and match, and the behavioural detectors judge their identities like any other.

use nhi_detect::{earliest_time, normalise, BehaviourConfig, Hunt, LogSource, SigmaEngine};
use serde_json::{json, Value};

fn gcp_entry(id: &str, minute: u32, method: &str, ip: &str, code: i64) -> Value {
    json!({
        "insertId": id,
        "logName": "projects/shop/logs/cloudaudit.googleapis.com%2Factivity",
        "timestamp": format!("2024-05-01T10:{minute:02}:00Z"),
        "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "serviceName": "iam.googleapis.com",
            "methodName": method,
            "authenticationInfo": {"principalEmail": "ci@shop.iam.gserviceaccount.com"},
            "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": "terraform/1.7"},
            "status": {"code": code}
        }
    })
}

/// A listing, then a key created: one service account, from one address.
fn gcp_pair() -> [Value; 2] {
    let entry = |id, minute, method| gcp_entry(id, minute, method, "203.0.113.9", 0);
    [
        entry("g1", 1, "google.iam.admin.v1.ListServiceAccounts"),
        entry("g2", 2, "google.iam.admin.v1.CreateServiceAccountKey"),
    ]
}

fn sign_in(id: &str, hour: u32, ip: &str, error: i64) -> Value {
    json!({
        "id": id,
        "createdDateTime": format!("2024-05-01T{hour:02}:00:00Z"),
        "appId": "1b2c3d4e-0000-0000-0000-000000000001",
        "servicePrincipalId": "aaaa0000-0000-0000-0000-000000000001",
        "servicePrincipalCredentialKeyId": "c0ffee00-0000-0000-0000-000000000001",
        "clientCredentialType": "clientSecret",
        "ipAddress": ip,
        "resourceDisplayName": "Microsoft Graph",
        "signInEventTypes": ["servicePrincipal"],
        "status": {"errorCode": error}
    })
}

fn github_entry(id: &str, millis: i64, action: &str, actor: &str) -> Value {
    json!({
        "@timestamp": millis, "_document_id": id, "action": action, "actor": actor,
        "org": "shop", "repo": "shop/api", "actor_ip": "203.0.113.4"
    })
}

fn lines(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn engine(rules: &str) -> SigmaEngine {
    let mut builder = SigmaEngine::builder();
    builder.add_yaml("rules.yml", rules);
    let (engine, errors) = builder.build();
    assert!(errors.is_empty(), "{errors:?}");
    engine
}

#[test]
fn each_source_is_recognised_in_each_container() {
    let gcp = gcp_pair();
    let azure = [
        sign_in("a1", 10, "203.0.113.7", 0),
        sign_in("a2", 11, "203.0.113.7", 0),
    ];
    let github = [
        github_entry("h1", 1_714_557_600_000, "git.clone", "deploy[bot]"),
        github_entry("h2", 1_714_557_660_000, "repo.create", "alice"),
    ];
    let inputs = [
        (LogSource::GcpAudit, lines(&gcp)),
        (LogSource::GcpAudit, Value::from(gcp.to_vec()).to_string()),
        (LogSource::AzureSignIn, json!({"value": azure}).to_string()),
        (
            LogSource::AzureSignIn,
            json!({"records": azure.iter().map(|inner| json!({
                "time": "2024-05-01T10:00:00Z", "category": "ServicePrincipalSignInLogs",
                "properties": inner
            })).collect::<Vec<_>>()})
            .to_string(),
        ),
        (LogSource::GitHubAudit, lines(&github)),
        (
            LogSource::GitHubAudit,
            Value::from(github.to_vec()).to_string(),
        ),
    ];
    for (source, text) in inputs {
        let normalised = normalise("input.json", text.as_bytes(), None);
        assert!(normalised.errors.is_empty(), "{:?}", normalised.errors);
        assert_eq!(normalised.records.len(), 2, "{text}");
        assert!(normalised
            .records
            .iter()
            .all(|record| record.source == source));
        let earliest = earliest_time(text.as_bytes()).expect("a time");
        assert!(normalised
            .records
            .iter()
            .all(|record| record.event.time >= earliest));
    }
}

#[test]
fn sigma_rules_with_sigmahq_field_names_match() {
    let rules = engine(
        "title: GCP key created\nid: gcp-key\nlogsource:\n    product: gcp\n    service: gcp.audit\n\
         detection:\n    selection:\n        gcp.audit.method_name: google.iam.admin.v1.CreateServiceAccountKey\n\
         \x20       data.protoPayload.serviceName: iam.googleapis.com\n    condition: selection\n\
         ---\ntitle: Bad client secret\nid: azure-bad-secret\nlogsource:\n    product: azure\n    service: signinlogs\n\
         detection:\n    selection:\n        ResultType: 7000215\n        AppId: 1b2c3d4e-0000-0000-0000-000000000001\n    condition: selection\n\
         ---\ntitle: Bot clone\nid: github-bot-clone\nlogsource:\n    product: github\n    service: audit\n\
         detection:\n    selection:\n        action: git.clone\n        actor|endswith: '[bot]'\n    condition: selection\n",
    );
    let gcp = lines(&gcp_pair());
    let azure_graph = json!({"value": [sign_in("a1", 10, "203.0.113.7", 0), sign_in("a2", 11, "203.0.113.7", 7000215)]});
    let azure_diagnostic = json!({"records": [{
        "time": "2024-05-01T12:00:00Z", "category": "ServicePrincipalSignInLogs",
        "resultType": "7000215", "properties": sign_in("a3", 12, "203.0.113.7", 7000215)
    }]});
    let github = lines(&[
        github_entry("h1", 1_714_557_600_000, "git.clone", "deploy[bot]"),
        github_entry("h2", 1_714_557_660_000, "git.clone", "alice"),
    ]);
    let matched = |text: String| -> Vec<(String, String)> {
        let records = normalise("input.json", text.as_bytes(), None).records;
        rules
            .scan(&records)
            .into_iter()
            .flat_map(|hit| {
                let rule = hit.rule_id.clone();
                hit.events
                    .into_iter()
                    .map(move |event| (rule.clone(), event.id))
            })
            .collect()
    };
    assert_eq!(
        matched(gcp),
        vec![("gcp-key".to_string(), "g2".to_string())]
    );
    assert_eq!(
        matched(azure_graph.to_string()),
        vec![("azure-bad-secret".to_string(), "a2".to_string())]
    );
    assert_eq!(
        matched(azure_diagnostic.to_string()),
        vec![("azure-bad-secret".to_string(), "a3".to_string())]
    );
    assert_eq!(
        matched(github),
        vec![("github-bot-clone".to_string(), "h1".to_string())]
    );
}

#[test]
fn a_service_principal_signing_in_from_a_new_network_is_an_alert() {
    let mut sign_ins: Vec<Value> = (0..30)
        .map(|hour| sign_in(&format!("s{hour}"), hour % 24, "203.0.113.7", 0))
        .collect();
    for (day, value) in sign_ins.iter_mut().enumerate() {
        let hour = day % 24;
        let date = if day < 24 { "2024-05-01" } else { "2024-05-02" };
        value["createdDateTime"] = json!(format!("{date}T{hour:02}:00:00Z"));
    }
    sign_ins.push(sign_in("intruder", 8, "198.51.100.66", 0));
    sign_ins.last_mut().unwrap()["createdDateTime"] = json!("2024-05-02T08:30:00Z");
    let records = normalise(
        "signins.json",
        json!({"value": sign_ins}).to_string().as_bytes(),
        None,
    )
    .records;
    let mut hunt = Hunt::new(None, BehaviourConfig::default());
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by_key(|&index| records[index].event.time);
    for index in order {
        hunt.push(index, &records[index]);
    }
    let alerts = hunt.finish();
    let new_network: Vec<_> = alerts
        .iter()
        .filter(|alert| alert.detector == "identity-new-network")
        .collect();
    assert_eq!(new_network.len(), 1, "{alerts:#?}");
    assert_eq!(
        new_network[0].principal,
        "azure:serviceprincipal:1b2c3d4e-0000-0000-0000-000000000001"
    );
    assert_eq!(new_network[0].events, vec!["intruder"]);
}
