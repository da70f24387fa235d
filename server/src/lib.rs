//! Cairn's server: Sentry-compatible ingestion, the REST API under `/api/0/`, and the
//! dashboard's static files, on one SQLite database by default.
//!
//! The way of an event: [`endpoints::ingest`] (auth, limits, decompression) →
//! [`ingest::envelope`] (framing) → [`ingest::event`] (lenient normalization) →
//! [`ingest::scrub`] (PII) → [`ingest::grouping`] (hashes) → [`store::Store::store_batch`] (a
//! durable group commit; the issues' counters follow within a second, or when the Web API is
//! asked) → answer 200.

pub mod adoption;
pub mod alerts;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod endpoints;
pub mod error;
pub mod escalation;
pub mod event_search;
pub mod highlights;
pub mod hooks;
pub mod ingest;
pub mod mailer;
pub mod monitors;
pub mod ongoing;
pub mod ownership;
pub mod reports;
pub mod retention;
pub mod search;
pub mod serialize;
pub mod similarity;
pub mod state;
pub mod store;
pub mod suspects;
pub mod util;
