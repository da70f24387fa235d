//! The header's link to the inbox with the number of unread notifications, polled every 30 s
//! and on every navigation.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use crate::{api, routes::Page};

/// How often the count is asked for while the page stays open.
const POLL_MS: u32 = 30_000;

/// "Inbox" with the unread count as a badge (none at zero).
#[component]
pub fn NotificationBadge() -> impl IntoView {
    let location = use_location();
    let tick = RwSignal::new(0u32);
    let interval = leptos::leptos_dom::helpers::set_interval_with_handle(
        move || tick.update(|t| *t = t.wrapping_add(1)),
        std::time::Duration::from_millis(u64::from(POLL_MS)),
    );
    on_cleanup(move || {
        if let Ok(handle) = interval {
            handle.clear();
        }
    });
    let unread = LocalResource::new(move || {
        tick.track();
        location.pathname.track();
        async move { api::unread_notifications().await.map(|c| c.unread).unwrap_or(0) }
    });
    let badge = move || {
        let count = unread.get().unwrap_or(0);
        (count > 0).then(|| view! { <span class="badge unread-count">{count}</span> })
    };
    view! {
        <A href=Page::Inbox.path() attr:class="inbox-link">
            "Inbox"
            {badge}
        </A>
    }
}
