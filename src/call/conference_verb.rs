//! `conference`: the caller (answered first) runs mod_conference's
//! `conference <name>@default+flags{...}` (docs/freeswitch.md §19) until it
//! leaves the room — kicked, the room ended by an `endconf` member, or
//! hung up. Then `actionHook`, if any, is told and its reply replaces the
//! rest of the application.

use serde_json::json;
use tracing::info;

use super::Call;
use super::verbs::{Next, ask_hook, ensure_media};
use crate::app::conference::Conference;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// Runs `conference`.
pub(crate) async fn conference(call: &mut Call, c: &Conference) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    let done = call
        .socket
        .execute("conference", Some(&c.argument()))
        .await?;
    let member_id = done
        .event
        .variable_str("conference_member_id")
        .map(str::to_owned);
    info!(room = %c.name, member_id = ?member_id, "left the conference");
    if call.socket.hung_up() || done.event.header_str("Answer-State") == Some("hangup") {
        return Ok(Next::End);
    }
    Ok(match &c.action_hook {
        Some(hook) => {
            let extra = json!({"conference_name": c.name, "member_id": member_id});
            ask_hook(call, HookKind::Action, hook, extra).await
        }
        None => Next::Continue,
    })
}
