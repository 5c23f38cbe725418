#!/usr/bin/env python3
"""Generate a host tree for timing `nhi scan` on the host, credential-file and MCP sources.

Usage: gen-host-tree.py OUT_DIR [HOMES]

Makes OUT_DIR/etc (passwd, shadow, group, sudoers.d, cron.d, systemd units for a tenth of the
accounts) and HOMES home folders (default 1,000) under OUT_DIR/home, each with a realistic mix of
credential files: .aws/credentials and config, .kube/config, .docker/config.json, .npmrc, .pypirc,
.netrc, .git-credentials, .ssh/authorized_keys, a project .env, MCP configs (Claude Desktop,
Cursor, Codex), and now and then a Terraform state. About one home in five is a service account.
Every secret is random and fake. Deterministic (fixed seed): the same tree every run.

Then: time nhi scan OUT_DIR --no-store --format json > /dev/null
"""
import base64
import json
import os
import random
import string
import sys

rng = random.Random(1729)
ALNUM = string.ascii_letters + string.digits


def token(prefix, length):
    return prefix + "".join(rng.choice(ALNUM) for _ in range(length))


def key_id(prefix="AKIA"):
    return prefix + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def b64url(data):
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def jwt(claims):
    header = b64url(json.dumps({"alg": "RS256", "kid": "bench"}))
    return f"{header}.{b64url(json.dumps(claims))}.{token('', 43)}"


def ssh_key(comment):
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(rng.getrandbits(8) for _ in range(32))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def mcp_servers(user, shared_token):
    servers = {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github" + rng.choice(["", "@2025.4.8"])],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": rng.choice([shared_token, token("ghp_", 36)])}},
        "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.7.1",
                                             rng.choice(["/", f"/home/{user}", f"/home/{user}/src"])]},
    }
    if rng.random() < 0.3:
        servers["tracker"] = {"url": f"http{rng.choice(['', 's'])}://mcp.bench.example/sse?api_key={token('tk_', 24)}"}
    if rng.random() < 0.2:
        servers["aws"] = {"command": "uvx", "args": ["awslabs.aws-api-mcp-server"],
                          "env": {"AWS_ACCESS_KEY_ID": key_id(), "AWS_SECRET_ACCESS_KEY": token("", 40)}}
    return servers


def home(root, user, service, shared_token):
    base = f"home/{user}"
    write(root, f"{base}/.aws/credentials",
          f"[default]\naws_access_key_id = {key_id()}\naws_secret_access_key = {token('', 40)}\n"
          f"[tmp]\naws_access_key_id = {key_id('ASIA')}\naws_secret_access_key = {token('', 40)}\naws_session_token = {token('FwoG', 60)}\n")
    write(root, f"{base}/.aws/config", f"[profile prod]\nsso_session = bench\nsso_account_id = 111122223333\nregion = eu-west-1\n")
    claims = {"iss": "kubernetes/serviceaccount", "sub": f"system:serviceaccount:apps:{user}"}
    write(root, f"{base}/.kube/config",
          "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: https://k8s.bench.example\n"
          f"contexts:\n- name: bench\n  context:\n    cluster: bench\n    user: {user}\nusers:\n- name: {user}\n  user:\n    token: {jwt(claims)}\n")
    auth = base64.b64encode(f"{user}:{token('', 20)}".encode()).decode()
    write(root, f"{base}/.docker/config.json", json.dumps({"auths": {"registry.bench.example": {"auth": auth}}}, indent=2))
    write(root, f"{base}/.npmrc", f"//registry.npmjs.org/:_authToken={token('npm_', 36)}\n")
    write(root, f"{base}/.pypirc", f"[pypi]\nusername = __token__\npassword = {token('pypi-AgEI', 60)}\n")
    write(root, f"{base}/.netrc", f"machine ftp.bench.example login {user} password {token('', 16)}\n")
    write(root, f"{base}/.git-credentials", f"https://{user}:{token('glpat-', 20)}@gitlab.bench.example\n")
    write(root, f"{base}/.ssh/authorized_keys", ssh_key(f"{user}@bench") + "\n")
    write(root, f"{base}/src/app/.env",
          f"DATABASE_URL=postgres://app:{token('', 16)}@db/app\nAPI_TOKEN={token('', 32)}\nLOG_LEVEL=info\n")
    desktop = {"mcpServers": mcp_servers(user, shared_token)}
    write(root, f"{base}/.config/Claude/claude_desktop_config.json", json.dumps(desktop, indent=2))
    cursor = {"mcpServers": mcp_servers(user, shared_token)}
    write(root, f"{base}/.cursor/mcp.json", "// cursor\n" + json.dumps(cursor, indent=2))
    write(root, f"{base}/.codex/config.toml", '[mcp_servers.shell]\ncommand = "uvx"\nargs = ["mcp-shell-server"]\n')
    if service and rng.random() < 0.3:
        state = {"version": 4, "resources": [
            {"mode": "managed", "type": "aws_iam_access_key", "name": user.replace("-", "_"),
             "instances": [{"attributes": {"id": key_id(), "secret": token("", 40), "user": user}}]},
            {"mode": "managed", "type": "random_password", "name": "db",
             "instances": [{"attributes": {"id": "none", "result": token("", 20)}}]}]}
        write(root, f"{base}/infra/terraform.tfstate", json.dumps(state, indent=2))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    homes = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    shared_token = token("ghp_", 36)
    passwd = ["root:x:0:0:root:/root:/bin/bash", "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin"]
    shadow = ["root:$6$bench$" + token("", 40) + ":19500:0:99999:7:::", "daemon:*:19500:0:99999:7:::"]
    group = ["root:x:0:", "sudo:x:27:"]
    for i in range(homes):
        service = i % 5 == 0
        user = f"svc-{i:04d}" if service else f"user{i:04d}"
        uid = 2000 + i
        shell = rng.choice(["/bin/bash", "/bin/sh"]) if service else "/bin/zsh"
        passwd.append(f"{user}:x:{uid}:{uid}::/home/{user}:{shell}")
        password = rng.choice(["!", "", "$6$bench$" + token("", 40)]) if service else "$y$j9T$" + token("", 40)
        shadow.append(f"{user}:{password}:19600:0:99999:7:::")
        group.append(f"{user}:x:{uid}:")
        if service:
            write(root, f"etc/sudoers.d/{user}", f"{user} ALL=(root) NOPASSWD: {rng.choice(['ALL', '/usr/bin/systemctl restart app'])}\n")
            write(root, f"etc/cron.d/{user}", f"*/10 * * * * {user} /opt/{user}/run --token {token('', 24)}\n")
            write(root, f"etc/systemd/system/{user}.service",
                  f"[Service]\nUser={user}\nEnvironment=\"API_PASSWORD={token('', 16)}\"\nExecStart=/opt/{user}/bin/serve\n")
        home(root, user, service, shared_token)
    write(root, "etc/hostname", "bench-host\n")
    write(root, "etc/passwd", "\n".join(passwd) + "\n")
    write(root, "etc/shadow", "\n".join(shadow) + "\n")
    write(root, "etc/group", "\n".join(group) + "\n")
    write(root, "etc/sudoers", "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n#includedir /etc/sudoers.d\n")


if __name__ == "__main__":
    main()
