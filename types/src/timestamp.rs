//! How the API's timestamps are read: RFC 3339, as the server writes them
//! (`2026-11-25T14:05:09.123456Z`).
//!
//! chrono's own `Deserialize` accepts more (its relaxed RFC 3339 parser, built on its general
//! format-string parser). In the dashboard's wasm that parser cost several kilobytes for
//! reading what Cairn's own server wrote, so there the strict parser is used; the server, which
//! also reads these types from API clients, keeps chrono's relaxed one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

/// A `DateTime<Utc>` field: `#[serde(deserialize_with = "crate::timestamp::rfc3339")]`.
pub fn rfc3339<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    parse(&String::deserialize(deserializer)?)
}

/// An `Option<DateTime<Utc>>` field (`null` or missing is `None`):
/// `#[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]`.
pub fn rfc3339_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(deserializer)?.map(|text| parse(&text)).transpose()
}

#[cfg(target_arch = "wasm32")]
fn parse<E: serde::de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
    DateTime::parse_from_rfc3339(text).map(|time| time.to_utc()).map_err(E::custom)
}

#[cfg(not(target_arch = "wasm32"))]
fn parse<E: serde::de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
    text.parse::<DateTime<Utc>>().map_err(E::custom)
}
