//! `api` / `bgapi` commands, on the inbound connection and on an outbound
//! socket alike, with the reply texts captured in traces 06, 07b and 10.

use std::sync::Arc;

use freeswitch_esl_tokio::HangupCause;

use super::apps::local_hangup;
use super::record::CallLog;
use super::signal;
use super::switch::Switch;

const NO_CHANNEL: &str = "-ERR No such channel!\n";

/// Runs one api command line and returns the response body.
pub async fn execute(sw: &Switch, line: &str, log: Option<&Arc<CallLog>>) -> String {
    let cu = sw.0.core_uuid.clone();
    let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
    let args: Vec<&str> = rest.split_whitespace().collect();
    sw.note_api(line);
    if let Some(body) = super::control_api::execute(sw, cmd, rest).await {
        return body;
    }
    let mut core = sw.lock();
    let exists = |core: &super::core::Core, u: &str| {
        core.channels.get(u).is_some_and(|c| c.cs != "CS_REPORTING")
    };
    match cmd {
        "status" => format!(
            "UP 0 years, 0 days, 0 hours, 0 minutes, 1 second, 0 milliseconds, 0 microseconds\n\
             FreeSWITCH (Version 1.11.3-dev fakeswitch) is ready\n{} session(s) - peak 0\n",
            core.channels.len()
        ),
        "show" if rest.trim_end().ends_with("count") => {
            let n = core
                .channels
                .values()
                .filter(|c| c.cs != "CS_REPORTING")
                .count();
            format!("\n{n} total.\n\n")
        }
        "uuid_exists" => (args.first().is_some_and(|u| exists(&core, u))).to_string(),
        "uuid_kill" => match args.first() {
            Some(u) if exists(&core, u) => {
                let cause = args
                    .get(1)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(HangupCause::NormalClearing);
                local_hangup(&mut core, &cu, u, cause);
                "+OK\n".into()
            }
            _ => NO_CHANNEL.into(),
        },
        // mod_commands' `sched_hangup [+]<time> <uuid> [<cause>]` (source,
        // not captured): +OK, and the channel is hung up with the cause
        // (default ALLOTTED_TIMEOUT) that many switch seconds later.
        "sched_hangup" => match (args.first(), args.get(1)) {
            (Some(when), Some(u)) if exists(&core, u) => {
                let secs: u32 = when.trim_start_matches('+').parse().unwrap_or(0);
                let cause = args
                    .get(2)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(HangupCause::AllottedTimeout);
                let (sw2, u, cu) = (sw.clone(), u.to_string(), cu.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(sw2.second() * secs).await;
                    let mut core = sw2.lock();
                    if core
                        .channels
                        .get(&u)
                        .is_some_and(|c| c.cs != "CS_REPORTING")
                    {
                        local_hangup(&mut core, &cu, &u, cause);
                    }
                });
                "+OK\n".into()
            }
            (Some(_), Some(_)) => NO_CHANNEL.into(),
            _ => "-USAGE: [+]<time> <uuid> [<cause>]\n".into(),
        },
        "uuid_setvar" => match (args.first(), args.get(1)) {
            (Some(u), Some(k)) if exists(&core, u) => {
                let v = rest.splitn(3, ' ').nth(2).unwrap_or("").to_string();
                match core.channels.get_mut(*u) {
                    Some(ch) if v.is_empty() => ch.unset_var(k),
                    Some(ch) => ch.set_var(k, v),
                    None => return NO_CHANNEL.into(),
                }
                "+OK\n".into()
            }
            (Some(_), Some(_)) => NO_CHANNEL.into(),
            _ => "-USAGE: <uuid> <var> [value]\n".into(),
        },
        // mod_commands' `uuid_setvar_multi <uuid> <var>=<value>;…` (source;
        // docs/freeswitch.md §17): the pairs are set in order, acting before
        // the reply; an empty value unsets (switch_channel_set_variable of
        // ""), as `uuid_setvar` without one. +OK once one was set.
        "uuid_setvar_multi" => match rest.split_once(' ') {
            Some((u, vars)) if exists(&core, u) => {
                let Some(ch) = core.channels.get_mut(u) else {
                    return NO_CHANNEL.into();
                };
                let mut set = 0;
                for pair in vars.split(';') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if k.is_empty() {
                        continue;
                    }
                    if v.is_empty() {
                        ch.unset_var(k);
                    } else {
                        ch.set_var(k, v.to_string());
                    }
                    set += 1;
                }
                if set > 0 {
                    "+OK\n".into()
                } else {
                    "-ERR No variable specified\n".into()
                }
            }
            Some(_) => NO_CHANNEL.into(),
            None => "-USAGE: <uuid> <var>=<value>;<var>=<value>...\n".into(),
        },
        // mod_commands' `uuid_ring_ready <uuid>`: the channel's ring_ready
        // (a 180 to an inbound caller, CHANNEL_PROGRESS) from the API
        // thread, no application queued (§17).
        "uuid_ring_ready" => match args.first() {
            Some(u) if exists(&core, u) => {
                signal::ring_ready(&mut core, &cu, u);
                "+OK\n".into()
            }
            _ => NO_CHANNEL.into(),
        },
        "uuid_getvar" => match (args.first(), args.get(1)) {
            (Some(u), Some(k)) if exists(&core, u) => {
                core.channels[*u].var(k).unwrap_or("_undef_").to_string()
            }
            (Some(_), Some(_)) => NO_CHANNEL.into(),
            _ => "-USAGE: <uuid> <var>\n".into(),
        },
        "uuid_record" => match (args.first(), args.get(1), args.get(2)) {
            (Some(u), Some(&act), Some(path))
                if exists(&core, u) && (act == "start" || act == "stop") =>
            {
                let own = |core: &super::core::Core, uuid: &str| {
                    core.channels
                        .get(uuid)
                        .and_then(|c| c.script.as_ref())
                        .and_then(|s| s.audio.clone())
                };
                let audio = own(&core, u);
                let partner = core.channels[*u].bridged_to.clone();
                let heard = partner.as_deref().and_then(|p| own(&core, p));
                drop(core);
                // A caller's own leg: its `Caller::records` audio.
                let caller_audio =
                    |uuid: &str| sw.extra().callers.get(uuid).and_then(|c| c.audio.clone());
                let audio = audio.or_else(|| caller_audio(u));
                let heard = heard.or_else(|| partner.as_deref().and_then(caller_audio));
                let limit = args.get(3).and_then(|l| l.parse().ok());
                let layout = super::audio::Layout::of(args.get(4).copied().unwrap_or(""));
                let samples = layout.lay_out(
                    audio.as_deref().map(Vec::as_slice),
                    heard.as_deref().map(Vec::as_slice),
                );
                sw.record(
                    u,
                    act,
                    path,
                    Some(Arc::new(samples)),
                    limit,
                    layout.frame_bytes(),
                );
                "+OK Success\n".into()
            }
            (Some(_), Some(_), Some(_)) => "-ERR Cannot locate session!\n".into(),
            _ => "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>] [<recording_vars>]\n"
                .into(),
        },
        "avmd" => match (args.first(), args.get(1)) {
            (Some(u), Some(&act)) if exists(&core, u) => {
                let name = core.channels[*u].name.clone();
                if act == "start" {
                    signal::avmd_event(&mut core, &cu, u, "avmd::start", &[("Start-time", "0")]);
                    format!("+OK\n [{u}] [{name}] started!\n\n")
                } else {
                    signal::avmd_event(
                        &mut core,
                        &cu,
                        u,
                        "avmd::stop",
                        &[("Beep-Status", "DETECTED"), ("Total-time", "0")],
                    );
                    format!("+OK\n [{u}] [{name}] stopped\n\n")
                }
            }
            _ => "-ERR, no such session\n".into(),
        },
        "originate" => {
            drop(core);
            match super::originate::originate(sw, rest).await {
                Ok(u) => format!("+OK {u}\n"),
                Err(c) => format!("-ERR {}\n", c.as_str()),
            }
        }
        "hupall" => {
            let all: Vec<String> = core.channels.keys().cloned().collect();
            for u in all {
                local_hangup(&mut core, &cu, &u, HangupCause::ManagerRequest);
            }
            "+OK hangup all channels with cause MANAGER_REQUEST\n".into()
        }
        "version" => "FreeSWITCH Version 1.11.3-dev (fakeswitch)\n".into(),
        _ => {
            if let Some(l) = log {
                l.error(format!("api command not faked: {line:?}"));
            }
            format!("-ERR {cmd} Command not found!\n")
        }
    }
}

/// Starts a background job; its result comes as BACKGROUND_JOB.
pub fn bgapi(sw: &Switch, line: &str, job: Option<&str>) -> String {
    let job = job
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let (sw, line, j) = (sw.clone(), line.to_string(), job.clone());
    tokio::spawn(async move {
        let body = execute(&sw, &line, None).await;
        let cu = sw.0.core_uuid.clone();
        let mut core = sw.lock();
        let mut ev = core.base(&cu, "BACKGROUND_JOB", None, "api_exec");
        let (cmd, arg) = line.split_once(' ').unwrap_or((&line, ""));
        ev.push("Job-UUID", j);
        ev.push("Job-Command", cmd);
        ev.push("Job-Command-Arg", arg);
        ev.body = Some(body);
        core.emit(&ev);
    });
    job
}
