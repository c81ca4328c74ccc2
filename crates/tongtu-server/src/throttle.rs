//! Login throttling: after too many failures for one user name or from one address within a
//! window, further attempts are refused until the window has passed, whatever the password.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Failures {
    times: Vec<Instant>,
}

impl Failures {
    fn prune(&mut self, now: Instant, window: Duration) {
        self.times.retain(|t| now.duration_since(*t) < window);
    }
}

pub struct LoginThrottle {
    per_user: u32,
    per_ip: u32,
    window: Duration,
    users: Mutex<HashMap<String, Failures>>,
    ips: Mutex<HashMap<IpAddr, Failures>>,
}

impl LoginThrottle {
    pub fn new(per_user: u32, per_ip: u32, window: Duration) -> Self {
        LoginThrottle {
            per_user,
            per_ip,
            window,
            users: Mutex::default(),
            ips: Mutex::default(),
        }
    }

    fn blocked_for<K: std::hash::Hash + Eq>(
        map: &Mutex<HashMap<K, Failures>>,
        key: &K,
        limit: u32,
        window: Duration,
    ) -> Option<Duration> {
        let now = Instant::now();
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        let f = map.get_mut(key)?;
        f.prune(now, window);
        if f.times.len() as u32 >= limit {
            let oldest = f.times.first().copied().unwrap_or(now);
            Some(window.saturating_sub(now.duration_since(oldest)))
        } else {
            None
        }
    }

    /// Seconds to wait before another attempt is allowed, if any.
    pub fn check(&self, username: &str, ip: IpAddr) -> Option<u64> {
        let u = Self::blocked_for(
            &self.users,
            &username.to_string(),
            self.per_user,
            self.window,
        );
        let i = Self::blocked_for(&self.ips, &ip, self.per_ip, self.window);
        u.max(i).map(|d| d.as_secs().max(1))
    }

    pub fn failed(&self, username: &str, ip: IpAddr) {
        let now = Instant::now();
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        // Bound memory under a spray of random user names.
        if users.len() > 100_000 {
            users.retain(|_, f| {
                f.times
                    .last()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        users
            .entry(username.to_string())
            .or_default()
            .times
            .push(now);
        drop(users);
        let mut ips = self.ips.lock().unwrap_or_else(|e| e.into_inner());
        if ips.len() > 100_000 {
            ips.retain(|_, f| {
                f.times
                    .last()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        ips.entry(ip).or_default().times.push(now);
    }

    pub fn succeeded(&self, username: &str) {
        self.users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_limit_and_unlocks_on_success() {
        let t = LoginThrottle::new(3, 100, Duration::from_secs(60));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..2 {
            t.failed("a", ip);
        }
        assert_eq!(t.check("a", ip), None);
        t.failed("a", ip);
        assert!(t.check("a", ip).is_some_and(|s| s > 0 && s <= 60));
        assert_eq!(t.check("b", ip), None, "another user name is not locked");
        t.succeeded("a");
        assert_eq!(t.check("a", ip), None);
    }

    #[test]
    fn address_limit_applies_across_user_names() {
        let t = LoginThrottle::new(100, 3, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for n in 0..3 {
            t.failed(&format!("u{n}"), ip);
        }
        assert!(t.check("fresh", ip).is_some());
        assert!(t.check("fresh", "10.0.0.2".parse().unwrap()).is_none());
    }
}
