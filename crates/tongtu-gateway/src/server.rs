//! The accept loop, the state shared by sessions, and graceful shutdown: stop accepting,
//! let sessions acknowledge what became durable, flush the batcher, return.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tongtu_track::PositionSink;

use crate::batcher::{self, Submission};
use crate::config::GatewayConfig;
use crate::directory::TerminalDirectory;
use crate::downlink::{GatewayHandle, SessionTable};
use crate::feed::LiveFeed;
use crate::metrics::GatewayMetrics;

pub(crate) struct Shared {
    pub cfg: Arc<GatewayConfig>,
    pub directory: Arc<dyn TerminalDirectory>,
    pub metrics: GatewayMetrics,
    pub batch_tx: mpsc::Sender<Submission>,
    pub table: SessionTable,
    pub feed: LiveFeed,
    pub shutdown: watch::Receiver<bool>,
    pub open: AtomicUsize,
    next_id: AtomicU64,
}

/// A running JT/T 808 gateway.
pub struct Gateway {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    accept: JoinHandle<()>,
    alive_rx: mpsc::Receiver<()>,
    batcher: JoinHandle<()>,
    stop_batcher: oneshot::Sender<()>,
}

impl Gateway {
    /// Binds `listen` and starts serving.
    pub async fn bind(
        listen: &str,
        cfg: GatewayConfig,
        directory: Arc<dyn TerminalDirectory>,
        sink: Arc<dyn PositionSink>,
        metrics: GatewayMetrics,
    ) -> std::io::Result<Gateway> {
        let listener = TcpListener::bind(listen).await?;
        Ok(Self::start(listener, cfg, directory, sink, metrics))
    }

    /// Starts serving on an already bound listener.
    pub fn start(
        listener: TcpListener,
        cfg: GatewayConfig,
        directory: Arc<dyn TerminalDirectory>,
        sink: Arc<dyn PositionSink>,
        metrics: GatewayMetrics,
    ) -> Gateway {
        let cfg = Arc::new(cfg);
        let local_addr = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (batch_tx, batch_rx) = mpsc::channel(cfg.batch_queue.max(1));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (stop_batcher, stop_rx) = oneshot::channel();
        let feed = LiveFeed::new(cfg.feed_capacity, metrics.feed_lagged.clone());
        let batcher = tokio::spawn(batcher::run(
            batch_rx,
            stop_rx,
            sink,
            cfg.clone(),
            metrics.clone(),
            feed.clone(),
        ));
        let shared = Arc::new(Shared {
            cfg,
            directory,
            metrics,
            batch_tx,
            table: SessionTable::new(),
            feed,
            shutdown: shutdown_rx,
            open: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        });
        // Every session holds a clone of `alive_tx`; when the last one is gone, `alive_rx`
        // yields `None`, which is how shutdown knows all sessions have finished.
        let (alive_tx, alive_rx) = mpsc::channel(1);
        let accept = tokio::spawn(accept_loop(listener, shared.clone(), alive_tx));
        Gateway {
            shared,
            local_addr,
            shutdown_tx,
            accept,
            alive_rx,
            batcher,
            stop_batcher,
        }
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle for downlink commands and the live feed.
    pub fn handle(&self) -> GatewayHandle {
        GatewayHandle {
            shared: self.shared.clone(),
        }
    }

    /// The gateway's metrics.
    pub fn metrics(&self) -> &GatewayMetrics {
        &self.shared.metrics
    }

    /// Open connections (authenticated or not).
    pub fn connections(&self) -> usize {
        self.shared.open.load(Ordering::Relaxed)
    }

    /// Graceful shutdown: stops accepting, lets every session acknowledge the positions
    /// that become durable (within the configured grace), then flushes the batcher. The
    /// caller closes the track store afterwards.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        let _ = (&mut self.accept).await;
        let grace = self.shared.cfg.shutdown_grace + Duration::from_secs(1);
        if tokio::time::timeout(grace, self.alive_rx.recv())
            .await
            .is_err()
        {
            tracing::warn!("some JT/T 808 sessions did not finish within the shutdown grace");
        }
        let _ = self.stop_batcher.send(());
        let _ = self.batcher.await;
        tracing::info!("JT/T 808 gateway stopped");
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, alive: mpsc::Sender<()>) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            a = listener.accept() => a,
        };
        let (stream, addr) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning; existing sessions go on.
                tracing::warn!(error = %e, "JT/T 808 accept failed");
                GatewayMetrics::count(&shared.metrics.accepted, "error");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if shared.open.load(Ordering::Relaxed) >= shared.cfg.max_connections {
            GatewayMetrics::count(&shared.metrics.accepted, "refused");
            drop(stream);
            continue;
        }
        GatewayMetrics::count(&shared.metrics.accepted, "accepted");
        let _ = stream.set_nodelay(true);
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(crate::session::run(
            shared.clone(),
            stream,
            addr,
            id,
            alive.clone(),
        ));
    }
}
