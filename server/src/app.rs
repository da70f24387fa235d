//! The whole HTTP application: routes, layers, and the dashboard's static files.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::util::ServiceExt;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;
use tower_http::services::{ServeDir, ServeFile};

use crate::endpoints::{api, health, ingest};
use crate::state::AppState;
use crate::store::Store;

/// The service `cairn serve` runs. Trailing slashes are trimmed before routing, so both
/// `/api/0/organizations/` (Sentry's form) and `/api/0/organizations` reach the same handler.
pub fn app<S: Store>(state: AppState<S>) -> NormalizePathService {
    let router = Router::new()
        .route("/healthz", get(health::healthz::<S>))
        .merge(
            api::router::<S>()
                .route_layer(axum::middleware::from_fn_with_state(state.clone(), counted::<S>)),
        )
        .merge(ingest::router::<S>())
        .fallback(static_or_index::<S>)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state);
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// Before any request of the Web API: the issue counters that ingestion keeps in memory
/// under load are written, so that what the request reads counts every event acknowledged
/// before it (a client reads its own events' counts right after their `200`).
async fn counted<S: Store>(
    State(state): State<AppState<S>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    if let Err(err) = state.store.sync_counters().await {
        // The counts read may lag by what was not written; the request is still served.
        tracing::warn!(%err, "could not write the issues' pending counters");
    }
    next.run(request).await
}

/// The service type [`app`] returns.
pub type NormalizePathService = tower_http::normalize_path::NormalizePath<Router>;

/// Everything that is no route: JSON 404 under `/api/`, else a file of the dashboard, else
/// `index.html` so that client-side routes such as `/organizations/x/issues/` load the app.
async fn static_or_index<S: Store>(State(state): State<AppState<S>>, request: Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        return api::not_found().await.into_response();
    }
    let dist = &state.config.dist_dir;
    let index = dist.join("index.html");
    if !index.exists() {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "The dashboard is not built: run `make run` (or `trunk build --release`) first.",
        )
            .into_response();
    }
    // The build writes `NAME.br` and `NAME.gz` next to the wasm, js and css
    // (scripts/precompress.mjs): sent as they are when the browser accepts them, the plain file
    // otherwise. The wasm is most of the dashboard's weight, and compressing it per request at
    // a level worth having would cost more time than it saves on loopback or a LAN.
    let serve = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(&index).precompressed_br().precompressed_gzip());
    let is_asset = request.uri().path().rsplit('/').next().is_some_and(|f| f.contains('.'));
    match serve.oneshot(request).await {
        Ok(response) => {
            let mut response = response.map(Body::new);
            // Trunk names assets by content hash, so they can be cached for good; index.html
            // must be revalidated to pick up a new build.
            let cache = if is_asset { "public, max-age=31536000, immutable" } else { "no-cache" };
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            // The body depends on `Accept-Encoding`: caches must not hand a br body to a
            // client that did not ask for it.
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            response
        }
        Err(never) => match never {},
    }
}
