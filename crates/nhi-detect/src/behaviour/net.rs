//! Source addresses reduced to the network they belong to: IPv4 /24 and IPv6 /48 for public
//! addresses, with private, loopback and link-local ranges kept apart from the internet, and the
//! AWS service names CloudTrail puts where an address would be (`ec2.amazonaws.com`,
//! `AWS Internal`) recognised as such. Invariant: never panics, whatever the text.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where a call came from, as far as network baselines care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Network {
    /// A public network: `203.0.113.0/24` or `2001:db8:1::/48`.
    Public(Prefix),
    /// An address inside a private range (RFC 1918, CGNAT, IPv6 ULA), by /24 or /48.
    Private(Prefix),
    /// Loopback or link-local: the machine itself.
    Local,
    /// An AWS service acting for the caller, or AWS's own internal address.
    AwsService,
    /// Text that is neither an address nor a service name.
    Unknown,
}

/// The leading part of an address that names its network, kept as numbers so that judging a
/// record's network allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Prefix {
    /// The first `bits` (24 or 16) of an IPv4 address; the octets past them are zero.
    V4 { octets: [u8; 3], bits: u8 },
    /// The first 48 bits of an IPv6 address.
    V6([u16; 3]),
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prefix::V4 {
                octets: [a, b, c],
                bits,
            } => write!(f, "{a}.{b}.{c}.0/{bits}"),
            Prefix::V6([a, b, c]) => write!(f, "{a:x}:{b:x}:{c:x}::/48"),
        }
    }
}

impl Network {
    /// The network of a logged source address.
    pub(crate) fn of(text: &str) -> Network {
        let text = text.trim();
        if text.ends_with(".amazonaws.com") || text == "AWS Internal" {
            return Network::AwsService;
        }
        match text.parse::<IpAddr>() {
            Ok(IpAddr::V4(v4)) => v4_network(v4),
            Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4_network(v4),
                None => v6_network(v6),
            },
            Err(_) => lenient_v4(text).map_or(Network::Unknown, v4_network),
        }
    }

    /// The network as a cluster's own addresses group: private IPv4 addresses by /16, since one
    /// cluster's node and pod ranges span many /24s; everything else as [`Network::of`].
    pub(crate) fn of_cluster_client(text: &str) -> Network {
        match Network::of(text) {
            Network::Private(Prefix::V4 {
                octets: [a, b, _], ..
            }) => Network::Private(Prefix::V4 {
                octets: [a, b, 0],
                bits: 16,
            }),
            other => other,
        }
    }

    /// Whether this is a routable internet network (the ones "new network" judges).
    pub(crate) fn is_public(&self) -> bool {
        matches!(self, Network::Public(_))
    }

    /// Whether the address is a real client address (public or private), not a service or local.
    pub(crate) fn is_client(&self) -> bool {
        matches!(self, Network::Public(_) | Network::Private(_))
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Network::Public(prefix) => write!(f, "{prefix}"),
            Network::Private(prefix) => write!(f, "{prefix} (private)"),
            Network::Local => f.write_str("the local host"),
            Network::AwsService => f.write_str("an AWS service"),
            Network::Unknown => f.write_str("an unknown address"),
        }
    }
}

/// Dotted quads with leading zeros (`06.237.252.245`), which some anonymised logs carry and the
/// standard parser refuses.
fn lenient_v4(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

fn v4_network(ip: Ipv4Addr) -> Network {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() || ip.is_link_local() || ip.is_unspecified() {
        return Network::Local;
    }
    let prefix = Prefix::V4 {
        octets: [a, b, c],
        bits: 24,
    };
    let cgnat = a == 100 && (64..128).contains(&b);
    if ip.is_private() || cgnat {
        Network::Private(prefix)
    } else {
        Network::Public(prefix)
    }
}

fn v6_network(ip: Ipv6Addr) -> Network {
    let segments = ip.segments();
    if ip.is_loopback() || ip.is_unspecified() || (segments[0] & 0xffc0) == 0xfe80 {
        return Network::Local;
    }
    let prefix = Prefix::V6([segments[0], segments[1], segments[2]]);
    if (segments[0] & 0xfe00) == 0xfc00 {
        Network::Private(prefix)
    } else {
        Network::Public(prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses_group_by_24_and_48() {
        assert_eq!(Network::of("203.0.113.77").to_string(), "203.0.113.0/24");
        assert_eq!(
            Network::of("2001:db8:1:2::9").to_string(),
            "2001:db8:1::/48"
        );
        assert_eq!(
            Network::of("::ffff:198.51.100.4").to_string(),
            "198.51.100.0/24"
        );
    }

    #[test]
    fn private_local_and_service_addresses_are_told_apart() {
        assert_eq!(Network::of("10.1.2.3").to_string(), "10.1.2.0/24 (private)");
        assert_eq!(
            Network::of("100.64.9.1").to_string(),
            "100.64.9.0/24 (private)"
        );
        assert_eq!(
            Network::of("fd00:1:2::3").to_string(),
            "fd00:1:2::/48 (private)"
        );
        assert_eq!(Network::of("127.0.0.1"), Network::Local);
        assert_eq!(Network::of("::1"), Network::Local);
        assert_eq!(Network::of("fe80::1"), Network::Local);
        assert_eq!(Network::of("ec2.amazonaws.com"), Network::AwsService);
        assert_eq!(Network::of("AWS Internal"), Network::AwsService);
        assert_eq!(Network::of("not an address"), Network::Unknown);
        assert_eq!(Network::of("1.2.3.4.5"), Network::Unknown);
        assert_eq!(Network::of("1.2.3.400"), Network::Unknown);
    }

    #[test]
    fn cluster_clients_group_private_ipv4_by_16() {
        assert_eq!(
            Network::of_cluster_client("10.244.3.7").to_string(),
            "10.244.0.0/16 (private)"
        );
        assert_eq!(
            Network::of_cluster_client("203.0.113.7").to_string(),
            "203.0.113.0/24"
        );
    }

    #[test]
    fn leading_zeros_of_anonymised_logs_are_read() {
        assert_eq!(Network::of("06.237.252.245").to_string(), "6.237.252.0/24");
    }
}
