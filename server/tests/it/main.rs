//! Cairn's integration tests: one binary (linked once) that starts the real `cairn` binary on a
//! loopback port with a temporary SQLite file and talks to it over HTTP, with the official
//! `sentry` crate as the client and headless Chromium for the dashboard.

mod alerts;
mod api;
mod attachments;
mod audit_log;
mod authz;
mod bad_input;
mod browser;
mod code_mappings;
mod commits;
mod common;
mod dashboard_assets;
mod durability;
mod environments;
mod filters;
mod grouping_info;
mod health;
mod ingest;
mod issue_tags;
mod live;
mod members;
mod metric_alerts;
mod minidump;
mod monitors;
mod notifications;
mod org_tags;
mod ownership;
mod priority;
mod retention;
mod sdk_crate;
mod sdk_fixtures;
mod search;
mod sentry_cli;
mod service_hooks;
mod sharing;
mod similar;
mod snapshots;
mod sourcemaps;
mod traces;
mod triage;
mod user_feedback;
