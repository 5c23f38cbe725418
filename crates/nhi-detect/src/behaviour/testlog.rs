//! Generated logs for the detectors' examples: CloudTrail and Kubernetes audit records built from
//! a few facts (who, what, when, from where), so each example states only what matters to it.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) const ACCOUNT: &str = "111122223333";
pub(crate) const FOREIGN_ACCOUNT: &str = "999988887777";

/// Seconds in a day, for examples that span days.
pub(crate) const DAY: i64 = 86_400;

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

fn event_id(prefix: &str) -> String {
    format!("{prefix}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// `2024-05-01T00:00:00Z` plus `second`.
pub(crate) fn time(second: i64) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z")
        .expect("valid base time")
        .to_utc();
    (base + chrono::TimeDelta::seconds(second)).to_rfc3339()
}

/// Who makes a CloudTrail call.
#[derive(Clone)]
pub(crate) struct Caller(Value);

/// An IAM user signing with its long-term key `AKIA<NAME>`.
pub(crate) fn user(name: &str) -> Caller {
    Caller(json!({
        "type": "IAMUser", "userName": name, "accountId": ACCOUNT,
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
        "principalId": format!("AIDA{}", name.to_uppercase()),
        "accessKeyId": format!("AKIA{}", name.to_uppercase()),
    }))
}

/// A session of role `role` named `session`.
pub(crate) fn role(role: &str, session: &str) -> Caller {
    Caller(json!({
        "type": "AssumedRole", "accountId": ACCOUNT,
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
        "principalId": format!("AROA{}:{session}", role.to_uppercase()),
        "accessKeyId": format!("ASIA{}", session.to_uppercase()),
        "sessionContext": {"sessionIssuer": {
            "type": "Role", "userName": role, "accountId": ACCOUNT,
            "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}")}}
    }))
}

impl Caller {
    /// The same caller signing with another access key.
    pub(crate) fn key(mut self, key: &str) -> Caller {
        self.0["accessKeyId"] = key.into();
        self
    }

    /// The nhi identity id of the caller.
    pub(crate) fn id(&self) -> String {
        match self.0["type"].as_str() {
            Some("AssumedRole") => format!(
                "aws:role:{}",
                self.0["sessionContext"]["sessionIssuer"]["arn"]
                    .as_str()
                    .unwrap_or_default()
            ),
            _ => format!("aws:user:{}", self.0["arn"].as_str().unwrap_or_default()),
        }
    }
}

/// One CloudTrail record being built.
pub(crate) struct Ct(Value);

/// `caller` calls `action` (`service:EventName`) at `second`, from 198.51.100.10 with an SDK.
pub(crate) fn ct(second: i64, caller: &Caller, action: &str) -> Ct {
    let (service, name) = action.split_once(':').unwrap_or(("sts", action));
    Ct(json!({
        "eventVersion": "1.09", "eventID": event_id("ct"), "eventTime": time(second),
        "eventSource": format!("{service}.amazonaws.com"), "eventName": name,
        "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.10",
        "userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux",
        "userIdentity": caller.0, "requestParameters": null, "responseElements": null,
        "recipientAccountId": ACCOUNT,
    }))
}

impl Ct {
    pub(crate) fn ip(mut self, ip: &str) -> Ct {
        self.0["sourceIPAddress"] = ip.into();
        self
    }

    pub(crate) fn agent(mut self, agent: &str) -> Ct {
        self.0["userAgent"] = agent.into();
        self
    }

    pub(crate) fn params(mut self, params: Value) -> Ct {
        self.0["requestParameters"] = params;
        self
    }

    pub(crate) fn response(mut self, response: Value) -> Ct {
        self.0["responseElements"] = response;
        self
    }

    /// The call was refused.
    pub(crate) fn denied(mut self) -> Ct {
        self.0["errorCode"] = "AccessDenied".into();
        self
    }

    /// Sets any other top-level field.
    pub(crate) fn with(mut self, field: &str, value: Value) -> Ct {
        self.0[field] = value;
        self
    }

    pub(crate) fn done(self) -> Value {
        self.0
    }
}

/// One Kubernetes audit record being built.
pub(crate) struct K8s(Value);

/// `user` (a user name as the API server logs it) does `verb` on `resource` at `second`.
pub(crate) fn k8s(second: i64, user: &str, verb: &str, resource: &str) -> K8s {
    K8s(json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": event_id("k8s"), "stage": "ResponseComplete", "verb": verb,
        "requestURI": format!("/api/v1/{resource}"),
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.1.15"], "userAgent": "Go-http-client/2.0",
        "objectRef": {"resource": resource, "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": if verb == "create" { 201 } else { 200 }},
        "requestReceivedTimestamp": time(second), "stageTimestamp": time(second),
        "annotations": {"authorization.k8s.io/decision": "allow"},
    }))
}

impl K8s {
    /// The object named `namespace/name` (empty namespace for cluster-scoped objects).
    pub(crate) fn target(mut self, namespace: &str, name: &str) -> K8s {
        if !namespace.is_empty() {
            self.0["objectRef"]["namespace"] = namespace.into();
        }
        if !name.is_empty() {
            self.0["objectRef"]["name"] = name.into();
        }
        self
    }

    pub(crate) fn subresource(mut self, subresource: &str) -> K8s {
        self.0["objectRef"]["subresource"] = subresource.into();
        self.0["responseStatus"]["code"] = 101.into();
        self
    }

    pub(crate) fn ip(mut self, ip: &str) -> K8s {
        self.0["sourceIPs"] = json!([ip]);
        self
    }

    pub(crate) fn agent(mut self, agent: &str) -> K8s {
        self.0["userAgent"] = agent.into();
        self
    }

    pub(crate) fn object(mut self, object: Value) -> K8s {
        self.0["requestObject"] = object;
        self
    }

    pub(crate) fn code(mut self, code: u16) -> K8s {
        self.0["responseStatus"]["code"] = code.into();
        self
    }

    /// RBAC refused the request.
    pub(crate) fn forbidden(mut self) -> K8s {
        self.0["annotations"]["authorization.k8s.io/decision"] = "forbid".into();
        self.code(403)
    }

    pub(crate) fn uri(mut self, uri: &str) -> K8s {
        self.0["requestURI"] = uri.into();
        self
    }

    /// The token's id, as the API server records it for bound service-account tokens.
    pub(crate) fn token(mut self, id: &str) -> K8s {
        self.0["user"]["extra"] = json!({"authentication.kubernetes.io/credential-id": [id]});
        self
    }

    pub(crate) fn done(self) -> Value {
        self.0
    }
}

/// The user name of service account `namespace/name`.
pub(crate) fn service_account(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}
