//! HTTP endpoints: ingestion for SDKs, the REST API for the dashboard and tools, health.

pub mod api;
pub mod client_ip;
pub mod health;
pub mod ingest;
mod json;

pub use json::AppJson;
