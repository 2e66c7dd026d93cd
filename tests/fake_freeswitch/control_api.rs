//! Call-control `api` commands on live channels (docs/freeswitch.md §14,
//! §22; traces 14a-14d, 22): `uuid_break`, `uuid_transfer`,
//! `uuid_send_dtmf`, `uuid_audio`, `uuid_broadcast`. Reply texts are the
//! captures' where captured, mod_commands.c's otherwise (listed in
//! README.md). `uuid_hold` is in hold.rs, `uuid_deflect` in refer.rs,
//! `uuid_send_info`/`uuid_send_message` in info.rs, `conference` in
//! conference_api.rs.

use super::apps::run_app;
use super::channel::AppRequest;
use super::record::SipSent;
use super::switch::Switch;

const NO_CHANNEL: &str = "-ERR No such channel!\n";

/// The api commands this file (and its siblings) answer; `None` for the
/// others (api.rs handles them).
pub async fn execute(sw: &Switch, cmd: &str, rest: &str) -> Option<String> {
    let args: Vec<&str> = rest.split_whitespace().collect();
    Some(match cmd {
        "uuid_break" => uuid_break(sw, &args),
        "uuid_transfer" => uuid_transfer(sw, &args),
        "uuid_send_dtmf" => uuid_send_dtmf(sw, &args),
        "uuid_audio" => uuid_audio(sw, &args),
        "uuid_broadcast" => {
            let words = separate(rest, 4);
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            uuid_broadcast(sw, &words)
        }
        "uuid_hold" => super::hold::uuid_hold(sw, &args),
        "uuid_deflect" => super::refer::uuid_deflect(sw, &args).await,
        "uuid_send_info" => super::info::uuid_send_info(sw, rest),
        "uuid_send_message" => super::info::uuid_send_message(sw, rest),
        "conference" => super::conference_api::execute(sw, rest),
        _ => return None,
    })
}

/// Whether `uuid` is a live channel.
pub fn live(sw: &Switch, uuid: &str) -> bool {
    sw.lock()
        .channels
        .get(uuid)
        .is_some_and(|c| c.cs != "CS_REPORTING")
}

/// `uuid_break <uuid> [all]`: `+OK`, and nothing happens to a ringing or
/// bridged `bridge` (14a: still ringing 10 s later). It ends a running
/// `playback`/`speak`/`sleep` with its response cut short (switch_ivr.c's
/// CF_BREAK; not captured). With `all`, applications queued by `sendmsg`
/// and not started yet are dropped without a CHANNEL_EXECUTE_COMPLETE
/// (mod_commands.c `break_function`:
/// `switch_core_session_flush_private_events`; not captured). A break
/// without `all` does not reach an application that starts after it:
/// `switch_core_session_exec` clears CF_BREAK before each one.
fn uuid_break(sw: &Switch, args: &[&str]) -> String {
    let Some(u) = args.first() else {
        return "-USAGE: <uuid> [all]\n".into();
    };
    let all = args.get(1).is_some_and(|f| f.contains("all"));
    match sw.lock().channels.get_mut(*u) {
        Some(ch) if ch.cs != "CS_REPORTING" => {
            if all {
                ch.flushes += 1;
            }
            ch.brk.send_modify(|b| *b += 1);
            "+OK\n".into()
        }
        _ => NO_CHANNEL.into(),
    }
}

/// `uuid_transfer <uuid> [-bleg|-both] <dest-exten> [<dialplan>]
/// [<context>]`: `+OK`, the channel leaves what it does (a ringing bridge
/// is cancelled, 14c) and runs the extension (transfer.rs).
fn uuid_transfer(sw: &Switch, args: &[&str]) -> String {
    const USAGE: &str = "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n";
    let (Some(u), Some(mut rest)) = (args.first(), args.get(1..)) else {
        return USAGE.into();
    };
    let mut targets = vec![u.to_string()];
    if let Some(flag) = rest.first().filter(|f| f.starts_with('-')) {
        let partner = sw
            .lock()
            .channels
            .get(*u)
            .and_then(|c| c.bridged_to.clone());
        match (*flag, partner) {
            ("-bleg", Some(p)) => targets = vec![p],
            ("-both", Some(p)) => targets.push(p),
            _ => {}
        }
        rest = &rest[1..];
    }
    let Some(exten) = rest.first() else {
        return USAGE.into();
    };
    let mut core = sw.lock();
    let mut ok = false;
    for t in &targets {
        ok |= core.transfer(t, exten, rest.get(1).copied(), rest.get(2).copied());
    }
    if ok {
        "+OK\n".into()
    } else {
        NO_CHANNEL.into()
    }
}

/// `uuid_send_dtmf <uuid> <digits>`: the digits go to the party as RFC
/// 2833, no event (22: `rtp_audio_out_dtmf_packet_count` 60 for 4 digits,
/// so 15 a digit).
fn uuid_send_dtmf(sw: &Switch, args: &[&str]) -> String {
    let (Some(u), Some(digits)) = (args.first(), args.get(1)) else {
        return "-USAGE: <uuid> <dtmf_data>\n".into();
    };
    let mut core = sw.lock();
    let Some(ch) = core.channels.get_mut(*u).filter(|c| c.is_up()) else {
        return "-ERR Cannot locate session!\n".into();
    };
    let digits = digits.split('@').next().unwrap_or(digits).to_string();
    add_dtmf_packets(ch, 15 * digits.chars().count() as u64);
    ch.log.push_sip_sent(u, SipSent::Dtmf(digits.clone()));
    format!("+OK {u} sent DTMF {digits}.\n")
}

/// The `send_dtmf <digits>` application (mod_dptools; not captured): the
/// digits go to the channel's party as `uuid_send_dtmf` sends them, `w`/`W`
/// (half/whole second pauses) left out of what the party receives.
pub fn send_dtmf_app(sw: &Switch, uuid: &str, arg: &str) {
    let mut core = sw.lock();
    let Some(ch) = core.channels.get_mut(uuid).filter(|c| c.is_up()) else {
        return;
    };
    let digits: String = arg
        .trim()
        .split('@')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !"wW".contains(*c))
        .collect();
    add_dtmf_packets(ch, 15 * digits.chars().count() as u64);
    ch.log.push_sip_sent(uuid, SipSent::Dtmf(digits));
}

/// Adds to `rtp_audio_out_dtmf_packet_count` (22, 21b).
pub fn add_dtmf_packets(ch: &mut super::channel::Channel, n: u64) {
    let have: u64 = ch
        .var("rtp_audio_out_dtmf_packet_count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    ch.set_var("rtp_audio_out_dtmf_packet_count", (have + n).to_string());
}

/// `uuid_audio <uuid> start read|write mute|level <n>` / `stop` (22):
/// `+OK` with MEDIA_BUG_START / MEDIA_BUG_STOP (`Media-Bug-Function:
/// audio`, `Media-Bug-Target: mute`); without the level, `-USAGE`.
fn uuid_audio(sw: &Switch, args: &[&str]) -> String {
    const USAGE: &str = "-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n";
    let Some(u) = args.first() else {
        return USAGE.into();
    };
    if args.len() < 2 {
        return USAGE.into();
    }
    if !live(sw, u) {
        return NO_CHANNEL.into();
    }
    let cu = sw.0.core_uuid.clone();
    let mut core = sw.lock();
    match args[1] {
        "stop" => {
            let target = core.channels.get_mut(*u).and_then(|c| c.audio_bug.take());
            if let Some(t) = target {
                let pre = [
                    ("Media-Bug-Function", "audio".to_string()),
                    ("Media-Bug-Target", t),
                ];
                core.fire(&cu, u, "MEDIA_BUG_STOP", &pre, &[]);
            }
            "+OK\n".into()
        }
        "start"
            if args.len() >= 5
                && matches!(args[2], "read" | "write")
                && matches!(args[3], "mute" | "level") =>
        {
            if let Some(ch) = core.channels.get_mut(*u) {
                ch.audio_bug = Some(args[3].to_string());
            }
            let pre = [
                ("Media-Bug-Function", "audio".to_string()),
                ("Media-Bug-Target", args[3].to_string()),
            ];
            core.fire(&cu, u, "MEDIA_BUG_START", &pre, &[]);
            "+OK\n".into()
        }
        _ => USAGE.into(),
    }
}

/// Queues `req` on `leg`'s broadcasts: each runs about 200 ms after the
/// one before it ended (or after it was queued), in order, as FreeSWITCH
/// runs the private events a broadcast queues (22: the first ran ~200 ms
/// after the command).
fn queue_broadcast(sw: &Switch, leg: &str, req: AppRequest) {
    let mut core = sw.lock();
    let Some(ch) = core.channels.get_mut(leg) else {
        return;
    };
    if let Some(tx) = &ch.broadcasts
        && tx.send(req.clone()).is_ok()
    {
        return;
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<AppRequest>();
    let _ = tx.send(req);
    ch.broadcasts = Some(tx);
    let (sw, leg) = (sw.clone(), leg.to_string());
    tokio::spawn(async move {
        while let Some(req) = rx.recv().await {
            tokio::time::sleep(sw.ms(200)).await;
            let up = sw.lock().channels.get(&leg).is_some_and(|c| c.is_up());
            if !up {
                break;
            }
            run_app(&sw, &leg, req).await;
        }
    });
}

/// switch_separate_string with `' '`: at most `max` words, the last taking
/// the rest; a single-quoted stretch is one word, its quotes removed.
fn separate(s: &str, max: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = s.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if words.len() + 1 == max && !quoted {
            cur.push(c);
            cur.extend(chars.by_ref());
            break;
        }
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `uuid_broadcast <uuid> <path> [aleg|bleg|both]` (22): `+OK Message
/// sent`; about 200 ms later the leg(s) run `playback <path>` with its own
/// Application-UUID, PLAYBACK_START/STOP, while a bridge goes on. A path
/// `app::args` runs that application instead (switch_ivr_broadcast; not
/// captured), e.g. `'speak::flite|kal|some words'` quoted as one word.
fn uuid_broadcast(sw: &Switch, args: &[&str]) -> String {
    let (Some(u), Some(path)) = (args.first(), args.get(1)) else {
        return "-USAGE: <uuid> <path> [aleg|bleg|holdb|both]\n".into();
    };
    let which = args.get(2).copied().unwrap_or("aleg");
    let partner = {
        let core = sw.lock();
        match core.channels.get(*u) {
            Some(c) if c.is_up() => c.bridged_to.clone(),
            _ => return "-ERR invalid uuid\n".into(),
        }
    };
    let mut legs = Vec::new();
    if which.contains("aleg") || which.contains("both") {
        legs.push(u.to_string());
    }
    if which.contains("bleg") || which.contains("both") {
        legs.extend(partner);
    }
    let (app, arg) = path.split_once("::").unwrap_or(("playback", path));
    for leg in legs {
        queue_broadcast(sw, &leg, AppRequest::new(app, arg));
    }
    "+OK Message sent\n".into()
}
