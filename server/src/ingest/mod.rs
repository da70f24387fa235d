//! Ingestion logic without HTTP or SQL: parse envelopes, normalize events, group them.
//!
//! Everything here is synchronous and pure, so it can be tested (and fuzzed) on raw bytes.
//! The HTTP side lives in [`crate::endpoints::ingest`].

pub mod artifact_bundle;
pub mod check_in;
pub mod derived;
pub mod duration_histogram;
pub mod envelope;
pub mod event;
pub mod filters;
pub mod grouping;
pub mod javascript;
pub mod json;
pub mod release;
pub mod scrub;
pub mod session;
pub mod sourcemaps;
pub mod transaction;
pub mod trim;
pub mod user_agent;
pub mod user_report;

#[cfg(test)]
mod corpus_tests;
