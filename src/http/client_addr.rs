//! The client's real address, for the abuse limits.
//!
//! A request's TCP peer is the client, unless the peer is one of the
//! configured trusted proxies (`SEGNALA_TRUSTED_PROXIES`). Then the forwarding
//! header (`X-Forwarded-For`, or `Forwarded` if so configured) is read from
//! the right: each trusted proxy appends the address it received the request
//! from, so the rightmost address that is *not* a trusted proxy is the client
//! — everything to its left was written by the client and proves nothing.
//! A value that is not an address stops the walk at the last trusted hop (it
//! is never used as a key). IPv6 clients are keyed by their /64: one
//! household or phone gets a whole /64 and can change the rest at will.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv6Net};

/// Which header the trusted proxies write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=…`.
    Forwarded,
}

impl ForwardedHeader {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(Self::XForwardedFor),
            "forwarded" => Some(Self::Forwarded),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }
}

/// The networks whose requests carry a forwarding header we believe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A list of CIDRs or single addresses, separated by commas or spaces
    /// (`127.0.0.1, 10.0.0.0/8, ::1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{s}` is not an address or a CIDR"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// One hop of a forwarding header: an address (with or without a port,
/// IPv6 in brackets or not, quoted in `Forwarded`), or `None` for anything
/// else (`unknown`, an obfuscated identifier, garbage).
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip().to_canonical());
    }
    // `[2001:db8::1]` without a port.
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

/// The hops a header lists, left to right, from every occurrence in order.
pub fn hops(header: ForwardedHeader, values: &[&str]) -> Vec<Option<IpAddr>> {
    let elements = values.iter().flat_map(|v| v.split(','));
    match header {
        ForwardedHeader::XForwardedFor => elements.map(parse_hop).collect(),
        ForwardedHeader::Forwarded => elements
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_hop(v))
            })
            .collect(),
    }
}

/// The client's address: the peer, or the rightmost untrusted hop behind
/// trusted proxies.
pub fn client_ip(
    peer: Option<IpAddr>,
    hops: &[Option<IpAddr>],
    proxies: &TrustedProxies,
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !proxies.contains(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) if proxies.contains(*ip) => client = *ip,
            Some(ip) => return Some(*ip),
            None => return Some(client),
        }
    }
    Some(client)
}

/// What a process knows to find client addresses.
#[derive(Debug, Clone, Default)]
pub struct ClientAddresses {
    pub proxies: TrustedProxies,
    pub header: ForwardedHeader,
}

impl ClientAddresses {
    /// The client's address of a request.
    pub fn of(&self, req: &actix_web::HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr().map(|a| a.ip());
        if peer.is_none_or(|p| !self.proxies.contains(p)) {
            return peer.map(|p| p.to_canonical());
        }
        let values: Vec<&str> = req
            .headers()
            .get_all(self.header.name())
            .filter_map(|v| v.to_str().ok())
            .collect();
        client_ip(peer, &hops(self.header, &values), &self.proxies)
    }

    /// The abuse-limit key of a request's client (IPv6 by /64).
    pub fn key(&self, req: &actix_web::HttpRequest) -> String {
        rate_key(self.of(req))
    }
}

/// The key an address is counted under: the address itself for IPv4, its
/// /64 network for IPv6.
pub fn rate_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => Ipv6Net::new(v6, 64)
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
        None => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(s: &str) -> TrustedProxies {
        TrustedProxies::parse(s).unwrap()
    }

    fn client(peer: &str, xff: &[&str], trusted: &str) -> Option<IpAddr> {
        client_ip(
            Some(ip(peer)),
            &hops(ForwardedHeader::XForwardedFor, xff),
            &proxies(trusted),
        )
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        assert_eq!(
            client("203.0.113.7", &["1.2.3.4"], ""),
            Some(ip("203.0.113.7"))
        );
        // A forged header from an untrusted peer changes nothing.
        assert_eq!(
            client("203.0.113.7", &["1.2.3.4"], "10.0.0.0/8"),
            Some(ip("203.0.113.7"))
        );
    }

    #[test]
    fn behind_a_proxy_the_rightmost_untrusted_hop_is_the_client() {
        // The client forged "6.6.6.6"; the proxy appended the real address.
        assert_eq!(
            client("127.0.0.1", &["6.6.6.6, 198.51.100.20"], "127.0.0.1"),
            Some(ip("198.51.100.20"))
        );
        // Two proxies, the header split over two lines.
        assert_eq!(
            client(
                "10.0.0.2",
                &["6.6.6.6, 198.51.100.20", "10.0.0.1"],
                "10.0.0.0/8"
            ),
            Some(ip("198.51.100.20"))
        );
        // Ports and brackets.
        assert_eq!(
            client("::1", &["[2001:db8:1:2::99]:4711"], "::1"),
            Some(ip("2001:db8:1:2::99"))
        );
        assert_eq!(
            client("127.0.0.1", &["198.51.100.20:5555"], "127.0.0.1"),
            Some(ip("198.51.100.20"))
        );
    }

    #[test]
    fn garbage_is_never_the_client() {
        // Garbage to the right of any real address: the last trusted hop.
        assert_eq!(
            client("127.0.0.1", &["198.51.100.20, not-an-ip"], "127.0.0.1"),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(
            client("127.0.0.1", &["unknown"], "127.0.0.1"),
            Some(ip("127.0.0.1"))
        );
        // Garbage the client wrote, to the left of the real address, is ignored.
        assert_eq!(
            client("127.0.0.1", &["<script>, 198.51.100.20"], "127.0.0.1"),
            Some(ip("198.51.100.20"))
        );
        // No header at all behind a proxy: the proxy.
        assert_eq!(client("127.0.0.1", &[], "127.0.0.1"), Some(ip("127.0.0.1")));
    }

    #[test]
    fn the_forwarded_header() {
        let h = hops(
            ForwardedHeader::Forwarded,
            &[
                r#"for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.1;by=10.0.0.2"#,
            ],
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), &h, &proxies("10.0.0.0/8")),
            Some(ip("2001:db8:cafe::17"))
        );
    }

    #[test]
    fn mapped_addresses_and_ipv6_networks() {
        assert_eq!(
            client("::ffff:127.0.0.1", &["198.51.100.20"], "127.0.0.1"),
            Some(ip("198.51.100.20"))
        );
        assert_eq!(rate_key(Some(ip("198.51.100.20"))), "198.51.100.20");
        assert_eq!(
            rate_key(Some(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            rate_key(Some(ip("2001:db8:1:2::1"))),
            rate_key(Some(ip("2001:db8:1:2:ffff::9")))
        );
        assert_eq!(rate_key(None), "unknown");
    }

    #[test]
    fn proxy_lists() {
        let p = proxies("127.0.0.1, 10.0.0.0/8 ::1");
        assert!(p.contains(ip("10.1.2.3")) && p.contains(ip("::1")));
        assert!(!p.contains(ip("11.0.0.1")));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
        assert!(TrustedProxies::parse("").unwrap().is_empty());
    }
}
