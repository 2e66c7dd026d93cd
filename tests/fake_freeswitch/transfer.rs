//! Transfers (switch_ivr.c `switch_ivr_session_transfer`) and the dialplan
//! a transferred channel runs next: a REFER's transferee (refer.rs, §11),
//! `uuid_transfer` (§14, 14c). The running application and the socket app
//! return (`CF_TRANSFER`), then the channel runs the extension of its new
//! dialplan: `XML` (what the test scripted with `FakeSwitch::extension`),
//! or `inline:app[:arg][,app[:arg]...]` (`inline:park` keeps the socket in
//! control, 11b1; `inline:socket:<addr> async full` opens a new
//! connection, 11b2). When the extension's applications are done and the
//! channel is still up it is hung up NORMAL_CLEARING (switch_core_state_
//! machine.c "has executed the last dialplan instruction"; 11a, 14c); an
//! XML extension nobody scripted hangs it up NO_ROUTE_DESTINATION (the same
//! file's "No Route, Aborting"; not captured).

use std::time::{SystemTime, UNIX_EPOCH};

use freeswitch_esl_tokio::HangupCause;

use super::apps::{local_hangup, run_app};
use super::channel::AppRequest;
use super::core::Core;
use super::outbound::{SocketEnd, start_socket};
use super::park::{Stop, stops};
use super::switch::Switch;

/// The applications of one scripted extension, in order.
pub type Extension = Vec<(String, String)>;

impl Core {
    /// Transfers `uuid` to `exten`: the dialplan and context given, else
    /// the channel's `force_transfer_dialplan` / `force_transfer_context`,
    /// else its profile's. Sets what FreeSWITCH sets (`max_forwards`,
    /// `transfer_source`, `transfer_history`, the new caller profile) and
    /// leaves any bridge: its partner loses `signal_bond`, so it reports no
    /// `last_bridge_*` to this channel (11a). False when there is no such
    /// channel.
    pub fn transfer(
        &mut self,
        uuid: &str,
        exten: &str,
        dialplan: Option<&str>,
        context: Option<&str>,
    ) -> bool {
        let Some(ch) = self.channels.get_mut(uuid) else {
            return false;
        };
        if !ch.is_up() {
            return false;
        }
        let forwards = ch
            .var("max_forwards")
            .and_then(|v| v.parse::<i64>().ok())
            .map(|v| v - 1)
            .unwrap_or(70);
        ch.set_var("max_forwards", forwards.to_string());
        let pick = |given: Option<&str>, forced: Option<&str>, own: &str| -> String {
            given
                .filter(|s| !s.is_empty())
                .or(forced)
                .map(str::to_string)
                .unwrap_or_else(|| own.to_string())
        };
        let mut use_dialplan = pick(
            dialplan,
            ch.var("force_transfer_dialplan"),
            &ch.profile.dialplan,
        );
        if use_dialplan.is_empty() || use_dialplan.eq_ignore_ascii_case("inline") {
            use_dialplan = "XML".into();
        }
        let mut use_context = pick(
            context,
            ch.var("force_transfer_context"),
            &ch.profile.context,
        );
        if use_context.is_empty() {
            use_context = "default".into();
        }
        let exten = if exten.is_empty() { "service" } else { exten };
        ch.unset_var("signal_bond");
        let partner = ch.bridged_to.clone();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let source = format!(
            "{now}:{}:bl_xfer:{exten}/{use_context}/{use_dialplan}",
            uuid::Uuid::new_v4()
        );
        ch.push_var("transfer_history", &source);
        ch.set_var("transfer_source", source.clone());
        ch.profile.transfer_source = Some(source);
        let before = std::mem::replace(&mut ch.profile.destination, exten.to_string());
        ch.profile.dialplan = use_dialplan.clone();
        ch.profile.context = use_context.clone();
        if ch.profile.direction == "outbound" {
            // An outbound channel that reaches a dialplan reads as inbound
            // (switch_channel.c, CF_DIALPLAN; 11b1).
            ch.profile.logical_direction = Some("inbound");
        }
        ch.transfer_to = Some((exten.to_string(), use_dialplan, use_context, before));
        ch.xfer.send_modify(|x| *x += 1);
        if let Some(p) = partner.and_then(|p| self.channels.get_mut(&p)) {
            p.unset_var("signal_bond");
        }
        true
    }
}

/// The applications of `inline:app[:arg][,app[:arg]...]` (mod_dptools'
/// inline dialplan).
fn inline_apps(spec: &str) -> Extension {
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let (app, arg) = s.split_once(':').unwrap_or((s, ""));
            (app.trim().to_string(), arg.to_string())
        })
        .collect()
}

/// Runs the dialplan a transferred channel goes to, then ends the channel
/// (hangup NORMAL_CLEARING if still up, and its report).
pub async fn run_dialplan(sw: &Switch, uuid: &str) {
    let cu = sw.0.core_uuid.clone();
    loop {
        let target = sw
            .lock()
            .channels
            .get_mut(uuid)
            .and_then(|c| c.transfer_to.take());
        let Some((exten, dialplan, context, before)) = target else {
            break;
        };
        let apps = match dialplan.strip_prefix("inline:") {
            Some(spec) => {
                // The inline dialplan runs with the caller's own
                // destination again (11b1, 11b2: `caller`, not 2000).
                if let Some(ch) = sw.lock().channels.get_mut(uuid) {
                    ch.profile.destination = before;
                }
                Some(inline_apps(spec))
            }
            None => sw.extension(&context, &exten),
        };
        let Some(apps) = apps else {
            local_hangup(&mut sw.lock(), &cu, uuid, HangupCause::NoRouteDestination);
            break;
        };
        let Some(st) = stops(sw, uuid) else {
            return;
        };
        let mut transferred = false;
        for (name, arg) in apps {
            if name == "socket" {
                inline_socket(sw, uuid, &arg).await;
            } else {
                run_app(sw, uuid, AppRequest::new(&name, &arg)).await;
            }
            match st.now() {
                Some(Stop::Hangup) => break,
                Some(Stop::Transfer) => {
                    transferred = true;
                    break;
                }
                None => {}
            }
        }
        if transferred {
            continue;
        }
        let mut core = sw.lock();
        if core.channels.get(uuid).is_some_and(|c| c.is_up()) {
            local_hangup(&mut core, &cu, uuid, HangupCause::NormalClearing);
        }
        break;
    }
    sw.lock().complete(&cu, uuid);
}

/// The `socket <addr> async full` application of a dialplan: a new
/// outbound connection for the channel (11b2), returning when its socket
/// app does.
async fn inline_socket(sw: &Switch, uuid: &str, arg: &str) {
    let cu = sw.0.core_uuid.clone();
    let Some(addr) = arg.split_whitespace().next().and_then(|a| a.parse().ok()) else {
        sw.log_of(uuid, format!("socket application with no address: {arg:?}"));
        return;
    };
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    {
        let mut core = sw.lock();
        if let Some(ch) = core.channels.get_mut(uuid) {
            ch.set_var("current_application", "socket");
            ch.set_var("current_application_data", arg);
        }
        let post = [
            ("Application", "socket".to_string()),
            ("Application-Data", arg.to_string()),
            ("Application-UUID", uuid::Uuid::new_v4().to_string()),
        ];
        core.fire(&cu, uuid, "CHANNEL_EXECUTE", &[], &post);
        start_socket(
            sw,
            &mut core,
            addr,
            uuid,
            arg.to_string(),
            SocketEnd::Inline(done_tx),
        );
    }
    let _ = done_rx.await;
}

impl Switch {
    /// The scripted applications of `exten` in `context` (or of `*`).
    pub fn extension(&self, context: &str, exten: &str) -> Option<Extension> {
        let ex = self.extra();
        ex.extensions
            .get(&(context.to_string(), exten.to_string()))
            .or_else(|| ex.extensions.get(&(context.to_string(), "*".to_string())))
            .cloned()
    }
}
