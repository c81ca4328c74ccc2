//! Group commit across sessions: one task collects the positions that many sessions
//! submit, appends them to the track store in one call, and tells each session when its
//! positions are durable so it can acknowledge them. The fsync is shared; a busy store
//! makes batches larger instead of making queues longer.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot, Semaphore};
use tongtu_track::{Position, PositionSink};

use crate::config::GatewayConfig;
use crate::feed::{FeedEvent, LiveFeed, VehicleRef};
use crate::metrics::GatewayMetrics;

/// Outcome delivered to the submitting session: `Err` holds the store's error text.
pub(crate) type Durable = Result<(), Arc<str>>;

/// Positions of one frame of one session.
pub(crate) struct Submission {
    pub positions: Vec<Position>,
    pub vehicle: Arc<VehicleRef>,
    pub source: &'static str,
    pub done: oneshot::Sender<Durable>,
}

pub(crate) async fn run(
    mut rx: mpsc::Receiver<Submission>,
    mut stop: oneshot::Receiver<()>,
    sink: Arc<dyn PositionSink>,
    cfg: Arc<GatewayConfig>,
    metrics: GatewayMetrics,
    feed: LiveFeed,
) {
    let slots = cfg.max_inflight_appends.max(1);
    let sem = Arc::new(Semaphore::new(slots));
    let max = cfg.batch_max_positions.max(1);
    let mut stopping = false;
    loop {
        let first = if stopping {
            match rx.try_recv() {
                Ok(s) => s,
                Err(_) => break,
            }
        } else {
            tokio::select! {
                s = rx.recv() => match s { Some(s) => s, None => break },
                _ = &mut stop => { stopping = true; continue; }
            }
        };
        let mut n = first.positions.len();
        let mut subs = vec![first];
        // Linger briefly so that positions of other sessions share this append.
        if !stopping && !cfg.batch_linger.is_zero() {
            let deadline = tokio::time::Instant::now() + cfg.batch_linger;
            while n < max {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(s)) => {
                        n += s.positions.len();
                        subs.push(s);
                    }
                    _ => break,
                }
            }
        }
        while n < max {
            match rx.try_recv() {
                Ok(s) => {
                    n += s.positions.len();
                    subs.push(s);
                }
                Err(_) => break,
            }
        }
        // Waiting for a slot is where storage backpressure reaches the sessions: while we
        // wait, the queue fills, and sessions stop reading their sockets. Keep collecting
        // meanwhile so the next append is larger.
        let permit = loop {
            tokio::select! {
                biased;
                p = sem.clone().acquire_owned() => break p,
                s = rx.recv(), if n < max => match s {
                    Some(s) => { n += s.positions.len(); subs.push(s); }
                    None => stopping = true,
                },
            }
        };
        let Ok(permit) = permit else { break };
        let mut batch = Vec::with_capacity(n);
        for s in &subs {
            batch.extend_from_slice(&s.positions);
        }
        metrics.batch_size.observe(n as f64);
        let fut = sink.append(batch);
        let metrics = metrics.clone();
        let feed = feed.clone();
        tokio::spawn(async move {
            let t0 = Instant::now();
            let result = fut.await;
            metrics.append_latency.observe(t0.elapsed().as_secs_f64());
            let outcome: Durable = match result {
                Ok(()) => Ok(()),
                Err(e) => {
                    metrics.append_failures.inc();
                    tracing::error!(error = %e, positions = n, "track store append failed; frames will be answered with a failure");
                    Err(Arc::from(e.to_string()))
                }
            };
            for s in subs {
                if outcome.is_ok() {
                    metrics
                        .positions
                        .get_or_create(&crate::metrics::KindLabel { kind: s.source })
                        .inc_by(s.positions.len() as u64);
                    feed.publish(FeedEvent::Positions {
                        vehicle: s.vehicle,
                        positions: Arc::from(s.positions),
                    });
                }
                // The session may be gone (closed connection): nothing to acknowledge then.
                let _ = s.done.send(outcome.clone());
            }
            drop(permit);
        });
    }
    // Every append in flight holds a permit: taking them all waits for the last one.
    let _ = sem.acquire_many(slots as u32).await;
}
