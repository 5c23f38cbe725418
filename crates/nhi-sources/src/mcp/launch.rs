//! How a local MCP server is launched, and whether what it runs is pinned: a package fetched at
//! start (`npx -y pkg@1.2.3`, `uvx pkg==1.2.3`, `pipx run`, `bunx`, `pnpm dlx`), a container image
//! (`docker run image@sha256:...`), a local script or a binary on the machine.
//!
//! Invariant: pinning means an exact version (or an image digest or a tag other than `latest`);
//! ranges, `latest` and no version at all are unpinned. Nothing is run or fetched.

/// Flags of `docker run` that take a value as the next word.
const DOCKER_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--env",
    "-v",
    "--volume",
    "--name",
    "-p",
    "--publish",
    "--network",
    "--net",
    "--mount",
    "--env-file",
    "-w",
    "--workdir",
    "-u",
    "--user",
    "--entrypoint",
    "--platform",
    "-l",
    "--label",
    "--add-host",
    "--cap-add",
    "--cap-drop",
    "--memory",
    "-m",
    "--cpus",
    "--device",
    "--pull",
    "--hostname",
    "-h",
    "--restart",
    "--runtime",
    "--security-opt",
    "--tmpfs",
    "--ulimit",
    "--log-driver",
    "--log-opt",
    "--pid",
    "--ipc",
    "--group-add",
];

/// npm-family flags that take a value.
const NPX_VALUE_FLAGS: &[&str] = &[
    "--registry",
    "--cache",
    "--userconfig",
    "-c",
    "--call",
    "--node-options",
];

/// What a server's command line launches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Launch {
    /// `npx`, `uvx`, `pipx`, `docker`, `local`, `binary` (or `remote` for URL servers).
    pub launcher: String,
    /// The package or image name, without its version.
    pub package: Option<String>,
    pub version: Option<String>,
    /// Whether what runs is fixed: `None` when nothing is fetched at launch.
    pub pinned: Option<bool>,
    /// The words after the package (the server's own arguments), for reach.
    pub server_args: Vec<String>,
    /// Host paths a container mounts (the left side of `-v host:container`).
    pub mounts: Vec<String>,
    /// `--privileged`, a mounted Docker socket, host networking: container escapes.
    pub container_escapes: Vec<String>,
}

fn basename(path: &str) -> &str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.strip_suffix(".exe")
        .or_else(|| name.strip_suffix(".cmd"))
        .unwrap_or(name)
}

/// Analyse `command args...`.
pub(crate) fn analyse(command: &str, args: &[String]) -> Launch {
    match basename(command) {
        "npx" | "bunx" => node_package(args, "npx", 0),
        "npm" | "pnpm" | "yarn" | "bun" => {
            let sub = args.first().map(String::as_str);
            match sub {
                Some("exec" | "dlx" | "x") => node_package(args, "npx", 1),
                _ => local(),
            }
        }
        "uvx" => python_package(args, "uvx", 0),
        "uv" if args.first().map(String::as_str) == Some("tool")
            && args.get(1).map(String::as_str) == Some("run") =>
        {
            python_package(args, "uvx", 2)
        }
        "pipx" if args.first().map(String::as_str) == Some("run") => {
            python_package(args, "pipx", 1)
        }
        "docker" | "podman" | "nerdctl" => container(args),
        "node" | "python" | "python3" | "deno" | "ruby" | "java" | "dotnet" | "go" | "uv"
        | "bash" | "sh" => local(),
        _ => Launch {
            launcher: "binary".into(),
            server_args: args.to_vec(),
            ..Launch::default()
        },
    }
}

fn local() -> Launch {
    Launch {
        launcher: "local".into(),
        ..Launch::default()
    }
}

/// The first word from `start` that is not a flag (or a flag's value), and the words after it.
fn positional<'a>(
    args: &'a [String],
    start: usize,
    value_flags: &[&str],
) -> Option<(usize, &'a str)> {
    let mut i = start;
    while i < args.len() {
        let word = args[i].as_str();
        if word == "--" {
            return args.get(i + 1).map(|w| (i + 1, w.as_str()));
        }
        if word.starts_with('-') {
            i += if value_flags.contains(&word) { 2 } else { 1 };
            continue;
        }
        return Some((i, word));
    }
    None
}

/// Whether a version is exact: digits and dots with an optional pre-release or build suffix.
fn exact_version(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let parts: Vec<&str> = core.split('.').collect();
    !parts.is_empty()
        && parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn node_package(args: &[String], launcher: &str, start: usize) -> Launch {
    // `--package=pkg@1` / `-p pkg@1` name the package explicitly.
    let explicit = args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--package=")
            .map(str::to_string)
            .or_else(|| {
                matches!(a.as_str(), "-p" | "--package")
                    .then(|| args.get(i + 1).cloned())
                    .flatten()
            })
    });
    let found = positional(
        args,
        start,
        &[NPX_VALUE_FLAGS, &["-p", "--package"]].concat(),
    );
    let spec = explicit.or_else(|| found.map(|(_, w)| w.to_string()));
    let server_args = found
        .map(|(i, _)| args[i + 1..].to_vec())
        .unwrap_or_default();
    let Some(spec) = spec else {
        return Launch {
            launcher: launcher.into(),
            pinned: Some(false),
            ..Launch::default()
        };
    };
    // `@scope/name@1.2.3`: the version is after the last `@` that is not the first character.
    let at = spec
        .char_indices()
        .skip(1)
        .filter(|(_, c)| *c == '@')
        .map(|(i, _)| i)
        .last();
    let (package, version) = match at {
        Some(at) => (spec[..at].to_string(), Some(spec[at + 1..].to_string())),
        None => (spec.clone(), None),
    };
    let pinned = version.as_deref().is_some_and(exact_version);
    Launch {
        launcher: launcher.into(),
        package: Some(package),
        version,
        pinned: Some(pinned),
        server_args,
        ..Launch::default()
    }
}

fn python_package(args: &[String], launcher: &str, start: usize) -> Launch {
    let from = args
        .iter()
        .position(|a| a == "--from")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let found = positional(
        args,
        start,
        &[
            "--from",
            "--with",
            "--python",
            "-p",
            "--index-url",
            "--spec",
        ],
    );
    let spec = from.or_else(|| found.map(|(_, w)| w.to_string()));
    let server_args = found
        .map(|(i, _)| args[i + 1..].to_vec())
        .unwrap_or_default();
    let Some(spec) = spec else {
        return Launch {
            launcher: launcher.into(),
            pinned: Some(false),
            ..Launch::default()
        };
    };
    let (package, version, pinned) = if let Some((name, version)) = spec.split_once("==") {
        (
            name.to_string(),
            Some(version.to_string()),
            exact_version(version),
        )
    } else if let Some((name, version)) = spec.split_once('@') {
        (
            name.to_string(),
            Some(version.to_string()),
            exact_version(version),
        )
    } else {
        let end = spec.find(['>', '<', '~', '!', '=']).unwrap_or(spec.len());
        let version = (end < spec.len()).then(|| spec[end..].to_string());
        (spec[..end].to_string(), version, false)
    };
    Launch {
        launcher: launcher.into(),
        package: Some(package),
        version,
        pinned: Some(pinned),
        server_args,
        ..Launch::default()
    }
}

fn container(args: &[String]) -> Launch {
    let mut launch = Launch {
        launcher: "docker".into(),
        ..Launch::default()
    };
    let Some(run) = args.iter().position(|a| a == "run") else {
        return launch;
    };
    let mut i = run + 1;
    while i < args.len() {
        let word = args[i].as_str();
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if word.starts_with('-') => (flag, Some(value)),
            _ => (word, None),
        };
        if !flag.starts_with('-') {
            break;
        }
        let value = match inline {
            Some(value) => Some(value),
            None if DOCKER_VALUE_FLAGS.contains(&flag) => {
                i += 1;
                args.get(i).map(String::as_str)
            }
            None => None,
        };
        match (flag, value) {
            ("-v" | "--volume", Some(volume)) => {
                let host = volume.split(':').next().unwrap_or(volume);
                if host.contains("docker.sock") {
                    launch.container_escapes.push("docker-socket".into());
                }
                launch.mounts.push(host.to_string());
            }
            ("--mount", Some(mount)) => {
                let source = mount
                    .split(',')
                    .find_map(|p| p.strip_prefix("source=").or_else(|| p.strip_prefix("src=")));
                launch.mounts.extend(source.map(str::to_string));
            }
            ("--privileged", _) => launch.container_escapes.push("privileged".into()),
            ("--network" | "--net", Some("host")) | ("--pid", Some("host")) => {
                launch
                    .container_escapes
                    .push(format!("{}=host", flag.trim_start_matches('-')));
            }
            _ => {}
        }
        i += 1;
    }
    let Some(image) = args.get(i) else {
        launch.pinned = Some(false);
        return launch;
    };
    launch.server_args = args[i + 1..].to_vec();
    let (name, version, pinned) = if let Some((name, digest)) = image.split_once('@') {
        (
            name.to_string(),
            Some(digest.to_string()),
            digest.starts_with("sha256:"),
        )
    } else {
        let last = image.rsplit('/').next().unwrap_or(image);
        match last.rsplit_once(':') {
            Some((_, tag)) => {
                let name = &image[..image.len() - tag.len() - 1];
                (name.to_string(), Some(tag.to_string()), tag != "latest")
            }
            None => (image.clone(), None, false),
        }
    };
    launch.package = Some(name);
    launch.version = version;
    launch.pinned = Some(pinned);
    launch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(line: &str) -> Launch {
        let words: Vec<String> = line.split(' ').map(str::to_string).collect();
        analyse(&words[0], &words[1..])
    }

    fn pin(line: &str) -> (Option<String>, Option<String>, Option<bool>) {
        let l = launch(line);
        (l.package, l.version, l.pinned)
    }

    fn some(
        p: &str,
        v: Option<&str>,
        pinned: bool,
    ) -> (Option<String>, Option<String>, Option<bool>) {
        (Some(p.into()), v.map(str::to_string), Some(pinned))
    }

    #[test]
    fn npm_packages() {
        assert_eq!(
            pin("npx -y @modelcontextprotocol/server-github"),
            some("@modelcontextprotocol/server-github", None, false)
        );
        assert_eq!(
            pin("npx -y @modelcontextprotocol/server-github@2025.4.8"),
            some(
                "@modelcontextprotocol/server-github",
                Some("2025.4.8"),
                true
            )
        );
        assert_eq!(
            pin("npx mcp-remote@latest https://x"),
            some("mcp-remote", Some("latest"), false)
        );
        assert_eq!(pin("npx -y pkg@^1.2.0"), some("pkg", Some("^1.2.0"), false));
        assert_eq!(
            pin("npx --package=tool@1.0.0 tool-cli"),
            some("tool", Some("1.0.0"), true)
        );
        assert_eq!(
            pin("pnpm dlx pkg@3.1.4-beta.1"),
            some("pkg", Some("3.1.4-beta.1"), true)
        );
        assert_eq!(
            launch("npx -y @modelcontextprotocol/server-filesystem / /tmp").server_args,
            vec!["/", "/tmp"]
        );
    }

    #[test]
    fn python_packages() {
        assert_eq!(
            pin("uvx mcp-server-git"),
            some("mcp-server-git", None, false)
        );
        assert_eq!(
            pin("uvx mcp-server-git==0.6.2 --repository ."),
            some("mcp-server-git", Some("0.6.2"), true)
        );
        assert_eq!(
            pin("uvx --from awslabs.core-mcp-server@1.0.1 core"),
            some("awslabs.core-mcp-server", Some("1.0.1"), true)
        );
        assert_eq!(pin("uvx pkg>=1.0"), some("pkg", Some(">=1.0"), false));
        assert_eq!(
            pin("uv tool run mcp-server-fetch"),
            some("mcp-server-fetch", None, false)
        );
    }

    #[test]
    fn containers_and_locals() {
        assert_eq!(
            pin("docker run -i --rm -e TOKEN ghcr.io/github/github-mcp-server"),
            some("ghcr.io/github/github-mcp-server", None, false)
        );
        assert_eq!(
            pin("docker run -i mcp/postgres:latest"),
            some("mcp/postgres", Some("latest"), false)
        );
        assert_eq!(
            pin("docker run -i localhost:5000/mcp/fs:1.4"),
            some("localhost:5000/mcp/fs", Some("1.4"), true)
        );
        let digest = launch("docker run --privileged -v /:/host -v /var/run/docker.sock:/var/run/docker.sock mcp/fs@sha256:abc");
        assert_eq!(digest.pinned, Some(true));
        assert_eq!(digest.mounts, vec!["/", "/var/run/docker.sock"]);
        assert_eq!(
            digest.container_escapes,
            vec!["privileged", "docker-socket"]
        );
        assert_eq!(launch("node /srv/mcp/index.js").launcher, "local");
        assert_eq!(
            launch("/usr/local/bin/github-mcp-server stdio").pinned,
            None
        );
        assert_eq!(launch("npx").pinned, Some(false));
        assert_eq!(launch("docker run").pinned, Some(false));
        assert_eq!(analyse("npx", &["".into()]).package.as_deref(), Some(""));
        assert_eq!(pin("npx é@1.0.0"), some("é", Some("1.0.0"), true));
    }
}
