//! Runs the real daemon in-process against the fake switch and a stand-in
//! web application, with its logs captured so tests can assert what an
//! operator would read.
#![allow(dead_code)]

pub mod app;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use dialbridge::config::Settings;
use dialbridge::daemon::Daemon;
use tokio::sync::watch;

pub use app::{App, Reply};

/// Everything the daemon logged in this test binary.
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    Arc::clone(LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(Arc::clone(&buf));
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        use tracing_subscriber::{Layer, filter::FilterExt, filter::filter_fn};
        let filter = tracing_subscriber::EnvFilter::new("dialbridge=debug,info")
            .and(filter_fn(dialbridge::daemon::logging::allowed));
        let _ = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || writer.clone())
                    .with_filter(filter),
            )
            .try_init();
        buf
    }))
}

/// The log lines (of every test in this binary) that mention `needle`.
pub fn log_lines_with(needle: &str) -> Vec<String> {
    let buf = capture_logs();
    let text = buf
        .lock()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    text.lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

/// A daemon running in this test.
pub struct Running {
    pub daemon: Daemon,
    pub addr: SocketAddr,
    pub stop: watch::Sender<bool>,
}

/// Settings pointing at `app` for `call_hook`, with a listener on an
/// ephemeral port, a media cache in a fresh temp dir, and one carrier.
pub fn settings(app: &App) -> Settings {
    let mut s = Settings::default();
    s.listener.address = "127.0.0.1:0".into();
    s.http.address = "127.0.0.1:0".into();
    // No FreeSWITCH control connection unless a test points it at a fake.
    s.freeswitch.port = 9;
    s.app.call_hook = dialbridge::app::hook::HookSpec::Url(app.url("/call"));
    s.app.webhook_timeout_ms = 2_000;
    s.media.cache_dir = std::env::temp_dir()
        .join(format!("dialbridge-media-{}", uuid::Uuid::new_v4()))
        .display()
        .to_string();
    // Never the shared default (/dev/shm/dialbridge): start-up sweeps it.
    s.amd.audio_dir = std::env::temp_dir()
        .join(format!("dialbridge-amd-{}", uuid::Uuid::new_v4()))
        .display()
        .to_string();
    // The tests play files at made-up paths; the path rule has its own
    // tests (tests/secrets.rs).
    s.media.allow_paths = vec!["/".into()];
    s.carriers.insert(
        "carrier".into(),
        dialbridge::config::Carrier {
            gateway: Some("carrier".into()),
            default: true,
            ..Default::default()
        },
    );
    s
}

/// Starts the daemon with `settings`.
pub async fn start(settings: Settings) -> Running {
    capture_logs();
    let (stop, stop_rx) = watch::channel(false);
    let daemon = Daemon::start(settings, stop_rx)
        .await
        .expect("the daemon starts");
    let addr = daemon.listener_addr;
    Running { daemon, addr, stop }
}

/// GETs `url`: (status, body), or (0, the error).
pub async fn get(url: String) -> (u16, String) {
    match reqwest::get(&url).await {
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    }
}

/// The value of the series `name` (with its labels) in a Prometheus text.
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Polls `url` until it answers `status`; returns the body.
pub async fn wait_status(url: &str, status: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (s, body) = get(url.to_owned()).await;
        if s == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{url} answered {s} {body}, waiting for {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    socket.local_addr().expect("its address").port()
}
