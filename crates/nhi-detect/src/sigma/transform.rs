//! Value transformations of the Sigma modifiers that rewrite a value before it is matched:
//! `expand` (placeholders), `windash` (dash permutations), `utf16*` and `base64`/`base64offset`.
//! Each returns the alternatives a value stands for, bounded by [`MAX_ALTERNATIVES`].

use super::pattern::{Piece, SigmaString};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::collections::HashMap;

/// Characters `windash` treats as interchangeable.
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Most alternatives one value may expand to (windash permutations, placeholder values).
pub(crate) const MAX_ALTERNATIVES: usize = 4096;

/// The encoding chosen by `utf16le` (or `wide`), `utf16be`, or `utf16` (little-endian with a
/// byte order mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Utf16 {
    Le,
    Be,
    WithBom,
}

/// Replaces `%name%` placeholders with each of their values (`\%` is a plain percent sign).
pub(crate) fn expand(
    raw: &str,
    placeholders: &HashMap<String, Vec<String>>,
) -> Result<Vec<String>, String> {
    let mut results = vec![String::new()];
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("\\%") {
            results.iter_mut().for_each(|result| result.push('%'));
            rest = after;
            continue;
        }
        let closing = rest
            .strip_prefix('%')
            .and_then(|after| after.find('%').map(|end| (after, end)));
        if let Some((after, end)) =
            closing.filter(|(after, end)| is_placeholder_name(&after[..*end]))
        {
            let name = &after[..end];
            let values = placeholders
                .get(name)
                .filter(|values| !values.is_empty())
                .ok_or_else(|| format!("placeholder `%{name}%` has no values configured"))?;
            if results.len() * values.len() > MAX_ALTERNATIVES {
                return Err(format!(
                    "expands to more than {MAX_ALTERNATIVES} alternatives"
                ));
            }
            results = results
                .iter()
                .flat_map(|result| values.iter().map(move |value| format!("{result}{value}")))
                .collect();
            rest = &after[end + 1..];
            continue;
        }
        results.iter_mut().for_each(|result| result.push(c));
        rest = &rest[c.len_utf8()..];
    }
    Ok(results)
}

fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Every way of writing the value's dashes as any of [`DASHES`].
pub(crate) fn windash(value: &SigmaString) -> Result<Vec<SigmaString>, String> {
    let mut variants: Vec<Vec<Piece>> = vec![Vec::new()];
    for piece in value.pieces() {
        let Piece::Text(text) = piece else {
            variants
                .iter_mut()
                .for_each(|variant| variant.push(piece.clone()));
            continue;
        };
        let mut texts = vec![String::new()];
        for c in text.chars() {
            if DASHES.contains(&c) {
                if texts.len() * DASHES.len() * variants.len() > MAX_ALTERNATIVES {
                    return Err(format!(
                        "`windash` gives more than {MAX_ALTERNATIVES} alternatives"
                    ));
                }
                texts = texts
                    .iter()
                    .flat_map(|text| DASHES.iter().map(move |dash| format!("{text}{dash}")))
                    .collect();
            } else {
                texts.iter_mut().for_each(|text| text.push(c));
            }
        }
        variants = variants
            .iter()
            .flat_map(|variant| {
                texts.iter().map(move |text| {
                    let mut variant = variant.clone();
                    variant.push(Piece::Text(text.clone()));
                    variant
                })
            })
            .collect();
    }
    Ok(variants.into_iter().map(SigmaString::from_pieces).collect())
}

fn encode_text(text: &str, utf16: Option<Utf16>) -> Vec<u8> {
    let units = text.encode_utf16();
    match utf16 {
        None => text.as_bytes().to_vec(),
        Some(Utf16::Le) => units.flat_map(u16::to_le_bytes).collect(),
        Some(Utf16::Be) => units.flat_map(u16::to_be_bytes).collect(),
        Some(Utf16::WithBom) => [0xFF, 0xFE]
            .into_iter()
            .chain(units.flat_map(u16::to_le_bytes))
            .collect(),
    }
}

/// The three base64 forms of `bytes` as they appear at any offset inside a longer encoded text:
/// encode after 0, 1 or 2 filler bytes, then drop the characters the neighbours influence.
fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const LEADING: [usize; 3] = [0, 2, 3];
    const TRAILING: [usize; 3] = [0, 3, 2];
    (0..3)
        .filter_map(|shift| {
            let mut shifted = vec![b' '; shift];
            shifted.extend_from_slice(bytes);
            let encoded = STANDARD.encode(&shifted);
            let end = encoded
                .len()
                .checked_sub(TRAILING[(bytes.len() + shift) % 3])?;
            encoded
                .get(LEADING[shift]..end)
                .filter(|part| !part.is_empty())
                .map(str::to_string)
        })
        .collect()
}

/// The base64 forms of a text (after an optional UTF-16 encoding): one for `base64`, the three
/// offset forms for `base64offset`.
pub(crate) fn base64_forms(text: &str, utf16: Option<Utf16>, offset: bool) -> Vec<String> {
    let bytes = encode_text(text, utf16);
    if offset {
        base64_offsets(&bytes)
    } else {
        vec![STANDARD.encode(&bytes)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_offsets_match_known_encodings() {
        // "ping" inside base64 of "xping", "xxping", "ping": each variant is a substring.
        let variants = base64_offsets(b"ping");
        for (prefix, variant) in ["", "x", "xx"].iter().zip(&variants) {
            let encoded = STANDARD.encode(format!("{prefix}pingpong"));
            assert!(
                encoded.contains(variant.as_str()),
                "{variant} not in {encoded}"
            );
        }
        assert_eq!(variants, vec!["cGluZ", "Bpbm", "waW5n"]);
    }

    #[test]
    fn utf16_encodings() {
        assert_eq!(
            encode_text("cmd", Some(Utf16::Le)),
            vec![0x63, 0, 0x6d, 0, 0x64, 0]
        );
        assert_eq!(
            encode_text("cmd", Some(Utf16::Be)),
            vec![0, 0x63, 0, 0x6d, 0, 0x64]
        );
        assert_eq!(
            encode_text("c", Some(Utf16::WithBom)),
            vec![0xFF, 0xFE, 0x63, 0]
        );
    }

    #[test]
    fn windash_gives_every_dash_permutation() {
        let variants = windash(&SigmaString::parse(" -a -b")).unwrap();
        assert_eq!(variants.len(), 25);
        assert!(variants.contains(&SigmaString::parse(" /a \u{2014}b")));
        let too_many = "-".repeat(6);
        assert!(windash(&SigmaString::parse(&too_many)).is_err());
    }

    #[test]
    fn expand_uses_configured_values_and_escapes() {
        let placeholders = HashMap::from([(
            "Servers".to_string(),
            vec!["a".to_string(), "b".to_string()],
        )]);
        assert_eq!(
            expand("x-%Servers%", &placeholders).unwrap(),
            vec!["x-a", "x-b"]
        );
        assert_eq!(
            expand(r"100\%Servers%", &placeholders).unwrap(),
            vec!["100%Servers%"]
        );
        assert_eq!(
            expand("50% of 3%", &placeholders).unwrap(),
            vec!["50% of 3%"]
        );
        assert!(expand("%Unknown%", &placeholders)
            .unwrap_err()
            .contains("no values"));
    }
}
