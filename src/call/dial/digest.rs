//! Forgetting a callee's SIP digest password once it answered.
//!
//! A `sip` target's `auth` reaches FreeSWITCH as the leg variables
//! `sip_auth_username` / `sip_auth_password` of the dial string. mod_sofia
//! reads them when a request of the leg is challenged (401/407,
//! `sofia_reg_handle_sip_r_challenge`) and hands them to sofia-sip, which
//! keeps the credentials of each realm on the dialog's handle and answers
//! later challenges of that realm (a re-INVITE, a BYE) from that cache. So
//! once the leg answered, the variable is no longer needed, while it would
//! stay readable to `uuid_dump`/`uuid_getvar`, in every later event of the
//! leg and in CDRs (xml_cdr writes every variable) for the whole call.
//! dialbridge unsets it (`uuid_setvar <leg> sip_auth_password`) as soon as
//! the leg is bridged: fire-and-forget, after the answer, never on the set-up
//! path. The one case this gives up: a *new* realm challenging the leg
//! mid-call, which then fails as if no credentials were given.
//!
//! What stays (README, "Secrets"): the password in the `bridge` argument
//! (the caller's CHANNEL_EXECUTE events and `current_application_data`
//! while the dial runs, FreeSWITCH's own `EXECUTE` log line at INFO, the
//! caller's `app_log` in xml_cdr unless `disable_app_log=true`), and on legs
//! that did not answer until their channel is gone.

use tracing::{debug, warn};

use crate::app::{Dial, TargetKind};
use crate::call::Call;
use crate::freeswitch::dialstring::CompiledDial;

/// The variable unset.
pub(crate) const PASSWORD_VAR: &str = "sip_auth_password";

/// Unsets the digest password of the bridged leg `winner` when its target
/// had one (a counted task of its own: the dial does not wait for it, a drain does).
pub fn forget_password(call: &Call, dial: &Dial, compiled: &CompiledDial, winner: &str) {
    if !has_password(dial, compiled, winner) {
        return;
    }
    let commander = call.socket.commander();
    let command = format!("uuid_setvar {winner} {PASSWORD_VAR}");
    let unset = async move {
        match commander.api(&command).await {
            Ok(_) => debug!("the answered leg's digest password was unset"),
            Err(e) => warn!(error = %e, "cannot unset the answered leg's digest password"),
        }
    };
    call.engine
        .tasks
        .spawn(tracing::Instrument::in_current_span(unset));
}

/// True when the leg `uuid` dials a target with digest credentials.
fn has_password(dial: &Dial, compiled: &CompiledDial, uuid: &str) -> bool {
    let Some(target) = compiled
        .legs
        .iter()
        .find(|l| l.uuid == uuid)
        .map(|l| l.target)
    else {
        return false;
    };
    dial.targets
        .iter()
        .any(|(i, t)| *i == target && matches!(&t.kind, TargetKind::Sip { auth: Some(_), .. }))
}
