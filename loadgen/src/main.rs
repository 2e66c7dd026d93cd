//! `dialbridge-loadgen`: a load generator that is not the daemon. It plays
//! FreeSWITCH (the fake switch of tests/fake_freeswitch, in this process)
//! and the web application (tests/harness/app.rs) against a separately
//! started `dialbridge run`, and reports flows completed and failed, the
//! daemon's CPU and memory from /proc, and the set-up delays.

#[path = "../../tests/harness/app.rs"]
#[allow(dead_code)]
mod app;
#[path = "../../tests/fake_freeswitch/mod.rs"]
mod fake_freeswitch;

mod cli;
mod error;
mod esl_forward;
mod flow;
mod hold;
mod hooks;
mod http_get;
mod judge;
mod layout;
mod limits;
mod procfs;
mod rate;
mod report;
mod sampler;
mod session;
mod stats;
mod verdict;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use error::LoadgenError;
use layout::Layout;
use report::Report;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        // Some flows failed: the report says which and why.
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("dialbridge-loadgen: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command; `Ok(false)` when flows failed.
fn run(cli: Cli) -> Result<bool, LoadgenError> {
    let (report, json) = match cli.command {
        Command::Config(args) => {
            let text = Layout::from_args(&args).render(args.max_calls, &args.dir, &args.log_level);
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(LoadgenError::Output)?;
            return Ok(true);
        }
        Command::Rate(args) => {
            let json = args.target.json;
            let nofile = limits::raise_nofile();
            (runtime()?.block_on(rate::run(args, nofile))?, json)
        }
        Command::Hold(args) => {
            let json = args.target.json;
            let nofile = limits::raise_nofile();
            (runtime()?.block_on(hold::run(args, nofile))?, json)
        }
    };
    print(&report, json)?;
    Ok(report.tally.failed == 0 && report.hold.as_ref().is_none_or(|h| h.probes.failed == 0))
}

fn runtime() -> Result<tokio::runtime::Runtime, LoadgenError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(LoadgenError::Runtime)
}

fn print(report: &Report, json: bool) -> Result<(), LoadgenError> {
    let text = if json {
        format!("{:#}\n", report.json())
    } else {
        report.text()
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(LoadgenError::Output)
}
