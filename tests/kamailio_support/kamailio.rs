//! The Kamailio under test: the project's kamailio.cfg started for one lab
//! with its setup, ready once it answers OPTIONS, and queried over its
//! control socket with kamcmd (registrations, dispatcher state).

use std::collections::HashMap;
use std::fs;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::lab::Lab;
use super::process::ProcessGuard;
use super::setup::{KamailioSetup, append_rows, dbtext, ha1};
use super::{PROCESS_TIMEOUT, repo, tool};

/// Sends one OPTIONS to 127.0.0.1:`port`; true if a 200 comes back.
fn options_answered(port: u16) -> bool {
    static PROBE: AtomicU32 = AtomicU32::new(0);
    let n = PROBE.fetch_add(1, Ordering::SeqCst);
    let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else {
        return false;
    };
    let Ok(local) = socket.local_addr() else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(300)));
    let request = format!(
        "OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-probe-{n}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@127.0.0.1>;tag=probe{n}\r\n\
         To: <sip:127.0.0.1:{port}>\r\n\
         Call-ID: probe-{n}-{}@127.0.0.1\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n",
        std::process::id()
    );
    if socket
        .send_to(request.as_bytes(), ("127.0.0.1", port))
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 4096];
    match socket.recv_from(&mut buf) {
        Ok((len, _)) => buf[..len].starts_with(b"SIP/2.0 200"),
        Err(_) => false,
    }
}

/// A running Kamailio with the project's kamailio.cfg.
pub struct Kamailio {
    guard: ProcessGuard,
    dir: PathBuf,
    ctl: PathBuf,
    pub port: u16,
}

impl Kamailio {
    /// Starts Kamailio for `lab` and waits until it answers OPTIONS and
    /// its control socket is up.
    pub fn start(lab: &Lab, setup: &KamailioSetup) -> Kamailio {
        let dir = lab.dir().join("kamailio");
        let db = dir.join("db");
        let run = dir.join("run");
        fs::create_dir_all(&db).expect("cannot create Kamailio's db directory");
        fs::create_dir_all(&run).expect("cannot create Kamailio's runtime directory");

        // The project's files, unchanged; the tests only add rows.
        let source = repo().join("kamailio");
        let cfg = dir.join("kamailio.cfg");
        fs::copy(source.join("kamailio.cfg"), &cfg).expect("cannot copy kamailio/kamailio.cfg");
        for table in ["version", "subscriber", "carriers"] {
            fs::copy(source.join("db").join(table), db.join(table))
                .unwrap_or_else(|e| panic!("cannot copy kamailio/db/{table}: {e}"));
        }
        let subscribers: Vec<String> = setup
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                format!(
                    "{}:{}:{}::{}:",
                    i + 1,
                    dbtext(u.name),
                    dbtext(u.domain),
                    ha1(u.name, u.domain, u.password)
                )
            })
            .collect();
        append_rows(&db.join("subscriber"), &subscribers);
        let carriers: Vec<String> = setup
            .carriers
            .iter()
            .map(|c| {
                format!(
                    "{}:{}:{}:{}",
                    dbtext(c.name),
                    dbtext(&c.address),
                    dbtext(c.username),
                    dbtext(c.password)
                )
            })
            .collect();
        append_rows(&db.join("carriers"), &carriers);

        let list = dir.join("dispatcher.list");
        let mut rows = String::from("# written by tests/kamailio_support\n");
        for d in &setup.dispatcher {
            rows.push_str(&format!(
                "{} sip:127.0.0.1:{} {} {}\n",
                d.set, d.port, d.flags, d.priority
            ));
        }
        fs::write(&list, rows).expect("cannot write dispatcher.list");

        let ctl = run.join("ctl.sock");
        let log_path = dir.join("kamailio.log");
        let log = fs::File::create(&log_path).expect("cannot create kamailio.log");
        let port = lab.kamailio_port();
        let mut command = Command::new(tool("kamailio"));
        command
            .current_dir(&dir)
            .arg("-DD") // stay in the foreground, as our child
            .arg("-E") // log to stderr (our log file)
            .arg("-f")
            .arg(&cfg)
            .arg("-Y")
            .arg(&run)
            .arg("-w")
            .arg(&dir)
            .arg("-P")
            .arg(dir.join("kamailio.pid"))
            .args(["-m", "64", "-M", "8"])
            .arg("-A")
            .arg("SIP_IP=127.0.0.1")
            .arg("-A")
            .arg(format!("SIP_PORT={port}"))
            .arg("-A")
            .arg(format!("DB_URL=\"text://{}\"", db.display()))
            .arg("-A")
            .arg(format!("DISPATCHER_LIST=\"{}\"", list.display()))
            .arg("-A")
            .arg(format!("CTL_SOCKET=\"unix:{}\"", ctl.display()))
            .arg("-A")
            .arg(format!("DS_PING_INTERVAL={}", setup.ping_interval_s))
            .arg("-A")
            .arg(format!("FR_TIMER={}", setup.fr_timer_ms))
            // One UDP worker: with several, a 180 and the 200 right behind
            // it are read by different workers and may be relayed in either
            // order, which sipp treats as an unexpected message (CI runs
            // failed on it). Production keeps the cfg's default of 4; the
            // routing under test is the same with one.
            .arg("-A")
            .arg("CHILDREN=1")
            .stdout(log.try_clone().expect("cannot clone log file handle"))
            .stderr(log);
        let mut kamailio = Kamailio {
            guard: ProcessGuard::spawn(command, "kamailio"),
            dir,
            ctl,
            port,
        };
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        loop {
            if let Some(code) = kamailio.guard.try_exit() {
                panic!(
                    "kamailio exited ({code:?}) before it was ready:\n{}",
                    kamailio.log_tail()
                );
            }
            if kamailio.ctl.exists() && options_answered(port) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "kamailio did not answer OPTIONS on 127.0.0.1:{port} within {PROCESS_TIMEOUT:?}:\n{}",
                kamailio.log_tail()
            );
            thread::sleep(Duration::from_millis(50));
        }
        kamailio
    }

    /// Kamailio's whole log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("kamailio.log")).unwrap_or_default()
    }

    /// The end of Kamailio's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Runs a kamcmd RPC command against this Kamailio; its output.
    pub fn rpc(&self, args: &[&str]) -> String {
        let out = Command::new(tool("kamcmd"))
            .arg("-s")
            .arg(format!("unix:{}", self.ctl.display()))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run kamcmd: {e}"));
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Contact addresses bound to `aor` (user@domain), from `ul.lookup`.
    pub fn contacts(&self, aor: &str) -> Vec<String> {
        let out = self.rpc(&["ul.lookup", "location", aor]);
        if out.contains("AOR not found") {
            return Vec::new();
        }
        let contacts: Vec<String> = out
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Address: "))
            .map(str::to_string)
            .collect();
        assert!(
            !contacts.is_empty(),
            "unexpected ul.lookup output for {aor}:\n{out}"
        );
        contacts
    }

    /// Dispatcher destinations and their flags ("AP" active, "IP" inactive,
    /// both probing...), from `dispatcher.list`.
    pub fn dispatcher_flags(&self) -> HashMap<String, String> {
        let out = self.rpc(&["dispatcher.list"]);
        let mut flags = HashMap::new();
        let mut uri: Option<String> = None;
        for line in out.lines().map(str::trim) {
            if let Some(u) = line.strip_prefix("URI: ") {
                uri = Some(u.to_string());
            } else if let Some(f) = line.strip_prefix("FLAGS: ")
                && let Some(u) = uri.take()
            {
                flags.insert(u, f.to_string());
            }
        }
        assert!(
            !flags.is_empty(),
            "unexpected dispatcher.list output:\n{out}"
        );
        flags
    }
}
