//! Deadlines: every action, command and wait in mfs-ha is bounded by one.

use std::time::{Duration, Instant};

/// A point in time by which something must be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// `budget` from now (capped far in the future rather than overflowing).
    pub fn after(budget: Duration) -> Deadline {
        Deadline::from(Instant::now(), budget)
    }

    fn from(start: Instant, budget: Duration) -> Deadline {
        let at = start
            .checked_add(budget)
            .or_else(|| start.checked_add(Duration::from_secs(86_400 * 365)))
            .unwrap_or(start);
        Deadline { at }
    }

    pub fn at(&self) -> Instant {
        self.at
    }

    /// Time left; zero once expired.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    pub fn expired(&self) -> bool {
        self.remaining().is_zero()
    }

    /// A sub-deadline `margin` earlier, leaving time for clean-up after a sub-task gives up.
    pub fn with_margin(&self, margin: Duration) -> Deadline {
        let at = self.at.checked_sub(margin).unwrap_or_else(Instant::now);
        Deadline {
            at: at.min(self.at),
        }
    }

    /// The sooner of this deadline and `budget` from now.
    pub fn within(&self, budget: Duration) -> Deadline {
        let other = Deadline::after(budget);
        match other.at < self.at {
            true => other,
            false => *self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn deadline_counts_down_and_sub_deadlines_come_earlier() {
        let d = Deadline::after(secs(10));
        assert!(!d.expired());
        assert!(d.remaining() <= secs(10) && d.remaining() > secs(9));
        let sub = d.with_margin(secs(3));
        assert!(sub.at() < d.at());
        assert!(d.with_margin(secs(60)).expired());
        assert!(d.within(secs(1)).at() < d.at());
        assert_eq!(d.within(secs(100)), d);
        assert!(Deadline::after(Duration::ZERO).expired());
    }

    #[test]
    fn huge_budget_does_not_overflow() {
        assert!(!Deadline::after(Duration::MAX).expired());
    }
}
