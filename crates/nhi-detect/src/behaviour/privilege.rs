//! Privilege escalation: first use of a permissions-management action by an identity with a
//! settled baseline, and known escalation moves: keys or console passwords made for another
//! user, policies attached to oneself, administrator policies attached, a trust policy rewritten
//! and then used, a role handed to new compute. State: per identity, the permissions-management
//! actions and passed roles seen, and trust policies it rewrote in the last hour.

use super::patterns::Pattern;
use super::state::{Baseline, IdMap};
use super::{aws, k8s, rule, Detector, Family, Hit, Seen};
use crate::normalise::{LogSource, Record};
use crate::sigma::EventRef;
use chrono::TimeDelta;
use nhi_model::{Outcome, OwaspNhi, RuleMeta, Severity, Timestamp};
use sonic_rs::{JsonValueTrait, Value};

/// Permissions-management actions remembered per identity.
const ACTIONS: usize = 256;
/// Passed roles remembered per identity.
const ROLES: usize = 64;
/// How long a rewritten trust policy is linked to a later AssumeRole.
const TRUST_LINK: TimeDelta = TimeDelta::hours(1);
/// Rewritten trust policies remembered per identity.
const TRUST_UPDATES: usize = 16;

/// Managed policies that grant administrator or IAM-administrator power.
const ADMIN_POLICIES: [&str; 3] = [
    ":policy/AdministratorAccess",
    ":policy/IAMFullAccess",
    ":policy/AWSOrganizationsFullAccess",
];

/// Writes to resource policies and grants outside IAM that manage who may do what.
const RESOURCE_POLICY_WRITES: [&str; 14] = [
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
    "s3:PutBucketPolicy",
    "s3:PutBucketAcl",
    "lambda:AddPermission",
    "secretsmanager:PutResourcePolicy",
    "ecr:SetRepositoryPolicy",
    "sns:AddPermission",
    "sqs:AddPermission",
    "organizations:AttachPolicy",
    "sso:CreateAccountAssignment",
    "sso:AttachManagedPolicyToPermissionSet",
    "sso:PutInlinePolicyToPermissionSet",
    "rolesanywhere:CreateProfile",
];

/// Calls that hand a role to compute, and where they name the role.
const ROLE_HANDOVERS: [(&str, &[&str]); 10] = [
    (
        "ec2:RunInstances",
        &["iamInstanceProfile.arn", "iamInstanceProfile.name"],
    ),
    (
        "ec2:AssociateIamInstanceProfile",
        &["iamInstanceProfile.arn", "iamInstanceProfile.name"],
    ),
    ("lambda:CreateFunction", &["role"]),
    ("lambda:UpdateFunctionConfiguration", &["role"]),
    ("ecs:RegisterTaskDefinition", &["taskRoleArn"]),
    ("glue:CreateDevEndpoint", &["roleArn"]),
    ("glue:CreateJob", &["role"]),
    ("cloudformation:CreateStack", &["roleARN"]),
    ("sagemaker:CreateNotebookInstance", &["roleArn"]),
    ("codebuild:CreateProject", &["serviceRole"]),
];

const KEY_FOR_OTHER: RuleMeta = rule(
    "aws-access-key-created-for-other-user",
    "Access key created for another user",
    Severity::High,
    &[OwaspNhi::NHI5, OwaspNhi::NHI7],
    "An identity creates an access key for a different IAM user: a classic way to take over that user's permissions or to plant a long-lived backdoor key.",
    "Confirm the key was requested by the user's owner; otherwise delete it, review the calls it made and remove iam:CreateAccessKey on other users from the caller.",
);

const LOGIN_FOR_OTHER: RuleMeta = rule(
    "aws-login-profile-for-other-user",
    "Console password set for another user",
    Severity::High,
    &[OwaspNhi::NHI5, OwaspNhi::NHI10],
    "An identity creates or changes the console password of a different IAM user: it can now sign in as that user, with that user's permissions.",
    "Confirm with the user's owner; otherwise delete the login profile, reset the user's credentials and remove iam:CreateLoginProfile/UpdateLoginProfile from the caller.",
);

const POLICY_ON_SELF: RuleMeta = rule(
    "aws-policy-attached-to-self",
    "Identity grants itself a policy",
    Severity::High,
    &[OwaspNhi::NHI5],
    "An identity attaches or writes a policy on its own user or role, or adds itself to a group: it is raising its own privileges.",
    "Detach the policy, check what the identity did with it, and deny self-modification (iam:*Policy on its own ARN) through a permissions boundary.",
);

const ADMIN_ATTACHED: RuleMeta = rule(
    "aws-admin-policy-attached",
    "Administrator policy attached",
    Severity::High,
    &[OwaspNhi::NHI5],
    "AdministratorAccess (or IAM full access, or a policy allowing every action on every resource) is attached to or written on a user, role or group.",
    "Confirm the change was approved; otherwise detach the policy and review everything the grantee did since. Grant least privilege instead of administrator access.",
);

static FIRST_PERMISSIONS: RuleMeta = rule(
    "first-permissions-management-action",
    "First permissions-management action by an identity",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "An identity with a settled baseline performs a permissions-management action (an IAM write, a resource-policy change, an RBAC change) it never performed before.",
    "Check that the change belongs to the workload's job; if not, undo it and treat the identity's credential as compromised.",
);

static TRUST_THEN_ASSUME: RuleMeta = rule(
    "aws-trust-policy-update-then-assume",
    "Role trust policy rewritten, then the role assumed",
    Severity::Critical,
    &[OwaspNhi::NHI5],
    "An identity rewrites a role's trust policy and assumes that role within the hour: it let itself into the role to gain its permissions.",
    "Restore the trust policy, revoke the role's sessions issued since the change and remove iam:UpdateAssumeRolePolicy from the caller.",
);

static NEW_PASSED_ROLE: RuleMeta = rule(
    "aws-passrole-to-new-compute",
    "Role handed to compute for the first time",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "An identity with a settled baseline launches compute (EC2, Lambda, ECS, Glue, CloudFormation, ...) with a role it never passed before: with iam:PassRole, code it controls runs with that role's permissions.",
    "Check that the role belongs to the workload; restrict iam:PassRole to the roles the identity needs (iam:PassedToService and resource ARNs).",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: KEY_FOR_OTHER,
            source: LogSource::CloudTrail,
            actions: &["iam:CreateAccessKey"],
            attempts: true,
            test: key_for_other_user,
        },
        Pattern {
            rule: LOGIN_FOR_OTHER,
            source: LogSource::CloudTrail,
            actions: &["iam:CreateLoginProfile", "iam:UpdateLoginProfile"],
            attempts: true,
            test: login_for_other_user,
        },
        Pattern {
            rule: POLICY_ON_SELF,
            source: LogSource::CloudTrail,
            actions: &[
                "iam:AttachUserPolicy",
                "iam:PutUserPolicy",
                "iam:AddUserToGroup",
                "iam:AttachRolePolicy",
                "iam:PutRolePolicy",
            ],
            attempts: true,
            test: policy_on_self,
        },
        Pattern {
            rule: ADMIN_ATTACHED,
            source: LogSource::CloudTrail,
            actions: &[
                "iam:AttachUserPolicy",
                "iam:AttachRolePolicy",
                "iam:AttachGroupPolicy",
                "iam:PutUserPolicy",
                "iam:PutRolePolicy",
                "iam:PutGroupPolicy",
                "iam:CreatePolicyVersion",
            ],
            attempts: false,
            test: admin_attached,
        },
    ],
    rules: &[&FIRST_PERMISSIONS, &TRUST_THEN_ASSUME, &NEW_PASSED_ROLE],
    build: Some(|| Box::<Escalation>::default()),
};

/// The user a call acts on, when it is not the caller itself.
fn other_user(record: &Record) -> Option<&str> {
    let target = aws::param_str(record, "userName")?;
    (aws::caller_user_name(record) != Some(target)).then_some(target)
}

fn key_for_other_user(record: &Record) -> Option<String> {
    let target = other_user(record)?;
    let key = aws::response(record, "accessKey.accessKeyId")
        .and_then(Value::as_str)
        .map(|key| format!(" ({})", aws::key_label(key)))
        .unwrap_or_default();
    Some(format!("created an access key{key} for user {target}"))
}

fn login_for_other_user(record: &Record) -> Option<String> {
    let target = other_user(record)?;
    let verb = if record.event.action.ends_with("CreateLoginProfile") {
        "created"
    } else {
        "changed"
    };
    Some(format!("{verb} the console password of user {target}"))
}

fn policy_on_self(record: &Record) -> Option<String> {
    let own_user = aws::caller_user_name(record);
    let own_role = aws::caller_role_name(record);
    let on_self = match (
        aws::param_str(record, "userName"),
        aws::param_str(record, "roleName"),
    ) {
        (Some(user), _) => own_user == Some(user),
        (None, Some(role)) => own_role == Some(role),
        (None, None) => false,
    };
    on_self.then(|| {
        let what = aws::param_str(record, "policyArn")
            .or_else(|| aws::param_str(record, "policyName"))
            .or_else(|| aws::param_str(record, "groupName"))
            .unwrap_or("a policy");
        format!(
            "{} {what} on itself",
            aws::api(&record.event.action).trim_start_matches("iam:")
        )
    })
}

fn admin_attached(record: &Record) -> Option<String> {
    let grantee = aws::param_str(record, "userName")
        .or_else(|| aws::param_str(record, "roleName"))
        .or_else(|| aws::param_str(record, "groupName"))
        .or_else(|| aws::param_str(record, "policyArn"))
        .unwrap_or("?");
    if let Some(arn) = aws::param_str(record, "policyArn") {
        if ADMIN_POLICIES.iter().any(|admin| arn.ends_with(admin)) {
            return Some(format!("attached {arn} to {grantee}"));
        }
    }
    let document = aws::param(record, "policyDocument").and_then(aws::policy)?;
    if aws::api(&record.event.action) == "iam:CreatePolicyVersion"
        && aws::param(record, "setAsDefault").and_then(Value::as_bool) != Some(true)
    {
        return None;
    }
    allows_everything(&document)
        .then(|| format!("wrote a policy allowing every action on {grantee}"))
}

/// Whether a policy has an `Allow` of `*` or `iam:*` on resource `*`.
fn allows_everything(policy: &Value) -> bool {
    let statements = policy.get("Statement").map(aws::one_or_many);
    statements.into_iter().flatten().any(|statement| {
        let field = |name| statement.get(name).map(aws::strings).into_iter().flatten();
        statement.get("Effect").and_then(Value::as_str) == Some("Allow")
            && field("Action").any(|action| action == "*" || action == "iam:*")
            && field("Resource").any(|resource| resource == "*")
    })
}

/// Whether the record is a permissions-management action, and its name.
fn permissions_management(record: &Record) -> Option<&str> {
    let action = record.event.action.as_str();
    if aws::is_cloudtrail(record) {
        let api = aws::api(action);
        let name = api.strip_prefix("iam:")?;
        let read = ["Get", "List", "Generate", "Simulate", "Tag", "Untag"]
            .iter()
            .any(|prefix| name.starts_with(prefix));
        return (!read).then_some(api);
    }
    let rbac = matches!(
        k8s::resource(record),
        Some("roles" | "clusterroles" | "rolebindings" | "clusterrolebindings")
    );
    let writes = matches!(
        k8s::verb(record),
        Some("create" | "update" | "patch" | "delete" | "bind" | "escalate")
    );
    let token = k8s::resource(record) == Some("serviceaccounts")
        && k8s::subresource(record) == Some("token");
    ((rbac && writes) || token).then_some(action)
}

/// Whether the record is a resource-policy write (outside IAM).
fn resource_policy_write(record: &Record) -> Option<&str> {
    let api = aws::api(&record.event.action);
    RESOURCE_POLICY_WRITES.contains(&api).then_some(api)
}

#[derive(Default)]
struct Usual {
    actions: Option<Baseline<String>>,
    roles: Option<Baseline<String>>,
    trust_updates: Vec<(String, Timestamp, EventRef)>,
}

#[derive(Default)]
struct Escalation {
    identities: IdMap<Usual>,
}

impl Escalation {
    fn first_action(seen: &Seen<'_>, usual: &mut Usual, hits: &mut Vec<Hit>) {
        let record = seen.record;
        let Some(action) = permissions_management(record).or_else(|| {
            aws::is_cloudtrail(record)
                .then(|| resource_policy_write(record))
                .flatten()
        }) else {
            return;
        };
        let actions = usual.actions.get_or_insert_with(|| Baseline::new(ACTIONS));
        let new = actions.learn(action.to_string());
        if seen.mature && new && !actions.saturated() {
            let detail =
                format!("first {action} (outcome {:?})", record.event.outcome).to_lowercase();
            hits.push(Hit::on(&FIRST_PERMISSIONS, seen, detail));
        }
    }

    fn trust_then_assume(seen: &Seen<'_>, usual: &mut Usual, hits: &mut Vec<Hit>) {
        let record = seen.record;
        let now = seen.time();
        usual
            .trust_updates
            .retain(|(_, time, _)| *time + TRUST_LINK >= now);
        match aws::api(&record.event.action) {
            "iam:UpdateAssumeRolePolicy" => {
                if let Some(role) = aws::param_str(record, "roleName") {
                    usual
                        .trust_updates
                        .push((role.to_string(), now, seen.event_ref()));
                    if usual.trust_updates.len() > TRUST_UPDATES {
                        usual.trust_updates.remove(0);
                    }
                }
            }
            "sts:AssumeRole" => {
                let Some(arn) = aws::param_str(record, "roleArn") else {
                    return;
                };
                let role = arn.rsplit('/').next().unwrap_or(arn);
                if let Some((_, time, event)) =
                    usual.trust_updates.iter().find(|(name, _, _)| name == role)
                {
                    let detail = format!(
                        "rewrote the trust policy of role {role} and assumed it {} min later",
                        (now - *time).num_minutes()
                    );
                    let mut hit = Hit::on(&TRUST_THEN_ASSUME, seen, detail);
                    hit.events.insert(0, event.clone());
                    hits.push(hit);
                }
            }
            _ => {}
        }
    }

    fn new_passed_role(seen: &Seen<'_>, usual: &mut Usual, hits: &mut Vec<Hit>) {
        let record = seen.record;
        let api = aws::api(&record.event.action);
        let Some((_, fields)) = ROLE_HANDOVERS.iter().find(|(call, _)| *call == api) else {
            return;
        };
        let Some(role) = fields
            .iter()
            .find_map(|field| aws::param_str(record, field))
        else {
            return;
        };
        let roles = usual.roles.get_or_insert_with(|| Baseline::new(ROLES));
        let new = roles.learn(role.to_string());
        if seen.mature && new && !roles.saturated() {
            let detail = format!("passed {role} to {api} for the first time");
            hits.push(Hit::on(&NEW_PASSED_ROLE, seen, detail));
        }
    }
}

impl Detector for Escalation {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        let usual = self.identities.entry(seen.identity, Usual::default);
        Escalation::first_action(seen, usual, hits);
        if aws::is_cloudtrail(record) && record.event.outcome == Outcome::Success {
            Escalation::trust_then_assume(seen, usual, hits);
            Escalation::new_passed_role(seen, usual, hits);
        }
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, k8s, role, service_account, user};
    use serde_json::{json, Value};
    let admin = user("admin");
    let ci = role("ci", "build-7");
    let for_user = |action: &str, target: &str| {
        ct(0, &admin, action)
            .params(json!({"userName": target}))
            .done()
    };
    let attach = |caller: &super::testlog::Caller, params: Value| {
        ct(0, caller, "iam:AttachUserPolicy").params(params).done()
    };
    let routine = |caller: &super::testlog::Caller, action: &str| {
        (0..4)
            .map(|i| ct(i * 1200, caller, action).done())
            .collect::<Vec<_>>()
    };
    let mut first_iam = routine(&ci, "s3:PutObject");
    first_iam.push(
        ct(4000, &ci, "iam:CreateUser")
            .params(json!({"userName": "x"}))
            .done(),
    );
    let mut usual_iam = routine(&ci, "iam:CreateUser");
    usual_iam.push(ct(4000, &ci, "iam:CreateUser").done());
    let operator = service_account("ops", "operator");
    let mut first_rbac: Vec<_> = (0..4)
        .map(|i| k8s(i * 1200, &operator, "get", "pods").done())
        .collect();
    first_rbac.push(k8s(4000, &operator, "create", "clusterrolebindings").done());
    let updater = role("ci", "deploy-1");
    let trust = ct(0, &updater, "iam:UpdateAssumeRolePolicy")
        .params(json!({"roleName": "prod-admin"}))
        .done();
    let assume = |second, arn: &str| {
        ct(second, &updater, "sts:AssumeRole")
            .params(json!({"roleArn": arn}))
            .done()
    };
    let run = |second, profile: &str| {
        ct(second, &ci, "ec2:RunInstances")
            .params(json!({"iamInstanceProfile": {"name": profile}, "instanceType": "t3.micro"}))
            .done()
    };
    let mut new_role: Vec<_> = (0..4).map(|i| run(i * 1200, "web")).collect();
    new_role.push(run(4000, "admin"));
    let mut same_role: Vec<_> = (0..4).map(|i| run(i * 1200, "web")).collect();
    same_role.push(run(4000, "web"));
    vec![
        Example::new(
            KEY_FOR_OTHER.id.as_ref(),
            vec![for_user("iam:CreateAccessKey", "backup")],
            vec![for_user("iam:CreateAccessKey", "admin"), ct(0, &admin, "iam:CreateAccessKey").done()],
        ),
        Example::new(
            LOGIN_FOR_OTHER.id.as_ref(),
            vec![for_user("iam:UpdateLoginProfile", "backup")],
            vec![ct(0, &admin, "iam:UpdateLoginProfile").done()],
        ),
        Example::new(
            POLICY_ON_SELF.id.as_ref(),
            vec![attach(&admin, json!({"userName": "admin", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}))],
            vec![attach(&admin, json!({"userName": "backup", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}))],
        ),
        Example::new(
            ADMIN_ATTACHED.id.as_ref(),
            vec![
                attach(&admin, json!({"userName": "backup", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})),
                ct(5, &admin, "iam:PutRolePolicy")
                    .params(json!({"roleName": "x", "policyName": "p",
                        "policyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}))
                    .done(),
            ],
            vec![attach(&admin, json!({"userName": "backup", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}))],
        ),
        Example::new(FIRST_PERMISSIONS.id.as_ref(), first_iam, usual_iam),
        Example::new(FIRST_PERMISSIONS.id.as_ref(), first_rbac, Vec::new()),
        Example::new(
            TRUST_THEN_ASSUME.id.as_ref(),
            vec![trust.clone(), assume(600, "arn:aws:iam::111122223333:role/prod-admin")],
            vec![trust, assume(600, "arn:aws:iam::111122223333:role/other"), assume(7200, "arn:aws:iam::111122223333:role/prod-admin")],
        ),
        Example::new(NEW_PASSED_ROLE.id.as_ref(), new_role, same_role),
    ]
}
