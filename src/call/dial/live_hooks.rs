//! Hooks posted while a dial runs: `dtmfHook` matches and the AMD hook's
//! events. Each post runs in a counted task of its own (a slow application
//! never holds the bridge up; a drain waits for it). An AMD hook's reply is
//! read like any application: its notices are logged, an invalid reply or
//! a failed request is reported to `[app] error_hook`, and its verbs come
//! back to the dial.

use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tracing::{Instrument, info};

use crate::app::{Dial, Hook, Instruction};
use crate::call::Call;
use crate::call::amd::Signal;
use crate::dialect::read_reply;
use crate::webhook::HookKind;

/// Posts an AMD signal to the dial's AMD hook, with the call's
/// `customerData` and the dial's `tag` merged into it; a reply with verbs
/// comes back on `replies`.
pub(crate) fn relay(
    call: &Call,
    dial: &Dial,
    hook: &Hook,
    signal: &Signal,
    replies: &mpsc::Sender<Vec<Instruction>>,
) {
    call.engine.metrics.amd_result(signal.metric());
    let mut extra = signal.payload();
    if let Some(data) = merged_customer_data(call.info.customer_data.as_ref(), dial.tag.as_ref()) {
        extra["customerData"] = Value::Object(data);
    }
    notify(call, HookKind::Amd, hook, extra, Some(replies.clone()));
}

/// The call's `customerData` (set by a `tag` verb) with the keys of the
/// dial's `tag` added (a key in both takes the dial's value). None when
/// the dial has no object `tag`: the call's own `customerData` is already
/// in every payload.
pub(crate) fn merged_customer_data(
    call: Option<&Map<String, Value>>,
    tag: Option<&Value>,
) -> Option<Map<String, Value>> {
    let tag = tag?.as_object()?;
    let mut merged = call.cloned().unwrap_or_default();
    merged.extend(tag.iter().map(|(k, v)| (k.clone(), v.clone())));
    Some(merged)
}

/// Posts `extra` plus the call's fields to `hook` from a counted task;
/// with `replies`, the reply is read as an application and its verbs are
/// sent back there.
pub(crate) fn notify(
    call: &Call,
    kind: HookKind,
    hook: &Hook,
    extra: Value,
    replies: Option<mpsc::Sender<Vec<Instruction>>>,
) {
    let payload = call.payload(extra);
    let hooks = call.hooks.clone();
    let hook = hook.clone();
    let ctx = call.settings.app_context();
    let reporter = call.reporter();
    let post = async move {
        let verbs = post_for_verbs(
            &hooks,
            &ctx,
            &reporter,
            kind,
            &hook,
            &payload,
            replies.is_some(),
        )
        .await;
        if let (Some(replies), Some(verbs)) = (replies, verbs) {
            let _ = replies.send(verbs).await;
        }
    };
    call.engine.tasks.spawn(post.in_current_span());
}

/// Posts `payload` to `hook` from wherever the call cannot be borrowed (a
/// counted task); with `read`, its reply is read as an application: notices
/// logged, an invalid reply or a failed request reported; its verbs
/// returned (None: nothing to run).
pub(crate) async fn post_for_verbs(
    hooks: &crate::webhook::Webhooks,
    ctx: &crate::app::Context,
    reporter: &crate::call::Reporter,
    kind: HookKind,
    hook: &Hook,
    payload: &Value,
    read: bool,
) -> Option<Vec<Instruction>> {
    let body = match hooks.send(kind, hook, payload).await {
        Ok(Some(body)) => body,
        Ok(None) => return None,
        Err(e) => {
            if read {
                reporter.report(kind, &hook.url, &e.to_string(), &[]);
            }
            return None;
        }
    };
    if !read {
        return None;
    }
    match read_reply(&body.text, body.content_type.as_deref(), ctx) {
        Ok(reply) => {
            for n in &reply.notices {
                info!(hook = kind.as_str(), notice = %n, "reply notice");
            }
            Some(reply.instructions)
        }
        Err(e) => {
            reporter.report(
                kind,
                &hook.url,
                "the reply is not a valid application; it is ignored",
                &e.problems(),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_dials_tag_adds_to_the_calls_customer_data_instead_of_replacing_it() {
        let call = json!({"crm": 7, "lang": "en"});
        let tag = json!({"lang": "fr", "campaign": "x"});
        let merged = merged_customer_data(call.as_object(), Some(&tag));
        assert_eq!(
            merged.map(Value::Object),
            Some(json!({"crm": 7, "lang": "fr", "campaign": "x"}))
        );
        assert_eq!(
            merged_customer_data(None, Some(&tag)).map(Value::Object),
            Some(tag.clone())
        );
        assert_eq!(merged_customer_data(call.as_object(), None), None);
    }
}
