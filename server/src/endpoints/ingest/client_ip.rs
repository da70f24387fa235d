//! The address of the client that sent an ingest request: what Relay's `{{auto}}` IP backfill
//! puts in an event (see [`crate::ingest::derived::backfill_ip`]).

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

/// The client's IP address, if known.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| *peer);
        Ok(ClientIp(client_ip(&parts.headers, peer)))
    }
}

/// The first address of `X-Forwarded-For`, else the connection's peer. Relay reads the header
/// the same way: it is usually behind a proxy that sets it, as Cairn is when it is not on its
/// own. A client can only misstate its own address this way, for its own events.
pub(crate) fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
    headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok())
        .and_then(|list| list.split(',').next())
        .and_then(|first| first.trim().parse().ok())
        .or(peer.map(|peer| peer.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_forwarded_address_wins_over_the_peer() {
        let peer: SocketAddr = "10.0.0.5:4711".parse().expect("address");
        let mut headers = HeaderMap::new();
        assert_eq!(client_ip(&headers, Some(peer)), Some(peer.ip()));
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().expect("header"));
        assert_eq!(client_ip(&headers, Some(peer)), "203.0.113.9".parse().ok());
        headers.insert("x-forwarded-for", "not an address".parse().expect("header"));
        assert_eq!(client_ip(&headers, Some(peer)), Some(peer.ip()));
        assert_eq!(client_ip(&HeaderMap::new(), None), None);
    }
}
