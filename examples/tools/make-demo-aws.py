#!/usr/bin/env python3
"""Write the demo estate's AWS account (examples/demo-estate/cloud/aws/): the output of
`aws iam get-account-authorization-details` and of the credential report, for the fictional
Larkspur Freight production account 418272791100. Each principal shows one risk; see the estate README.
"""
import json
import os

ACCOUNT = "418272791100"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "demo-estate", "cloud", "aws")
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def arn(kind, name):
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resources="*", **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def trust(principal, action="sts:AssumeRole", condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def github(sub=None):
    condition = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    if sub:
        condition["StringLike"] = {"token.actions.githubusercontent.com:sub": sub}
    return trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", condition)


def user(name, created, inline=None, managed=(), tags=None):
    return {
        "Path": "/", "UserName": name, "UserId": "AIDA" + name.upper().replace("-", "")[:12].ljust(12, "X"),
        "Arn": arn("user", name), "CreateDate": created, "GroupList": [],
        "UserPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in (inline or {}).items()],
        "AttachedManagedPolicies": [{"PolicyName": p.rsplit("/", 1)[1], "PolicyArn": p} for p in managed],
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }


def role(name, trust_policy, managed=(), inline=None, last_used=None, tags=None, service_linked=False):
    return {
        "Path": "/", "RoleName": name, "RoleId": "AROA" + name.upper().replace("-", "")[:12].ljust(12, "X"),
        "Arn": arn("role", name), "CreateDate": "2024-02-01T09:00:00Z",
        "AssumeRolePolicyDocument": trust_policy, "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in (inline or {}).items()],
        "AttachedManagedPolicies": [{"PolicyName": p.rsplit("/", 1)[1], "PolicyArn": p} for p in managed],
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        "RoleLastUsed": {"LastUsedDate": last_used, "Region": "eu-west-1"} if last_used else {},
    }


def managed_policy(name, arn_, document):
    return {
        "PolicyName": name, "PolicyId": "ANPA" + name.upper()[:12].ljust(12, "X"), "Arn": arn_, "Path": "/",
        "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": True,
        "CreateDate": "2024-01-10T09:00:00Z", "UpdateDate": "2024-01-10T09:00:00Z",
        "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True,
                               "CreateDate": "2024-01-10T09:00:00Z"}],
    }


SHIPMENT_DEPLOY = arn("policy", "ShipmentDeploy")
details = {
    "UserDetailList": [
        # Escalates to admin by rewriting a policy it is attached to; also holds s3:*.
        user("ci-deployer", "2023-02-01T10:00:00Z", tags={"owner": "platform-team", "env": "prod"},
             inline={"ci-deployer": doc(allow(["iam:CreatePolicyVersion", "iam:ListPolicies"]),
                                        allow("s3:*", "arn:aws:s3:::larkspur-artifacts/*"))}),
        # Two active keys, the old one unused since 2024.
        user("legacy-sync", "2022-05-01T10:00:00Z", tags={"team": "billing"},
             inline={"read-billing": doc(allow(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::larkspur-billing*"))}),
        # A service account somebody also logs in to the console with, without MFA.
        user("reporting-bot", "2023-06-12T10:00:00Z",
             inline={"reports": doc(allow(["athena:StartQueryExecution", "s3:GetObject"]))}),
        # A person (password + MFA): counted, not an NHI.
        user("dana.ops", "2021-09-01T10:00:00Z", managed=[ADMIN]),
    ],
    "GroupDetailList": [],
    "RoleDetailList": [
        # GitHub Actions deploy role: any repository of the organisation may assume it; it can
        # create a Lambda function that runs as admin-automation.
        role("shipment-deploy", github("repo:larkspur-freight/*"), managed=[SHIPMENT_DEPLOY],
             last_used="2026-11-28T07:00:00Z", tags={"owner": "shipping-team"}),
        role("shipment-reports", github("repo:larkspur-freight/billing-api:ref:refs/heads/main"),
             inline={"reports": doc(allow("s3:GetObject", "arn:aws:s3:::larkspur-reports/*"))}),
        # OIDC trust with no subject condition: any GitHub repository in the world.
        role("dispatch-docs", github(), inline={"docs": doc(allow("s3:PutObject", "arn:aws:s3:::larkspur-docs/*"))}),
        role("admin-automation", trust({"Service": "lambda.amazonaws.com"}), managed=[ADMIN],
             last_used="2026-11-20T07:00:00Z"),
        # A vendor's account may assume it without an external id (confused deputy).
        role("vendor-audit", trust({"AWS": "arn:aws:iam::999988887777:root"}),
             inline={"audit": doc(allow(["iam:Get*", "iam:List*"]))}),
        # Assumable by anyone on the internet.
        role("public-diagnostics", trust({"AWS": "*"}),
             inline={"diag": doc(allow(["cloudwatch:GetMetricData", "logs:FilterLogEvents"]))}),
    ],
    "Policies": [
        managed_policy("AdministratorAccess", ADMIN, doc(allow("*"))),
        managed_policy("ShipmentDeploy", SHIPMENT_DEPLOY, doc(
            allow(["lambda:CreateFunction", "lambda:InvokeFunction", "ecs:UpdateService"]),
            allow("iam:PassRole", arn("role", "*")))),
    ],
}

HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
          "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
          "cert_1_last_rotated,cert_2_active,cert_2_last_rotated")
NA = "N/A"


def report_row(name, arn_, created, password=None, mfa=False, key1=None, key2=None):
    def key(k):
        if not k:
            return ["false", NA, NA, NA, NA]
        rotated, used = k
        return ["true", rotated, used or NA, "eu-west-1" if used else NA, "s3" if used else NA]
    pw = ["true", password, "2023-06-12T10:00:00+00:00", NA] if password else ["false", NA, NA, NA]
    return ",".join([name, arn_, created, *pw, "true" if mfa else "false", *key(key1), *key(key2),
                     "false", NA, "false", NA])


rows = [
    report_row("<root_account>", f"arn:aws:iam::{ACCOUNT}:root", "2019-03-01T09:00:00+00:00",
               password="2026-10-02T08:00:00+00:00", mfa=True,
               key1=("2019-03-02T09:00:00+00:00", "2026-09-14T10:00:00+00:00")),
    report_row("ci-deployer", arn("user", "ci-deployer"), "2023-02-01T10:00:00+00:00",
               key1=("2023-02-01T10:05:00+00:00", "2026-11-30T22:10:00+00:00")),
    report_row("legacy-sync", arn("user", "legacy-sync"), "2022-05-01T10:00:00+00:00",
               key1=("2022-05-01T10:05:00+00:00", "2024-01-10T03:00:00+00:00"),
               key2=("2025-08-01T10:05:00+00:00", "2026-11-29T03:00:00+00:00")),
    report_row("reporting-bot", arn("user", "reporting-bot"), "2023-06-12T10:00:00+00:00",
               password="2026-11-02T08:00:00+00:00",
               key1=("2025-11-02T10:05:00+00:00", "2026-11-30T06:00:00+00:00")),
    report_row("dana.ops", arn("user", "dana.ops"), "2021-09-01T10:00:00+00:00",
               password="2026-11-30T08:00:00+00:00", mfa=True),
]

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "authorization-details.json"), "w") as fh:
    json.dump(details, fh, indent=2)
    fh.write("\n")
with open(os.path.join(OUT, "credential-report.csv"), "w") as fh:
    fh.write(HEADER + "\n" + "\n".join(rows) + "\n")
print("wrote", OUT)
