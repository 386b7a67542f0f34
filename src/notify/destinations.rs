//! Where webhooks may go. An office's webhook URL is typed by an
//! administrator, but a mistaken or malicious one must not turn the service
//! into a way into the comune's own network: by default a webhook reaches
//! only public addresses (not loopback, link-local, private, shared or
//! otherwise special ranges), checked on the name's every resolution (so a
//! name that later resolves elsewhere is caught when connecting), and
//! redirects are never followed. `SEGNALA_WEBHOOK_ALLOW_PRIVATE=true` lifts
//! the address rule for an office system inside the comune's network.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether an address is an ordinary address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                // Shared address space (carrier-grade NAT), 100.64.0.0/10.
                || (a == 100 && (64..128).contains(&b))
                // Benchmarking, 198.18.0.0/15; reserved, 240.0.0.0/4.
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // Addresses that carry an IPv4 one: NAT64 64:ff9b::/96, 6to4
            // 2002::/16 and IPv4-compatible ::a.b.c.d reach that address.
            let embedded = |hi: u16, lo: u16| {
                std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return is_public(IpAddr::V4(embedded(s[6], s[7])));
            }
            if s[0] == 0x2002 {
                return is_public(IpAddr::V4(embedded(s[1], s[2])));
            }
            if s[0..6] == [0, 0, 0, 0, 0, 0] {
                return false; // ::a.b.c.d, ::1, :: — none is a public host
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Unique local fc00::/7, link-local fe80::/10, the old
                // site-local fec0::/10, documentation 2001:db8::/32.
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

/// Why a destination is refused, in words for the dead-letter list.
pub fn refusal(url: &str) -> Option<String> {
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Some(format!("the webhook URL is not valid: {e}")),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some("a webhook URL must be http or https".into());
    }
    let Some(host) = parsed.host_str() else {
        return Some("the webhook URL has no host".into());
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => match (host, port).to_socket_addrs() {
            Ok(a) => a.map(|a| a.ip()).collect(),
            // Not resolvable now: a transient failure, not a refusal.
            Err(_) => return None,
        },
    };
    if !addresses.is_empty() && !addresses.iter().copied().any(is_public) {
        return Some(format!(
            "refused: the webhook's destination {host} is a loopback, private or otherwise \
             non-public address ({}); set SEGNALA_WEBHOOK_ALLOW_PRIVATE=true for an office \
             system on the comune's own network",
            addresses
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    None
}

/// A resolver that hands the HTTP client only public addresses.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::task::spawn_blocking(move || {
                (host.as_str(), 0)
                    .to_socket_addrs()
                    .map(|a| (host.clone(), a.collect::<Vec<SocketAddr>>()))
            })
            .await??;
            let (host, addresses) = found;
            let public: Vec<SocketAddr> = addresses
                .into_iter()
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_ranges_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "::7f00:1",
            "fec0::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "151.101.1.69",
            "2a00:1450:4002:80b::200e",
            "64:ff9b::5db8:d822",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn literal_destinations_are_checked() {
        assert!(refusal("http://127.0.0.1:9000/hook").is_some());
        assert!(refusal("https://[::1]/hook").is_some());
        assert!(refusal("http://169.254.169.254/latest/meta-data").is_some());
        assert!(refusal("ftp://93.184.216.34/").is_some());
        assert!(refusal("https://93.184.216.34/hook").is_none());
        assert!(refusal("http://localhost:9000/")
            .is_some_and(|r| r.contains("SEGNALA_WEBHOOK_ALLOW_PRIVATE")));
    }
}
