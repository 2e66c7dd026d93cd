//! Call screening (docs/freeswitch.md §5, traces 04a-04f): a leg carrying
//! `group_confirm_key=exec` + `group_confirm_file=socket <addr> async full`
//! opens its own outbound socket when it answers; the socket app's return
//! with the leg up accepts it, a hangup rejects it. Also `execute_on_answer`.

use std::net::SocketAddr;

use tokio::sync::mpsc;

use super::apps::run_app;
use super::channel::AppRequest;
use super::core::Core;
use super::legs::{PlannedLeg, Stim};
use super::outbound::{SocketEnd, start_socket};
use super::switch::Switch;

/// The `<addr>` of `socket <addr> async full` (quotes allowed, 04c).
fn socket_addr(file: &str) -> Option<SocketAddr> {
    let f = file.trim().trim_matches('\'');
    let rest = f.strip_prefix("socket")?.trim();
    rest.split_whitespace().next()?.parse().ok()
}

/// Whether a leg is screened over a socket when it answers.
pub fn screens(leg: &PlannedLeg) -> bool {
    leg.var("group_confirm_key") == Some("exec")
        && leg
            .var("group_confirm_file")
            .and_then(socket_addr)
            .is_some()
}

/// What happens on a leg the moment it answers: `execute_on_answer`, and
/// for a screened leg CHANNEL_EXECUTE(socket) and the second connection.
pub fn on_answer(
    sw: &Switch,
    core: &mut Core,
    uuid: &str,
    leg: &PlannedLeg,
    idx: usize,
    tx: mpsc::UnboundedSender<(usize, Stim)>,
) {
    let cu = sw.0.core_uuid.clone();
    if let Some(app) = leg.var("execute_on_answer") {
        let (name, arg) = app.split_once(' ').unwrap_or((app, ""));
        let req = AppRequest::new(name, arg);
        let (sw2, u) = (sw.clone(), uuid.to_string());
        tokio::spawn(async move { run_app(&sw2, &u, req).await });
    }
    if !screens(leg) {
        return;
    }
    let file = leg
        .var("group_confirm_file")
        .unwrap_or_default()
        .trim_matches('\'')
        .to_string();
    let Some(addr) = socket_addr(&file) else {
        return;
    };
    let data = file.trim_start_matches("socket").trim().to_string();
    if let Some(ch) = core.channels.get_mut(uuid) {
        ch.call_state = "ACTIVE";
        ch.set_var("current_application", "socket");
        ch.set_var("current_application_data", data.clone());
    }
    let post = [
        ("Application", "socket".to_string()),
        ("Application-Data", data.clone()),
        ("Application-UUID", uuid::Uuid::new_v4().to_string()),
    ];
    core.fire(&cu, uuid, "CHANNEL_EXECUTE", &[], &post);
    start_socket(sw, core, addr, uuid, data, SocketEnd::Screening(tx, idx));
}
