//! Sharing an issue by a public link (Sentry's *Share*): the issue header's `Share` button opens
//! a panel that creates the link, shows it to copy, and stops sharing. The link shows the error
//! and its stack trace to anyone who has it, not the user, tags, contexts or breadcrumbs; the
//! panel says so before the link is made.

use cairn_types::api::UpdateIssueRequest;
use leptos::prelude::*;

use super::copy_to_clipboard;
use crate::routes::Page;

/// Whether the share panel is open, kept by the issue page: the header, and this component
/// with it, is built anew when the issue changes, as it does when the link is made.
#[derive(Clone, Copy)]
pub struct SharePanelOpen(pub RwSignal<bool>);

/// The `Share` button and its panel (`#issue-share`).
#[component]
pub fn ShareIssue(
    /// The issue's link id when it is shared.
    share_id: Option<String>,
    /// Called with the change to make (`isPublic`).
    on_update: Callback<UpdateIssueRequest>,
    /// Whether an update is on its way.
    #[prop(into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let open = use_context::<SharePanelOpen>().map_or_else(|| RwSignal::new(false), |o| o.0);
    let copied = RwSignal::new(None::<bool>);
    let shared = share_id.is_some();
    // "Create public link" (`public`) or "Stop sharing".
    let share_button = move |public: bool, class: &'static str, label: &'static str| {
        view! {
            <button
                type="button"
                class=class
                disabled=move || busy.get()
                on:click=move |_| {
                    copied.set(None);
                    on_update
                        .run(UpdateIssueRequest { is_public: Some(public), ..Default::default() });
                }
            >
                {label}
            </button>
        }
    };
    let link = share_id.map(|id| {
        let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        format!("{origin}{}", Page::SharedIssue { share_id: id }.path())
    });
    let panel = move || {
        let body = match link.clone() {
            None => view! {
                <p class="hint">
                    "A public link shows this issue's title and its latest event's message, \
                     exceptions and stack traces to anyone who has it, without logging in. \
                     The user, tags, contexts, breadcrumbs and request stay private."
                </p>
                {share_button(true, "button share-create", "Create public link")}
            }
            .into_any(),
            Some(link) => {
                let text = link.clone();
                let copy = move |_| {
                    let text = text.clone();
                    leptos::task::spawn_local(async move {
                        copied.set(Some(copy_to_clipboard(text).await));
                    });
                };
                view! {
                    <label class="field">
                        <span class="label">"Anyone with this link can see the issue"</span>
                        <input id="share-link" type="text" readonly prop:value=link/>
                    </label>
                    <div class="share-buttons">
                        <button type="button" class="button button-secondary share-copy" on:click=copy>
                            {move || match copied.get() {
                                Some(true) => "Copied",
                                Some(false) => "Copy failed",
                                None => "Copy link",
                            }}
                        </button>
                        {share_button(false, "button button-secondary share-stop", "Stop sharing")}
                    </div>
                }
                .into_any()
            }
        };
        view! { <div class="share-panel card" role="dialog" aria-label="Share">{body}</div> }
    };
    view! {
        <div id="issue-share" class="issue-share">
            <button
                type="button"
                class=if shared { "button button-secondary share shared" } else { "button button-secondary share" }
                aria-expanded=move || open.get().to_string()
                aria-pressed=shared.to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {if shared { "Shared" } else { "Share" }}
            </button>
            {move || open.get().then(panel.clone())}
        </div>
    }
    .into_any()
}
