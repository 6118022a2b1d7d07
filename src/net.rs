//! Network addresses: CIDR blocks (`allowed_ips` of a gateway's webhooks, `trusted_proxies`) and the client's address behind trusted reverse proxies.

use std::net::IpAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for IpNet {
    type Err = String;
    fn from_str(s: &str) -> Result<IpNet, String> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: bad prefix length"))?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for IpNet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpNet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IpNet, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket reports it) is
/// the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// One `X-Forwarded-For` entry as proxies write it: an address, perhaps with a port
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`); None for anything else (`unknown`, garbage).
pub fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Ok(ip) = e.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = e.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    let bracketed = e.strip_prefix('[').and_then(|r| r.strip_suffix(']'))?;
    bracketed.parse().ok().map(canonical)
}

/// The address a request comes from. The peer's own, unless the peer is one of `trusted` (a
/// reverse proxy of this deployment); then the right-most `X-Forwarded-For` entry that is not a
/// trusted proxy. Each proxy appends the address it was called from, so the entries left of the
/// first untrusted one may be written by the client and are never read. An entry that is no
/// address stops the walk at the last trusted hop; with no header, the peer.
///
/// `forwarded` holds the values of every `X-Forwarded-For` header, in order.
pub fn client_addr(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    let entries = forwarded.iter().flat_map(|v| v.split(',')).rev();
    for entry in entries {
        let Some(ip) = forwarded_entry(entry) else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("net")).collect()
    }

    #[test]
    fn blocks_parse_print_and_contain() {
        let n: IpNet = "10.0.0.0/8".parse().expect("net");
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(n.contains(ip("10.200.3.4")));
        assert!(n.contains(ip("::ffff:10.1.2.3")), "IPv4 written as IPv6");
        assert!(!n.contains(ip("11.0.0.1")));
        assert_eq!("127.0.0.1".parse::<IpNet>(), "127.0.0.1/32".parse());
        let v6: IpNet = "2001:db8::/32".parse().expect("net");
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("10.0.0.1")));
        for bad in ["10.0.0.0/33", "nonsense", "::/129", "1.2.3.4/x", ""] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
        assert!("0.0.0.0/0"
            .parse::<IpNet>()
            .expect("all")
            .contains(ip("8.8.8.8")));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        let got = client_addr(ip("198.51.100.9"), &["203.0.113.1"], &trusted);
        assert_eq!(got, ip("198.51.100.9"));
        assert_eq!(
            client_addr(ip("127.0.0.1"), &["203.0.113.1"], &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_entry_is_the_client() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        let peer = ip("127.0.0.1");
        // The client wrote 1.1.1.1; the outer proxy appended 203.0.113.7, an inner one 10.0.0.2.
        let xff = ["1.1.1.1, 203.0.113.7, 10.0.0.2"];
        assert_eq!(client_addr(peer, &xff, &trusted), ip("203.0.113.7"));
        // Two headers read as one list, in order.
        let split = ["1.1.1.1", "203.0.113.7:4711, 10.0.0.2"];
        assert_eq!(client_addr(peer, &split, &trusted), ip("203.0.113.7"));
        assert_eq!(
            client_addr(peer, &[], &trusted),
            peer,
            "no header: the peer"
        );
        assert_eq!(client_addr(peer, &["10.0.0.3"], &trusted), ip("10.0.0.3"));
        // Garbage right of the client stops the walk at the last trusted hop.
        let junk = ["203.0.113.7, unknown, 10.0.0.2"];
        assert_eq!(client_addr(peer, &junk, &trusted), ip("10.0.0.2"));
        let v6 = ["[2001:db8::7]:80"];
        assert_eq!(client_addr(peer, &v6, &trusted), ip("2001:db8::7"));
    }

    fn any_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(IpAddr::from),
            any::<[u8; 16]>().prop_map(IpAddr::from),
        ]
    }

    /// What a client may put in front: addresses, ports, garbage, commas, spaces.
    fn forged() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                any_ip().prop_map(|i| i.to_string()),
                "[ -~]{0,20}",
                Just("unknown".to_string()),
            ],
            0..6,
        )
        .prop_map(|v| v.join(","))
    }

    proptest! {
        /// Whatever a client forges, behind trusted proxies it cannot be anyone but the address
        /// the outermost proxy saw; from an untrusted peer the header is not read at all.
        #[test]
        fn a_forged_prefix_never_changes_the_client(
            forged in forged(),
            client in any_ip(),
            inner in prop::collection::vec(0u8..=255, 0..3),
            untrusted_peer in any_ip(),
        ) {
            let trusted = nets(&["127.0.0.0/8", "10.0.0.0/8"]);
            prop_assume!(!trusted.iter().any(|n| n.contains(client)));
            prop_assume!(!trusted.iter().any(|n| n.contains(untrusted_peer)));
            let hops: Vec<String> = inner.iter().map(|b| format!("10.0.0.{b}")).collect();
            let mut header = vec![forged.clone(), client.to_string()];
            header.extend(hops);
            let header = header.join(", ");
            let got = client_addr(ip("127.0.0.1"), &[header.as_str()], &trusted);
            prop_assert_eq!(got, canonical(client));
            let direct = client_addr(untrusted_peer, &[header.as_str()], &trusted);
            prop_assert_eq!(direct, canonical(untrusted_peer));
        }

        /// The parser takes any text without panicking, and an address it returns is one the
        /// text holds.
        #[test]
        fn any_header_is_read_without_panic(raw in "[ -~]{0,80}") {
            let trusted = nets(&["0.0.0.0/0", "::/0"]);
            let got = client_addr(ip("127.0.0.1"), &[raw.as_str()], &trusted);
            let named = raw.split(',').filter_map(forwarded_entry).any(|i| i == got);
            prop_assert!(got == ip("127.0.0.1") || named);
        }
    }
}
