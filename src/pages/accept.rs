//! `/accept/{member}/{token}/`: an invitation link, as [`super::members`] hands it out (Sentry's
//! `/accept/...` links). Says which organization it joins and what accepting needs: a new
//! account's name and password, logging in first (the address has an account), or one click.

use cairn_types::api::{AcceptInviteRequest, InviteDetails, Member};
use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, hooks::use_params_map, NavigateOptions};

use super::setup::NewAccountFields;
use crate::{
    api,
    components::{failure, ApiError, FormError, Loading},
    routes::{Page, MEMBER_PARAM, TOKEN_PARAM},
    state::use_session,
};

/// What accepting sends, and its answer.
type AcceptAction = Action<AcceptInviteRequest, api::Result<Member>>;

/// The invitation route.
#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let params = use_params_map();
    let link = Memo::new(move |_| {
        let params = params.read();
        (params.get(MEMBER_PARAM).unwrap_or_default(), params.get(TOKEN_PARAM).unwrap_or_default())
    });
    let details = LocalResource::new(move || {
        let (member, token) = link.get();
        async move { api::invite_details(&member, &token).await }
    });
    let accept: AcceptAction = Action::new_local(move |request: &AcceptInviteRequest| {
        let request = request.clone();
        let (member, token) = link.get_untracked();
        async move { api::accept_invite(&member, &token, &request).await }
    });
    let session = use_session();
    let navigate = use_navigate();
    // Joined: the new account is logged in (the server set its session), so the organization's
    // issues are the next page.
    Effect::new(move |_| {
        if let Some(Ok(member)) = accept.value().get() {
            let org = details.get().and_then(|d| d.ok()).map(|d| d.org_slug);
            if let (Some(session), Some(user)) = (session, member.user) {
                session.user.set(Some(user));
            }
            let page = org.map_or(Page::Home, |org| Page::Issues { org });
            navigate(&page.path(), NavigateOptions::default());
        }
    });

    view! {
        <section class="page page-narrow auth-page">
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(details) => {
                            let (member, token) = link.get_untracked();
                            let link = Page::AcceptInvite { member, token };
                            view! { <Invitation details link accept/> }.into_any()
                        }
                        Err(error) => view! { <ApiError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// What a valid invitation asks of whoever opened it.
#[component]
fn Invitation(
    /// The invitation, as the server describes it to this visitor.
    details: InviteDetails,
    /// The invitation link's page (this one).
    link: Page,
    /// Accepting it.
    accept: AcceptAction,
) -> impl IntoView {
    let heading = format!("Join {} on Cairn", details.org_name);
    let role = details.org_role.clone();
    let pending = accept.pending();
    let body = if details.existing_member {
        let issues = Page::Issues { org: details.org_slug }.path();
        view! {
            <p class="invite-note">"You are already a member of this organization."</p>
            <a class="button" href=issues>"Go to its issues"</a>
        }
        .into_any()
    } else if details.needs_authentication && !details.needs_account {
        // Back here once logged in, to accept with one click.
        let login = format!("{}?next={}", Page::Login.path(), api::segment(&link.path()));
        view! {
            <p class="invite-note">
                "An account for " {details.email}
                " exists: log in to accept."
            </p>
            <a class="button button-primary" href=login>"Log in"</a>
        }
        .into_any()
    } else if details.needs_authentication {
        let name = RwSignal::new(String::new());
        let password = RwSignal::new(String::new());
        let on_submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            accept.dispatch(AcceptInviteRequest {
                name: Some(name.get()),
                password: Some(password.get()),
            });
        };
        view! {
            <p class="invite-note">
                "Create the account of " {details.email} " to join as " {role} "."
            </p>
            <form id="accept-form" class="form" novalidate on:submit=on_submit>
                <FormError message=failure(accept)/>
                <NewAccountFields name password/>
                <button type="submit" class="button button-primary" disabled=pending>
                    "Create account and join"
                </button>
            </form>
        }
        .into_any()
    } else {
        view! {
            <p class="invite-note">"You are invited to join as " {role} "."</p>
            <FormError message=failure(accept)/>
            <button
                id="accept-join"
                type="button"
                class="button button-primary"
                disabled=pending
                on:click=move |_| {
                    accept.dispatch(AcceptInviteRequest::default());
                }
            >
                "Join"
            </button>
        }
        .into_any()
    };
    view! {
        <h1>{heading}</h1>
        {body}
    }
}
