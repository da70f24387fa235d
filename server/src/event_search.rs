//! Searching an issue's events (the issue page's *Events* tab, Sentry's `query` on
//! `/issues/{id}/events/`): the terms of Sentry's search that apply to one event, matched
//! against a stored event.
//!
//! Events keep their tags inside their (compressed) JSON, so a search reads the issue's
//! events newest first and keeps those that match ([`crate::endpoints`] bounds how many it
//! reads). The syntax is the issue search's ([`crate::search`]): `key:value` tags (`*` a
//! wildcard, `[a, b]` any of, `!` negates), `user.email:` and the other parts of the user,
//! `has:key`, `trace:`, `message:` and free text (in the title, the message and the exceptions'
//! values, ignoring case). Terms about issues (`is:`, `assigned:`, `timesSeen:`, ...) are
//! refused: no event has them.

use serde_json::{Map, Value};

use crate::ingest::event::{derive_issue_fields, message_text, stored_event_tags};
use crate::search::{self, Filter, ReleaseFilter, SearchError, Term};
use crate::util::wildcard_match;

/// A parsed search of events: every term must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSearch {
    terms: Vec<Term>,
}

impl EventSearch {
    /// Parses `query`; `None` for an empty one, which every event matches.
    pub fn parse(query: &str) -> Result<Option<EventSearch>, SearchError> {
        if query.trim().is_empty() {
            return Ok(None);
        }
        // No relative times apply to events' terms: "now" is not needed.
        let terms = search::parse(query, 0)?;
        for term in &terms {
            let applies = matches!(
                term.filter,
                Filter::Tag { .. }
                    | Filter::Has(_)
                    | Filter::Text(_)
                    | Filter::Trace(_)
                    | Filter::Unhandled(_)
                    | Filter::Release(ReleaseFilter::Version { .. } | ReleaseFilter::Package(_))
            );
            if !applies {
                return Err(SearchError(format!(
                    "{} is a property of issues, not of their events",
                    filter_name(&term.filter)
                )));
            }
        }
        Ok(Some(EventSearch { terms }))
    }

    /// Whether the stored event matches every term.
    pub fn matches(&self, event: &Map<String, Value>) -> bool {
        let tags = stored_event_tags(event);
        self.terms.iter().all(|term| term_holds(term, event, &tags) != term.negated)
    }
}

fn term_holds(term: &Term, event: &Map<String, Value>, tags: &[(String, String)]) -> bool {
    match &term.filter {
        Filter::Tag { key, values } => tags
            .iter()
            .filter(|(k, _)| k == key)
            .any(|(_, value)| values.iter().any(|pattern| wildcard_match(pattern, value))),
        Filter::Has(key) => tags.iter().any(|(k, _)| k == key),
        Filter::Text(text) => {
            let pattern = format!("*{}*", text.to_lowercase());
            searchable_texts(event).iter().any(|t| wildcard_match(&pattern, &t.to_lowercase()))
        }
        Filter::Trace(ids) => event
            .get("contexts")
            .and_then(|c| c.get("trace"))
            .and_then(|t| t.get("trace_id"))
            .and_then(Value::as_str)
            .and_then(|id| uuid::Uuid::try_parse(id).ok())
            .is_some_and(|id| ids.contains(id.as_bytes())),
        // The exception's mechanism said so (the derived `handled` tag).
        Filter::Unhandled(unhandled) => {
            tags.iter().any(|(k, v)| k == "handled" && v == "no") == *unhandled
        }
        Filter::Release(selector) => tags
            .iter()
            .filter(|(k, _)| k == "release")
            .any(|(_, release)| selector.matches(release).unwrap_or(false)),
        // Refused by `parse`.
        _ => false,
    }
}

/// What free text is looked for in: the event's title, its message and its exceptions' values.
fn searchable_texts(event: &Map<String, Value>) -> Vec<String> {
    let mut texts = vec![derive_issue_fields(event).title];
    texts.extend(message_text(event));
    let exceptions = event.get("exception").and_then(|e| e.get("values")).and_then(Value::as_array);
    for exception in exceptions.into_iter().flatten() {
        texts.extend(exception.get("value").and_then(Value::as_str).map(str::to_owned));
    }
    texts
}

fn filter_name(filter: &Filter) -> &'static str {
    match filter {
        Filter::Is(_) => "is:",
        Filter::Assigned(_) => "assigned:",
        Filter::AssignedOrSuggested(_) => "assigned_or_suggested:",
        Filter::Bookmarks(_) => "bookmarks:",
        Filter::FirstRelease(_) => "firstRelease:",
        Filter::FirstSeen(_) => "firstSeen:",
        Filter::LastSeen(_) => "lastSeen:",
        Filter::TimesSeen(_) => "timesSeen:",
        Filter::Priority(_) => "issue.priority:",
        Filter::Release(ReleaseFilter::Stage(_)) => "release.stage:",
        Filter::RegressedInRelease(_) => "regressed_in_release:",
        Filter::ResolvedInRelease(_) => "resolved in a release",
        Filter::Unhandled(_) => "this term",
        Filter::Release(_) => "this term",
        Filter::Tag { .. } | Filter::Has(_) | Filter::Text(_) | Filter::Trace(_) => "this term",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event() -> Map<String, Value> {
        json!({
            "release": "shop@1.2.0",
            "user": {"email": "ada@example.com"},
            "tags": [["browser", "Firefox 120"], ["level", "error"], ["environment", "prod"]],
            "logentry": {"formatted": "Checkout failed for cart 42"},
            "contexts": {"trace": {"trace_id": "4c79f60c11214eb38604f4ae0781bfb2"}},
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    fn matches(query: &str) -> bool {
        EventSearch::parse(query).expect("a valid search").is_none_or(|s| s.matches(&event()))
    }

    #[test]
    fn tags_match_exactly_or_by_wildcard_and_negation_inverts() {
        assert!(matches("browser:\"Firefox 120\""));
        assert!(matches("browser:Firefox*"));
        assert!(!matches("browser:Firefox"));
        assert!(!matches("!browser:Firefox*"));
        assert!(matches("environment:[staging, prod] level:error"));
        assert!(matches("release:shop@1.2.0 user.email:ada@example.com"));
        assert!(!matches("user.email:bob@example.com"));
        assert!(matches("has:browser !has:os"));
        assert!(matches(""));
    }

    #[test]
    fn release_versions_and_packages_match_the_events_release() {
        assert!(matches("release.version:>=1.2"));
        assert!(matches("release.version:1.2.*"));
        assert!(!matches("release.version:>1.2.0"));
        assert!(matches("!release.version:>1.2.0"));
        assert!(matches("release.package:shop"));
        assert!(matches("error.handled:1") && !matches("error.unhandled:true"));
        assert!(!matches("release.package:web"));
        let Err(err) = EventSearch::parse("release.stage:adopted") else { panic!("refused") };
        assert!(err.0.contains("release.stage: is a property of issues"), "{err}");
    }

    #[test]
    fn free_text_is_looked_for_in_the_title_and_message_ignoring_case() {
        assert!(matches("checkout FAILED"));
        assert!(matches("message:\"cart 42\""));
        assert!(!matches("payment"));
        assert!(matches("!payment"));
    }

    #[test]
    fn traces_match_by_id() {
        assert!(matches("trace:4c79f60c11214eb38604f4ae0781bfb2"));
        assert!(!matches("trace:00000000000000000000000000000001"));
    }

    #[test]
    fn issue_terms_are_refused() {
        for query in ["is:unresolved", "assigned:me", "timesSeen:>10", "issue.priority:high"] {
            let err = EventSearch::parse(query).expect_err(query);
            assert!(err.0.contains("a property of issues, not of their events"), "{err}");
        }
        assert!(EventSearch::parse("browser:").is_err(), "a value is missing");
    }
}
