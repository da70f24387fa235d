//! Why the event grouped as it did (Sentry's *Event Grouping Information*, `#grouping-info`): a
//! section under the event, closed at first. Opening it reads the event's `grouping-info` and
//! shows one variant at a time (those that contribute first): its description, hash and, as a
//! tree, the exceptions, frames and values it hashed. Values that do not contribute are shown
//! on request, struck through, with the reason. Everything is rendered as text.

use cairn_types::api::{GroupingComponent, GroupingValue, GroupingVariant};
use leptos::prelude::*;

use super::{ApiError, Loading};
use crate::api;

/// The section for the event `event_id` of `project` (a slug or id) in `org`.
#[component]
pub fn GroupingInfo(
    /// Organization slug.
    org: String,
    /// The event's project (slug or id).
    project: String,
    /// The event's id.
    event_id: String,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let fetch = Action::new_local(move |_: &()| {
        let (org, project, event_id) = (org.clone(), project.clone(), event_id.clone());
        async move { api::grouping_info(&org, &project, &event_id).await }
    });
    let toggle = move |_| {
        let opening = !open.get_untracked();
        open.set(opening);
        if opening && fetch.value().get_untracked().is_none() && !fetch.pending().get_untracked() {
            fetch.dispatch(());
        }
    };
    let body = move || {
        if !open.get() {
            return ().into_any();
        }
        match fetch.value().get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            Some(Ok(variants)) if variants.is_empty() => {
                view! { <p class="muted">"Nothing of this event is grouped."</p> }.into_any()
            }
            Some(Ok(variants)) => view! { <GroupingVariants variants/> }.into_any(),
        }
    };
    view! {
        <section id="grouping-info" class="event-section">
            <h2 class="section-title">
                <button
                    type="button"
                    class="link-button grouping-info-toggle"
                    aria-expanded=move || open.get().to_string()
                    on:click=toggle
                >
                    "Event Grouping Information"
                </button>
            </h2>
            {body}
        </section>
    }
    .into_any()
}

/// The variants of an event, one at a time: a tab per variant (the first shown first), and a
/// switch for the values that do not contribute.
#[component]
pub fn GroupingVariants(
    /// The variants, in the order of the tabs.
    variants: Vec<GroupingVariant>,
) -> impl IntoView {
    let show_all = RwSignal::new(false);
    let chosen = RwSignal::new(0usize);
    let tabs = variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let label = format!(
                "{}{}",
                variant_label(&v.key),
                if v.contributes { "" } else { " (not used)" }
            );
            view! {
                <button
                    type="button"
                    role="tab"
                    class="chip grouping-variant-tab"
                    data-key=v.key.clone()
                    aria-selected=move || (chosen.get() == i).to_string()
                    on:click=move |_| chosen.set(i)
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    let shown = move || {
        let variant = variants.get(chosen.get()).or(variants.first()).cloned();
        variant.map(|v| view! { <Variant variant=v show_all=show_all.get()/> })
    };
    view! {
        <div class="grouping-toolbar">
            <div class="grouping-variant-tabs" role="tablist">{tabs}</div>
            <label class="grouping-show-all">
                <input
                    type="checkbox"
                    prop:checked=move || show_all.get()
                    on:change=move |ev| show_all.set(event_target_checked(&ev))
                />
                " Show values that do not contribute"
            </label>
        </div>
        {shown}
    }
    .into_any()
}

/// A variant's name in the tabs.
fn variant_label(key: &str) -> String {
    match key {
        "app" => "In-app".to_owned(),
        "system" => "System".to_owned(),
        "default" => "Message".to_owned(),
        "custom-fingerprint" => "Custom fingerprint".to_owned(),
        "built-in-fingerprint" => "Built-in fingerprint".to_owned(),
        "checksum" | "hashed-checksum" => "Checksum".to_owned(),
        "fallback" => "Fallback".to_owned(),
        other => other.to_owned(),
    }
}

/// One variant: what it is, its hash, why it is not used, and its tree.
#[component]
fn Variant(variant: GroupingVariant, show_all: bool) -> impl IntoView {
    let status = if variant.contributes {
        "Groups this event".to_owned()
    } else {
        match &variant.hint {
            Some(hint) => format!("Not used: {hint}"),
            None => "Not used".to_owned(),
        }
    };
    let mismatch = variant.hash_mismatch.then(|| {
        view! {
            <p class="grouping-mismatch" role="status">
                "The issue does not have this hash: the project's grouping rules changed since \
                 this event came in, or the issue was split. New events like this one open \
                 another issue."
            </p>
        }
    });
    let values = variant.values.clone().map(|values| {
        view! {
            <p class="grouping-values">
                "Fingerprint: "
                {values
                    .into_iter()
                    .map(|v| view! { <code class="grouping-value">{v}</code> " " })
                    .collect_view()}
            </p>
        }
    });
    let rule = variant.matched_rule.clone().map(|rule| {
        view! {
            <p class="grouping-rule">"Matched rule: " <code>{rule}</code></p>
        }
    });
    let tree = variant
        .component
        .as_ref()
        .map(|root| view! { <ul class="grouping-tree">{children(root, root.contributes, show_all)}</ul> });
    view! {
        <div
            class="grouping-variant"
            class:contributes=variant.contributes
            data-key=variant.key
        >
            <dl class="grouping-summary">
                <dt>"Type"</dt>
                <dd>{variant.description.clone()}</dd>
                <dt>"Hash"</dt>
                <dd>
                    <code class="grouping-hash">
                        {variant.hash.clone().unwrap_or_else(|| "none".to_owned())}
                    </code>
                </dd>
                <dt>"Status"</dt>
                <dd class="grouping-status">{status}</dd>
            </dl>
            {mismatch}
            {values}
            {rule}
            {tree}
        </div>
    }
    .into_any()
}

/// The components under `component` as list items; `parent_contributes`: whether every
/// ancestor contributes (a contributing value under one that does not is not hashed).
fn children(component: &GroupingComponent, parent_contributes: bool, show_all: bool) -> AnyView {
    component
        .values
        .iter()
        .filter_map(|value| match value {
            GroupingValue::Component(child) => Some(child),
            GroupingValue::Text(_) => None,
        })
        .filter(|child| show_all || (child.contributes && parent_contributes))
        .map(|child| node(child, parent_contributes, show_all))
        .collect_view()
        .into_any()
}

/// One component: its id, its text values, why it does not contribute, and its children.
fn node(component: &GroupingComponent, parent_contributes: bool, show_all: bool) -> AnyView {
    let contributes = component.contributes && parent_contributes;
    let texts: Vec<String> = component
        .values
        .iter()
        .filter_map(|value| match value {
            GroupingValue::Text(text) => Some(text.clone()),
            GroupingValue::Component(_) => None,
        })
        .collect();
    let has_children = component.values.iter().any(|v| matches!(v, GroupingValue::Component(_)));
    let nested = has_children.then(|| {
        view! { <ul class="grouping-tree">{children(component, contributes, show_all)}</ul> }
    });
    view! {
        <li
            class="grouping-component"
            class:contributes=contributes
            data-id=component.id.clone()
        >
            <span class="grouping-id">{component.name.clone().unwrap_or(component.id.clone())}</span>
            {texts
                .into_iter()
                .map(|text| view! { " " <code class="grouping-value">{text}</code> })
                .collect_view()}
            {component
                .hint
                .clone()
                .map(|hint| view! { " " <small class="grouping-hint">{hint}</small> })}
            {nested}
        </li>
    }
    .into_any()
}
