//! The Sigma condition language, parsed by hand: `and`, `or`, `not`, parentheses, `1 of sel*`,
//! `all of them`, `N of pattern`. Precedence from loosest: `or`, `and`, `not`, `x of`, brackets.
//! Parsing resolves every identifier and pattern against the rule's search identifiers, so a
//! compiled [`Expr`] only holds selection indices.

/// A compiled condition over a rule's selections (by index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    Selection(usize),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// At least `count` of the selections match (`all of` sets `count` to their number).
    AtLeast {
        count: usize,
        of: Vec<usize>,
    },
}

impl Expr {
    /// Evaluates with `selection(i)` telling whether selection `i` matches.
    pub(crate) fn eval(&self, selection: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Expr::Selection(index) => selection(*index),
            Expr::Not(inner) => !inner.eval(selection),
            Expr::And(parts) => parts.iter().all(|part| part.eval(selection)),
            Expr::Or(parts) => parts.iter().any(|part| part.eval(selection)),
            Expr::AtLeast { count, of } => {
                let mut seen = 0;
                of.iter().any(|&index| {
                    seen += usize::from(selection(index));
                    seen >= *count
                })
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Of,
    Them,
    All,
    Word(String),
}

/// Parses `condition` against the selection names (in file order).
pub(crate) fn parse_condition(condition: &str, names: &[String]) -> Result<Expr, String> {
    let tokens = tokenize(condition)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        names,
    };
    let expr = parser.or_expr()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(format!(
            "unexpected {} after a complete condition",
            describe(token)
        )),
    }
}

fn tokenize(condition: &str) -> Result<Vec<(Token, usize)>, String> {
    let mut tokens = Vec::new();
    let mut chars = condition.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        let column = at + 1;
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '|' => {
                return Err(format!(
                "`|` at column {column}: aggregations are Sigma 1 syntax; use a correlation rule"
            ))
            }
            '(' | ')' => {
                chars.next();
                tokens.push((if c == '(' { Token::Open } else { Token::Close }, column));
            }
            c if is_word_char(c) => {
                let mut word = String::new();
                while let Some(&(_, c)) = chars.peek().filter(|(_, c)| is_word_char(*c)) {
                    word.push(c);
                    chars.next();
                }
                let token = match word.to_ascii_lowercase().as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    "of" => Token::Of,
                    "them" => Token::Them,
                    "all" => Token::All,
                    _ => Token::Word(word),
                };
                tokens.push((token, column));
            }
            other => return Err(format!("unexpected character `{other}` at column {column}")),
        }
    }
    Ok(tokens)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '*')
}

fn describe(token: &Token) -> String {
    match token {
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::And => "`and`".into(),
        Token::Or => "`or`".into(),
        Token::Not => "`not`".into(),
        Token::Of => "`of`".into(),
        Token::Them => "`them`".into(),
        Token::All => "`all`".into(),
        Token::Word(word) => format!("`{word}`"),
    }
}

struct Parser<'n> {
    tokens: Vec<(Token, usize)>,
    at: usize,
    names: &'n [String],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(token, _)| token)
    }

    fn next(&mut self) -> Option<(Token, usize)> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or_expr(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.and_expr()?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.not_expr()?];
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            parts.push(self.not_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn not_expr(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.not_expr()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let Some((token, column)) = self.next() else {
            return Err("the condition ends where an identifier or `(` was expected".into());
        };
        match token {
            Token::Open => {
                let inner = self.or_expr()?;
                match self.next() {
                    Some((Token::Close, _)) => Ok(inner),
                    _ => Err(format!("the `(` at column {column} is never closed")),
                }
            }
            Token::All => self.quantified(None, column),
            Token::Word(word) if self.peek() == Some(&Token::Of) => {
                let count = word
                    .parse::<usize>()
                    .ok()
                    .filter(|count| *count > 0)
                    .ok_or_else(|| {
                        format!(
                            "`{word} of` at column {column}: expected a positive number or `all`"
                        )
                    })?;
                self.quantified(Some(count), column)
            }
            Token::Word(word) => self
                .names
                .iter()
                .position(|name| *name == word)
                .map(Expr::Selection)
                .ok_or_else(|| format!("unknown search identifier `{word}` at column {column}")),
            other => Err(format!(
                "unexpected {} at column {column}",
                describe(&other)
            )),
        }
    }

    /// `<count|all> of <them|pattern>`; the `of` is next.
    fn quantified(&mut self, count: Option<usize>, column: usize) -> Result<Expr, String> {
        if self.next().map(|(token, _)| token) != Some(Token::Of) {
            return Err(format!("`all` at column {column} must be followed by `of`"));
        }
        let of: Vec<usize> = match self.next() {
            Some((Token::Them, _)) => (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .collect(),
            Some((Token::Word(pattern), _)) => {
                let matching: Vec<usize> = (0..self.names.len())
                    .filter(|&i| wildcard_match(&pattern, &self.names[i]))
                    .collect();
                if matching.is_empty() {
                    return Err(format!(
                        "`{pattern}` at column {column} matches no search identifier"
                    ));
                }
                matching
            }
            _ => {
                return Err(format!(
                    "`of` at column {column} must be followed by `them` or a pattern"
                ))
            }
        };
        if of.is_empty() {
            return Err("`them` has no search identifiers to refer to".into());
        }
        let count = count.unwrap_or(of.len());
        Ok(Expr::AtLeast { count, of })
    }
}

/// Identifier patterns only know `*`.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let tail: Vec<&str> = parts.collect();
    let Some((last, middle)) = tail.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(found) => rest = &rest[found + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["selection", "filter_a", "filter_b", "keywords", "_hidden"]
            .map(String::from)
            .to_vec()
    }

    fn parse(condition: &str) -> Result<Expr, String> {
        parse_condition(condition, &names())
    }

    fn eval(condition: &str, matching: &[usize]) -> bool {
        parse(condition)
            .unwrap()
            .eval(&mut |index| matching.contains(&index))
    }

    #[test]
    fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
        assert_eq!(
            parse("selection or keywords and not filter_a").unwrap(),
            Expr::Or(vec![
                Expr::Selection(0),
                Expr::And(vec![
                    Expr::Selection(3),
                    Expr::Not(Box::new(Expr::Selection(1)))
                ]),
            ])
        );
        assert!(eval("selection or keywords and not filter_a", &[0, 1]));
        assert!(!eval("(selection or keywords) and not filter_a", &[0, 1]));
        assert!(eval("not not selection", &[0]));
        assert!(
            parse("SELECTION").is_err(),
            "identifiers are case-sensitive"
        );
        assert!(
            eval("selection AND NOT filter_a", &[0]),
            "operators are not"
        );
    }

    #[test]
    fn of_forms() {
        assert!(eval("selection and not 1 of filter_*", &[0]));
        assert!(!eval("selection and not 1 of filter_*", &[0, 2]));
        assert!(!eval("all of filter_*", &[1]));
        assert!(eval("all of filter_*", &[1, 2]));
        assert!(eval("2 of them", &[0, 3]));
        assert!(
            !eval("2 of them", &[0, 4]),
            "`them` leaves out identifiers starting with _"
        );
        assert!(eval("1 of them", &[3]));
        assert!(eval("all of them", &[0, 1, 2, 3]));
        assert!(eval("1 of *a", &[1]));
        assert!(eval("1 of _*", &[4]));
        assert!(eval("all of sel*tion", &[0]));
    }

    #[test]
    fn errors_say_what_and_where() {
        let error = |condition: &str| parse(condition).unwrap_err();
        assert_eq!(
            error("selction"),
            "unknown search identifier `selction` at column 1"
        );
        assert!(error("(selection or keywords").contains("never closed"));
        assert!(error("selection and").contains("ends where"));
        assert!(error("1 of nothing*").contains("matches no search identifier"));
        assert!(error("0 of them").contains("positive number"));
        assert!(error("selection | count() > 5").contains("correlation rule"));
        assert!(error("selection keywords").contains("unexpected `keywords`"));
        assert!(error("selection & keywords").contains("unexpected character `&`"));
        assert!(error("all them").contains("followed by `of`"));
        assert!(error(")").contains("unexpected `)`"));
    }

    #[test]
    fn identifier_patterns() {
        assert!(wildcard_match("sel*", "selection"));
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match("a*b*c", "aXbYc"));
        assert!(!wildcard_match("a*b*c", "aXbYd"));
        assert!(wildcard_match("exact", "exact") && !wildcard_match("exact", "exactly"));
    }
}
