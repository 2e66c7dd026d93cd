//! `boostAudioSignal`: a gain in dB on the caller's audio toward the
//! callee, carried out with FreeSWITCH's stock `uuid_audio <uuid> start
//! read level <n>` (mod_dptools' audio media bug). FreeSWITCH knows nine
//! levels, -4..4, each a fixed factor (`switch_change_sln_volume`:
//! 0.2, 0.4, 0.6, 0.8, 1, 1.3, 2.3, 3.3, 4.3); the requested gain is
//! carried out as the level whose factor is nearest in dB:
//!
//! | level | factor | dB |
//! |---|---|---|
//! | -4 | 0.2 | -14.0 |
//! | -3 | 0.4 | -8.0 |
//! | -2 | 0.6 | -4.4 |
//! | -1 | 0.8 | -1.9 |
//! | 0 | 1 | 0 (nothing sent) |
//! | 1 | 1.3 | +2.3 |
//! | 2 | 2.3 | +7.2 |
//! | 3 | 3.3 | +10.4 |
//! | 4 | 4.3 | +12.7 |

use serde::Serialize;

/// Largest gain accepted either way, in dB.
pub(crate) const MAX_DB: f64 = 40.0;

/// FreeSWITCH's factor for each level -4..=4.
const FACTORS: [f64; 9] = [0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 2.3, 3.3, 4.3];

/// A validated `boostAudioSignal`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Boost {
    /// The gain asked for, in dB.
    pub(crate) db: f64,
}

impl Boost {
    /// Reads jambonz's forms: a number of dB, or a string like `"-6 dB"`,
    /// `"+3db"`, `"6"`.
    pub(crate) fn parse_str(s: &str) -> Result<Boost, String> {
        let t = s.trim();
        let number = t
            .strip_suffix("dB")
            .or_else(|| t.strip_suffix("db"))
            .or_else(|| t.strip_suffix("DB"))
            .unwrap_or(t)
            .trim();
        let db: f64 = number.parse().map_err(|_| {
            format!("`{s}` is not a gain: give a number of dB or a string like \"-6 dB\"")
        })?;
        Boost::of_db(db)
    }

    /// A gain of `db`, within ±[`MAX_DB`].
    pub(crate) fn of_db(db: f64) -> Result<Boost, String> {
        if db.is_finite() && db.abs() <= MAX_DB {
            Ok(Boost { db })
        } else {
            Err(format!(
                "must be a gain from -{MAX_DB} to {MAX_DB} dB, not {db}"
            ))
        }
    }

    /// The `uuid_audio` level (-4..=4) nearest in dB.
    pub(crate) fn level(&self) -> i32 {
        let mut best = (0i32, f64::MAX);
        for (i, f) in FACTORS.iter().enumerate() {
            let d = (20.0 * f.log10() - self.db).abs();
            if d < best.1 {
                best = (i as i32 - 4, d);
            }
        }
        best.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_are_read_and_mapped_to_the_nearest_level() {
        let level = |s: &str| Boost::parse_str(s).map(|b| b.level());
        // -6 dB: -4.4 is 1.6 dB away, -8.0 is 2.0.
        assert_eq!(level("-6 dB"), Ok(-2));
        assert_eq!(level("+3dB"), Ok(1));
        assert_eq!(level("0"), Ok(0));
        assert_eq!(level("12 dB"), Ok(4));
        assert_eq!(level("-20 dB"), Ok(-4));
        assert_eq!(level("7"), Ok(2));
        assert!(Boost::parse_str("loud").is_err());
        assert!(Boost::of_db(60.0).is_err());
        assert_eq!(Boost::of_db(-1.0).map(|b| b.level()), Ok(-1));
    }
}
