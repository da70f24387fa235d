//! `/auth/login/`: email and password, as Sentry's login form, and the two-factor code when the
//! account has one.

use cairn_types::api::{LoginRequest, User};
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

use crate::{
    api,
    components::{failure, FormError},
    routes::Page,
    state::use_session,
};

/// What submitting the login form does: send the request, answer the user or why it failed.
pub type LoginAction = Action<LoginRequest, api::Result<User>>;

/// The login form (`form#login-form`). Presentational: what a submit does is the `action`
/// prop, so tests can pass one that fails without a server. Shows the failure's message in
/// `.form-error` and disables the button while the action runs.
///
/// `novalidate`: the server validates and its `detail` is the one message shown, in one place,
/// instead of the browser's own bubbles for some mistakes and ours for the others.
#[component]
pub fn LoginForm(
    /// Dispatched with the entered credentials on submit.
    action: LoginAction,
) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // Set once the server answers that the password was right and a two-factor code is
    // needed (`401`); the code field then stays for the next attempts.
    let asks_code = RwSignal::new(false);
    Effect::new(move |_| {
        if action.value().with(|v| matches!(v, Some(Err(error)) if error.is_unauthorized())) {
            asks_code.set(true);
        }
    });
    let pending = action.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // The browser must not post the form itself: the action sends it as JSON.
        ev.prevent_default();
        action.dispatch(LoginRequest {
            username: username.get(),
            password: password.get(),
            otp: asks_code.get().then(|| code.get()),
        });
    };
    let code_field = move || {
        asks_code.get().then(|| {
            view! {
                <label>
                    <span>"Authentication code"</span>
                    <input
                        type="text"
                        name="otp"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        autofocus
                        bind:value=code
                    />
                    <small class="hint">
                        "The 6-digit code of your authenticator app, or one of your recovery codes."
                    </small>
                </label>
            }
        })
    };

    view! {
        <form id="login-form" class="form" novalidate on:submit=on_submit>
            <FormError message=failure(action)/>
            <label>
                <span>"Email"</span>
                <input
                    type="email"
                    name="username"
                    autocomplete="username"
                    required
                    bind:value=username
                />
            </label>
            <label>
                <span>"Password"</span>
                <input
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                    bind:value=password
                />
            </label>
            {code_field}
            <button type="submit" class="button button-primary" disabled=pending>
                {move || if pending.get() { "Logging in…" } else { "Log in" }}
            </button>
        </form>
    }
}

/// Where to go after logging in: `next` from the query string when it is a path of this site
/// (`/accept/...`, as an invitation link sends an existing account here), else `/`, which
/// picks the organization. Anything else (`//host/...`, `https://...`) is ignored: a link must
/// not send a user who just logged in to another site.
pub fn after_login(next: Option<&str>) -> String {
    next.filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .map_or_else(|| Page::Home.path(), str::to_owned)
}

/// The login route: on success, records the user and goes on (see [`after_login`]).
#[component]
pub fn LoginPage() -> impl IntoView {
    let action: LoginAction = Action::new_local(|request: &LoginRequest| {
        let request = request.clone();
        async move { api::login(&request).await }
    });
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            if let Some(session) = session {
                session.user.set(Some(user));
            }
            let next = query.with_untracked(|query| query.get("next"));
            navigate(&after_login(next.as_deref()), NavigateOptions::default());
        }
    });

    view! {
        <section class="page page-narrow auth-page">
            <h1>"Log in to Cairn"</h1>
            <LoginForm action/>
        </section>
    }
}
