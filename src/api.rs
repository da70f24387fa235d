//! Typed client for Cairn's REST API (`/api/0/`), the only module that talks HTTP.
//!
//! Every call goes to the page's own origin, so the browser attaches the session cookie the server
//! set at login by itself: no token handling here. Answers are decoded into the wire types shared
//! with the server (`cairn_types::api`), and every failure becomes an [`Error`] that keeps the
//! status code, so pages can tell "log in again" (401) from "this went wrong" (anything else).

use std::fmt;

use cairn_types::api::{
    AcceptInviteRequest, Activity, ApiIndex, ApiToken, AuditLog, Deploy, ErrorBody, Event,
    EventsStats, InviteDetails, InviteMemberRequest, Issue, IssueDetails, IssueHash, IssueTag,
    LoginRequest, Member, NewApiToken, NewComment, Organization, Project, ProjectKey, RecentSearch,
    RecentSearchRequest, Release, SavedSearch, SavedSearchRequest, SessionsResponse, SetupRequest,
    SetupStatus, SimilarIssue, TagKey, TagValue, Team, TeamRequest, Trace, UpdateIssueRequest,
    UpdateMemberRequest, User, UserReport,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// Why an API call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The request never got an answer (server down, connection reset, CORS, ...).
    Network(String),
    /// The server answered with an error status; `body` is its `{"detail": ...}`.
    Http {
        /// The HTTP status code.
        status: u16,
        /// The decoded error body (or a generic one when the body was not Cairn's JSON).
        body: ErrorBody,
    },
    /// The server answered 2xx, but not with the JSON this client expects.
    Decode(String),
}

impl Error {
    /// Whether the session is missing or expired, so the user must log in (again).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Http { status: 401, .. })
    }

    /// A sentence for the user: the server's own `detail` when there is one.
    pub fn message(&self) -> String {
        match self {
            Error::Network(cause) => format!("Could not reach the Cairn server ({cause})."),
            Error::Http { body, .. } => body.detail.clone(),
            Error::Decode(cause) => format!("Unexpected answer from the Cairn server ({cause})."),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

/// Result of an API call.
pub type Result<T> = std::result::Result<T, Error>;

/// `GET /api/0/setup/`: whether the instance still needs its owner account.
pub async fn setup_status() -> Result<SetupStatus> {
    json(get("/api/0/setup/").build()).await
}

/// `POST /api/0/setup/`: create the owner account; the server logs it in.
pub async fn setup(request: &SetupRequest) -> Result<User> {
    forget_prefetched();
    json(post("/api/0/setup/").json(request)).await
}

/// `POST /api/0/auth/login/`: log in with email (as `username`) and password.
pub async fn login(request: &LoginRequest) -> Result<User> {
    forget_prefetched();
    json(post("/api/0/auth/login/").json(request)).await
}

/// `DELETE /api/0/auth/`: end the session.
pub async fn logout() -> Result<()> {
    forget_prefetched();
    send(Request::delete("/api/0/auth/").build()).await.map(drop)
}

/// `DELETE /api/0/auth/` with `{"all": true}`: end every session of the user, this one too.
pub async fn logout_everywhere() -> Result<()> {
    forget_prefetched();
    let request = cairn_types::api::LogoutRequest { all: true };
    send(Request::delete("/api/0/auth/").header("Accept", "application/json").json(&request))
        .await
        .map(drop)
}

/// `GET /api/0/users/me/`: the user's account.
pub async fn account() -> Result<cairn_types::api::Account> {
    json(get("/api/0/users/me/").build()).await
}

/// `PUT /api/0/users/me/`: rename the user.
pub async fn rename_account(name: String) -> Result<cairn_types::api::Account> {
    let request = cairn_types::api::UpdateAccountRequest { name: Some(name) };
    json(Request::put("/api/0/users/me/").header("Accept", "application/json").json(&request)).await
}

/// `PUT /api/0/users/me/password/`: change the password; the other sessions end.
pub async fn change_password(request: cairn_types::api::ChangePasswordRequest) -> Result<()> {
    let url = "/api/0/users/me/password/";
    send(Request::put(url).header("Accept", "application/json").json(&request)).await.map(drop)
}

/// `GET /api/0/users/me/authenticators/`: the user's two-factor interfaces.
pub async fn authenticators() -> Result<Vec<cairn_types::api::Authenticator>> {
    json(get("/api/0/users/me/authenticators/").build()).await
}

/// `GET /api/0/users/me/authenticators/totp/enroll/`: a new secret for an authenticator app.
pub async fn totp_enrollment() -> Result<cairn_types::api::TotpEnrollment> {
    json(get("/api/0/users/me/authenticators/totp/enroll/").build()).await
}

/// `POST /api/0/users/me/authenticators/totp/enroll/`: the app set up; its recovery codes.
pub async fn enroll_totp(
    request: cairn_types::api::EnrollTotpRequest,
) -> Result<cairn_types::api::RecoveryCodes> {
    json(post("/api/0/users/me/authenticators/totp/enroll/").json(&request)).await
}

/// `DELETE /api/0/users/me/authenticators/totp/`: two-factor authentication off.
pub async fn remove_totp(password: String) -> Result<()> {
    let request = cairn_types::api::RemoveAuthenticatorRequest { password };
    let url = "/api/0/users/me/authenticators/totp/";
    send(Request::delete(url).header("Accept", "application/json").json(&request)).await.map(drop)
}

/// `GET /api/0/`: who the session belongs to (`user` is `None` when anonymous).
pub async fn index() -> Result<ApiIndex> {
    json(get("/api/0/").build()).await
}

/// `GET /api/0/organizations/`: the organizations the user belongs to.
pub async fn organizations() -> Result<Vec<Organization>> {
    json(get("/api/0/organizations/").build()).await
}

/// `GET /api/0/organizations/{org}/`: one organization with its settings.
pub async fn organization(org: &str) -> Result<Organization> {
    json(get(&format!("/api/0/organizations/{}/", segment(org))).build()).await
}

/// `PUT /api/0/organizations/{org}/`: its name, slug or two-factor requirement.
pub async fn update_organization(
    org: &str,
    request: &cairn_types::api::UpdateOrganizationRequest,
) -> Result<Organization> {
    let url = format!("/api/0/organizations/{}/", segment(org));
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `GET /api/0/organizations/{org}/issues/`: issues matching a Sentry search `query` (e.g.
/// `is:unresolved`) seen within `stats_period` (e.g. `14d`), most recently seen first.
pub async fn issues(org: &str, query: &str, stats_period: &str) -> Result<Vec<Issue>> {
    let url = format!("/api/0/organizations/{}/issues/", segment(org));
    json(get(&url).query([("query", query), ("statsPeriod", stats_period)]).build()).await
}

/// `GET /api/0/organizations/{org}/releases/{version}/resolved/`: the issues resolved in a
/// release.
pub async fn resolved_in_release(org: &str, version: &str) -> Result<Vec<Issue>> {
    json(get(&format!("{}resolved/", release_url(org, version))).build()).await
}

/// One page of the issue stream, with what its headers say about the others.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuePage {
    /// The issues, in the view's order.
    pub issues: Vec<Issue>,
    /// How many issues match (`X-Hits`), counted up to `max_hits`.
    pub hits: Option<i64>,
    /// The most the server counts (`X-Max-Hits`): `hits` equal to it means "at least".
    pub max_hits: Option<i64>,
    /// Cursor of the previous page, if it has issues.
    pub previous: Option<String>,
    /// Cursor of the next page, if it has issues.
    pub next: Option<String>,
}

/// `GET /api/0/organizations/{org}/issues/` for a stream view: one page with its hit count and
/// the cursors of its neighbours.
pub async fn issue_page(org: &str, view: &crate::stream_query::StreamQuery) -> Result<IssuePage> {
    let url = format!("/api/0/organizations/{}/issues/", segment(org));
    let response = send(get(&url).query(view.api_pairs()).build()).await?;
    let header = |name: &str| response.headers().get(name);
    let number = |name: &str| header(name).and_then(|v| v.trim().parse::<i64>().ok());
    let (previous, next) =
        header("link").map(|link| crate::stream_query::link_cursors(&link)).unwrap_or_default();
    let (hits, max_hits) = (number("x-hits"), number("x-max-hits"));
    let issues = response.json::<Vec<Issue>>().await?;
    Ok(IssuePage { issues, hits, max_hits, previous, next })
}

/// `PUT /api/0/organizations/{org}/issues/?id=...`: the same change to several issues (or
/// `{"merge": true}`).
pub async fn bulk_update(org: &str, ids: &[String], request: &UpdateIssueRequest) -> Result<()> {
    let url = format!("/api/0/organizations/{}/issues/", segment(org));
    let ids: Vec<(&str, &str)> = ids.iter().map(|id| ("id", id.as_str())).collect();
    let request = Request::put(&url).header("Accept", "application/json").query(ids).json(request);
    send(request).await.map(drop)
}

/// `GET /api/0/organizations/{org}/members/`: members and pending invitations.
pub async fn members(org: &str) -> Result<Vec<Member>> {
    json(get(&format!("/api/0/organizations/{}/members/", segment(org))).build()).await
}

/// `POST /api/0/organizations/{org}/members/`: invites an address; the answer's `inviteLink`
/// is the one chance to read the link (Cairn keeps only a hash of it, and emails it only when
/// the server has a mail server: `inviteEmailed`).
pub async fn invite_member(org: &str, request: &InviteMemberRequest) -> Result<Member> {
    json(post(&format!("/api/0/organizations/{}/members/", segment(org))).json(request)).await
}

/// `PUT /api/0/organizations/{org}/members/{id}/`: another role, or (`regenerate`) a new
/// invitation link, which the answer's `inviteLink` holds.
pub async fn update_member(org: &str, id: &str, request: &UpdateMemberRequest) -> Result<Member> {
    let url = format!("/api/0/organizations/{}/members/{}/", segment(org), segment(id));
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `DELETE /api/0/organizations/{org}/members/{id}/`: removes a member or withdraws an
/// invitation.
pub async fn remove_member(org: &str, id: &str) -> Result<()> {
    let url = format!("/api/0/organizations/{}/members/{}/", segment(org), segment(id));
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `POST /api/0/organizations/{org}/teams/`: a new team.
pub async fn create_team(org: &str, request: &TeamRequest) -> Result<Team> {
    json(post(&format!("/api/0/organizations/{}/teams/", segment(org))).json(request)).await
}

/// `PUT /api/0/teams/{org}/{team}/`: a new slug or name; `409` when another team has the slug.
pub async fn update_team(org: &str, team: &str, request: &TeamRequest) -> Result<Team> {
    let url = format!("/api/0/teams/{}/{}/", segment(org), segment(team));
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `DELETE /api/0/teams/{org}/{team}/`: the team's projects stay, without a team.
pub async fn delete_team(org: &str, team: &str) -> Result<()> {
    let url = format!("/api/0/teams/{}/{}/", segment(org), segment(team));
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `POST` (join) or `DELETE` (leave) `/api/0/organizations/{org}/members/{id}/teams/{team}/`:
/// puts a member in a team or takes them out.
pub async fn set_team_membership(org: &str, member: &str, team: &str, join: bool) -> Result<()> {
    let url = format!(
        "/api/0/organizations/{}/members/{}/teams/{}/",
        segment(org),
        segment(member),
        segment(team)
    );
    let request = if join { Request::post(&url) } else { Request::delete(&url) };
    send(request.header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/accept-invite/{member}/{token}/`: whether an invitation link is valid, and what
/// accepting it needs.
pub async fn invite_details(member: &str, token: &str) -> Result<InviteDetails> {
    json(get(&format!("/api/0/accept-invite/{}/{}/", segment(member), segment(token))).build())
        .await
}

/// `GET /api/0/shared/issues/{share_id}/`: an issue shared by a public link (no session
/// needed).
pub async fn shared_issue(share_id: &str) -> Result<cairn_types::api::SharedIssue> {
    json(get(&format!("/api/0/shared/issues/{}/", segment(share_id))).build()).await
}

/// `POST /api/0/accept-invite/{member}/{token}/`: joins the organization, as the logged-in user
/// (an empty request) or with a new account's name and password, which the server logs in.
pub async fn accept_invite(
    member: &str,
    token: &str,
    request: &AcceptInviteRequest,
) -> Result<Member> {
    forget_prefetched();
    let url = format!("/api/0/accept-invite/{}/{}/", segment(member), segment(token));
    json(post(&url).json(request)).await
}

/// `GET /api/0/organizations/{org}/teams/`.
pub async fn teams(org: &str) -> Result<Vec<Team>> {
    json(get(&format!("/api/0/organizations/{}/teams/", segment(org))).build()).await
}

/// `GET /api/0/organizations/{org}/tags/`: the tag keys of the organization's issues.
pub async fn tag_keys(org: &str) -> Result<Vec<TagKey>> {
    json(get(&format!("/api/0/organizations/{}/tags/", segment(org))).build()).await
}

/// `GET /api/0/organizations/{org}/searches/`: the issue stream's saved searches, the ones
/// shared with the organization first, then the user's own, each by name.
pub async fn saved_searches(org: &str) -> Result<Vec<SavedSearch>> {
    json(get(&format!("/api/0/organizations/{}/searches/", segment(org))).build()).await
}

/// `GET /api/0/organizations/{org}/recent-searches/?limit=5`: the user's latest issue searches,
/// the most recently run first.
pub async fn recent_searches(org: &str) -> Result<Vec<RecentSearch>> {
    let url = format!("/api/0/organizations/{}/recent-searches/", segment(org));
    json(get(&url).query([("type", "0"), ("limit", "5")]).build()).await
}

/// `POST /api/0/organizations/{org}/recent-searches/`: records that the user ran an issue search.
pub async fn record_recent_search(org: &str, query: &str) -> Result<()> {
    let url = format!("/api/0/organizations/{}/recent-searches/", segment(org));
    let request = RecentSearchRequest { kind: 0, query: query.to_owned() };
    send(post(&url).json(&request)).await.map(drop)
}

/// `POST /api/0/organizations/{org}/searches/`: saves a search, the user's own unless
/// `visibility` is `organization` (managers and owners only: `403` for the others); `400` when
/// the user already has one with that query there.
pub async fn save_search(org: &str, request: &SavedSearchRequest) -> Result<SavedSearch> {
    json(post(&format!("/api/0/organizations/{}/searches/", segment(org))).json(request)).await
}

/// `DELETE /api/0/organizations/{org}/searches/{id}/`: one of the user's own searches, or (for
/// managers and owners) a shared one.
pub async fn delete_saved_search(org: &str, id: &str) -> Result<()> {
    let url = format!("/api/0/organizations/{}/searches/{}/", segment(org), segment(id));
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/organizations/{org}/tags/{key}/values/?query=`: values of a tag containing
/// `query`, most frequent first.
pub async fn tag_values(org: &str, key: &str, query: &str) -> Result<Vec<TagValue>> {
    let url = format!("/api/0/organizations/{}/tags/{}/values/", segment(org), segment(key));
    json(get(&url).query([("query", query), ("per_page", "50")]).build()).await
}

/// `GET /api/0/organizations/{org}/issues/{id}/`: one issue with its activity log.
pub async fn issue_details(org: &str, id: &str) -> Result<IssueDetails> {
    json(get(&issue_url(org, id)).build()).await
}

/// `GET /api/0/organizations/{org}/issues/{id}/events/{event}/`: `event` is `latest`, `oldest`
/// or an event id.
pub async fn issue_event(org: &str, id: &str, event: &str) -> Result<Event> {
    let url = format!("{}events/{}/", issue_url(org, id), segment(event));
    json(get(&url).build()).await
}

/// `DELETE /api/0/organizations/{org}/issues/{id}/`: the issue and its events, gone; a later
/// event opens it again.
pub async fn delete_issue(org: &str, id: &str) -> Result<()> {
    send(Request::delete(&issue_url(org, id)).header("Accept", "application/json").build())
        .await
        .map(drop)
}

/// `PUT /api/0/organizations/{org}/issues/?id={id}` with `{"discard": true}`: the issue
/// deleted, and its later events dropped.
pub async fn discard_issue(org: &str, id: &str) -> Result<()> {
    let url = format!("/api/0/organizations/{}/issues/?id={}", segment(org), segment(id));
    let request = UpdateIssueRequest { discard: Some(true), ..UpdateIssueRequest::default() };
    send(Request::put(&url).header("Accept", "application/json").json(&request)).await.map(drop)
}

/// `PUT /api/0/organizations/{org}/issues/{id}/`: change the status or the bookmark; answers
/// with the updated issue.
pub async fn update_issue(
    org: &str,
    id: &str,
    request: &UpdateIssueRequest,
) -> Result<IssueDetails> {
    let request =
        Request::put(&issue_url(org, id)).header("Accept", "application/json").json(request);
    json(request).await
}

/// `POST /api/0/issues/{id}/comments/`: a comment, answered as its activity entry (`note`).
pub async fn add_comment(id: &str, comment: &NewComment) -> Result<Activity> {
    json(post(&format!("/api/0/issues/{}/comments/", segment(id))).json(comment)).await
}

/// `PUT /api/0/issues/{id}/comments/{comment}/`: a comment's new text (its author only).
pub async fn update_comment(id: &str, comment: &str, text: &NewComment) -> Result<Activity> {
    let url = format!("/api/0/issues/{}/comments/{}/", segment(id), segment(comment));
    json(Request::put(&url).header("Accept", "application/json").json(text)).await
}

/// `DELETE /api/0/issues/{id}/comments/{comment}/` (its author only).
pub async fn delete_comment(id: &str, comment: &str) -> Result<()> {
    let url = format!("/api/0/issues/{}/comments/{}/", segment(id), segment(comment));
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/organizations/{org}/issues/{id}/tags/`: the issue's tags with their top values.
pub async fn issue_tags(org: &str, id: &str) -> Result<Vec<IssueTag>> {
    json(get(&format!("{}tags/", issue_url(org, id))).build()).await
}

/// `GET /api/0/organizations/{org}/issues/{id}/hashes/`: the issue's grouping hashes (the
/// fingerprints of Sentry's "Merged Issues" tab), each with its latest event if one is kept.
pub async fn issue_hashes(org: &str, id: &str) -> Result<Vec<IssueHash>> {
    json(get(&format!("{}hashes/", issue_url(org, id))).build()).await
}

/// `GET /api/0/organizations/{org}/issues/{id}/similar/`: the project's issues that look like
/// this one (Sentry's "Similar Issues" tab), each with its similarity scores, best first.
pub async fn similar_issues(org: &str, id: &str) -> Result<Vec<SimilarIssue>> {
    let url = format!("{}similar/", issue_url(org, id));
    json(get(&url).query([("limit", "50")]).build()).await
}

/// `PUT /api/0/organizations/{org}/issues/?id=...` with `{"merge": true}`: merges the issues
/// into one and answers its id. The server keeps the issue with the most events (Sentry's
/// rule), which need not be the first of `ids`.
pub async fn merge_issues(org: &str, ids: &[String]) -> Result<String> {
    /// The part of the bulk update's answer a merge adds: `{"merge": {"parent", "children"}}`.
    #[derive(serde::Deserialize)]
    struct Answer {
        merge: Merged,
    }
    #[derive(serde::Deserialize)]
    struct Merged {
        parent: String,
    }
    let url = format!("/api/0/organizations/{}/issues/", segment(org));
    let ids: Vec<(&str, &str)> = ids.iter().map(|id| ("id", id.as_str())).collect();
    let body = UpdateIssueRequest { merge: Some(true), ..UpdateIssueRequest::default() };
    let request = Request::put(&url).header("Accept", "application/json").query(ids).json(&body);
    let answer: Answer = json(request).await?;
    Ok(answer.merge.parent)
}

/// `DELETE /api/0/organizations/{org}/issues/{id}/hashes/?id=...`: unmerges, moving the
/// `hashes` and their events out into a new issue (`202`, no body). The server refuses all of
/// an issue's hashes (an issue keeps at least one) and hashes that are not the issue's.
pub async fn unmerge_hashes(org: &str, id: &str, hashes: &[String]) -> Result<()> {
    let url = format!("{}hashes/", issue_url(org, id));
    let ids: Vec<(&str, &str)> = hashes.iter().map(|hash| ("id", hash.as_str())).collect();
    let request = Request::delete(&url).header("Accept", "application/json").query(ids);
    send(request.build()).await.map(drop)
}

/// One page of a list and the cursors of its neighbours, from Sentry's `Link` header.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor of the page before, if it has results.
    pub previous: Option<String>,
    /// The cursor of the page after, if it has results.
    pub next: Option<String>,
}

/// `GET /api/0/organizations/{org}/issues/{id}/events/`: a page of the issue's events, newest
/// first, only those matching Sentry's search `query` (every event when it is blank), from
/// `cursor` (the first page when `None`). A query the server cannot parse is a 400 whose
/// `detail` says why.
pub async fn issue_events(
    org: &str,
    id: &str,
    query: &str,
    cursor: Option<&str>,
) -> Result<Paged<Event>> {
    let url = format!("{}events/", issue_url(org, id));
    paged_with(&url, &search_pairs(query, cursor)).await
}

/// The query pairs of a searched page: `query` (trimmed) only when it is not blank, since an
/// empty `query=` is not the same request as none to every server, then `cursor` when given.
pub fn search_pairs<'a>(query: &'a str, cursor: Option<&'a str>) -> Vec<(&'static str, &'a str)> {
    let query = Some(query.trim()).filter(|q| !q.is_empty());
    [("query", query), ("cursor", cursor)]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

/// `GET /api/0/organizations/{org}/issues/{id}/tags/{key}/values/`: a page of 100 of every
/// value of the issue's tag `key`, in `sort`'s order (`-count`, the most events first;
/// `-last_seen`; `-first_seen`), from `cursor` (the first page when `None`).
pub async fn issue_tag_values(
    org: &str,
    id: &str,
    key: &str,
    sort: &str,
    cursor: Option<&str>,
) -> Result<Paged<TagValue>> {
    let url = format!("{}tags/{}/values/", issue_url(org, id), segment(key));
    let pairs = [("sort", Some(sort)), ("per_page", Some("100")), ("cursor", cursor)];
    let pairs = pairs.into_iter().filter_map(|(name, value)| Some((name, value?)));
    let response = send(get(&url).query(pairs).build()).await?;
    let (previous, next) = answer_cursors(&response);
    let items = response.json().await?;
    Ok(Paged { items, previous, next })
}

/// A page of the list at `url`, from `cursor` (the first page when `None`), with its
/// neighbours' cursors.
async fn paged<T: serde::de::DeserializeOwned>(
    url: &str,
    cursor: Option<&str>,
) -> Result<Paged<T>> {
    let pairs: Vec<_> = cursor.map(|cursor| ("cursor", cursor)).into_iter().collect();
    paged_with(url, &pairs).await
}

/// A page of the list at `url` asked for with the query `pairs` (its cursor among them, if
/// any), with its neighbours' cursors.
async fn paged_with<T: serde::de::DeserializeOwned>(
    url: &str,
    pairs: &[(&str, &str)],
) -> Result<Paged<T>> {
    let response = send(get(url).query(pairs.iter().copied()).build()).await?;
    let (previous, next) = answer_cursors(&response);
    let items = response.json().await?;
    Ok(Paged { items, previous, next })
}

/// The previous and next cursors of an answer's `Link` header (none when it has no header).
fn answer_cursors(answer: &Answer) -> (Option<String>, Option<String>) {
    answer.headers().get("link").map(|l| parse_link(&l)).unwrap_or_default()
}

/// A page of the organization's audit log and the cursors of its neighbours: the answer is an
/// object (entries and filter options), not a list, so it cannot be a [`Paged`].
#[derive(Debug, Clone, PartialEq)]
pub struct PagedAuditLog {
    /// The entries, newest first, and the event names the filter accepts.
    pub log: AuditLog,
    /// The cursor of the page before, if it has results.
    pub previous: Option<String>,
    /// The cursor of the page after, if it has results.
    pub next: Option<String>,
}

/// `GET /api/0/organizations/{org}/audit-logs/`: a page of the audit log, newest first, only
/// the entries of `event` (e.g. `member.invite`) when given, from `cursor` (the first page when
/// `None`).
pub async fn audit_log(
    org: &str,
    event: Option<&str>,
    cursor: Option<&str>,
) -> Result<PagedAuditLog> {
    let url = format!("/api/0/organizations/{}/audit-logs/", segment(org));
    let pairs = [("event", event), ("cursor", cursor)];
    let pairs = pairs.into_iter().filter_map(|(name, value)| Some((name, value?)));
    let response = send(get(&url).query(pairs).build()).await?;
    let (previous, next) = answer_cursors(&response);
    let log = response.json().await?;
    Ok(PagedAuditLog { log, previous, next })
}

/// The `previous` and `next` cursors of Sentry's `Link` header, each only when its
/// `results="true"`: `<url>; rel="previous"; results="false"; cursor="0:0:1", <url>; ...`.
pub fn parse_link(header: &str) -> (Option<String>, Option<String>) {
    let (mut previous, mut next) = (None, None);
    for link in header.split(", <") {
        let attribute = |name: &str| {
            let start = link.find(&format!("{name}=\""))? + name.len() + 2;
            let end = link[start..].find('"')? + start;
            Some(link[start..end].to_owned())
        };
        if attribute("results").as_deref() != Some("true") {
            continue;
        }
        match attribute("rel").as_deref() {
            Some("previous") => previous = attribute("cursor"),
            Some("next") => next = attribute("cursor"),
            _ => {}
        }
    }
    (previous, next)
}

/// `GET /api/0/organizations/{org}/releases/?project={id}`: a project's releases, newest first.
pub async fn project_releases(org: &str, project_id: &str) -> Result<Vec<Release>> {
    let url = format!("/api/0/organizations/{}/releases/", segment(org));
    json(get(&url).query([("project", project_id)]).build()).await
}

fn issue_url(org: &str, id: &str) -> String {
    format!("/api/0/organizations/{}/issues/{}/", segment(org), segment(id))
}

/// `GET /api/0/organizations/{org}/issues/{id}/user-reports/`: the user feedback on the
/// issue's events, newest first.
pub async fn issue_user_reports(
    org: &str,
    id: &str,
    cursor: Option<&str>,
) -> Result<Paged<UserReport>> {
    paged(&format!("{}user-reports/", issue_url(org, id)), cursor).await
}

/// Which of an issue's attachments the Attachments tab lists (Sentry's filter of the tab).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttachmentFilter {
    /// Every attachment.
    #[default]
    All,
    /// Only screenshots (`screenshot.jpg`, `screenshot.png` and the like).
    Screenshots,
    /// Only minidumps (`event.minidump`).
    Minidumps,
}

impl AttachmentFilter {
    /// Every filter, in the order the menu offers them.
    pub const ALL: [AttachmentFilter; 3] =
        [AttachmentFilter::All, AttachmentFilter::Screenshots, AttachmentFilter::Minidumps];

    /// The filter's value in the menu (`all`, `screenshots`, `minidumps`).
    pub fn value(self) -> &'static str {
        match self {
            AttachmentFilter::All => "all",
            AttachmentFilter::Screenshots => "screenshots",
            AttachmentFilter::Minidumps => "minidumps",
        }
    }

    /// The filter's label in the menu.
    pub fn label(self) -> &'static str {
        match self {
            AttachmentFilter::All => "All",
            AttachmentFilter::Screenshots => "Screenshots",
            AttachmentFilter::Minidumps => "Minidumps",
        }
    }

    /// The filter of a menu value ([`AttachmentFilter::All`] for an unknown one).
    pub fn from_value(value: &str) -> AttachmentFilter {
        AttachmentFilter::ALL.into_iter().find(|f| f.value() == value).unwrap_or_default()
    }
}

/// The query pairs of a page of an issue's attachments: `screenshot=1` for screenshots,
/// `types=event.minidump` for minidumps, nothing more for all; then `cursor` when given.
pub fn attachment_pairs(
    filter: AttachmentFilter,
    cursor: Option<&str>,
) -> Vec<(&'static str, &str)> {
    let mut pairs = match filter {
        AttachmentFilter::All => Vec::new(),
        AttachmentFilter::Screenshots => vec![("screenshot", "1")],
        AttachmentFilter::Minidumps => vec![("types", "event.minidump")],
    };
    pairs.extend(cursor.map(|cursor| ("cursor", cursor)));
    pairs
}

/// `GET /api/0/organizations/{org}/issues/{id}/attachments/`: a page of the files sent with
/// any of the issue's events, newest first, only those `filter` keeps, from `cursor` (the
/// first page when `None`).
pub async fn issue_attachments(
    org: &str,
    id: &str,
    filter: AttachmentFilter,
    cursor: Option<&str>,
) -> Result<Paged<cairn_types::api::EventAttachment>> {
    let url = format!("{}attachments/", issue_url(org, id));
    paged_with(&url, &attachment_pairs(filter, cursor)).await
}

/// `GET /api/0/organizations/{org}/events-trace/{trace_id}/`: the errors of a distributed
/// trace across the organization's projects, oldest first.
pub async fn trace(org: &str, trace_id: &str) -> Result<Trace> {
    let url = format!("/api/0/organizations/{}/events-trace/{}/", segment(org), segment(trace_id));
    json(get(&url).build()).await
}

/// What [`discover_transactions`] asks.
#[derive(Debug, Clone, Copy)]
pub struct TransactionQuery<'a> {
    /// The columns (`transaction`, `p95()`, ...).
    pub fields: &'a [&'a str],
    /// Search terms, after `event.type:transaction`.
    pub query: &'a str,
    /// The period (`24h`).
    pub period: &'a str,
    /// A project id, or all.
    pub project: Option<i64>,
    /// An environment's name, or all when empty.
    pub environment: &'a str,
    /// A field, `-` first for descending.
    pub sort: &'a str,
    /// Rows on the page.
    pub per_page: u32,
}

/// `GET /api/0/organizations/{org}/events/` over transactions (Sentry's Discover).
pub async fn discover_transactions(
    org: &str,
    asked: TransactionQuery<'_>,
) -> Result<cairn_types::api::DiscoverTable> {
    use crate::stream_query::encode;
    let mut params: Vec<String> =
        asked.fields.iter().map(|f| format!("field={}", encode(f))).collect();
    let query = format!("event.type:transaction {}", asked.query);
    params.push(format!("query={}", encode(query.trim())));
    params.push(format!("statsPeriod={}", encode(asked.period)));
    if let Some(project) = asked.project {
        params.push(format!("project={project}"));
    }
    if !asked.environment.is_empty() {
        params.push(format!("environment={}", encode(asked.environment)));
    }
    params.push(format!("sort={}", encode(asked.sort)));
    params.push(format!("per_page={}", asked.per_page));
    let url = format!("/api/0/organizations/{}/events/?{}", segment(org), params.join("&"));
    json(get(&url).build()).await
}

/// [`trace`] with up to `limit` transactions and errors (the API's default is 100).
pub async fn trace_up_to(org: &str, trace_id: &str, limit: u32) -> Result<Trace> {
    let url = format!(
        "/api/0/organizations/{}/events-trace/{}/?limit={limit}",
        segment(org),
        segment(trace_id)
    );
    json(get(&url).build()).await
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/` for a transaction: its details,
/// spans included.
pub async fn transaction_event(
    org: &str,
    project: &str,
    event_id: &str,
) -> Result<cairn_types::api::TransactionEvent> {
    json(get(&project_url(org, project, &format!("events/{}/", segment(event_id)))).build()).await
}

/// `GET /api/0/projects/{org}/{project}/user-feedback/`: a project's user feedback, newest
/// first.
pub async fn project_user_reports(
    org: &str,
    project: &str,
    cursor: Option<&str>,
) -> Result<Paged<UserReport>> {
    paged(&project_url(org, project, "user-feedback/"), cursor).await
}

/// `GET /api/0/organizations/{org}/user-feedback/`: the user feedback of every project of the
/// organization, newest first.
pub async fn organization_user_reports(
    org: &str,
    cursor: Option<&str>,
) -> Result<Paged<UserReport>> {
    paged(&format!("/api/0/organizations/{}/user-feedback/", segment(org)), cursor).await
}

/// `GET /api/0/organizations/{org}/projects/`.
pub async fn projects(org: &str) -> Result<Vec<Project>> {
    json(get(&format!("/api/0/organizations/{}/projects/", segment(org))).build()).await
}

/// `GET /api/0/projects/{org}/{project}/keys/`: the project's client keys (DSNs).
pub async fn project_keys(org: &str, project: &str) -> Result<Vec<ProjectKey>> {
    let url = format!("/api/0/projects/{}/{}/keys/", segment(org), segment(project));
    json(get(&url).build()).await
}

/// `POST /api/0/projects/{org}/{project}/keys/`: a new client key (DSN).
pub async fn create_key(
    org: &str,
    project: &str,
    request: &cairn_types::api::CreateKeyRequest,
) -> Result<ProjectKey> {
    json(post(&project_url(org, project, "keys/")).json(request)).await
}

/// `PUT /api/0/projects/{org}/{project}/keys/{key}/`: enables, disables or renames a key, or
/// changes its rate limit.
pub async fn update_key(
    org: &str,
    project: &str,
    key: &str,
    request: &cairn_types::api::UpdateKeyRequest,
) -> Result<ProjectKey> {
    let url = project_url(org, project, &format!("keys/{}/", segment(key)));
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `POST` (give) or `DELETE` (take away) `/api/0/projects/{org}/{project}/teams/{team}/`: the
/// project's team; the project as it is then.
pub async fn set_project_team(org: &str, project: &str, team: &str, give: bool) -> Result<Project> {
    let url = project_url(org, project, &format!("teams/{}/", segment(team)));
    let request = if give { Request::post(&url) } else { Request::delete(&url) };
    json(request.header("Accept", "application/json").build()).await
}

/// `DELETE /api/0/projects/{org}/{project}/`: the project goes with its keys, issues, events
/// and release health (answered once it is done).
pub async fn delete_project(org: &str, project: &str) -> Result<()> {
    let url = project_url(org, project, "");
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `DELETE /api/0/projects/{org}/{project}/keys/{key}/`: the key stops working at once.
pub async fn delete_key(org: &str, project: &str, key: &str) -> Result<()> {
    let url = project_url(org, project, &format!("keys/{}/", segment(key)));
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/users/me/notification-options/`: the user's email options as set (a type without
/// one is `always`).
pub async fn notification_options() -> Result<Vec<cairn_types::api::NotificationOption>> {
    json(get("/api/0/users/me/notification-options/").build()).await
}

/// `PUT /api/0/users/me/notification-options/`: whether the emails of `kind` (`alerts` or
/// `workflow`) are sent to the user.
pub async fn set_notification_option(
    kind: &str,
    emailed: bool,
) -> Result<cairn_types::api::NotificationOption> {
    let request = cairn_types::api::UpdateNotificationOptionRequest {
        scope_type: "user".into(),
        scope_identifier: None,
        kind: kind.into(),
        value: if emailed { "always" } else { "never" }.into(),
    };
    let url = "/api/0/users/me/notification-options/";
    json(Request::put(url).header("Accept", "application/json").json(&request)).await
}

/// `GET /api/0/api-tokens/`: the user's API tokens.
pub async fn api_tokens() -> Result<Vec<ApiToken>> {
    json(get("/api/0/api-tokens/").build()).await
}

/// `POST /api/0/api-tokens/`: a new token; the answer holds its value, shown only this once.
pub async fn create_api_token(request: &NewApiToken) -> Result<ApiToken> {
    json(post("/api/0/api-tokens/").json(request)).await
}

/// `DELETE /api/0/api-tokens/{id}/`: revoke a token.
pub async fn delete_api_token(id: &str) -> Result<()> {
    let url = format!("/api/0/api-tokens/{}/", segment(id));
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/organizations/{org}/releases/?health=1&adoptionStages=1`: releases newest first with their
/// health over `summaryStatsPeriod` (and adoption over the last 24 hours), optionally of some
/// projects and environments, searched with `search` (Sentry's `release.stage:`), the first 100 in
/// the order of `sort` (Sentry's: `date`, `sessions`, `crash_free_users`, ...).
pub async fn releases(
    org: &str,
    period: &str,
    projects: &[String],
    environments: &[String],
    status: &str,
    search: Option<&str>,
    sort: &str,
) -> Result<Vec<Release>> {
    let url = format!("/api/0/organizations/{}/releases/", segment(org));
    let mut query = vec![
        ("health", "1"),
        ("adoptionStages", "1"),
        ("summaryStatsPeriod", period),
        ("per_page", "100"),
        ("status", status),
        ("sort", sort),
    ];
    query.extend(projects.iter().map(|p| ("project", p.as_str())));
    query.extend(environments.iter().map(|e| ("environment", e.as_str())));
    query.extend(search.map(|q| ("query", q)));
    json(get(&url).query(query).build()).await
}

/// `GET /api/0/organizations/{org}/releases/{version}/?health=1`: one release with its health
/// over `period`.
pub async fn release(org: &str, version: &str, period: &str) -> Result<Release> {
    let query = [("health", "1"), ("adoptionStages", "1"), ("summaryStatsPeriod", period)];
    json(get(&release_url(org, version)).query(query).build()).await
}

/// `GET /api/0/organizations/{org}/releases/{version}/deploys/`, newest first.
pub async fn deploys(org: &str, version: &str) -> Result<Vec<Deploy>> {
    json(get(&format!("{}deploys/", release_url(org, version))).build()).await
}

/// `PUT /api/0/organizations/{org}/releases/{version}/` with `{"status": ...}`: archives
/// (`archived`) or restores (`open`) a release.
pub async fn set_release_status(org: &str, version: &str, status: &str) -> Result<Release> {
    let request = cairn_types::api::UpdateReleaseRequest {
        status: Some(status.to_owned()),
        ..Default::default()
    };
    let url = release_url(org, version);
    json(Request::put(&url).header("Accept", "application/json").json(&request)).await
}

fn release_url(org: &str, version: &str) -> String {
    format!("/api/0/organizations/{}/releases/{}/", segment(org), segment(version))
}

/// `GET /api/0/organizations/{org}/sessions/` with Sentry's parameters as `(name, value)` pairs
/// (`field`, `groupBy`, `interval`, `statsPeriod` or `start`/`end`, `query`, ...).
pub async fn sessions(org: &str, params: &[(&str, String)]) -> Result<SessionsResponse> {
    let url = format!("/api/0/organizations/{}/sessions/", segment(org));
    json(get(&url).query(params.iter().map(|(k, v)| (*k, v.as_str()))).build()).await
}

/// `GET /api/0/organizations/{org}/events-stats/?yAxis=count()`: events of `version` per
/// `interval` (`1h`, `1d`) over `period`.
pub async fn release_events(
    org: &str,
    version: &str,
    period: &str,
    interval: &str,
) -> Result<EventsStats> {
    let url = format!("/api/0/organizations/{}/events-stats/", segment(org));
    let query = release_query("release", version);
    let params = [
        ("yAxis", "count()"),
        ("interval", interval),
        ("statsPeriod", period),
        ("query", query.as_str()),
    ];
    json(get(&url).query(params).build()).await
}

/// A Sentry search term `key:"value"`, quoting the value (versions may hold spaces or quotes).
pub fn release_query(key: &str, version: &str) -> String {
    let escaped = version.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{key}:\"{escaped}\"")
}

/// Percent-encodes one path segment. Slugs are URL-safe when the server makes them, but the values
/// come from the address bar, and a `/` or `?` there must not change which endpoint is called.
pub fn segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A request as gloo's builder returns it, not sent yet.
type Built = std::result::Result<Request, gloo_net::Error>;

fn get(url: &str) -> RequestBuilder {
    Request::get(url).header("Accept", "application/json")
}

fn post(url: &str) -> RequestBuilder {
    Request::post(url).header("Accept", "application/json")
}

/// Sends a request and decodes a successful answer as JSON.
async fn json<T: DeserializeOwned>(request: Built) -> Result<T> {
    send(request).await?.json().await
}

/// A 2xx answer: the response, and its body when index.html's script has read it already.
struct Answer {
    response: Response,
    body: Option<String>,
}

impl Answer {
    fn headers(&self) -> gloo_net::http::Headers {
        self.response.headers()
    }

    /// The body decoded as JSON.
    async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let decoded = match self.body {
            Some(text) => serde_json::from_str(&text).map_err(|err| err.to_string()),
            None => self.response.json::<T>().await.map_err(|err| err.to_string()),
        };
        decoded.map_err(Error::Decode)
    }
}

/// Sends a request; any non-2xx answer becomes [`Error::Http`].
///
/// Takes the builder's `Result` so that the (practically impossible) failure to build a request,
/// e.g. to serialize our own request body, is reported like a network error instead of panicking.
async fn send(request: Built) -> Result<Answer> {
    let request = request.map_err(|err| Error::Network(err.to_string()))?;
    if let Some(answer) = prefetched(&request).await {
        return Ok(answer);
    }
    let response = request.send().await.map_err(|err| Error::Network(err.to_string()))?;
    if response.ok() {
        return Ok(Answer { response, body: None });
    }
    let status = response.status();
    // Errors are `{"detail": ...}` from Cairn, but a proxy in between may answer with HTML.
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| {
        ErrorBody::new(format!("The server answered {status} {}.", response.status_text()))
    });
    Err(Error::Http { status, body })
}

// --- prefetch hand-off (index.html) --------------------------------------------------------

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `window.cairnPrefetch.take(url)` of index.html's inline script: the promise of the answer
    /// to a GET of `url` it started while the wasm was still downloading, as `{response, text}`
    /// (resolving to `null` when that request failed or was not 2xx), or `undefined` when it
    /// started none. Each answer is handed out once. Throws when there is no such script (the
    /// component tests).
    #[wasm_bindgen(catch, js_namespace = ["window", "cairnPrefetch"], js_name = take)]
    fn take_prefetch(
        url: &str,
    ) -> std::result::Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;

    /// `window.cairnPrefetch.clear()`: drops the answers nobody took.
    #[wasm_bindgen(catch, js_namespace = ["window", "cairnPrefetch"], js_name = clear)]
    fn clear_prefetch() -> std::result::Result<(), wasm_bindgen::JsValue>;
}

/// The answer index.html's script already asked for, when `request` is a GET of the very URL it
/// asked (same path and query string, byte for byte): the first page's requests then start
/// while the wasm downloads instead of after the app started. `None` (ask the server) when it
/// asked nothing for that URL, already handed its answer out, or got no 2xx answer.
///
/// The script hands over `{response, text}`: the response (status and headers) and its body,
/// already read. When both are in, awaiting them takes no turn of the event loop, so the first
/// page is decoded and drawn in the same task that started the app.
async fn prefetched(request: &Request) -> Option<Answer> {
    if request.method() != gloo_net::http::Method::GET {
        return None;
    }
    let pending = take_prefetch(&request.url()).ok()?;
    if pending.is_undefined() || pending.is_null() {
        return None;
    }
    let promise = js_sys::Promise::resolve(&pending);
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let field = |name: &str| js_sys::Reflect::get(&answer, &name.into()).ok();
    let response = wasm_bindgen::JsCast::dyn_into::<web_sys::Response>(field("response")?).ok()?;
    let body = field("text")?.as_string()?;
    Some(Answer { response: Response::from(response), body: Some(body) })
}

/// Forgets what index.html's script prefetched: called when the session changes (log in, log
/// out, set-up), so no answer made for the previous session is ever read for the next one.
fn forget_prefetched() {
    // No script (component tests): nothing to forget.
    let _ = clear_prefetch();
}

// --- ownership (issue 8) -------------------------------------------------------------------

fn project_url(org: &str, project: &str, rest: &str) -> String {
    format!("/api/0/projects/{}/{}/{rest}", segment(org), segment(project))
}

/// `GET /api/0/projects/{org}/{project}/ownership/`.
pub async fn ownership(org: &str, project: &str) -> Result<cairn_types::api::ProjectOwnership> {
    json(get(&project_url(org, project, "ownership/")).build()).await
}

/// `PUT /api/0/projects/{org}/{project}/ownership/`; a refusal's `detail` names the line.
pub async fn update_ownership(
    org: &str,
    project: &str,
    request: &cairn_types::api::UpdateOwnershipRequest,
) -> Result<cairn_types::api::ProjectOwnership> {
    let url = project_url(org, project, "ownership/");
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `POST /api/0/projects/{org}/{project}/codeowners/`: imports a CODEOWNERS file.
pub async fn import_codeowners(
    org: &str,
    project: &str,
    request: &cairn_types::api::CreateCodeownersRequest,
) -> Result<cairn_types::api::ProjectCodeowners> {
    json(post(&project_url(org, project, "codeowners/")).json(request)).await
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/owners/`: who owns an event, and why.
pub async fn event_owners(
    org: &str,
    project: &str,
    event_id: &str,
) -> Result<cairn_types::api::EventOwners> {
    let rest = format!("events/{}/owners/", segment(event_id));
    json(get(&project_url(org, project, &rest)).build()).await
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/attachments/`.
pub async fn event_attachments(
    org: &str,
    project: &str,
    event_id: &str,
) -> Result<Vec<cairn_types::api::EventAttachment>> {
    json(get(&attachments_url(org, project, event_id)).build()).await
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/grouping-info/`: why the event
/// grouped as it did, its variants in the order the dashboard shows them: those that
/// contribute first; a fingerprint, then `app`, `system` and the others.
pub async fn grouping_info(
    org: &str,
    project: &str,
    event_id: &str,
) -> Result<Vec<cairn_types::api::GroupingVariant>> {
    let url = format!(
        "/api/0/projects/{}/{}/events/{}/grouping-info/",
        segment(org),
        segment(project),
        segment(event_id)
    );
    let by_key: std::collections::BTreeMap<String, cairn_types::api::GroupingVariant> =
        json(get(&url).build()).await?;
    let rank = |key: &str| match key {
        "custom-fingerprint" | "built-in-fingerprint" | "checksum" | "hashed-checksum" => 0,
        "app" => 1,
        "system" => 2,
        _ => 3,
    };
    let mut variants: Vec<_> = by_key.into_values().collect();
    variants.sort_by_key(|v| (!v.contributes, rank(&v.key)));
    Ok(variants)
}

/// An event's attachments URL; `{url}{id}/?download` downloads one.
pub fn attachments_url(org: &str, project: &str, event_id: &str) -> String {
    format!(
        "/api/0/projects/{}/{}/events/{}/attachments/",
        segment(org),
        segment(project),
        segment(event_id)
    )
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/committers/`: the event's suspect
/// commits by author.
pub async fn event_committers(
    org: &str,
    project: &str,
    event_id: &str,
) -> Result<cairn_types::api::EventCommitters> {
    let url = format!(
        "/api/0/projects/{}/{}/events/{}/committers/",
        segment(org),
        segment(project),
        segment(event_id)
    );
    json(get(&url).build()).await
}

/// `GET /api/0/users/me/notifications/`: the newest notifications (one page).
pub async fn notifications() -> Result<Vec<cairn_types::api::Notification>> {
    json(get("/api/0/users/me/notifications/?per_page=100").build()).await
}

/// `GET /api/0/users/me/notifications/unread/`.
pub async fn unread_notifications() -> Result<cairn_types::api::UnreadCount> {
    json(get("/api/0/users/me/notifications/unread/").build()).await
}

/// `PUT /api/0/users/me/notifications/` with `{"all": true}`: everything read.
pub async fn mark_all_notifications_read() -> Result<cairn_types::api::UnreadCount> {
    let request =
        cairn_types::api::MarkNotificationsRequest { all: Some(true), ..Default::default() };
    json(
        Request::put("/api/0/users/me/notifications/")
            .header("Accept", "application/json")
            .json(&request),
    )
    .await
}

// --- onboarding: projects, the test event, the first issue ---------------------------------

/// `POST /api/0/teams/{org}/{team}/projects/`: a new project owned by `team`, with its first
/// client key.
pub async fn create_project(
    org: &str,
    team: &str,
    request: &cairn_types::api::CreateProjectRequest,
) -> Result<Project> {
    let url = format!("/api/0/teams/{}/{}/projects/", segment(org), segment(team));
    json(post(&url).json(request)).await
}

/// `GET /api/0/projects/{org}/{project}/`: one project (with its settings).
pub async fn project(org: &str, project: &str) -> Result<cairn_types::api::ProjectDetails> {
    json(get(&project_url(org, project, "")).build()).await
}

/// `PUT /api/0/projects/{org}/{project}/`: changes the settings `request` names; the answer
/// is the settings as kept. A refusal's `detail` names the field (and a rule's line).
pub async fn update_project(
    org: &str,
    project: &str,
    request: &cairn_types::api::UpdateProjectRequest,
) -> Result<cairn_types::api::ProjectDetails> {
    let url = project_url(org, project, "");
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `GET /api/0/organizations/{org}/issues/?project={id}&query=`: the project's most recently
/// seen issue whatever its status or age, if it has any (one is enough to know events arrive).
pub async fn latest_project_issue(org: &str, project_id: &str) -> Result<Option<Issue>> {
    let url = format!("/api/0/organizations/{}/issues/", segment(org));
    let query = [("project", project_id), ("query", ""), ("limit", "1")];
    let issues: Vec<Issue> = json(get(&url).query(query).build()).await?;
    Ok(issues.into_iter().next())
}

/// `POST /api/{project_id}/store/?sentry_key=...`: sends `event` as an SDK would, authenticated
/// by the public key in the query string (as browser SDKs do). The page's own origin is one the
/// ingest endpoint accepts, so no CORS preflight is involved. Answers the stored event's id.
pub async fn send_event(
    project_id: &str,
    public_key: &str,
    event: &serde_json::Value,
) -> Result<String> {
    let url = format!("/api/{}/store/", segment(project_id));
    let query = [
        ("sentry_version", "7"),
        ("sentry_key", public_key),
        ("sentry_client", concat!("cairn-dashboard/", env!("CARGO_PKG_VERSION"))),
    ];
    let answer: serde_json::Value = json(post(&url).query(query).json(event)).await?;
    Ok(answer.get("id").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned())
}

/// `GET /api/0/projects/{org}/{project}/files/artifact-bundles/`: the project's source map
/// bundles, newest first.
pub async fn artifact_bundles(
    org: &str,
    project: &str,
) -> Result<Vec<cairn_types::api::ArtifactBundle>> {
    json(get(&project_url(org, project, "files/artifact-bundles/")).build()).await
}

/// `DELETE /api/0/projects/{org}/{project}/files/artifact-bundles/?bundleId=`: new events are no
/// longer mapped with it.
pub async fn delete_artifact_bundle(org: &str, project: &str, bundle_id: &str) -> Result<()> {
    let url = format!(
        "{}?bundleId={}",
        project_url(org, project, "files/artifact-bundles/"),
        segment(bundle_id)
    );
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

// --- service hooks (Sentry's) --------------------------------------------------------------

fn hook_url(org: &str, project: &str, id: &str) -> String {
    project_url(org, project, &format!("hooks/{}/", segment(id)))
}

/// `GET /api/0/projects/{org}/{project}/hooks/`: the project's service hooks (their secrets
/// only for callers who may change them).
pub async fn service_hooks(org: &str, project: &str) -> Result<Vec<cairn_types::api::ServiceHook>> {
    json(get(&project_url(org, project, "hooks/")).build()).await
}

/// `POST /api/0/projects/{org}/{project}/hooks/`: a new hook, with its secret; a refusal's
/// `detail` names the field (`url: ...`, `events: ...`).
pub async fn create_service_hook(
    org: &str,
    project: &str,
    request: &cairn_types::api::ServiceHookRequest,
) -> Result<cairn_types::api::ServiceHook> {
    json(post(&project_url(org, project, "hooks/")).json(request)).await
}

/// `PUT /api/0/projects/{org}/{project}/hooks/{id}/`: changes a hook's URL or events, or
/// enables or disables it.
pub async fn update_service_hook(
    org: &str,
    project: &str,
    id: &str,
    request: &cairn_types::api::ServiceHookRequest,
) -> Result<cairn_types::api::ServiceHook> {
    let url = hook_url(org, project, id);
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `DELETE /api/0/projects/{org}/{project}/hooks/{id}/`: no more deliveries to it.
pub async fn delete_service_hook(org: &str, project: &str, id: &str) -> Result<()> {
    let url = hook_url(org, project, id);
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/projects/{org}/{project}/hooks/{id}/deliveries/` (Cairn's own): the hook's
/// latest deliveries, newest first; `403` for callers who may not change the hook.
pub async fn hook_deliveries(
    org: &str,
    project: &str,
    id: &str,
) -> Result<Vec<cairn_types::api::HookDelivery>> {
    json(get(&format!("{}deliveries/", hook_url(org, project, id))).build()).await
}

// --- discarded issues (Sentry's tombstones) ------------------------------------------------

/// `GET /api/0/projects/{org}/{project}/tombstones/`: a page (up to 100) of the project's
/// discarded issues, newest first, from `cursor` (the first page when `None`).
pub async fn tombstones(
    org: &str,
    project: &str,
    cursor: Option<&str>,
) -> Result<Paged<cairn_types::api::Tombstone>> {
    paged(&project_url(org, project, "tombstones/"), cursor).await
}

/// `DELETE /api/0/projects/{org}/{project}/tombstones/{id}/`: undiscards the issue, so that
/// new events with its fingerprints open an issue again; `403` without `project:admin`.
pub async fn undiscard(org: &str, project: &str, id: &str) -> Result<()> {
    let url = project_url(org, project, &format!("tombstones/{}/", segment(id)));
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/projects/{org}/{project}/filters/`: the project's inbound filter switches.
pub async fn project_filters(
    org: &str,
    project: &str,
) -> Result<Vec<cairn_types::api::ProjectFilter>> {
    json(get(&project_url(org, project, "filters/")).build()).await
}

/// `PUT /api/0/projects/{org}/{project}/filters/{id}/`: turns a filter on or off, or sets the
/// legacy-browser subfilters.
pub async fn update_project_filter(
    org: &str,
    project: &str,
    id: &str,
    request: &cairn_types::api::UpdateFilterRequest,
) -> Result<()> {
    let url = project_url(org, project, &format!("filters/{}/", segment(id)));
    send(Request::put(&url).header("Accept", "application/json").json(request)).await.map(drop)
}

/// `GET /api/0/organizations/{org}/stats_v2/`: the data of `category` (`error`,
/// `transaction`, ...) the organization (or the project `project`, when not empty) sent over
/// `period`, by outcome and reason.
pub async fn usage_stats(
    org: &str,
    category: &str,
    period: &str,
    project: &str,
) -> Result<cairn_types::api::UsageStats> {
    let mut url = format!(
        "/api/0/organizations/{}/stats_v2/?field=sum(quantity)&groupBy=outcome&groupBy=reason\
         &category={}&statsPeriod={}",
        segment(org),
        segment(category),
        segment(period)
    );
    if !project.is_empty() {
        url.push_str(&format!("&project={}", segment(project)));
    }
    json(get(&url).build()).await
}

/// `GET /api/0/organizations/{org}/stats_v2/?groupBy=project&category=error&outcome=accepted`:
/// the errors each project had stored, per `interval` (`1h`, `1d`) over `period` (`24h`,
/// `14d`): the projects page's charts and counts.
pub async fn project_error_stats(
    org: &str,
    period: &str,
    interval: &str,
) -> Result<cairn_types::api::UsageStats> {
    let url = format!("/api/0/organizations/{}/stats_v2/", segment(org));
    let query = [
        ("field", "sum(quantity)"),
        ("groupBy", "project"),
        ("category", "error"),
        ("outcome", "accepted"),
        ("statsPeriod", period),
        ("interval", interval),
    ];
    json(get(&url).query(query).build()).await
}

// --- cron monitors (Sentry's Crons) --------------------------------------------------------

/// `GET /api/0/organizations/{org}/monitors/`: the organization's cron monitors, or those of
/// the project whose numeric id is `project`; failing ones first, then by name.
pub async fn monitors(org: &str, project: Option<&str>) -> Result<Vec<cairn_types::api::Monitor>> {
    let url = format!("/api/0/organizations/{}/monitors/", segment(org));
    let request = match project {
        Some(project) => get(&url).query([("project", project)]),
        None => get(&url),
    };
    json(request.build()).await
}

fn monitor_url(org: &str, project: &str, slug: &str) -> String {
    project_url(org, project, &format!("monitors/{}/", segment(slug)))
}

/// `GET /api/0/projects/{org}/{project}/monitors/{slug}/`: one monitor.
pub async fn monitor(org: &str, project: &str, slug: &str) -> Result<cairn_types::api::Monitor> {
    json(get(&monitor_url(org, project, slug)).build()).await
}

/// `PUT /api/0/projects/{org}/{project}/monitors/{slug}/`: mutes or unmutes the monitor,
/// disables or enables it (`status`), or changes its name or schedule; the monitor as it is
/// then.
pub async fn update_monitor(
    org: &str,
    project: &str,
    slug: &str,
    request: &cairn_types::api::MonitorRequest,
) -> Result<cairn_types::api::Monitor> {
    let url = monitor_url(org, project, slug);
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `DELETE /api/0/projects/{org}/{project}/monitors/{slug}/`: the monitor goes with its
/// check-ins.
pub async fn delete_monitor(org: &str, project: &str, slug: &str) -> Result<()> {
    let url = monitor_url(org, project, slug);
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/projects/{org}/{project}/monitors/{slug}/checkins/`: the monitor's latest
/// check-ins (at most 100), newest first.
pub async fn monitor_check_ins(
    org: &str,
    project: &str,
    slug: &str,
) -> Result<Vec<cairn_types::api::MonitorCheckIn>> {
    let url = format!("{}checkins/", monitor_url(org, project, slug));
    json(get(&url).build()).await
}

// --- issue alert rules (Sentry's) ----------------------------------------------------------

fn rule_url(org: &str, project: &str, id: &str) -> String {
    project_url(org, project, &format!("rules/{}/", segment(id)))
}

/// `GET /api/0/projects/{org}/{project}/rules/`: the project's issue alert rules, oldest first.
pub async fn alert_rules(org: &str, project: &str) -> Result<Vec<cairn_types::api::AlertRule>> {
    json(get(&project_url(org, project, "rules/")).build()).await
}

/// `POST /api/0/projects/{org}/{project}/rules/`: a new rule; a refusal's `detail` names what
/// is wrong with it.
pub async fn create_alert_rule(
    org: &str,
    project: &str,
    request: &cairn_types::api::AlertRuleRequest,
) -> Result<cairn_types::api::AlertRule> {
    json(post(&project_url(org, project, "rules/")).json(request)).await
}

/// `PUT /api/0/projects/{org}/{project}/rules/{id}/`: the rule replaced by `request` (a whole
/// rule, as Sentry's update takes it).
pub async fn update_alert_rule(
    org: &str,
    project: &str,
    id: &str,
    request: &cairn_types::api::AlertRuleRequest,
) -> Result<cairn_types::api::AlertRule> {
    let url = rule_url(org, project, id);
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `DELETE /api/0/projects/{org}/{project}/rules/{id}/`.
pub async fn delete_alert_rule(org: &str, project: &str, id: &str) -> Result<()> {
    let url = rule_url(org, project, id);
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

// --- metric alert rules and their incidents (Sentry's) -------------------------------------

fn metric_alert_url(org: &str, rest: &str) -> String {
    format!("/api/0/organizations/{}/{rest}", segment(org))
}

fn metric_alert_rule_url(org: &str, id: &str) -> String {
    metric_alert_url(org, &format!("alert-rules/{}/", segment(id)))
}

/// `GET /api/0/organizations/{org}/alert-rules/?project={slug}`: the organization's metric
/// alert rules, only those measuring the project `project` (a slug) when given, oldest first.
pub async fn metric_alert_rules(
    org: &str,
    project: Option<&str>,
) -> Result<Vec<cairn_types::api::MetricAlertRule>> {
    let url = metric_alert_url(org, "alert-rules/");
    let request = match project {
        Some(project) => get(&url).query([("project", project)]),
        None => get(&url),
    };
    json(request.build()).await
}

/// `GET /api/0/organizations/{org}/alert-rules/{id}/`: one metric alert rule.
pub async fn metric_alert_rule(org: &str, id: &str) -> Result<cairn_types::api::MetricAlertRule> {
    json(get(&metric_alert_rule_url(org, id)).build()).await
}

/// `POST /api/0/organizations/{org}/alert-rules/`: a new metric alert rule; a refusal (`400`)
/// has a `detail` naming what is wrong with it.
pub async fn create_metric_alert_rule(
    org: &str,
    request: &cairn_types::api::MetricAlertRuleRequest,
) -> Result<cairn_types::api::MetricAlertRule> {
    json(post(&metric_alert_url(org, "alert-rules/")).json(request)).await
}

/// `PUT /api/0/organizations/{org}/alert-rules/{id}/`: the rule replaced by `request` (a whole
/// rule, as Sentry's update takes it).
pub async fn update_metric_alert_rule(
    org: &str,
    id: &str,
    request: &cairn_types::api::MetricAlertRuleRequest,
) -> Result<cairn_types::api::MetricAlertRule> {
    let url = metric_alert_rule_url(org, id);
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

/// `DELETE /api/0/organizations/{org}/alert-rules/{id}/`: the rule goes with its incidents.
pub async fn delete_metric_alert_rule(org: &str, id: &str) -> Result<()> {
    let url = metric_alert_rule_url(org, id);
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/organizations/{org}/incidents/?alertRule={id}`: a page of the incidents of the
/// metric alert rule `rule`, newest first, from `cursor` (the first page when `None`).
pub async fn incidents(
    org: &str,
    rule: &str,
    cursor: Option<&str>,
) -> Result<Paged<cairn_types::api::Incident>> {
    let url = metric_alert_url(org, "incidents/");
    let pairs = [("alertRule", Some(rule)), ("cursor", cursor)];
    let pairs = pairs.into_iter().filter_map(|(name, value)| Some((name, value?)));
    let response = send(get(&url).query(pairs).build()).await?;
    let (previous, next) = answer_cursors(&response);
    let items = response.json().await?;
    Ok(Paged { items, previous, next })
}

/// `GET /api/0/organizations/{org}/incidents/{identifier}/activity/`: what happened to an
/// incident (detected, status changes), oldest first.
pub async fn incident_activity(
    org: &str,
    identifier: &str,
) -> Result<Vec<cairn_types::api::IncidentActivity>> {
    let url = metric_alert_url(org, &format!("incidents/{}/activity/", segment(identifier)));
    json(get(&url).build()).await
}

// --- code mappings and repositories (Sentry's) ---------------------------------------------

fn org_url(org: &str, rest: &str) -> String {
    format!("/api/0/organizations/{}/{rest}", segment(org))
}

/// `GET /api/0/organizations/{org}/code-mappings/?project={id}`: the project's code mappings,
/// each with its repository's address and code host.
pub async fn code_mappings(
    org: &str,
    project_id: &str,
) -> Result<Vec<cairn_types::api::CodeMapping>> {
    let url = org_url(org, "code-mappings/");
    json(get(&url).query([("project", project_id)]).build()).await
}

/// `POST /api/0/organizations/{org}/code-mappings/`: a new mapping; a refusal's `detail` says
/// which field is wrong.
pub async fn create_code_mapping(
    org: &str,
    request: &cairn_types::api::CodeMappingRequest,
) -> Result<cairn_types::api::CodeMapping> {
    json(post(&org_url(org, "code-mappings/")).json(request)).await
}

/// `DELETE /api/0/organizations/{org}/code-mappings/{id}/`.
pub async fn delete_code_mapping(org: &str, id: &str) -> Result<()> {
    let url = org_url(org, &format!("code-mappings/{}/", segment(id)));
    send(Request::delete(&url).header("Accept", "application/json").build()).await.map(drop)
}

/// `GET /api/0/organizations/{org}/repos/`: the organization's repositories.
pub async fn repositories(org: &str) -> Result<Vec<cairn_types::api::Repository>> {
    json(get(&org_url(org, "repos/")).build()).await
}

/// `POST /api/0/organizations/{org}/repos/`: a new repository (a name, and an address when
/// known).
pub async fn create_repository(
    org: &str,
    request: &cairn_types::api::RepositoryRequest,
) -> Result<cairn_types::api::Repository> {
    json(post(&org_url(org, "repos/")).json(request)).await
}

/// `PUT /api/0/organizations/{org}/repos/{id}/`: a repository's address (`""` removes it) and
/// code host.
pub async fn update_repository(
    org: &str,
    id: &str,
    request: &cairn_types::api::RepositoryRequest,
) -> Result<cairn_types::api::Repository> {
    let url = org_url(org, &format!("repos/{}/", segment(id)));
    json(Request::put(&url).header("Accept", "application/json").json(request)).await
}

// --- environments ----------------------------------------------------------------------------

/// `GET /api/0/organizations/{org}/environments/`: the environments some project shows (the
/// stream's picker leaves hidden ones out, as Sentry's does).
pub async fn environments(org: &str) -> Result<Vec<cairn_types::api::Environment>> {
    json(get(&org_url(org, "environments/")).build()).await
}

fn project_environments_url(org: &str, project: &str) -> String {
    format!("/api/0/projects/{}/{}/environments/", segment(org), segment(project))
}

/// `GET /api/0/projects/{org}/{project}/environments/?visibility=all`: every environment of the
/// project, hidden ones too.
pub async fn project_environments(
    org: &str,
    project: &str,
) -> Result<Vec<cairn_types::api::Environment>> {
    let url = project_environments_url(org, project);
    json(get(&url).query([("visibility", "all")]).build()).await
}

/// `PUT /api/0/projects/{org}/{project}/environments/{name}/`: hides or shows one.
pub async fn set_environment_hidden(
    org: &str,
    project: &str,
    name: &str,
    hidden: bool,
) -> Result<cairn_types::api::Environment> {
    let url = format!("{}{}/", project_environments_url(org, project), segment(name));
    let body = cairn_types::api::EnvironmentUpdate { is_hidden: hidden };
    json(Request::put(&url).header("Accept", "application/json").json(&body)).await
}
