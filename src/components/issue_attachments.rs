//! The issue's "Attachments" tab (Sentry's): every file sent with any of the issue's events
//! (logs, screenshots, minidumps), newest first, a page at a time, filtered to screenshots or
//! minidumps if one likes; each a download link, with a link to the issue page showing its
//! event. File names are the SDKs' data: text only.

use cairn_types::api::EventAttachment;
use leptos::prelude::*;

use super::{
    attachments::file_size, pager::PageButtons, status::ApiError, time_ago::TimeAgo, Loading,
};
use crate::{
    api::{self, AttachmentFilter},
    routes::Page,
};

/// The attachments (`#issue-attachments`, an `.event-table`, an `.issue-attachment` row each,
/// in the given order): the file name as a download link (`.issue-attachment-name`), its type
/// without `event.` (`.issue-attachment-kind`), its size (`.issue-attachment-size`), when it
/// came (`.issue-attachment-date`) and its event (`.issue-attachment-event`, a link to the
/// issue page showing it); or the empty state, which says so when `filtered`.
#[component]
pub fn IssueAttachmentTable(
    /// Organization slug, for the links.
    #[prop(into)]
    org: String,
    /// Issue id, for the event links.
    #[prop(into)]
    issue: String,
    /// Project slug, for the download links.
    #[prop(into)]
    project: String,
    /// The attachments, newest first.
    attachments: Vec<EventAttachment>,
    /// Whether a filter chose them (the empty state then says "of this kind").
    #[prop(optional)]
    filtered: bool,
    /// Called when an event link is followed with a plain click.
    #[prop(default = None)]
    on_open_event: Option<Callback<()>>,
) -> impl IntoView {
    if attachments.is_empty() {
        let note = if filtered { "No attachments of this kind." } else { "No attachments." };
        return view! { <p id="issue-attachments" class="empty-note">{note}</p> }.into_any();
    }
    let rows = attachments
        .into_iter()
        .map(|attachment| {
            let href = format!(
                "{}{}/?download",
                api::attachments_url(&org, &project, &attachment.event_id),
                api::segment(&attachment.id)
            );
            let event_href = Page::IssueEvent {
                org: org.clone(),
                id: issue.clone(),
                event: attachment.event_id.clone(),
            }
            .path();
            let kind =
                attachment.kind.strip_prefix("event.").unwrap_or(&attachment.kind).to_owned();
            let short: String = attachment.event_id.chars().take(8).collect();
            let (name, download) = (attachment.name.clone(), attachment.name);
            view! {
                <tr class="issue-attachment" data-attachment-id=attachment.id>
                    <td>
                        <a class="issue-attachment-name" href=href download=download>
                            {name}
                        </a>
                    </td>
                    <td class="issue-attachment-kind" title=attachment.mimetype>
                        {kind}
                    </td>
                    <td class="issue-attachment-size">{file_size(attachment.size)}</td>
                    <td class="issue-attachment-date">
                        <TimeAgo time=attachment.date_created/>
                    </td>
                    <td>
                        // A plain link: the router handles it; a plain click also shows the
                        // Details tab, where the event is.
                        <a
                            class="issue-attachment-event"
                            href=event_href
                            title=attachment.event_id
                            on:click=move |ev| {
                                let modified = ev.ctrl_key() || ev.meta_key() || ev.shift_key()
                                    || ev.alt_key() || ev.button() != 0;
                                if let Some(open) = on_open_event.filter(|_| !modified) {
                                    open.run(());
                                }
                            }
                        >
                            <code>{short}</code>
                        </a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="issue-attachments" class="event-table issue-attachment-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Type"</th>
                    <th scope="col">"Size"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Event"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The Attachments tab: the filter menu (`#issue-attachments-filter`), then, once the
/// project is known, the page's [`IssueAttachmentTable`] and Previous / Next
/// (`#issue-attachments-previous`, `#issue-attachments-next`).
#[component]
pub fn IssueAttachments(
    /// Organization slug.
    #[prop(into)]
    org: Signal<String>,
    /// Issue id.
    #[prop(into)]
    issue: Signal<String>,
    /// Project slug (`None` until the issue is loaded).
    project: Signal<Option<String>>,
    /// Called when an event link is followed.
    #[prop(optional)]
    on_open_event: Option<Callback<()>>,
) -> impl IntoView {
    let filter = RwSignal::new(AttachmentFilter::All);
    let cursor = RwSignal::new(None::<String>);
    // Another issue (a link followed while on this tab) has other pages: back to the first.
    Effect::new(move |shown: Option<String>| {
        let now = issue.get();
        if shown.is_some_and(|shown| shown != now) {
            cursor.set(None);
        }
        now
    });
    let page = LocalResource::new(move || {
        let (org, issue, project) = (org.get(), issue.get(), project.get());
        let (filter, cursor) = (filter.get(), cursor.get());
        async move {
            let project = project?;
            let answer = api::issue_attachments(&org, &issue, filter, cursor.as_deref()).await;
            // The project and filter of this answer, so the view matches the answer it shows.
            Some((answer, project, filter))
        }
    });
    let options = AttachmentFilter::ALL
        .iter()
        .map(|f| view! { <option value=f.value()>{f.label()}</option> })
        .collect_view();
    view! {
        <section class="event-section issue-attachments-tab">
            <header class="issue-attachments-header">
                <label class="issue-attachments-filter">
                    "Show "
                    <select
                        id="issue-attachments-filter"
                        prop:value=move || filter.get().value()
                        on:change=move |ev| {
                            // A cursor is a position in one list only.
                            cursor.set(None);
                            filter.set(AttachmentFilter::from_value(&event_target_value(&ev)));
                        }
                    >
                        {options}
                    </select>
                </label>
            </header>
            {move || match page.get().flatten() {
                None => view! { <Loading/> }.into_any(),
                Some((Err(error), _, _)) => view! { <ApiError error/> }.into_any(),
                Some((Ok(paged), project, shown)) => {
                    let (previous, next) = (paged.previous, paged.next);
                    let filtered = shown != AttachmentFilter::All;
                    view! {
                        <IssueAttachmentTable
                            org=org.get_untracked()
                            issue=issue.get_untracked()
                            project
                            attachments=paged.items
                            filtered
                            on_open_event
                        />
                        <nav class="pager issue-attachments-pager">
                            <PageButtons
                                id="issue-attachments"
                                previous=previous
                                next=next
                                on_page=move |page| cursor.set(Some(page))
                            />
                        </nav>
                    }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}
