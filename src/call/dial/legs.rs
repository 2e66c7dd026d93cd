//! Bookkeeping of a dial's legs from their events: who rang, who answered,
//! who was bridged and for how long, how each one ended. Pure: it takes
//! events and returns the per-leg reports the outcome mapping needs.

use std::collections::HashMap;
use std::time::Instant;

use freeswitch_esl_tokio::{EslEvent, EslEventType, HangupCause, HeaderLookup};

use crate::call::handle::{LegSnapshot, LegState};
use crate::freeswitch::dialstring::PlannedLeg;
use crate::freeswitch::outcome::LegReport;

/// What has been seen of one leg.
#[derive(Debug, Clone, Default)]
struct Leg {
    target: usize,
    rang: bool,
    answered: bool,
    bridged_at: Option<Instant>,
    unbridged_at: Option<Instant>,
    ended: bool,
    cause: Option<HangupCause>,
    sip_status: Option<u16>,
    sip_call_id: Option<String>,
    declined: bool,
    /// Ended unseen: FreeSWITCH said it no longer exists after events of
    /// the call were dropped, so how it ended is unknown.
    lost: bool,
}

/// The legs of one dial (public for the fuzz crate, fuzz/).
#[derive(Debug, Default)]
pub struct Legs {
    order: Vec<String>,
    legs: HashMap<String, Leg>,
    winner: Option<String>,
}

impl Legs {
    /// Starts tracking the planned legs.
    pub fn new(planned: &[PlannedLeg]) -> Self {
        let mut legs = Legs::default();
        for p in planned {
            legs.order.push(p.uuid.clone());
            legs.legs.insert(
                p.uuid.clone(),
                Leg {
                    target: p.target,
                    ..Leg::default()
                },
            );
        }
        legs
    }

    /// True when `uuid` is one of this dial's legs.
    #[cfg(test)]
    pub fn contains(&self, uuid: &str) -> bool {
        self.legs.contains_key(uuid)
    }

    /// The bridged leg, once there is one.
    pub(crate) fn winner(&self) -> Option<&str> {
        self.winner.as_deref()
    }

    /// True when every leg's CHANNEL_HANGUP_COMPLETE was seen.
    pub(crate) fn all_ended(&self) -> bool {
        self.legs.values().all(|l| l.ended)
    }

    /// Marks a leg as turned down by its screening application.
    pub(crate) fn decline(&mut self, uuid: &str) {
        if let Some(l) = self.legs.get_mut(uuid) {
            l.declined = true;
        }
    }

    /// Takes back the bridge of `uuid`: a screened leg FreeSWITCH bridged
    /// without dialbridge accepting it (docs/freeswitch.md §13), which is hung
    /// up and counts as declined, not as the dial's answer.
    pub(crate) fn refuse_bridge(&mut self, uuid: &str) {
        if self.winner.as_deref() == Some(uuid) {
            self.winner = None;
        }
        if let Some(l) = self.legs.get_mut(uuid) {
            l.bridged_at = None;
            l.unbridged_at = None;
            l.declined = true;
        }
    }

    /// Records that `uuid` was bridged to the caller though its bridge
    /// event was never seen (FreeSWITCH said so after events were dropped);
    /// its connected time counts from `now`.
    pub(crate) fn bridged_unseen(&mut self, uuid: &str, now: Instant) -> Option<String> {
        self.bridge(uuid, now)
    }

    /// The legs whose end was not seen yet.
    pub(crate) fn unended(&self) -> Vec<String> {
        self.order
            .iter()
            .filter(|u| self.legs.get(*u).is_some_and(|l| !l.ended))
            .cloned()
            .collect()
    }

    /// Marks `uuid` as ended unseen ([`Leg::lost`]).
    pub(crate) fn lose(&mut self, uuid: &str) {
        if let Some(l) = self.legs.get_mut(uuid) {
            l.ended = true;
            l.lost = true;
        }
    }

    /// True when some leg ended unseen.
    pub(crate) fn any_lost(&self) -> bool {
        self.legs.values().any(|l| l.lost)
    }

    /// Reads one event; `a_uuid` is the caller's channel. Returns the leg
    /// that was just bridged, when this event bridged one.
    pub fn observe(&mut self, event: &EslEvent, a_uuid: &str, now: Instant) -> Option<String> {
        let uuid = event.unique_id()?;
        let kind = event.event_type()?;
        if uuid == a_uuid {
            return match kind {
                EslEventType::ChannelBridge => {
                    let other = event.header_str("Other-Leg-Unique-ID")?.to_owned();
                    self.bridge(&other, now)
                }
                EslEventType::ChannelUnbridge => {
                    if let Some(w) = self.winner.clone()
                        && let Some(l) = self.legs.get_mut(&w)
                    {
                        l.unbridged_at.get_or_insert(now);
                    }
                    None
                }
                _ => None,
            };
        }
        let leg = self.legs.get_mut(uuid)?;
        match kind {
            EslEventType::ChannelProgress | EslEventType::ChannelProgressMedia => leg.rang = true,
            EslEventType::ChannelAnswer => leg.answered = true,
            EslEventType::ChannelBridge => return self.bridge(uuid, now),
            EslEventType::ChannelHangupComplete => {
                leg.ended = true;
                leg.cause = event.hangup_cause().ok().flatten();
                leg.sip_status = event
                    .variable_str("sip_term_status")
                    .and_then(|s| s.parse().ok());
                leg.sip_call_id = event.variable_str("sip_call_id").map(str::to_owned);
                if leg.bridged_at.is_some() {
                    leg.unbridged_at.get_or_insert(now);
                }
            }
            _ => {}
        }
        None
    }

    fn bridge(&mut self, uuid: &str, now: Instant) -> Option<String> {
        if self.winner.is_some() {
            return None;
        }
        let leg = self.legs.get_mut(uuid)?;
        if leg.declined {
            return None;
        }
        leg.bridged_at = Some(now);
        leg.answered = true;
        self.winner = Some(uuid.to_owned());
        Some(uuid.to_owned())
    }

    /// Where each leg stands now, in dial order (for the call's handle).
    pub fn snapshot(&self) -> Vec<LegSnapshot> {
        self.order
            .iter()
            .filter_map(|uuid| {
                let l = self.legs.get(uuid)?;
                let state = if l.ended {
                    LegState::Ended
                } else if self.winner.as_deref() == Some(uuid.as_str()) {
                    LegState::Bridged
                } else if l.answered {
                    LegState::Answered
                } else if l.rang {
                    LegState::Ringing
                } else {
                    LegState::Trying
                };
                Some(LegSnapshot {
                    target: l.target,
                    call_sid: uuid.clone(),
                    state,
                    hangup_cause: l.cause.map(|c| c.as_str().to_owned()),
                    sip_status: l.sip_status,
                })
            })
            .collect()
    }

    /// Fills in causes FreeSWITCH reported only in the caller's
    /// `originate_causes` (`ARRAY::uuid;CAUSE|:uuid;CAUSE`), for legs whose
    /// own hangup event never came (docs/freeswitch.md §3).
    pub fn fill_from_originate_causes(&mut self, value: &str) {
        let list = value.strip_prefix("ARRAY::").unwrap_or(value);
        for entry in list.split("|:") {
            let Some((uuid, cause)) = entry.split_once(';') else {
                continue;
            };
            if let Some(l) = self.legs.get_mut(uuid)
                && l.cause.is_none()
            {
                l.cause = cause.parse().ok();
            }
        }
    }

    /// The per-leg reports, in dial order; `now` closes a bridge still open.
    pub fn reports(&self, now: Instant) -> Vec<LegReport> {
        self.order
            .iter()
            .filter_map(|uuid| {
                let l = self.legs.get(uuid)?;
                let connected = l
                    .bridged_at
                    .map(|b| l.unbridged_at.unwrap_or(now).saturating_duration_since(b))
                    .map_or(0, |d| d.as_secs_f64().round() as u64);
                Some(LegReport {
                    target: l.target,
                    uuid: uuid.clone(),
                    cause: l.cause,
                    sip_status: l.sip_status,
                    bridged: self.winner.as_deref() == Some(uuid.as_str()),
                    declined: l.declined,
                    connected_secs: connected,
                    sip_call_id: l.sip_call_id.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn planned(n: usize) -> Vec<PlannedLeg> {
        (0..n)
            .map(|i| PlannedLeg {
                target: i,
                uuid: format!("leg{i}"),
                endpoint: String::new(),
                screened: false,
            })
            .collect()
    }

    fn ev(name: &str, uuid: &str, extra: &[(&str, &str)]) -> EslEvent {
        let mut e = EslEvent::new();
        e.set_header("Event-Name", name);
        e.set_header("Unique-ID", uuid);
        for (k, v) in extra {
            e.set_header(*k, *v);
        }
        e
    }

    #[test]
    fn a_bridge_names_the_winner_and_its_connected_time() {
        let mut legs = Legs::new(&planned(2));
        let t0 = Instant::now();
        legs.observe(&ev("CHANNEL_PROGRESS", "leg0", &[]), "A", t0);
        let won = legs.observe(
            &ev("CHANNEL_BRIDGE", "A", &[("Other-Leg-Unique-ID", "leg1")]),
            "A",
            t0,
        );
        assert_eq!(won.as_deref(), Some("leg1"));
        legs.observe(
            &ev(
                "CHANNEL_HANGUP_COMPLETE",
                "leg0",
                &[("Hangup-Cause", "LOSE_RACE")],
            ),
            "A",
            t0,
        );
        let t1 = t0 + Duration::from_millis(3_400);
        legs.observe(
            &ev(
                "CHANNEL_HANGUP_COMPLETE",
                "leg1",
                &[
                    ("Hangup-Cause", "NORMAL_CLEARING"),
                    ("variable_sip_term_status", "200"),
                    ("variable_sip_call_id", "abc@x"),
                ],
            ),
            "A",
            t1,
        );
        assert!(legs.all_ended());
        let r = legs.reports(t1);
        assert_eq!(r[0].cause, Some(HangupCause::LoseRace));
        assert!(!r[0].bridged && r[1].bridged);
        assert_eq!(r[1].connected_secs, 3);
        assert_eq!(r[1].sip_call_id.as_deref(), Some("abc@x"));
    }

    #[test]
    fn originate_causes_fill_legs_without_their_own_event() {
        let mut legs = Legs::new(&planned(2));
        legs.observe(
            &ev(
                "CHANNEL_HANGUP_COMPLETE",
                "leg0",
                &[
                    ("Hangup-Cause", "USER_BUSY"),
                    ("variable_sip_term_status", "486"),
                ],
            ),
            "A",
            Instant::now(),
        );
        legs.fill_from_originate_causes("ARRAY::leg0;NORMAL_CLEARING|:leg1;GATEWAY_DOWN");
        let r = legs.reports(Instant::now());
        assert_eq!(r[0].cause, Some(HangupCause::UserBusy), "own event wins");
        assert_eq!(r[1].cause, Some(HangupCause::GatewayDown));
        assert!(!legs.all_ended());
    }

    #[test]
    fn a_refused_bridge_is_a_declined_leg_not_the_dials_answer() {
        let mut legs = Legs::new(&planned(1));
        let t0 = Instant::now();
        let bridge = ev("CHANNEL_BRIDGE", "A", &[("Other-Leg-Unique-ID", "leg0")]);
        assert_eq!(legs.observe(&bridge, "A", t0).as_deref(), Some("leg0"));
        legs.refuse_bridge("leg0");
        assert_eq!(legs.winner(), None);
        assert_eq!(legs.observe(&bridge, "A", t0), None, "not bridged again");
        let r = legs.reports(t0);
        assert!(r[0].declined && !r[0].bridged);
    }

    #[test]
    fn a_leg_lost_with_dropped_events_ends_without_a_cause() {
        let mut legs = Legs::new(&planned(2));
        assert_eq!(legs.unended(), ["leg0", "leg1"]);
        legs.lose("leg1");
        assert_eq!(legs.unended(), ["leg0"]);
        assert!(legs.any_lost());
        assert_eq!(legs.reports(Instant::now())[1].cause, None);
    }

    #[test]
    fn events_of_other_channels_are_ignored() {
        let mut legs = Legs::new(&planned(1));
        legs.observe(
            &ev("CHANNEL_HANGUP_COMPLETE", "stranger", &[]),
            "A",
            Instant::now(),
        );
        assert!(!legs.all_ended());
        assert!(!legs.contains("stranger"));
    }
}
