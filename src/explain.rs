//! `dialbridge explain`: what each verb of a reply will do on FreeSWITCH.
//! For a dial, the exact `bridge` argument (passwords masked) and one line
//! per leg. It is a tool for application developers and the contract the
//! compiler is tested through. Hook URLs print with their password masked
//! (`https://user:********@host`), as in `check-config`.

use serde::Serialize;

mod session_verbs;

use crate::app::{self, Instruction, Location, Problem, Verb};
use crate::config::Settings;
use crate::freeswitch::dialstring::{self, CompileError};
use crate::secret::masked;

/// What a reply will do.
#[derive(Debug, Serialize)]
pub struct Explanation {
    /// One entry per verb.
    pub verbs: Vec<ExplainedVerb>,
    /// Accepted-but-ignored properties and removed duplicates.
    #[serde(skip)]
    pub notices: Vec<Problem>,
    /// Human-readable lines per verb.
    #[serde(skip)]
    pub(crate) lines: Vec<Vec<String>>,
}

/// One verb as FreeSWITCH will see it.
#[derive(Debug, Serialize)]
pub struct ExplainedVerb {
    /// The verb's name.
    pub verb: &'static str,
    /// FreeSWITCH application (dial only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) application: Option<&'static str>,
    /// Its argument, passwords masked (dial only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub argument: Option<String>,
    /// The legs (dial only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legs: Option<Vec<ExplainedLeg>>,
}

/// One leg of a dial.
#[derive(Debug, Serialize)]
pub struct ExplainedLeg {
    /// Index in the application's target array.
    pub target: usize,
    /// Its `origination_uuid`.
    pub uuid: String,
    /// The endpoint dialled.
    pub endpoint: String,
}

/// True when `text` is read as an RCML document: it starts with `<`, or
/// the application is declared `format = "rcml"`.
pub fn is_rcml(text: &str, settings: &Settings) -> bool {
    settings.app.format() == app::Format::Rcml
        || text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('<')
}

/// Validates and compiles `text`: jambonz JSON (an array of verbs, or one
/// verb), or an RCML document ([`is_rcml`]).
pub fn explain(text: &str, settings: &Settings) -> Result<Explanation, Vec<Problem>> {
    let rcml = is_rcml(text, settings);
    let ctx = settings.app_context();
    let reply = if rcml {
        let call_hook = settings.app.call_hook();
        let source = crate::rcml::Source {
            url: &call_hook.url,
        };
        crate::rcml::parse_document(text.trim_start_matches('\u{feff}'), source, &ctx)
    } else {
        crate::jambonz::parse_reply(text, &ctx)
    }
    .map_err(|e| e.problems())?;
    let single = text.trim_start().starts_with('{');
    let mut verbs = Vec::new();
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (i, ins) in reply.instructions.iter().enumerate() {
        match explain_one(ins, settings) {
            Ok((v, l)) => {
                verbs.push(v);
                lines.push(l);
            }
            Err(e) if rcml => problems.push(Problem {
                pointer: Location::XmlPath(crate::rcml::element_path(&reply.instructions, i)),
                message: e.to_string(),
            }),
            Err(e) => problems.push(compile_problem(&e, i, single, ins)),
        }
    }
    if problems.is_empty() {
        Ok(Explanation {
            verbs,
            notices: reply.notices,
            lines,
        })
    } else {
        Err(problems)
    }
}

fn compile_problem(e: &CompileError, index: usize, single: bool, ins: &Instruction) -> Problem {
    let base = if single {
        String::new()
    } else {
        format!("/{index}")
    };
    let is_dial = matches!(ins.verb, Verb::Dial(_));
    let pointer = match e {
        CompileError::UnknownCarrier { target, .. } | CompileError::NotCarriable { target, .. }
            if is_dial =>
        {
            format!("{base}/target/{target}")
        }
        _ => base,
    };
    Problem {
        pointer: Location::JsonPointer(pointer),
        message: e.to_string(),
    }
}

fn explain_one(
    ins: &Instruction,
    settings: &Settings,
) -> Result<(ExplainedVerb, Vec<String>), CompileError> {
    let name = ins.verb.name();
    let plain = |line: String| {
        (
            ExplainedVerb {
                verb: name,
                application: None,
                argument: None,
                legs: None,
            },
            vec![line],
        )
    };
    Ok(match &ins.verb {
        Verb::Dial(dial) => {
            let compiled =
                dialstring::compile(dial, settings, &mut || uuid::Uuid::new_v4().to_string())?;
            let mut lines = vec![format!(
                "dial: ring {} target(s) at once for {} s (originate_timeout {} s){}{}",
                compiled.legs.len(),
                dial.timeout,
                compiled.originate_timeout,
                if dial.answer_on_bridge {
                    ", caller answered only when a target answers"
                } else {
                    ", caller answered first"
                },
                dial.time_limit
                    .map(|t| format!(", call limited to {t} s"))
                    .unwrap_or_default(),
            )];
            lines.push(format!("  bridge {}", compiled.masked_argument()));
            if dial.record {
                lines.push(match &settings.recordings {
                    Some(r) => format!(
                        "  record the bridged call: set RECORD_BRIDGE_REQ=true, record_session \
                         {}/<RecordingSid>.wav before the bridge, stop_record_session after it",
                        r.dir.trim_end_matches('/')
                    ),
                    None => "  record: [recordings] is not configured, the call would be \
                             connected unrecorded"
                        .to_owned(),
                });
            }
            for leg in &compiled.legs {
                lines.push(format!(
                    "  leg {} -> {} (uuid {}){}",
                    leg.target,
                    leg.endpoint,
                    leg.uuid,
                    if leg.screened {
                        ", screened by confirmHook"
                    } else {
                        ""
                    }
                ));
            }
            if let Some(b) = dial.boost {
                lines.push(format!(
                    "  when bridged: uuid_audio <caller> start read level {} (boostAudioSignal {} dB)",
                    b.level(),
                    b.db
                ));
            }
            if let Some(l) = &dial.listen {
                lines.push(format!(
                    "  when bridged: stream the caller's channel ({}, {} Hz) to {}",
                    l.mix_type.as_str(),
                    l.sample_rate,
                    crate::secret::masked(&l.url)
                ));
            }
            let legs = compiled
                .legs
                .iter()
                .map(|l| ExplainedLeg {
                    target: l.target,
                    uuid: l.uuid.clone(),
                    endpoint: l.endpoint.clone(),
                })
                .collect();
            (
                ExplainedVerb {
                    verb: name,
                    application: Some("bridge"),
                    argument: Some(compiled.masked_argument().to_owned()),
                    legs: Some(legs),
                },
                lines,
            )
        }
        Verb::Answer => plain("answer: answer the call (200 OK)".into()),
        Verb::Hangup(h) => plain(format!(
            "hangup: hang up NORMAL_CLEARING{}",
            headers_note(h.headers.0.len())
        )),
        Verb::Pause(p) => plain(format!("pause: sleep {} ms", p.millis())),
        Verb::Play(p) => plain(format!(
            "play: playback of {} source(s) ({} fetched into the media cache first)",
            p.audio.len(),
            p.audio
                .iter()
                .filter(|a| matches!(a, app::play::Audio::Url(_)))
                .count()
        )),
        Verb::Say(s) => plain(format!(
            "say: speak {} text(s) with the configured TTS",
            s.text.len()
        )),
        Verb::Gather(g) => plain(format!(
            "gather: play_and_get_digits {}..{} digit(s), {} s timeout, {}",
            g.min_digits,
            g.max_digits,
            g.timeout,
            g.action_hook.as_ref().map_or(
                "no actionHook: digits dropped, next verb runs".to_owned(),
                |h| format!("result to {}", masked(&h.url))
            )
        )),
        Verb::Redirect(r) => plain(format!(
            "redirect: fetch the rest of the application from {}",
            masked(&r.action_hook.url)
        )),
        Verb::SipDecline(d) => plain(format!(
            "sip:decline: respond {}{}",
            d.status,
            headers_note(d.headers.0.len())
        )),
        Verb::Listen(l) => plain(format!(
            "listen: uuid_record of the caller's channel ({}, {} Hz) into [amd] audio_dir, \
             streamed to {} in {}-byte frames{}",
            l.mix_type.as_str(),
            l.sample_rate,
            crate::secret::masked(&l.url),
            l.frame_bytes(),
            l.transcribe.as_ref().map_or(String::new(), |t| format!(
                "; the caller transcribed beside it until it ends, transcripts to {}",
                masked(&t.transcription_hook.url)
            ))
        )),
        Verb::Transcribe(t) => plain(format!(
            "transcribe: uuid_record of the caller's audio (8 kHz) into [amd] audio_dir, streamed \
             to the recognizer {} until the call ends; transcripts to {}",
            t.service
                .as_deref()
                .map_or("of the config verb's default".to_owned(), |s| format!(
                    "[speech.{s}]"
                )),
            crate::secret::masked(&t.transcription_hook.url)
        )),
        Verb::Tag(t) => plain(format!(
            "tag: add customerData ({} key(s)) to later hooks; nothing sent to FreeSWITCH",
            t.data.len()
        )),
        other => plain(session_verbs::line(other).unwrap_or_default()),
    })
}

fn headers_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" with {n} SIP header(s)")
    }
}

impl Explanation {
    /// The text `explain` prints without `--json`.
    pub fn human(&self) -> String {
        let mut out = String::new();
        for (i, lines) in self.lines.iter().enumerate() {
            for (j, line) in lines.iter().enumerate() {
                if j == 0 {
                    out.push_str(&format!("{i}: {line}\n"));
                } else {
                    out.push_str(&format!("   {line}\n"));
                }
            }
        }
        out
    }
}
