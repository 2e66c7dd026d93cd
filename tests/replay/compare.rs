//! How a replay is held to its capture: each connection's messages as
//! compared views (replay/view.rs), and the SIP codes the caller received,
//! from the capture's results JSON and from the fake, in the same form.

use crate::DIR;
use crate::driver::Played;
use crate::fake_freeswitch::CallerSip;
use crate::view::{self, diff, view};

/// The SIP codes the caller received, from a results JSON (`caller_sip`).
pub fn caller_codes_from_results(name: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("{DIR}/results/{name}.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let mut out = Vec::new();
    let mut skip_next_200 = false;
    for e in json.get("caller_sip")?.as_array()? {
        let (dir, line) = (e[1].as_str()?, e[2].as_str()?);
        if dir.contains("sent") {
            if line.starts_with("BYE") || line.starts_with("CANCEL") {
                skip_next_200 = true;
            }
            continue;
        }
        if let Some(code) = line.strip_prefix("SIP/2.0 ").and_then(|c| c.get(..3)) {
            match code {
                "100" => {}
                "200" if skip_next_200 => skip_next_200 = false,
                "200" if out.iter().any(|c| c == "487") => {}
                c => out.push(c.to_string()),
            }
        } else if line.starts_with("BYE") {
            out.push("BYE".into());
        }
    }
    Some(out)
}

pub fn fake_codes(s: &[CallerSip]) -> Vec<String> {
    s.iter()
        .filter_map(|x| match x {
            CallerSip::Ringing180 => Some("180".into()),
            CallerSip::Progress183 => Some("183".into()),
            CallerSip::Ok200 => Some("200".into()),
            CallerSip::Final(c) => Some(c.to_string()),
            CallerSip::Bye(_) => Some("BYE".into()),
            CallerSip::CallerCancel => Some("487".into()),
            CallerSip::CallerBye => None,
        })
        .collect()
}

pub fn no_rename(u: &str) -> String {
    u.to_string()
}

/// Compares one connection; problems are prefixed with `what`.
pub fn compare(what: &str, want: &[String], got: &Played) -> Vec<String> {
    let mut out: Vec<String> = got.errors.iter().map(|e| format!("{what}: {e}")).collect();
    out.extend(
        diff(&view(want, &no_rename), &view(&got.got, &no_rename))
            .into_iter()
            .map(|d| format!("{what}: {d}")),
    );
    out
}

/// As [`compare`], for a connection with polls: consecutive equal replies
/// count once (how many tries each answer took raced the call).
pub fn compare_polled(what: &str, want: &[String], got: &Played) -> Vec<String> {
    let dedup = |v: &mut view::View| v.replies.dedup();
    let (mut w, mut g) = (view(want, &no_rename), view(&got.got, &no_rename));
    dedup(&mut w);
    dedup(&mut g);
    let mut out: Vec<String> = got.errors.iter().map(|e| format!("{what}: {e}")).collect();
    out.extend(diff(&w, &g).into_iter().map(|d| format!("{what}: {d}")));
    out
}
