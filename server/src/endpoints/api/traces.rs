//! Distributed traces (Sentry's `OrganizationEventsTraceEndpoint`, its light variant and its
//! meta): the transactions and errors of one trace across every project of the organization,
//! so that a browser's page load, the backend request it made and the error behind it are
//! seen together. Transactions form a tree by their spans: a transaction whose parent span is
//! a span of another transaction was called by it; an error belongs to the transaction whose
//! span it happened in, and is an orphan error when no stored transaction has that span.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{Trace, TraceError, TraceMeta, TraceTransaction};

use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{Store, TraceErrorRow, TraceTransactionRow};

/// Errors, and transactions, answered when the request names no `limit` (Sentry's
/// `MAX_TRACE_SIZE`).
const DEFAULT_LIMIT: i64 = 100;
/// The most a request may ask for; every error's stored event is read for its span.
const MAX_LIMIT: i64 = 1_000;
/// The deepest a transaction is nested in the answer; one deeper is answered as a root. Real
/// traces are a few levels deep, and JSON readers limit nesting (serde_json's to 128 levels,
/// each transaction two of them).
const MAX_GENERATION: i64 = 50;

/// `GET /api/0/organizations/{org}/events-trace/{trace_id}/`: the trace's transactions as a
/// tree and its orphan errors, oldest first; `limit` (1 to 1,000, default 100) of each, the
/// first to start (transactions) or arrive (errors). An unknown trace is empty.
pub async fn get_trace<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, trace_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Trace>> {
    let params = TraceParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let trace_id = parse_trace_id(&trace_id)?;
    let organization_id = access.organization.id;
    let (transactions, errors) = tokio::try_join!(
        state.store.trace_transactions(organization_id, &trace_id, params.limit),
        state.store.trace_errors(organization_id, &trace_id, None, params.limit),
    )?;
    Ok(AppJson(build_trace(&transactions, errors.iter().map(trace_error).collect())))
}

/// `GET /api/0/organizations/{org}/events-trace-light/{trace_id}/?event_id=`: the trace as
/// seen from one event, as Sentry's light view answers it: the event's transaction (the event
/// itself, or the transaction an error happened in) with its parent and its children, flat
/// (`children` empty); an error in no transaction is answered alone as an orphan error. 404
/// when the event is not in the trace.
pub async fn get_trace_light<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, trace_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Trace>> {
    let params = TraceParams::parse(raw.as_deref())?;
    let Some(event_id) = params.event_id else {
        return Err(ApiError::BadRequest("An event_id is required for the light trace".into()));
    };
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let trace_id = parse_trace_id(&trace_id)?;
    let organization_id = access.organization.id;
    let (transactions, errors) = tokio::try_join!(
        state.store.trace_transactions(organization_id, &trace_id, MAX_LIMIT),
        state.store.trace_errors(organization_id, &trace_id, Some(&event_id), 1),
    )?;
    let trace = build_trace(&transactions, errors.iter().map(trace_error).collect());
    light_trace(trace, &event_id).map(AppJson).ok_or(ApiError::NotFound)
}

/// `GET /api/0/organizations/{org}/events-trace-meta/{trace_id}/`: how many errors and
/// transactions the trace has and in how many projects (Sentry's trace summary).
pub async fn get_trace_meta<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, trace_id)): Path<(String, String)>,
) -> ApiResult<AppJson<TraceMeta>> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let trace_id = parse_trace_id(&trace_id)?;
    let counts = state.store.trace_counts(access.organization.id, &trace_id).await?;
    Ok(AppJson(TraceMeta {
        projects: counts.projects,
        transactions: counts.transactions,
        errors: counts.errors,
        performance_issues: 0,
    }))
}

/// The trace's tree: each transaction under the one that owns its parent span, each error
/// under the one that owns its span; `rows` by start time, `errors` oldest first.
fn build_trace(rows: &[TraceTransactionRow], errors: Vec<TraceError>) -> Trace {
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        owner.entry(row.span_id.as_str()).or_insert(index);
    }
    // A transaction's own span first, then its spans: an SDK that repeats the transaction's
    // span among its spans does not hand it to another transaction.
    for (index, row) in rows.iter().enumerate() {
        for span in row.span_ids.split_ascii_whitespace() {
            owner.entry(span).or_insert(index);
        }
    }
    let parents: Vec<Option<usize>> = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let parent = owner.get(row.parent_span_id.as_deref()?).copied()?;
            (parent != index).then_some(parent)
        })
        .collect();
    let mut children = vec![Vec::new(); rows.len()];
    for (index, parent) in parents.iter().enumerate() {
        if let Some(parent) = parent {
            children[*parent].push(index);
        }
    }
    let mut errors_of = vec![Vec::new(); rows.len()];
    let mut orphan_errors = Vec::new();
    for error in errors {
        match owner.get(error.span.as_str()) {
            Some(index) => errors_of[*index].push(error),
            None => orphan_errors.push(error),
        }
    }
    let mut tree = TreeBuilder { rows, children, errors_of, placed: vec![false; rows.len()] };
    let mut transactions = Vec::new();
    for (index, parent) in parents.iter().enumerate() {
        if parent.is_none() {
            transactions.push(tree.node(index, 0, None));
        }
    }
    // What is left is a cycle of parent spans (an SDK's bug, or forged data) or past the
    // deepest nesting: each of those answered as a root.
    for index in 0..rows.len() {
        if !tree.placed[index] {
            transactions.push(tree.node(index, 0, None));
        }
    }
    transactions.sort_by(|a, b| a.start_timestamp.total_cmp(&b.start_timestamp));
    Trace { transactions, orphan_errors }
}

/// Builds the tree of [`build_trace`] from the links it found.
struct TreeBuilder<'a> {
    rows: &'a [TraceTransactionRow],
    children: Vec<Vec<usize>>,
    errors_of: Vec<Vec<TraceError>>,
    placed: Vec<bool>,
}

impl TreeBuilder<'_> {
    fn node(&mut self, index: usize, generation: i64, parent: Option<&str>) -> TraceTransaction {
        self.placed[index] = true;
        let row = &self.rows[index];
        let mut children = Vec::new();
        if generation < MAX_GENERATION {
            for child in std::mem::take(&mut self.children[index]) {
                if !self.placed[child] {
                    children.push(self.node(child, generation + 1, Some(&row.event_id)));
                }
            }
        }
        let mut errors = std::mem::take(&mut self.errors_of[index]);
        for error in &mut errors {
            error.generation = generation;
        }
        TraceTransaction {
            event_id: row.event_id.clone(),
            span_id: row.span_id.clone(),
            parent_span_id: row.parent_span_id.clone(),
            parent_event_id: parent.map(str::to_owned),
            project_id: row.project_id,
            project_slug: row.project_slug.clone(),
            transaction: row.name.clone(),
            duration: ((row.timestamp - row.start_timestamp) * 1000.0).round() as i64,
            op: row.op.clone(),
            status: row.status.clone(),
            start_timestamp: row.start_timestamp,
            timestamp: row.timestamp,
            generation,
            errors,
            performance_issues: Vec::new(),
            children,
        }
    }
}

/// The light view of `event_id` in `trace`: its transaction's parent, itself and its
/// children, flat; or the event alone as an orphan error; `None` when it is in neither.
fn light_trace(trace: Trace, event_id: &str) -> Option<Trace> {
    fn find<'a>(
        nodes: &'a [TraceTransaction],
        parent: Option<&'a TraceTransaction>,
        event_id: &str,
    ) -> Option<(Option<&'a TraceTransaction>, &'a TraceTransaction)> {
        nodes.iter().find_map(|node| {
            let here =
                node.event_id == event_id || node.errors.iter().any(|e| e.event_id == event_id);
            if here {
                Some((parent, node))
            } else {
                find(&node.children, Some(node), event_id)
            }
        })
    }
    let flat = |node: &TraceTransaction| TraceTransaction { children: Vec::new(), ..node.clone() };
    if let Some((parent, node)) = find(&trace.transactions, None, event_id) {
        let mut transactions: Vec<TraceTransaction> = parent.map(flat).into_iter().collect();
        transactions.push(flat(node));
        transactions.extend(node.children.iter().map(flat));
        return Some(Trace { transactions, orphan_errors: Vec::new() });
    }
    let error = trace.orphan_errors.into_iter().find(|e| e.event_id == event_id)?;
    Some(Trace { transactions: Vec::new(), orphan_errors: vec![error] })
}

/// The query parameters both trace endpoints read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TraceParams {
    limit: i64,
    /// The event the trace is looked at from (`event_id`, `eventId` or `targetId`), lower case.
    event_id: Option<String>,
}

impl TraceParams {
    fn parse(raw: Option<&str>) -> ApiResult<TraceParams> {
        let mut params = TraceParams { limit: DEFAULT_LIMIT, event_id: None };
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "limit" => {
                    params.limit =
                        value.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(
                            || {
                                ApiError::BadRequest(format!(
                                    "limit: a number from 1 to {MAX_LIMIT} is required"
                                ))
                            },
                        )?;
                }
                "event_id" | "eventId" | "targetId" => {
                    if !is_hex(&value, 32) {
                        return Err(ApiError::BadRequest(
                            "Event ID: ID must be a 32 character hexadecimal string".into(),
                        ));
                    }
                    params.event_id = Some(value.to_ascii_lowercase());
                }
                _ => {}
            }
        }
        Ok(params)
    }
}

/// A trace id in the path: 32 hex digits, as Sentry's route accepts (anything else is a path
/// Sentry does not have, so 404 here too).
fn parse_trace_id(text: &str) -> ApiResult<[u8; 16]> {
    if !is_hex(text, 32) {
        return Err(ApiError::NotFound);
    }
    uuid::Uuid::try_parse(text).map(uuid::Uuid::into_bytes).map_err(|_| ApiError::NotFound)
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn trace_error(row: &TraceErrorRow) -> TraceError {
    TraceError {
        event_id: row.event_id.clone(),
        issue_id: row.issue_id,
        issue_short_id: Some(serialize::short_id(&row.project_slug, row.short_id)),
        span: row.span_id.clone().unwrap_or_default(),
        project_id: row.project_id,
        project_slug: row.project_slug.clone(),
        title: row.title.clone(),
        culprit: Some(row.culprit.clone()),
        level: row.level.clone(),
        message: row.message.clone(),
        timestamp: row.timestamp as f64 / 1000.0,
        event_type: "error".into(),
        generation: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transaction(
        event: &str,
        span: &str,
        parent: Option<&str>,
        start: f64,
        spans: &str,
    ) -> TraceTransactionRow {
        TraceTransactionRow {
            event_id: event.repeat(32),
            project_id: 1,
            project_slug: "web".into(),
            span_id: span.repeat(16),
            parent_span_id: parent.map(|p| p.repeat(16)),
            name: format!("GET /{event}"),
            op: "http.server".into(),
            status: "ok".into(),
            start_timestamp: start,
            timestamp: start + 0.25,
            span_ids: spans
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(|s| s.repeat(16))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    fn error(event: &str, span: &str) -> TraceError {
        TraceError {
            event_id: event.repeat(32),
            issue_id: 1,
            issue_short_id: None,
            span: if span.is_empty() { String::new() } else { span.repeat(16) },
            project_id: 1,
            project_slug: "web".into(),
            title: "Boom".into(),
            culprit: None,
            level: "error".into(),
            message: "Boom".into(),
            timestamp: 1.0,
            event_type: "error".into(),
            generation: 0,
        }
    }

    /// A page load (span a, with a fetch span b) calling a backend request (span c, with a
    /// query span d), which calls a worker (span e); an error in the query, one in the page
    /// load's own span, and one in a span no transaction has.
    fn sample() -> Trace {
        let rows = [
            transaction("1", "a", None, 10.0, "b"),
            transaction("2", "c", Some("b"), 10.1, "d"),
            transaction("3", "e", Some("d"), 10.2, ""),
        ];
        build_trace(&rows, vec![error("7", "d"), error("8", "a"), error("9", "f"), error("6", "")])
    }

    #[test]
    fn transactions_nest_under_the_transaction_of_their_parent_span() {
        let trace = sample();
        assert_eq!(trace.transactions.len(), 1);
        let root = &trace.transactions[0];
        assert_eq!((root.event_id.as_str(), root.generation), ("1".repeat(32).as_str(), 0));
        assert_eq!(root.parent_event_id, None);
        assert_eq!(root.duration, 250);
        let backend = &root.children[0];
        assert_eq!(backend.event_id, "2".repeat(32));
        assert_eq!(backend.parent_event_id, Some("1".repeat(32)));
        assert_eq!(backend.generation, 1);
        let worker = &backend.children[0];
        assert_eq!((worker.generation, worker.children.len()), (2, 0));
        assert_eq!(worker.parent_event_id, Some("2".repeat(32)));
    }

    #[test]
    fn errors_belong_to_the_transaction_of_their_span_or_are_orphans() {
        let trace = sample();
        let root = &trace.transactions[0];
        assert_eq!(
            root.errors.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>(),
            ["8".repeat(32)]
        );
        let backend = &root.children[0];
        assert_eq!(backend.errors[0].event_id, "7".repeat(32));
        assert_eq!(backend.errors[0].generation, 1);
        let orphans: Vec<_> = trace.orphan_errors.iter().map(|e| e.event_id.clone()).collect();
        assert_eq!(orphans, ["9".repeat(32), "6".repeat(32)]);
    }

    #[test]
    fn a_cycle_of_parent_spans_is_answered_as_roots() {
        // Each names a span of the other as its parent: no root, both still answered.
        let rows = [
            transaction("1", "a", Some("d"), 10.0, "b"),
            transaction("2", "c", Some("b"), 10.1, "d"),
            transaction("3", "e", Some("e"), 9.0, ""),
        ];
        let trace = build_trace(&rows, Vec::new());
        let roots: Vec<_> = trace.transactions.iter().map(|t| t.event_id.clone()).collect();
        // The self-parented one is a root of its own; the cycle is broken at its first.
        assert_eq!(roots, ["3".repeat(32), "1".repeat(32)]);
        assert_eq!(trace.transactions[1].children[0].event_id, "2".repeat(32));
    }

    #[test]
    fn a_chain_deeper_than_the_limit_is_cut_into_roots() {
        let ids: Vec<String> = (0..(MAX_GENERATION + 5)).map(|n| format!("{n:016x}")).collect();
        let rows: Vec<TraceTransactionRow> = ids
            .iter()
            .enumerate()
            .map(|(n, span)| TraceTransactionRow {
                event_id: format!("{n:032x}"),
                span_id: span.clone(),
                parent_span_id: n.checked_sub(1).map(|p| ids[p].clone()),
                span_ids: String::new(),
                ..transaction("1", "a", None, n as f64, "")
            })
            .collect();
        let trace = build_trace(&rows, Vec::new());
        assert_eq!(trace.transactions.len(), 2);
        let mut depth = 0;
        let mut node = &trace.transactions[0];
        while let Some(child) = node.children.first() {
            node = child;
            depth += 1;
        }
        assert_eq!(depth, MAX_GENERATION);
        assert_eq!(trace.transactions[1].generation, 0);
    }

    #[test]
    fn the_light_trace_is_the_events_transaction_with_its_parent_and_children() {
        let light = light_trace(sample(), &"2".repeat(32)).expect("in the trace");
        let ids: Vec<_> = light.transactions.iter().map(|t| t.event_id.clone()).collect();
        assert_eq!(ids, ["1".repeat(32), "2".repeat(32), "3".repeat(32)]);
        assert!(light.transactions.iter().all(|t| t.children.is_empty()));
        // An error is seen from its transaction.
        let light = light_trace(sample(), &"7".repeat(32)).expect("in the trace");
        assert_eq!(light.transactions[1].errors[0].event_id, "7".repeat(32));
        let light = light_trace(sample(), &"9".repeat(32)).expect("an orphan error");
        assert_eq!((light.transactions.len(), light.orphan_errors.len()), (0, 1));
        assert!(light_trace(sample(), &"5".repeat(32)).is_none());
    }

    #[test]
    fn trace_ids_are_32_hex_digits_and_anything_else_is_not_found() {
        let id = parse_trace_id("4C79F60C11214EB38604F4AE0781BFB2").map_err(|e| e.to_string());
        assert_eq!(id.map(|b| b[0]), Ok(0x4c));
        for bad in [
            "",
            "4c79f60c",
            "4c79f60c-1121-4eb3-8604-f4ae0781bfb2",
            "zz79f60c11214eb38604f4ae0781bfb2",
        ] {
            assert!(matches!(parse_trace_id(bad), Err(ApiError::NotFound)), "{bad}");
        }
    }

    #[test]
    fn the_parameters_are_checked() {
        let params = TraceParams::parse(Some("limit=5&eventId=ABCDEF0123456789ABCDEF0123456789"))
            .map_err(|e| e.to_string());
        assert_eq!(
            params,
            Ok(TraceParams { limit: 5, event_id: Some("abcdef0123456789abcdef0123456789".into()) })
        );
        for bad in ["limit=0", "limit=1001", "limit=x", "event_id=123"] {
            let err = TraceParams::parse(Some(bad)).map(drop);
            assert!(matches!(err, Err(ApiError::BadRequest(_))), "{bad}");
        }
    }
}
