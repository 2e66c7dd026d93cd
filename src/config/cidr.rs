//! `[listener] allow`: CIDR blocks, and whether a peer is inside one.
//!
//! A dual-stack listener (`[::]:8084`) sees an IPv4 peer as an IPv4-mapped
//! IPv6 address (`::ffff:10.0.0.5`); it is matched as the IPv4 address it
//! is, so `10.0.0.0/8` admits it whichever way the listener is bound.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// One CIDR block (`10.0.0.0/8`, `2001:db8::/32`), or one address
/// (`192.0.2.7` = `/32`, `::1` = `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a block does not parse; each message says what was meant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CidrError {
    /// The address part is not an IP address.
    #[error("`{0}` is not an IP address or CIDR block; e.g. 10.0.0.0/8, 192.0.2.7 or ::1/128")]
    Address(String),
    /// The prefix length is not a number within the family's width.
    #[error("`{text}`: the prefix length must be a number from 0 to {max}")]
    Prefix {
        /// The block.
        text: String,
        /// 32 or 128.
        max: u8,
    },
    /// Bits set after the prefix: likely a typo for a single address or a
    /// different block, so it is refused rather than guessed.
    #[error("`{text}` has bits set after the /{prefix} prefix; did you mean {network}/{prefix}?")]
    HostBits {
        /// The block.
        text: String,
        /// Its network address.
        network: IpAddr,
        /// Its prefix length.
        prefix: u8,
    },
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Self, CidrError> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let address: IpAddr = addr
            .parse()
            .map_err(|_| CidrError::Address(text.to_owned()))?;
        let max = width(address);
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max && !p.starts_with('+') => n,
                _ => {
                    return Err(CidrError::Prefix {
                        text: text.to_owned(),
                        max,
                    });
                }
            },
        };
        let network = mask(address, prefix);
        if network != address {
            return Err(CidrError::HostBits {
                text: text.to_owned(),
                network,
                prefix,
            });
        }
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Cidr {
    /// True when `peer` (IPv4-mapped IPv6 taken as IPv4) is in the block.
    pub(crate) fn contains(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        match (self.network, peer) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(peer, self.prefix) == self.network
            }
            _ => false,
        }
    }
}

/// Bits in an address of `ip`'s family.
fn width(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `ip` with every bit after the first `prefix` cleared.
fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let keep = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & keep).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let keep = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & keep).into())
        }
    }
}

/// The parsed `[listener] allow` list (empty: nobody).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AllowList(Vec<Cidr>);

impl AllowList {
    /// Parses every block; the first bad one is the error.
    pub(crate) fn parse<S: AsRef<str>>(blocks: &[S]) -> Result<Self, CidrError> {
        blocks
            .iter()
            .map(|b| b.as_ref().parse())
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// True when `peer` is inside one of the blocks.
    pub(crate) fn allows(&self, peer: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn blocks_and_single_addresses_match_their_members_only() {
        let list = AllowList::parse(&["127.0.0.0/8", "::1/128", "192.0.2.7", "2001:db8::/32"])
            .expect("valid");
        for inside in [
            "127.0.0.1",
            "127.255.0.9",
            "::1",
            "192.0.2.7",
            "2001:db8:5::1",
        ] {
            assert!(list.allows(ip(inside)), "{inside}");
        }
        for outside in ["10.0.0.1", "128.0.0.1", "::2", "192.0.2.8", "2001:db9::1"] {
            assert!(!list.allows(ip(outside)), "{outside}");
        }
    }

    #[test]
    fn an_ipv4_mapped_peer_is_matched_as_ipv4() {
        let list = AllowList::parse(&["10.0.0.0/8"]).expect("valid");
        assert!(list.allows(ip("::ffff:10.1.2.3")));
        assert!(!list.allows(ip("::ffff:11.1.2.3")));
        let loopback = AllowList::parse(&["127.0.0.0/8"]).expect("valid");
        assert!(loopback.allows(ip("::ffff:127.0.0.1")));
        assert!(
            !loopback.allows(ip("::1")),
            "::1 is IPv6 loopback, listed on its own"
        );
    }

    #[test]
    fn zero_prefixes_match_a_whole_family() {
        let list = AllowList::parse(&["0.0.0.0/0"]).expect("valid");
        assert!(list.allows(ip("203.0.113.1")));
        assert!(!list.allows(ip("2001:db8::1")));
        let v6 = AllowList::parse(&["::/0"]).expect("valid");
        assert!(v6.allows(ip("2001:db8::1")));
    }

    #[test]
    fn bad_blocks_say_what_is_wrong() {
        for (text, wanted) in [
            ("10.0.0.0/33", "prefix length must be a number from 0 to 32"),
            ("::/129", "from 0 to 128"),
            ("10.0.0.0/x", "prefix length"),
            ("10.0.0.0/+8", "prefix length"),
            ("10.0.0/8", "is not an IP address"),
            ("localhost", "is not an IP address"),
            ("10.0.0.1/8", "did you mean 10.0.0.0/8?"),
            ("2001:db8::1/32", "did you mean 2001:db8::/32?"),
        ] {
            let e = text.parse::<Cidr>().expect_err(text).to_string();
            assert!(e.contains(wanted), "{text}: {e}");
            assert!(e.contains(text), "names the block: {e}");
        }
    }

    #[test]
    fn a_block_prints_as_network_and_prefix() {
        assert_eq!(
            " 192.0.2.7 ".parse::<Cidr>().expect("valid").to_string(),
            "192.0.2.7/32"
        );
    }
}
