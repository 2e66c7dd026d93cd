//! The `dialbridge` command: `run`, `check-config`, `explain`, `calls`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dialbridge::config::Settings;

mod allocator;

/// dialbridge: runs jambonz-style webhook applications on the FreeSWITCH
/// beside it.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon.
    Run {
        /// Configuration file (default /etc/dialbridge/dialbridge.toml).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print the effective configuration (secrets masked), or what is wrong
    /// with it (exit code 2).
    CheckConfig {
        /// Configuration file (default /etc/dialbridge/dialbridge.toml).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Show what a webhook reply will do on FreeSWITCH, or why it is
    /// rejected (exit code 2).
    Explain {
        /// Print JSON: {"verbs":[...]} or {"errors":[...]}.
        #[arg(long)]
        json: bool,
        /// Configuration file (carriers, profile, proxies).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// The reply: a file, or - for standard input.
        file: String,
    },
    /// Live calls through the REST API ([api] in the configuration file):
    /// list, get, hang up, redirect, create. Prints the API's JSON.
    Calls {
        /// Configuration file (default /etc/dialbridge/dialbridge.toml).
        #[arg(long, short)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        action: CallsAction,
    },
}

/// `dialbridge calls ...`.
#[derive(Subcommand)]
enum CallsAction {
    /// The live calls.
    List,
    /// One call.
    Get {
        /// Its call_sid.
        sid: String,
    },
    /// Hang a call up.
    Hangup {
        /// Its call_sid.
        sid: String,
    },
    /// Run another application on a call (its URL).
    Redirect {
        /// Its call_sid.
        sid: String,
        /// The new application's URL.
        url: String,
    },
    /// Place an outbound call that runs an application once answered.
    Create {
        /// Caller ID.
        #[arg(long)]
        from: String,
        /// A number, sip:<uri> or user:<name>.
        #[arg(long)]
        to: String,
        /// The application's URL (default [app] call_hook).
        #[arg(long)]
        call_hook: Option<String>,
        /// Ring seconds.
        #[arg(long)]
        timeout: Option<u64>,
    },
}

fn main() -> ExitCode {
    allocator::configure();
    let cli = Cli::parse();
    match cli.command {
        Command::Run { config } => run(config),
        Command::CheckConfig { config } => check_config(config),
        Command::Explain { json, config, file } => explain(json, config, &file),
        Command::Calls { config, action } => calls(config, action),
    }
}

fn calls(config: Option<PathBuf>, action: CallsAction) -> ExitCode {
    use dialbridge::daemon::api::cli::{Action, run};
    let settings = match load(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let action = match action {
        CallsAction::List => Action::List,
        CallsAction::Get { sid } => Action::Get(sid),
        CallsAction::Hangup { sid } => Action::Hangup(sid),
        CallsAction::Redirect { sid, url } => Action::Redirect(sid, url),
        CallsAction::Create {
            from,
            to,
            call_hook,
            timeout,
        } => Action::Create {
            from,
            to,
            call_hook,
            timeout,
        },
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dialbridge: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&settings, action)) {
        Ok(body) if body.is_null() => ExitCode::SUCCESS,
        Ok(body) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&body).unwrap_or_else(|_| body.to_string())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dialbridge: {e}");
            ExitCode::FAILURE
        }
    }
}

fn load(config: Option<PathBuf>) -> Result<Settings, ExitCode> {
    match Settings::load(config.as_deref()) {
        Ok((settings, _)) => Ok(settings),
        Err(e) => {
            eprintln!("dialbridge: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn run(config: Option<PathBuf>) -> ExitCode {
    let settings = match load(config.clone()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match dialbridge::daemon::run(settings, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dialbridge: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check_config(config: Option<PathBuf>) -> ExitCode {
    match Settings::load(config.as_deref()) {
        Ok((settings, origin)) => {
            println!("# effective configuration (from {origin}, secrets masked)");
            let limit = dialbridge::config::current_fd_limit()
                .map_or_else(|| "unknown".to_owned(), |l| l.soft.to_string());
            println!(
                "# file descriptors needed at full load: about {} (this process may open {limit})",
                dialbridge::config::fds_needed(&settings)
            );
            print!("{}", settings.to_masked_toml());
            if settings.uses_default_esl_password() {
                eprintln!(
                    "dialbridge: warning: [freeswitch] password is FreeSWITCH's default \
                     \"ClueCon\"; change it in event_socket.conf.xml and here"
                );
            }
            if let Some(w) = dialbridge::config::current_fd_limit()
                .and_then(|limit| dialbridge::config::fd_warning(&settings, limit))
            {
                eprintln!("dialbridge: warning: {w}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dialbridge: {e}");
            ExitCode::from(2)
        }
    }
}

fn explain(json: bool, config: Option<PathBuf>, file: &str) -> ExitCode {
    let settings = match load(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let text = if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(file)
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("dialbridge: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    match dialbridge::explain::explain(&text, &settings) {
        Ok(ex) => {
            for n in &ex.notices {
                eprintln!("note: {n}");
            }
            if json {
                println!("{}", serde_json::json!({ "verbs": ex.verbs }));
            } else {
                print!("{}", ex.human());
            }
            ExitCode::SUCCESS
        }
        Err(problems) => {
            if json {
                println!("{}", serde_json::json!({ "errors": problems }));
            } else {
                eprintln!("the reply is rejected; {} problem(s):", problems.len());
                for p in &problems {
                    eprintln!("  {p}");
                }
            }
            ExitCode::from(2)
        }
    }
}
