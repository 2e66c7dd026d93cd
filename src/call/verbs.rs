//! The verbs that act on the caller alone: answer, hangup, pause, play, say,
//! gather, redirect, sip:decline, tag. Each failure is reported (log and
//! error hook) and the application goes on with its next verb, as jambonz
//! does; a hangup of the caller ends the application.

use std::time::{Duration, Instant};

use serde_json::json;
use tracing::{info, warn};

use super::Call;
use crate::app::gather::{Gather, Prompt};
use crate::app::play::{Audio, Loop};
use crate::app::say::Say;
use crate::app::{Instruction, Verb};
use crate::freeswitch::ending::Finish;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;
use freeswitch_esl_tokio::HangupCause;

/// What the verb loop does after a verb.
#[derive(Debug)]
pub enum Next {
    /// Go on with the next verb.
    Continue,
    /// A hook returned a new application: run it instead of what was left.
    Replace(Vec<Instruction>),
    /// The call is over (hung up, declined, or the caller left).
    End,
}

/// Name of the channel variable `gather` collects digits into.
const DIGITS_VAR: &str = "dialbridge_digits";

/// Runs one verb that is not a dial.
pub(crate) async fn run(call: &mut Call, verb: &Verb) -> Next {
    let result = match verb {
        Verb::Answer => call
            .socket
            .execute("answer", None)
            .await
            .map(|_| Next::Continue),
        Verb::Hangup(h) => hangup(call, h.headers.iter(), "sip_bye_h_").await,
        Verb::Pause(p) => {
            let ms = p.millis();
            call.socket
                .execute("sleep", Some(&ms.to_string()))
                .await
                .map(|_| Next::Continue)
        }
        Verb::Play(p) => super::play_verb::play(call, p).await,
        Verb::Say(s) => say(call, s).await,
        Verb::Gather(g) => gather(call, g).await,
        Verb::Redirect(r) => {
            Ok(ask_hook(call, HookKind::Redirect, &r.action_hook, json!({})).await)
        }
        Verb::SipDecline(d) => decline(call, d).await,
        Verb::Alert(a) => super::session_verbs::alert(call, a).await,
        Verb::Config(c) => super::config_verb::config(call, c).await,
        // The session runs conferences with the call's handle
        // (conference_verb::run); elsewhere nobody can steer it.
        Verb::Conference(c) => {
            let mut steering = super::handle::Steering::unreachable(call.view.subscribe());
            super::conference_verb::conference(call, c, &mut steering).await
        }
        Verb::Record(r) => super::recording::record_verb::record(call, r).await,
        Verb::SendDtmf(d) => super::session_verbs::send_dtmf(call, d).await,
        Verb::SipRefer(r) => super::session_verbs::sip_refer(call, r).await,
        Verb::SipRequest(r) => super::session_verbs::sip_request(call, r).await,
        Verb::Leave => Ok(Next::Continue),
        Verb::Enqueue(q) => super::queue_verbs::enqueue(call, q).await,
        Verb::Dequeue(d) => super::queue_verbs::dequeue(call, d).await,
        Verb::RestDial(r) => Ok(super::rest_dial_verb::rest_dial(call, r).await),
        Verb::Listen(l) => super::listen_verb::listen(call, l).await,
        Verb::Transcribe(t) => super::transcribe::transcribe_verb(call, t).await,
        Verb::Tag(t) => {
            call.info.customer_data = Some(t.data.clone());
            Ok(Next::Continue)
        }
        // The session runs dials (call::dial); on a screened callee a dial
        // is refused before it gets here.
        Verb::Dial(_) => Ok(Next::Continue),
    };
    match result {
        Ok(next) => next,
        Err(SocketError::HungUp) | Err(SocketError::Closed) => Next::End,
        Err(e) => {
            warn!(verb = verb.name(), error = %e, "verb failed");
            call.report(
                HookKind::Call,
                "",
                &format!("{} failed: {e}", verb.name()),
                &[],
            );
            Next::Continue
        }
    }
}

/// Calls `hook` with the call's fields plus `extra`; its verbs replace the
/// rest of the application, an empty reply goes on, a failure is reported
/// and the application goes on.
pub(crate) async fn ask_hook(
    call: &mut Call,
    kind: HookKind,
    hook: &crate::app::Hook,
    extra: serde_json::Value,
) -> Next {
    let payload = call.payload(extra);
    // As jambonz (task.js performAction): only a reply with verbs replaces
    // the application; an empty body or `[]` goes on with the verbs after.
    match call.fetch(kind, hook, payload).await {
        Ok(Some(verbs)) if !verbs.is_empty() => Next::Replace(verbs),
        Ok(_) | Err(_) => Next::Continue,
    }
}

/// Answers (or, for early media, pre-answers) the caller when needed.
pub(crate) async fn ensure_media(call: &mut Call, early_media: bool) -> Result<(), SocketError> {
    let state = call.socket.state();
    if state.answered.is_some() || (early_media && state.early_media.is_some()) {
        return Ok(());
    }
    let app = if early_media { "pre_answer" } else { "answer" };
    call.socket.execute(app, None).await.map(|_| ())
}

/// Sets SIP headers with `prefix` (`sip_bye_h_` for a BYE, `sip_rh_` for a
/// final response).
async fn set_headers<'a>(
    call: &mut Call,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
    prefix: &str,
) -> Result<(), SocketError> {
    for (name, value) in headers {
        call.socket
            .execute("set", Some(&format!("{prefix}{name}={value}")))
            .await?;
    }
    Ok(())
}

async fn hangup<'a>(
    call: &mut Call,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
    prefix: &str,
) -> Result<Next, SocketError> {
    set_headers(call, headers, prefix).await?;
    call.socket
        .end_with(&Finish::Hangup(HangupCause::NormalClearing))
        .await;
    Ok(Next::End)
}

async fn decline(
    call: &mut Call,
    d: &crate::app::decline::SipDecline,
) -> Result<Next, SocketError> {
    if call.socket.state().answered.is_some() {
        call.report(
            HookKind::Call,
            "",
            "sip:decline on an answered call; hanging up instead",
            &[],
        );
        return hangup(call, d.headers.iter(), "sip_bye_h_").await;
    }
    set_headers(call, d.headers.iter(), "sip_rh_").await?;
    let finish = Finish::Respond {
        code: d.status,
        reason: d.reason.clone(),
    };
    call.socket.end_with(&finish).await;
    Ok(Next::End)
}

/// Local files for `audio`, fetching URLs into the media cache.
pub(super) async fn files(call: &mut Call, audio: &[Audio]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for a in audio {
        match a {
            Audio::File(p) => out.push(p.clone()),
            Audio::Url(u) => match call.media.local_path(u).await {
                Ok(p) => out.push(p.display().to_string()),
                Err(e) => {
                    call.report(HookKind::Call, u, &e.to_string(), &[]);
                    return None;
                }
            },
        }
    }
    Some(out)
}

/// Text as FreeSWITCH's argument splitters leave it alone: they pair single
/// quotes and consume backslashes, so those become a typographic apostrophe
/// and a space. (Also updateCall's `whisper`, daemon::api::whisper.)
pub(crate) fn tts_text(text: &str) -> String {
    text.replace('\'', "\u{2019}").replace('\\', " ")
}

/// The configured engine and voice for `say`, or None after reporting.
pub(super) fn tts(call: &Call, s: &Say) -> Option<(String, String)> {
    let engine = call.settings.tts.engine.clone();
    if engine.is_empty() {
        call.report(
            HookKind::Call,
            "",
            "say needs a text-to-speech engine: set [tts] engine (e.g. flite) and load that \
             module in FreeSWITCH; the verb was skipped",
            &[],
        );
        return None;
    }
    let voice = s
        .voice
        .clone()
        .or_else(|| call.defaults.synthesizer.as_ref()?.voice.clone())
        .unwrap_or_else(|| call.settings.tts.voice.clone());
    Some((engine, voice))
}

/// A `speak` that returns sooner than this has not spoken. FreeSWITCH's
/// `speak` returns at once, with no Application-Response, when the TTS
/// module of the engine is not loaded ("Invalid TTS module" in its log);
/// any real utterance (a syllable plus the engine's lead-in) lasts longer.
const MIN_SPEECH: Duration = Duration::from_millis(100);

/// True when a `speak` that ran for `elapsed` spoke: it lasted at least
/// [`MIN_SPEECH`], or the caller cut it short with a playback terminator.
fn spoke(elapsed: Duration, terminator_used: bool) -> bool {
    terminator_used || elapsed >= MIN_SPEECH
}

/// Speaks `s`; a `speak` that did not speak ends the verb with a report,
/// so that `loop: 0` cannot spin on a missing TTS module.
async fn say(call: &mut Call, s: &Say) -> Result<Next, SocketError> {
    let Some((engine, voice)) = tts(call, s) else {
        return Ok(Next::Continue);
    };
    ensure_media(call, s.early_media).await?;
    let mut round = 0u32;
    loop {
        for text in &s.text {
            let arg = format!("{engine}|{voice}|{}", tts_text(text));
            let began = Instant::now();
            let done = call.socket.execute("speak", Some(&arg)).await?;
            let terminated = done
                .event
                .variable_str("playback_terminator_used")
                .is_some_and(|t| !t.is_empty());
            // Cut short by the caller's hangup (FreeSWITCH completes the app
            // with `Answer-State: hangup`, trace 02d): not a failed speak.
            if call.socket.hung_up() || done.event.header_str("Answer-State") == Some("hangup") {
                return Ok(Next::End);
            }
            if !spoke(began.elapsed(), terminated) {
                let why = format!(
                    "speak returned after {} ms without speaking; check that FreeSWITCH has loaded \
                     the TTS module for [tts] engine `{engine}` (and knows voice `{voice}`); the say \
                     was stopped",
                    began.elapsed().as_millis()
                );
                call.report(HookKind::Call, "", &why, &[]);
                return Ok(Next::Continue);
            }
        }
        round += 1;
        if matches!(s.repeat, Loop::Times(n) if round >= n) {
            return Ok(Next::Continue);
        }
    }
}

async fn gather(call: &mut Call, g: &Gather) -> Result<Next, SocketError> {
    let prompt = match &g.prompt {
        None => "silence_stream://250".to_owned(),
        Some(Prompt::Play(p)) => match files(call, &p.audio).await {
            Some(f) if f.len() == 1 => f[0].clone(),
            Some(f) => format!("file_string://{}", f.join("!")),
            None => "silence_stream://250".to_owned(),
        },
        Some(Prompt::Say(s)) => match tts(call, s) {
            Some((engine, voice)) => {
                call.socket
                    .execute("set", Some(&format!("tts_engine={engine}")))
                    .await?;
                call.socket
                    .execute("set", Some(&format!("tts_voice={voice}")))
                    .await?;
                format!("'say:{}'", tts_text(&s.text.join(" ")))
            }
            None => "silence_stream://250".to_owned(),
        },
    };
    ensure_media(call, false).await?;
    call.socket.execute("unset", Some(DIGITS_VAR)).await?;
    let terminators = g.finish_on_key.map_or("none".to_owned(), |k| k.to_string());
    let arg = format!(
        "{} {} 1 {} {terminators} {prompt} silence_stream://250 {DIGITS_VAR} ^[0-9*#A-D]+$ {}",
        g.min_digits,
        g.max_digits,
        u64::from(g.timeout) * 1000,
        u64::from(g.inter_digit_timeout) * 1000,
    );
    let done = call
        .socket
        .execute("play_and_get_digits", Some(&arg))
        .await?;
    let mut digits = done.event.variable_str(DIGITS_VAR).map(str::to_owned);
    if digits.is_none() {
        let uuid = call.socket.uuid().to_owned();
        digits = call
            .socket
            .api(&format!("uuid_getvar {uuid} {DIGITS_VAR}"))
            .await
            .ok()
            .filter(|d| d != "_undef_");
    }
    let digits = digits.unwrap_or_default();
    let reason = if digits.len() >= g.min_digits as usize && !digits.is_empty() {
        "dtmfDetected"
    } else {
        "timeout"
    };
    info!(digits = digits.len(), reason, "gather done");
    if call.hooks.format() == crate::app::Format::Rcml {
        return Ok(super::rcml_flow::after_gather(call, g, &digits).await);
    }
    let Some(hook) = &g.action_hook else {
        // jambonz's gather without actionHook: the digits go nowhere and
        // the next verb runs.
        info!("gather has no actionHook: digits dropped, next verb");
        return Ok(Next::Continue);
    };
    Ok(ask_hook(
        call,
        HookKind::Action,
        hook,
        json!({"digits": digits, "reason": reason}),
    )
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_speak_that_returned_at_once_did_not_speak_unless_the_caller_cut_it() {
        assert!(!spoke(Duration::ZERO, false));
        assert!(!spoke(Duration::from_millis(40), false));
        assert!(spoke(Duration::from_millis(40), true));
        assert!(spoke(MIN_SPEECH, false));
        assert!(spoke(Duration::from_secs(3), false));
    }

    #[test]
    fn tts_text_survives_freeswitch_argument_splitting() {
        assert_eq!(tts_text("it's Bob's \\o/"), "it\u{2019}s Bob\u{2019}s  o/");
    }
}
