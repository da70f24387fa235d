//! Autocomplete of mentions in a comment box, as Sentry's: typing `@` offers the organization's
//! members (by name or email), `#` its teams (by slug); taking one writes `@email ` or `#slug `,
//! the words [`crate::pages::issue::mentions`] reads when the comment is sent.
//!
//! The members and teams are the page's [`Directory`], fetched the first time a mention is
//! typed. Used by the issue page's activity log only, so it is in the issue page's wasm module.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::{html, prelude::*};

use crate::org_directory::{Directory, OrgDirectory};

/// Most suggestions shown at once.
pub const MAX_MENTION_SUGGESTIONS: usize = 8;

/// The mention being typed when the caret is at `caret` (a byte offset into `text`): the byte
/// offset of its `@` or `#`, which of the two, and what follows it up to the caret. `None`
/// unless the caret ends a word that starts with `@` or `#` (or with an opening bracket or
/// quote and then one, as `mentions` reads the words). An email inside a word (`ann@x`) is
/// not a mention.
pub fn mention_at(text: &str, caret: usize) -> Option<(usize, char, &str)> {
    let (before, after) = (text.get(..caret)?, text.get(caret..)?);
    if after.chars().next().is_some_and(|c| !c.is_whitespace()) {
        return None;
    }
    let word_start = before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(index, c)| index + c.len_utf8());
    let word = before[word_start..].trim_start_matches(['(', '[', '"']);
    let start = caret - word.len();
    let trigger = word.chars().next().filter(|c| matches!(c, '@' | '#'))?;
    Some((start, trigger, &word[1..]))
}

/// `text` with the mention typed from `start` to `caret` (byte offsets, as [`mention_at`]
/// answers them) replaced by `replacement`, and the byte offset of the caret right after it.
/// A replacement that ends with a space takes the place of a space that followed the caret.
pub fn insert_mention(
    text: &str,
    start: usize,
    caret: usize,
    replacement: &str,
) -> (String, usize) {
    let (Some(before), Some(after)) = (text.get(..start), text.get(caret.max(start)..)) else {
        return (text.to_owned(), caret.min(text.len()));
    };
    let after = match replacement.ends_with(' ') {
        true => after.strip_prefix(' ').unwrap_or(after),
        false => after,
    };
    let mut joined = String::with_capacity(before.len() + replacement.len() + after.len());
    joined.push_str(before);
    joined.push_str(replacement);
    let new_caret = joined.len();
    joined.push_str(after);
    (joined, new_caret)
}

/// The byte offset in `text` of the DOM's caret position `utf16` (`selectionStart` counts
/// UTF-16 code units). Past the end, the end.
pub fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (index, c) in text.char_indices() {
        if units >= utf16 {
            return index;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The DOM's caret position (UTF-16 code units) of the byte offset `byte` of `text`.
pub fn utf16_offset(text: &str, byte: usize) -> usize {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    text[..byte].encode_utf16().count()
}

/// A member or team offered for a mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionMatch {
    /// What the list shows first: the member's name, or `#slug`.
    pub label: String,
    /// The member's email when it is not the name already.
    pub detail: Option<String>,
    /// What takes the place of the typed word: `@email ` or `#slug `.
    pub insert: String,
}

/// What to offer for `partial` typed after `trigger`: with `@`, the members (who accepted their
/// invitation) whose name or email contains it, with `#` the teams whose slug does, ignoring
/// case; those that start with it first; at most [`MAX_MENTION_SUGGESTIONS`].
pub fn mention_matches(
    trigger: char,
    partial: &str,
    directory: &OrgDirectory,
) -> Vec<MentionMatch> {
    let partial = partial.to_lowercase();
    // 0: starts with it, 1: contains it.
    let rank = |fields: &[&str]| {
        let fields: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
        if fields.iter().any(|f| f.starts_with(&partial)) {
            Some(0)
        } else if fields.iter().any(|f| f.contains(&partial)) {
            Some(1)
        } else {
            None
        }
    };
    let mut found: Vec<(u8, MentionMatch)> = match trigger {
        '@' => directory
            .assignees
            .iter()
            .filter(|option| option.value.starts_with("user:"))
            .filter_map(|member| {
                let (name, email) = (&member.label, &member.detail);
                let rank = rank(&[name, email])?;
                let named = !name.is_empty() && name != email;
                Some((
                    rank,
                    MentionMatch {
                        label: if named { name.clone() } else { email.clone() },
                        detail: named.then(|| email.clone()),
                        insert: format!("@{email} "),
                    },
                ))
            })
            .collect(),
        '#' => directory
            .team_slugs
            .iter()
            .filter_map(|slug| {
                let rank = rank(&[slug])?;
                Some((
                    rank,
                    MentionMatch {
                        label: format!("#{slug}"),
                        detail: None,
                        insert: format!("#{slug} "),
                    },
                ))
            })
            .collect(),
        _ => Vec::new(),
    };
    found.sort_by_key(|(rank, _)| *rank);
    found.into_iter().map(|(_, found)| found).take(MAX_MENTION_SUGGESTIONS).collect()
}

/// The mention being typed: where it starts and where the caret is (byte offsets), its
/// trigger and what was typed after it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Typed {
    start: usize,
    caret: usize,
    trigger: char,
    partial: String,
}

/// Ids of the suggestion lists, for `aria-controls`.
static NEXT_LIST: AtomicUsize = AtomicUsize::new(0);

/// A textarea (`value` is its text) that offers members and teams while a mention is typed,
/// in `ul.mention-suggestions` under it: the arrow keys move through them, Enter or Tab takes
/// one, Escape closes the list, a click takes one. While the list is closed the keys do what
/// they do in a textarea.
#[component]
pub fn MentionTextarea(
    /// The text.
    value: RwSignal<String>,
    /// The members and teams offered, fetched when a mention is first typed.
    directory: Directory,
    /// The textarea's accessible name.
    label: &'static str,
    /// The textarea's form name.
    #[prop(optional)]
    name: Option<&'static str>,
    /// The textarea's placeholder.
    #[prop(optional)]
    placeholder: Option<&'static str>,
) -> impl IntoView {
    let textarea = NodeRef::<html::Textarea>::new();
    let list_id = format!("mention-suggestions-{}", NEXT_LIST.fetch_add(1, Ordering::Relaxed));
    let option_id = StoredValue::new(format!("{list_id}-option-"));
    let list_id = StoredValue::new(list_id);
    let typing: RwSignal<Option<Typed>> = RwSignal::new(None);
    let highlighted = RwSignal::new(0usize);
    let matches = Memo::new(move |_| {
        typing.with(|typed| match typed {
            Some(typed) => directory.with(|d| mention_matches(typed.trigger, &typed.partial, d)),
            None => Vec::new(),
        })
    });
    let open = Memo::new(move |_| matches.with(|m| !m.is_empty()));
    let current = move || highlighted.get().min(matches.with(Vec::len).saturating_sub(1));

    // Reads the mention at the caret (after typing, or moving the caret).
    let refresh = move || {
        let Some(element) = textarea.get_untracked() else { return };
        let text = element.value();
        let start = element.selection_start().ok().flatten();
        let end = element.selection_end().ok().flatten();
        let typed = start.filter(|start| Some(*start) == end).and_then(|caret| {
            let caret = byte_offset(&text, caret as usize);
            mention_at(&text, caret).map(|(start, trigger, partial)| Typed {
                start,
                caret,
                trigger,
                partial: partial.to_owned(),
            })
        });
        if typed.is_some() {
            directory.ensure_loaded();
        }
        let (same, same_words) = typing.with_untracked(|t| {
            let same_words = match (t, &typed) {
                (Some(t), Some(typed)) => t.trigger == typed.trigger && t.partial == typed.partial,
                (None, None) => true,
                _ => false,
            };
            (*t == typed, same_words)
        });
        if !same_words {
            highlighted.set(0);
        }
        if !same {
            typing.set(typed);
        }
    };
    let pick = move |index: usize| {
        let Some(typed) = typing.get_untracked() else { return };
        let Some(chosen) = matches.with_untracked(|m| m.get(index).cloned()) else { return };
        let element = textarea.get_untracked();
        let text = element.as_ref().map_or_else(|| value.get_untracked(), |e| e.value());
        let (text, caret) = insert_mention(&text, typed.start, typed.caret, &chosen.insert);
        typing.set(None);
        if let Some(element) = element {
            // Now, so that the caret can be put after the mention.
            element.set_value(&text);
            let caret = utf16_offset(&text, caret) as u32;
            let _ = element.set_selection_range(caret, caret);
            let _ = element.focus();
        }
        value.set(text);
    };

    view! {
        <div class="mention-box">
            <textarea
                node_ref=textarea
                name=name
                rows="3"
                placeholder=placeholder
                aria-label=label
                aria-autocomplete="list"
                aria-expanded=move || open.get().to_string()
                aria-controls=move || open.get().then(|| list_id.get_value())
                aria-activedescendant=move || {
                    open.get().then(|| format!("{}{}", option_id.get_value(), current()))
                }
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    refresh();
                }
                on:keydown=move |ev| {
                    let count = matches.with_untracked(Vec::len);
                    if count == 0 || ev.is_composing() {
                        return;
                    }
                    match ev.key().as_str() {
                        "ArrowDown" => {
                            ev.prevent_default();
                            highlighted.update(|h| *h = ((*h).min(count - 1) + 1) % count);
                        }
                        "ArrowUp" => {
                            ev.prevent_default();
                            highlighted.update(|h| *h = ((*h).min(count - 1) + count - 1) % count);
                        }
                        "Enter" | "Tab" if !ev.shift_key() && !ev.ctrl_key() && !ev.meta_key() => {
                            ev.prevent_default();
                            pick(highlighted.get_untracked().min(count - 1));
                        }
                        "Escape" => {
                            ev.prevent_default();
                            ev.stop_propagation();
                            typing.set(None);
                        }
                        _ => {}
                    }
                }
                // The caret moved without typing.
                on:keyup=move |ev| {
                    if matches!(ev.key().as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
                        refresh();
                    }
                }
                on:click=move |_| refresh()
                on:blur=move |_| typing.set(None)
            ></textarea>
            {move || {
                open.get()
                    .then(|| {
                        let items = matches
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(index, found)| {
                                let selected = move || current() == index;
                                view! {
                                    <li
                                        id=format!("{}{index}", option_id.get_value())
                                        class="mention-suggestion"
                                        class:highlighted=selected
                                        role="option"
                                        aria-selected=move || selected().to_string()
                                        data-insert=found.insert.trim_end().to_owned()
                                        // mousedown, not click: the textarea keeps the focus.
                                        on:mousedown=move |ev| {
                                            ev.prevent_default();
                                            pick(index);
                                        }
                                    >
                                        <span class="mention-label">{found.label}</span>
                                        {found
                                            .detail
                                            .map(|email| {
                                                view! {
                                                    " — "
                                                    <span class="mention-detail">{email}</span>
                                                }
                                            })}
                                    </li>
                                }
                            })
                            .collect_view();
                        view! {
                            <ul
                                id=list_id.get_value()
                                class="mention-suggestions"
                                role="listbox"
                                aria-label="Mention suggestions"
                            >
                                {items}
                            </ul>
                        }
                    })
            }}
        </div>
    }
    .into_any()
}
