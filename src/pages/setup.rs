//! `/setup/`: first run. Creates the owner account, which the server logs in right away.

use cairn_types::api::{SetupRequest, User};
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_navigate, NavigateOptions};

use crate::{
    api,
    components::{failure, ApiError, FormError, Loading},
    routes::Page,
    state::use_session,
};

/// What submitting the set-up form does.
pub type SetupAction = Action<SetupRequest, api::Result<User>>;

/// Shortest password the server accepts; the form only mentions it (the server enforces it).
const MIN_PASSWORD_LEN: usize = 8;

/// The fields of a new account besides its address, which the set-up knows from the form and
/// an invitation from its link: a name (optional: the server shows the address instead) and a
/// password, with the server's minimum length as a hint.
#[component]
pub fn NewAccountFields(
    /// The name typed.
    name: RwSignal<String>,
    /// The password typed.
    password: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label>
            <span>"Name"</span>
            <input type="text" name="name" autocomplete="name" bind:value=name/>
        </label>
        <label>
            <span>"Password"</span>
            <input
                type="password"
                name="password"
                autocomplete="new-password"
                required
                bind:value=password
            />
            <small class="hint">{format!("At least {MIN_PASSWORD_LEN} characters.")}</small>
        </label>
    }
}

/// The set-up form (`form#setup-form`): email, name, password. Presentational and validated by
/// the server, like [`super::login::LoginForm`]: the `action` prop decides what a submit does.
#[component]
pub fn SetupForm(
    /// Dispatched with the new account on submit.
    action: SetupAction,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let pending = action.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // An empty name is "no name": the server then shows the email instead.
        let name = Some(name.get().trim().to_owned()).filter(|name| !name.is_empty());
        action.dispatch(SetupRequest {
            email: email.get().trim().to_owned(),
            password: password.get(),
            name,
        });
    };

    view! {
        <form id="setup-form" class="form" novalidate on:submit=on_submit>
            <FormError message=failure(action)/>
            <label>
                <span>"Email"</span>
                <input type="email" name="email" autocomplete="email" required bind:value=email/>
            </label>
            <NewAccountFields name password/>
            <button type="submit" class="button button-primary" disabled=pending>
                {move || if pending.get() { "Creating…" } else { "Create account" }}
            </button>
        </form>
    }
}

/// The set-up route. Once set up, the instance has no use for this page: it redirects to `/`.
#[component]
pub fn SetupPage() -> impl IntoView {
    let status = LocalResource::new(api::setup_status);
    let action: SetupAction = Action::new_local(|request: &SetupRequest| {
        let request = request.clone();
        async move { api::setup(&request).await }
    });
    let session = use_session();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            if let Some(session) = session {
                session.user.set(Some(user));
            }
            // `/` sends the new owner to the default organization's issues.
            navigate(&Page::Home.path(), NavigateOptions::default());
        }
    });

    view! {
        <section class="page page-narrow auth-page">
            <h1>"Welcome to Cairn"</h1>
            <p class="lead">"Create the owner account of this Cairn instance."</p>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) if !status.needs_setup => {
                            view! { <Redirect path=Page::Home.path()/> }.into_any()
                        }
                        Ok(_) => view! { <SetupForm action/> }.into_any(),
                        Err(error) => view! { <ApiError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
