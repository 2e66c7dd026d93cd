//! The REST API's error answers: a status, a message saying what to do, and
//! for an invalid body every problem with the JSON pointer of its field —
//! `{"msg": "...", "errors": [{"pointer": "/call_hook", "message": "..."}]}`
//! (`msg` as jambonz's API answers errors).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// One wrong field of a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FieldProblem {
    /// JSON pointer of the field (`/to/number`).
    pub(crate) pointer: String,
    /// What is wrong and what to send instead.
    pub(crate) message: String,
}

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The message.
    pub(crate) msg: String,
    /// The body's problems, for 400.
    pub(crate) errors: Vec<FieldProblem>,
}

impl ApiError {
    /// An error with `status` and `msg`.
    pub(crate) fn new(status: StatusCode, msg: impl Into<String>) -> Self {
        Self {
            status,
            msg: msg.into(),
            errors: Vec::new(),
        }
    }

    /// 400 for the field at `pointer`.
    pub(crate) fn field(pointer: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldProblem {
            pointer: pointer.into(),
            message: message.into(),
        }])
    }

    /// 400 listing `errors`.
    pub(crate) fn invalid(errors: Vec<FieldProblem>) -> Self {
        let msg = match errors.as_slice() {
            [one] => format!("invalid request body: {}: {}", one.pointer, one.message),
            many => format!("invalid request body: {} problems", many.len()),
        };
        Self {
            status: StatusCode::BAD_REQUEST,
            msg,
            errors,
        }
    }

    /// 404 for a call that is not live here.
    pub(crate) fn unknown_call(call_sid: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("no live call {call_sid} (it ended, or never was on this dialbridge)"),
        )
    }

    /// 409: the action does not apply to the call as it is.
    pub(crate) fn conflict(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, msg)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = if self.errors.is_empty() {
            json!({"msg": self.msg})
        } else {
            json!({"msg": self.msg, "errors": self.errors})
        };
        (self.status, Json(body)).into_response()
    }
}
