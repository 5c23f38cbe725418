//! IAM wildcards: `*` matches any run of characters, `?` exactly one. Actions compare
//! case-insensitively (callers lowercase both sides once), resources case-sensitively.
//!
//! Invariant: linear-time in the common case (greedy match with one backtrack point), never
//! recursive, so hostile patterns cannot blow the stack.

/// Whether `text` matches `pattern`. Byte-wise: IAM names and ARNs are ASCII.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    glob(pattern.as_bytes(), text.as_bytes(), false)
}

/// Whether `pattern` matches every string that `general` matches, where `general` uses `*` as a
/// wildcard too (`arn:aws:iam::1:role/*`). Sufficient, not complete: a `*` in `general` can only be
/// absorbed by a `*` of `pattern`, so `arn:*` covers `arn:aws:iam::1:role/*` but
/// `arn:aws:iam::1:role/a*` does not.
pub(crate) fn covers(pattern: &str, general: &str) -> bool {
    glob(pattern.as_bytes(), general.as_bytes(), true)
}

/// The literal text before the first wildcard or policy variable: every match starts with it.
pub(crate) fn literal_prefix(pattern: &str) -> &str {
    let end = pattern.find(['*', '?', '$']).unwrap_or(pattern.len());
    &pattern[..end]
}

fn glob(pattern: &[u8], text: &[u8], text_has_wildcards: bool) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` of the pattern was, and the text position it currently absorbs up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let literal_star_in_text = text_has_wildcards && text[t] == b'*';
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') if !literal_star_in_text => {
                p += 1;
                t += 1;
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_runs_and_single_characters() {
        assert!(matches("*", ""));
        assert!(matches("iam:*", "iam:passrole"));
        assert!(matches("iam:create*", "iam:createpolicyversion"));
        assert!(!matches("iam:create*", "iam:attachuserpolicy"));
        assert!(matches("iam:?ass*", "iam:passrole"));
        assert!(matches(
            "arn:aws:iam::*:policy/fn2-*",
            "arn:aws:iam::200611803367:policy/fn2-x"
        ));
        assert!(!matches(
            "arn:aws:iam::aws:policy/fp4-*",
            "arn:aws:iam::200611803367:policy/fp4-x"
        ));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("*a*a*a*a*b", "aaaaaaaaaaaaaaaab"));
        assert!(!matches("abc", "abcd"));
    }

    #[test]
    fn coverage_lets_only_stars_absorb_stars() {
        assert!(covers("*", "arn:aws:iam::1:role/*"));
        assert!(covers("arn:aws:iam::*:role/*", "arn:aws:iam::1:role/*"));
        assert!(covers("arn:aws:iam::1:*", "arn:aws:iam::1:role/*"));
        assert!(!covers(
            "arn:aws:iam::1:role/app-*",
            "arn:aws:iam::1:role/*"
        ));
        assert!(!covers("arn:aws:iam::1:role/?", "arn:aws:iam::1:role/*"));
        assert!(!covers("arn:aws:iam::2:role/*", "arn:aws:iam::1:role/*"));
    }

    #[test]
    fn literal_prefix_stops_at_the_first_wildcard_or_variable() {
        assert_eq!(
            literal_prefix("arn:aws:iam::1:role/app-*"),
            "arn:aws:iam::1:role/app-"
        );
        assert_eq!(
            literal_prefix("arn:aws:iam::1:user/${aws:username}"),
            "arn:aws:iam::1:user/"
        );
        assert_eq!(literal_prefix("*"), "");
    }
}
