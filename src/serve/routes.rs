//! The router: which handler answers which route, and the middleware
//! each route runs through.
//!
//! From the outside in: every request is measured and logged
//! ([`metrics::observe`]); `/v1/` routes check the bearer token
//! ([`auth::require_token`]); `POST /v1/label` then takes one of the
//! `--max-concurrent` slots or is refused at once with 503 and
//! `Retry-After` (a client should back off, not queue behind a busy
//! server), and runs under the request timeout (tower's `Timeout`).
//! Health checks, metrics and the document take no slot, so a saturated
//! server still answers them.

use std::sync::Arc;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use serde_json::json;
use tokio::sync::OwnedSemaphorePermit;
use tower::ServiceBuilder;

use super::error::ApiError;
use super::openapi::{self, DOCUMENT, HEALTHZ, LABEL, METRICS, MODEL, READYZ, RELOAD};
use super::{auth, label, metrics, App, ReloadError, RETRY_AFTER_SECS};

/// The response header naming the model (its checksum) that answered.
pub(crate) const MODEL_HEADER: &str = "x-classify-model";

/// One of the `--max-concurrent` labeling slots, held until the labeling
/// it admitted has really finished (also when the client is gone).
#[derive(Clone)]
pub(crate) struct Permit(#[allow(dead_code)] pub(crate) Arc<OwnedSemaphorePermit>);

pub(crate) fn router(app: App) -> Router {
    let timeout = app.inner.timeout;
    let labeling = Router::new()
        .route(LABEL, post(label::handle))
        .route_layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(move |e: BoxError| async move {
                    timeout_error(e, timeout.as_secs_f64())
                }))
                .timeout(timeout),
        )
        .route_layer(from_fn_with_state(app.clone(), take_slot));
    let v1 = Router::new()
        .route(MODEL, get(model_info))
        .route(RELOAD, post(reload))
        .merge(labeling)
        .route_layer(from_fn_with_state(app.clone(), auth::require_token));
    Router::new()
        .route(HEALTHZ, get(healthz))
        .route(READYZ, get(readyz))
        .route(METRICS, get(metrics))
        .route(DOCUMENT, get(document))
        .merge(v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(app.clone(), metrics::observe))
        .with_state(app)
}

fn timeout_error(e: BoxError, secs: f64) -> ApiError {
    if e.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("request not done within {secs} s (the server's --timeout)"),
        )
    } else {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("request failed: {e}"),
        )
    }
}

/// Admits a labeling request if a slot is free, else answers 503.
async fn take_slot(State(app): State<App>, mut request: Request, next: Next) -> Response {
    match Arc::clone(&app.inner.slots).try_acquire_owned() {
        Ok(permit) => {
            request.extensions_mut().insert(Permit(Arc::new(permit)));
            next.run(request).await
        }
        Err(_) => ApiError {
            retry_after: Some(RETRY_AFTER_SECS),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "server busy: {} labeling requests in progress (--max-concurrent); retry after {RETRY_AFTER_SECS} s",
                    app.inner.max_concurrent
                ),
            )
        }
        .into_response(),
    }
}

/// `GET /healthz`: the process is up and answering.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: a model is loaded and the service is not shutting down.
async fn readyz(State(app): State<App>) -> Response {
    if app.draining() {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    let loaded = app.model();
    Json(json!({
        "status": "ready",
        "model": loaded.model.origin(),
        "checksum": loaded.checksum,
    }))
    .into_response()
}

/// `GET /v1/model`: what `classify info --format json` prints.
async fn model_info(State(app): State<App>) -> Response {
    let loaded = app.model();
    let mut response = Json(&loaded.info).into_response();
    if let Ok(v) = loaded.checksum.parse() {
        response.headers_mut().insert(MODEL_HEADER, v);
    }
    response
}

/// `POST /v1/model/reload`: reloads the model file. Only with a token:
/// without one, anyone on the machine could make the service reload.
async fn reload(State(app): State<App>) -> Response {
    if app.inner.token.is_none() {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "reloading over HTTP needs a token (start with --token-file); send SIGHUP instead",
        )
        .into_response();
    }
    let previous = app.model().checksum.clone();
    match app.reload().await {
        Ok(loaded) => Json(json!({
            "model": loaded.model.origin(),
            "checksum": loaded.checksum,
            "previous": previous,
        }))
        .into_response(),
        Err(e @ ReloadError::Builtin) => {
            ApiError::new(StatusCode::CONFLICT, e.to_string()).into_response()
        }
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `GET /metrics`.
async fn metrics(State(app): State<App>) -> Response {
    let busy = app.inner.max_concurrent - app.inner.slots.available_permits();
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        app.inner.metrics.render(busy),
    )
        .into_response()
}

/// `GET /openapi.json`.
async fn document() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi::OPENAPI,
    )
        .into_response()
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint: {method} {} (the endpoints are listed at GET /openapi.json)",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let allowed = openapi::methods(uri.path());
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "method {method} is not allowed on {}: use {}",
            uri.path(),
            allowed.join(" or ")
        ),
    )
    .into_response();
    if let Ok(v) = allowed.join(", ").parse() {
        response.headers_mut().insert(header::ALLOW, v);
    }
    response
}
