//! The inbound ESL server (FreeSWITCH's port 8021): `auth/request`,
//! `auth`, `api`, `bgapi`, `event`, `filter`, `exit`, HEARTBEAT events;
//! a test can stop and restart it to exercise the daemon's reconnect.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::switch::{Out, Switch};
use super::wire::{self, ReadError};

/// The inbound ESL server's settings and its running accept loop, kept so
/// a test can stop it and serve again on the same address.
#[derive(Debug)]
pub struct Inbound {
    pub addr: SocketAddr,
    pub password: Arc<Mutex<String>>,
    pub heartbeat: Duration,
    task: Option<JoinHandle<()>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Inbound {
    /// Binds `addr` (port 0: any) and serves.
    pub async fn start(
        sw: Switch,
        addr: SocketAddr,
        password: &str,
        heartbeat: Duration,
    ) -> std::io::Result<Inbound> {
        let mut ib = Inbound {
            addr,
            password: Arc::new(Mutex::new(password.to_string())),
            heartbeat,
            task: None,
            conns: Arc::default(),
        };
        ib.listen(sw).await?;
        Ok(ib)
    }

    async fn listen(&mut self, sw: Switch) -> std::io::Result<()> {
        let listener = TcpListener::bind(self.addr).await?;
        self.addr = listener.local_addr()?;
        let (pw, hb, conns) = (self.password.clone(), self.heartbeat, self.conns.clone());
        self.task = Some(tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                // FreeSWITCH sets TCP_NODELAY on ESL sockets; without it a
                // reply behind an event waits for a delayed ACK (40 ms).
                let _ = s.set_nodelay(true);
                let h = tokio::spawn(serve(sw.clone(), s, pw.clone(), hb));
                conns.lock().unwrap_or_else(|e| e.into_inner()).push(h);
            }
        }));
        Ok(())
    }

    /// Closes the listener and every connection (FreeSWITCH going down).
    pub fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        for c in self
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            c.abort();
        }
    }

    /// Listens again on the same address.
    pub async fn restart(&mut self, sw: Switch) -> std::io::Result<()> {
        self.stop();
        self.listen(sw).await
    }
}

impl Drop for Inbound {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn serve(sw: Switch, s: TcpStream, password: Arc<Mutex<String>>, heartbeat: Duration) {
    let (rd, mut wr) = s.into_split();
    let mut rd = BufReader::new(rd);
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let writer = tokio::spawn(async move {
        while let Some(o) = rx.recv().await {
            match o {
                Out::Bytes(b) if wr.write_all(&b).await.is_ok() => {}
                _ => break,
            }
        }
        let _ = wr.shutdown().await;
    });
    let send = |b: Vec<u8>| {
        let _ = tx.send(Out::Bytes(b));
    };
    // When the test stops the server, this task is aborted; the writer
    // (which owns the socket's write half) must go with it, or the
    // connection stays half open and the daemon never sees FreeSWITCH go.
    let _writer_guard = AbortOnDrop(writer.abort_handle());
    send(b"Content-Type: auth/request\n\n".to_vec());
    let mut authed = false;
    let mut sub = None;
    let hb_task = {
        let (sw, tx) = (sw.clone(), tx.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(heartbeat);
            tick.tick().await;
            loop {
                tick.tick().await;
                let cu = sw.0.core_uuid.clone();
                let mut core = sw.lock();
                let mut ev = core.base(&cu, "HEARTBEAT", None, "send_heartbeat");
                ev.push("Event-Info", "System Ready");
                ev.push("Up-Time", "0 years, 0 days, 0 hours, 0 minutes, 1 second");
                ev.push("Session-Count", core.channels.len().to_string());
                core.emit(&ev);
                if tx.is_closed() {
                    break;
                }
            }
        })
    };
    loop {
        let msg = match wire::read_message(&mut rd).await {
            Ok(m) => m,
            Err(ReadError::Eof) | Err(ReadError::Bad(_)) => break,
        };
        let (verb, args) = msg
            .first
            .split_once(' ')
            .unwrap_or((msg.first.as_str(), ""));
        let args = args.trim().to_string();
        if !authed {
            let ok = verb == "auth" && args == *password.lock().unwrap_or_else(|e| e.into_inner());
            if ok {
                authed = true;
                sub = Some(sw.lock().subscribe(tx.clone(), None));
                send(wire::command_reply("+OK accepted"));
                continue;
            }
            send(wire::command_reply("-ERR invalid"));
            send(wire::disconnect_notice(None));
            break;
        }
        let sid = sub.unwrap_or_default();
        match verb {
            "api" => send(wire::api_response(
                &super::api::execute(&sw, &args, None).await,
            )),
            "bgapi" => {
                let job = super::api::bgapi(&sw, &args, msg.header("Job-UUID"));
                send(wire::command_reply_with(
                    &format!("+OK Job-UUID: {job}"),
                    &[("Job-UUID", &job)],
                ));
            }
            "event" => {
                let words: Vec<&str> = args.split_whitespace().collect();
                let fmt = sw
                    .lock()
                    .subscription(sid)
                    .map(|s| s.add(&words))
                    .unwrap_or("plain");
                send(wire::command_reply(&format!(
                    "+OK event listener enabled {fmt}"
                )));
            }
            "filter" => {
                let (k, v) = args.split_once(' ').unwrap_or((&args, ""));
                if let Some(s) = sw.lock().subscription(sid) {
                    s.filters.push((k.to_string(), v.to_string()));
                }
                send(wire::command_reply(&format!(
                    "+OK filter added. [{k}]=[{v}]"
                )));
            }
            "noevents" => {
                if let Some(s) = sw.lock().subscription(sid) {
                    *s = Default::default();
                }
                send(wire::command_reply("+OK no longer listening for events"));
            }
            "exit" => {
                send(wire::command_reply("+OK bye"));
                send(wire::disconnect_notice(None));
                break;
            }
            _ => send(wire::command_reply("-ERR command not found")),
        }
    }
    if let Some(id) = sub {
        sw.lock().unsubscribe(id);
    }
    hb_task.abort();
    let _ = tx.send(Out::Close);
    drop(tx);
    let _ = writer.await;
}
