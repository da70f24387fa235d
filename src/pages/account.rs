//! `/settings/account/details/` (Sentry's URL): the user's own account. The name (shown in the
//! header and to colleagues), the password (changing it logs out every other browser),
//! two-factor authentication with an authenticator app, and "sign out of all devices", with
//! links to the user's other settings.

use cairn_types::api::{ChangePasswordRequest, EnrollTotpRequest};
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

            <TwoFactor/>

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

/// The two-factor section (`#two-factor`): set up an authenticator app (its secret to type in
/// or open, a code to prove it, then the recovery codes, shown once), or, once on, how many
/// recovery codes are left and turning it off with the password.
#[component]
fn TwoFactor() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let interfaces = LocalResource::new(move || {
        version.track();
        api::authenticators()
    });
    let offer = Action::new_local(|_: &()| api::totp_enrollment());
    let code = RwSignal::new(String::new());
    let enroll_password = RwSignal::new(String::new());
    let enroll = Action::new_local(|request: &EnrollTotpRequest| api::enroll_totp(request.clone()));
    let password = RwSignal::new(String::new());
    let remove = Action::new_local(|password: &String| api::remove_totp(password.clone()));
    Effect::new(move |_| {
        if enroll.value().with(|v| matches!(v, Some(Ok(_)))) {
            code.set(String::new());
            enroll_password.set(String::new());
            // The secret is the app's now: not shown again.
            offer.value().set(None);
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if remove.value().with(|v| matches!(v, Some(Ok(())))) {
            password.set(String::new());
            // The codes shown at enrollment are gone with it.
            enroll.value().set(None);
            version.update(|v| *v += 1);
        }
    });

    let setup = move || {
        offer.value().get().map(|answer| match answer {
            Ok(offered) => {
                let secret = offered.secret.clone();
                view! {
                    <form
                        id="totp-form"
                        class="settings-form"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            enroll.dispatch(EnrollTotpRequest {
                                secret: secret.clone(),
                                otp: code.get(),
                                password: enroll_password.get(),
                            });
                        }
                    >
                        <p>
                            "Scan this code with your authenticator app, or add Cairn with the \
                             key under it, or "
                            <a href=offered.qrcode>"open it in the app"</a> ":"
                        </p>
                        <QrCode rows=offered.qrcode_modules/>
                        <code id="totp-secret">{offered.secret}</code>
                        <label class="field">
                            <span class="label">"The code the app shows"</span>
                            <input
                                id="totp-code"
                                type="text"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                prop:value=move || code.get()
                                on:input=move |ev| code.set(event_target_value(&ev))
                            />
                        </label>
                        <PasswordField
                            id="totp-password"
                            label="Your password"
                            autocomplete="current-password"
                            value=enroll_password
                        />
                        <button type="submit" class="button" disabled=move || enroll.pending().get()>
                            "Turn on"
                        </button>
                        <FormError message=Signal::derive(move || {
                            failure(enroll).get().map(|message| field_message(&message))
                        })/>
                    </form>
                }
                .into_any()
            }
            Err(error) => view! { <ApiError error/> }.into_any(),
        })
    };
    let recovery_codes = move || {
        enroll.value().get().and_then(Result::ok).map(|codes| {
            view! {
                <div class="recovery-codes" role="status">
                    <p>
                        "Two-factor authentication is on. Keep these recovery codes somewhere                          safe: each logs you in once without the app, and Cairn cannot show                          them again."
                    </p>
                    <ul id="recovery-codes">
                        {codes
                            .recovery_codes
                            .into_iter()
                            .map(|code| view! { <li><code>{code}</code></li> })
                            .collect_view()}
                    </ul>
                </div>
            }
        })
    };
    let state = move || {
        interfaces.get().map(|loaded| match loaded {
            Ok(list) => {
                let app = list.iter().find(|i| i.id == "totp");
                let left = list.iter().find_map(|i| i.codes_left).unwrap_or(0);
                match app.filter(|app| app.is_enrolled) {
                    Some(app) => {
                        let since = app
                            .created_at
                            .map(|at| at.format("%Y-%m-%d").to_string())
                            .unwrap_or_default();
                        view! {
                            <p id="two-factor-state">
                                {format!(
                                    "On since {since}, with an authenticator app; {left} recovery codes left."
                                )}
                            </p>
                            <form
                                id="totp-remove-form"
                                class="settings-form"
                                on:submit=move |ev| {
                                    ev.prevent_default();
                                    remove.dispatch(password.get());
                                }
                            >
                                <PasswordField
                                    id="totp-remove-password"
                                    label="Your password, to turn it off"
                                    autocomplete="current-password"
                                    value=password
                                />
                                <button
                                    type="submit"
                                    class="button button-secondary"
                                    disabled=move || remove.pending().get()
                                >
                                    "Turn off"
                                </button>
                                <FormError message=Signal::derive(move || {
                                    failure(remove).get().map(|message| field_message(&message))
                                })/>
                            </form>
                        }
                        .into_any()
                    }
                    None => view! {
                        <p id="two-factor-state">
                            "Off: your password alone logs you in."
                        </p>
                        <button
                            type="button"
                            id="totp-setup"
                            class="button"
                            disabled=move || offer.pending().get()
                            on:click=move |_| {
                                offer.dispatch(());
                            }
                        >
                            "Set up an authenticator app"
                        </button>
                        {setup}
                    }
                    .into_any(),
                }
            }
            Err(error) => view! { <ApiError error/> }.into_any(),
        })
    };
    view! {
        <section id="two-factor">
            <h2>"Two-factor authentication"</h2>
            {recovery_codes}
            {move || state().unwrap_or_else(|| view! { <Loading/> }.into_any())}
        </section>
    }
}

/// Modules of white around a QR code, which scanners need to find it (the standard's four).
const QUIET_ZONE: usize = 4;

/// A QR code (`svg.qr-code`) from the server's rows of modules (`#` dark): one path of unit
/// squares, dark on white whatever the theme, with its quiet zone.
#[component]
pub fn QrCode(
    /// The rows, top first.
    rows: Vec<String>,
) -> impl IntoView {
    let size = rows.len() + 2 * QUIET_ZONE;
    let mut path = String::new();
    for (y, row) in rows.iter().enumerate() {
        for (x, module) in row.chars().enumerate() {
            if module == '#' {
                path.push_str(&format!("M{} {}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE));
            }
        }
    }
    view! {
        <svg
            class="qr-code"
            viewBox=format!("0 0 {size} {size}")
            width="200"
            height="200"
            role="img"
            aria-label="QR code of the key"
            shape-rendering="crispEdges"
        >
            <rect width=size.to_string() height=size.to_string() fill="#fff"></rect>
            <path d=path fill="#000"></path>
        </svg>
    }
}

/// The server names the field of a refused change (`passwordNew: This password is too
/// short...`); the form says only what is wrong.
pub fn field_message(message: &str) -> String {
    match message.split_once(": ") {
        Some(("password" | "passwordNew" | "passwordVerify" | "otp" | "secret", text)) => {
            text.to_owned()
        }
        _ => message.to_owned(),
    }
}
