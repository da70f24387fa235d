//! The issue page's "Attachments" panel: the files the SDK sent with the event shown (logs,
//! screenshots, minidumps), each a download link with its size and kind, and the images among
//! them (the screenshots that mobile and browser SDKs attach) shown as pictures, as Sentry's
//! *Screenshot* section does. Shown only when the event has any. File names are the SDK's:
//! text only.

use cairn_types::api::EventAttachment;
use leptos::prelude::*;

use crate::api;

/// Fetches and shows the attachments of `event_id` in `project` (once the project is known).
#[component]
pub fn EventAttachments(
    /// Organization slug.
    org: Signal<String>,
    /// Project slug (`None` until the issue is loaded).
    project: Signal<Option<String>>,
    /// The event shown.
    event_id: String,
) -> impl IntoView {
    let attachments = LocalResource::new(move || {
        let (org, project, event_id) = (org.get(), project.get(), event_id.clone());
        async move {
            let project = project?;
            let attachments =
                api::event_attachments(&org, &project, &event_id).await.unwrap_or_default();
            let base = api::attachments_url(&org, &project, &event_id);
            (!attachments.is_empty()).then_some((base, attachments))
        }
    });
    move || {
        attachments.get().flatten().map(|(base, attachments)| {
            view! { <AttachmentList base attachments/> }
        })
    }
}

/// The panel itself, from data (what the component tests mount). `base` is the event's
/// attachments URL; each file downloads from `{base}{id}/?download`.
#[component]
pub fn AttachmentList(base: String, attachments: Vec<EventAttachment>) -> impl IntoView {
    let previews = attachments
        .iter()
        .filter(|a| is_picture(&a.mimetype))
        .take(MAX_PREVIEWS)
        .map(|attachment| {
            let href = format!("{base}{}/?download", api::segment(&attachment.id));
            let src = href.clone();
            view! {
                <figure class="attachment-preview">
                    <a href=href download=attachment.name.clone()>
                        <img src=src alt=attachment.name.clone() loading="lazy"/>
                    </a>
                    <figcaption>{attachment.name.clone()}</figcaption>
                </figure>
            }
        })
        .collect::<Vec<_>>();
    let previews =
        (!previews.is_empty()).then(|| view! { <div class="attachment-previews">{previews}</div> });
    let rows = attachments
        .into_iter()
        .map(|attachment| {
            let href = format!("{base}{}/?download", api::segment(&attachment.id));
            let kind =
                attachment.kind.strip_prefix("event.").unwrap_or(&attachment.kind).to_owned();
            let (name, download) = (attachment.name.clone(), attachment.name);
            view! {
                <li class="attachment">
                    <a class="attachment-name" href=href download=download>
                        {name}
                    </a>
                    <span class="attachment-size">{file_size(attachment.size)}</span>
                    <span class="attachment-kind" title=attachment.mimetype>{kind}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card event-attachments">
            <h3>"Attachments"</h3>
            {previews}
            <ul class="attachment-list">{rows}</ul>
        </section>
    }
}

/// Images shown as pictures at most (an event may carry many).
const MAX_PREVIEWS: usize = 4;

/// The raster image types every browser draws in an `<img>` (SVG, which can carry scripts and
/// links, and other types stay download links only).
fn is_picture(mimetype: &str) -> bool {
    let mimetype = mimetype.split(';').next().unwrap_or_default().trim();
    ["image/png", "image/jpeg", "image/gif", "image/webp"]
        .iter()
        .any(|picture| mimetype.eq_ignore_ascii_case(picture))
}

/// A size as people read it: `512 B`, `1.5 KB`, `23.4 MB` (powers of 1,024, as Sentry shows).
pub fn file_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut size = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if size < 1024.0 {
            break;
        }
        size /= 1024.0;
        unit = next;
    }
    format!("{size:.1} {unit}")
}
