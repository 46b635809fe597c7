//! What `GET /metrics` shows (Prometheus, OpenMetrics text format, from
//! the `prometheus-client` crate), and the middleware that measures every
//! request and logs one line for it.
//!
//! Each [`App`] has its own registry (no global recorder), so two services
//! in one process, or in one test binary, never mix their numbers. Routes
//! are labeled by their pattern (`/v1/label`), never by the raw path, so a
//! scan of random URLs adds one series (`unmatched`), not one per URL. The
//! request log names the route, status, time, sizes and peer; it never
//! holds article text or query values.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use super::slot::Loaded;
use super::App;

/// The content type of [`Metrics::render`].
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    origin: String,
    checksum: String,
    created: String,
    classify_version: String,
    format_version: u32,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 16 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 17))
}

/// The service's metrics.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    documents: Family<OutcomeLabels, Counter>,
    document_bytes: Counter,
    request_bytes: Counter,
    model: Family<ModelLabels, Gauge>,
    reloads: Family<OutcomeLabels, Counter>,
    busy: Gauge,
    rss: Gauge,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("classify");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its response headers, by route",
            Unit::Seconds,
            latency.clone(),
        );
        let documents = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "documents",
            "Documents labeled, and documents refused (no text, bad record)",
            documents.clone(),
        );
        let document_bytes = Counter::default();
        registry.register_with_unit(
            "document_text",
            "Bytes of document text labeled",
            Unit::Bytes,
            document_bytes.clone(),
        );
        let request_bytes = Counter::default();
        registry.register_with_unit(
            "label_request_body",
            "Bytes of labeling request bodies read",
            Unit::Bytes,
            request_bytes.clone(),
        );
        let model = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "model_info",
            "The model serving now (value 1): origin, checksum, training date, versions",
            model.clone(),
        );
        let reloads = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "model_reloads",
            "Model reloads (SIGHUP or POST /v1/model/reload), by outcome",
            reloads.clone(),
        );
        let busy = Gauge::default();
        registry.register(
            "label_requests_in_progress",
            "Labeling requests holding one of the --max-concurrent slots",
            busy.clone(),
        );
        let rss = Gauge::default();
        registry.register_with_unit(
            "process_resident_memory",
            "Resident memory of the process (Linux only; 0 elsewhere)",
            Unit::Bytes,
            rss.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            documents,
            document_bytes,
            request_bytes,
            model,
            reloads,
            busy,
            rss,
        }
    }

    /// One answered request.
    fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// Documents labeled and refused by one request, and their text bytes.
    pub(crate) fn documents(&self, labeled: u64, failed: u64, text_bytes: u64) {
        for (outcome, n) in [("labeled", labeled), ("failed", failed)] {
            if n > 0 {
                self.documents
                    .get_or_create(&OutcomeLabels { outcome })
                    .inc_by(n);
            }
        }
        self.document_bytes.inc_by(text_bytes);
    }

    /// Bytes of a labeling request's body.
    pub(crate) fn body_bytes(&self, n: u64) {
        self.request_bytes.inc_by(n);
    }

    /// The model now serving (replaces the previous one's series).
    pub(crate) fn model_loaded(&self, loaded: &Loaded) {
        let meta = loaded.model.metadata();
        self.model.clear();
        self.model
            .get_or_create(&ModelLabels {
                origin: loaded.model.origin().to_string(),
                checksum: loaded.checksum.clone(),
                created: meta.created.clone(),
                classify_version: meta.classify_version.clone(),
                format_version: loaded.model.file_version(),
            })
            .set(1);
    }

    /// One reload attempt.
    pub(crate) fn reload(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "refused" };
        self.reloads.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// The exposition text, with the gauges read now.
    pub(crate) fn render(&self, busy: usize) -> String {
        self.busy.set(busy as i64);
        self.rss.set(resident_bytes() as i64);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Resident set size from /proc/self/statm (Linux); 0 elsewhere.
fn resident_bytes() -> u64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let pages = std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok());
        if let (Some(pages), true) = (pages, page > 0) {
            return pages * page as u64;
        }
    }
    0
}

/// A method as a metric label: methods outside the standard ones are one
/// series (`other`), not one each.
fn method_label(method: &axum::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// Counts and times every request, and logs one line for it.
pub(crate) async fn observe(State(app): State<App>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let path = request.uri().path().to_string();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    let bytes_in = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let response = next.run(request).await;
    let seconds = start.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    app.inner.metrics.request(method, &route, status, seconds);
    tracing::info!(
        peer,
        method,
        path,
        status,
        ms = (seconds * 1e6).round() / 1e3,
        bytes_in,
        "request"
    );
    response
}
