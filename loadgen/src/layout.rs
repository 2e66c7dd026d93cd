//! Where everything of a load run is: the daemon's listener and HTTP
//! endpoints, and where the generator serves FreeSWITCH's control port and
//! the webhooks. `config` writes it as a dialbridge configuration file and
//! `rate`/`hold` read it back from that file, so the daemon and the
//! generator agree by construction. Only the keys named here are read (the
//! file's DIALBRIDGE__* environment overrides are not seen).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;

use crate::cli::ConfigArgs;
use crate::error::LoadgenError;

/// The ESL password `config` writes (not FreeSWITCH's default, which the
/// daemon warns about at every start).
pub const ESL_PASSWORD: &str = "loadgen";

/// The addresses and hook paths of one load run.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The daemon's call listener.
    pub listener: SocketAddr,
    /// The `[freeswitch] host:port` the daemon's control connection uses.
    pub esl: SocketAddr,
    pub esl_password: String,
    /// The web application (the call_hook URL's host and port).
    pub web: SocketAddr,
    pub call_hook_path: String,
    pub status_hook_path: Option<String>,
    /// The daemon's /ready and /metrics.
    pub http: SocketAddr,
}

impl Layout {
    /// The layout `config` writes for `args`.
    pub fn from_args(args: &ConfigArgs) -> Layout {
        Layout {
            listener: args.listener,
            esl: args.esl,
            esl_password: ESL_PASSWORD.into(),
            web: args.web,
            call_hook_path: "/call".into(),
            status_hook_path: args.status_hook.then(|| "/status".into()),
            http: args.http,
        }
    }

    /// Reads the layout from a dialbridge configuration file.
    pub fn read(path: &Path) -> Result<Layout, LoadgenError> {
        let text = std::fs::read_to_string(path).map_err(|e| LoadgenError::Config {
            path: path.display().to_string(),
            why: e.to_string(),
        })?;
        Layout::parse(&text).map_err(|why| LoadgenError::Config {
            path: path.display().to_string(),
            why,
        })
    }

    /// Reads the layout from a configuration's text; absent keys take the
    /// daemon's defaults.
    pub fn parse(text: &str) -> Result<Layout, String> {
        let t: toml::Table = text.parse().map_err(|e| format!("not TOML: {e}"))?;
        let get = |section: &str, key: &str| t.get(section).and_then(|s| s.get(key));
        let text_of = |section: &str, key: &str, default: &str| -> Result<String, String> {
            match get(section, key) {
                None => Ok(default.to_owned()),
                Some(toml::Value::String(s)) => Ok(s.clone()),
                Some(v) => Err(format!("[{section}] {key} must be a string, not {v}")),
            }
        };
        let host = text_of("freeswitch", "host", "127.0.0.1")?;
        let port = match get("freeswitch", "port") {
            None => 8021,
            Some(toml::Value::Integer(p)) => {
                u16::try_from(*p).map_err(|_| format!("[freeswitch] port {p} is not a port"))?
            }
            Some(v) => return Err(format!("[freeswitch] port must be a number, not {v}")),
        };
        let hook_url = |key: &str| -> Result<Option<String>, String> {
            match get("app", key) {
                None => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                Some(toml::Value::Table(h)) => match h.get("url") {
                    Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                    _ => Err(format!("[app] {key} has no url")),
                },
                Some(v) => Err(format!("[app] {key} must be a URL, not {v}")),
            }
        };
        let call_hook = hook_url("call_hook")?
            .ok_or("[app] call_hook is not set: point it at the generator's web address")?;
        let (web, call_hook_path) = http_origin(&call_hook)?;
        let status_hook_path = match hook_url("call_status_hook")? {
            None => None,
            Some(u) => {
                let (at, path) = http_origin(&u)?;
                if at != web {
                    return Err(format!(
                        "[app] call_status_hook {u} is not served by the call_hook's host \
                         {web}: the generator serves both at one address"
                    ));
                }
                Some(path)
            }
        };
        Ok(Layout {
            listener: addr(&text_of("listener", "address", "127.0.0.1:8084")?)?,
            esl: addr(&format!("{host}:{port}"))?,
            esl_password: text_of("freeswitch", "password", "ClueCon")?,
            web,
            call_hook_path,
            status_hook_path,
            http: addr(&text_of("http", "address", "127.0.0.1:8085")?)?,
        })
    }

    /// The dialbridge configuration for this layout.
    pub fn render(&self, max_calls: usize, dir: &Path, log_level: &str) -> String {
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let sub = |name: &str| q(&dir.join(name).display().to_string());
        let status = match &self.status_hook_path {
            Some(p) => format!(
                "call_status_hook = {}\n",
                q(&format!("http://{}{p}", self.web))
            ),
            None => String::new(),
        };
        format!(
            "# A dialbridge configuration for a load run, written by `dialbridge-loadgen config`.\n\
             # The generator serves FreeSWITCH's control port and the web application at\n\
             # the addresses below: `dialbridge-loadgen rate|hold --config <this file>`.\n\
             # Past about 1,000 calls raise the daemon's file-descriptor limit\n\
             # (prlimit --nofile=131072:131072 dialbridge run ...; README \"Sizing a node\").\n\n\
             [freeswitch]\nhost = {host}\nport = {port}\npassword = {password}\n\
             # The generator may start after the daemon: retry its control port every second.\n\
             reconnect_max_secs = 1\n\n\
             [listener]\naddress = {listener}\nmax_calls = {max_calls}\n\n\
             [http]\naddress = {http}\n\n\
             [app]\ncall_hook = {hook}\n{status}\n\
             [carriers.loadgen]\ngateway = \"loadgen\"\ndefault = true\n\n\
             [media]\ncache_dir = {media}\n\n\
             [amd]\naudio_dir = {amd}\n\n\
             [log]\nlevel = {level}\n\n\
             [shutdown]\ndrain_timeout = 10\n",
            host = q(&self.esl.ip().to_string()),
            port = self.esl.port(),
            password = q(&self.esl_password),
            listener = q(&self.listener.to_string()),
            http = q(&self.http.to_string()),
            hook = q(&format!("http://{}{}", self.web, self.call_hook_path)),
            media = sub("media"),
            amd = sub("amd"),
            level = q(log_level),
        )
    }
}

/// `host:port` as one socket address (a name is resolved).
fn addr(text: &str) -> Result<SocketAddr, String> {
    text.to_socket_addrs()
        .map_err(|e| format!("{text}: {e}"))?
        .next()
        .ok_or_else(|| format!("{text} resolves to no address"))
}

/// The address and path of a plain `http://` URL.
fn http_origin(u: &str) -> Result<(SocketAddr, String), String> {
    let url = url::Url::parse(u).map_err(|e| format!("{u}: {e}"))?;
    if url.scheme() != "http" {
        return Err(format!(
            "{u}: the generator serves plain http only (not {})",
            url.scheme()
        ));
    }
    let host = url.host_str().ok_or_else(|| format!("{u} has no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((addr(&format!("{host}:{port}"))?, url.path().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ConfigArgs {
        ConfigArgs {
            listener: "127.0.0.1:1".parse().unwrap(),
            esl: "127.0.0.1:2".parse().unwrap(),
            web: "127.0.0.1:3".parse().unwrap(),
            http: "127.0.0.1:4".parse().unwrap(),
            max_calls: 77,
            dir: "/tmp/x \"y\"".into(),
            status_hook: true,
            log_level: "warn".into(),
        }
    }

    #[test]
    fn what_config_writes_reads_back_as_the_same_layout() {
        let a = args();
        let layout = Layout::from_args(&a);
        let text = layout.render(a.max_calls, &a.dir, &a.log_level);
        assert_eq!(Layout::parse(&text), Ok(layout));
        assert!(text.contains("max_calls = 77"), "{text}");
        let t: toml::Table = text.parse().expect("TOML");
        assert_eq!(t["media"]["cache_dir"].as_str(), Some("/tmp/x \"y\"/media"));
        assert_eq!(t["freeswitch"]["reconnect_max_secs"].as_integer(), Some(1));
    }

    #[test]
    fn absent_keys_take_the_daemon_defaults_and_a_hook_table_is_read() {
        let l = Layout::parse("[app]\ncall_hook = { url = \"http://127.0.0.1:3000/hook\" }\n");
        let l = l.expect("parses");
        assert_eq!(l.listener, "127.0.0.1:8084".parse().unwrap());
        assert_eq!(l.esl, "127.0.0.1:8021".parse().unwrap());
        assert_eq!(l.esl_password, "ClueCon");
        assert_eq!(l.web, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(l.call_hook_path, "/hook");
        assert_eq!(l.status_hook_path, None);
    }

    #[test]
    fn a_hook_the_generator_cannot_serve_is_refused_with_the_reason() {
        let e = Layout::parse("[app]\ncall_hook = \"https://127.0.0.1/call\"\n");
        assert!(e.unwrap_err().contains("plain http"));
        let e = Layout::parse(
            "[app]\ncall_hook = \"http://127.0.0.1:1/c\"\n\
             call_status_hook = \"http://127.0.0.1:2/s\"\n",
        );
        assert!(e.unwrap_err().contains("one address"));
        assert!(
            Layout::parse("[listener]\n")
                .unwrap_err()
                .contains("call_hook")
        );
    }
}
