//! Runs `dtmf` (RCML's `<Play digits>`): the caller is answered if needed,
//! then `uuid_send_dtmf <uuid> <digits>` queues the digits to it as RFC
//! 2833 events (docs/freeswitch.md §22: `+OK <uuid> sent DTMF 1234.`, no
//! event). One API round trip; the next verb starts while they are sent.

use tracing::info;

use super::Call;
use super::verbs::{Next, ensure_media};
use crate::app::dtmf::Dtmf;
use crate::freeswitch::socket::SocketError;
use crate::webhook::HookKind;

/// Sends `d`'s digits to the caller.
pub async fn run(call: &mut Call, d: &Dtmf) -> Result<Next, SocketError> {
    ensure_media(call, false).await?;
    let uuid = call.socket.uuid().to_owned();
    // The digits were checked (0-9 * # A-D w): nothing to escape.
    let reply = call
        .socket
        .api(&format!("uuid_send_dtmf {uuid} {}", d.digits))
        .await?;
    if reply.starts_with("+OK") {
        info!(digits = d.digits.len(), "dtmf sent");
    } else {
        let why = format!("uuid_send_dtmf answered `{}`", reply.trim());
        call.report(HookKind::Call, "", &why, &[]);
    }
    Ok(Next::Continue)
}
