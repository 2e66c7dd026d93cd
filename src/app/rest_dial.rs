//! jambonz's `rest:dial`: start an outbound call from inside an
//! application, as createCall does (the REST API's engine places it); the
//! current call goes on with its next verb at once.

use serde::Serialize;
use serde_json::{Map, Value};

use super::Hook;

/// A validated `rest:dial`. `to`, `headers` and `amd` are kept as the
/// application wrote them, already checked by the same readers as a
/// dial's target, headers and amd: createCall's reader reads them again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestDial {
    /// The caller ID of the new call.
    pub(crate) from: String,
    /// The dial target object.
    pub(crate) to: Value,
    /// The new call's application (relative to this call's `call_hook`).
    pub(crate) call_hook: Hook,
    /// The new call's status hook, if any (relative likewise).
    pub(crate) call_status_hook: Option<Hook>,
    /// Ring seconds.
    pub(crate) timeout: Option<u64>,
    /// The new call's customerData.
    pub(crate) tag: Option<Map<String, Value>>,
    /// X- headers on the INVITE.
    pub(crate) headers: Option<Value>,
    /// Answering-machine detection on the new call.
    pub(crate) amd: Option<Value>,
    /// The caller name.
    pub(crate) caller_name: Option<String>,
    /// Most seconds the answered call lasts (createCall's `timeLimit`).
    pub(crate) time_limit: Option<u64>,
    /// The From host of the new call's INVITE (createCall's `fromHost`).
    pub(crate) from_host: Option<String>,
}
