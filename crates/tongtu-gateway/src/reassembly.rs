//! Subpackage reassembly for one session, keyed by (message id, serial of the first
//! fragment): fragment *i* of *n* sent with serial *s* belongs to the message whose first
//! serial is *s − (i − 1)*. Bounded in count and bytes; stalled messages ask for their
//! missing fragments (0x8003) and are dropped after three unanswered requests.

use std::time::{Duration, Instant};

use tongtu_jt808::{Header, Subpackage};

/// Limits, copied from the gateway configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_messages: usize,
    pub max_bytes: usize,
    pub max_fragments: u16,
}

struct Partial {
    msg_id: u16,
    first_serial: u16,
    parts: Vec<Option<Vec<u8>>>,
    received: usize,
    /// Headers of the fragments received, so each one can be acknowledged.
    headers: Vec<Header>,
    last_progress: Instant,
    resend_requests: u8,
}

impl Partial {
    fn missing(&self) -> Vec<u16> {
        self.parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_none())
            .map(|(i, _)| i as u16 + 1)
            .collect()
    }
}

/// What a fragment led to.
pub(crate) enum Pushed {
    /// Stored; more are needed. `resend` lists fragments to ask for now (the last fragment
    /// arrived but earlier ones did not).
    Incomplete { resend: Option<(u16, Vec<u16>)> },
    /// The message is whole: the first fragment's header (without subpackage fields)
    /// and the body.
    Complete { header: Header, body: Vec<u8> },
    /// Already have this fragment (a retransmission); acknowledge and ignore.
    Duplicate,
    /// Refused: the reason, for metrics and the log.
    Rejected(&'static str),
}

/// Stalled reassemblies found by [`Reassembler::tick`].
pub(crate) struct Tick {
    /// (first serial, missing fragment ids) to request with 0x8003.
    pub resend: Vec<(u16, Vec<u16>)>,
    /// Reassemblies given up.
    pub dropped: usize,
}

#[derive(Default)]
pub(crate) struct Reassembler {
    partials: Vec<Partial>,
    bytes: usize,
}

impl Reassembler {
    pub(crate) fn in_flight(&self) -> usize {
        self.partials.len()
    }

    /// When [`Reassembler::tick`] next has something to do.
    pub(crate) fn next_deadline(&self, timeout: Duration) -> Option<Instant> {
        self.partials
            .iter()
            .map(|p| p.last_progress + timeout)
            .min()
    }

    pub(crate) fn push(
        &mut self,
        header: &Header,
        sub: Subpackage,
        body: &[u8],
        now: Instant,
        limits: &Limits,
    ) -> Pushed {
        if sub.total == 0 || sub.index == 0 || sub.index > sub.total {
            return Pushed::Rejected("bad_index");
        }
        if sub.total > limits.max_fragments {
            return Pushed::Rejected("too_many_fragments");
        }
        let first_serial = header.serial.wrapping_sub(sub.index - 1);
        let idx = self.partials.iter().position(|p| {
            p.msg_id == header.msg_id
                && p.first_serial == first_serial
                && p.parts.len() == usize::from(sub.total)
        });
        // Some terminals resend requested fragments under new serials: accept one into the
        // only matching reassembly that asked for it.
        let idx = idx.or_else(|| {
            let mut candidates = self.partials.iter().enumerate().filter(|(_, p)| {
                p.msg_id == header.msg_id
                    && p.parts.len() == usize::from(sub.total)
                    && p.resend_requests > 0
                    && p.parts[usize::from(sub.index - 1)].is_none()
            });
            match (candidates.next(), candidates.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        });
        if self.bytes + body.len() > limits.max_bytes {
            return Pushed::Rejected("bytes_limit");
        }
        let i = match idx {
            Some(i) => i,
            None => {
                if self.partials.len() >= limits.max_messages {
                    return Pushed::Rejected("count_limit");
                }
                self.partials.push(Partial {
                    msg_id: header.msg_id,
                    first_serial,
                    parts: vec![None; usize::from(sub.total)],
                    received: 0,
                    headers: Vec::new(),
                    last_progress: now,
                    resend_requests: 0,
                });
                self.partials.len() - 1
            }
        };
        let p = &mut self.partials[i];
        let slot = &mut p.parts[usize::from(sub.index - 1)];
        if slot.is_some() {
            return Pushed::Duplicate;
        }
        *slot = Some(body.to_vec());
        self.bytes += body.len();
        p.received += 1;
        p.headers.push(*header);
        p.last_progress = now;
        if p.received < p.parts.len() {
            let resend = (sub.index == sub.total).then(|| (p.first_serial, p.missing()));
            if resend.is_some() {
                p.resend_requests = p.resend_requests.saturating_add(1);
            }
            return Pushed::Incomplete { resend };
        }
        let p = self.partials.swap_remove(i);
        let mut body = Vec::with_capacity(p.parts.iter().flatten().map(Vec::len).sum());
        for part in p.parts.into_iter().flatten() {
            body.extend_from_slice(&part);
        }
        self.bytes -= body.len();
        let mut first = p
            .headers
            .iter()
            .find(|h| h.serial == p.first_serial)
            .copied()
            .unwrap_or(*header);
        first.serial = p.first_serial;
        first.subpackage = None;
        Pushed::Complete {
            header: first,
            body,
        }
    }

    pub(crate) fn tick(&mut self, now: Instant, timeout: Duration) -> Tick {
        let mut t = Tick {
            resend: Vec::new(),
            dropped: 0,
        };
        let mut bytes = self.bytes;
        self.partials.retain_mut(|p| {
            if now < p.last_progress + timeout {
                return true;
            }
            if p.resend_requests >= 3 {
                t.dropped += 1;
                bytes -= p.parts.iter().flatten().map(Vec::len).sum::<usize>();
                return false;
            }
            p.resend_requests += 1;
            p.last_progress = now;
            t.resend.push((p.first_serial, p.missing()));
            true
        });
        self.bytes = bytes;
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongtu_jt808::{Phone, ProtocolVersion};

    fn hdr(serial: u16, total: u16, index: u16) -> (Header, Subpackage) {
        let mut h = Header::new(
            0x0704,
            ProtocolVersion::V2013,
            Phone::from_digits("014400000001").unwrap(),
            serial,
        );
        let s = Subpackage { total, index };
        h.subpackage = Some(s);
        (h, s)
    }

    const L: Limits = Limits {
        max_messages: 2,
        max_bytes: 100,
        max_fragments: 16,
    };
    const TIMEOUT: Duration = Duration::from_secs(1);

    #[test]
    fn out_of_order_fragments_reassemble_and_gaps_are_requested() {
        let mut r = Reassembler::default();
        let now = Instant::now();
        let (h3, s3) = hdr(12, 3, 3);
        match r.push(&h3, s3, b"cc", now, &L) {
            Pushed::Incomplete { resend } => assert_eq!(resend, Some((10, vec![1, 2]))),
            _ => panic!("expected incomplete"),
        }
        let (h1, s1) = hdr(10, 3, 1);
        assert!(matches!(
            r.push(&h1, s1, b"aa", now, &L),
            Pushed::Incomplete { resend: None }
        ));
        assert!(matches!(r.push(&h1, s1, b"aa", now, &L), Pushed::Duplicate));
        let (h2, s2) = hdr(11, 3, 2);
        match r.push(&h2, s2, b"bb", now, &L) {
            Pushed::Complete { header, body } => {
                assert_eq!(body, b"aabbcc");
                assert_eq!(header.serial, 10);
                assert_eq!(header.subpackage, None);
            }
            _ => panic!("expected complete"),
        }
        assert_eq!(r.in_flight(), 0);
        assert_eq!(r.bytes, 0);
    }

    #[test]
    fn limits_and_timeouts_bound_memory() {
        let mut r = Reassembler::default();
        let now = Instant::now();
        for first in [0u16, 100] {
            let (h, s) = hdr(first, 2, 1);
            assert!(matches!(
                r.push(&h, s, b"x", now, &L),
                Pushed::Incomplete { .. }
            ));
        }
        let (h, s) = hdr(200, 2, 1);
        assert!(matches!(
            r.push(&h, s, b"x", now, &L),
            Pushed::Rejected("count_limit")
        ));
        let (h, s) = hdr(1, 2, 2);
        assert!(matches!(
            r.push(&h, s, &[0; 99], now, &L),
            Pushed::Rejected("bytes_limit")
        ));
        let mut t = now;
        for _ in 0..3 {
            t += Duration::from_secs(2);
            let tick = r.tick(t, TIMEOUT);
            assert_eq!(tick.resend.len(), 2);
            assert_eq!(tick.dropped, 0);
        }
        let tick = r.tick(t + Duration::from_secs(2), TIMEOUT);
        assert_eq!(tick.dropped, 2);
        assert_eq!((r.in_flight(), r.bytes), (0, 0));
    }
}
