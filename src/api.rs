//! Typed client for Cairn's REST API (`/api/0/`), the only module that talks HTTP.
//!
//! Every call goes to the page's own origin, so the browser attaches the session cookie the server
//! set at login by itself: no token handling here. Answers are decoded into the wire types shared
//! with the server (`cairn_types::api`), and every failure becomes an [`Error`] that keeps the
//! status code, so pages can tell "log in again" (401) from "this went wrong" (anything else).

use std::fmt;

use cairn_types::api::{
    Activity, ApiIndex, ApiToken, ErrorBody, Event, Issue, IssueDetails, LoginRequest, NewApiToken,
    NewComment, Organization, Project, ProjectKey, SetupRequest, SetupStatus, UpdateIssueRequest,
    User,
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
    json(post("/api/0/setup/").json(request)).await
}

/// `POST /api/0/auth/login/`: log in with email (as `username`) and password.
pub async fn login(request: &LoginRequest) -> Result<User> {
    json(post("/api/0/auth/login/").json(request)).await
}

/// `DELETE /api/0/auth/`: end the session.
pub async fn logout() -> Result<()> {
    send(Request::delete("/api/0/auth/").build()).await.map(drop)
}

/// `GET /api/0/`: who the session belongs to (`user` is `None` when anonymous).
pub async fn index() -> Result<ApiIndex> {
    json(get("/api/0/").build()).await
}

/// `GET /api/0/organizations/`: the organizations the user belongs to.
pub async fn organizations() -> Result<Vec<Organization>> {
    json(get("/api/0/organizations/").build()).await
}

/// `GET /api/0/organizations/{org}/issues/`: issues matching a Sentry search `query` (e.g.
/// `is:unresolved`) seen within `stats_period` (e.g. `14d`), most recently seen first.
pub async fn issues(org: &str, query: &str, stats_period: &str) -> Result<Vec<Issue>> {
    let url = format!("/api/0/organizations/{}/issues/", segment(org));
    json(get(&url).query([("query", query), ("statsPeriod", stats_period)]).build()).await
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

fn issue_url(org: &str, id: &str) -> String {
    format!("/api/0/organizations/{}/issues/{}/", segment(org), segment(id))
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
    let response = send(request).await?;
    response.json::<T>().await.map_err(|err| Error::Decode(err.to_string()))
}

/// Sends a request; any non-2xx answer becomes [`Error::Http`].
///
/// Takes the builder's `Result` so that the (practically impossible) failure to build a request,
/// e.g. to serialize our own request body, is reported like a network error instead of panicking.
async fn send(request: Built) -> Result<Response> {
    let response = match request {
        Ok(request) => request.send().await,
        Err(err) => Err(err),
    }
    .map_err(|err| Error::Network(err.to_string()))?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    // Errors are `{"detail": ...}` from Cairn, but a proxy in between may answer with HTML.
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| {
        ErrorBody::new(format!("The server answered {status} {}.", response.status_text()))
    });
    Err(Error::Http { status, body })
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
