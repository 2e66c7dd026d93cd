//! SIP headers between the caller and the legs (docs/freeswitch.md §12, traces
//! 12a/12b): what mod_sofia keeps of an inbound INVITE's X- headers, what
//! it copies from the caller onto every sofia leg it originates, and the
//! extra headers a leg's INVITE carries. Exists so a test can assert what
//! a callee (or Kamailio behind it) would receive.
//!
//! What FreeSWITCH does here, as read in its code (docs/freeswitch.md: facts marked "source"; nothing of FreeSWITCH is built or copied here):
//! * sofia.c `sofia_handle_sip_i_invite`: an inbound INVITE's unknown
//!   `X-` headers become `sip_h_<Name>` variables on the caller; a repeated
//!   header becomes `sip_h_<Name>-1`, `-2`, ...
//! * mod_sofia.c `sofia_outgoing_channel`: unless the *originating*
//!   channel's `sip_copy_custom_headers` is set and not true, every
//!   `sip_h_*` variable of it is copied onto the new leg
//!   (`switch_ivr_transfer_variable(..., "~sip_h_")`). The dial string's
//!   `{}`/`[]` variables are installed afterwards by the originate
//!   (switch_ivr_originate.c), so on a name clash they win, and they are
//!   never affected by `sip_copy_custom_headers`.
//! * sofia_glue.c `sofia_glue_get_extra_headers`: a leg's INVITE carries
//!   one `Name: value` header per `sip_h_Name` variable of the leg.

use super::channel::Channel;

/// The prefix of the variables mod_sofia sends as headers.
pub const PREFIX: &str = "sip_h_";

/// The variable an inbound INVITE's header `name` becomes on the caller,
/// given the caller's variables so far (a repeated header gets `-1`, `-2`).
pub fn inbound_var(vars: &[(String, String)], name: &str) -> String {
    let base = format!("{PREFIX}{name}");
    let taken = |n: &str| vars.iter().any(|(k, _)| k == n);
    if !taken(&base) {
        return base;
    }
    (1..)
        .map(|i| format!("{base}-{i}"))
        .find(|n| !taken(n))
        .unwrap_or(base)
}

/// Whether mod_sofia keeps an inbound header as a `sip_h_` variable the
/// way this fake models it: `X-` headers other than FreeSWITCH's own
/// `X-FS-Channel-Name` / `X-FS-Support`, which it consumes.
pub fn kept_from_invite(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("x-") && lower != "x-fs-channel-name" && lower != "x-fs-support"
}

/// The caller's variables a new sofia leg starts with: its `sip_h_*`
/// variables, unless `sip_copy_custom_headers` is set to something
/// FreeSWITCH does not read as true (`!(vval) || switch_true(vval)`).
pub fn copied_from_caller(a: &Channel) -> Vec<(String, String)> {
    if a.var("sip_copy_custom_headers").is_some() && !a.var_true("sip_copy_custom_headers") {
        return Vec::new();
    }
    a.vars
        .iter()
        .filter(|(k, _)| k.starts_with(PREFIX))
        .cloned()
        .collect()
}

/// The extra headers of a leg's INVITE, from its variables, in order.
pub fn invite_headers(vars: &[(String, String)]) -> Vec<(String, String)> {
    vars.iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(PREFIX)?.to_string(), v.clone())))
        .collect()
}
