//! The web application's side of a load run: the stand-in application of
//! tests/harness answering the call_hook with a dial, the actionHook with
//! a hangup and the status hook with 200, and what it saw of each call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::app::{App, Reply, Request};
use crate::error::LoadgenError;
use crate::layout::Layout;

/// Where the dial's actionHook posts (on the call_hook's host).
pub const ACTION_PATH: &str = "/loadgen/action";

/// What the application saw of one call, kept instead of its requests (a
/// long run would hold every request body otherwise).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HookSeen {
    /// When the call_hook request arrived; the reply leaves at once.
    pub call_hook_at: Option<Instant>,
    /// The actionHook's `dial_status`.
    pub dial_status: Option<String>,
    /// Status hook posts.
    pub statuses: u32,
}

/// The serving application and its per-call record.
#[derive(Clone)]
pub struct Hooks {
    app: App,
    call_path: String,
    status_path: Option<String>,
    seen: Arc<Mutex<HashMap<String, HookSeen>>>,
    /// Requests that named no call or came to a path nobody configured.
    pub strays: Arc<AtomicU64>,
}

/// The call_hook's reply: a dial of `targets` phone numbers, the caller
/// answered when a target answers (as a sipp caller sees a plain bridge).
pub fn dial_reply(targets: u8) -> Value {
    let target: Vec<Value> = (0..targets)
        .map(|i| json!({"type": "phone", "number": format!("+1555000{i:04}")}))
        .collect();
    json!([{"verb": "dial", "answerOnBridge": true, "actionHook": ACTION_PATH, "target": target}])
}

impl Hooks {
    /// Serves the hooks of `layout` on its web address.
    pub async fn start(layout: &Layout, targets: u8) -> Result<Hooks, LoadgenError> {
        let app = App::start_on(layout.web)
            .await
            .map_err(|why| LoadgenError::Bind {
                addr: layout.web,
                what: "the web application",
                why,
            })?;
        app.reply(&layout.call_hook_path, Reply::json(dial_reply(targets)));
        app.reply(ACTION_PATH, Reply::json(json!([{"verb": "hangup"}])));
        if let Some(p) = &layout.status_hook_path {
            app.reply(p, Reply::status(200));
        }
        let hooks = Hooks {
            app,
            call_path: layout.call_hook_path.clone(),
            status_path: layout.status_hook_path.clone(),
            seen: Arc::default(),
            strays: Arc::default(),
        };
        let h = hooks.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                h.drain();
            }
        });
        Ok(hooks)
    }

    /// Folds the requests received since the last drain into the record.
    pub fn drain(&self) {
        let requests = self.app.take_requests();
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        for r in requests {
            match self.classify(&r) {
                Some((sid, kind)) => kind.apply(seen.entry(sid).or_default()),
                None => {
                    self.strays.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// The call a request is about, and which hook it is.
    fn classify(&self, r: &Request) -> Option<(String, Hook)> {
        let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        let sid = body["call_sid"]
            .as_str()
            .or_else(|| r.param("call_sid"))?
            .to_owned();
        let hook = if r.path == self.call_path {
            Hook::Call(r.at)
        } else if r.path == ACTION_PATH {
            let status = body["dial_status"]
                .as_str()
                .or_else(|| r.param("dial_status"))
                .unwrap_or("(none)");
            Hook::Action(status.to_owned())
        } else if self.status_path.as_deref() == Some(r.path.as_str()) {
            Hook::Status
        } else {
            return None;
        };
        Some((sid, hook))
    }

    /// What was seen of call `sid`, removed from the record.
    pub fn take(&self, sid: &str) -> Option<HookSeen> {
        self.seen.lock().ok()?.remove(sid)
    }
}

/// Which hook a request was, with what the record keeps of it.
enum Hook {
    Call(Instant),
    Action(String),
    Status,
}

impl Hook {
    fn apply(self, s: &mut HookSeen) {
        match self {
            Hook::Call(at) => {
                s.call_hook_at.get_or_insert(at);
            }
            Hook::Action(d) => s.dial_status = Some(d),
            Hook::Status => s.statuses += 1,
        }
    }
}
