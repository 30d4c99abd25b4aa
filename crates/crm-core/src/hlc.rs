//! Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014) with the
//! wire form of SYNC.md: a string that sorts lexicographically in clock order.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// One HLC timestamp. Field order makes the derived `Ord` the clock order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
    pub node: u64,
}

/// Largest wall time the 15-digit wire form holds.
pub const MAX_WALL_MS: u64 = 999_999_999_999_999;
/// Largest counter the 5-digit wire form holds; the clock moves its wall time on by
/// one millisecond rather than overflow it.
pub const MAX_COUNTER: u32 = 99_999;

/// Why a wire string is not an HLC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an HLC (expected WWWWWWWWWWWWWWW-CCCCC-NNNNNNNNNNNNNNNN): {0:?}")]
pub struct HlcParseError(pub String);

/// Lowercase hex digits of the node id.
const HEX: &[u8; 16] = b"0123456789abcdef";

impl Hlc {
    /// The wire form written digit by digit, without the formatting machinery: a first
    /// sync writes millions of field versions in it. `None` outside the wire form's range.
    fn wire(&self) -> Option<[u8; 38]> {
        if self.wall_ms > MAX_WALL_MS || self.counter > MAX_COUNTER {
            return None;
        }
        let mut b = [b'-'; 38];
        let mut wall = self.wall_ms;
        for d in b[..15].iter_mut().rev() {
            *d = b'0' + (wall % 10) as u8;
            wall /= 10;
        }
        let mut counter = self.counter;
        for d in b[16..21].iter_mut().rev() {
            *d = b'0' + (counter % 10) as u8;
            counter /= 10;
        }
        for (i, d) in b[22..].iter_mut().enumerate() {
            *d = HEX[((self.node >> (60 - 4 * i)) & 0xf) as usize];
        }
        Some(b)
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.wire() {
            Some(b) => f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?),
            None => write!(
                f,
                "{:015}-{:05}-{:016x}",
                self.wall_ms, self.counter, self.node
            ),
        }
    }
}

impl FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || HlcParseError(s.chars().take(64).collect());
        let b = s.as_bytes();
        if b.len() != 38 || b[15] != b'-' || b[21] != b'-' {
            return Err(err());
        }
        let decimal = |digits: &[u8]| {
            digits.iter().try_fold(0u64, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + u64::from(c - b'0'))
            })
        };
        let hex = b[22..].iter().try_fold(0u64, |n, c| {
            let digit = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => return None,
            };
            Some(n << 4 | u64::from(digit))
        });
        match (decimal(&b[..15]), decimal(&b[16..21]), hex) {
            (Some(wall_ms), Some(counter), Some(node)) => Ok(Hlc {
                wall_ms,
                counter: counter as u32,
                node,
            }),
            _ => Err(err()),
        }
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.wire() {
            Some(b) => s.serialize_str(std::str::from_utf8(&b).map_err(serde::ser::Error::custom)?),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(WireVisitor)
    }
}

/// Reads the wire string where it lies (no `String` per timestamp when the input has no
/// escapes, the usual case).
struct WireVisitor;

impl serde::de::Visitor<'_> for WireVisitor {
    type Value = Hlc;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an HLC wire string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Hlc, E> {
        s.parse().map_err(E::custom)
    }
}

/// A replica's clock: the last timestamp it issued or saw, its node id, and its estimate
/// of how far its physical clock is off the server's. Physical time is always passed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub last: Hlc,
    /// Serialised as 16 hex digits (a JavaScript number cannot hold 64 bits).
    #[serde(with = "node_hex")]
    pub node: u64,
    /// Estimated `server_ms - local_ms`, applied to local physical time.
    pub offset_ms: i64,
}

mod node_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(node: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{node:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = String::deserialize(d)?;
        u64::from_str_radix(&text, 16).map_err(serde::de::Error::custom)
    }
}

impl Clock {
    pub fn new(node: u64) -> Self {
        Clock {
            last: Hlc {
                wall_ms: 0,
                counter: 0,
                node,
            },
            node,
            offset_ms: 0,
        }
    }

    fn physical(&self, now_ms: u64) -> u64 {
        (now_ms as i64)
            .saturating_add(self.offset_ms)
            .clamp(0, MAX_WALL_MS as i64) as u64
    }

    fn advance(&mut self, wall: u64, counter: u32) -> Hlc {
        let (wall, counter) = if counter > MAX_COUNTER {
            (wall + 1, 0)
        } else {
            (wall, counter)
        };
        self.last = Hlc {
            wall_ms: wall,
            counter,
            node: self.node,
        };
        self.last
    }

    /// Send / local-event rule: a timestamp greater than every one seen so far.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        let pt = self.physical(now_ms);
        if pt > self.last.wall_ms {
            self.advance(pt, 0)
        } else {
            self.advance(self.last.wall_ms, self.last.counter + 1)
        }
    }

    /// Receive rule: merge a remote timestamp so later local events sort after it.
    pub fn receive(&mut self, remote: Hlc, now_ms: u64) -> Hlc {
        let pt = self.physical(now_ms);
        let wall = pt.max(self.last.wall_ms).max(remote.wall_ms);
        let counter = if wall == self.last.wall_ms && wall == remote.wall_ms {
            self.last.counter.max(remote.counter) + 1
        } else if wall == self.last.wall_ms {
            self.last.counter + 1
        } else if wall == remote.wall_ms {
            remote.counter + 1
        } else {
            0
        };
        self.advance(wall, counter)
    }

    /// Learns the server's clock from a response's `server_hlc` received at `now_ms`
    /// (local physical time): updates the offset estimate, then applies the receive rule.
    pub fn observe_server(&mut self, server: Hlc, now_ms: u64) -> Hlc {
        self.offset_ms = server.wall_ms as i64 - now_ms as i64;
        self.receive(server, now_ms)
    }

    /// After a `clock_skew` refusal: forget timestamps issued ahead of the corrected
    /// clock so the re-stamped changes are not rejected again.
    pub fn rewind_to_corrected(&mut self, now_ms: u64) {
        let pt = self.physical(now_ms);
        if self.last.wall_ms > pt {
            self.last = Hlc {
                wall_ms: pt,
                counter: 0,
                node: self.node,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wire_form_matches_the_contract_example() {
        let h: Hlc = "001764500000123-00000-9f86d081884c7d65".parse().unwrap();
        assert_eq!(
            h,
            Hlc {
                wall_ms: 1_764_500_000_123,
                counter: 0,
                node: 0x9f86d081884c7d65
            }
        );
        assert_eq!(h.to_string(), "001764500000123-00000-9f86d081884c7d65");
        for bad in [
            "",
            "1764500000123-00000-9f86d081884c7d65",
            "001764500000123-00000-9F86D081884C7D65",
            "001764500000123_00000-9f86d081884c7d65",
        ] {
            assert!(bad.parse::<Hlc>().is_err(), "{bad}");
        }
    }

    #[test]
    fn tick_is_monotonic_when_the_wall_clock_goes_back() {
        let mut c = Clock::new(7);
        let a = c.tick(1000);
        let b = c.tick(900);
        let d = c.tick(1000);
        assert!(a < b && b < d);
        assert_eq!(
            b,
            Hlc {
                wall_ms: 1000,
                counter: 1,
                node: 7
            }
        );
    }

    #[test]
    fn clock_serialises_its_node_as_hex() {
        let c = Clock::new(u64::MAX - 1);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["node"], "fffffffffffffffe");
        assert_eq!(serde_json::from_value::<Clock>(json).unwrap(), c);
    }

    #[test]
    fn counter_overflow_moves_wall_time() {
        let mut c = Clock::new(1);
        c.last = Hlc {
            wall_ms: 50,
            counter: MAX_COUNTER,
            node: 1,
        };
        assert_eq!(
            c.tick(10),
            Hlc {
                wall_ms: 51,
                counter: 0,
                node: 1
            }
        );
    }

    #[test]
    fn server_offset_corrects_a_fast_client() {
        let mut c = Clock::new(1);
        let fast = c.tick(10_000_000);
        c.observe_server(
            Hlc {
                wall_ms: 1_000,
                counter: 0,
                node: 2,
            },
            10_000_000,
        );
        c.rewind_to_corrected(10_000_000);
        let corrected = c.tick(10_000_010);
        assert!(corrected.wall_ms < fast.wall_ms);
        assert_eq!(corrected.wall_ms, 1_010);
    }

    #[test]
    fn out_of_range_timestamps_are_written_whole_and_never_read_back() {
        let big = Hlc {
            wall_ms: MAX_WALL_MS + 1,
            counter: 0,
            node: 1,
        };
        assert_eq!(big.to_string(), "1000000000000000-00000-0000000000000001");
        assert!(big.to_string().parse::<Hlc>().is_err());
    }

    proptest! {
        #[test]
        fn string_order_is_clock_order(a in any::<(u64, u32, u64)>(), b in any::<(u64, u32, u64)>()) {
            let a = Hlc { wall_ms: a.0 % (MAX_WALL_MS + 1), counter: a.1 % (MAX_COUNTER + 1), node: a.2 };
            let b = Hlc { wall_ms: b.0 % (MAX_WALL_MS + 1), counter: b.1 % (MAX_COUNTER + 1), node: b.2 };
            prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
            prop_assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
            let reference = format!("{:015}-{:05}-{:016x}", a.wall_ms, a.counter, a.node);
            prop_assert_eq!(a.to_string(), reference.clone());
            let json = serde_json::to_string(&a).unwrap();
            prop_assert_eq!(&json, &format!("\"{reference}\""));
            prop_assert_eq!(serde_json::from_str::<Hlc>(&json).unwrap(), a);
        }

        #[test]
        fn anything_but_the_wire_form_is_refused(s in "[0-9a-f-]{36,40}") {
            let strict = s.len() == 38
                && s.as_bytes()[15] == b'-'
                && s.as_bytes()[21] == b'-'
                && s[..15].bytes().all(|c| c.is_ascii_digit())
                && s[16..21].bytes().all(|c| c.is_ascii_digit())
                && s[22..].bytes().all(|c| c.is_ascii_hexdigit());
            prop_assert_eq!(s.parse::<Hlc>().is_ok(), strict);
        }

        #[test]
        fn receive_is_after_both(local in 0u64..1_000_000, remote in 0u64..1_000_000, now in 0u64..1_000_000, rc in 0u32..1000) {
            let mut c = Clock::new(1);
            let before = c.tick(local);
            let r = Hlc { wall_ms: remote, counter: rc, node: 2 };
            let after = c.receive(r, now);
            prop_assert!(after > before && after > r);
        }
    }
}
