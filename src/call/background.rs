//! The `config` verb's features that run in the background of the verbs
//! that follow: `bargeIn` (a gather of digits) and
//! `sipRequestWithinDialogHook` (each INFO received in the call's dialogs).
//! Each reads a copy of the call's events ([`crate::freeswitch::tap`]) in a
//! counted task, posts its hook with the call's fields as last published,
//! and sends the verbs the hook answers to the call's steering, where they
//! break off the running verb (or end a dial) and replace the rest of the
//! application (`call::steering`).
//!
//! A new `config` with the same property replaces the running one;
//! `bargeIn: {enable: false}` stops it; the call's end stops both.

use std::time::{Duration, Instant};

use freeswitch_esl_tokio::EslEvent;
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;
use tracing::{Instrument, info};

use super::Call;
use super::dial::live_hooks::post_for_verbs;
use crate::app::config::BargeIn;
use crate::app::{Hook, Instruction};
use crate::webhook::HookKind;

/// What a call keeps of its background features.
#[derive(Debug, Default)]
pub(crate) struct Background {
    /// Where their applications go (None: a call no feature can steer,
    /// such as a screened callee's).
    pub(crate) interrupts: Option<mpsc::Sender<Vec<Instruction>>>,
    barge_in: Option<AbortHandle>,
    in_dialog: Option<AbortHandle>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for t in [self.barge_in.take(), self.in_dialog.take()]
            .into_iter()
            .flatten()
        {
            t.abort();
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
        .spawn(gather(events, caller, b, post, interrupts).in_current_span());
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
struct Poster {
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
    async fn verbs(&self, extra: Value) -> Option<Vec<Instruction>> {
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

/// The background gather: the caller's digits, collected by [`Collector`].
async fn gather(
    mut events: mpsc::Receiver<EslEvent>,
    caller: String,
    b: BargeIn,
    post: Poster,
    interrupts: mpsc::Sender<Vec<Instruction>>,
) {
    let mut collector = Collector::new(&b);
    loop {
        let due = collector.due();
        let done = tokio::select! {
            e = events.recv() => {
                let Some(e) = e else { return };
                let digit = (e.header_str("Unique-ID") == Some(caller.as_str()))
                    .then(|| e.header_str("DTMF-Digit").and_then(|d| d.chars().next()))
                    .flatten();
                match digit {
                    Some(d) => collector.push(d, Instant::now()),
                    None => None,
                }
            }
            _ = tokio::time::sleep_until(tokio::time::Instant::from_std(due.unwrap_or_else(Instant::now))), if due.is_some() => {
                collector.expire(Instant::now())
            }
        };
        let Some(digits) = done else { continue };
        info!(
            digits = digits.len(),
            "bargeIn: digits collected; telling its actionHook"
        );
        if let Some(verbs) = post
            .verbs(json!({"digits": digits, "reason": "dtmfDetected"}))
            .await
        {
            let _ = interrupts.send(verbs).await;
        }
        if !b.sticky {
            return;
        }
    }
}

/// Collects digits as a gather does: complete at `maxDigits`, at the
/// finish key (with at least `minDigits`), or after the inter-digit
/// silence (with at least `minDigits`; fewer are dropped).
#[derive(Debug)]
pub(crate) struct Collector {
    min: usize,
    max: Option<usize>,
    finish: Option<char>,
    gap: Duration,
    digits: String,
    last: Option<Instant>,
}

impl Collector {
    pub(crate) fn new(b: &BargeIn) -> Self {
        Collector {
            min: b.min_digits as usize,
            max: b.max_digits.map(|m| m as usize),
            finish: b.finish_on_key,
            gap: Duration::from_millis(b.inter_digit_timeout_ms),
            digits: String::new(),
            last: None,
        }
    }

    /// A digit at `now`; the digits when it completes the gather.
    pub(crate) fn push(&mut self, d: char, now: Instant) -> Option<String> {
        if Some(d) == self.finish {
            return self.complete();
        }
        self.digits.push(d);
        self.last = Some(now);
        if self.max.is_some_and(|m| self.digits.len() >= m) {
            return self.complete();
        }
        None
    }

    /// When the inter-digit silence ends the gather, if digits came.
    pub(crate) fn due(&self) -> Option<Instant> {
        self.last.map(|t| t + self.gap)
    }

    /// The silence after the last digit ended at `now`: the digits, if
    /// enough came.
    pub(crate) fn expire(&mut self, now: Instant) -> Option<String> {
        match self.due() {
            Some(due) if now >= due => self.complete(),
            _ => None,
        }
    }

    fn complete(&mut self) -> Option<String> {
        self.last = None;
        let digits = std::mem::take(&mut self.digits);
        (digits.len() >= self.min.max(1)).then_some(digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn barge(min: u32, max: Option<u32>, finish: Option<char>) -> BargeIn {
        BargeIn {
            enable: true,
            sticky: false,
            action_hook: None,
            min_digits: min,
            max_digits: max,
            finish_on_key: finish,
            inter_digit_timeout_ms: 3000,
        }
    }

    #[test]
    fn the_finish_key_the_maximum_and_the_silence_complete_a_gather() {
        let t0 = Instant::now();
        let mut c = Collector::new(&barge(1, None, Some('#')));
        assert_eq!(c.push('1', t0), None);
        assert_eq!(c.push('2', t0), None);
        assert_eq!(c.push('#', t0), Some("12".into()));
        assert_eq!(c.due(), None);

        let mut c = Collector::new(&barge(1, Some(3), None));
        c.push('1', t0);
        c.push('2', t0);
        assert_eq!(c.push('3', t0), Some("123".into()));

        let mut c = Collector::new(&barge(2, None, None));
        c.push('7', t0);
        assert_eq!(c.due(), Some(t0 + Duration::from_secs(3)));
        assert_eq!(c.expire(t0 + Duration::from_secs(1)), None, "not yet");
        assert_eq!(
            c.expire(t0 + Duration::from_secs(3)),
            None,
            "too few: dropped"
        );
        c.push('7', t0);
        c.push('8', t0);
        assert_eq!(c.expire(t0 + Duration::from_secs(4)), Some("78".into()));
    }

    #[test]
    fn a_finish_key_alone_or_too_early_completes_nothing() {
        let t0 = Instant::now();
        let mut c = Collector::new(&barge(3, None, Some('#')));
        assert_eq!(c.push('#', t0), None);
        c.push('1', t0);
        assert_eq!(c.push('#', t0), None);
        assert_eq!(c.push('5', t0), None, "starts over");
    }

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
