//! Sentry's event highlights (`src/sentry/issues/highlights.py`): the tags and context fields a
//! project's issue page shows first. A project starts with its platform's preset, Sentry's
//! (backend, frontend, mobile or the fallback), and may set its own (`highlightTags`,
//! `highlightContext` on the project), kept as JSON (migration 0055).

use std::collections::BTreeMap;

use cairn_types::api::HighlightPreset;
use serde::{Deserialize, Serialize};

/// A project's own highlights, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Highlights {
    /// Tag keys.
    pub tags: Vec<String>,
    /// Context fields by context.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Highlights {
    /// The stored highlights, or `None` when there are none (or they cannot be read).
    pub fn from_stored(stored: Option<&str>) -> Option<Highlights> {
        serde_json::from_str(stored?).ok()
    }
}

/// The tags every preset has.
const SENTRY_TAGS: [&str; 4] = ["handled", "level", "release", "environment"];

/// Sentry's preset for a platform: its tags and context fields.
pub fn preset(platform: Option<&str>) -> HighlightPreset {
    let platform = platform.unwrap_or_default();
    let (tags, context): (&[&str], &[(&str, &str)]) = match category(platform) {
        Category::Backend => {
            (&["url", "transaction", "status_code"], &[("response", "status_code")])
        }
        Category::Frontend => (
            &["url", "transaction", "browser", "replayId", "user"],
            &[("browser", "name"), ("user", "email")],
        ),
        Category::Mobile => (
            &["mobile", "main_thread"],
            &[("profile", "profile_id"), ("app", "name"), ("device", "family")],
        ),
        Category::Other => (&[], &[]),
    };
    let mut map: BTreeMap<String, Vec<String>> =
        BTreeMap::from([("trace".to_owned(), vec!["trace_id".to_owned()])]);
    for (name, field) in context {
        map.entry((*name).to_owned()).or_default().push((*field).to_owned());
    }
    HighlightPreset {
        tags: SENTRY_TAGS.iter().chain(tags).map(|t| (*t).to_owned()).collect(),
        context: map,
    }
}

enum Category {
    Backend,
    Frontend,
    Mobile,
    Other,
}

/// Sentry's platform categories, by the platform's name (`javascript-react`, `python-django`).
fn category(platform: &str) -> Category {
    let base = platform.split('-').next().unwrap_or_default();
    const MOBILE: [&str; 9] = [
        "android",
        "apple",
        "cocoa",
        "flutter",
        "dart",
        "react-native",
        "unity",
        "xamarin",
        "maui",
    ];
    if platform.starts_with("react-native") || MOBILE.contains(&base) || platform == "apple-ios" {
        return Category::Mobile;
    }
    match base {
        "javascript" if !platform.contains("node") && !platform.ends_with("-nestjs") => {
            Category::Frontend
        }
        "javascript" | "node" | "python" | "ruby" | "php" | "go" | "java" | "rust" | "elixir"
        | "dotnet" | "csharp" | "perl" | "kotlin" | "bun" | "deno" => Category::Backend,
        _ => Category::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_get_sentrys_presets() {
        let python = preset(Some("python-django"));
        assert_eq!(
            python.tags,
            ["handled", "level", "release", "environment", "url", "transaction", "status_code"]
        );
        assert_eq!(python.context.get("response"), Some(&vec!["status_code".to_owned()]));
        assert_eq!(python.context.get("trace"), Some(&vec!["trace_id".to_owned()]));
        let react = preset(Some("javascript-react"));
        assert!(react.tags.contains(&"browser".to_owned()));
        assert_eq!(react.context.get("user"), Some(&vec!["email".to_owned()]));
        assert!(preset(Some("javascript-node")).tags.contains(&"status_code".to_owned()));
        assert!(preset(Some("android")).tags.contains(&"main_thread".to_owned()));
        assert!(preset(Some("react-native")).context.contains_key("device"));
        let other = preset(None);
        assert_eq!(other.tags, SENTRY_TAGS);
        assert_eq!(other.context.len(), 1);
    }

    #[test]
    fn stored_highlights_read_back_or_are_none() {
        let stored = r#"{"tags":["browser"],"context":{"os":["name"]}}"#;
        let read = Highlights::from_stored(Some(stored)).expect("read");
        assert_eq!(read.tags, ["browser"]);
        assert_eq!(Highlights::from_stored(None), None);
        assert_eq!(Highlights::from_stored(Some("not json")), None);
    }
}
