//! What runs in the background of a call's verbs, started by `config`
//! verbs: the streams (`listen`/`stream`, `transcribe`) and the features
//! that read a copy of the call's events ([`crate::freeswitch::tap`]) in a
//! counted task: `bargeIn` ([`super::barge_in`]) and
//! `sipRequestWithinDialogHook` (each INFO received in the call's
//! dialogs). Those post their hook with the call's fields as last
//! published and send the verbs it answers to the call's steering, where
//! they break off the running verb (or end a dial) and replace the rest of
//! the application (`call::steering`).
//!
//! A later `config` with the same property replaces or (`enable: false`)
//! stops it; the call's end stops everything (the streams' recordings are
//! stopped, websockets closed, a recognizer sent `stop`).

use freeswitch_esl_tokio::EslEvent;
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;
use tracing::{Instrument, info};

use super::Call;
use super::dial::live_hooks::post_for_verbs;
use super::dial::refer::CallerRefer;
use super::listen::frames::metadata_frame;
use super::listen::{Pauses, Spec, Stream};
use super::transcribe::Transcription;
use crate::app::config::{BargeIn, Toggle};
use crate::app::listen::Listen;
use crate::app::transcribe::Transcribe;
use crate::app::{Hook, Instruction};
use crate::webhook::HookKind;

/// What a call keeps of what runs in its background.
#[derive(Default)]
pub(crate) struct Background {
    /// Where the applications of `bargeIn` and `sipRequestWithinDialogHook`
    /// go (None: a call nothing can steer, such as a screened callee's).
    pub(crate) interrupts: Option<mpsc::Sender<Vec<Instruction>>>,
    /// The call's running listen streams, which updateCall's
    /// `listen_status` pauses and resumes (shared with the call's steering).
    pub(crate) listens: Pauses,
    barge_in: Option<AbortHandle>,
    in_dialog: Option<AbortHandle>,
    refer: Option<AbortHandle>,
    listen: Option<Stream>,
    transcription: Option<Transcription>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for t in [
            self.barge_in.take(),
            self.in_dialog.take(),
            self.refer.take(),
        ]
        .into_iter()
        .flatten()
        {
            t.abort();
        }
        if let Some(t) = self.transcription.as_mut() {
            t.stop();
        }
    }
}

impl Background {
    /// Applies a `config` verb's `listen`.
    pub(crate) fn listen(call: &mut Call, t: &Toggle<Box<Listen>>) {
        call.background.listen = match t {
            Toggle::Off => {
                info!("background stream stopped (config)");
                None
            }
            Toggle::On(l) => {
                info!("background stream started (config)");
                // DTMF is not passed: the verbs that follow read the events.
                let first = metadata_frame(l, &call.fields());
                Some(Stream::start(
                    call.socket.commander(),
                    call.socket.uuid(),
                    Spec::listen(l, first, &call.background.listens),
                    false,
                    &call.settings.amd,
                    &call.engine.tasks,
                ))
            }
        };
    }

    /// Applies a `config` verb's `transcribe`.
    pub(crate) fn transcribe(call: &mut Call, t: &Toggle<Box<Transcribe>>) {
        call.background.transcription = None;
        let Toggle::On(t) = t else {
            info!("background transcription stopped (config)");
            return;
        };
        let a = call.socket.uuid().to_owned();
        match Transcription::start(call, t, &[(&a, 1)]) {
            Ok(r) => call.background.transcription = Some(r),
            Err(why) => call.report(
                HookKind::Transcription,
                "",
                &format!("config transcribe: {why}"),
                &[],
            ),
        }
    }
}

/// Starts (or, with `enable: false`, stops) the background gather.
pub(crate) fn barge_in(call: &mut Call, b: &BargeIn) {
    if let Some(old) = call.background.barge_in.take() {
        old.abort();
    }
    let (true, Some(hook), Some(interrupts)) = (
        b.enable,
        b.action_hook.clone(),
        call.background.interrupts.clone(),
    ) else {
        return;
    };
    let events = call
        .socket
        .tap(|e, state| !state.bridged && e.header_str("Event-Name") == Some("DTMF"));
    let post = Poster::of(call, HookKind::Action, hook);
    let caller = call.socket.uuid().to_owned();
    let b = b.clone();
    let task = call
        .engine
        .tasks
        .spawn(super::barge_in::gather(events, caller, b, post, interrupts).in_current_span());
    call.background.barge_in = Some(task.abort_handle());
}

/// Starts reporting INFO requests to `hook`.
pub(crate) fn in_dialog_hook(call: &mut Call, hook: &Hook) {
    if let Some(old) = call.background.in_dialog.take() {
        old.abort();
    }
    let Some(interrupts) = call.background.interrupts.clone() else {
        return;
    };
    let mut events = call
        .socket
        .tap(|e, _| e.header_str("Event-Name") == Some("RECV_INFO"));
    let post = Poster::of(call, HookKind::Action, hook.clone());
    let work = async move {
        while let Some(e) = events.recv().await {
            info!(
                leg = e.header_str("Unique-ID").unwrap_or(""),
                "INFO received; telling sipRequestWithinDialogHook"
            );
            if let Some(verbs) = post.verbs(info_payload(&e)).await {
                let _ = interrupts.send(verbs).await;
            }
        }
    };
    let task = call.engine.tasks.spawn(work.in_current_span());
    call.background.in_dialog = Some(task.abort_handle());
}

/// Starts asking `hook` about each blind REFER the caller sends outside a
/// bridge (config `referHook`; what FreeSWITCH does with such a REFER and
/// what the hook gets: `super::dial::refer::CallerRefer`). A later
/// `referHook` replaces it.
pub(crate) fn refer_hook(call: &mut Call, hook: &Hook) {
    if let Some(old) = call.background.refer.take() {
        old.abort();
    }
    let Some(interrupts) = call.background.interrupts.clone() else {
        return;
    };
    let mut events = call.socket.tap(|e, _| CallerRefer::is_one(e));
    let post = Poster::of(call, HookKind::Refer, hook.clone());
    let caller = call.socket.uuid().to_owned();
    let work = async move {
        while let Some(e) = events.recv().await {
            let Some(refer) = CallerRefer::from_event(&e, &caller) else {
                continue;
            };
            info!(refer_to = %refer.refer_to, "the caller sent a REFER; asking the referHook");
            match post
                .verbs(json!({"refer_details": refer.details(&caller)}))
                .await
            {
                Some(verbs) => {
                    let _ = interrupts.send(verbs).await;
                }
                None => info!("the referHook answered no verbs; the application goes on"),
            }
        }
    };
    let task = call.engine.tasks.spawn(work.in_current_span());
    call.background.refer = Some(task.abort_handle());
}

/// jambonz's payload for an in-dialog request.
fn info_payload(e: &EslEvent) -> Value {
    let mut headers = Map::new();
    for (name, header) in [
        ("Content-Type", "SIP-Content-Type"),
        ("From", "SIP-From-User"),
        ("To", "SIP-To-User"),
    ] {
        if let Some(v) = e.header_str(header) {
            headers.insert(name.into(), v.into());
        }
    }
    json!({
        "sip_method": "INFO",
        "sip_body": e.body().unwrap_or_default(),
        "sip_headers": headers,
    })
}

/// Posts a hook from a background task with the call's fields as last
/// published.
pub(super) struct Poster {
    hooks: crate::webhook::Webhooks,
    ctx: crate::app::Context,
    reporter: super::Reporter,
    view: watch::Receiver<Map<String, Value>>,
    kind: HookKind,
    hook: Hook,
}

impl Poster {
    fn of(call: &Call, kind: HookKind, hook: Hook) -> Self {
        Poster {
            hooks: call.hooks.clone(),
            ctx: call.settings.app_context(),
            reporter: call.reporter(),
            view: call.view.subscribe(),
            kind,
            hook,
        }
    }

    /// Posts the call's fields plus `extra`; the verbs answered, if any.
    pub(super) async fn verbs(&self, extra: Value) -> Option<Vec<Instruction>> {
        let mut payload = self.view.borrow().clone();
        if let Value::Object(extra) = extra {
            payload.extend(extra);
        }
        let payload = Value::Object(payload);
        post_for_verbs(
            &self.hooks,
            &self.ctx,
            &self.reporter,
            self.kind,
            &self.hook,
            &payload,
            true,
        )
        .await
        .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_info_payload_is_what_jambonz_posts() {
        let mut e = EslEvent::new();
        e.set_header("Event-Name", "RECV_INFO");
        e.set_header("SIP-Content-Type", "application/x-acme");
        e.set_body("mode=quiet");
        let p = info_payload(&e);
        assert_eq!(p["sip_method"], "INFO");
        assert_eq!(p["sip_body"], "mode=quiet");
        assert_eq!(p["sip_headers"]["Content-Type"], "application/x-acme");
    }
}
