#!/usr/bin/env python3
"""Generate realistic CloudTrail delivery files to time `nhi hunt`.

Usage: gen-cloudtrail.py OUT_DIR [RECORDS] [DAYS]

Writes RECORDS records (default 1,000,000) spread over DAYS days (default 7) as CloudTrail delivers
them: gzip-compressed `{"Records": [...]}` files under
`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz`,
one file per account, region and five minutes (about 1,000 records each). The estate: 4 accounts,
3 regions, about 3,000 identities (Lambda and ECS task roles, EC2 instance roles with sessions
named after their instance, CI roles, a few IAM users with long-term keys, people through SSO);
each identity has its own few calls, its own source networks and its SDK. Calls are mostly reads
(Describe, Get, List, S3 and KMS data calls), about 2% refused. A handful of attacks are planted so
that a hunt has something to find: a leaked key used from a second network, a CloudTrail stopped,
secrets read in bulk, an access key made for another user. Deterministic (fixed seed).

Time it with bench/hunt-throughput.sh.
"""
import datetime
import gzip
import json
import os
import random
import sys
import uuid

ACCOUNTS = ["111122223333", "222233334444", "333344445555", "444455556666"]
REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"]
BASE = datetime.datetime(2024, 6, 3, tzinfo=datetime.timezone.utc)
SDKS = [
    "Boto3/1.34.{n} md/Botocore#1.34.{n} ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.{n}",
    "aws-sdk-go-v2/1.30.{n} os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.{n}",
    "aws-sdk-java/2.25.{n} Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. exec-env/AWS_Lambda_java17",
    "aws-sdk-nodejs/2.1583.{n} linux/v18.19.1 exec-env/AWS_Lambda_nodejs18.x promise",
]
# (eventSource prefix, eventName, read only, weight, request parameters maker)
CALLS = [
    ("s3", "GetObject", True, 30, lambda r, i: {"bucketName": f"{i['team']}-data", "key": f"objects/{r.randrange(10**6)}.json", "Host": f"{i['team']}-data.s3.amazonaws.com"}),
    ("s3", "PutObject", False, 12, lambda r, i: {"bucketName": f"{i['team']}-data", "key": f"objects/{r.randrange(10**6)}.json", "Host": f"{i['team']}-data.s3.amazonaws.com"}),
    ("kms", "Decrypt", True, 14, lambda r, i: {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"aws:lambda:FunctionArn": i["arn"]}}),
    ("dynamodb", "GetItem", True, 10, lambda r, i: {"tableName": f"{i['team']}-items", "key": {"pk": {"S": str(r.randrange(10**9))}}}),
    ("dynamodb", "PutItem", False, 5, lambda r, i: {"tableName": f"{i['team']}-items"}),
    ("sts", "AssumeRole", True, 4, lambda r, i: {"roleArn": f"arn:aws:iam::{i['account']}:role/{i['team']}-reader", "roleSessionName": f"s-{r.randrange(10**6)}", "durationSeconds": 3600}),
    ("sts", "GetCallerIdentity", True, 3, lambda r, i: None),
    ("ec2", "DescribeInstances", True, 6, lambda r, i: {"filterSet": {}, "instancesSet": {}}),
    ("ec2", "DescribeSecurityGroups", True, 2, lambda r, i: {"securityGroupSet": {}, "filterSet": {}}),
    ("sqs", "SendMessage", False, 5, lambda r, i: {"queueUrl": f"https://sqs.eu-west-1.amazonaws.com/{i['account']}/{i['team']}-jobs"}),
    ("sqs", "ReceiveMessage", True, 5, lambda r, i: {"queueUrl": f"https://sqs.eu-west-1.amazonaws.com/{i['account']}/{i['team']}-jobs", "maxNumberOfMessages": 10}),
    ("secretsmanager", "GetSecretValue", True, 2, lambda r, i: {"secretId": f"{i['team']}/db"}),
    ("ssm", "GetParameter", True, 2, lambda r, i: {"name": f"/{i['team']}/config", "withDecryption": True}),
    ("lambda", "Invoke", False, 2, lambda r, i: {"functionName": f"{i['team']}-worker"}),
    ("logs", "CreateLogStream", False, 1, lambda r, i: {"logGroupName": f"/aws/lambda/{i['team']}", "logStreamName": str(uuid.UUID(int=r.getrandbits(128)))}),
    ("iam", "GetRole", True, 1, lambda r, i: {"roleName": f"{i['team']}-reader"}),
    ("cloudformation", "DescribeStacks", True, 1, lambda r, i: {"stackName": f"{i['team']}-stack"}),
]
TEAMS = ["payments", "search", "checkout", "platform", "data", "ml", "identity", "growth", "infra", "mobile"]


def identities(rng):
    """About 3,000 identities with their own calls, networks and client."""
    out = []
    for n in range(3000):
        account = rng.choice(ACCOUNTS)
        team = rng.choice(TEAMS)
        kind = rng.choices(["lambda", "ecs", "ec2", "ci", "user", "sso"], [40, 20, 25, 8, 4, 3])[0]
        role = f"{team}-{kind}-{n}"
        base = {"account": account, "team": team, "kind": kind,
                "calls": rng.sample(range(len(CALLS)), rng.randint(3, 7)),
                "agent": rng.choice(SDKS).format(n=rng.randrange(40)),
                # Servers (instances, IAM-user workloads) keep one address; managed compute moves.
                "networks": [f"{rng.choice([3, 18, 34, 52, 54])}.{rng.randrange(256)}.{rng.randrange(256)}"
                             for _ in range(1 if kind in ("ec2", "user") else rng.randint(1, 3))],
                "host": rng.randrange(1, 255),
                "weight": rng.paretovariate(1.2)}
        if kind == "user":
            base.update(type="IAMUser", arn=f"arn:aws:iam::{account}:user/{role}", name=role,
                        key="AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)))
        else:
            base.update(type="AssumedRole", arn=f"arn:aws:iam::{account}:role/{role}", name=role)
            if kind == "sso":
                base["agent"] = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Safari/537.36"
        out.append(base)
    return out


def user_identity(rng, ident, at):
    if ident["type"] == "IAMUser":
        return {"type": "IAMUser", "principalId": "AIDA" + ident["name"].upper()[:16], "arn": ident["arn"],
                "accountId": ident["account"], "accessKeyId": ident["key"], "userName": ident["name"]}
    session = {"lambda": ident["name"], "ecs": f"task-{rng.randrange(10**6):x}", "ci": f"gha-{rng.randrange(10**5)}",
               "sso": "alice@example.com", "ec2": f"i-0{rng.getrandbits(60):015x}"[:19]}[ident["kind"]]
    if ident["kind"] == "ec2":
        session = ident.setdefault("instance", session)
    ctx = {"sessionIssuer": {"type": "Role", "principalId": "AROA" + ident["name"].upper()[:16], "arn": ident["arn"],
                             "accountId": ident["account"], "userName": ident["name"]},
           "attributes": {"creationDate": (at - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ"), "mfaAuthenticated": "false"}}
    if ident["kind"] == "ec2":
        ctx["ec2RoleDelivery"] = "2.0"
    return {"type": "AssumedRole", "principalId": f"AROA{ident['name'].upper()[:16]}:{session}",
            "arn": f"arn:aws:sts::{ident['account']}:assumed-role/{ident['name']}/{session}",
            "accountId": ident["account"], "accessKeyId": "ASIA" + f"{rng.getrandbits(80):020X}"[:16], "sessionContext": ctx}


def record(rng, ident, at, region, call=None, params=None, ip=None, error=None):
    source, name, read_only, _, make = CALLS[call] if isinstance(call, int) else call
    network = rng.choice(ident["networks"])
    rec = {
        "eventVersion": "1.09", "userIdentity": user_identity(rng, ident, at),
        "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": f"{source}.amazonaws.com",
        "eventName": name, "awsRegion": region,
        "sourceIPAddress": ip or f"{network}.{ident['host'] if ident['kind'] in ('ec2', 'user') else rng.randrange(1, 255)}",
        "userAgent": ident["agent"], "requestParameters": params if params is not None else make(rng, ident),
        "responseElements": None, "requestID": str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))), "readOnly": read_only,
        "eventType": "AwsApiCall", "managementEvent": source not in ("s3", "lambda"),
        "recipientAccountId": ident["account"], "eventCategory": "Management" if source not in ("s3", "lambda") else "Data",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": f"{source}.{region}.amazonaws.com"},
    }
    if error or rng.random() < 0.02:
        rec["errorCode"] = error or "AccessDenied"
        rec["errorMessage"] = f"User: {rec['userIdentity']['arn']} is not authorized to perform: {source}:{name}"
    return rec


def planted(rng, people, start, span):
    """A few attacks, as (time, region, record) triples."""
    out = []
    users = [i for i in people if i["type"] == "IAMUser"]
    leaked = users[0]
    t = start + span * 0.6
    out.append((t, REGIONS[0], record(rng, leaked, t, REGIONS[0], 1)))
    t2 = t + datetime.timedelta(minutes=3)
    out.append((t2, REGIONS[0], record(rng, leaked, t2, REGIONS[0], ("s3", "ListBuckets", True, 0, None), {}, ip="185.220.101.7")))
    attacker = users[1]
    t = start + span * 0.7
    out.append((t, REGIONS[1], record(rng, attacker, t, REGIONS[1], ("cloudtrail", "StopLogging", False, 0, None), {"name": "org-trail"})))
    for n in range(25):
        at = t + datetime.timedelta(seconds=2 * n)
        out.append((at, REGIONS[1], record(rng, attacker, at, REGIONS[1], ("secretsmanager", "GetSecretValue", True, 0, None), {"secretId": f"prod/secret-{n}"})))
    at = t + datetime.timedelta(minutes=5)
    out.append((at, REGIONS[1], record(rng, attacker, at, REGIONS[1], ("iam", "CreateAccessKey", False, 0, None), {"userName": users[2]["name"]})))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    days = float(sys.argv[3]) if len(sys.argv) > 3 else 7
    rng = random.Random(20240603)
    people = identities(rng)
    weights = [i["weight"] for i in people]
    span = datetime.timedelta(days=days)
    windows = max(1, int(span.total_seconds() // 300))
    per_file = max(1, total // (windows * len(ACCOUNTS) * len(REGIONS)))
    extra = planted(rng, people, BASE, span)
    by_account = {a: [i for i in people if i["account"] == a] for a in ACCOUNTS}
    weight_of = {a: [i["weight"] for i in by_account[a]] for a in ACCOUNTS}
    written = files = 0
    window = 0
    while written < total:
        start = BASE + datetime.timedelta(seconds=300 * (window % windows))
        for account in ACCOUNTS:
            for region in REGIONS:
                if written >= total:
                    break
                count = min(per_file, total - written)
                chosen = rng.choices(by_account[account], weight_of[account], k=count)
                records = []
                for ident in chosen:
                    at = start + datetime.timedelta(seconds=rng.randrange(300))
                    call = rng.choices(ident["calls"], [CALLS[c][3] for c in ident["calls"]])[0]
                    records.append(record(rng, ident, at, region, call))
                records.extend(r for t, reg, r in extra if reg == region and r["recipientAccountId"] == account
                               and start <= t < start + datetime.timedelta(seconds=300) and window < windows)
                rng.shuffle(records)
                stamp = start.strftime("%Y%m%dT%H%MZ")
                path = os.path.join(out_dir, "AWSLogs", account, "CloudTrail", region, start.strftime("%Y/%m/%d"),
                                    f"{account}_CloudTrail_{region}_{stamp}_{rng.getrandbits(64):016x}.json.gz")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with gzip.open(path, "wb", compresslevel=5) as f:
                    f.write(json.dumps({"Records": records}, separators=(",", ":")).encode())
                written += count
                files += 1
        window += 1
    print(f"{written} records in {files} files under {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
