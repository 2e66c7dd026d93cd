//! Which subscribers may want an event of a given channel, so delivering an
//! event costs the sockets of that channel rather than every socket (a load
//! run holds 10,000 calls; checking each one per event made the fake the
//! bottleneck). FreeSWITCH checks every listener; who receives what is the
//! same, `Subscription::wants` still decides.

use std::collections::{BTreeSet, HashMap};

use super::core::Sub;
use super::event::Subscription;

/// Subscribers by the Unique-ID their `filter Unique-ID`/`myevents` name,
/// and the ones that may want any channel's events.
#[derive(Debug, Default)]
pub struct SubIndex {
    by_uuid: HashMap<String, BTreeSet<u64>>,
    /// No filter, or a filter on another header.
    wide: BTreeSet<u64>,
    /// The Unique-IDs each subscriber is indexed under.
    keys: HashMap<u64, Vec<String>>,
    /// Subscribers whose subscription may have changed since indexed.
    dirty: Vec<u64>,
}

impl SubIndex {
    /// Subscriber `id` was added or its subscription handed out for change.
    pub fn touch(&mut self, id: u64) {
        self.dirty.push(id);
    }

    /// Forgets subscriber `id`.
    pub fn remove(&mut self, id: u64) {
        self.wide.remove(&id);
        for k in self.keys.remove(&id).unwrap_or_default() {
            if let Some(set) = self.by_uuid.get_mut(&k) {
                set.remove(&id);
                if set.is_empty() {
                    self.by_uuid.remove(&k);
                }
            }
        }
    }

    /// Re-indexes the subscribers touched since the last call.
    pub fn refresh(&mut self, subs: &HashMap<u64, Sub>) {
        for id in std::mem::take(&mut self.dirty) {
            self.remove(id);
            if let Some(s) = subs.get(&id) {
                self.add(id, &s.sub);
            }
        }
    }

    fn add(&mut self, id: u64, sub: &Subscription) {
        let uuids: Vec<String> = match &sub.myevents {
            Some(me) => vec![me.clone()],
            None if sub.filters.is_empty()
                || sub
                    .filters
                    .iter()
                    .any(|(k, _)| !k.eq_ignore_ascii_case("Unique-ID")) =>
            {
                self.wide.insert(id);
                return;
            }
            None => sub.filters.iter().map(|(_, v)| v.clone()).collect(),
        };
        for u in &uuids {
            self.by_uuid.entry(u.clone()).or_default().insert(id);
        }
        self.keys.insert(id, uuids);
    }

    /// The subscribers that may want an event with this Unique-ID.
    pub fn candidates(&self, unique_id: Option<&str>) -> Vec<u64> {
        let mut out: Vec<u64> = self.wide.iter().copied().collect();
        if let Some(set) = unique_id.and_then(|u| self.by_uuid.get(u)) {
            out.extend(set.iter().copied());
        }
        out
    }
}
