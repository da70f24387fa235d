//! Members of an organization, invitations by link, and accepting them.
//!
//! An invitation is a member row without a user (as in Sentry). Whoever invites receives the
//! link (`inviteLink`) once, in the answer to the invitation, to pass on; when the server has
//! an SMTP server configured, Cairn also emails it to the invited address, as Sentry does
//! (`inviteEmailed`). The database keeps only a SHA-256 of the link's secret.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_types::api::{
    AcceptInviteRequest, InviteDetails, InviteMemberRequest, Member, TeamRole, UpdateMemberRequest,
};
use serde_json::json;

use super::account::{
    hash_password, start_session, validate_email, validate_password, with_cookie,
};
use super::audit_log::{self, Entry};
use super::{org_access, org_access_any, Created, OrgAccess};
use crate::auth::{self, Identity, MaybeIdentity};
use crate::config::Config;
use crate::endpoints::client_ip::RequestIp;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::mailer::Invitation;
use crate::state::AppState;
use crate::store::{Acceptor, MemberRow, NewInvite, NewUser, Store, StoreError};
use crate::util::{ms_to_datetime, now_ms};

/// How long an invitation link works (Sentry's default, 30 days).
pub const INVITE_LIFETIME_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Whether a pending invitation's link has expired at `now_ms`. An invitation without an
/// expiry (which Cairn never writes) counts as expired: links must not live forever.
pub fn invite_expired(expires: Option<i64>, now_ms: i64) -> bool {
    expires.is_none_or(|expires| expires <= now_ms)
}

/// A member in Sentry's shape; `invite_link` only for whoever just created the link.
pub fn serialize_member(row: &MemberRow, invite_link: Option<String>) -> Member {
    let pending = row.user.is_none();
    Member {
        id: row.id.to_string(),
        email: row.email.clone(),
        name: row.user.as_ref().map_or_else(|| row.email.clone(), |u| u.name.clone()),
        user: row.user.as_ref().map(crate::serialize::user),
        org_role: row.role.clone(),
        role: row.role.clone(),
        role_name: auth::role_name(&row.role).to_owned(),
        pending,
        expired: pending && invite_expired(row.invite_expires, now_ms()),
        date_created: ms_to_datetime(row.date_added),
        invite_status: "approved".into(),
        teams: row.teams.iter().map(|(slug, _)| slug.clone()).collect(),
        team_roles: row
            .teams
            .iter()
            .map(|(slug, role)| TeamRole { team_slug: slug.clone(), role: role.clone() })
            .collect(),
        invite_link,
        invite_emailed: None,
    }
}

/// The answer to whoever just made an invitation link: the member with the link, emailed to
/// the invited address when a mail server is configured.
fn with_new_link<S: Store>(
    state: &AppState<S>,
    access: &OrgAccess,
    inviter: &Identity,
    member: &MemberRow,
    token: &str,
) -> Member {
    let link = invite_link(&state.config, member.id, token);
    let emailed = state.mailer.as_ref().map(|mailer| {
        mailer.send_invitation(Invitation {
            email: member.email.clone(),
            organization: access.organization.name.clone(),
            inviter: inviter.user.name.clone(),
            role: auth::role_name(&member.role).to_owned(),
            link: link.clone(),
            expires_ms: member.invite_expires.unwrap_or_default(),
        });
    });
    Member { invite_emailed: Some(emailed.is_some()), ..serialize_member(member, Some(link)) }
}

/// The link an invitee opens: the dashboard's accept page, which calls
/// `/api/0/accept-invite/{member_id}/{token}/` (Sentry's `/accept/{member_id}/{token}/`).
fn invite_link(config: &Config, member_id: i64, token: &str) -> String {
    format!("{}/accept/{member_id}/{token}/", config.public_url)
}

/// Refuses unless the request has one of `scopes` in the organization.
pub(super) fn require_any(
    identity: &Identity,
    access: &OrgAccess,
    scopes: &[&str],
) -> ApiResult<()> {
    if scopes.iter().any(|scope| identity.has_scope(&access.role, scope)) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The member that `member_id` (a number, or `me`) names in the organization.
pub(super) async fn find_member<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    access: &OrgAccess,
    member_id: &str,
) -> ApiResult<MemberRow> {
    let org = access.organization.id;
    if member_id == "me" {
        return Ok(state.store.member_of_user(org, identity.user.id).await?);
    }
    let id: i64 = member_id.parse().map_err(|_| ApiError::NotFound)?;
    Ok(state.store.member(org, id).await?)
}

/// Whether the member is the caller.
pub(super) fn is_self(identity: &Identity, member: &MemberRow) -> bool {
    member.user.as_ref().is_some_and(|u| u.id == identity.user.id)
}

/// A known role, or 400.
fn valid_role(role: &str) -> ApiResult<String> {
    if auth::role_rank(role).is_some() {
        Ok(role.to_owned())
    } else {
        Err(ApiError::BadRequest(format!(
            "orgRole: {role:?} is not a valid role; use one of {}.",
            auth::ROLES.join(", ")
        )))
    }
}

/// 403 unless the caller's role is at least `role`: nobody grants more than they have, nor
/// changes or removes someone above them.
fn may_grant(access: &OrgAccess, role: &str) -> ApiResult<()> {
    if auth::can_grant(&access.role, role) {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied(format!(
            "You do not have permission to act on the {role} role."
        )))
    }
}

/// `GET /api/0/organizations/{org}/members/`: members and pending invitations.
pub async fn list_members<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
) -> ApiResult<AppJson<Vec<Member>>> {
    let access = org_access(&state, &identity, &org, "member:read").await?;
    let members = state.store.members(access.organization.id).await?;
    Ok(AppJson(members.iter().map(|m| serialize_member(m, None)).collect()))
}

/// `POST /api/0/organizations/{org}/members/`: invites an address; the answer carries the
/// invitation link.
pub async fn invite_member<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<InviteMemberRequest>,
) -> ApiResult<Created<Member>> {
    let access = org_access_any(&state, &identity, &org, &["member:write", "member:admin"]).await?;
    let email = validate_email(&request.email)?;
    let role = valid_role(request.org_role.or(request.role).as_deref().unwrap_or("member"))?;
    may_grant(&access, &role)?;
    let mut teams: Vec<(i64, Option<String>)> = Vec::new();
    let team_roles = request.team_roles.into_iter().map(|t| (t.team_slug, t.role));
    for (slug, team_role) in request.teams.into_iter().map(|slug| (slug, None)).chain(team_roles) {
        let team_role = match team_role.as_deref() {
            None | Some("contributor") => None,
            Some("admin") => Some("admin".to_owned()),
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "teamRoles: {other:?} is not a team role; use contributor or admin."
                )))
            }
        };
        let team = match state.store.team_by_slug(access.organization.id, &slug).await {
            Ok(team) => team,
            Err(StoreError::NotFound) => {
                return Err(ApiError::BadRequest(format!("teams: no team {slug:?}.")))
            }
            Err(err) => return Err(err.into()),
        };
        // A later entry (`teamRoles`) overrides an earlier one (`teams`) for the same team.
        teams.retain(|(id, _)| *id != team.id);
        teams.push((team.id, team_role));
    }
    let token = auth::random_hex(32);
    let invite = NewInvite {
        organization_id: access.organization.id,
        email: email.clone(),
        role,
        teams,
        token_hash: auth::sha256_hex(&token),
        expires: now_ms() + INVITE_LIFETIME_MS,
        inviter_id: identity.user.id,
    };
    let member = state.store.create_invite(&invite).await.map_err(|err| match err {
        StoreError::Conflict(_) => {
            ApiError::Conflict(format!("The user {email} is already a member or invited."))
        }
        other => other.into(),
    })?;
    let entry =
        Entry::new(access.organization.id, "member.invite", format!("invited member {email}"))
            .target(member.id)
            .target_user(member.user.as_ref().map(|user| user.id))
            .data(json!({"email": email, "role": member.role}));
    audit_log::record(&state, &identity, entry).await;
    Ok((StatusCode::CREATED, AppJson(with_new_link(&state, &access, &identity, &member, &token))))
}

/// `GET /api/0/organizations/{org}/members/{member_id}/` (`me` for oneself).
pub async fn get_member<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, member_id)): Path<(String, String)>,
) -> ApiResult<AppJson<Member>> {
    let access = org_access(&state, &identity, &org, "member:read").await?;
    let member = find_member(&state, &identity, &access, &member_id).await?;
    Ok(AppJson(serialize_member(&member, None)))
}

/// `PUT /api/0/organizations/{org}/members/{member_id}/`: changes the role (`orgRole`), or
/// gives a pending invitation a new link (`regenerate`).
pub async fn update_member<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, member_id)): Path<(String, String)>,
    AppJson(request): AppJson<UpdateMemberRequest>,
) -> ApiResult<AppJson<Member>> {
    let access = org_access_any(&state, &identity, &org, &["member:write", "member:admin"]).await?;
    let mut member = find_member(&state, &identity, &access, &member_id).await?;
    may_grant(&access, &member.role)?;
    if let Some(role) = request.org_role.or(request.role) {
        let role = valid_role(&role)?;
        may_grant(&access, &role)?;
        state.store.set_member_role(access.organization.id, member.id, &role).await?;
        let note = format!("changed the role of {} from {} to {role}", member.email, member.role);
        let entry = Entry::new(access.organization.id, "member.edit", note)
            .target(member.id)
            .target_user(member.user.as_ref().map(|user| user.id))
            .data(json!({"email": member.email, "role": role, "previousRole": member.role}));
        audit_log::record(&state, &identity, entry).await;
        member.role = role;
    }
    if request.regenerate || request.reinvite {
        if member.user.is_some() {
            let field = if request.regenerate { "regenerate" } else { "reinvite" };
            return Err(ApiError::BadRequest(format!(
                "{field}: this member has already accepted the invitation."
            )));
        }
        let token = auth::random_hex(32);
        let expires = now_ms() + INVITE_LIFETIME_MS;
        state.store.renew_invite(member.id, &auth::sha256_hex(&token), expires).await?;
        member.invite_expires = Some(expires);
        let note = format!("sent a new invitation link to {}", member.email);
        let entry = Entry::new(access.organization.id, "member.invite", note)
            .target(member.id)
            .data(json!({"email": member.email, "role": member.role, "renewed": true}));
        audit_log::record(&state, &identity, entry).await;
        return Ok(AppJson(with_new_link(&state, &access, &identity, &member, &token)));
    }
    Ok(AppJson(serialize_member(&member, None)))
}

/// `DELETE /api/0/organizations/{org}/members/{member_id}/`: removes a member or withdraws an
/// invitation. Anyone may leave; removing others needs `member:write` and a role at least
/// theirs. The only owner can do neither.
pub async fn delete_member<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, member_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    // Leaving needs any member scope; removing others, `member:write` or `member:admin`.
    let scopes = ["member:read", "member:write", "member:admin"];
    let access = org_access_any(&state, &identity, &org, &scopes).await?;
    let member = find_member(&state, &identity, &access, &member_id).await?;
    if !is_self(&identity, &member) {
        require_any(&identity, &access, &["member:write", "member:admin"])?;
        may_grant(&access, &member.role)?;
    }
    state.store.remove_member(access.organization.id, member.id).await?;
    let note = match (&member.user, is_self(&identity, &member)) {
        (_, true) => "left the organization".to_owned(),
        (Some(_), false) => format!("removed member {}", member.email),
        (None, false) => format!("withdrew the invitation of {}", member.email),
    };
    let entry = Entry::new(access.organization.id, "member.remove", note)
        .target(member.id)
        .target_user(member.user.as_ref().map(|user| user.id))
        .data(json!({"email": member.email, "role": member.role}));
    audit_log::record(&state, &identity, entry).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The pending invitation that `member_id` and `token` name, or why not.
async fn pending_invite<S: Store>(
    state: &AppState<S>,
    member_id: &str,
    token: &str,
) -> ApiResult<(MemberRow, crate::store::OrganizationRow)> {
    let id: i64 = member_id.parse().map_err(|_| ApiError::NotFound)?;
    let (member, org) = state.store.member_by_id(id).await?;
    // Comparing hashes, not secrets: timing can reveal at most a prefix of a SHA-256, which
    // does not help to find the secret.
    let hash_matches =
        member.invite_token_hash.as_deref() == Some(auth::sha256_hex(token).as_str());
    // A used link (the member has a user) and a wrong secret look the same: not found.
    if member.user.is_some() || !hash_matches {
        return Err(ApiError::NotFound);
    }
    if invite_expired(member.invite_expires, now_ms()) {
        return Err(ApiError::BadRequest("This invitation has expired; ask for a new one.".into()));
    }
    Ok((member, org))
}

/// `GET /api/0/accept-invite/{member_id}/{token}/`: whether the link is valid and what
/// accepting it needs.
pub async fn invite_details<S: Store>(
    State(state): State<AppState<S>>,
    MaybeIdentity(identity): MaybeIdentity,
    Path((member_id, token)): Path<(String, String)>,
) -> ApiResult<AppJson<InviteDetails>> {
    let (member, org) = pending_invite(&state, &member_id, &token).await?;
    let needs_account = match state.store.user_by_email(&member.email).await {
        Ok(_) => false,
        Err(StoreError::NotFound) => true,
        Err(err) => return Err(err.into()),
    };
    let existing_member = match &identity {
        Some(identity) => match state.store.member_role(org.id, identity.user.id).await {
            Ok(_) => true,
            Err(StoreError::NotFound) => false,
            Err(err) => return Err(err.into()),
        },
        None => false,
    };
    Ok(AppJson(InviteDetails {
        org_slug: org.slug,
        org_name: org.name,
        email: member.email,
        org_role: member.role,
        needs_authentication: identity.is_none(),
        needs_account,
        existing_member,
    }))
}

/// `POST /api/0/accept-invite/{member_id}/{token}/`: accepts the invitation, as the logged-in
/// user, or anonymously with `{name, password}`, which creates the invited address's account
/// and logs it in. Answers the new member.
pub async fn accept_invite<S: Store>(
    State(state): State<AppState<S>>,
    MaybeIdentity(identity): MaybeIdentity,
    RequestIp(ip): RequestIp,
    Path((member_id, token)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    // The body is optional: a logged-in user accepts with none.
    let request: AcceptInviteRequest = if body.iter().all(u8::is_ascii_whitespace) {
        AcceptInviteRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|err| ApiError::BadRequest(format!("Invalid JSON body: {err}")))?
    };
    let (member, org) = pending_invite(&state, &member_id, &token).await?;
    let acceptor = match &identity {
        Some(identity) => Acceptor::Existing(identity.user.id),
        None => {
            let Some(password) = request.password else {
                return Err(ApiError::Unauthenticated);
            };
            match state.store.user_by_email(&member.email).await {
                Ok(_) => {
                    return Err(ApiError::BadRequest(
                        "An account with this email address exists: log in, then accept.".into(),
                    ))
                }
                Err(StoreError::NotFound) => {}
                Err(err) => return Err(err.into()),
            }
            validate_password(&password)?;
            let name = request
                .name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| member.email.clone());
            if name.chars().count() > 200 {
                return Err(ApiError::BadRequest("name: at most 200 characters.".into()));
            }
            Acceptor::New(NewUser {
                email: member.email.clone(),
                name,
                password_hash: Some(hash_password(password).await?),
                is_superuser: false,
            })
        }
    };
    let user = state
        .store
        .accept_invite(member.id, &auth::sha256_hex(&token), &acceptor, now_ms())
        .await
        .map_err(|err| match err {
            StoreError::Conflict(_) => ApiError::Conflict(
                "You are already a member of this organization (or the account exists).".into(),
            ),
            other => other.into(),
        })?;
    let entry =
        Entry::new(org.id, "member.accept", format!("{} joined the organization", user.email))
            .target(member.id)
            .target_user(Some(user.id))
            .data(json!({"email": user.email, "role": member.role}));
    audit_log::record_by(&state, Some(user.id), ip, entry).await;
    let accepted = state.store.member(org.id, member.id).await?;
    let response = AppJson(serialize_member(&accepted, None)).into_response();
    if identity.is_some() {
        return Ok(response);
    }
    let cookie = start_session(&state, &user).await?;
    Ok(with_cookie(response, cookie))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitations_expire_at_their_deadline() {
        let now = 1_000_000;
        assert!(!invite_expired(Some(now + 1), now));
        assert!(invite_expired(Some(now), now));
        assert!(invite_expired(Some(now - INVITE_LIFETIME_MS), now));
        assert!(invite_expired(None, now));
    }

    #[test]
    fn links_point_at_the_public_url() {
        let config = Config {
            public_url: "https://errors.example.com/cairn".into(),
            dist_dir: "dist".into(),
            secure_cookies: true,
            trusted_proxies: Default::default(),
        };
        assert_eq!(
            invite_link(&config, 7, "abc"),
            "https://errors.example.com/cairn/accept/7/abc/"
        );
    }
}
