//! Suggestions for the issue stream's search bar, in Sentry's search syntax: keys while the
//! last term has no `:` yet, values of the key once it has one.
//!
//! Pure: [`suggest`] takes the text and what is known (tag keys, members, teams, the values of
//! the key being typed) and answers what to offer, each with the whole search it leads to, so
//! the search bar only renders and applies them.

/// Keys Cairn's search understands besides tags, as `(key, description)`.
pub const BUILTIN_KEYS: &[(&str, &str)] = &[
    ("is", "Status: unresolved, resolved, archived, assigned, ..."),
    ("assigned", "Assigned to a member or team"),
    ("assigned_or_suggested", "Assigned to, or suggested for, a member or team"),
    ("bookmarks", "Bookmarked by"),
    ("level", "fatal, error, warning, info, debug"),
    ("issue.priority", "high, medium, low"),
    ("release", "Release of an event"),
    ("environment", "Environment of an event"),
    ("first-release", "Release the issue first appeared in"),
    ("release.version", "Semantic version of a release, e.g. >=2.0.0 or 1.2.*"),
    ("release.package", "Package of a release (before its @)"),
    ("release.stage", "adopted, low_adoption, replaced (with one environment)"),
    ("user.email", "Email of an affected user"),
    ("has", "Has a tag"),
    ("firstSeen", "First seen, e.g. -24h"),
    ("lastSeen", "Last seen, e.g. -1h"),
    ("timesSeen", "Number of events, e.g. >10"),
    ("trace", "Distributed trace id of an event (32 hex digits)"),
];

/// Values of `is:`.
pub const IS_VALUES: &[&str] =
    &["unresolved", "resolved", "ignored", "archived", "assigned", "unassigned", "for_review"];
/// Values of `level:`.
pub const LEVEL_VALUES: &[&str] = &["fatal", "error", "warning", "info", "debug"];

/// Most suggestions shown at once.
pub const MAX_SUGGESTIONS: usize = 10;
/// Most recent searches offered.
pub const MAX_RECENT: usize = 3;

/// What the suggestions are drawn from, besides the built-in keys and values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuggestionSource {
    /// Tag keys of the organization's issues.
    pub tag_keys: Vec<String>,
    /// Members' emails.
    pub member_emails: Vec<String>,
    /// Team slugs (offered as `#slug`).
    pub team_slugs: Vec<String>,
    /// The values of one tag key, when they have been fetched: `(key, values)`.
    pub tag_values: Option<(String, Vec<String>)>,
    /// The user's recent searches, the latest first: offered while the field is empty.
    pub recent: Vec<String>,
}

/// Whether a suggestion completes a key or a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionKind {
    /// `key:`; the search goes on with the key's values.
    Key,
    /// A whole `key:value` term.
    Value,
}

/// One suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What the list shows, e.g. `is:` or `unresolved`.
    pub label: String,
    /// A hint next to it.
    pub description: String,
    /// The whole search once the suggestion is taken.
    pub text: String,
    /// Key or value.
    pub kind: SuggestionKind,
}

/// The term being typed: the text after the last space outside quotes. Returns the text before
/// it and the term.
pub fn last_term(text: &str) -> (&str, &str) {
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => start = i + c.len_utf8(),
            _ => {}
        }
    }
    text.split_at(start)
}

/// The key whose values the term being typed needs from the server (a tag, `release`,
/// `environment`, ...), or `None` when its values are built in or it is still a key.
pub fn key_needing_values(text: &str) -> Option<String> {
    let (_, term) = last_term(text);
    let (key, _) = term.trim_start_matches('!').split_once(':')?;
    let key = canonical_key(key);
    (!key.is_empty() && builtin_values(key).is_none()).then(|| key.to_owned())
}

/// Tag keys under the name the search bar shows (`first-release` is the `release` of the first
/// event, which Cairn keeps as the first release).
fn canonical_key(key: &str) -> &str {
    match key {
        "first-release" | "firstRelease" => "release",
        other => other,
    }
}

/// The values of a key that need no server, if it has such a fixed list.
fn builtin_values(key: &str) -> Option<Vec<String>> {
    let owned = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect();
    match key {
        "is" => Some(owned(IS_VALUES)),
        "level" => Some(owned(LEVEL_VALUES)),
        "issue.priority" => Some(owned(&cairn_types::api::PRIORITIES)),
        "release.stage" => Some(owned(&["adopted", "low_adoption", "replaced"])),
        "bookmarks" => Some(owned(&["me"])),
        "has"
        | "assigned"
        | "assigned_or_suggested"
        | "firstSeen"
        | "lastSeen"
        | "age"
        | "timesSeen"
        | "trace"
        | "release.version"
        | "release.package" => Some(Vec::new()),
        _ => None,
    }
}

/// A value as the search syntax needs it: quoted when it holds a space, a quote or a comma.
pub fn quote_value(value: &str) -> String {
    if value.chars().any(|c| c.is_whitespace() || c == '"' || c == ',') {
        format!("\"{}\"", value.replace('"', "\\\""))
    } else {
        value.to_owned()
    }
}

/// The suggestions for `text` (the whole search, the cursor at its end).
pub fn suggest(text: &str, source: &SuggestionSource) -> Vec<Suggestion> {
    let (before, term) = last_term(text);
    let negated = term.starts_with('!');
    let bare = term.trim_start_matches('!');
    let bang = if negated { "!" } else { "" };
    match bare.split_once(':') {
        None => {
            // Recent searches that go on from what is typed come first, whole.
            let typed = text.trim_start();
            let mut offered: Vec<Suggestion> = source
                .recent
                .iter()
                .filter(|recent| recent.starts_with(typed) && recent.trim() != typed.trim())
                .take(MAX_RECENT)
                .map(|recent| Suggestion {
                    label: recent.clone(),
                    description: "Recent search".to_owned(),
                    text: format!("{recent} "),
                    kind: SuggestionKind::Value,
                })
                .collect();
            let keys = suggest_keys(before, bang, bare, source);
            offered.extend(keys.into_iter().take(MAX_SUGGESTIONS - offered.len()));
            offered
        }
        Some((key, typed)) => suggest_values(before, bang, key, typed, source),
    }
}

fn suggest_keys(
    before: &str,
    bang: &str,
    typed: &str,
    source: &SuggestionSource,
) -> Vec<Suggestion> {
    let typed_lower = typed.to_lowercase();
    let builtin = BUILTIN_KEYS
        .iter()
        .map(|(key, description)| ((*key).to_owned(), (*description).to_owned()));
    let tags = source
        .tag_keys
        .iter()
        .filter(|key| !BUILTIN_KEYS.iter().any(|(builtin, _)| builtin == key))
        .map(|key| (key.clone(), "Tag".to_owned()));
    builtin
        .chain(tags)
        .filter(|(key, _)| key.to_lowercase().starts_with(&typed_lower) && key != typed)
        .take(MAX_SUGGESTIONS)
        .map(|(key, description)| Suggestion {
            label: format!("{key}:"),
            description,
            text: format!("{before}{bang}{key}:"),
            kind: SuggestionKind::Key,
        })
        .collect()
}

fn suggest_values(
    before: &str,
    bang: &str,
    key: &str,
    typed: &str,
    source: &SuggestionSource,
) -> Vec<Suggestion> {
    let canonical = canonical_key(key);
    let values: Vec<(String, String)> = match canonical {
        "assigned" | "assigned_or_suggested" => {
            let fixed = [("me", "You"), ("none", "Nobody"), ("my_teams", "Your teams")]
                .map(|(v, d)| (v.to_owned(), d.to_owned()));
            fixed
                .into_iter()
                .chain(source.team_slugs.iter().map(|t| (format!("#{t}"), "Team".to_owned())))
                .chain(source.member_emails.iter().map(|e| (e.clone(), "Member".to_owned())))
                .collect()
        }
        "has" => source.tag_keys.iter().map(|k| (k.clone(), "Tag".to_owned())).collect(),
        other => match builtin_values(other) {
            Some(values) => values.into_iter().map(|v| (v, String::new())).collect(),
            None => match &source.tag_values {
                Some((values_key, values)) if values_key == other => {
                    values.iter().map(|v| (v.clone(), String::new())).collect()
                }
                _ => Vec::new(),
            },
        },
    };
    let typed = typed.trim_start_matches('"').to_lowercase();
    values
        .into_iter()
        .filter(|(value, _)| value.to_lowercase().contains(&typed))
        .take(MAX_SUGGESTIONS)
        .map(|(value, description)| Suggestion {
            label: value.clone(),
            description,
            text: format!("{before}{bang}{key}:{} ", quote_value(&value)),
            kind: SuggestionKind::Value,
        })
        .collect()
}
