//! Any URL the router does not know.

use leptos::prelude::*;

use crate::routes::Page;

/// The fallback of the router.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="page page-narrow not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p>
                <a href=Page::Home.path()>"Go to the dashboard"</a>
            </p>
        </section>
    }
}
