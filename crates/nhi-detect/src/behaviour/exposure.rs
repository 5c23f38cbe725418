//! Data and access opened to outsiders: AMIs, EBS and RDS snapshots shared with other accounts or
//! made public, S3 buckets opened by policy, ACL or public-access-block removal, security groups
//! opened to the whole internet, Lambda functions made invocable by anyone. Single-record
//! patterns over successful calls; "outside" means another account than the caller's.

use super::patterns::Pattern;
use super::{aws, rule, Family};
use crate::normalise::{LogSource, Record};
use nhi_model::{OwaspNhi, RuleMeta, Severity};
use sonic_rs::{JsonValueTrait, Value};

/// Ports whose exposure to the internet is a direct risk (remote administration, databases).
const ADMIN_PORTS: [i64; 9] = [22, 3389, 5985, 5986, 3306, 5432, 1433, 6379, 27017];

const AMI_SHARED: RuleMeta = rule(
    "aws-ami-shared-externally",
    "AMI shared outside the account",
    Severity::High,
    &[OwaspNhi::NHI5],
    "An AMI's launch permission is granted to another AWS account or to everyone: its disks, and any secret baked into them, can be copied out.",
    "Remove the launch permission unless the sharing is approved, and check the image for embedded credentials.",
);

const SNAPSHOT_SHARED: RuleMeta = rule(
    "aws-ebs-snapshot-shared-externally",
    "EBS snapshot shared outside the account",
    Severity::High,
    &[OwaspNhi::NHI5],
    "An EBS snapshot's create-volume permission is granted to another AWS account or to everyone: the volume's data can be restored elsewhere.",
    "Remove the permission unless approved; find what the snapshot holds and treat its secrets as exposed.",
);

const RDS_SHARED: RuleMeta = rule(
    "aws-rds-snapshot-shared-externally",
    "RDS snapshot shared outside the account",
    Severity::High,
    &[OwaspNhi::NHI5],
    "An RDS or Aurora snapshot's restore permission is granted to another AWS account or to everyone: the database can be restored elsewhere.",
    "Remove the account from the snapshot's restore attribute unless approved; rotate database credentials the snapshot holds.",
);

const BUCKET_OPENED: RuleMeta = rule(
    "aws-s3-bucket-exposed",
    "S3 bucket opened to outsiders",
    Severity::High,
    &[OwaspNhi::NHI5],
    "An S3 bucket policy or ACL grants access to everyone or to another account, or the bucket's public access block is removed.",
    "Restore the public access block and the previous policy unless the exposure is approved; review the bucket's access logs for reads since.",
);

const SECURITY_GROUP_OPENED: RuleMeta = rule(
    "aws-security-group-open-to-internet",
    "Security group opened to the whole internet",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "An ingress rule allows traffic from 0.0.0.0/0 or ::/0: anything the group protects, on those ports, is reachable by anyone.",
    "Narrow the rule to known source ranges (or use SSM Session Manager instead of open SSH/RDP), and check what listens behind it.",
);

const LAMBDA_PUBLIC: RuleMeta = rule(
    "aws-lambda-public-access",
    "Lambda function made invocable by outsiders",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A Lambda function's resource policy lets anyone (or another account) invoke it, or it gets a function URL without authentication: a backdoor that runs with the function's role.",
    "Remove the permission or require IAM authentication on the function URL, and review the function's code and role.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: AMI_SHARED,
            source: LogSource::CloudTrail,
            actions: &["ec2:ModifyImageAttribute"],
            attempts: false,
            test: |record| shared_by_permission(record, "launchPermission", "AMI", "imageId"),
        },
        Pattern {
            rule: SNAPSHOT_SHARED,
            source: LogSource::CloudTrail,
            actions: &["ec2:ModifySnapshotAttribute"],
            attempts: false,
            test: |record| {
                shared_by_permission(record, "createVolumePermission", "snapshot", "snapshotId")
            },
        },
        Pattern {
            rule: RDS_SHARED,
            source: LogSource::CloudTrail,
            actions: &[
                "rds:ModifyDBSnapshotAttribute",
                "rds:ModifyDBClusterSnapshotAttribute",
            ],
            attempts: false,
            test: rds_snapshot_shared,
        },
        Pattern {
            rule: BUCKET_OPENED,
            source: LogSource::CloudTrail,
            actions: &[
                "s3:PutBucketPolicy",
                "s3:PutBucketAcl",
                "s3:DeleteBucketPublicAccessBlock",
                "s3:PutBucketPublicAccessBlock",
            ],
            attempts: false,
            test: bucket_opened,
        },
        Pattern {
            rule: SECURITY_GROUP_OPENED,
            source: LogSource::CloudTrail,
            actions: &["ec2:AuthorizeSecurityGroupIngress"],
            attempts: false,
            test: security_group_opened,
        },
        Pattern {
            rule: LAMBDA_PUBLIC,
            source: LogSource::CloudTrail,
            actions: &[
                "lambda:AddPermission",
                "lambda:CreateFunctionUrlConfig",
                "lambda:UpdateFunctionUrlConfig",
            ],
            attempts: false,
            test: lambda_public,
        },
    ],
    rules: &[],
    build: None,
};

/// Who an EC2 `{add: {items: [{userId} | {group: all}]}}` permission adds, outside the caller's
/// account.
fn outsiders_added(permission: Option<&Value>, own: Option<&str>) -> Vec<String> {
    let added = permission.and_then(|permission| permission.get("add"));
    aws::items(added)
        .iter()
        .filter_map(|item| {
            if item.get("group").and_then(Value::as_str) == Some("all") {
                return Some("everyone".to_string());
            }
            let account = item.get("userId").and_then(Value::as_str)?;
            (Some(account) != own).then(|| format!("account {account}"))
        })
        .collect()
}

fn shared_by_permission(
    record: &Record,
    field: &str,
    noun: &str,
    id_field: &str,
) -> Option<String> {
    let outsiders = outsiders_added(aws::param(record, field), aws::own_account(record));
    if outsiders.is_empty() {
        return None;
    }
    let id = aws::param_str(record, id_field).unwrap_or("?");
    Some(format!("{noun} {id} shared with {}", outsiders.join(", ")))
}

fn rds_snapshot_shared(record: &Record) -> Option<String> {
    if aws::param_str(record, "attributeName") != Some("restore") {
        return None;
    }
    let own = aws::own_account(record);
    let outsiders: Vec<String> = aws::param(record, "valuesToAdd")
        .map(aws::strings)
        .into_iter()
        .flatten()
        .filter(|account| Some(*account) != own)
        .map(|account| {
            if account == "all" {
                "everyone".to_string()
            } else {
                format!("account {account}")
            }
        })
        .collect();
    let snapshot = aws::param_str(record, "dBSnapshotIdentifier")
        .or_else(|| aws::param_str(record, "dBClusterSnapshotIdentifier"))
        .unwrap_or("?");
    (!outsiders.is_empty())
        .then(|| format!("snapshot {snapshot} shared with {}", outsiders.join(", ")))
}

/// ACL grantees that mean "everyone" or "every AWS account".
const PUBLIC_GRANTEES: [&str; 2] = ["AllUsers", "AuthenticatedUsers"];
const PUBLIC_CANNED_ACLS: [&str; 3] = ["public-read", "public-read-write", "authenticated-read"];

fn bucket_opened(record: &Record) -> Option<String> {
    let bucket = aws::param_str(record, "bucketName").unwrap_or("?");
    let how = match aws::api(&record.event.action) {
        "s3:PutBucketPolicy" => {
            let policy = aws::param(record, "bucketPolicy").and_then(aws::policy)?;
            let outsiders = aws::foreign_principals(&policy, aws::own_account(record));
            (!outsiders.is_empty()).then(|| format!("policy now lets in {}", outsiders.join(", ")))
        }
        "s3:PutBucketAcl" => {
            let canned =
                aws::param_str(record, "x-amz-acl").filter(|acl| PUBLIC_CANNED_ACLS.contains(acl));
            let text = aws::param(record, "AccessControlPolicy")
                .map(Value::to_string)
                .unwrap_or_default();
            let grantee = PUBLIC_GRANTEES.iter().find(|group| text.contains(*group));
            match (canned, grantee) {
                (Some(acl), _) => Some(format!("ACL set to {acl}")),
                (None, Some(group)) => Some(format!("ACL grants {group}")),
                (None, None) => None,
            }
        }
        "s3:DeleteBucketPublicAccessBlock" => Some("public access block removed".to_string()),
        _ => {
            let config = aws::param(record, "PublicAccessBlockConfiguration")?;
            let off: Vec<&str> = [
                "BlockPublicAcls",
                "IgnorePublicAcls",
                "BlockPublicPolicy",
                "RestrictPublicBuckets",
            ]
            .into_iter()
            .filter(|flag| config.get(*flag).and_then(Value::as_bool) == Some(false))
            .collect();
            (!off.is_empty())
                .then(|| format!("public access block turned off ({})", off.join(", ")))
        }
    }?;
    Some(format!("bucket {bucket}: {how}"))
}

/// One ingress permission: protocol, port range and the whole-internet ranges it opens.
fn open_ranges(permission: &Value) -> Vec<String> {
    let v4 = aws::items(permission.get("ipRanges"))
        .iter()
        .filter_map(|range| range.get("cidrIp").and_then(Value::as_str));
    let v6 = aws::items(permission.get("ipv6Ranges"))
        .iter()
        .filter_map(|range| range.get("cidrIpv6").and_then(Value::as_str));
    permission
        .get("cidrIp")
        .and_then(Value::as_str)
        .into_iter()
        .chain(v4)
        .chain(v6)
        .filter(|cidr| {
            cidr.rsplit_once('/')
                .is_some_and(|(_, prefix)| prefix == "0")
        })
        .map(str::to_string)
        .collect()
}

fn security_group_opened(record: &Record) -> Option<String> {
    let group = aws::param_str(record, "groupId")
        .or_else(|| aws::param_str(record, "groupName"))
        .unwrap_or("?");
    let top = aws::params(record)
        .into_iter()
        .chain(aws::items(aws::param(record, "ipPermissions")).iter());
    let mut opened = Vec::new();
    for permission in top {
        let ranges = open_ranges(permission);
        if ranges.is_empty() {
            continue;
        }
        let protocol = permission
            .get("ipProtocol")
            .map(|p| {
                p.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| p.to_string())
            })
            .unwrap_or_else(|| "all".to_string());
        let from = permission.get("fromPort").and_then(Value::as_i64);
        let to = permission.get("toPort").and_then(Value::as_i64);
        let ports = match (from, to) {
            (Some(from), Some(to)) if from == to => format!("port {from}/{protocol}"),
            (Some(from), Some(to)) if from >= 0 => format!("ports {from}-{to}/{protocol}"),
            _ => "every port".to_string(),
        };
        let admin = match (from, to) {
            (Some(from), Some(to)) if from >= 0 => {
                ADMIN_PORTS.iter().any(|port| (from..=to).contains(port))
            }
            _ => true,
        };
        let note = if admin {
            " (remote administration or database)"
        } else {
            ""
        };
        opened.push(format!("{ports}{note} to {}", ranges.join(" and ")));
    }
    (!opened.is_empty()).then(|| format!("security group {group} opened {}", opened.join("; ")))
}

fn lambda_public(record: &Record) -> Option<String> {
    let function = aws::param_str(record, "functionName").unwrap_or("?");
    let function = function.rsplit(':').next().unwrap_or(function);
    if aws::api(&record.event.action) != "lambda:AddPermission" {
        let open = aws::param_str(record, "authType") == Some("NONE");
        return open.then(|| format!("function {function} got a URL without authentication"));
    }
    let principal = aws::param_str(record, "principal")?;
    let narrowed = ["sourceArn", "sourceAccount", "principalOrgID"]
        .iter()
        .any(|field| aws::param(record, field).is_some());
    let own = aws::own_account(record);
    let account = principal
        .strip_prefix("arn:aws:iam::")
        .map(|rest| rest.split(':').next().unwrap_or(rest))
        .unwrap_or(principal);
    let foreign =
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && Some(account) != own;
    let action = aws::param_str(record, "action").unwrap_or("lambda:InvokeFunction");
    if principal == "*" && !narrowed {
        Some(format!(
            "anyone may now call {action} on function {function}"
        ))
    } else if foreign {
        Some(format!(
            "account {account} may now call {action} on function {function}"
        ))
    } else {
        None
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user, ACCOUNT, FOREIGN_ACCOUNT};
    use serde_json::{json, Value};
    let admin = user("admin");
    let call = |action: &str, params: Value| ct(0, &admin, action).params(params).done();
    let add = |account: &str| json!({"add": {"items": [{"userId": account}]}});
    let policy = |principal: Value| json!({"bucketName": "b", "bucketPolicy": {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "*"}]}});
    let ingress = |cidr: &str, port: i64| {
        json!({"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": port, "toPort": port,
            "ipRanges": {"items": [{"cidrIp": cidr}]}}]}})
    };
    vec![
        Example::new(
            AMI_SHARED.id.as_ref(),
            vec![call(
                "ec2:ModifyImageAttribute",
                json!({"imageId": "ami-1", "launchPermission": add(FOREIGN_ACCOUNT)}),
            )],
            vec![call(
                "ec2:ModifyImageAttribute",
                json!({"imageId": "ami-1", "launchPermission": add(ACCOUNT)}),
            )],
        ),
        Example::new(
            SNAPSHOT_SHARED.id.as_ref(),
            vec![call(
                "ec2:ModifySnapshotAttribute",
                json!({"snapshotId": "snap-1", "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}),
            )],
            vec![call(
                "ec2:ModifySnapshotAttribute",
                json!({"snapshotId": "snap-1", "createVolumePermission": {"remove": {"items": [{"userId": FOREIGN_ACCOUNT}]}}}),
            )],
        ),
        Example::new(
            RDS_SHARED.id.as_ref(),
            vec![call(
                "rds:ModifyDBSnapshotAttribute",
                json!({"attributeName": "restore", "dBSnapshotIdentifier": "s", "valuesToAdd": [FOREIGN_ACCOUNT]}),
            )],
            vec![call(
                "rds:ModifyDBSnapshotAttribute",
                json!({"attributeName": "restore", "dBSnapshotIdentifier": "s", "valuesToRemove": [FOREIGN_ACCOUNT]}),
            )],
        ),
        Example::new(
            BUCKET_OPENED.id.as_ref(),
            vec![
                call("s3:PutBucketPolicy", policy(json!("*"))),
                call(
                    "s3:PutBucketAcl",
                    json!({"bucketName": "b", "x-amz-acl": "public-read"}),
                ),
            ],
            vec![
                call(
                    "s3:PutBucketPolicy",
                    policy(json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:role/reader")})),
                ),
                call(
                    "s3:PutBucketAcl",
                    json!({"bucketName": "b", "x-amz-acl": "private"}),
                ),
            ],
        ),
        Example::new(
            SECURITY_GROUP_OPENED.id.as_ref(),
            vec![call(
                "ec2:AuthorizeSecurityGroupIngress",
                ingress("0.0.0.0/0", 22),
            )],
            vec![call(
                "ec2:AuthorizeSecurityGroupIngress",
                ingress("10.0.0.0/8", 22),
            )],
        ),
        Example::new(
            LAMBDA_PUBLIC.id.as_ref(),
            vec![call(
                "lambda:AddPermission20150331v2",
                json!({"functionName": "f", "principal": "*", "action": "lambda:InvokeFunction"}),
            )],
            vec![call(
                "lambda:AddPermission20150331v2",
                json!({"functionName": "f", "principal": "s3.amazonaws.com", "sourceArn": "arn:aws:s3:::b"}),
            )],
        ),
    ]
}
