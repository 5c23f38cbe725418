//! Value modifiers: a field's modifier chain and its values compile into [`Predicate`]s.
//! Transforming modifiers (contains, startswith, endswith, windash, base64, base64offset, utf16*,
//! expand) apply in the order written; type modifiers (re, cidr, lt.., exists, fieldref, time
//! parts) choose how values compare; `all`, `cased` and `neq` change how they combine.

use super::error::LoadProblem;
use super::fieldmap::{field_paths, FieldPath};
use super::pattern::{Pattern, SigmaString};
use super::regex::{RegexFlags, SigmaRegex};
use super::rule::{SearchItem, SigmaValue};
use super::transform::{base64_forms, expand, windash, Utf16, MAX_ALTERNATIVES};
use crate::normalise::LogSource;
use std::collections::HashMap;
use std::net::IpAddr;

/// How one value is compared with what a field holds.
#[derive(Debug, Clone)]
pub(crate) enum Predicate {
    /// The field is absent or `null`.
    Null,
    /// The field is (or is not) present.
    Exists(bool),
    Text(Pattern),
    /// A number: equal to numeric fields and to strings that read as it.
    Number {
        value: f64,
        text: String,
    },
    Bool(bool),
    Regex(SigmaRegex),
    Cidr(Cidr),
    Compare(Comparison, f64),
    /// The field's value compared with another field of the same record.
    FieldRef {
        other: Vec<FieldPath>,
        how: RefMatch,
        cased: bool,
    },
    /// A part of a timestamp field (`hour`, `week`, ...) compared with a number.
    TimePart {
        part: TimePart,
        comparison: Comparison,
        value: i64,
    },
    /// `neq`: the field is present and none of these match.
    NoneOf(Vec<Predicate>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
}

impl Comparison {
    pub(crate) fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            Comparison::Lt => left < right,
            Comparison::Lte => left <= right,
            Comparison::Gt => left > right,
            Comparison::Gte => left >= right,
            Comparison::Eq => left == right,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefMatch {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().ok()?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= width)?,
            None => width,
        };
        Some(Cidr { network, prefix })
    }

    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        let mask = |width: u32| {
            if self.prefix == 0 {
                0
            } else {
                u128::MAX << (width - u32::from(self.prefix))
            }
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = mask(32) as u32;
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = mask(128);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// A compiled `field|modifiers: values` entry. Each value becomes alternatives (any may match);
/// values combine with OR, or with AND under `all`.
#[derive(Debug, Clone)]
pub(crate) struct CompiledItem {
    /// Where the field is read; `None` for keywords, which search the whole record.
    pub paths: Option<Vec<FieldPath>>,
    pub values: Vec<Vec<Predicate>>,
    pub all: bool,
}

/// What compiling needs besides the item.
pub(crate) struct CompileContext<'a> {
    pub source: LogSource,
    /// Values for `expand` placeholders, by name without the `%`.
    pub placeholders: &'a HashMap<String, Vec<String>>,
}

enum Modifier {
    Wrap { before: bool, after: bool },
    All,
    Cased,
    Neq,
    Windash,
    Expand,
    Utf16(Utf16),
    Base64 { offset: bool },
    Kind(Kind),
    ReFlag(char),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Regex {
        insensitive: bool,
        multi_line: bool,
        dot_all: bool,
    },
    Cidr,
    Compare(Comparison),
    Exists,
    FieldRef,
    Time(TimePart, Comparison),
}

#[derive(Debug, Clone, Copy)]
enum Transform {
    Wrap { before: bool, after: bool },
    Windash,
    Base64 { offset: bool, utf16: Option<Utf16> },
}

fn modifier(name: &str) -> Option<Modifier> {
    let kind = |kind| Some(Modifier::Kind(kind));
    match name {
        "contains" => Some(Modifier::Wrap {
            before: true,
            after: true,
        }),
        "startswith" => Some(Modifier::Wrap {
            before: false,
            after: true,
        }),
        "endswith" => Some(Modifier::Wrap {
            before: true,
            after: false,
        }),
        "all" => Some(Modifier::All),
        "cased" => Some(Modifier::Cased),
        "neq" => Some(Modifier::Neq),
        "windash" => Some(Modifier::Windash),
        "expand" => Some(Modifier::Expand),
        "utf16le" | "wide" => Some(Modifier::Utf16(Utf16::Le)),
        "utf16be" => Some(Modifier::Utf16(Utf16::Be)),
        "utf16" => Some(Modifier::Utf16(Utf16::WithBom)),
        "base64" => Some(Modifier::Base64 { offset: false }),
        "base64offset" => Some(Modifier::Base64 { offset: true }),
        "re" => kind(Kind::Regex {
            insensitive: false,
            multi_line: false,
            dot_all: false,
        }),
        "i" | "m" | "s" => name.chars().next().map(Modifier::ReFlag),
        "cidr" => kind(Kind::Cidr),
        "lt" => kind(Kind::Compare(Comparison::Lt)),
        "lte" => kind(Kind::Compare(Comparison::Lte)),
        "gt" => kind(Kind::Compare(Comparison::Gt)),
        "gte" => kind(Kind::Compare(Comparison::Gte)),
        "exists" => kind(Kind::Exists),
        "fieldref" => kind(Kind::FieldRef),
        "minute" => kind(Kind::Time(TimePart::Minute, Comparison::Eq)),
        "hour" => kind(Kind::Time(TimePart::Hour, Comparison::Eq)),
        "day" => kind(Kind::Time(TimePart::Day, Comparison::Eq)),
        "week" => kind(Kind::Time(TimePart::Week, Comparison::Eq)),
        "month" => kind(Kind::Time(TimePart::Month, Comparison::Eq)),
        "year" => kind(Kind::Time(TimePart::Year, Comparison::Eq)),
        _ => None,
    }
}

/// A checked modifier chain.
struct Chain {
    all: bool,
    cased: bool,
    neq: bool,
    expand: bool,
    kind: Kind,
    transforms: Vec<Transform>,
}

fn parse_chain(field: &str, names: &[String]) -> Result<Chain, LoadProblem> {
    let invalid = |reason: String| LoadProblem::invalid(field, reason);
    let mut chain = Chain {
        all: false,
        cased: false,
        neq: false,
        expand: false,
        kind: Kind::Plain,
        transforms: Vec::new(),
    };
    let mut pending_utf16: Option<(Utf16, &str)> = None;
    let mut kind_name = "";
    for name in names {
        let modifier = modifier(name).ok_or_else(|| LoadProblem::UnknownModifier {
            field: field.to_string(),
            modifier: name.clone(),
        })?;
        match modifier {
            Modifier::Wrap { before, after } => {
                chain.transforms.push(Transform::Wrap { before, after })
            }
            Modifier::All => chain.all = true,
            Modifier::Cased => chain.cased = true,
            Modifier::Neq => chain.neq = true,
            Modifier::Windash => chain.transforms.push(Transform::Windash),
            Modifier::Expand => chain.expand = true,
            Modifier::Utf16(encoding) => {
                if let Some((_, earlier)) = pending_utf16.replace((encoding, name)) {
                    return Err(invalid(format!(
                        "`{earlier}` and `{name}` both choose an encoding"
                    )));
                }
            }
            Modifier::Base64 { offset } => {
                let utf16 = pending_utf16.take().map(|(encoding, _)| encoding);
                chain.transforms.push(Transform::Base64 { offset, utf16 });
            }
            Modifier::ReFlag(flag) => match &mut chain.kind {
                Kind::Regex {
                    insensitive,
                    multi_line,
                    dot_all,
                } => match flag {
                    'i' => *insensitive = true,
                    'm' => *multi_line = true,
                    _ => *dot_all = true,
                },
                _ => {
                    return Err(invalid(format!(
                        "`{name}` is a sub-modifier of `re` and must follow it"
                    )))
                }
            },
            Modifier::Kind(Kind::Compare(comparison))
                if matches!(chain.kind, Kind::Time(_, Comparison::Eq)) =>
            {
                if let Kind::Time(part, _) = chain.kind {
                    chain.kind = Kind::Time(part, comparison);
                }
            }
            Modifier::Kind(kind) => {
                if chain.kind != Kind::Plain {
                    return Err(invalid(format!(
                        "`{kind_name}` and `{name}` cannot be combined"
                    )));
                }
                chain.kind = kind;
                kind_name = name;
            }
        }
    }
    if let Some((_, name)) = pending_utf16 {
        return Err(invalid(format!(
            "`{name}` must be followed by `base64` or `base64offset`"
        )));
    }
    let only_wraps = chain
        .transforms
        .iter()
        .all(|transform| matches!(transform, Transform::Wrap { .. }));
    let transformed = !chain.transforms.is_empty() || chain.expand;
    match chain.kind {
        Kind::Plain => {}
        Kind::FieldRef if only_wraps && chain.transforms.len() <= 1 && !chain.expand => {}
        Kind::Exists if chain.neq || chain.all => {
            return Err(invalid(
                "`exists` cannot be combined with `neq` or `all`".into(),
            ))
        }
        _ if transformed => {
            return Err(invalid(format!(
                "`{kind_name}` cannot be combined with string transformations"
            )))
        }
        _ => {}
    }
    Ok(chain)
}

/// Compiles one entry of a search identifier.
pub(crate) fn compile_item(
    item: &SearchItem,
    ctx: &CompileContext,
) -> Result<CompiledItem, LoadProblem> {
    let label = item.label();
    let mut chain = parse_chain(label, &item.modifiers)?;
    let invalid = |reason: &str| LoadProblem::invalid(label, reason);
    let paths = match &item.field {
        Some(field) => Some(field_paths(ctx.source, field)),
        None if matches!(chain.kind, Kind::Exists | Kind::FieldRef) => {
            return Err(invalid("`exists` and `fieldref` need a field"))
        }
        None => {
            // A keyword is found anywhere inside any value of the record.
            if !chain
                .transforms
                .iter()
                .any(|transform| matches!(transform, Transform::Wrap { .. }))
            {
                chain.transforms.push(Transform::Wrap {
                    before: true,
                    after: true,
                });
            }
            None
        }
    };
    if chain.kind == Kind::Exists {
        return match item.values.as_slice() {
            [SigmaValue::Bool(flag)] => Ok(CompiledItem {
                paths,
                values: vec![vec![Predicate::Exists(*flag)]],
                all: false,
            }),
            _ => Err(invalid("`exists` takes one value, true or false")),
        };
    }
    let values = item
        .values
        .iter()
        .map(|value| {
            let alternatives =
                compile_value(value, &chain, ctx).map_err(|reason| invalid(&reason))?;
            Ok(if chain.neq {
                vec![Predicate::NoneOf(alternatives)]
            } else {
                alternatives
            })
        })
        .collect::<Result<_, LoadProblem>>()?;
    Ok(CompiledItem {
        paths,
        values,
        all: chain.all,
    })
}

/// One value's alternatives.
fn compile_value(
    value: &SigmaValue,
    chain: &Chain,
    ctx: &CompileContext,
) -> Result<Vec<Predicate>, String> {
    let text = || {
        value
            .text()
            .ok_or_else(|| format!("expects a string, not {value:?}"))
    };
    let number = || {
        value
            .number()
            .ok_or_else(|| format!("expects a number, not {value:?}"))
    };
    let predicate = match chain.kind {
        Kind::Plain => return compile_plain(value, chain, ctx),
        Kind::Regex {
            insensitive,
            multi_line,
            dot_all,
        } => {
            let flags = RegexFlags {
                insensitive,
                multi_line,
                dot_all,
            };
            let regex = SigmaRegex::new(&text()?, flags)
                .map_err(|error| format!("invalid regular expression: {error}"))?;
            Predicate::Regex(regex)
        }
        Kind::Cidr => {
            let text = text()?;
            Predicate::Cidr(
                Cidr::parse(&text).ok_or_else(|| format!("`{text}` is not an IP network"))?,
            )
        }
        Kind::Compare(comparison) => Predicate::Compare(comparison, number()?),
        Kind::Time(part, comparison) => {
            let value = number()?;
            if value.fract() != 0.0 {
                return Err(format!("time parts are whole numbers, not {value}"));
            }
            Predicate::TimePart {
                part,
                comparison,
                value: value as i64,
            }
        }
        Kind::FieldRef => {
            let how = match chain.transforms.first() {
                None => RefMatch::Equals,
                Some(Transform::Wrap {
                    before: true,
                    after: true,
                }) => RefMatch::Contains,
                Some(Transform::Wrap { before: false, .. }) => RefMatch::StartsWith,
                Some(_) => RefMatch::EndsWith,
            };
            Predicate::FieldRef {
                other: field_paths(ctx.source, &text()?),
                how,
                cased: chain.cased,
            }
        }
        Kind::Exists => return Err("`exists` takes one value, true or false".into()),
    };
    Ok(vec![predicate])
}

fn compile_plain(
    value: &SigmaValue,
    chain: &Chain,
    ctx: &CompileContext,
) -> Result<Vec<Predicate>, String> {
    let transformed = !chain.transforms.is_empty() || chain.expand;
    match value {
        SigmaValue::Null if !transformed => return Ok(vec![Predicate::Null]),
        SigmaValue::Bool(flag) if !transformed => return Ok(vec![Predicate::Bool(*flag)]),
        SigmaValue::Int(_) | SigmaValue::Float(_) if !transformed => {
            let number = value.number().unwrap_or_default();
            let text = value.text().unwrap_or_default();
            return Ok(vec![Predicate::Number {
                value: number,
                text,
            }]);
        }
        SigmaValue::Null | SigmaValue::Bool(_) => {
            return Err(format!("{value:?} takes no string modifiers"))
        }
        SigmaValue::Str(_) | SigmaValue::Int(_) | SigmaValue::Float(_) => {}
    }
    let raw = value.text().unwrap_or_default();
    let raws = if chain.expand {
        expand(&raw, ctx.placeholders)?
    } else {
        vec![raw]
    };
    let mut alternatives: Vec<SigmaString> =
        raws.iter().map(|raw| SigmaString::parse(raw)).collect();
    for transform in &chain.transforms {
        let mut next = Vec::new();
        for alternative in alternatives {
            match *transform {
                Transform::Wrap { before, after } => next.push(alternative.wrapped(before, after)),
                Transform::Windash => next.extend(windash(&alternative)?),
                Transform::Base64 { offset, utf16 } => {
                    let plain = alternative
                        .as_plain()
                        .ok_or("wildcards cannot be encoded: put `contains` after `base64`")?;
                    let encoded = base64_forms(&plain, utf16, offset);
                    next.extend(encoded.iter().map(|text| SigmaString::plain(text)));
                }
            }
            if next.len() > MAX_ALTERNATIVES {
                return Err(format!(
                    "expands to more than {MAX_ALTERNATIVES} alternatives"
                ));
            }
        }
        alternatives = next;
    }
    Ok(alternatives
        .iter()
        .map(|alternative| Predicate::Text(Pattern::new(alternative, chain.cased)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(modifiers: &[&str], values: Vec<SigmaValue>) -> Result<CompiledItem, LoadProblem> {
        let item = SearchItem {
            field: Some("f".into()),
            modifiers: modifiers.iter().map(|m| m.to_string()).collect(),
            values,
            line: None,
        };
        let placeholders = HashMap::from([(
            "Admins".to_string(),
            vec!["root".to_string(), "admin*".to_string()],
        )]);
        compile_item(
            &item,
            &CompileContext {
                source: LogSource::CloudTrail,
                placeholders: &placeholders,
            },
        )
    }

    fn text(value: &str) -> SigmaValue {
        SigmaValue::Str(value.into())
    }

    #[test]
    fn cidr_networks() {
        let net = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.200.1.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8::5".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none() && Cidr::parse("nope").is_none());
    }

    #[test]
    fn invalid_chains_are_explained() {
        let reason = |modifiers: &[&str], value: SigmaValue| {
            compile(modifiers, vec![value]).unwrap_err().to_string()
        };
        assert!(reason(&["bogus"], text("x")).contains("unknown modifier `bogus`"));
        assert!(reason(&["re", "cidr"], text("x")).contains("cannot be combined"));
        assert!(reason(&["i"], text("x")).contains("sub-modifier of `re`"));
        assert!(reason(&["contains", "re"], text("x")).contains("string transformations"));
        assert!(reason(&["utf16le"], text("x")).contains("followed by `base64`"));
        assert!(reason(&["contains", "base64"], text("x")).contains("wildcards cannot be encoded"));
        assert!(reason(&["re"], text("(unclosed")).contains("invalid regular expression"));
        assert!(reason(&["cidr"], text("10.0.0.0/40")).contains("not an IP network"));
        assert!(reason(&["gt"], text("many")).contains("expects a number"));
        assert!(reason(&["exists"], text("yes")).contains("true or false"));
        assert!(reason(&["expand"], text("%Nobody%")).contains("no values"));
        assert!(reason(&["contains"], SigmaValue::Null).contains("no string modifiers"));
        assert!(compile(&["expand"], vec![text("%Admins%")]).unwrap().values[0].len() == 2);
    }
}
