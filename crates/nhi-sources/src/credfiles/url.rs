//! Just enough URL parsing for credentials: the user and password of `scheme://user:pass@host`,
//! secret-bearing query parameters (`?api_key=...`), and a redacted form of the whole URL.
//!
//! Invariant: parsing never fails loudly; text that is not an absolute URL is simply `None`.

use super::secret;

/// Query parameter names whose value is a secret.
const SECRET_PARAMS: &[&str] = &[
    "api_key",
    "apikey",
    "api-key",
    "key",
    "token",
    "access_token",
    "auth",
    "auth_token",
    "secret",
    "password",
    "client_secret",
    "sig",
    "signature",
    "code",
];

/// The parts of an absolute URL that matter for credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url<'a> {
    pub scheme: &'a str,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Host and port, as written.
    pub host: &'a str,
    /// Everything after the host: path, query and fragment.
    pub rest: &'a str,
}

impl<'a> Url<'a> {
    /// Parse `scheme://[user[:password]@]host[:port][/path][?query]`; `None` for anything else.
    pub(crate) fn parse(text: &'a str) -> Option<Url<'a>> {
        let (scheme, after) = text.split_once("://")?;
        let scheme_ok = !scheme.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok || after.chars().any(char::is_whitespace) {
            return None;
        }
        let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(authority_end);
        let (userinfo, host) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        if host.is_empty() {
            return None;
        }
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((user, password)) => {
                    (Some(percent_decode(user)), Some(percent_decode(password)))
                }
                None => (Some(percent_decode(info)), None),
            },
            None => (None, None),
        };
        Some(Url {
            scheme,
            user: user.filter(|u| !u.is_empty()),
            password: password.filter(|p| !p.is_empty()),
            host,
            rest,
        })
    }

    /// The host without the port.
    pub(crate) fn hostname(&self) -> &str {
        if let Some(bracketed) = self.host.strip_prefix('[') {
            return bracketed.split(']').next().unwrap_or(bracketed);
        }
        self.host.split(':').next().unwrap_or(self.host)
    }

    /// Whether the host is this machine (loopback), where plain HTTP does not cross a network.
    pub(crate) fn is_loopback(&self) -> bool {
        let host = self.hostname().to_ascii_lowercase();
        host == "localhost" || host.starts_with("127.") || host == "::1" || host == "0.0.0.0"
    }

    /// Query parameters whose name says they carry a secret, with non-placeholder values, decoded.
    pub(crate) fn secret_params(&self) -> Vec<(String, String)> {
        let query = match self.rest.split_once('?') {
            Some((_, query)) => query.split('#').next().unwrap_or(query),
            None => return Vec::new(),
        };
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(name, _)| {
                let name = name.to_ascii_lowercase();
                SECRET_PARAMS.contains(&name.as_str()) || secret::names_secret(&name)
            })
            .map(|(name, value)| (percent_decode(name), percent_decode(value)))
            .filter(|(_, value)| !secret::is_placeholder(value))
            .collect()
    }
}

/// Decode `%XX` escapes (and nothing else); malformed escapes stay as written.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL with its password and secret query values redacted; text that is not a URL is
/// redacted as a whole.
pub(crate) fn redact(text: &str) -> String {
    let Some(url) = Url::parse(text) else {
        return secret::redact(text);
    };
    let mut out = format!("{}://", url.scheme);
    if let Some(user) = &url.user {
        out.push_str(user);
        if url.password.is_some() {
            out.push_str(":****");
        }
        out.push('@');
    }
    out.push_str(url.host);
    let (path, query) = match url.rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url.rest, None),
    };
    // Webhook URLs carry their secret in the path.
    let path = if path.len() > 24 && text.contains("hooks.") {
        "/****"
    } else {
        path
    };
    out.push_str(path);
    if let Some(query) = query {
        let secret_names: Vec<String> = url.secret_params().into_iter().map(|(n, _)| n).collect();
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if secret_names.contains(&percent_decode(name)) => {
                    format!("{name}=****")
                }
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_userinfo_and_secret_params() {
        let url =
            Url::parse("https://bot:ghp%40x123456@github.com/org/repo?ref=main&token=abc123456")
                .unwrap();
        assert_eq!(url.user.as_deref(), Some("bot"));
        assert_eq!(url.password.as_deref(), Some("ghp@x123456"));
        assert_eq!(url.hostname(), "github.com");
        assert_eq!(
            url.secret_params(),
            vec![("token".to_string(), "abc123456".to_string())]
        );
        assert!(Url::parse("http://127.0.0.1:8080/sse")
            .unwrap()
            .is_loopback());
        assert!(
            Url::parse("not a url").is_none()
                && Url::parse("://x").is_none()
                && Url::parse("http://").is_none()
        );
    }

    #[test]
    fn redaction_hides_passwords_and_secret_params() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/app?sslmode=require&password=x1234567"),
            "postgres://app:****@db:5432/app?sslmode=require&password=****"
        );
        assert_eq!(
            redact("https://mcp.example.com/sse?key=abcd1234efgh"),
            "https://mcp.example.com/sse?key=****"
        );
        assert_eq!(
            redact("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX"),
            "https://hooks.slack.com/****"
        );
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }
}
