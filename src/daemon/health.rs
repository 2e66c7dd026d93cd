//! The HTTP side for operators: `/health` (the process answers), `/ready`
//! (listener bound, FreeSWITCH control connection up, not draining, file
//! descriptors not exhausted) and `/metrics` (Prometheus text). [`server`]
//! serves them with connection limits and timeouts.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;
use tokio::sync::watch;

use super::admission::fds::FdWatch;
use crate::freeswitch::control::ControlState;
use crate::metrics::Metrics;

/// What `/ready` looks at.
#[derive(Clone)]
pub(crate) struct Readiness {
    /// The control connection's state.
    pub control: watch::Receiver<ControlState>,
    /// True once a shutdown started.
    pub(crate) draining: watch::Receiver<bool>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Where calls are accepted.
    pub listener: SocketAddr,
    /// Whether accepting is stalled for lack of file descriptors.
    pub(crate) fds: Arc<FdWatch>,
}

/// The router.
pub(crate) fn router(state: Readiness) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn ready(State(s): State<Readiness>) -> impl IntoResponse {
    let control = s.control.borrow().clone();
    let draining = *s.draining.borrow();
    let fds = s.fds.problem();
    let ok = control == ControlState::Up && !draining && fds.is_none();
    let body = json!({
        "ready": ok,
        "listener": s.listener.to_string(),
        "freeswitch": control.describe(),
        "draining": draining,
        "live_calls": s.metrics.live_calls(),
        "file_descriptors": fds.as_deref().unwrap_or("ok"),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body))
}

async fn metrics(State(s): State<Readiness>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(),
    )
}
