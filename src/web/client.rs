//! Who a client is, for the per-client limits: its user when it names one, else its network
//! address. The address is the peer's, unless the peer is one of our trusted proxies
//! (`DEALNEST_TRUSTED_PROXIES`); then it is the right-most address in `X-Forwarded-For` that is not
//! itself a trusted proxy, since everything left of that was written by the client and proves
//! nothing. An IPv6 client is counted by its /64, the block one subscriber is usually given.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The networks whose `X-Forwarded-For` is believed; empty by default.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// A comma-separated list of networks (`10.0.0.0/8`, `fd00::/8`) or single addresses; blank
    /// entries are ignored.
    pub fn parse(list: &str) -> Result<Self, String> {
        let nets = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| format!("{entry:?} is not a network (CIDR such as 10.0.0.0/8) or an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(nets.into()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether `peer` is one of the trusted proxies.
    pub fn is_trusted(&self, peer: IpAddr) -> bool {
        self.contains(peer.to_canonical())
    }

    /// The client's address: `peer`, or when `peer` is trusted, what the proxies say of it.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        // Each proxy appends the address it saw, so the list is read from the right. Several
        // header lines are one list, in order.
        let mut nearest = peer;
        let lines: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        for entry in lines.iter().rev().flat_map(|line| line.rsplit(',')) {
            let Some(hop) = parse_hop(entry) else {
                // Not written by a proxy of ours; the nearest hop we could read is all we know.
                return nearest;
            };
            if !self.contains(hop) {
                return hop;
            }
            nearest = hop;
        }
        nearest
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = entry.parse::<IpAddr>().ok().or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))?;
    Some(ip.to_canonical())
}

/// Who a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    User(i64),
    /// An IPv4 address, or the /64 an IPv6 address belongs to.
    Net(IpAddr),
}

impl ClientKey {
    pub fn address(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V6(v6) => Self::Net(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX)))),
            v4 => Self::Net(v4),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(lines: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_static(line));
        }
        headers
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        assert_eq!(none.client_ip(ip("203.0.113.9"), &forwarded(&["198.51.100.1"])), ip("203.0.113.9"));
        let other = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(other.client_ip(ip("203.0.113.9"), &forwarded(&["198.51.100.1"])), ip("203.0.113.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7").unwrap();
        let peer = ip("10.1.2.3");
        // The client wrote the first entry itself; the proxies appended the rest.
        let headers = forwarded(&["6.6.6.6, 198.51.100.1, 192.168.1.7"]);
        assert_eq!(trusted.client_ip(peer, &headers), ip("198.51.100.1"));
        let split = forwarded(&["6.6.6.6", "198.51.100.1:4711, 10.9.9.9"]);
        assert_eq!(trusted.client_ip(peer, &split), ip("198.51.100.1"));
        let v6 = forwarded(&["[2001:db8::1]:443"]);
        assert_eq!(trusted.client_ip(peer, &v6), ip("2001:db8::1"));
        // No header: the proxy itself is the client; garbage stops at the nearest readable hop.
        assert_eq!(trusted.client_ip(peer, &HeaderMap::new()), peer);
        assert_eq!(trusted.client_ip(peer, &forwarded(&["198.51.100.1, nonsense, 10.0.0.5"])), ip("10.0.0.5"));
        assert_eq!(trusted.client_ip(peer, &forwarded(&["10.0.0.4, 10.0.0.5"])), ip("10.0.0.4"));
    }

    #[test]
    fn ipv4_mapped_peers_are_ipv4() {
        let trusted = TrustedProxies::parse("127.0.0.1/32").unwrap();
        let mapped = ip("::ffff:127.0.0.1");
        assert_eq!(trusted.client_ip(mapped, &forwarded(&["198.51.100.1"])), ip("198.51.100.1"));
        assert_eq!(ClientKey::address(ip("::ffff:198.51.100.1")), ClientKey::Net(ip("198.51.100.1")));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a = ClientKey::address(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assert_eq!(a, ClientKey::address(ip("2001:db8:1:2::1")));
        assert_eq!(a, ClientKey::Net(ip("2001:db8:1:2::")));
        assert_ne!(a, ClientKey::address(ip("2001:db8:1:3::1")));
        assert_ne!(ClientKey::address(ip("198.51.100.1")), ClientKey::address(ip("198.51.100.2")));
    }

    #[test]
    fn bad_lists_are_refused_and_blank_is_none() {
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse(" , ").unwrap().is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("10.0.0.0/8, proxy.local").is_err());
        let parsed = TrustedProxies::parse("10.0.0.0/8,fd00::/8,127.0.0.1").unwrap();
        assert!(
            parsed.contains(ip("fd12::1")) && parsed.contains(ip("127.0.0.1")) && !parsed.contains(ip("127.0.0.2"))
        );
    }
}
