//! jambonz's dial `onHoldHook`: while the bridged callee holds the call, the
//! caller hears what the hook answers instead of FreeSWITCH's hold music.
//!
//! How it runs on FreeSWITCH:
//! * The legs carry `hold_music=silence` (the dial string's `{}` block), so
//!   when the callee's re-INVITE puts the call on hold FreeSWITCH plays
//!   nothing to the caller: it plays the *holding* leg's `hold_music` to its
//!   partner, and `silence` is none (switch_core_media.c; docs/freeswitch.md
//!   §23 for the hold events).
//! * On the leg's CHANNEL_HOLD the hook is posted the call's fields and
//!   `hold_detail: {from, to}` (the re-INVITE's From and To, as jambonz
//!   sends them). Its reply may hold `play`, `say` and `pause` only (jambonz
//!   refuses the rest the same way); each becomes `uuid_broadcast <caller>
//!   <media> aleg`, which plays to the caller while the bridge goes on
//!   (§22). When the last of them completed and the call is still held,
//!   the hook is asked again (jambonz loops the same way), at most
//!   [`MAX_ROUNDS`] times per hold; an empty reply ends the loop.
//! * On CHANNEL_UNHOLD, `uuid_break <caller> all` stops what still plays.
//!
//! Only the callee's hold is handled: a hold by the caller plays FreeSWITCH's
//! hold music to the callee, as without the hook.

use freeswitch_esl_tokio::EslEvent;
use serde_json::json;
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::live_hooks::notify;
use crate::app::{Hook, Instruction, Verb};
use crate::call::Call;
use crate::webhook::HookKind;

/// Rounds of the hook per hold: a reply whose media ends at once cannot
/// make the loop spin on the application.
pub(crate) const MAX_ROUNDS: u32 = 100;

/// The hold state of one dial with an `onHoldHook`.
pub(crate) struct OnHold {
    hook: Hook,
    /// The bridged leg holds the call.
    held: bool,
    /// Broadcasts sent to the caller whose playback has not completed.
    playing: usize,
    /// Rounds of the hook in this hold.
    rounds: u32,
    /// Where the hook's verbs come back from its counted task.
    replies_tx: mpsc::Sender<Vec<Instruction>>,
    replies: mpsc::Receiver<Vec<Instruction>>,
}

impl OnHold {
    /// The state for `hook`, or None for a dial without one.
    pub(crate) fn new(hook: Option<&Hook>) -> Option<Self> {
        let (replies_tx, replies) = mpsc::channel(2);
        hook.map(|h| OnHold {
            hook: h.clone(),
            held: false,
            playing: 0,
            rounds: 0,
            replies_tx,
            replies,
        })
    }

    /// Follows the bridged leg's hold and the caller's broadcast playbacks.
    pub(crate) async fn observe(
        &mut self,
        call: &Call,
        event: &EslEvent,
        winner: Option<&str>,
        bridge_app: &str,
    ) {
        let name = event.header_str("Event-Name").unwrap_or_default();
        let uuid = event.header_str("Unique-ID").unwrap_or_default();
        let a = call.socket.uuid();
        match name {
            "CHANNEL_HOLD" if Some(uuid) == winner && !self.held => {
                info!(leg = %uuid, "the callee holds the call; asking the onHoldHook");
                self.held = true;
                self.rounds = 0;
                self.ask(call, Some(hold_detail(event)));
            }
            "CHANNEL_UNHOLD" if Some(uuid) == winner && self.held => {
                info!(leg = %uuid, "the callee resumed the call");
                self.held = false;
                if self.playing > 0 {
                    self.playing = 0;
                    if let Err(e) = call.socket.api(&format!("uuid_break {a} all")).await {
                        warn!(error = %e, "cannot stop the onHoldHook's media");
                    }
                }
            }
            "CHANNEL_EXECUTE_COMPLETE"
                if uuid == a
                    && self.playing > 0
                    && event.header_str("Application-UUID") != Some(bridge_app)
                    && matches!(event.header_str("Application"), Some("playback" | "speak")) =>
            {
                self.playing -= 1;
                if self.playing == 0 && self.held {
                    self.ask(call, None);
                }
            }
            _ => {}
        }
    }

    /// The hook's next verbs (pending forever without any).
    pub(crate) async fn next_reply(this: &mut Option<Self>) -> Vec<Instruction> {
        match this {
            Some(h) => match h.replies.recv().await {
                Some(v) => v,
                None => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    }

    /// Plays the hook's reply to the caller while the call is still held.
    pub(crate) async fn play(&mut self, call: &mut Call, verbs: Vec<Instruction>) {
        if !self.held {
            return;
        }
        let Some(media) = media_of(call, &verbs).await else {
            return;
        };
        let a = call.socket.uuid().to_owned();
        for m in media {
            match call
                .socket
                .api(&crate::call::broadcast::to_leg(&a, &m))
                .await
            {
                Ok(_) => self.playing += 1,
                Err(e) => warn!(error = %e, "cannot play the onHoldHook's media to the caller"),
            }
        }
    }

    /// Posts the hook (the first round carries `hold_detail`).
    fn ask(&mut self, call: &Call, detail: Option<serde_json::Value>) {
        if self.rounds >= MAX_ROUNDS {
            warn!(
                rounds = self.rounds,
                "the onHoldHook was asked {MAX_ROUNDS} times in one hold; not asking again"
            );
            return;
        }
        self.rounds += 1;
        let extra = match detail {
            Some(d) => json!({"hold_detail": d}),
            None => json!({}),
        };
        notify(
            call,
            HookKind::Hold,
            &self.hook,
            extra,
            Some(self.replies_tx.clone()),
        );
    }
}

/// The From and To of the callee's hold re-INVITE: FreeSWITCH keeps the
/// dialog's From/To as the INVITE had them until the leg's own re-INVITE
/// swaps them (`dlg_req_swap_direction=true`, §23).
fn hold_detail(event: &EslEvent) -> serde_json::Value {
    let from = event.variable_str("sip_full_from").unwrap_or_default();
    let to = event.variable_str("sip_full_to").unwrap_or_default();
    let (from, to) = if event.variable_str("dlg_req_swap_direction") == Some("true") {
        (from, to)
    } else {
        (to, from)
    };
    json!({"from": from, "to": to})
}

/// The media to broadcast for the hook's verbs, or None (reported) when the
/// reply holds a verb other than play, say and pause (a `say` as
/// [`crate::call::broadcast::speech`]).
async fn media_of(call: &mut Call, verbs: &[Instruction]) -> Option<Vec<String>> {
    let mut media = Vec::new();
    for i in verbs {
        match &i.verb {
            Verb::Play(p) => {
                let files = crate::call::verbs::files(call, &p.audio).await?;
                let times = match p.repeat {
                    crate::app::play::Loop::Times(n) => n.clamp(1, 10),
                    crate::app::play::Loop::Forever => 10,
                };
                for _ in 0..times {
                    media.extend(files.iter().cloned());
                }
            }
            Verb::Say(s) => {
                let (engine, voice) = crate::call::verbs::tts(call, s)?;
                for text in &s.text {
                    media.push(crate::call::broadcast::speech(&engine, &voice, text));
                }
            }
            Verb::Pause(p) => media.push(format!("silence_stream://{}", p.millis())),
            other => {
                call.report(
                    HookKind::Hold,
                    "",
                    &format!(
                        "the onHoldHook answered `{}`; only play, say and pause can run while \
                         the call is held",
                        other.name()
                    ),
                    &[],
                );
                return None;
            }
        }
    }
    Some(media)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold_event(swapped: bool) -> EslEvent {
        let mut e = EslEvent::new();
        e.set_header("Event-Name", "CHANNEL_HOLD");
        e.set_header("variable_sip_full_from", "<sip:+15551230000@a>;tag=1");
        e.set_header("variable_sip_full_to", "<sip:1000@b>;tag=2");
        if swapped {
            e.set_header("variable_dlg_req_swap_direction", "true");
        }
        e
    }

    #[test]
    fn the_hold_detail_is_the_re_invites_from_and_to() {
        // The callee's re-INVITE comes from the callee: before FreeSWITCH
        // swapped the dialog, its From is the dialog's To.
        assert_eq!(
            hold_detail(&hold_event(false)),
            json!({"from": "<sip:1000@b>;tag=2", "to": "<sip:+15551230000@a>;tag=1"})
        );
        assert_eq!(
            hold_detail(&hold_event(true)),
            json!({"from": "<sip:+15551230000@a>;tag=1", "to": "<sip:1000@b>;tag=2"})
        );
    }
}
