//! The REST call-control API (issue 13), shaped like jambonz's
//! `/v1/Accounts/{account_sid}/Calls` so its clients and curl examples work
//! by changing the base URL. Off unless `[api]` is configured; every route
//! but `/openapi.json` wants `Authorization: Bearer <one of [api] keys>`.
//!
//! dialbridge serves one account: the `{account_sid}` in the path is
//! accepted whatever it is (the hooks carry `[app] account_sid`).
//! The API steers a call only through its handle (`call::handle`) or, for
//! what needs no call task (DTMF, mute, whisper, cancelling an originate), with one
//! `api` command on the control connection naming a UUID taken from the
//! daemon's registry — never text from the request.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;
use tracing::debug;

pub(crate) mod auth;
pub(crate) mod calls;
pub mod cli;
pub(crate) mod create;
pub(crate) mod create_body;
pub(crate) mod error;
pub(crate) mod openapi;
pub(crate) mod originate;
pub(crate) mod update;
pub(crate) mod whisper;

use super::listener::CallSlots;
use super::registry::Registry;
use crate::call::tasks::Tasks;
use crate::config::Settings;
use crate::freeswitch::control::Control;
use error::ApiError;

/// What the API's handlers share.
#[derive(Clone)]
pub(crate) struct ApiState {
    /// Every live call, with its handle.
    pub(crate) calls: Registry,
    /// The control connection, for commands that need no call task.
    pub(crate) control: Control,
    /// The configuration new calls start with.
    pub(crate) settings: watch::Receiver<Arc<Settings>>,
    /// The webhook client (status hooks of calls not answered).
    pub(crate) http: reqwest::Client,
    /// Work the drain waits for (originates in progress).
    pub(crate) tasks: Tasks,
    /// The daemon's call slots: created calls count against max_calls.
    pub(crate) slots: CallSlots,
    /// The media cache's shared state (whisper's `play` fetches into it).
    pub(crate) media: Arc<crate::call::media::CacheState>,
    keys: auth::Keys,
}

impl ApiState {
    /// The state for a daemon whose `[api]` holds `keys`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        calls: Registry,
        control: Control,
        settings: watch::Receiver<Arc<Settings>>,
        http: reqwest::Client,
        tasks: Tasks,
        slots: CallSlots,
        media: Arc<crate::call::media::CacheState>,
        keys: &[crate::secret::Secret],
    ) -> Self {
        Self {
            calls,
            control,
            settings,
            http,
            tasks,
            slots,
            media,
            keys: auth::Keys::new(keys),
        }
    }
}

/// The base path of the call routes.
pub(crate) const CALLS: &str = "/v1/Accounts/{account_sid}/Calls";
/// The list with a trailing slash, as `@jambonz/node-client`'s
/// `calls.list()` asks for it.
pub(crate) const CALLS_SLASH: &str = "/v1/Accounts/{account_sid}/Calls/";
/// One call's path.
pub(crate) const CALL: &str = "/v1/Accounts/{account_sid}/Calls/{call_sid}";

/// Every method and path the router serves behind the key (the OpenAPI
/// tests hold the document, and the running router, to this list).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", CALLS),
    ("POST", CALLS),
    ("GET", CALLS_SLASH),
    ("GET", CALL),
    ("POST", CALL),
    ("PUT", CALL),
    ("DELETE", CALL),
];

/// The router.
pub(crate) fn router(state: ApiState) -> Router {
    let calls = Router::new()
        .route(CALLS, get(calls::list).post(create::create))
        .route(CALLS_SLASH, get(calls::list))
        .route(
            CALL,
            get(calls::retrieve)
                .post(calls::update)
                .put(calls::update)
                .delete(calls::hangup),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize));
    calls
        .route(
            "/openapi.json",
            get(|| async { axum::Json(openapi::document()) }),
        )
        .with_state(state)
}

/// Lets a request through with a configured bearer key; 401 otherwise.
/// Neither the key offered nor the configured ones are logged.
async fn authorize(State(s): State<ApiState>, req: Request, next: Next) -> Response {
    let ok = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(auth::bearer)
        .is_some_and(|token| s.keys.accepts(token));
    if ok {
        return next.run(req).await;
    }
    debug!(path = %req.uri().path(), "REST API request refused: no valid bearer key");
    let mut r = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "send `Authorization: Bearer <key>` with one of the keys of [api] keys",
    )
    .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    r
}
