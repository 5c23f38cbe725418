//! What an MCP server can reach, as its package, binary, name, arguments and environment imply:
//! the filesystem (and which roots), a shell, databases, clouds, source control, messaging, a
//! browser, the network; and for containers, host mounts and escapes.
//!
//! Invariant: reach is read from names and arguments only (a documented word list), never by
//! running or asking the server; it is a hint for people and rules, not a proof.

use super::launch::Launch;

/// Words in a package, binary or server name, and the reach they imply.
const WORDS: &[(&str, &str)] = &[
    ("filesystem", "filesystem"),
    ("files", "filesystem"),
    ("fs", "filesystem"),
    ("shell", "shell"),
    ("terminal", "shell"),
    ("commander", "shell"),
    ("commands", "shell"),
    ("exec", "shell"),
    ("bash", "shell"),
    ("powershell", "shell"),
    ("ssh", "shell"),
    ("postgres", "database"),
    ("postgresql", "database"),
    ("mysql", "database"),
    ("sqlite", "database"),
    ("mongodb", "database"),
    ("mongo", "database"),
    ("redis", "database"),
    ("mssql", "database"),
    ("supabase", "database"),
    ("snowflake", "database"),
    ("bigquery", "database"),
    ("clickhouse", "database"),
    ("database", "database"),
    ("dynamodb", "database"),
    ("aws", "cloud:aws"),
    ("awslabs", "cloud:aws"),
    ("gcp", "cloud:gcp"),
    ("gcloud", "cloud:gcp"),
    ("azure", "cloud:azure"),
    ("kubernetes", "cloud:kubernetes"),
    ("k8s", "cloud:kubernetes"),
    ("kubectl", "cloud:kubernetes"),
    ("terraform", "cloud:terraform"),
    ("cloudflare", "cloud:cloudflare"),
    ("github", "source-control"),
    ("gitlab", "source-control"),
    ("bitbucket", "source-control"),
    ("git", "source-control"),
    ("slack", "messaging"),
    ("discord", "messaging"),
    ("teams", "messaging"),
    ("gmail", "messaging"),
    ("puppeteer", "browser"),
    ("playwright", "browser"),
    ("browser", "browser"),
    ("fetch", "network"),
];

/// Environment variables and the reach they give.
const ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "cloud:aws"),
    ("AWS_PROFILE", "cloud:aws"),
    ("GOOGLE_APPLICATION_CREDENTIALS", "cloud:gcp"),
    ("AZURE_CLIENT_SECRET", "cloud:azure"),
    ("AZURE_CLIENT_ID", "cloud:azure"),
    ("KUBECONFIG", "cloud:kubernetes"),
    ("DATABASE_URL", "database"),
    ("POSTGRES_CONNECTION_STRING", "database"),
];

/// Schemes of database connection strings.
const DATABASE_SCHEMES: &[&str] = &[
    "postgres://",
    "postgresql://",
    "mysql://",
    "mongodb://",
    "mongodb+srv://",
    "redis://",
    "sqlserver://",
];

/// A server's reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reach {
    /// Sorted tags: `filesystem`, `shell`, `database`, `cloud:aws`, `source-control`, ...
    pub tags: Vec<String>,
    /// Filesystem roots the server is given (arguments that are paths, host mounts).
    pub filesystem_roots: Vec<String>,
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
}

/// Whether an argument is a filesystem path (absolute, home-relative, or relative).
fn is_path(arg: &str) -> bool {
    arg.starts_with(['/', '~', '.'])
        || arg.starts_with("$HOME")
        || arg.starts_with("${HOME}")
        || arg.starts_with("%USERPROFILE%")
        || (arg.len() >= 3
            && arg.as_bytes()[1] == b':'
            && matches!(arg.as_bytes()[2], b'\\' | b'/'))
}

/// The reach of a server named `name` launched as `launch` by `command`, with `env` names and
/// `args`.
pub(crate) fn of(
    name: &str,
    command: Option<&str>,
    launch: &Launch,
    env: &[(String, String)],
    args: &[String],
) -> Reach {
    let mut tags: Vec<String> = Vec::new();
    let program = command.map(|c| c.rsplit(['/', '\\']).next().unwrap_or(c));
    let named: Vec<&str> = [
        Some(name),
        launch.package.as_deref(),
        program.filter(|_| launch.launcher == "binary"),
    ]
    .into_iter()
    .flatten()
    .collect();
    for word in named.iter().flat_map(|n| words(n)) {
        if let Some((_, tag)) = WORDS.iter().find(|(w, _)| *w == word) {
            tags.push(tag.to_string());
        }
    }
    for (variable, value) in env {
        if let Some((_, tag)) = ENV.iter().find(|(v, _)| v == variable) {
            tags.push(tag.to_string());
        }
        if DATABASE_SCHEMES.iter().any(|s| value.starts_with(s)) {
            tags.push("database".into());
        }
    }
    if args
        .iter()
        .any(|a| DATABASE_SCHEMES.iter().any(|s| a.starts_with(s)))
    {
        tags.push("database".into());
    }
    let mut roots: Vec<String> = Vec::new();
    if tags.iter().any(|t| t == "filesystem") {
        roots.extend(launch.server_args.iter().filter(|a| is_path(a)).cloned());
    }
    if !launch.mounts.is_empty() {
        tags.push("filesystem".into());
        roots.extend(launch.mounts.iter().filter(|m| is_path(m)).cloned());
    }
    tags.extend(launch.container_escapes.iter().cloned());
    tags.sort();
    tags.dedup();
    roots.dedup();
    Reach {
        tags,
        filesystem_roots: roots,
    }
}

#[cfg(test)]
mod tests {
    use super::super::launch::analyse;
    use super::*;

    fn reach(name: &str, line: &str, env: &[(&str, &str)]) -> Reach {
        let words: Vec<String> = line.split(' ').map(str::to_string).collect();
        let launch = analyse(&words[0], &words[1..]);
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        of(name, Some(&words[0]), &launch, &env, &words[1..])
    }

    #[test]
    fn filesystem_roots_shell_database_and_cloud() {
        let fs = reach(
            "files",
            "npx -y @modelcontextprotocol/server-filesystem / ~/Documents",
            &[],
        );
        assert_eq!(fs.tags, vec!["filesystem"]);
        assert_eq!(fs.filesystem_roots, vec!["/", "~/Documents"]);
        assert_eq!(
            reach("term", "npx -y @wonderwhy-er/desktop-commander", &[]).tags,
            vec!["shell"]
        );
        let db = reach(
            "pg",
            "npx -y @modelcontextprotocol/server-postgres postgresql://u:p@db/x",
            &[],
        );
        assert_eq!(db.tags, vec!["database"]);
        let aws = reach(
            "ops",
            "uvx awslabs.aws-api-mcp-server",
            &[("AWS_ACCESS_KEY_ID", "AKIA...")],
        );
        assert_eq!(aws.tags, vec!["cloud:aws"]);
        let docker = reach("x", "docker run --privileged -v /:/host image:1", &[]);
        assert_eq!(docker.tags, vec!["filesystem", "privileged"]);
        assert_eq!(docker.filesystem_roots, vec!["/"]);
        assert!(reach("notes", "node /srv/notes/index.js", &[])
            .tags
            .is_empty());
    }
}
