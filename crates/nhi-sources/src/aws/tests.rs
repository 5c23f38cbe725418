//! The AWS sources on small inline inputs: shapes, lenient parsing and error reporting.

use super::*;
use crate::{Discovery, Source, SourceContext};
use nhi_model::{CredentialStatus, EdgeKind, Fingerprinter};
use serde_json::{json, Value};

fn read(source: &dyn Source, path: &str, text: &str) -> Discovery {
    let file = SourceFile {
        path,
        bytes: text.as_bytes(),
    };
    assert!(
        source.recognises(&file),
        "{} should recognise {path}",
        source.name()
    );
    let fingerprinter = Fingerprinter::new([7; 32]);
    let mut out = Discovery::default();
    source.read(
        &file,
        &SourceContext {
            fingerprinter: &fingerprinter,
        },
        &mut out,
    );
    out
}

const DETAILS: &str = r#"{
  "UserDetailList": [{
    "UserName": "ci", "UserId": "AIDA1", "Arn": "arn:aws:iam::111122223333:user/ci", "Path": "/",
    "CreateDate": "2023-03-09 10:41:40+00:00", "GroupList": ["deployers"],
    "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": {"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}}],
    "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": "arn:aws:iam::111122223333:policy/Shared"},
                                {"PolicyName": "Gone", "PolicyArn": "arn:aws:iam::111122223333:policy/Gone"}],
    "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/Shared"},
    "Tags": [{"Key": "Team", "Value": "platform"}, {"Key": "Env", "Value": "prod"}],
    "SomethingNew": 1
  }],
  "GroupDetailList": [{"GroupName": "deployers", "Arn": "arn:aws:iam::111122223333:group/deployers",
    "GroupPolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": "arn:aws:iam::111122223333:policy/Shared"}]}],
  "RoleDetailList": [{
    "RoleName": "fn", "Arn": "arn:aws:iam::111122223333:role/fn", "Path": "/",
    "AssumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
    "RolePolicyList": [{"PolicyName": "broken", "PolicyDocument": "%7Bnot json"}],
    "InstanceProfileList": [], "RoleLastUsed": {}, "Tags": []
  }],
  "Policies": [{"PolicyName": "Shared", "Arn": "arn:aws:iam::111122223333:policy/Shared", "DefaultVersionId": "v2",
    "PolicyVersionList": [
      {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
      {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}}]}]
}"#;

#[test]
fn authorization_details_carry_policies_groups_trust_and_boundary() {
    let out = read(&AuthorizationDetails, "auth.json", DETAILS);
    let user = &out.inventory.identities["aws:user:arn:aws:iam::111122223333:user/ci"];
    assert_eq!(user.owner.as_deref(), Some("platform"));
    assert_eq!(user.environment.as_deref(), Some("prod"));
    assert!(user.created.is_some());
    let policies = user.attributes["aws_policies"].as_array().unwrap();
    assert_eq!(policies.len(), 3);
    assert_eq!(policies[1]["version"], "v2");
    assert_eq!(policies[1]["versions"], 2);
    // A managed policy's document is JSON text, decoded once however many principals attach it.
    let managed: Value = serde_json::from_str(policies[1]["document"].as_str().unwrap()).unwrap();
    assert_eq!(managed["Statement"][0]["Action"][0], "s3:GetObject");
    assert!(
        policies[2].get("document").is_none(),
        "a policy missing from Policies has no document"
    );
    assert_eq!(
        user.attributes["aws_groups"],
        json!(["arn:aws:iam::111122223333:group/deployers"])
    );
    assert_eq!(
        user.attributes["aws_permissions_boundary"]["arn"],
        "arn:aws:iam::111122223333:policy/Shared"
    );
    assert!(user.attributes["aws_permissions_boundary"]["document"].is_string());

    let role = &out.inventory.identities["aws:role:arn:aws:iam::111122223333:role/fn"];
    assert_eq!(
        role.attributes["aws_trust_policy"]["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    assert_eq!(role.attributes["last_used_known"], true);
    assert!(role.last_used.is_none());

    let bound: Vec<_> = out
        .inventory
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::BoundTo)
        .collect();
    assert_eq!(bound.len(), 1);
    assert_eq!(
        bound[0].from,
        "aws:group:arn:aws:iam::111122223333:group/deployers"
    );
    let group_policy = &bound[0].attributes["document"];
    assert!(
        group_policy.is_object()
            || group_policy
                .as_str()
                .is_some_and(|text| text.contains("Statement")),
        "{group_policy}"
    );
    assert!(out
        .inventory
        .edges
        .iter()
        .any(|e| e.kind == EdgeKind::MemberOf && e.from == user.id));

    let not_action = out
        .inventory
        .grants
        .iter()
        .find(|g| g.source.as_deref() == Some("inline policy own"))
        .unwrap();
    assert_eq!(not_action.actions, vec!["!iam:*"]);
    assert_eq!(not_action.effect, "allow");

    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert!(out.errors[0]
        .message
        .starts_with("RoleDetailList[0].RolePolicyList[0].PolicyDocument:"));
}

#[test]
fn truncated_authorization_details_give_one_clear_error() {
    let cut = &DETAILS[..DETAILS.len() / 2];
    let out = read(&AuthorizationDetails, "cut.json", cut);
    assert_eq!(out.errors.len(), 1);
    assert!(
        out.errors[0].message.contains("truncated"),
        "{}",
        out.errors[0]
    );
    assert!(out.errors[0].line.is_some());
    assert!(out.inventory.identities.is_empty());
}

const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111122223333:root,2018-08-12T17:20:55+00:00,not_supported,2019-03-03T16:58:16+00:00,not_supported,not_supported,true,true,2018-11-23T16:01:14+00:00,2018-11-27T00:02:00+00:00,us-east-1,ecr,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
ci,arn:aws:iam::111122223333:user/ci,2019-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2019-01-01T00:00:01+00:00,N/A,N/A,N/A,false,2019-02-01T00:00:00+00:00,2019-02-02T00:00:00+00:00,eu-west-1,s3,false,N/A,false,N/A
alice,arn:aws:iam::111122223333:user/alice,2019-01-01T00:00:00+00:00,true,no_information,N/A,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

#[test]
fn credential_report_csv_gives_users_and_key_slots() {
    let out = read(&CredentialReport, "report.csv", REPORT);
    let inv = &out.inventory;
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let root = &inv.identities["aws:user:arn:aws:iam::111122223333:root"];
    assert_eq!(root.name, "root");
    assert_eq!(root.attributes["root"], true);
    assert!(
        !root.attributes.contains_key("password_enabled"),
        "not_supported is no value"
    );
    let alice = &inv.identities["aws:user:arn:aws:iam::111122223333:user/alice"];
    assert_eq!(alice.attributes["human"], true);
    let ci_key1 = &inv.credentials["aws-access-key:arn:aws:iam::111122223333:user/ci#1"];
    assert_eq!(ci_key1.status, CredentialStatus::Active);
    assert!(ci_key1.last_used.is_none());
    assert_eq!(ci_key1.locations[0].line, Some(3));
    assert_eq!(
        ci_key1.locations[0].account.as_deref(),
        Some("111122223333")
    );
    let ci_key2 = &inv.credentials["aws-access-key:arn:aws:iam::111122223333:user/ci#2"];
    assert_eq!(
        ci_key2.status,
        CredentialStatus::Inactive,
        "an inactive key that was rotated still exists"
    );
    assert_eq!(ci_key2.attributes["last_used_service"], "s3");
    assert_eq!(inv.credentials.len(), 3, "alice has no key");
    assert!(ci_key1.fingerprint.starts_with("fp1:"));
}

#[test]
fn credential_report_api_json_decodes_base64_and_keeps_the_generation_time() {
    use base64::Engine;
    let content = base64::engine::general_purpose::STANDARD.encode(REPORT);
    let wrapper = json!({"Content": content, "ReportFormat": "text/csv", "GeneratedTime": "2019-05-07T15:40:22+00:00"});
    let out = read(
        &CredentialReport,
        "report.json",
        &serde_json::to_string_pretty(&wrapper).unwrap(),
    );
    let key = &out.inventory.credentials["aws-access-key:arn:aws:iam::111122223333:user/ci#1"];
    assert_eq!(
        key.attributes["credential_report_generated"],
        "2019-05-07T15:40:22+00:00"
    );
    let ci = &out.inventory.identities["aws:user:arn:aws:iam::111122223333:user/ci"];
    assert_eq!(
        ci.attributes["credential_report_generated"],
        "2019-05-07T15:40:22+00:00"
    );

    let bad = json!({"Content": "bm90IGEgcmVwb3J0", "ReportFormat": "text/csv", "GeneratedTime": "2019-05-07T15:40:22+00:00"});
    let out = read(&CredentialReport, "bad.json", &bad.to_string());
    assert_eq!(out.errors.len(), 1);
}

#[test]
fn credential_report_rows_with_wrong_field_counts_are_errors_with_lines() {
    let text = format!("{}broken,row\n", REPORT);
    let out = read(&CredentialReport, "report.csv", &text);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].line, Some(5));
    assert_eq!(out.inventory.identities.len(), 3);
}

#[test]
fn access_key_listings_and_last_used_outputs_merge_by_key_id() {
    let list = r#"{"AccessKeyMetadata": [{"UserName": "ci", "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Active", "CreateDate": "2019-01-01T00:00:00Z"}], "IsTruncated": false}"#;
    let used = r#"{"UserName": "ci", "AccessKeyLastUsed": {"LastUsedDate": "2019-04-01T00:00:00Z", "ServiceName": "s3", "Region": "us-east-1"}}"#;
    let mut inventory = read(&AccessKeyList, "keys.json", list).inventory;
    inventory.absorb(read(&AccessKeyLastUsed, "AKIAIOSFODNN7EXAMPLE.json", used).inventory);
    let key = &inventory.credentials["aws-access-key:AKIAIOSFODNN7EXAMPLE"];
    assert_eq!(key.status, CredentialStatus::Active);
    assert_eq!(key.redacted.as_deref(), Some("AKIA************MPLE"));
    assert!(key.created.is_some() && key.last_used.is_some());
    assert_eq!(key.attributes["user_name"], "ci");
    assert_eq!(key.attributes["source"], "list-access-keys");

    let nameless = read(&AccessKeyLastUsed, "last-used.json", used);
    assert_eq!(nameless.errors.len(), 1);
    assert!(nameless.errors[0].message.contains("does not name its key"));
}

#[test]
fn organisation_accounts_name_root_users_and_environments() {
    let accounts = r#"{"Accounts": [{"Id": "111122223333", "Arn": "arn:aws:organizations::999:account/o-x/111122223333",
        "Email": "ops@example.com", "Name": "payments-prod", "Status": "ACTIVE", "JoinedMethod": "CREATED",
        "JoinedTimestamp": "2020-01-01T00:00:00Z"}]}"#;
    let out = read(&OrganizationAccounts, "accounts.json", accounts);
    let root = &out.inventory.identities["aws:user:arn:aws:iam::111122223333:root"];
    assert_eq!(root.environment.as_deref(), Some("production"));
    assert_eq!(root.attributes["account_name"], "payments-prod");
    assert!(!serde_json::to_string(root)
        .unwrap()
        .contains("ops@example.com"));
}

#[test]
fn sources_ignore_other_json() {
    let file = SourceFile {
        path: "package.json",
        bytes: br#"{"name": "x", "Policies": []}"#,
    };
    for source in [
        &AuthorizationDetails as &dyn Source,
        &CredentialReport,
        &AccessKeyList,
        &AccessKeyLastUsed,
        &OrganizationAccounts,
    ] {
        assert!(!source.recognises(&file), "{}", source.name());
    }
    assert_eq!(
        parse_time("2023-03-09 10:41:40+00:00"),
        parse_time("2023-03-09T10:41:40Z")
    );
    assert_eq!(redact_key_id("short"), "*****");
}
