//! `GET /healthz`: answers 200 when the database answers.

use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;
use crate::store::Store;

/// Liveness and readiness in one: the store must answer a trivial query.
pub async fn healthz<S: Store>(State(state): State<AppState<S>>) -> (StatusCode, &'static str) {
    match state.store.count_users().await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::error!(%err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
