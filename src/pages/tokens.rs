//! `/settings/account/api/auth-tokens/` (Sentry's URL): the user's API tokens, for sentry-cli
//! and scripts. Create one with the scopes it needs (its value is shown once), list them, revoke
//! one.

use cairn_types::api::{ApiToken, NewApiToken, SCOPES};
use leptos::prelude::*;

use crate::{
    api,
    components::{ApiError, ErrorState, Loading},
};

/// What sentry-cli needs to read projects and publish releases: checked by default.
const DEFAULT_SCOPES: &[&str] = &["org:read", "project:read", "project:releases", "event:read"];

/// One token (`.token-row`) with a revoke button.
#[component]
pub fn TokenRow(
    /// The token (without its value).
    token: ApiToken,
    /// Called with the token's id when "Revoke" is pressed.
    on_revoke: Callback<String>,
) -> impl IntoView {
    let id = token.id.clone();
    let label = token.name.clone().unwrap_or_else(|| "Unnamed token".to_owned());
    view! {
        <li class="token-row">
            <div class="token-head">
                <span class="token-name">{label}</span>
                <code class="token-tail">"…" {token.token_last_characters}</code>
                <span class="token-date">{token.date_created.format("%Y-%m-%d").to_string()}</span>
                <button
                    type="button"
                    class="button button-secondary token-revoke"
                    on:click=move |_| on_revoke.run(id.clone())
                >
                    "Revoke"
                </button>
            </div>
            <p class="token-scopes">{token.scopes.join(" ")}</p>
        </li>
    }
}

/// The tokens route.
#[component]
pub fn TokensPage() -> impl IntoView {
    // Bumped after each create or revoke, so the list is fetched again.
    let version = RwSignal::new(0u32);
    let tokens = LocalResource::new(move || {
        version.track();
        api::api_tokens()
    });
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    let create = Action::new_local(|request: &NewApiToken| {
        let request = request.clone();
        async move { api::create_api_token(&request).await }
    });
    let revoke = Action::new_local(|id: &String| {
        let id = id.clone();
        async move { api::delete_api_token(&id).await }
    });
    Effect::new(move |_| {
        if create.value().with(|v| matches!(v, Some(Ok(_)))) {
            name.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if revoke.value().with(|v| matches!(v, Some(Ok(())))) {
            version.update(|v| *v += 1);
        }
    });
    let on_revoke = Callback::new(move |id: String| {
        revoke.dispatch(id);
    });

    let choices = SCOPES
        .iter()
        .map(|scope| {
            let scope = (*scope).to_owned();
            let checked = scope.clone();
            let toggled = scope.clone();
            view! {
                <label class="scope-choice">
                    <input
                        type="checkbox"
                        name="scope"
                        value=scope.clone()
                        prop:checked=move || chosen.with(|c| c.contains(&checked))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|c| {
                                c.retain(|s| s != &toggled);
                                if on {
                                    c.push(toggled.clone());
                                }
                            });
                        }
                    />
                    {scope}
                </label>
            }
        })
        .collect_view();

    let new_token = move || {
        create.value().with(|v| match v {
            Some(Ok(token)) => token.token.clone().map(|value| {
                view! {
                    <div class="new-token" role="status">
                        <p>"Copy the token now: Cairn keeps only its hash and cannot show it again."</p>
                        <code id="new-token">{value}</code>
                    </div>
                }
                .into_any()
            }),
            Some(Err(error)) => Some(view! { <ErrorState message=error.message()/> }.into_any()),
            None => None,
        })
    };

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"API tokens"</h1>
            </header>
            <form
                id="token-form"
                class="token-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let label = name.get();
                    create
                        .dispatch(NewApiToken {
                            name: (!label.trim().is_empty()).then_some(label),
                            scopes: chosen.get(),
                        });
                }
            >
                <label class="field">
                    <span class="label">"Name"</span>
                    <input
                        id="token-name"
                        type="text"
                        maxlength="255"
                        placeholder="sentry-cli on CI"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <fieldset class="scope-choices">
                    <legend>"Scopes"</legend>
                    {choices}
                </fieldset>
                <button
                    type="submit"
                    class="button"
                    disabled=move || create.pending().get() || chosen.with(Vec::is_empty)
                >
                    "Create token"
                </button>
            </form>
            {new_token}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => {
                            view! {
                                <div id="token-list" class="empty-state">
                                    <p class="empty-title">"No API tokens yet."</p>
                                </div>
                            }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul id="token-list" class="token-rows">
                                    {list
                                        .into_iter()
                                        .map(|token| view! { <TokenRow token on_revoke/> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ApiError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
