//! jambonz's `rest:dial`: starts an outbound call from inside an
//! application through the daemon's createCall engine (`daemon::api::
//! create`: the same reader, the same originate on its own ESL connection,
//! the same status hooks and `max_calls` accounting). The current call
//! goes on with its next verb at once; the new call runs `call_hook`'s
//! application once answered, as a call created through the REST API.
//!
//! The engine lives in the daemon, above this layer: the daemon hands it
//! to the calls' [`Engine`](super::Engine) as an [`Originator`]. The verb's
//! hooks, relative to this call's `call_hook` like every hook of an
//! application, are made absolute here (with their method and credentials)
//! and passed as a createCall body. A call that cannot be placed (refused
//! by the engine, `max_calls` reached) is reported to the error hook; the
//! application goes on either way, as in jambonz.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value, json};
use tracing::{info, warn};

use super::Call;
use super::verbs::Next;
use crate::app::Hook;
use crate::app::rest_dial::RestDial;
use crate::webhook::HookKind;

/// What the `rest:dial` verb needs from the daemon: createCall.
pub trait Originator: Send + Sync {
    /// Places a call as `POST .../Calls` with `body` does: its call_sid,
    /// or why it was refused.
    fn create(
        &self,
        body: Value,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + '_>>;
}

/// Runs `rest:dial`.
pub(crate) async fn rest_dial(call: &mut Call, r: &RestDial) -> Next {
    let Some(originator) = call.engine.originator.get().cloned() else {
        call.report(
            HookKind::Call,
            "",
            "rest:dial cannot place calls in this process (no createCall engine); the verb was \
             skipped",
            &[],
        );
        return Next::Continue;
    };
    let body = match body(call, r) {
        Ok(b) => b,
        Err(why) => {
            call.report(HookKind::Call, &r.call_hook.url, &why, &[]);
            return Next::Continue;
        }
    };
    match originator.create(body).await {
        Ok(sid) => info!(new_call = %sid, "rest:dial placed a call"),
        Err(why) => {
            warn!(error = %why, "rest:dial could not place the call");
            call.report(
                HookKind::Call,
                "",
                &format!("rest:dial: the call was not placed: {why}"),
                &[],
            );
        }
    }
    Next::Continue
}

/// The createCall body for `r`, its hooks made absolute against the call's.
fn body(call: &Call, r: &RestDial) -> Result<Value, String> {
    let mut b = Map::new();
    b.insert("from".into(), json!(r.from));
    b.insert("to".into(), r.to.clone());
    b.insert("call_hook".into(), absolute(call, &r.call_hook)?);
    if let Some(h) = &r.call_status_hook {
        b.insert("call_status_hook".into(), absolute(call, h)?);
    }
    if let Some(t) = r.timeout {
        b.insert("timeout".into(), json!(t));
    }
    if let Some(t) = &r.tag {
        b.insert("tag".into(), Value::Object(t.clone()));
    }
    if let Some(h) = &r.headers {
        b.insert("headers".into(), h.clone());
    }
    if let Some(n) = &r.caller_name {
        b.insert("callerName".into(), json!(n));
    }
    if let Some(t) = r.time_limit {
        b.insert("timeLimit".into(), json!(t));
    }
    if let Some(h) = &r.from_host {
        b.insert("fromHost".into(), json!(h));
    }
    if let Some(a) = &r.amd {
        let mut a = a.clone();
        // The new call's amd hook is relative to the new call's call_hook
        // there: made absolute here against this call's, like the others.
        for key in ["actionHook", "hook"] {
            if let Some(h) = a.get(key).cloned() {
                let hook: Hook = serde_json::from_value::<crate::app::hook::HookSpec>(h)
                    .map_err(|e| format!("amd.{key}: {e}"))?
                    .into();
                a[key] = absolute(call, &hook)?;
            }
        }
        b.insert("amd".into(), a);
    }
    Ok(Value::Object(b))
}

/// `hook` as createCall takes it: an absolute URL with its method and
/// credentials.
fn absolute(call: &Call, hook: &Hook) -> Result<Value, String> {
    let resolved = call
        .hooks
        .resolve(hook)
        .map_err(|e| format!("rest:dial: {e}"))?;
    let mut v = json!({"url": resolved.url.as_str(), "method": hook.method});
    if let Some((user, password)) = resolved.auth {
        v["username"] = json!(user);
        if let Some(p) = password {
            v["password"] = json!(p.expose());
        }
    }
    Ok(v)
}
