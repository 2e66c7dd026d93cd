//! FreeSWITCH's `socket` application: one outbound TCP connection per
//! channel to the daemon, the `connect` handshake with the channel data,
//! and the commands a controlling socket may send (linger, filter, event,
//! myevents, sendmsg, api, bgapi, exit) with the captured reply texts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::channel::AppRequest;
use super::core::Core;
use super::event::MYEVENTS;
use super::faults::{Faults, Live};
use super::legs::Stim;
use super::park::socket_app;
use super::record::{CallLog, Command};
use super::scenario::DialplanNext;
use super::switch::{ConnHook, Out, Switch};
use super::wire::{self, ReadError, url_encode};

/// What the channel does when its socket app returns.
#[derive(Debug)]
pub enum SocketEnd {
    /// The caller's leg: the dialplan's next action.
    Dialplan(DialplanNext),
    /// A screening leg: report accept/reject to the bridge.
    Screening(mpsc::UnboundedSender<(usize, Stim)>, usize),
    /// A `socket` application of a dialplan (an inline one after a
    /// transfer, 11b2): tell the dialplan runner it returned.
    Inline(tokio::sync::oneshot::Sender<()>),
}

/// Starts the socket app on `uuid`: its app queue, its executor and its
/// connection to `addr`.
pub fn start_socket(
    sw: &Switch,
    core: &mut Core,
    addr: SocketAddr,
    uuid: &str,
    data: String,
    end: SocketEnd,
) {
    let (app_tx, app_rx) = mpsc::unbounded_channel();
    let Some(ch) = core.channels.get_mut(uuid) else {
        return;
    };
    ch.apps = Some(app_tx.clone());
    let log = ch.log.clone();
    let is_a = matches!(end, SocketEnd::Dialplan(_) | SocketEnd::Inline(_));
    tokio::spawn(socket_app(sw.clone(), uuid.to_string(), app_rx, end, data));
    tokio::spawn(connection(
        sw.clone(),
        addr,
        uuid.to_string(),
        app_tx,
        log,
        is_a,
    ));
}

/// The `connect` reply: one URL-encoded header block with the channel
/// data, no Content-Length, then the command/reply lines (README).
pub fn connect_reply(core: &mut Core, cu: &str, uuid: &str) -> Option<Vec<u8>> {
    let mut ev = core.base(cu, "CHANNEL_DATA", None, "parse_command");
    let ch = core.channels.get(uuid)?;
    ch.profile_headers(&mut ev, "Channel");
    ch.state_headers(&mut ev, true);
    ch.profile_headers(&mut ev, "Caller");
    if let Some((other, kind)) = &ch.other {
        ev.push("Other-Type", *kind);
        if let Some(o) = core.channels.get(other) {
            o.profile_headers(&mut ev, "Other-Leg");
        }
    }
    ch.var_headers(&mut ev);
    ev.push("Content-Type", "command/reply");
    ev.push("Reply-Text", "+OK\n");
    ev.push("Socket-Mode", "async");
    ev.push("Control", "full");
    let mut out = String::new();
    for (k, v) in &ev.headers {
        let v = if k == "Content-Type" {
            v.clone()
        } else {
            url_encode(v)
        };
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    Some(out.into_bytes())
}

async fn connection(
    sw: Switch,
    addr: SocketAddr,
    uuid: String,
    app_tx: mpsc::UnboundedSender<AppRequest>,
    log: Arc<CallLog>,
    is_a: bool,
) {
    let cu = sw.0.core_uuid.clone();
    let faults = faults_of(&sw, &uuid);
    let connected = if faults.unreachable {
        Err(std::io::ErrorKind::ConnectionRefused.into())
    } else {
        TcpStream::connect(addr).await
    };
    let stream = match connected {
        Ok(s) => {
            // As FreeSWITCH does (see inbound.rs).
            let _ = s.set_nodelay(true);
            s
        }
        Err(_) => {
            // Nothing listens (08b): the socket app returns at once; not a
            // protocol error, the scenario of docs/freeswitch.md §8.
            if let Some(ch) = sw.lock().channels.get_mut(&uuid) {
                ch.apps = None;
            }
            if is_a {
                log.set_refused();
            }
            return;
        }
    };
    // Connected: the socket app parks the channel. switch_ivr_park fires
    // CHANNEL_PARK before the daemon can subscribe: a socket sees it only
    // by winning a race (04b conn2 did, 04a conn2 did not), so the fake
    // never delivers it to the socket itself; observers get it.
    {
        let mut core = sw.lock();
        if let Some(ch) = core.channels.get_mut(&uuid) {
            ch.parked = true;
        }
        core.fire(&cu, &uuid, "CHANNEL_PARK", &[], &[]);
    }
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Out>();
    let live = Live::new(faults);
    if let Some(ms) = live.faults.silent_at {
        let later = live.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            later.go_silent();
        });
    }
    let mute = live.clone();
    let writer = tokio::spawn(async move {
        while let Some(o) = out_rx.recv().await {
            match o {
                // A silent switch writes nothing (tests/faults).
                Out::Bytes(_) if mute.is_silent() => {}
                Out::Bytes(b) => {
                    if wr.write_all(&b).await.is_err() {
                        break;
                    }
                }
                Out::Close => break,
            }
        }
        let _ = wr.shutdown().await;
    });
    let linger = Arc::new(AtomicBool::new(false));
    let linger_secs = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sub = {
        let mut core = sw.lock();
        let sub = core.subscribe(out_tx.clone(), Some(log.clone()));
        core.set_faults(sub, live.faults.clone(), &uuid);
        if let Some(ch) = core.channels.get_mut(&uuid) {
            ch.conns.push(ConnHook {
                id: sub,
                tx: out_tx.clone(),
                linger: linger.clone(),
                linger_secs: linger_secs.clone(),
                notice_sent: Arc::new(AtomicBool::new(false)),
            });
        } else {
            // The channel hung up and left while the socket connected (a
            // caller cancelling within milliseconds): mod_event_socket's
            // socket app finds it gone, says goodbye and closes, as at any
            // hangup without linger (docs/freeswitch.md §1).
            let _ = out_tx.send(Out::Bytes(wire::disconnect_notice(Some(&uuid))));
            let _ = out_tx.send(Out::Close);
        }
        sub
    };
    let send = |b: Vec<u8>| {
        let _ = out_tx.send(Out::Bytes(b));
    };
    let mut connected = false;
    loop {
        let msg = match wire::read_message(&mut rd).await {
            Ok(m) => m,
            Err(ReadError::Eof) => break,
            Err(ReadError::Bad(e)) => {
                log.error(format!("socket {uuid}: {e}"));
                break;
            }
        };
        let (verb, args) = msg
            .first
            .split_once(' ')
            .unwrap_or((msg.first.as_str(), ""));
        let (verb, args) = (verb.to_string(), args.trim().to_string());
        log.push_command(Command {
            at: log.elapsed(),
            raw: msg.raw.clone(),
            verb: verb.clone(),
            args: args.clone(),
            headers: msg.headers.clone(),
            socket: uuid.clone(),
        });
        if live.is_silent() {
            continue;
        }
        if connected && live.faults.refuses(&msg.first) {
            send(wire::command_reply("-ERR refused (injected fault)"));
            continue;
        }
        if !connected {
            if verb == "connect" {
                connected = true;
                let reply = connect_reply(&mut sw.lock(), &cu, &uuid);
                send(reply.unwrap_or_else(|| wire::command_reply("-ERR no such channel")));
            } else {
                log.error(format!("socket {uuid}: {verb:?} sent before connect"));
                send(wire::command_reply(
                    "-ERR command not allowed before connect",
                ));
            }
            continue;
        }
        match verb.as_str() {
            "linger" => {
                linger.store(true, Ordering::SeqCst);
                // mod_event_socket: `linger <secs>` answers with its seconds
                // (not captured; a bare `linger` as in every capture).
                match args.parse::<u64>().ok().filter(|s| *s > 0) {
                    Some(secs) => {
                        linger_secs.store(secs, Ordering::SeqCst);
                        send(wire::command_reply(&format!(
                            "+OK will linger {secs} seconds"
                        )));
                    }
                    None => send(wire::command_reply("+OK will linger")),
                }
            }
            "nolinger" => {
                linger.store(false, Ordering::SeqCst);
                send(wire::command_reply("+OK will not linger"));
            }
            "filter" => {
                let mut core = sw.lock();
                let Some(s) = core.subscription(sub) else {
                    continue;
                };
                let reply = match args.split_once(' ') {
                    Some(("delete", rest)) => {
                        let (k, v) = rest.split_once(' ').unwrap_or((rest, ""));
                        s.filters
                            .retain(|(fk, fv)| !(fk == k && (v.is_empty() || fv == v)));
                        format!("+OK filter deleted. [{k}]=[{v}]")
                    }
                    Some((k, v)) => {
                        s.filters.push((k.to_string(), v.to_string()));
                        format!("+OK filter added. [{k}]=[{v}]")
                    }
                    None => "-ERR invalid syntax".to_string(),
                };
                send(wire::command_reply(&reply));
            }
            "event" => {
                let words: Vec<&str> = args.split_whitespace().collect();
                let mut core = sw.lock();
                let fmt = core
                    .subscription(sub)
                    .map(|s| s.add(&words))
                    .unwrap_or("plain");
                send(wire::command_reply(&format!(
                    "+OK event listener enabled {fmt}"
                )));
            }
            "myevents" => {
                let mut core = sw.lock();
                if let Some(s) = core.subscription(sub) {
                    s.myevents = Some(uuid.clone());
                    s.names.extend(MYEVENTS.iter().map(|n| n.to_string()));
                    s.json = args.contains("json");
                }
                send(wire::command_reply("+OK Events Enabled"));
            }
            "noevents" => {
                if let Some(s) = sw.lock().subscription(sub) {
                    *s = Default::default();
                }
                send(wire::command_reply("+OK no longer listening for events"));
            }
            "sendmsg" => {
                let target = if args.is_empty() {
                    uuid.clone()
                } else {
                    args.clone()
                };
                let reply = super::sendmsg::handle(&sw, &target, &msg, &log);
                send(wire::command_reply(&reply.0));
                if let Some(job) = reply.1 {
                    job();
                }
                let app = msg.header("execute-app-name").unwrap_or_default();
                let arg = msg.header("execute-app-arg").unwrap_or_default();
                if Faults::names(live.faults.silent_after.as_deref(), app, arg) {
                    live.go_silent();
                }
                if Faults::names(live.faults.cut_after.as_deref(), app, arg) {
                    break;
                }
            }
            "api" => {
                let flooded = match &live.faults.flood_before_api {
                    Some((prefix, n)) if args.starts_with(prefix.as_str()) => {
                        super::faults::flood(&sw, &uuid, *n, &send);
                        true
                    }
                    _ => false,
                };
                let body = super::api::execute(&sw, &args, Some(&log)).await;
                if flooded {
                    // A loaded switch answers late: what the command set off
                    // reaches the socket before its reply.
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                }
                send(wire::api_response(&body));
            }
            "bgapi" => {
                let job = super::api::bgapi(&sw, &args, msg.header("Job-UUID"));
                send(wire::command_reply_with(
                    &format!("+OK Job-UUID: {job}"),
                    &[("Job-UUID", &job)],
                ));
            }
            "exit" => {
                send(wire::command_reply("+OK bye"));
                send(wire::disconnect_notice(Some(&uuid)));
                let _ = out_tx.send(Out::Close);
                break;
            }
            "sendevent" => send(wire::command_reply(&super::info::sendevent(&sw, &msg))),
            "log" | "nolog" | "nixevent" | "divert_events" | "resume" => {
                send(wire::command_reply("+OK"))
            }
            "auth" => send(wire::command_reply("-ERR invalid command")),
            _ => {
                log.error(format!("socket {uuid}: unknown command {:?}", msg.first));
                send(wire::command_reply("-ERR command not found"));
            }
        }
    }
    let _ = out_tx.send(Out::Close);
    {
        let mut core = sw.lock();
        core.unsubscribe(sub);
        let mut up = false;
        let mut gone = false;
        if let Some(ch) = core.channels.get_mut(&uuid) {
            ch.conns.retain(|c| c.id != sub);
            if ch.conns.is_empty() {
                ch.apps = None;
            }
            up = ch.is_up();
            gone = ch.cs == "CS_REPORTING" && ch.conns.is_empty();
        }
        if gone {
            core.channels.remove(&uuid);
        }
        if is_a {
            log.set_closed(up);
        }
    }
    drop(app_tx);
    let _ = writer.await;
}

/// The faults injected on the socket of `uuid`: its leg's screening
/// faults, else its call's (tests/faults).
fn faults_of(sw: &Switch, uuid: &str) -> Faults {
    let leg = sw
        .lock()
        .channels
        .get(uuid)
        .and_then(|c| c.script.as_ref().map(|s| s.faults.clone()));
    leg.or_else(|| sw.extra().callers.get(uuid).map(|c| c.faults.clone()))
        .unwrap_or_default()
}
