//! `classify serve`: the labeling service a newsroom puts in its pipeline.
//!
//! A CMS hook, a feed reader or a scraper posts each new article and gets
//! back exactly what `classify label --format json` prints for it: the
//! server calls the same library functions ([`Model::label_document`](crate::Model::label_document),
//! [`crate::render::labels::label_json`], [`crate::render::info::info_json`]),
//! so the two never drift apart.
//!
//! It is built from small layers, as axum's own examples are: an axum
//! [`Router`](axum::Router) on tokio, with shared state in an `Arc`; per
//! route, tower middleware for the bearer token (`auth.rs`), a concurrency
//! limit that answers 503 with `Retry-After` instead of queueing, and a
//! per-request timeout; and around everything, request metrics and one log
//! line per request (`metrics.rs`). Labeling is CPU work and runs on rayon,
//! never on the async threads, so a slow document never stalls `/healthz`.
//! The model sits in an atomic slot: a reload (SIGHUP or `POST
//! /v1/model/reload`) swaps it in one step, requests in flight finish on
//! the model they started with, and a bad file is refused while the old
//! model keeps serving. SIGTERM (or SIGINT) drains requests in flight and
//! returns.
//!
//! [`ServeParams`] holds raw options (the command line's flags);
//! [`ServeParams::check`] validates them into a [`ServeConfig`] (the one
//! place that refuses a public address without a token); [`run`] serves
//! until a signal. [`App`] and [`serve`] embed the service in another tokio
//! program.

mod auth;
mod error;
mod label;
mod metrics;
mod openapi;
mod routes;
mod slot;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::document::{io_message, DEFAULT_MAX_BYTES};
use crate::model::ModelError;
use crate::params::ParamError;

pub use auth::Token;
pub use openapi::{OPENAPI, ROUTES};
pub use slot::{Loaded, ReloadError};

/// Where the service listens unless told otherwise: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Seconds one request may take (reading its body and labeling it).
pub const DEFAULT_TIMEOUT_SECS: f64 = 30.0;
/// Labeling requests served at once; one more is refused with 503.
pub const DEFAULT_MAX_CONCURRENT: usize = 64;
/// What a 503 tells the client to wait, in seconds.
pub const RETRY_AFTER_SECS: u64 = 1;

/// The service's options as given (the command line's flags), unchecked.
#[derive(Clone, Debug, PartialEq)]
pub struct ServeParams {
    /// `IP:PORT` to listen on (`--addr`); port 0 picks a free port.
    pub addr: String,
    /// Model file (`--model`); `None` serves the built-in model.
    pub model: Option<PathBuf>,
    /// File holding the bearer token (`--token-file`).
    pub token_file: Option<PathBuf>,
    /// Allow a non-loopback address without a token (`--insecure-no-auth`).
    pub insecure_no_auth: bool,
    /// Largest request body, and largest JSON Lines record of a stream
    /// (`--max-bytes`), as `classify label` limits one document.
    pub max_bytes: u64,
    /// Seconds a request may take; for a stream, seconds without data
    /// (`--timeout`).
    pub timeout_secs: f64,
    /// Labeling requests at once (`--max-concurrent`).
    pub max_concurrent: usize,
}

impl Default for ServeParams {
    fn default() -> Self {
        ServeParams {
            addr: DEFAULT_ADDR.to_string(),
            model: None,
            token_file: None,
            insecure_no_auth: false,
            max_bytes: DEFAULT_MAX_BYTES,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
        }
    }
}

/// Checked options: what [`run`] and [`App::new`] take.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// Model file; `None` is the built-in model (which cannot be reloaded).
    pub model: Option<PathBuf>,
    /// The bearer token every `/v1/` request must carry, if any.
    pub token: Option<Token>,
    /// Largest request body (and stream record), in bytes.
    pub max_bytes: u64,
    /// Time limit of one request; idle limit of a stream.
    pub timeout: Duration,
    /// Labeling requests at once.
    pub max_concurrent: usize,
}

/// Why the service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// An option out of range.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// `--addr` is not `IP:PORT`.
    #[error("--addr {0:?} is not an IP address and port (for example 127.0.0.1:8080)")]
    Addr(String),
    /// A non-loopback address without a token or `--insecure-no-auth`.
    #[error("refusing to listen on {0} without --token-file: anyone who can reach it could use it (pass --insecure-no-auth to allow that)")]
    NeedsToken(SocketAddr),
    /// Both `--token-file` and `--insecure-no-auth`.
    #[error("--token-file and --insecure-no-auth contradict each other: pass one of them")]
    TokenAndNoAuth,
    /// The token file cannot be read or holds no usable token.
    #[error("{}: {problem}", path.display())]
    TokenFile {
        /// The `--token-file` path.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The model cannot be loaded.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {}", io_message(source))]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The async runtime or the server failed.
    #[error("server: {}", io_message(.0))]
    Io(#[from] std::io::Error),
}

impl ServeError {
    /// Whether the options were wrong (exit status 2) rather than the
    /// world (a missing file, a busy port: status 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ServeError::Param(_)
                | ServeError::Addr(_)
                | ServeError::NeedsToken(_)
                | ServeError::TokenAndNoAuth
        )
    }
}

impl ServeParams {
    /// Validates every option once: the address, the limits, the token
    /// file, and the rule that a non-loopback address needs a token.
    pub fn check(&self) -> Result<ServeConfig, ServeError> {
        let addr = parse_addr(&self.addr)?;
        if self.max_bytes == 0 {
            return Err(ParamError::new("--max-bytes", 0, "need at least 1 byte").into());
        }
        let t = self.timeout_secs;
        if !(t.is_finite() && t > 0.0 && t <= 86_400.0) {
            return Err(ParamError::new("--timeout", t, "need seconds > 0, at most 86400").into());
        }
        if self.max_concurrent == 0 {
            return Err(ParamError::new("--max-concurrent", 0, "need at least 1").into());
        }
        let token = match (&self.token_file, self.insecure_no_auth) {
            (Some(_), true) => return Err(ServeError::TokenAndNoAuth),
            (Some(path), false) => Some(Token::from_file(path)?),
            (None, _) => None,
        };
        if token.is_none() && !self.insecure_no_auth && !addr.ip().is_loopback() {
            return Err(ServeError::NeedsToken(addr));
        }
        Ok(ServeConfig {
            addr,
            model: self.model.clone(),
            token,
            max_bytes: self.max_bytes,
            timeout: Duration::from_secs_f64(t),
            max_concurrent: self.max_concurrent,
        })
    }
}

/// `IP:PORT`, `[IPv6]:PORT`, or `localhost:PORT` (loopback, no lookup).
fn parse_addr(given: &str) -> Result<SocketAddr, ServeError> {
    if let Ok(addr) = given.parse::<SocketAddr>() {
        return Ok(addr);
    }
    given
        .strip_prefix("localhost:")
        .and_then(|port| port.parse::<u16>().ok())
        .map(|port| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
        .ok_or_else(|| ServeError::Addr(given.to_string()))
}

/// The running service's shared state.
#[derive(Clone)]
pub struct App {
    inner: Arc<State>,
}

struct State {
    slot: slot::Slot,
    token: Option<Token>,
    max_bytes: u64,
    timeout: Duration,
    max_concurrent: usize,
    /// One permit per labeling request in progress.
    slots: Arc<Semaphore>,
    /// JSON requests whose body is read, labeled and answered at once
    /// (eight per core); the others wait their turn, first come first
    /// served, with their bodies still unread, so memory does not grow with
    /// the number of clients (64 clients sending batches of 100 articles:
    /// 67 MB resident instead of 105 to 150 MB).
    work: Semaphore,
    metrics: metrics::Metrics,
    draining: AtomicBool,
}

impl App {
    /// The service for `config`, serving `model` (loaded by [`Loaded::load`]).
    pub fn new(config: &ServeConfig, model: Loaded) -> App {
        let metrics = metrics::Metrics::new();
        metrics.model_loaded(&model);
        App {
            inner: Arc::new(State {
                slot: slot::Slot::new(model, config.model.clone()),
                token: config.token.clone(),
                max_bytes: config.max_bytes,
                timeout: config.timeout,
                max_concurrent: config.max_concurrent,
                slots: Arc::new(Semaphore::new(config.max_concurrent)),
                work: Semaphore::new(8 * rayon::current_num_threads().max(2)),
                metrics,
                draining: AtomicBool::new(false),
            }),
        }
    }

    /// The routes with all their middleware.
    pub fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    /// The model serving now.
    pub fn model(&self) -> Arc<Loaded> {
        self.inner.slot.get()
    }

    /// Reloads the model file and swaps it in; on failure the old model
    /// keeps serving. What SIGHUP and `POST /v1/model/reload` do.
    pub async fn reload(&self) -> Result<Arc<Loaded>, ReloadError> {
        let result = self.inner.slot.reload().await;
        match &result {
            Ok(loaded) => {
                self.inner.metrics.model_loaded(loaded);
                self.inner.metrics.reload(true);
                tracing::info!(
                    model = loaded.model.origin(),
                    checksum = loaded.checksum.as_str(),
                    "model reloaded"
                );
            }
            Err(e) => {
                self.inner.metrics.reload(false);
                tracing::error!(error = %e, "model reload refused; the previous model keeps serving");
            }
        }
        result
    }

    /// Marks the service as shutting down: `/readyz` answers 503 from now.
    pub fn drain(&self) {
        self.inner.draining.store(true, Ordering::SeqCst);
    }

    fn draining(&self) -> bool {
        self.inner.draining.load(Ordering::SeqCst)
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then stops
/// accepting and waits for requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Loads the model, listens on `config.addr`, logs `listening on
/// http://ADDR`, and serves until SIGTERM or SIGINT, after which it drains
/// requests in flight (for at most the request timeout and 5 seconds more)
/// and returns. SIGHUP reloads the model. Blocks the calling thread.
pub fn run(config: ServeConfig) -> Result<(), ServeError> {
    return_large_buffers_to_the_system();
    let model = Loaded::load(config.model.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("classify-serve")
        .build()?;
    runtime.block_on(run_async(config, model))
}

/// glibc raises its mmap threshold each time a large block is freed, so
/// after the first batch request every request body (hundreds of KB) comes
/// from the heap arenas of whichever threads touched it, and a burst of
/// batches leaves them fragmented: resident memory kept growing under
/// `bench/serve.py`'s 64 clients sending batches (150 MB after 4 s). A fixed
/// 128 KiB threshold (glibc's starting value) keeps large buffers in their
/// own mappings, returned to the system when freed (88 MB, flat).
fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before
    // the service starts its threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

async fn run_async(config: ServeConfig, model: Loaded) -> Result<(), ServeError> {
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr()?;
    let app = App::new(&config, model);
    let stop = signals::stop()?;
    signals::reload_on_hangup(app.clone())?;
    let loaded = app.model();
    tracing::info!(
        model = loaded.model.origin(),
        checksum = loaded.checksum.as_str(),
        auth = if config.token.is_some() {
            "bearer token"
        } else {
            "none"
        },
        max_bytes = config.max_bytes,
        timeout_s = config.timeout.as_secs_f64(),
        max_concurrent = config.max_concurrent,
        "listening on http://{addr}"
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = serve(listener, app.clone(), async {
        let _ = rx.await;
    });
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return Ok(result?),
        signal = stop => {
            let in_flight = config.max_concurrent - app.inner.slots.available_permits();
            tracing::info!(signal, in_flight, "shutting down: draining requests in flight");
        }
    }
    app.drain();
    let _ = tx.send(());
    let limit = config.timeout + Duration::from_secs(5);
    match tokio::time::timeout(limit, server).await {
        Ok(result) => result?,
        Err(_) => tracing::warn!(
            limit_s = limit.as_secs_f64(),
            "drain limit reached; closing the remaining connections"
        ),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Request logs (one line per request, never article text) and service
/// events to stderr, at `level` and above. Call once, before [`run`].
pub fn log_to_stderr(level: tracing::Level) {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_max_level(level)
        .try_init();
}

/// The signals the service obeys.
mod signals {
    use std::future::Future;

    use super::App;

    /// Resolves with the signal's name on the first SIGTERM or SIGINT.
    pub(super) fn stop() -> std::io::Result<impl Future<Output = &'static str>> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate())?;
            let mut int = signal(SignalKind::interrupt())?;
            Ok(async move {
                tokio::select! {
                    _ = term.recv() => "SIGTERM",
                    _ = int.recv() => "SIGINT",
                }
            })
        }
        #[cfg(not(unix))]
        {
            Ok(async {
                let _ = tokio::signal::ctrl_c().await;
                "ctrl-c"
            })
        }
    }

    /// Reloads the model on every SIGHUP.
    pub(super) fn reload_on_hangup(app: App) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut hup = signal(SignalKind::hangup())?;
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("SIGHUP: reloading the model");
                    let _ = app.reload().await;
                }
            });
        }
        #[cfg(not(unix))]
        let _ = app;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(addr: &str) -> ServeParams {
        ServeParams {
            addr: addr.into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_listen_on_loopback_with_the_label_limit() {
        let config = ServeParams::default().check().unwrap();
        assert_eq!(config.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.max_bytes, DEFAULT_MAX_BYTES);
        assert!(config.token.is_none());
    }

    #[test]
    fn addresses_are_checked() {
        for ok in ["127.0.0.1:0", "[::1]:9000", "localhost:8080", "127.0.0.2:1"] {
            let config = params(ok).check().unwrap();
            assert!(config.addr.ip().is_loopback(), "{ok}");
        }
        for bad in [
            "",
            "8080",
            "127.0.0.1",
            "localhost",
            "example.org:80",
            "127.0.0.1:99999",
        ] {
            let err = params(bad).check().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "--addr {bad:?} is not an IP address and port (for example 127.0.0.1:8080)"
                )
            );
            assert!(err.is_usage());
        }
    }

    #[test]
    fn a_public_address_needs_a_token_or_an_explicit_opt_out() {
        let err = params("0.0.0.0:8080").check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "refusing to listen on 0.0.0.0:8080 without --token-file: anyone who can reach it \
             could use it (pass --insecure-no-auth to allow that)"
        );
        assert!(err.is_usage());
        let open = ServeParams {
            insecure_no_auth: true,
            ..params("0.0.0.0:8080")
        };
        assert!(open.check().unwrap().token.is_none());

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "s3cret-token\n").unwrap();
        let with_token = ServeParams {
            token_file: Some(file.clone()),
            ..params("[::]:8080")
        };
        assert!(with_token.check().unwrap().token.is_some());
        let both = ServeParams {
            insecure_no_auth: true,
            ..with_token
        };
        assert_eq!(
            both.check().unwrap_err().to_string(),
            "--token-file and --insecure-no-auth contradict each other: pass one of them"
        );
    }

    #[test]
    fn limits_out_of_range_name_their_flag() {
        let cases = [
            (
                ServeParams {
                    max_bytes: 0,
                    ..Default::default()
                },
                "--max-bytes 0 is out of range: need at least 1 byte",
            ),
            (
                ServeParams {
                    timeout_secs: 0.0,
                    ..Default::default()
                },
                "--timeout 0 is out of range: need seconds > 0, at most 86400",
            ),
            (
                ServeParams {
                    timeout_secs: f64::NAN,
                    ..Default::default()
                },
                "--timeout NaN is out of range: need seconds > 0, at most 86400",
            ),
            (
                ServeParams {
                    max_concurrent: 0,
                    ..Default::default()
                },
                "--max-concurrent 0 is out of range: need at least 1",
            ),
        ];
        for (params, message) in cases {
            let err = params.check().unwrap_err();
            assert_eq!(err.to_string(), message);
            assert!(err.is_usage());
        }
    }
}
