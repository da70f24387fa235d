//! Who sent a request: the client address, read two ways.
//!
//! - [`ClientIp`], for ingestion: the first address of `X-Forwarded-For`, else the
//!   connection's peer, as Relay reads it for its `{{auto}}` IP backfill (see
//!   [`crate::ingest::derived::backfill_ip`]) and its IP filter. A client can only misstate its
//!   own address this way, for its own events.
//! - [`RequestIp`], for the API: the address as far as Cairn can verify it, for the audit log,
//!   login throttling and security emails, where a made-up address would mislead. The
//!   `X-Forwarded-For` header is believed only from a trusted proxy (`--trusted-proxies`:
//!   loopback and private networks by default, where a reverse proxy in front of Cairn
//!   lives), and read from the right: the first address that is not itself a trusted proxy
//!   is the client, since the hops a client added at the left are its own invention.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::ingest::filters::IpRule;
use crate::state::AppState;
use crate::store::Store;

/// The client's IP address for ingestion (Relay's reading), if known.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(ClientIp(client_ip(&parts.headers, peer(parts))))
    }
}

/// The first address of `X-Forwarded-For`, else the connection's peer (Relay's reading).
pub(crate) fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
    headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok())
        .and_then(|list| list.split(',').next())
        .and_then(|first| first.trim().parse().ok())
        .or(peer.map(|peer| peer.ip()))
}

/// The client's IP address for the API, as far as Cairn can verify it (see the module's
/// documentation), if known.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestIp(pub Option<IpAddr>);

impl<S: Store> FromRequestParts<AppState<S>> for RequestIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Infallible> {
        Ok(RequestIp(state.config.trusted_proxies.client_ip(&parts.headers, peer(parts))))
    }
}

fn peer(parts: &Parts) -> Option<SocketAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| *peer)
}

/// `--trusted-proxies` when not given: loopback and the private networks.
pub const DEFAULT_TRUSTED_PROXIES: &str =
    "127.0.0.0/8,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

/// The addresses whose `X-Forwarded-For` is believed: addresses and networks in CIDR
/// notation, separated by commas or spaces; empty for none.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpRule>);

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                IpRule::parse(entry)
                    .ok_or_else(|| format!("{entry:?} is not an IP address or a network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|rule| rule.matches(ip))
    }

    /// The client of a request from `peer` with `headers`: the peer itself unless it is a
    /// trusted proxy; else the rightmost `X-Forwarded-For` address that is not a trusted
    /// proxy (the leftmost one when all are), or the peer when the header has none.
    pub fn client_ip(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        let peer = peer?.ip();
        if !self.trusts(peer) {
            return Some(peer);
        }
        // Every `X-Forwarded-For` header, in order: proxies may add a line of their own.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|list| list.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A hop that is not an address (`unknown`, a port) ends what can be believed.
            let Ok(ip) = hop.parse::<IpAddr>() else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_forwarded_address_wins_over_the_peer_for_ingestion() {
        let peer: SocketAddr = "10.0.0.5:4711".parse().expect("address");
        let mut headers = HeaderMap::new();
        assert_eq!(client_ip(&headers, Some(peer)), Some(peer.ip()));
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().expect("header"));
        assert_eq!(client_ip(&headers, Some(peer)), "203.0.113.9".parse().ok());
        headers.insert("x-forwarded-for", "not an address".parse().expect("header"));
        assert_eq!(client_ip(&headers, Some(peer)), Some(peer.ip()));
        assert_eq!(client_ip(&HeaderMap::new(), None), None);
    }

    fn forwarded(proxies: &TrustedProxies, peer: &str, lines: &[&str]) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", line.parse().expect("header"));
        }
        proxies.client_ip(&headers, Some(peer.parse().expect("peer")))
    }

    #[test]
    fn the_api_believes_forwarded_addresses_only_from_trusted_proxies() {
        let proxies: TrustedProxies = DEFAULT_TRUSTED_PROXIES.parse().expect("defaults");
        let ip = |text: &str| text.parse::<IpAddr>().ok();
        // A client on the internet: its header is its own invention.
        assert_eq!(forwarded(&proxies, "198.51.100.7:1", &["203.0.113.9"]), ip("198.51.100.7"));
        // Through a proxy on this host (nginx appends the peer it saw).
        let local = "127.0.0.1:1";
        assert_eq!(forwarded(&proxies, local, &["198.51.100.7"]), ip("198.51.100.7"));
        // A client that sent a header of its own through that proxy: the proxy's entry counts.
        assert_eq!(forwarded(&proxies, local, &["203.0.113.9, 198.51.100.7"]), ip("198.51.100.7"));
        // Two proxies, the second in a private network, with a line each.
        assert_eq!(forwarded(&proxies, local, &["198.51.100.7", "10.1.2.3"]), ip("198.51.100.7"));
        // Only trusted hops: the leftmost; none at all or garbage: the peer.
        assert_eq!(forwarded(&proxies, local, &["10.0.0.9, 10.0.0.8"]), ip("10.0.0.9"));
        assert_eq!(forwarded(&proxies, local, &[]), ip("127.0.0.1"));
        assert_eq!(forwarded(&proxies, local, &["unknown"]), ip("127.0.0.1"));
        assert_eq!(forwarded(&proxies, "[::1]:1", &["2001:db8::5"]), ip("2001:db8::5"));
        // No trusted proxies: the peer, always.
        let none: TrustedProxies = "".parse().expect("empty");
        assert_eq!(forwarded(&none, local, &["198.51.100.7"]), ip("127.0.0.1"));
        // Networks of the setting.
        let cdn: TrustedProxies = "203.0.113.0/24 127.0.0.1".parse().expect("setting");
        assert_eq!(forwarded(&cdn, local, &["198.51.100.7, 203.0.113.40"]), ip("198.51.100.7"));
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy.example.com".parse::<TrustedProxies>().is_err());
    }
}
