//! The event's highlights (Sentry's *Event Highlights*): the tags and context fields the
//! project chose (`highlightTags`, `highlightContext`, its platform's preset until it sets
//! its own), shown first on the issue page. In the issue page's module.

use std::collections::BTreeMap;

use cairn_types::api::{Event, ProjectDetails};
use leptos::prelude::*;

use super::{event::Section, stacktrace::value_text};
use crate::routes::Page;

/// The highlights an event has: `(label, value)` for each chosen tag it carries, then each chosen
/// context field it has (`browser.name`; the `user` context is the event's user), in the
/// project's order. Those it lacks are left out.
pub fn highlight_items(
    tags: &[String],
    context: &BTreeMap<String, Vec<String>>,
    event: &Event,
) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = tags
        .iter()
        .filter_map(|key| {
            let tag = event.tags.iter().find(|tag| tag.key == *key)?;
            Some((key.clone(), tag.value.clone()))
        })
        .collect();
    for (name, fields) in context {
        let source = match name.as_str() {
            "user" => event.user.as_ref(),
            _ => event.contexts.get(name),
        };
        for field in fields {
            let value = source.and_then(|s| s.get(field)).filter(|v| !v.is_null());
            if let Some(value) = value {
                items.push((format!("{name}.{field}"), value_text(value)));
            }
        }
    }
    items
}

/// The highlights section (`#highlights`), once the project's settings (`settings`, read once
/// per project by the issue page) have loaded; nothing when the event has none of them.
#[component]
pub fn EventHighlights(
    /// The organization.
    #[prop(into)]
    org: String,
    /// The event.
    event: Event,
    /// The event's project with its settings, when loaded.
    #[prop(into)]
    settings: Signal<Option<ProjectDetails>>,
) -> impl IntoView {
    move || {
        let details = settings.get()?;
        let items = highlight_items(&details.highlight_tags, &details.highlight_context, &event);
        if items.is_empty() {
            return None;
        }
        let edit = format!(
            "{}#highlights-form",
            Page::ProjectSettings { org: org.clone(), project: details.project.slug }.path()
        );
        let items = items
            .into_iter()
            .map(|(label, value)| {
                view! {
                    <div class="highlight-item">
                        <dt class="highlight-key">{label}</dt>
                        <dd class="highlight-value">{value}</dd>
                    </div>
                }
            })
            .collect_view();
        Some(view! {
            <Section title="Highlights">
                <dl id="highlights" class="event-highlights">{items}</dl>
                <a class="highlights-edit" href=edit>"Edit highlights"</a>
            </Section>
        })
    }
}

/// `context: field, field` lines (the settings' text) as the project's highlight context.
pub fn context_of_lines(text: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut context: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, fields)) = line.split_once(':') else {
            return Err(format!("{line:?}: write a context, a colon and its fields"));
        };
        let fields = fields.split(',').map(str::trim).filter(|f| !f.is_empty());
        context.entry(name.trim().to_owned()).or_default().extend(fields.map(str::to_owned));
    }
    Ok(context)
}

/// The project's highlight context as `context: field, field` lines.
pub fn lines_of_context(context: &BTreeMap<String, Vec<String>>) -> String {
    context
        .iter()
        .map(|(name, fields)| format!("{name}: {}", fields.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}
