//! The socket app and the dialplan applications run on a channel: each
//! `execute` gives CHANNEL_EXECUTE, the app's effect, then
//! CHANNEL_EXECUTE_COMPLETE with `Application-Response` and the sendmsg's
//! `Event-UUID` as `Application-UUID`.

use std::time::Duration;

use freeswitch_esl_tokio::HangupCause;
use tokio::sync::watch;

use super::channel::AppRequest;
use super::core::Core;
use super::lifecycle::Disp;
use super::pacing::AppRun;
use super::signal;
use super::switch::Switch;

/// Work to do after the app's CHANNEL_EXECUTE_COMPLETE (a bridge's B leg
/// ends after A's EXECUTE_COMPLETE, traces 02a and 04a).
pub type After = Vec<Box<dyn FnOnce(&mut Core, &str) + Send>>;

/// The hang-up watch of a channel, if it exists.
pub fn hung_watch(sw: &Switch, uuid: &str) -> Option<watch::Receiver<bool>> {
    sw.lock().channels.get(uuid).map(|c| c.hung.subscribe())
}

/// Resolves once the channel behind `rx` has hung up (holding no borrow,
/// so the futures awaiting it stay `Send`).
pub async fn hung_up(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|h| *h).await.map(|_| ());
}

/// Sleeps `d` unless the channel hangs up first; true when the time ran out.
pub async fn wait_or_hangup(sw: &Switch, uuid: &str, d: Duration) -> bool {
    let Some(mut hung) = hung_watch(sw, uuid) else {
        return false;
    };
    tokio::select! {
        _ = hung_up(&mut hung) => false,
        _ = tokio::time::sleep(d) => true,
    }
}

/// Hangs a channel up from the switch side with the fitting disposition.
pub fn local_hangup(core: &mut Core, cu: &str, uuid: &str, cause: HangupCause) {
    let answered = core.channels.get(uuid).is_some_and(|c| c.answered);
    let outbound = core
        .channels
        .get(uuid)
        .is_some_and(|c| c.profile.direction == "outbound");
    let disp = match (answered, outbound) {
        (true, _) => Disp::SendBye,
        (false, true) => Disp::SendCancel,
        (false, false) => Disp::SendRefuse,
    };
    core.hangup(cu, uuid, cause, disp);
}

pub fn complete_headers(
    app: &str,
    arg: &str,
    resp: &str,
    app_uuid: &str,
) -> Vec<(&'static str, String)> {
    let mut h = vec![("Application", app.to_string())];
    if !arg.is_empty() {
        h.push(("Application-Data", arg.to_string()));
    }
    h.push(("Application-Response", resp.to_string()));
    h.push(("Application-UUID", app_uuid.to_string()));
    h
}

/// A boxed `Send` future: applications can run applications (`park`
/// runs what a socket queues), so the recursion is broken here.
pub type AppFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = String> + Send + 'a>>;

/// Runs one application with its EXECUTE / EXECUTE_COMPLETE pair.
pub fn run_app<'a>(sw: &'a Switch, uuid: &'a str, req: AppRequest) -> AppFuture<'a> {
    Box::pin(run_app_inner(sw, uuid, req))
}

async fn run_app_inner(sw: &Switch, uuid: &str, req: AppRequest) -> String {
    let cu = sw.0.core_uuid.clone();
    let app_uuid = req
        .event_uuid
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    {
        let mut core = sw.lock();
        let Some(ch) = core.channels.get_mut(uuid) else {
            return "_none_".into();
        };
        if !ch.is_up() {
            return "_none_".into();
        }
        ch.set_var("current_application", req.name.clone());
        ch.set_var("current_application_data", req.arg.clone());
        ch.running_app += 1;
        ch.log.push_app_run(AppRun {
            channel: uuid.to_string(),
            name: req.name.clone(),
            arg: req.arg.clone(),
            queued: req.queued,
            started: ch.log.elapsed(),
            frame: req.frame.unwrap_or(ch.frame_no),
            queued_frame: req.queued_tick,
        });
        let mut post = vec![("Application", req.name.clone())];
        if !req.arg.is_empty() {
            post.push(("Application-Data", req.arg.clone()));
        }
        post.push(("Application-UUID", app_uuid.clone()));
        core.fire(&cu, uuid, "CHANNEL_EXECUTE", &[], &post);
    }
    let (resp, after) = app_body(sw, uuid, &req).await;
    let mut core = sw.lock();
    let post = complete_headers(&req.name, &req.arg, &resp, &app_uuid);
    core.fire(&cu, uuid, "CHANNEL_EXECUTE_COMPLETE", &[], &post);
    // The park loop delivers what it queued meanwhile (trace 10).
    let deferred = match core.channels.get_mut(uuid) {
        Some(ch) => {
            ch.running_app = ch.running_app.saturating_sub(1);
            std::mem::take(&mut ch.deferred)
        }
        None => Vec::new(),
    };
    for ev in deferred {
        core.emit(&ev);
    }
    for f in after {
        f(&mut core, &cu);
    }
    resp
}

/// How long playing `file` takes, in switch milliseconds (scaled by the
/// switch's second when waited for): `tone_stream://%(on,off,...)[;loops=N]`,
/// `silence_stream://ms`, or the duration the test set for the file.
pub fn play_ms(sw: &Switch, file: &str) -> u64 {
    if let Some(ms) = sw.file_ms(file) {
        return ms;
    }
    if let Some(t) = file.strip_prefix("tone_stream://") {
        let loops: u64 = t
            .split(";loops=")
            .nth(1)
            .and_then(|l| l.parse().ok())
            .unwrap_or(1);
        let mut total = 0;
        for seg in t.split("%(").skip(1) {
            let nums: Vec<u64> = seg
                .split(')')
                .next()
                .unwrap_or("")
                .split(',')
                .take(2)
                .filter_map(|n| n.trim().parse().ok())
                .collect();
            total += nums.iter().sum::<u64>();
        }
        return total.max(1) * loops.max(1);
    }
    if let Some(ms) = file.strip_prefix("silence_stream://") {
        return ms
            .split(',')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
    }
    sw.default_file_ms()
}

async fn app_body(sw: &Switch, uuid: &str, req: &AppRequest) -> (String, After) {
    let cu = sw.0.core_uuid.clone();
    let none = || ("_none_".to_string(), After::new());
    let arg = req.arg.trim();
    match req.name.as_str() {
        "answer" => signal::answer(&mut sw.lock(), &cu, uuid),
        "pre_answer" => signal::pre_answer(&mut sw.lock(), &cu, uuid, true),
        "ring_ready" => signal::ring_ready(&mut sw.lock(), &cu, uuid),
        "set" | "export" => {
            let mut core = sw.lock();
            if let (Some(ch), Some((k, v))) = (core.channels.get_mut(uuid), arg.split_once('=')) {
                if v.is_empty() {
                    ch.unset_var(k);
                } else {
                    ch.set_var(k, v);
                }
                if req.name == "export" {
                    ch.push_var("export_vars", k);
                }
            }
        }
        "unset" => {
            if let Some(ch) = sw.lock().channels.get_mut(uuid) {
                ch.unset_var(arg);
            }
        }
        "hangup" => {
            let cause = arg.parse().unwrap_or(HangupCause::NormalClearing);
            local_hangup(&mut sw.lock(), &cu, uuid, cause);
        }
        "respond" => {
            let code: u16 = arg
                .split_whitespace()
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let mut core = sw.lock();
            match code {
                180 => signal::ring_ready(&mut core, &cu, uuid),
                183 => signal::pre_answer(&mut core, &cu, uuid, true),
                200 => signal::answer(&mut core, &cu, uuid),
                c if c >= 300 => {
                    if let Some(ch) = core.channels.get_mut(uuid)
                        && !ch.answered
                    {
                        ch.responded = true;
                        ch.log.push_sip(super::record::CallerSip::Final(c));
                    }
                    let cause = HangupCause::from_sip_response(c)
                        .unwrap_or(HangupCause::NormalTemporaryFailure);
                    local_hangup(&mut core, &cu, uuid, cause);
                }
                _ => {}
            }
        }
        "playback" | "speak" | "sleep" | "endless_playback" => {
            return super::playback::run(sw, uuid, req).await;
        }
        "play_and_get_digits" => return super::digits::play_and_get_digits(sw, uuid, arg).await,
        "avmd_start" | "avmd_stop" => {
            let mut core = sw.lock();
            let start = req.name == "avmd_start";
            if let Some(ch) = core.channels.get_mut(uuid) {
                ch.avmd = start;
            }
            if start {
                signal::avmd_event(&mut core, &cu, uuid, "avmd::start", &[("Start-time", "0")]);
            } else {
                signal::avmd_event(
                    &mut core,
                    &cu,
                    uuid,
                    "avmd::stop",
                    &[("Beep-Status", "DETECTED"), ("Total-time", "0")],
                );
            }
        }
        "bridge" => return super::bridge::bridge_app(sw, uuid, arg).await,
        "park" => return (super::park::park_app(sw, uuid).await, After::new()),
        "record_session" => super::recording::record_session(sw, uuid, arg).await,
        "record" => return super::record_app::record(sw, uuid, arg).await,
        "send_dtmf" => super::control_api::send_dtmf_app(sw, uuid, arg),
        "stop_record_session" => super::recording::stop_record_session(sw, uuid, arg),
        "conference" => super::conference::conference_app(sw, uuid, arg).await,
        "deflect" => super::refer::deflect_app(sw, uuid, arg).await,
        "send_info" => super::info::send_info(sw, uuid, None, arg),
        "transfer" => {
            let w: Vec<&str> = arg.split_whitespace().collect();
            if let Some(exten) = w.first() {
                sw.lock()
                    .transfer(uuid, exten, w.get(1).copied(), w.get(2).copied());
            }
        }
        "log" | "info" | "event" => {}
        other => sw.log_of(
            uuid,
            format!("unknown application {other:?} executed on {uuid}"),
        ),
    }
    none()
}
