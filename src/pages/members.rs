//! `/settings/{org}/members/` (Sentry's URL): who belongs to the organization, with which role,
//! and inviting someone. Cairn sends no mail: an invitation answers its link once, here, to be
//! passed on; the invitee opens it (the [`super::accept`] page) to join.

use cairn_types::api::{InviteMemberRequest, Member};
use leptos::prelude::*;

use super::use_org_param;
use crate::{
    api,
    components::{ApiError, ErrorState, Loading},
};

/// The organization roles, least first, with Sentry's names. The server refuses a role above
/// the inviter's own.
const ROLES: [(&str, &str); 4] =
    [("member", "Member"), ("admin", "Admin"), ("manager", "Manager"), ("owner", "Owner")];

/// One member (`.member-row`): name, address, role, whether the invitation is still pending,
/// and a button that removes the member (or withdraws the invitation).
#[component]
pub fn MemberRow(
    /// The member.
    member: Member,
    /// Called with the member's id when "Remove" is pressed.
    on_remove: Callback<String>,
) -> impl IntoView {
    let id = member.id.clone();
    let status = match (member.pending, member.expired) {
        (true, true) => Some("Invitation expired"),
        (true, false) => Some("Invited"),
        (false, _) => None,
    };
    let remove_label = if member.pending { "Withdraw" } else { "Remove" };
    let address = member.email.clone();
    // A pending invitation's name is its address: shown once.
    let name = (member.name != member.email).then_some(member.name);
    view! {
        <li class="member-row" data-email=address>
            {name.map(|name| view! { <span class="member-name">{name}</span> })}
            <span class="member-email">{member.email}</span>
            <span class="member-role">{member.role_name}</span>
            {status.map(|status| view! { <span class="member-status badge">{status}</span> })}
            <button
                type="button"
                class="button button-secondary member-remove"
                on:click=move |_| on_remove.run(id.clone())
            >
                {remove_label}
            </button>
        </li>
    }
}

/// The members route.
#[component]
pub fn MembersPage() -> impl IntoView {
    let org = use_org_param();
    // Bumped after each invitation or removal, so the list is fetched again.
    let version = RwSignal::new(0u32);
    let members = LocalResource::new(move || {
        version.track();
        let org = org.get();
        async move { api::members(&org).await }
    });
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("member".to_owned());
    let invite = Action::new_local(move |request: &InviteMemberRequest| {
        let request = request.clone();
        let org = org.get_untracked();
        async move { api::invite_member(&org, &request).await }
    });
    let remove = Action::new_local(move |id: &String| {
        let id = id.clone();
        let org = org.get_untracked();
        async move { api::remove_member(&org, &id).await }
    });
    Effect::new(move |_| {
        if invite.value().with(|v| matches!(v, Some(Ok(_)))) {
            email.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if remove.value().with(|v| matches!(v, Some(Ok(())))) {
            version.update(|v| *v += 1);
        }
    });
    let on_remove = Callback::new(move |id: String| {
        remove.dispatch(id);
    });

    let invited = move || {
        invite.value().with(|v| match v {
            Some(Ok(member)) => member.invite_link.clone().map(|link| {
                let address = member.email.clone();
                view! {
                    <div class="new-invite" role="status">
                        <p>
                            "Send this link to " {address}
                            ". It is shown only now, and works for 30 days."
                        </p>
                        <code id="invite-link">{link}</code>
                    </div>
                }
                .into_any()
            }),
            Some(Err(error)) => Some(view! { <ErrorState message=error.message()/> }.into_any()),
            None => None,
        })
    };
    let removal_error = move || {
        remove.value().with(|v| match v {
            Some(Err(error)) => Some(view! { <ErrorState message=error.message()/> }),
            _ => None,
        })
    };
    let role_options = ROLES
        .iter()
        .map(|(value, label)| view! { <option value=*value>{*label}</option> })
        .collect_view();

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Members"</h1>
            </header>
            <form
                id="invite-form"
                class="invite-form"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    invite
                        .dispatch(InviteMemberRequest {
                            email: email.get().trim().to_owned(),
                            org_role: Some(role.get()),
                            ..InviteMemberRequest::default()
                        });
                }
            >
                <label class="field">
                    <span class="label">"Email"</span>
                    <input
                        id="invite-email"
                        type="email"
                        required
                        placeholder="colleague@example.com"
                        bind:value=email
                    />
                </label>
                <label class="field">
                    <span class="label">"Role"</span>
                    <select
                        id="invite-role"
                        prop:value=move || role.get()
                        on:change=move |ev| role.set(event_target_value(&ev))
                    >
                        {role_options}
                    </select>
                </label>
                <button
                    type="submit"
                    class="button"
                    disabled=move || invite.pending().get() || email.with(|e| e.trim().is_empty())
                >
                    "Invite"
                </button>
            </form>
            {invited}
            {removal_error}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(list) => {
                            view! {
                                <ul id="member-list" class="member-rows">
                                    {list
                                        .into_iter()
                                        .map(|member| view! { <MemberRow member on_remove/> })
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
