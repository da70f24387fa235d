//! `/settings/account/details/` (Sentry's URL): the user's own account. The name (shown in the
//! header and to colleagues), the password (changing it logs out every other browser) and
//! "sign out of all devices", with links to the user's other settings.

use cairn_types::api::ChangePasswordRequest;
use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use crate::{
    api,
    components::{
        status::{failure, FormError},
        ApiError, Loading,
    },
    pages::project_settings::SettingsForm,
    routes::Page,
    state::use_session,
};

/// A password field of the form (`#{id}`).
#[component]
fn PasswordField(
    id: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="label">{label}</span>
            <input
                id=id
                type="password"
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// "Saved." under a form once `done` holds.
fn saved(done: impl Fn() -> bool + Send + Sync + 'static, text: &'static str) -> AnyView {
    (move || done().then(|| view! { <p class="settings-saved" role="status">{text}</p> }))
        .into_any()
}

/// The account route.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    // Bumped after a password change, which ends the other sessions: their count is read again.
    let version = RwSignal::new(0u32);
    let account = LocalResource::new(move || {
        version.track();
        api::account()
    });
    let name = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = account.get() {
            name.set(loaded.name);
        }
    });

    let rename = Action::new_local(|name: &String| api::rename_account(name.clone()));
    Effect::new(move |_| {
        if let (Some(Ok(renamed)), Some(session)) = (rename.value().get(), session) {
            session.user.update(|user| {
                if let Some(user) = user {
                    user.name = renamed.name;
                }
            });
        }
    });

    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let verify = RwSignal::new(String::new());
    let change =
        Action::new_local(|request: &ChangePasswordRequest| api::change_password(request.clone()));
    Effect::new(move |_| {
        if change.value().with(|v| matches!(v, Some(Ok(())))) {
            for field in [current, new, verify] {
                field.set(String::new());
            }
            version.update(|v| *v += 1);
        }
    });

    // Every session ends, this one too: whatever the answer, the next stop is the log-in page
    // (as the header's "Log out" does).
    let sign_out = Action::new_local(|_: &()| api::logout_everywhere());
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            if let Some(session) = session {
                session.clear();
            }
            navigate(&Page::Login.path(), NavigateOptions::default());
        }
    });

    let details = move || {
        account.get().map(|loaded| match loaded {
            Ok(account) => view! {
                <p class="account-email">
                    "Email: " <strong>{account.email}</strong>
                    " · member since " {account.date_joined.format("%Y-%m-%d").to_string()}
                </p>
            }
            .into_any(),
            Err(error) => view! { <ApiError error/> }.into_any(),
        })
    };
    let sessions = move || {
        account.get().and_then(Result::ok).map(|account| match account.active_sessions {
            1 => "You are logged in in this browser only.".to_owned(),
            n => format!("You are logged in in {n} browsers."),
        })
    };

    view! {
        <section class="page account-page">
            <header class="page-header">
                <h1>"Account"</h1>
                <nav class="page-links">
                    <a href=Page::NotificationSettings.path()>"Notifications"</a>
                    " · "
                    <a href=Page::Tokens.path()>"API tokens"</a>
                </nav>
            </header>
            {move || details().unwrap_or_else(|| view! { <Loading/> }.into_any())}

            <SettingsForm
                id="account-form"
                title="Details"
                button="Save name"
                on_submit=Callback::new(move |()| {
                    rename.dispatch(name.get());
                })
                saving=rename.pending().into()
                outcome=view! {
                    <FormError message=failure(rename)/>
                    {saved(move || rename.value().with(|v| matches!(v, Some(Ok(_)))), "Saved.")}
                }
                .into_any()
            >
                <label class="field">
                    <span class="label">"Name"</span>
                    <input
                        id="account-name"
                        type="text"
                        autocomplete="name"
                        maxlength="200"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                    <span class="hint">"How colleagues see you: assignees, comments, activity."</span>
                </label>
            </SettingsForm>

            <SettingsForm
                id="password-form"
                title="Password"
                button="Change password"
                on_submit=Callback::new(move |()| {
                    change.dispatch(ChangePasswordRequest {
                        password: current.get(),
                        password_new: new.get(),
                        password_verify: verify.get(),
                    });
                })
                saving=change.pending().into()
                outcome=view! {
                    <FormError message=Signal::derive(move || {
                        failure(change).get().map(|message| field_message(&message))
                    })/>
                    {saved(
                        move || change.value().with(|v| matches!(v, Some(Ok(())))),
                        "Password changed. Every other browser has been logged out.",
                    )}
                }
                .into_any()
            >
                <PasswordField
                    id="password-current"
                    label="Current password"
                    autocomplete="current-password"
                    value=current
                />
                <PasswordField
                    id="password-new"
                    label="New password (at least 8 characters)"
                    autocomplete="new-password"
                    value=new
                />
                <PasswordField
                    id="password-verify"
                    label="New password again"
                    autocomplete="new-password"
                    value=verify
                />
            </SettingsForm>

            <h2>"Sessions"</h2>
            <p id="account-sessions">{sessions}</p>
            <button
                type="button"
                id="sign-out-everywhere"
                class="button button-secondary"
                disabled=move || sign_out.pending().get()
                on:click=move |_| {
                    sign_out.dispatch(());
                }
            >
                "Sign out of all devices"
            </button>
        </section>
    }
}

/// The server names the field of a refused change (`passwordNew: This password is too
/// short...`); the form says only what is wrong.
pub fn field_message(message: &str) -> String {
    match message.split_once(": ") {
        Some(("password" | "passwordNew" | "passwordVerify", text)) => text.to_owned(),
        _ => message.to_owned(),
    }
}
