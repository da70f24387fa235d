//! Login throttling: after too many failed logins for an email address (or from one client
//! address) within a window, every login for it is refused until the window has passed, even
//! with the right password, so that passwords cannot be guessed at speed.
//!
//! The counters live in memory (in [`crate::state::AppState`]): a restart forgets them, and
//! several Cairn processes count separately. That is acceptable for what this protects against
//! (online guessing, which a restart does not speed up meaningfully), and keeps the login path
//! free of database writes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a failed login counts.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// Failed logins per email address within [`WINDOW`] before logins for it are refused.
pub const MAX_PER_EMAIL: usize = 5;
/// Failed logins per client address within [`WINDOW`]. Higher than per email because many
/// people may share an address (an office NAT, a reverse proxy in front of Cairn).
pub const MAX_PER_IP: usize = 30;
/// Beyond this many tracked keys, expired ones are swept, so memory stays bounded by the
/// failures of one window.
const SWEEP_ABOVE: usize = 10_000;

/// Recent failed logins by key (`email:...` or `ip:...`).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    /// `Err(wait)` when a login for `email` from `ip` must be refused now; `wait` is how long
    /// until the oldest counted failure leaves the window.
    pub fn check(&self, email: &str, ip: Option<&str>, now: Instant) -> Result<(), Duration> {
        let mut failures = self.lock();
        let mut wait = None;
        for (key, max) in keys(email, ip) {
            let Some(times) = failures.get_mut(&key) else { continue };
            expire(times, now);
            if times.len() >= max {
                if let Some(oldest) = times.front() {
                    let left = WINDOW.saturating_sub(now.duration_since(*oldest));
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failed login.
    pub fn failed(&self, email: &str, ip: Option<&str>, now: Instant) {
        let mut failures = self.lock();
        if failures.len() > SWEEP_ABOVE {
            failures.retain(|_, times| {
                expire(times, now);
                !times.is_empty()
            });
        }
        for (key, max) in keys(email, ip) {
            let times = failures.entry(key).or_default();
            expire(times, now);
            times.push_back(now);
            // More than `max` entries never change the answer.
            while times.len() > max {
                times.pop_front();
            }
        }
    }

    /// Forgets the failures of an email address after a successful login (those of the client
    /// address stay: one success does not vouch for other accounts tried from it).
    pub fn succeeded(&self, email: &str) {
        self.lock().remove(&email_key(email));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // The map stays consistent even if a holder panicked: every change is one insert or
        // removal.
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn email_key(email: &str) -> String {
    format!("email:{}", email.trim().to_lowercase())
}

fn keys(email: &str, ip: Option<&str>) -> Vec<(String, usize)> {
    let mut keys = vec![(email_key(email), MAX_PER_EMAIL)];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), MAX_PER_IP));
    }
    keys
}

fn expire(times: &mut VecDeque<Instant>, now: Instant) {
    while times.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_email_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for i in 0..MAX_PER_EMAIL {
            assert!(throttle.check("a@example.com", None, start).is_ok(), "attempt {i}");
            throttle.failed("A@example.com", None, start + Duration::from_secs(i as u64));
        }
        let now = start + Duration::from_secs(10);
        let wait = throttle.check("a@example.com", None, now).expect_err("locked");
        assert_eq!(wait, WINDOW - Duration::from_secs(10));
        // Other addresses are not affected.
        assert!(throttle.check("b@example.com", None, now).is_ok());
        // Once the oldest failure has left the window, one more attempt is allowed.
        assert!(throttle.check("a@example.com", None, start + WINDOW).is_ok());
    }

    #[test]
    fn a_client_address_is_locked_across_emails() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..MAX_PER_IP {
            throttle.failed(&format!("u{i}@example.com"), Some("10.0.0.1"), now);
        }
        assert!(throttle.check("new@example.com", Some("10.0.0.1"), now).is_err());
        assert!(throttle.check("new@example.com", Some("10.0.0.2"), now).is_ok());
    }

    #[test]
    fn success_clears_the_email() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..MAX_PER_EMAIL - 1 {
            throttle.failed("a@example.com", None, now);
        }
        throttle.succeeded("a@example.com");
        throttle.failed("a@example.com", None, now);
        assert!(throttle.check("a@example.com", None, now).is_ok());
    }
}
