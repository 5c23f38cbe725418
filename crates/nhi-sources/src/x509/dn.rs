//! Distinguished names as RFC 4514 strings (`O=Acme\, Inc.,CN=api.acme.test`): the stable form
//! that certificate identity ids are built from.
//!
//! Invariant: the output depends only on the DER of the name (RDNs last-first, escaping per RFC
//! 4514, values that are not strings as `#hex` of their DER), never on a locale or a registry.

use x509_parser::der_parser::asn1_rs::{Any, Class};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// Short names for the attribute types of RFC 4514 section 3, plus a few that certificates use
/// often enough that a dotted OID would only hinder the reader.
const ATTRIBUTE_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.6", "C"),
    ("2.5.4.9", "STREET"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.4", "SN"),
    ("2.5.4.42", "GN"),
    ("2.5.4.12", "title"),
    ("2.5.4.17", "postalCode"),
    ("1.2.840.113549.1.9.1", "emailAddress"),
];

// Universal tag numbers of the ASN.1 string types a DN value may use.
const UTF8_STRING: u32 = 12;
const NUMERIC_STRING: u32 = 18;
const PRINTABLE_STRING: u32 = 19;
const T61_STRING: u32 = 20;
const IA5_STRING: u32 = 22;
const VISIBLE_STRING: u32 = 26;
const BMP_STRING: u32 = 30;

/// The RFC 4514 string of a name.
pub(crate) fn rfc4514(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter()
        .map(|rdn| rdn.iter().map(attribute).collect::<Vec<_>>().join("+"))
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// The first common name, when it is a string.
pub(crate) fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .find_map(|attr| string_value(attr.attr_value()))
}

fn attribute(attr: &AttributeTypeAndValue<'_>) -> String {
    let oid = attr.attr_type().to_id_string();
    let short = ATTRIBUTE_NAMES
        .iter()
        .find(|(id, _)| *id == oid)
        .map(|(_, name)| *name);
    match (short, string_value(attr.attr_value())) {
        (Some(short), Some(value)) => format!("{short}={}", escape(&value)),
        (short, _) => format!(
            "{}=#{}",
            short.unwrap_or(&oid),
            hex::encode(der_of(attr.attr_value()))
        ),
    }
}

/// The value as text, for the string types; `None` for anything else.
fn string_value(value: &Any<'_>) -> Option<String> {
    if value.class() != Class::Universal {
        return None;
    }
    let data = value.data;
    match value.tag().0 {
        UTF8_STRING | NUMERIC_STRING | PRINTABLE_STRING | IA5_STRING | VISIBLE_STRING => {
            std::str::from_utf8(data).ok().map(str::to_string)
        }
        // Teletex in practice carries Latin-1.
        T61_STRING => Some(data.iter().map(|b| char::from(*b)).collect()),
        BMP_STRING => {
            let units = data.chunks_exact(2);
            if !units.remainder().is_empty() {
                return None;
            }
            String::from_utf16(
                &units
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect::<Vec<_>>(),
            )
            .ok()
        }
        _ => None,
    }
}

/// Re-encode a value's DER (tag, length, content) for the `#hex` form.
fn der_of(value: &Any<'_>) -> Vec<u8> {
    let class_bits: u8 = match value.class() {
        Class::Universal => 0x00,
        Class::Application => 0x40,
        Class::ContextSpecific => 0x80,
        Class::Private => 0xc0,
    };
    let constructed = if value.header.is_constructed() {
        0x20
    } else {
        0
    };
    let mut out = match value.header.raw_tag() {
        Some(raw) => raw.to_vec(),
        None => vec![class_bits | constructed | (value.tag().0 as u8 & 0x1f)],
    };
    let len = value.data.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - first) as u8);
        out.extend_from_slice(&bytes[first..]);
    }
    out.extend_from_slice(value.data);
    out
}

/// RFC 4514 section 2.4 escaping.
fn escape(value: &str) -> String {
    let last = value.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_specials_and_edge_spaces() {
        assert_eq!(escape("Acme, Inc."), "Acme\\, Inc.");
        assert_eq!(escape(" #a+b "), "\\ #a\\+b\\ ");
        assert_eq!(escape("#x"), "\\#x");
        assert_eq!(escape("a\"b\\c<d>;"), "a\\\"b\\\\c\\<d\\>\\;");
    }
}
