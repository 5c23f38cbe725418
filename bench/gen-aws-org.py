#!/usr/bin/env python3
"""Generate a large `aws iam get-account-authorization-details` export to time nhi's AWS analysis.

Usage: gen-aws-org.py OUT_FILE [ROLES] [USERS] [POLICIES]

Writes one compact JSON file: by default 50,000 roles, 20,000 users, 100 groups and 100,000
customer-managed policies (plus AdministratorAccess), in one account. The mix is meant to look like
a real estate: most roles are service roles (Lambda, EC2 with instance profiles, ECS tasks, Glue)
with one to three attached policies scoped to their own buckets, tables and queues; a fifth trust
the account root, some trust a named role or an external account (with or without an external id)
or GitHub OIDC; one policy in ten uses a service wildcard (`s3:*`); about one principal in a
hundred holds an escalation method (PassRole with Lambda/EC2/Glue, CreatePolicyVersion on its own
policy, AttachRolePolicy on itself, CreateAccessKey on every user, UpdateAssumeRolePolicy,
AssumeRole on everything) and about one role in two hundred is admin. Deterministic (fixed seed).

The file is larger than nhi's default file-size cap, so time it with:
    nhi scan OUT_FILE --max-file-size 2000000000 --no-store --format json --output /dev/null
"""
import json
import random
import sys

ACCOUNT = "123456789012"
SERVICES = [("lambda.amazonaws.com", 40), ("ec2.amazonaws.com", 20), ("ecs-tasks.amazonaws.com", 15), ("glue.amazonaws.com", 5)]
TEAMS = ["payments", "search", "checkout", "platform", "data", "ml", "identity", "growth", "infra", "mobile"]
ENVS = ["prod", "staging", "dev"]
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def arn(kind, name):
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def statement(actions, resources, condition=None, effect="Allow"):
    s = {"Effect": effect, "Action": actions, "Resource": resources}
    if condition:
        s["Condition"] = condition
    return s


def scoped_policy(rng, team, i):
    """An ordinary workload policy: data-plane actions on the team's own resources."""
    bucket = f"arn:aws:s3:::{team}-{i % 500}"
    statements = [
        statement(["s3:GetObject", "s3:PutObject"], [f"{bucket}/*"]),
        statement(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/{team}-{i % 300}"),
    ]
    if rng.random() < 0.5:
        statements.append(statement(["sqs:SendMessage", "sqs:ReceiveMessage"], f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{team}-{i % 200}"))
    if rng.random() < 0.1:
        statements.append(statement("s3:*", "*"))
    if rng.random() < 0.05:
        statements.append(statement("iam:PassRole", arn("role", f"{team}-app-*"), {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}))
    if rng.random() < 0.03:
        statements.append(statement("logs:*", "*", {"Bool": {"aws:SecureTransport": "true"}}))
    return statements


def escalation_policy(rng, name):
    """A policy holding one escalation method."""
    return rng.choice([
        [statement(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "*")],
        [statement(["iam:PassRole", "ec2:RunInstances"], "*")],
        [statement(["iam:PassRole", "glue:CreateDevEndpoint"], "*")],
        [statement("iam:CreatePolicyVersion", arn("policy", name))],
        [statement("iam:CreateAccessKey", "*")],
        [statement(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"], "*")],
        [statement("sts:AssumeRole", "*")],
        [statement("lambda:UpdateFunctionCode", "*")],
        [statement("ssm:SendCommand", "*")],
    ])


def trust(rng, service, i, roles):
    roll = rng.random()
    if roll < 0.2:
        return {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, None, "sts:AssumeRole"
    if roll < 0.26 and i > 0:
        return {"AWS": arn("role", roles[rng.randrange(i)]["RoleName"])}, None, "sts:AssumeRole"
    if roll < 0.28:
        condition = {"StringEquals": {"sts:ExternalId": f"ext-{i}"}} if rng.random() < 0.5 else None
        return {"AWS": f"arn:aws:iam::{rng.randrange(10**11, 10**12)}:root"}, condition, "sts:AssumeRole"
    if roll < 0.29:
        sub = {"StringLike": {"token.actions.githubusercontent.com:sub": f"repo:acme/app-{i}:*"}} if rng.random() < 0.7 else None
        provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
        return {"Federated": provider}, sub, "sts:AssumeRoleWithWebIdentity"
    return {"Service": service}, None, "sts:AssumeRole"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    n_roles = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    n_users = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
    n_policies = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
    rng = random.Random(20240607)
    services = [s for s, w in SERVICES for _ in range(w)]

    policies = []
    for i in range(n_policies):
        team = TEAMS[i % len(TEAMS)]
        name = f"{team}-policy-{i}"
        escalates = rng.random() < 0.01
        statements = escalation_policy(rng, name) if escalates else scoped_policy(rng, team, i)
        policies.append({
            "PolicyName": name, "PolicyId": f"ANPA{i:016d}", "Arn": arn("policy", name), "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 0, "IsAttachable": True,
            "CreateDate": "2023-01-01T00:00:00+00:00", "UpdateDate": "2023-01-01T00:00:00+00:00",
            "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": statements},
                                   "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": "2023-01-01T00:00:00+00:00"}],
        })
    policies.append({
        "PolicyName": "AdministratorAccess", "Arn": ADMIN_ARN, "Path": "/", "DefaultVersionId": "v1",
        "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [statement("*", "*")]},
                               "VersionId": "v1", "IsDefaultVersion": True}],
    })

    def attached(count):
        picked = [policies[rng.randrange(n_policies)] for _ in range(count)]
        return [{"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in picked]

    groups = []
    for g in range(100):
        team = TEAMS[g % len(TEAMS)]
        managed = [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN}] if g == 0 else attached(2)
        groups.append({"Path": "/", "GroupName": f"{team}-group-{g}", "GroupId": f"AGPA{g:016d}", "Arn": arn("group", f"{team}-group-{g}"),
                       "CreateDate": "2022-01-01T00:00:00+00:00", "GroupPolicyList": [], "AttachedManagedPolicies": managed})

    roles = []
    for i in range(n_roles):
        team = TEAMS[i % len(TEAMS)]
        service = rng.choice(services)
        name = f"{team}-{'app' if i % 3 else 'svc'}-{i}"
        roles.append({"RoleName": name})
        principal, condition, action = trust(rng, service, i, roles)
        document = {"Version": "2012-10-17", "Statement": [dict(statement(action, None, condition), Principal=principal)]}
        del document["Statement"][0]["Resource"]
        managed = attached(rng.randint(1, 3))
        if rng.random() < 0.005:
            managed.append({"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN})
        inline = []
        if rng.random() < 0.3:
            inline.append({"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17", "Statement": scoped_policy(rng, team, i)}})
        profile = [{"Path": "/", "InstanceProfileName": name, "InstanceProfileId": f"AIPA{i:016d}", "Arn": arn("instance-profile", name),
                    "CreateDate": "2023-01-01T00:00:00+00:00", "Roles": []}] if service == "ec2.amazonaws.com" else []
        last_used = {"LastUsedDate": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00+00:00", "Region": "eu-west-1"} if rng.random() < 0.7 else {}
        roles[i] = {
            "Path": "/", "RoleName": name, "RoleId": f"AROA{i:016d}", "Arn": arn("role", name), "CreateDate": "2023-01-01T00:00:00+00:00",
            "AssumeRolePolicyDocument": document, "InstanceProfileList": profile, "RolePolicyList": inline,
            "AttachedManagedPolicies": managed, "Tags": [{"Key": "team", "Value": team}, {"Key": "env", "Value": ENVS[i % 3]}],
            "RoleLastUsed": last_used,
        }

    users = []
    for u in range(n_users):
        team = TEAMS[u % len(TEAMS)]
        name = f"{team}-user-{u}"
        member_of = [groups[rng.randrange(1, 100)]["GroupName"]] if rng.random() < 0.6 else []
        if rng.random() < 0.002:
            member_of.append(groups[0]["GroupName"])
        users.append({
            "Path": "/", "UserName": name, "UserId": f"AIDA{u:016d}", "Arn": arn("user", name), "CreateDate": "2023-01-01T00:00:00+00:00",
            "UserPolicyList": [], "GroupList": member_of, "AttachedManagedPolicies": attached(rng.randint(0, 2)),
            "Tags": [{"Key": "owner", "Value": f"{team}@example.com"}],
        })

    export = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}
    with open(out, "w") as fh:
        json.dump(export, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
