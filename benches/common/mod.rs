//! What the benchmarks share: the default policy.

use authctl::domain::accounts::Policy;
use authctl::domain::lockout::LockoutPolicy;
use authctl::domain::session::SessionDurations;
use authctl::domain::token::TokenLifetimes;

/// The policy of the default settings.
pub fn policy() -> Policy {
    Policy {
        sessions: SessionDurations {
            session: chrono::Duration::hours(12),
            remember: chrono::Duration::days(365),
        },
        tokens: TokenLifetimes {
            confirm: chrono::Duration::hours(24),
            reset: chrono::Duration::hours(1),
            email_change: chrono::Duration::hours(24),
        },
        require_confirmation: false,
        lockout: LockoutPolicy {
            max_failures: 5,
            duration: chrono::Duration::minutes(15),
        },
        failure_delay: std::time::Duration::from_secs(1),
        passwords: Default::default(),
    }
}
