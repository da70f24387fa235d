//! An issue's activity log (assignments, status and priority changes, merges, regressions,
//! comments), newest first, with a box to add a comment (whose `@` and `#` offer members and
//! teams to mention) and, on one's own comments, edit and delete. Text only.

use cairn_types::api::Activity;
use leptos::prelude::*;
use serde_json::Value;

use super::{mentions::MentionTextarea, time_ago::TimeAgo};
use crate::org_directory::Directory;

/// What an activity entry of kind `kind` says happened, without its details.
pub fn activity_label(kind: &str) -> String {
    match kind {
        "note" => "commented".into(),
        "set_resolved" => "marked this issue as resolved".into(),
        "set_unresolved" => "marked this issue as unresolved".into(),
        "set_ignored" => "archived this issue".into(),
        "set_regression" => "saw the issue come back (regression)".into(),
        "first_seen" => "first saw this issue".into(),
        "merge" => "merged issues into this one".into(),
        "assigned" => "assigned this issue".into(),
        "unassigned" => "unassigned this issue".into(),
        "mark_reviewed" => "marked this issue reviewed".into(),
        "auto_set_ongoing" => {
            "marked the issue ongoing, a week after it was new or came back".into()
        }
        "unmerge_source" => "split events off this issue into a new one".into(),
        "unmerge_destination" => "split this issue off another one".into(),
        "set_priority" => "set the priority".into(),
        other => other.replace('_', " "),
    }
}

fn minutes_text(minutes: i64) -> String {
    match minutes {
        m if m % 10_080 == 0 => plural(m / 10_080, "week"),
        m if m % 1_440 == 0 => plural(m / 1_440, "day"),
        m if m % 60 == 0 => plural(m / 60, "hour"),
        m => plural(m, "minute"),
    }
}

/// The short form (12 characters) of the commit of a resolution's `inCommit`.
pub fn commit_id(details: &Value) -> String {
    let id = details.pointer("/inCommit/id").and_then(Value::as_str).unwrap_or_default();
    id.chars().take(12).collect()
}

fn plural(count: i64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

/// Which condition of an ignored issue its events met (Sentry's `expired_snooze`: `count` and
/// `window`, or `user_count` and `user_window`, in minutes, or `until`).
fn expired_snooze_text(snooze: &Value) -> String {
    let number = |key: &str| snooze.get(key).and_then(Value::as_i64);
    let within = |key: &str| number(key).map(|m| format!(" in {}", minutes_text(m)));
    if let Some(count) = number("count") {
        format!("{}{}", plural(count, "event"), within("window").unwrap_or_default())
    } else if let Some(users) = number("user_count") {
        let affected = if users == 1 {
            "1 user affected".to_owned()
        } else {
            format!("{users} users affected")
        };
        format!("{affected}{}", within("user_window").unwrap_or_default())
    } else {
        "the time it was ignored for ended".into()
    }
}

/// The sentence of an activity entry, with what its data adds (the release, the condition, the
/// assignee, how many issues were merged).
pub fn activity_text(entry: &Activity) -> String {
    let data = &entry.data;
    let text = |key: &str| data.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let number = |key: &str| data.get(key).and_then(Value::as_i64);
    let label = activity_label(&entry.kind);
    match entry.kind.as_str() {
        "set_resolved" => match (text("inRelease"), data.get("inNextRelease")) {
            // Resolved by a commit that says it fixes the issue (Sentry's "in commit").
            (Some(release), _) if data.pointer("/inCommit/id").is_some() => {
                format!("{label} in commit {} ({release})", commit_id(data))
            }
            (Some(release), _) => format!("{label} in {release}"),
            (None, Some(Value::Bool(true))) => format!("{label} in the next release"),
            _ => label,
        },
        "set_ignored" => {
            let window = |key: &str| {
                number(key).map(|m| format!(" within {}", minutes_text(m))).unwrap_or_default()
            };
            if let Some(count) = number("ignoreCount") {
                format!("{label} until it occurs {count} more times{}", window("ignoreWindow"))
            } else if let Some(users) = number("ignoreUserCount") {
                let more = plural(users, "more user");
                format!("{label} until it affects {more}{}", window("ignoreUserWindow"))
            } else if let Some(until) = text("ignoreUntil") {
                let until = until.parse::<chrono::DateTime<chrono::Utc>>().ok();
                match until {
                    Some(until) => {
                        format!("{label} until {}", super::time_ago::absolute_time(until))
                    }
                    None => label,
                }
            } else {
                format!("{label} forever")
            }
        }
        "set_unresolved" => match text("reason") {
            Some(reason) => format!("{label} ({reason})"),
            None => label,
        },
        "set_regression" => match text("version") {
            Some(version) => format!("{label} in {version}"),
            None => label,
        },
        "merge" => {
            let merged = data.get("issues").and_then(Value::as_array).map_or(0, Vec::len);
            format!("merged {} into this one", plural(merged as i64, "issue"))
        }
        "set_escalating" => match data.get("forecast").and_then(Value::as_i64) {
            Some(forecast) => format!(
                "saw the issue escalate: more than {} in an hour",
                plural(forecast, "event")
            ),
            None => match data.get("expired_snooze") {
                Some(snooze) => format!("saw the issue escalate: {}", expired_snooze_text(snooze)),
                None => "saw the issue escalate".into(),
            },
        },
        "set_priority" => {
            let priority = match text("priority") {
                Some("high") => "High",
                Some("medium") => "Medium",
                Some("low") => "Low",
                _ => return label,
            };
            // Cairn raises it when an ignored issue escalates, and sets it back a week later;
            // otherwise someone set it.
            match (entry.user.is_none(), text("reason")) {
                (true, Some("escalating")) => {
                    format!("raised the priority to {priority} (the issue escalated)")
                }
                (true, Some("ongoing")) => {
                    format!("set the priority back to {priority} (the issue is ongoing)")
                }
                _ => format!("{label} to {priority}"),
            }
        }
        "assigned" => match (text("assigneeEmail"), text("assigneeType")) {
            (Some(email), _) => format!("assigned this issue to {email}"),
            (None, Some("team")) => "assigned this issue to a team".into(),
            _ => label,
        },
        _ => label,
    }
}

fn activity_class(kind: &str) -> &'static str {
    match kind {
        "note" => "note",
        "set_resolved" => "resolved",
        "set_unresolved" => "unresolved",
        "set_ignored" => "ignored",
        "set_regression" => "regression",
        "first_seen" => "first-seen",
        "merge" => "merge",
        "assigned" | "unassigned" => "assigned",
        "set_priority" => "priority",
        _ => "other",
    }
}

/// The activity log (`#activity`), newest first, with a comment box on top. Comments written by
/// `current_user` get Edit and Delete buttons.
#[component]
pub fn ActivityLog(
    /// The entries, newest first.
    activity: Vec<Activity>,
    /// Called with a new comment's text.
    on_comment: Callback<String>,
    /// Whether a comment is being sent.
    #[prop(into)]
    commenting: Signal<bool>,
    /// Id of the logged-in user, whose comments may be edited and deleted.
    #[prop(optional, into)]
    current_user: Option<String>,
    /// Called with a comment's id and its new text.
    #[prop(optional)]
    on_edit: Option<Callback<(String, String)>>,
    /// Called with the id of a comment to delete.
    #[prop(optional)]
    on_delete: Option<Callback<String>>,
    /// The members and teams that `@` and `#` offer in the comment box: the page's, so that
    /// they are fetched once. Without it, those of the session's organization.
    #[prop(optional)]
    directory: Option<Directory>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let directory = directory.unwrap_or_else(Directory::of_session);
    let items = activity
        .into_iter()
        .map(|entry| {
            let who = entry.user.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| "Cairn".into());
            let own = entry.kind == "note"
                && current_user.is_some()
                && entry.user.as_ref().map(|u| &u.id) == current_user.as_ref();
            let body = (entry.kind == "note").then(|| {
                let note = entry.data.get("text").and_then(Value::as_str).unwrap_or_default();
                view! {
                    <Note
                        id=entry.id.clone()
                        text=note.to_owned()
                        own
                        on_edit=on_edit
                        on_delete=on_delete
                        busy=commenting
                    />
                }
            });
            view! {
                <li
                    class=format!("activity-item activity-type-{}", activity_class(&entry.kind))
                    data-activity-id=entry.id.clone()
                >
                    <span class="activity-who">{who}</span>
                    " "
                    <span class="activity-what">{activity_text(&entry)}</span>
                    " "
                    <TimeAgo time=entry.date_created/>
                    {body}
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="activity" class="event-section activity">
            <h2 class="section-title">"Activity"</h2>
            <form
                class="comment-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let value = text.get();
                    if !value.trim().is_empty() {
                        on_comment.run(value);
                        text.set(String::new());
                    }
                }
            >
                <MentionTextarea
                    value=text
                    directory
                    name="comment"
                    label="Comment"
                    placeholder="Add a comment"
                />
                <button
                    type="submit"
                    class="button button-primary"
                    disabled=move || commenting.get() || text.with(|t| t.trim().is_empty())
                >
                    "Comment"
                </button>
            </form>
            <ol class="activity-list">{items}</ol>
        </section>
    }
    .into_any()
}

/// A comment's text; its author may switch it to an edit box, or delete it.
#[component]
fn Note(
    id: String,
    text: String,
    own: bool,
    on_edit: Option<Callback<(String, String)>>,
    on_delete: Option<Callback<String>>,
    busy: Signal<bool>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(text.clone());
    let id = StoredValue::new(id);
    let controls = (own && (on_edit.is_some() || on_delete.is_some())).then(|| {
        let edit = on_edit.map(|_| {
            view! {
                <button
                    type="button"
                    class="link-button note-edit"
                    on:click=move |_| editing.set(true)
                >
                    "Edit"
                </button>
            }
        });
        let delete = on_delete.map(|on_delete| {
            view! {
                <button
                    type="button"
                    class="link-button note-delete"
                    disabled=move || busy.get()
                    on:click=move |_| on_delete.run(id.get_value())
                >
                    "Delete"
                </button>
            }
        });
        view! { <span class="note-controls">{edit} {delete}</span> }
    });
    let shown = text;
    view! {
        <Show
            when=move || editing.get()
            fallback=move || view! { <p class="activity-note">{shown.clone()}</p> }
        >
            <form
                class="note-edit-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let value = draft.get();
                    if let Some(on_edit) = on_edit {
                        if !value.trim().is_empty() {
                            on_edit.run((id.get_value(), value));
                            editing.set(false);
                        }
                    }
                }
            >
                <textarea
                    rows="3"
                    aria-label="Edit comment"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                ></textarea>
                <button
                    type="submit"
                    class="button button-primary note-save"
                    disabled=move || busy.get() || draft.with(|t| t.trim().is_empty())
                >
                    "Save"
                </button>
                <button
                    type="button"
                    class="button button-secondary note-cancel"
                    on:click=move |_| editing.set(false)
                >
                    "Cancel"
                </button>
            </form>
        </Show>
        {controls}
    }
    .into_any()
}
