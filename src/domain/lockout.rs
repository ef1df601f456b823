//! Lockout with backoff: after `max_failed_logins` consecutive failed logins an account may not
//! log in for `lockout_duration`, doubled with each further failure, at most [`MAX_LOCKOUT`]. A
//! success, a new password or `user unlock` starts the count again.
//!
//! Attempts made while a lockout lasts are refused without checking the password and are not
//! counted: otherwise anyone who knows the address could keep the account locked for 24 hours
//! at a time with a few guesses. The end of a lockout is fixed when it starts; the next failure
//! after it ends locks the account again, for twice as long.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The longest a lockout lasts, however many failures there were.
pub const MAX_LOCKOUT: chrono::Duration = chrono::Duration::hours(24);

/// An account's consecutive failed logins and the temporary lockout they caused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Lockout {
    /// Failed logins since the last success, new password or unlock.
    #[serde(rename = "failed_logins")]
    pub failures: u32,
    /// When the latest lockout ends (it may be over already); `None` before the first.
    #[serde(
        rename = "locked_out_until",
        serialize_with = "crate::domain::timestamp::serialize_option"
    )]
    pub until: Option<DateTime<Utc>>,
}

impl Lockout {
    /// Whether logins are refused at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.until.is_some_and(|end| now < end)
    }
}

/// When failures lock an account out, and for how long: `max_failed_logins` and
/// `lockout_duration`.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    /// Consecutive failures that start the first lockout.
    pub max_failures: u32,
    /// How long the first lockout lasts.
    pub duration: chrono::Duration,
}

impl LockoutPolicy {
    /// The state after one more failed login at `now`, counted while no lockout is active.
    pub fn after_failure(&self, current: Lockout, now: DateTime<Utc>) -> Lockout {
        let failures = current.failures.saturating_add(1);
        let until = failures.checked_sub(self.max_failures).map(|further| {
            now.checked_add_signed(self.lockout_for(further))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        });
        Lockout { failures, until }
    }

    /// `duration` doubled `further` times, capped at [`MAX_LOCKOUT`].
    fn lockout_for(&self, further: u32) -> chrono::Duration {
        2i32.checked_pow(further)
            .and_then(|factor| self.duration.checked_mul(factor))
            .map_or(MAX_LOCKOUT, |lockout| lockout.min(MAX_LOCKOUT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_maximum_then_doubles_up_to_a_day() {
        let policy = LockoutPolicy {
            max_failures: 3,
            duration: chrono::Duration::minutes(15),
        };
        let now = Utc::now();
        let mut state = Lockout::default();
        let mut lockouts = Vec::new();
        for _ in 0..12 {
            state = policy.after_failure(state, now);
            lockouts.push(state.until.map(|end| (end - now).num_minutes()));
        }
        assert_eq!(
            lockouts,
            [
                None,
                None,
                Some(15),
                Some(30),
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(960),
                Some(1440),
                Some(1440),
                Some(1440)
            ]
        );
        assert_eq!(state.failures, 12);
        assert!(state.is_active(now));
        assert!(!state.is_active(now + MAX_LOCKOUT));
    }

    #[test]
    fn the_count_and_the_time_saturate() {
        let policy = LockoutPolicy {
            max_failures: 1,
            duration: MAX_LOCKOUT,
        };
        let state = Lockout {
            failures: u32::MAX,
            until: None,
        };
        let after = policy.after_failure(state, DateTime::<Utc>::MAX_UTC);
        assert_eq!(after.failures, u32::MAX);
        assert_eq!(after.until, Some(DateTime::<Utc>::MAX_UTC));
    }
}
