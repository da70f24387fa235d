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
use crate::search::{self, Filter, SearchError, Term};

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
                Filter::Tag { .. } | Filter::Has(_) | Filter::Text(_) | Filter::Trace(_)
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
            .any(|(_, value)| values.iter().any(|pattern| wildcard(pattern, value))),
        Filter::Has(key) => tags.iter().any(|(k, _)| k == key),
        Filter::Text(text) => {
            let pattern = format!("*{}*", text.to_lowercase());
            searchable_texts(event).iter().any(|t| wildcard(&pattern, &t.to_lowercase()))
        }
        Filter::Trace(ids) => event
            .get("contexts")
            .and_then(|c| c.get("trace"))
            .and_then(|t| t.get("trace_id"))
            .and_then(Value::as_str)
            .and_then(|id| uuid::Uuid::try_parse(id).ok())
            .is_some_and(|id| ids.contains(id.as_bytes())),
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

/// Whether `value` matches `pattern`, where `*` stands for any run of characters.
fn wildcard(pattern: &str, value: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = value.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole value.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
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

    #[test]
    fn wildcards_stand_for_any_run_of_characters() {
        assert!(wildcard("a*c", "abbbc"));
        assert!(wildcard("*", ""));
        assert!(wildcard("*b*", "abc"));
        assert!(!wildcard("a*c", "abcd"));
        assert!(wildcard("a*c*", "abcd"));
        assert!(!wildcard("ab*ba", "aba"), "the ends may not overlap");
        assert!(wildcard("é*", "été"));
    }
}
