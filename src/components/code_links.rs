//! Links from the issue page to the code host: a stack frame to its line, through the
//! project's code mappings (`cairn_types::source_links`, the rule the server's
//! `stacktrace-link` applies too), and a commit to its page, through its repository's address.
//!
//! The issue page provides the project's mappings as a [`CodeLinks`] context; a frame rendered
//! without it (the component tests, any other page) has no link. Only `http(s)` addresses
//! become links: a repository's address is typed by people, and the link opens in a new tab.

use cairn_types::{
    api::{CodeMapping, Commit},
    source_links::{frame_url, FramePath, Host},
};
use leptos::prelude::*;

use super::stacktrace::Frame;

/// The code mappings of the project whose events are shown, as a context (the issue page
/// provides it once the project is known; empty until the mappings arrive).
#[derive(Debug, Clone, Copy)]
pub struct CodeLinks(pub Signal<Vec<CodeMapping>>);

/// Whether `url` may be a link's `href`: an `http` or `https` address.
pub fn is_web_address(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The address of a frame's line on its code host, and the host, when one of `mappings`
/// places the frame and its repository has a web address.
pub fn frame_link(
    mappings: &[CodeMapping],
    frame: &FramePath<'_>,
    line: Option<u64>,
) -> Option<(String, Host)> {
    frame_url(mappings, frame, line).filter(|(url, _)| is_web_address(url))
}

/// The address of a commit on its code host, and the host, when its repository has a web
/// address.
pub fn commit_link(commit: &Commit) -> Option<(String, Host)> {
    let repository = commit.repository.as_ref()?;
    let url = repository.url.as_deref().filter(|url| is_web_address(url))?;
    let host = Host::of(Some(&repository.provider.id), url);
    Some((host.commit_url(url, &commit.id), host))
}

/// A frame's "Open in {host}" link (`a.frame-source-link`), while the [`CodeLinks`] context
/// places the frame; nothing without the context.
pub fn frame_source_link(frame: &Frame) -> impl IntoView {
    let links = use_context::<CodeLinks>();
    let filename = frame.filename.clone();
    let abs_path = frame.abs_path.clone();
    let module = frame.module.clone();
    let line = frame.lineno;
    links.map(move |CodeLinks(mappings)| {
        move || {
            let path = FramePath {
                filename: filename.as_deref(),
                abs_path: abs_path.as_deref(),
                module: module.as_deref(),
            };
            let (url, host) = mappings.with(|mappings| frame_link(mappings, &path, line))?;
            Some(view! {
                <a
                    class="frame-source-link"
                    href=url
                    target="_blank"
                    rel="noopener noreferrer"
                    title=format!("Open this line in {}", host.name())
                >
                    "Open in "
                    {host.name()}
                </a>
            })
        }
    })
}
