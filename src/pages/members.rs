//! `/settings/{org}/members/` (Sentry's URL): who belongs to the organization, with which role,
//! inviting someone, and the organization's own settings (name, slug, two-factor requirement). An invitation answers its link once, here, to be passed on (Cairn also
//! emails it when the server has a mail server); the invitee opens it (the [`super::accept`]
//! page) to join.
//!
//! `/settings/{org}/teams/`: the teams (what issues are assigned to and ownership rules name),
//! who is in each, and a new team.

use cairn_types::api::{
    InviteMemberRequest, Member, Team, TeamRequest, UpdateMemberRequest, UpdateOrganizationRequest,
};
use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::use_org_param;
use crate::{
    api,
    components::{confirm::ConfirmDelete, ApiError, ErrorState, Loading},
    routes::Page,
};

/// The organization roles, least first, with Sentry's names. The server refuses a role above
/// the inviter's own.
const ROLES: [(&str, &str); 4] =
    [("member", "Member"), ("admin", "Admin"), ("manager", "Manager"), ("owner", "Owner")];

/// What the members page asks of the server for one member, from its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// Remove the member, or withdraw the invitation.
    Remove(String),
    /// Give the member (or the invitation) another organization role.
    Role(String, String),
    /// A new link for a pending invitation (the old one stops working), emailed when the server
    /// has a mail server (Sentry's "resend invite").
    NewLink(String),
}

/// One member (`.member-row`): name, address, role (a select that changes it), whether the
/// invitation is still pending (with a button for a new link), and a button that removes the
/// member or withdraws the invitation.
#[component]
pub fn MemberRow(
    /// The member.
    member: Member,
    /// Called with what the row's controls ask for.
    on_change: Callback<MemberChange>,
) -> impl IntoView {
    let status = match (member.pending, member.expired) {
        (true, true) => Some("Invitation expired"),
        (true, false) => Some("Invited"),
        (false, _) => None,
    };
    let remove_label = if member.pending { "Withdraw" } else { "Remove" };
    let address = member.email.clone();
    // A pending invitation's name is its address: shown once.
    let name = (member.name != member.email).then_some(member.name.clone());
    let (id, current) = (member.id.clone(), member.org_role.clone());
    let roles = ROLES
        .iter()
        .map(|(value, label)| {
            view! { <option value=*value selected=*value == current>{*label}</option> }
        })
        .collect_view();
    let role_id = id.clone();
    let new_link = member.pending.then(|| {
        let id = id.clone();
        view! {
            <button
                type="button"
                class="button button-secondary member-new-link"
                on:click=move |_| on_change.run(MemberChange::NewLink(id.clone()))
            >
                "New link"
            </button>
        }
    });
    view! {
        <li class="member-row" data-email=address>
            {name.map(|name| view! { <span class="member-name">{name}</span> })}
            <span class="member-email">{member.email}</span>
            <select
                class="member-role"
                aria-label=format!("Role of {}", member.name)
                on:change=move |ev| {
                    on_change.run(MemberChange::Role(role_id.clone(), event_target_value(&ev)))
                }
            >
                {roles}
            </select>
            {status.map(|status| view! { <span class="member-status badge">{status}</span> })}
            {new_link}
            <button
                type="button"
                class="button button-secondary member-remove"
                on:click=move |_| on_change.run(MemberChange::Remove(id.clone()))
            >
                {remove_label}
            </button>
        </li>
    }
}

/// The members route.
/// The link of an invitation just made (`member.invite_link`), shown once, and whether Cairn
/// is also emailing it.
#[component]
pub fn NewInvite(member: Member) -> impl IntoView {
    let address = member.email;
    let what = if member.invite_emailed == Some(true) {
        format!(
            "Cairn is emailing this link to {address}; you may also pass it on yourself. It is \
             shown only now, and works for 30 days."
        )
    } else {
        format!("Send this link to {address}. It is shown only now, and works for 30 days.")
    };
    member.invite_link.map(|link| {
        view! {
            <div class="new-invite" role="status">
                <p>{what}</p>
                <code id="invite-link">{link}</code>
            </div>
        }
    })
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let org = use_org_param();
    // Bumped after each change, so the list is fetched again (also after a refused one: a
    // role select must show the role the member still has).
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
    // Removals, roles and new links: the answer is the member when there is one.
    let change = Action::new_local(move |change: &MemberChange| {
        let change = change.clone();
        let org = org.get_untracked();
        async move {
            match change {
                MemberChange::Remove(id) => api::remove_member(&org, &id).await.map(|()| None),
                MemberChange::Role(id, role) => {
                    let request = UpdateMemberRequest {
                        org_role: Some(role),
                        ..UpdateMemberRequest::default()
                    };
                    api::update_member(&org, &id, &request).await.map(Some)
                }
                MemberChange::NewLink(id) => {
                    // Sentry's "resend invite": a new link, also emailed when the server can.
                    let request =
                        UpdateMemberRequest { reinvite: true, ..UpdateMemberRequest::default() };
                    api::update_member(&org, &id, &request).await.map(Some)
                }
            }
        }
    });
    // The invitation whose link to pass on: the last invitation, or the last new link.
    let invited = RwSignal::new(None::<Member>);
    Effect::new(move |_| {
        invite.value().with(|v| {
            if let Some(Ok(member)) = v {
                email.set(String::new());
                invited.set(Some(member.clone()));
                version.update(|v| *v += 1);
            }
        });
    });
    Effect::new(move |_| {
        change.value().with(|v| {
            if let Some(result) = v {
                if let Ok(Some(member @ Member { invite_link: Some(_), .. })) = result {
                    invited.set(Some(member.clone()));
                }
                version.update(|v| *v += 1);
            }
        });
    });
    let on_change = Callback::new(move |request: MemberChange| {
        change.dispatch(request);
    });

    let new_invite = move || invited.get().map(|member| view! { <NewInvite member/> });
    let errors = move || {
        let invite = invite.value().with(|v| v.as_ref().and_then(|v| v.as_ref().err().cloned()));
        let change = change.value().with(|v| v.as_ref().and_then(|v| v.as_ref().err().cloned()));
        invite.or(change).map(|error| view! { <ErrorState message=error.message()/> })
    };
    let role_options = ROLES
        .iter()
        .map(|(value, label)| view! { <option value=*value>{*label}</option> })
        .collect_view();

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Members"</h1>
                <a href=move || Page::Teams { org: org.get() }.path()>"Teams"</a>
                <a href=move || Page::AuditLog { org: org.get() }.path()>"Audit log"</a>
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
            {new_invite}
            {errors}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(list) => {
                            view! {
                                <ul id="member-list" class="member-rows">
                                    {list
                                        .into_iter()
                                        .map(|member| view! { <MemberRow member on_change/> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ApiError error/> }.into_any(),
                    }
                })}
            </Transition>
            <OrganizationSettings org/>
        </section>
    }
}

/// The organization's own settings (`#org-form`): its name, its slug (the page moves to the
/// new URL) and whether members must use two-factor authentication. Managers and owners may
/// change them; the server's refusal is shown to the others.
#[component]
fn OrganizationSettings(org: Memo<String>) -> impl IntoView {
    let navigate = use_navigate();
    let loaded = LocalResource::new(move || {
        let org = org.get();
        async move { api::organization(&org).await }
    });
    let name = RwSignal::new(String::new());
    let slug = RwSignal::new(String::new());
    let require_2fa = RwSignal::new(false);
    let allow_shared_issues = RwSignal::new(true);
    Effect::new(move |_| {
        if let Some(Ok(organization)) = loaded.get() {
            name.set(organization.name);
            slug.set(organization.slug);
            require_2fa.set(organization.require_2fa);
            allow_shared_issues.set(organization.allow_shared_issues);
        }
    });
    let save = Action::new_local(move |request: &UpdateOrganizationRequest| {
        let request = request.clone();
        let org = org.get_untracked();
        async move { api::update_organization(&org, &request).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            if saved.slug != org.get_untracked() {
                navigate(&Page::Members { org: saved.slug }.path(), NavigateOptions::default());
            }
        }
    });
    view! {
        <h2>"Organization"</h2>
        <form
            id="org-form"
            class="settings-form"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(UpdateOrganizationRequest {
                    name: Some(name.get()),
                    slug: Some(slug.get()),
                    require_2fa: Some(require_2fa.get()),
                    allow_shared_issues: Some(allow_shared_issues.get()),
                });
            }
        >
            <label class="field">
                <span class="label">"Name"</span>
                <input id="org-name" type="text" maxlength="64" bind:value=name/>
            </label>
            <label class="field">
                <span class="label">"Slug"</span>
                <input id="org-slug" type="text" maxlength="50" spellcheck="false" bind:value=slug/>
                <span class="hint">"The organization's URLs use it; DSNs do not change."</span>
            </label>
            <label class="checkbox">
                <input id="org-require-2fa" type="checkbox" bind:checked=require_2fa/>
                "Require two-factor authentication of every member"
            </label>
            <label class="checkbox">
                <input id="org-allow-shared-issues" type="checkbox" bind:checked=allow_shared_issues/>
                "Allow members to share issues by a public link (turned off, the links already \
                 given stop working)"
            </label>
            <button type="submit" class="button" disabled=move || save.pending().get()>
                "Save organization settings"
            </button>
            {move || {
                save.value()
                    .get()
                    .map(|answer| match answer {
                        Ok(_) => view! { <p class="settings-saved" role="status">"Saved."</p> }.into_any(),
                        Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                    })
            }}
        </form>
    }
}

/// What a team's row asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamChange {
    /// Put the member (id) in the team (slug).
    Join(String, String),
    /// Take the member (id) out of the team (slug).
    Leave(String, String),
    /// Give the team (slug) a new slug (the second), as Sentry's team settings do.
    Rename(String, String),
    /// Delete the team (slug); its projects stay, without a team.
    Delete(String),
}

/// One team (`.team-row`): its members, each with a button that takes them out, a select that
/// adds one of the organization's other members, a button that renames the team (its slug) and
/// one that deletes it once confirmed.
#[component]
pub fn TeamRow(
    /// The team.
    team: Team,
    /// The organization's members (invitations pending are left out: they join on accepting).
    members: Vec<Member>,
    /// Called when a member is added or removed, or the team deleted.
    on_change: Callback<TeamChange>,
) -> impl IntoView {
    let slug = team.slug.clone();
    let (inside, outside): (Vec<Member>, Vec<Member>) = members
        .into_iter()
        .filter(|member| !member.pending)
        .partition(|member| member.teams.contains(&team.slug));
    let inside = inside
        .into_iter()
        .map(|member| {
            let (id, team) = (member.id.clone(), slug.clone());
            let label = format!("Remove {} from #{team}", member.name);
            view! {
                <li class="team-member" data-email=member.email>
                    {member.name}
                    <button
                        type="button"
                        class="team-member-remove"
                        aria-label=label.clone()
                        title=label
                        on:click=move |_| on_change.run(TeamChange::Leave(id.clone(), team.clone()))
                    >
                        "×"
                    </button>
                </li>
            }
        })
        .collect_view();
    let candidates = outside
        .into_iter()
        .map(|member| view! { <option value=member.id>{member.name}</option> })
        .collect_view();
    let added = slug.clone();
    let key = slug.clone();
    let doomed = slug.clone();
    let on_delete = Callback::new(move |()| on_change.run(TeamChange::Delete(doomed.clone())));
    let renaming = RwSignal::new(false);
    let new_slug = RwSignal::new(slug.clone());
    let old_slug = slug.clone();
    let rename = move || {
        let old_slug = old_slug.clone();
        if renaming.get() {
            view! {
                <form
                    class="team-rename"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        renaming.set(false);
                        let renamed = new_slug.get().trim().to_owned();
                        if renamed != old_slug {
                            on_change.run(TeamChange::Rename(old_slug.clone(), renamed));
                        }
                    }
                >
                    <input
                        class="team-slug"
                        type="text"
                        aria-label="The team's new slug"
                        maxlength="50"
                        spellcheck="false"
                        bind:value=new_slug
                    />
                    <button type="submit" class="button team-rename-save">"Rename"</button>
                    <button
                        type="button"
                        class="button button-secondary team-rename-cancel"
                        on:click=move |_| renaming.set(false)
                    >
                        "Cancel"
                    </button>
                </form>
            }
            .into_any()
        } else {
            view! {
                <button
                    type="button"
                    class="button button-secondary team-rename-start"
                    on:click=move |_| renaming.set(true)
                >
                    "Rename"
                </button>
            }
            .into_any()
        }
    };
    view! {
        <li class="team-row" data-team=key>
            <h2 class="team-name">"#" {slug}</h2>
            <ul class="team-members">{inside}</ul>
            <select
                class="team-add"
                aria-label="Add a member"
                on:change=move |ev| {
                    let id = event_target_value(&ev);
                    if !id.is_empty() {
                        on_change.run(TeamChange::Join(id, added.clone()));
                    }
                }
            >
                <option value="" selected>"Add a member…"</option>
                {candidates}
            </select>
            {rename}
            <ConfirmDelete
                name="team"
                warning="Its projects stay, without a team."
                confirm="Delete team"
                on_confirm=on_delete
            />
        </li>
    }
}

/// The teams route.
#[component]
pub fn TeamsPage() -> impl IntoView {
    let org = use_org_param();
    // Bumped after each change, so teams and members are fetched again.
    let version = RwSignal::new(0u32);
    let teams = LocalResource::new(move || {
        version.track();
        let org = org.get();
        async move {
            let teams = api::teams(&org).await?;
            let members = api::members(&org).await?;
            Ok::<_, api::Error>((teams, members))
        }
    });
    let name = RwSignal::new(String::new());
    let create = Action::new_local(move |request: &TeamRequest| {
        let request = request.clone();
        let org = org.get_untracked();
        async move { api::create_team(&org, &request).await }
    });
    let membership = Action::new_local(move |change: &TeamChange| {
        let change = change.clone();
        let org = org.get_untracked();
        async move {
            match change {
                TeamChange::Join(member, team) => {
                    api::set_team_membership(&org, &member, &team, true).await
                }
                TeamChange::Leave(member, team) => {
                    api::set_team_membership(&org, &member, &team, false).await
                }
                TeamChange::Rename(team, slug) => {
                    let request = TeamRequest { slug: Some(slug), name: None };
                    api::update_team(&org, &team, &request).await.map(drop)
                }
                TeamChange::Delete(team) => api::delete_team(&org, &team).await,
            }
        }
    });
    Effect::new(move |_| {
        if create.value().with(|v| matches!(v, Some(Ok(_)))) {
            name.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if membership.value().with(|v| matches!(v, Some(Ok(())))) {
            version.update(|v| *v += 1);
        }
    });
    let on_change = Callback::new(move |change: TeamChange| {
        membership.dispatch(change);
    });
    let errors = move || {
        let create = create.value().with(|v| v.as_ref().and_then(|v| v.as_ref().err().cloned()));
        let membership =
            membership.value().with(|v| v.as_ref().and_then(|v| v.as_ref().err().cloned()));
        create.or(membership).map(|error| view! { <ErrorState message=error.message()/> })
    };

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Teams"</h1>
                <a href=move || Page::Members { org: org.get() }.path()>"Members"</a>
            </header>
            <form
                id="team-form"
                class="invite-form"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    create
                        .dispatch(TeamRequest {
                            name: Some(name.get().trim().to_owned()),
                            slug: None,
                        });
                }
            >
                <label class="field">
                    <span class="label">"New team"</span>
                    <input id="team-name" type="text" placeholder="Backend" bind:value=name/>
                </label>
                <button
                    type="submit"
                    class="button"
                    disabled=move || create.pending().get() || name.with(|n| n.trim().is_empty())
                >
                    "Create team"
                </button>
            </form>
            {errors}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match teams.await {
                        Ok((teams, members)) => {
                            view! {
                                <ul id="team-list" class="team-rows">
                                    {teams
                                        .into_iter()
                                        .map(|team| {
                                            let members = members.clone();
                                            view! { <TeamRow team members on_change/> }
                                        })
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
