//! Connection strings: recognising them, naming the server they point at, and hiding passwords.

/// Whether a command-line argument is a PostgreSQL URL rather than a path.
pub fn is_postgres_dsn(arg: &str) -> bool {
    arg.starts_with("postgres://") || arg.starts_with("postgresql://")
}

/// The DSN with any password replaced by `****` (URL `user:pass@` and `password=` parameters).
pub fn redact_dsn(dsn: &str) -> String {
    let mut out = dsn.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                out.replace_range(start..rest_start + at, "****");
            }
        }
    }
    redact_parameter(&out, "password=")
}

fn redact_parameter(text: &str, key: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.to_ascii_lowercase().find(key) {
        out.push_str(&rest[..i + key.len()]);
        out.push_str("****");
        let value = &rest[i + key.len()..];
        let end = value.find(['&', ' ']).unwrap_or(value.len());
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// A stable name for the server: `host:port` (a Unix socket directory counts as the host).
pub(crate) fn server_name(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.to_string_lossy().into_owned(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_survive_redaction() {
        assert_eq!(
            redact_dsn("postgres://app:s3cr%40t@db.internal:5432/prod?sslmode=require"),
            "postgres://app:****@db.internal:5432/prod?sslmode=require"
        );
        assert_eq!(
            redact_dsn("postgresql://app@db/prod"),
            "postgresql://app@db/prod"
        );
        assert_eq!(
            redact_dsn("postgres:///prod?user=app&password=hunter2&host=/tmp"),
            "postgres:///prod?user=app&password=****&host=/tmp"
        );
        assert!(is_postgres_dsn("postgresql://x") && !is_postgres_dsn("./postgres"));
    }

    #[test]
    fn server_names_cover_sockets_and_tcp() {
        let tcp: postgres::Config = "postgres://u@db.internal:6432/x".parse().unwrap();
        assert_eq!(server_name(&tcp), "db.internal:6432");
        let unix: postgres::Config = "host=/run/pg port=5433 user=u".parse().unwrap();
        assert_eq!(server_name(&unix), "/run/pg:5433");
    }
}
