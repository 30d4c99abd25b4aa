//! Exponential backoff with deterministic jitter: failures retry after
//! `base · 2^(n-1)` capped at `max`, each delay drawn from its upper half so that
//! clients that failed together spread out. The jitter comes from a seed, not an RNG
//! read, so the engine stays reproducible.

/// Consecutive-failure counter plus the jitter stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    base_ms: u64,
    max_ms: u64,
    failures: u32,
    state: u64,
}

impl Backoff {
    /// A backoff with no failures yet.
    pub fn new(base_ms: u64, max_ms: u64, seed: u64) -> Self {
        Backoff {
            base_ms: base_ms.max(1),
            max_ms: max_ms.max(base_ms.max(1)),
            failures: 0,
            state: seed,
        }
    }

    /// Consecutive failures so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a failure and returns how long to wait before the next try.
    pub fn next_delay(&mut self) -> u64 {
        self.failures = self.failures.saturating_add(1);
        let exp = (self.failures - 1).min(40);
        let ceiling = self.base_ms.saturating_mul(1u64 << exp).min(self.max_ms);
        let half = ceiling / 2;
        half + self.next_random() % (ceiling - half + 1)
    }

    /// A success: the next failure starts from the base delay again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// splitmix64: a tiny, well-mixed deterministic stream.
    fn next_random(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_within_jitter_and_caps() {
        let mut b = Backoff::new(1_000, 10_000, 42);
        let delays: Vec<u64> = (0..6).map(|_| b.next_delay()).collect();
        for (i, d) in delays.iter().enumerate() {
            let ceiling = (1_000u64 << i).min(10_000);
            assert!((ceiling / 2..=ceiling).contains(d), "{i}: {d}");
        }
        b.reset();
        assert!(b.next_delay() <= 1_000);
    }

    #[test]
    fn jitter_depends_on_the_seed_only() {
        let run = |seed| {
            let mut b = Backoff::new(1_000, 60_000, seed);
            (0..5).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }
}
