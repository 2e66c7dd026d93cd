//! What the classifier made of each recording ([`Outcome`]), of each
//! corpus ([`Set`]), and the tables printed from them.

use dialbridge::amd::AmdEvent;

use crate::synth::{Kind, Recording};

pub fn describe(e: &AmdEvent) -> String {
    match e {
        AmdEvent::MachineDetected {
            reason,
            greeting_ms,
            words,
            at_ms,
            after_human,
        } => format!(
            "machine ({}{}, greeting {greeting_ms} ms, {words} words) at {at_ms} ms",
            reason.as_str(),
            if *after_human { ", after human" } else { "" }
        ),
        AmdEvent::HumanDetected { greeting_ms, at_ms } => {
            format!("human (greeting {greeting_ms} ms) at {at_ms} ms")
        }
        other => format!("{} at {} ms", other.jambonz_type(), other.at_ms()),
    }
}

pub fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

/// One recording's result.
pub struct Outcome {
    pub recording: Recording,
    pub events: Vec<AmdEvent>,
}

impl Outcome {
    pub fn first(&self) -> Option<&AmdEvent> {
        self.events.first()
    }

    pub fn machine(&self) -> Option<&AmdEvent> {
        self.events
            .iter()
            .find(|e| matches!(e, AmdEvent::MachineDetected { .. }))
    }

    pub fn reversed(&self) -> bool {
        matches!(self.first(), Some(AmdEvent::HumanDetected { .. })) && self.machine().is_some()
    }

    pub fn correct(&self) -> bool {
        match self.recording.kind {
            Kind::Human => {
                matches!(self.first(), Some(AmdEvent::HumanDetected { .. }))
                    && self.machine().is_none()
            }
            Kind::Machine => self.machine().is_some(),
        }
    }

    pub fn right_at_first(&self) -> bool {
        matches!(
            (self.recording.kind, self.first()),
            (Kind::Human, Some(AmdEvent::HumanDetected { .. }))
                | (Kind::Machine, Some(AmdEvent::MachineDetected { .. }))
        )
    }

    pub fn shown(&self) -> String {
        let verdicts: Vec<String> = self
            .events
            .iter()
            .filter(|e| !matches!(e, AmdEvent::MachineStoppedSpeaking { .. }))
            .map(describe)
            .collect();
        if verdicts.is_empty() {
            "nothing".into()
        } else {
            verdicts.join(", then ")
        }
    }

    pub fn line(&self) -> String {
        let r = &self.recording;
        let kind = if r.kind == Kind::Human {
            "human"
        } else {
            "machine"
        };
        let mark = if self.correct() { "" } else { "   <-- WRONG" };
        format!(
            "{:<6} {kind:<8} {}{mark}\n{:<15} \"{}\" [{}]",
            r.name,
            self.shown(),
            "",
            r.text,
            r.channel
        )
    }
}

/// A corpus classified.
pub struct Set {
    pub name: &'static str,
    pub outcomes: Vec<Outcome>,
}

impl Set {
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(move |o| o.recording.kind == kind)
    }
}

pub fn print_table(set: &Set, file: &str, verbose: bool) {
    println!("\n== {} corpus (tests/fixtures/amd/{file}) ==", set.name);
    for o in &set.outcomes {
        if verbose || !o.correct() || o.reversed() {
            println!("{}", o.line());
        }
    }
    println!(
        "{:<8} {:>10} {:>16} {:>16} {:>9}",
        "class", "recordings", "correct", "right at first", "reversed"
    );
    for (label, kind) in [("human", Kind::Human), ("machine", Kind::Machine)] {
        let all: Vec<&Outcome> = set.of_kind(kind).collect();
        let ok = all.iter().filter(|o| o.correct()).count();
        let first = all.iter().filter(|o| o.right_at_first()).count();
        let reversed = all.iter().filter(|o| o.reversed()).count();
        println!(
            "{label:<8} {:>10} {:>16} {:>16} {reversed:>9}",
            all.len(),
            format!("{ok} ({:.1}%)", percent(ok, all.len())),
            format!("{first} ({:.1}%)", percent(first, all.len())),
        );
    }
    println!("{:<62} {:>10} {:>16}", "section", "recordings", "correct");
    let mut categories: Vec<(String, bool)> = Vec::new();
    for o in &set.outcomes {
        let key = (o.recording.category.clone(), o.recording.beep);
        if !categories.contains(&key) {
            categories.push(key);
        }
    }
    for (category, beep) in categories {
        let all: Vec<&Outcome> = set
            .outcomes
            .iter()
            .filter(|o| o.recording.category == category && o.recording.beep == beep)
            .collect();
        let ok = all.iter().filter(|o| o.correct()).count();
        let label = if beep {
            format!("{category} (with a beep)")
        } else {
            category
        };
        println!(
            "{label:<62} {:>10} {:>16}",
            all.len(),
            format!("{ok} ({:.1}%)", percent(ok, all.len()))
        );
    }
    let human: Vec<u32> = set
        .of_kind(Kind::Human)
        .filter_map(|o| o.first().map(AmdEvent::at_ms))
        .collect();
    println!("human decided after answer: {}", range(&human));
    let machine: Vec<u32> = set
        .of_kind(Kind::Machine)
        .filter_map(|o| o.machine().map(AmdEvent::at_ms))
        .collect();
    println!("machine decided after answer: {}", range(&machine));
}

pub fn range(v: &[u32]) -> String {
    let mut v = v.to_vec();
    v.sort_unstable();
    match (v.first(), v.get(v.len() / 2), v.last()) {
        (Some(min), Some(median), Some(max)) => {
            format!("fastest {min} ms, median {median} ms, slowest {max} ms")
        }
        _ => "none".into(),
    }
}
