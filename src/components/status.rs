//! The loading and error states every data-backed page shows while or instead of its data.

use leptos::prelude::*;
use leptos_router::{components::Redirect, NavigateOptions};

use crate::{api, routes::Page, state::use_session};

/// Placeholder while a page's data is on its way.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div class="loading-state" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            "Loading…"
        </div>
    }
}

/// Shows an API error with the server's `detail`; presentational, so it can be tested alone.
#[component]
pub fn ErrorState(
    /// What to tell the user.
    #[prop(into)]
    message: String,
) -> impl IntoView {
    view! {
        <div class="error-state" role="alert">
            <strong>"Something went wrong."</strong>
            <p class="error-detail">{message}</p>
        </div>
    }
}

/// A form's failure as the server worded it (`p.form-error`), while there is one: what the
/// log-in, set-up and invitation forms show above their fields (see [`failure`]).
#[component]
pub fn FormError(
    /// The message, while the form's last answer is an error.
    message: Signal<Option<String>>,
) -> impl IntoView {
    move || message.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })
}

/// The server's message while the last answer to `action` is an error, for [`FormError`]. Not
/// generic over the component itself: each form's action type would build its view again.
pub fn failure<I: 'static, T: 'static>(
    action: Action<I, api::Result<T>>,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        action.value().with(|answer| match answer {
            Some(Err(error)) => Some(error.message()),
            _ => None,
        })
    })
}

/// What a page renders when its API call failed: a 401 means the session is gone, so it forgets
/// the user and sends them to the login page; anything else is shown with [`ErrorState`].
///
/// Must be rendered inside the `Router` (it may redirect).
#[component]
pub fn ApiError(
    /// The failure.
    error: api::Error,
) -> impl IntoView {
    if error.is_unauthorized() {
        if let Some(session) = use_session() {
            session.clear();
        }
        // Replace, so "back" from the login page does not bounce off this page again.
        let options = NavigateOptions { replace: true, ..NavigateOptions::default() };
        view! { <Redirect path=Page::Login.path() options/> }.into_any()
    } else {
        view! { <ErrorState message=error.message()/> }.into_any()
    }
}
