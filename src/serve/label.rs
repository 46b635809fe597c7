//! `POST /v1/label`: one document, a batch, or a JSON Lines stream.
//!
//! A request is checked in the order a client can fix it: query options,
//! then the content type, then the body (size, JSON, fields). Every
//! document is labeled by [`Model::label_document`] and rendered by
//! [`label_json`], the calls `classify label --format json` makes, so the
//! fields are the CLI's (the document's name under `"id"`).
//!
//! - `application/json`, `{"id", "text", "format"}`: one object back, or
//!   400 with the reason the document cannot be labeled.
//! - `application/json`, `{"documents": [...]}`: an array back, in input
//!   order; a document that cannot be labeled (empty text, markup only)
//!   is `{"id", "error"}` in its place, so one bad page does not fail a
//!   batch. A request that is malformed (not JSON, a field of the wrong
//!   type) is refused whole with 400.
//! - `application/x-ndjson`: one record per line in, one line out per
//!   record as soon as its group is labeled, as `classify label --jsonl
//!   --format jsonl` prints (a record without `id` is named `line N`); a
//!   record that cannot be labeled gives `{"line", "id", "error"}`. The
//!   stream is read in bounded pieces, so its length is not limited, only
//!   each record's (`--max-bytes`); the timeout applies to silence between
//!   pieces.
//!
//! Labeling runs on rayon, off the async threads, in pieces served first
//! come, first served; the request's slot and its model travel with the
//! work, and a request that times out or whose client hangs up stops
//! between pieces.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::StreamExt;
use serde_json::{json, Map, Value};

use crate::clean::Format;
use crate::model::{DocumentLabels, LabelOptions, MinConfidence, Model};
use crate::render::labels::{label_json, Columns, Labeled};
use crate::source::RecordError;

use super::error::ApiError;
use super::routes::{Permit, MODEL_HEADER};
use super::slot::Loaded;
use super::App;

/// Stream records labeled at most in one group (and their bytes), so a
/// large upload is labeled in parallel and its output starts early.
const STREAM_GROUP: usize = 256;
const STREAM_GROUP_BYTES: usize = 2 << 20;
/// Output lines buffered ahead of a slow reader.
const STREAM_BUFFER: usize = 32;

/// How the body is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Json,
    Ndjson,
}

/// One document of a request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Doc {
    id: Option<String>,
    text: String,
    format: Format,
}

/// A parsed JSON request.
#[derive(Debug, PartialEq)]
enum LabelRequest {
    One(Doc),
    Batch(Vec<Doc>),
}

/// `POST /v1/label`.
pub(crate) async fn handle(
    State(app): State<App>,
    Extension(permit): Extension<Permit>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let options = parse_options(query.as_deref())?;
    let kind = content_kind(&headers)?;
    let loaded = app.model();
    // `min_confidence=auto` needs thresholds the served model has.
    if let Err(e) = options.check_for(&loaded.model) {
        return Err(ApiError::bad_request(format!("query option {e}")));
    }
    let mut response = match kind {
        Kind::Json => {
            label_json_body(&app, permit, Arc::clone(&loaded), options, &headers, body).await?
        }
        Kind::Ndjson => label_stream(app, permit, Arc::clone(&loaded), options, body),
    };
    if let Ok(v) = HeaderValue::from_str(&loaded.checksum) {
        response.headers_mut().insert(MODEL_HEADER, v);
    }
    Ok(response)
}

/// The query options: `explain=N`, `min_confidence=P`.
fn parse_options(query: Option<&str>) -> Result<LabelOptions, ApiError> {
    let mut options = LabelOptions::default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))?;
    for (key, value) in pairs {
        match key.as_str() {
            "explain" => {
                options.explain = value.trim().parse().map_err(|_| {
                    ApiError::bad_request(format!(
                        "query option explain={value:?}: need a whole number of terms (0 or more)"
                    ))
                })?;
            }
            "min_confidence" => {
                let p: MinConfidence = value.trim().parse().map_err(|_| {
                    ApiError::bad_request(format!(
                        "query option min_confidence={value:?}: need a probability from 0 to 1, or auto"
                    ))
                })?;
                options.min_confidence = Some(p);
            }
            "evidence" => {
                options.evidence = value.trim().parse().map_err(|_| {
                    ApiError::bad_request(format!(
                        "query option evidence={value:?}: need a whole number of sentences (0 or more)"
                    ))
                })?;
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "unknown query option {key:?}: the options are explain, evidence and min_confidence"
                )))
            }
        }
    }
    options.check().map_err(|e| {
        ApiError::bad_request(format!(
            "query option min_confidence={}: {}",
            e.value, e.expected
        ))
    })?;
    Ok(options)
}

/// JSON or JSON Lines, from `Content-Type`; anything else is 415.
fn content_kind(headers: &HeaderMap) -> Result<Kind, ApiError> {
    const EXPECTED: &str = "send application/json (one document or a batch) or application/x-ndjson (a stream of records)";
    let unsupported = |m: String| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, m);
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(unsupported(format!("missing Content-Type: {EXPECTED}")));
    };
    let given = String::from_utf8_lossy(value.as_bytes());
    let essence = given
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Ok(Kind::Json),
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/x-jsonlines" => Ok(Kind::Ndjson),
        _ => Err(unsupported(format!(
            "unsupported Content-Type {given:?}: {EXPECTED}"
        ))),
    }
}

/// 413's message.
fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body is over the limit of {limit} bytes (the server's --max-bytes)"),
    )
}

/// Reads the whole body, refusing more than `limit` bytes (by its
/// `Content-Length` before reading, or as it arrives).
async fn read_body(headers: &HeaderMap, body: Body, limit: u64) -> Result<Vec<u8>, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("reading the request body: {e}")))?;
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(too_large(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The kind of a JSON value, for messages.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a JSON request body.
fn parse_request(bytes: &[u8]) -> Result<LabelRequest, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(
            "empty request body: send {\"text\": \"...\"} or {\"documents\": [...]}".into(),
        );
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(mut map) = value else {
        return Err(format!(
            "the request body must be a JSON object, {{\"text\": ...}} or {{\"documents\": [...]}}, not {}",
            kind_of(&value)
        ));
    };
    match map.remove("documents") {
        Some(_) if map.contains_key("text") => {
            Err("send either \"text\" (one document) or \"documents\" (a batch), not both".into())
        }
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| parse_doc(item).map_err(|e| format!("documents[{i}]: {e}")))
            .collect::<Result<Vec<Doc>, String>>()
            .map(LabelRequest::Batch),
        Some(other) => Err(format!(
            "\"documents\" must be an array of documents, not {}",
            kind_of(&other)
        )),
        None => parse_doc(Value::Object(map)).map(LabelRequest::One),
    }
}

/// One document object: `text` (required string), `id` (string or
/// number), `format` (`html`, `markdown`, `text` or `auto`, the default).
/// Other fields are ignored, so a record can carry its own metadata.
pub(crate) fn parse_doc(value: Value) -> Result<Doc, String> {
    let Value::Object(mut map) = value else {
        return Err(format!(
            "a document must be a JSON object with a \"text\" field, not {}",
            kind_of(&value)
        ));
    };
    let id = match map.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(format!(
                "\"id\" must be a string or a number, not {}",
                kind_of(&other)
            ))
        }
    };
    let text = match map.remove("text") {
        Some(Value::String(s)) => s,
        None => return Err("missing \"text\": the document's text is required".into()),
        Some(other) => {
            return Err(format!(
                "\"text\" must be a string, not {}",
                kind_of(&other)
            ))
        }
    };
    let format = match map.remove("format") {
        None | Some(Value::Null) => Format::Auto,
        Some(Value::String(s)) => s
            .parse()
            .map_err(|_| format!("\"format\" must be html, markdown, text or auto, not {s:?}"))?,
        Some(other) => {
            return Err(format!(
                "\"format\" must be a string (html, markdown, text or auto), not {}",
                kind_of(&other)
            ))
        }
    };
    Ok(Doc { id, text, format })
}

/// Labels one document; the error is one line for the client.
fn label_doc(model: &Model, doc: &Doc, options: &LabelOptions) -> Result<DocumentLabels, String> {
    if doc.text.is_empty() {
        return Err("empty text: \"text\" is \"\"".into());
    }
    model
        .label_document(&doc.text, doc.format, options)
        .map_err(|e| e.to_string())
}

/// The CLI's JSON object for a labeled document; without an id, none.
fn render(id: Option<&str>, labels: DocumentLabels, options: &LabelOptions) -> Value {
    let doc = Labeled {
        key: "id",
        name: id.unwrap_or_default().to_string(),
        labels,
    };
    let mut value = label_json(&doc, Columns::of(options));
    if id.is_none() {
        if let Value::Object(map) = &mut value {
            map.shift_remove("id");
        }
    }
    value
}

/// An error in place of a document.
fn error_object(line: Option<usize>, id: Option<&str>, message: &str) -> Value {
    let mut map = Map::new();
    if let Some(n) = line {
        map.insert("line".into(), json!(n));
    }
    if let Some(id) = id {
        map.insert("id".into(), json!(id));
    }
    map.insert("error".into(), json!(message));
    Value::Object(map)
}

/// Set when the request is dropped (timeout, client gone): the labeling
/// it started stops at the next group.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Documents in one piece of rayon work: a batch is cut into pieces of
/// at most this many (fewer when it is small, so it still spreads over
/// every core).
const PIECE: usize = 16;

fn piece_size(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads() * 4).clamp(1, PIECE)
}

/// Runs `work` on every item on rayon, off the async threads, and gathers
/// the results in input order; `Ok(None)` if `cancel` was set first.
///
/// The items are cut into pieces queued first come, first served
/// (`rayon::spawn_fifo`), and no rayon thread ever waits for another
/// piece. (With `par_iter` inside one task per request, a thread waiting
/// for its other half stole whole requests that came later, so under load
/// an early batch could wait for many later ones: p99 1.1 s at 8 clients
/// with batches of 100 while p50 was 32 ms.) `permit`, the request's slot,
/// is released when the last piece ends, even if the client is gone. A
/// panic becomes a 500, not a dead worker.
async fn par_map_fifo<T, R, F>(
    items: Arc<Vec<T>>,
    work: F,
    cancel: Arc<AtomicBool>,
    permit: Option<Permit>,
) -> Result<Option<Vec<R>>, ApiError>
where
    T: Send + Sync + 'static,
    R: Send + 'static,
    F: Fn(&T) -> R + Send + Sync + 'static,
{
    let n = items.len();
    let size = piece_size(n);
    let pieces = n.div_ceil(size);
    let work = Arc::new(work);
    let permit = Arc::new(permit);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for k in 0..pieces {
        let (items, work, cancel, tx, permit) = (
            Arc::clone(&items),
            Arc::clone(&work),
            Arc::clone(&cancel),
            tx.clone(),
            Arc::clone(&permit),
        );
        rayon::spawn_fifo(move || {
            let out = if cancel.load(Ordering::Relaxed) {
                Ok(None)
            } else {
                let range = k * size..((k + 1) * size).min(items.len());
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    items[range]
                        .iter()
                        .map(|item| work(item))
                        .collect::<Vec<R>>()
                }))
                .map(Some)
            };
            drop(permit);
            let _ = tx.send((k, out));
        });
    }
    drop(tx);
    let mut parts: Vec<Option<Vec<R>>> = (0..pieces).map(|_| None).collect();
    let mut cancelled = false;
    while let Some((k, out)) = rx.recv().await {
        match out {
            Ok(Some(done)) => parts[k] = Some(done),
            Ok(None) => cancelled = true,
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "labeling stopped unexpectedly (a bug: please report it)",
                ))
            }
        }
    }
    if cancelled {
        return Ok(None);
    }
    Ok(Some(parts.into_iter().flatten().flatten().collect()))
}

/// A JSON body: one document or a batch.
async fn label_json_body(
    app: &App,
    permit: Permit,
    loaded: Arc<Loaded>,
    options: LabelOptions,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // Closed only when the service is dropped, which cannot happen while
    // a request holds the app.
    let _turn = app
        .inner
        .work
        .acquire()
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shutting down"))?;
    let bytes = read_body(headers, body, app.inner.max_bytes).await?;
    app.inner.metrics.body_bytes(bytes.len() as u64);
    let request = parse_request(&bytes).map_err(ApiError::bad_request)?;
    drop(bytes);
    let cancel = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(Arc::clone(&cancel));
    let (docs, one) = match request {
        LabelRequest::One(doc) => (vec![doc], true),
        LabelRequest::Batch(docs) => (docs, false),
    };
    let work_options = options.clone();
    let docs = Arc::new(docs);
    let outcomes = par_map_fifo(
        Arc::clone(&docs),
        move |doc| label_doc(&loaded.model, doc, &work_options),
        cancel,
        Some(permit),
    )
    .await?
    .ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "request cancelled"))?;
    count(app, &docs, &outcomes);
    if one {
        let (doc, outcome) = docs.iter().zip(outcomes).next().ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "no outcome for the document",
            )
        })?;
        return match outcome {
            Ok(labels) => {
                Ok(axum::Json(render(doc.id.as_deref(), labels, &options)).into_response())
            }
            Err(message) => Err(ApiError::bad_request(message)),
        };
    }
    let items: Vec<Value> = docs
        .iter()
        .zip(outcomes)
        .map(|(doc, outcome)| match outcome {
            Ok(labels) => render(doc.id.as_deref(), labels, &options),
            Err(message) => error_object(None, doc.id.as_deref(), &message),
        })
        .collect();
    Ok(axum::Json(Value::Array(items)).into_response())
}

fn count(app: &App, docs: &[Doc], outcomes: &[Result<DocumentLabels, String>]) {
    let labeled = outcomes.iter().filter(|o| o.is_ok()).count() as u64;
    let bytes: u64 = docs
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| o.is_ok())
        .map(|(d, _)| d.text.len() as u64)
        .sum();
    app.inner
        .metrics
        .documents(labeled, outcomes.len() as u64 - labeled, bytes);
}

/// Splits a byte stream into lines, keeping at most `max` bytes of one
/// line: a longer line is skipped as it arrives and reported by its size.
struct Lines {
    buf: Vec<u8>,
    /// Bytes of the line being skipped, if it is over the limit.
    skipping: Option<u64>,
    line: usize,
    max: u64,
}

/// A line's number and bytes, or its size when over the limit.
type Line = (usize, Result<Vec<u8>, u64>);

impl Lines {
    fn new(max: u64) -> Lines {
        Lines {
            buf: Vec::new(),
            skipping: None,
            line: 0,
            max,
        }
    }

    fn push(&mut self, mut chunk: &[u8], out: &mut Vec<Line>) {
        while let Some(i) = memchr::memchr(b'\n', chunk) {
            self.append(&chunk[..i]);
            self.end(out);
            chunk = &chunk[i + 1..];
        }
        self.append(chunk);
    }

    fn append(&mut self, part: &[u8]) {
        if let Some(size) = &mut self.skipping {
            *size += part.len() as u64;
        } else if (self.buf.len() + part.len()) as u64 > self.max {
            self.skipping = Some((self.buf.len() + part.len()) as u64);
            self.buf = Vec::new();
        } else {
            self.buf.extend_from_slice(part);
        }
    }

    fn end(&mut self, out: &mut Vec<Line>) {
        self.line += 1;
        match self.skipping.take() {
            Some(size) => out.push((self.line, Err(size))),
            None => {
                let mut line = std::mem::take(&mut self.buf);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                out.push((self.line, Ok(line)));
            }
        }
    }

    /// The last line, if the stream did not end with a newline.
    fn finish(&mut self, out: &mut Vec<Line>) {
        if !self.buf.is_empty() || self.skipping.is_some() {
            self.end(out);
        }
    }
}

/// One stream record's output line (`None` for a blank line), and whether
/// it was labeled.
fn label_record(
    model: &Model,
    (n, line): &Line,
    options: &LabelOptions,
    max: u64,
) -> Option<(Value, Option<usize>)> {
    let fail =
        |id: Option<&str>, message: String| Some((error_object(Some(*n), id, &message), None));
    let bytes = match line {
        Ok(bytes) => bytes,
        Err(size) => {
            return fail(
                None,
                RecordError::TooLarge {
                    size: *size,
                    limit: max,
                }
                .to_string(),
            )
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return fail(None, format!("invalid JSON: {e}")),
    };
    let doc = match parse_doc(value) {
        Ok(doc) => doc,
        Err(message) => return fail(None, message),
    };
    // As `classify label --jsonl`: a record without an id is its line.
    let id = doc.id.clone().unwrap_or_else(|| format!("line {n}"));
    match label_doc(model, &doc, options) {
        Ok(labels) => Some((render(Some(&id), labels, options), Some(doc.text.len()))),
        Err(message) => fail(doc.id.as_deref(), message),
    }
}

/// A JSON Lines body: answered at once with a streaming body, fed by a
/// task that reads, labels and writes group by group.
fn label_stream(
    app: App,
    permit: Permit,
    loaded: Arc<Loaded>,
    options: LabelOptions,
    body: Body,
) -> Response {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(STREAM_BUFFER);
    tokio::spawn(async move {
        let _slot = permit;
        stream_labels(&app, loaded, options, body, tx).await;
    });
    let out = futures_util::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|b| b.map(Ok::<_, std::convert::Infallible>))
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(out),
    )
        .into_response()
}

fn json_line(value: &Value) -> Bytes {
    let mut line = value.to_string().into_bytes();
    line.push(b'\n');
    Bytes::from(line)
}

/// Sends an output line; false if the client is gone or has read nothing
/// for `idle` (a client that never reads must not hold a slot forever).
async fn send(
    tx: &tokio::sync::mpsc::Sender<Bytes>,
    line: Bytes,
    idle: std::time::Duration,
) -> bool {
    matches!(tokio::time::timeout(idle, tx.send(line)).await, Ok(Ok(())))
}

async fn stream_labels(
    app: &App,
    loaded: Arc<Loaded>,
    options: LabelOptions,
    body: Body,
    tx: tokio::sync::mpsc::Sender<Bytes>,
) {
    let max = app.inner.max_bytes;
    let idle = app.inner.timeout;
    let mut stream = body.into_data_stream();
    let mut lines = Lines::new(max);
    let mut pending: Vec<Line> = Vec::new();
    let options = Arc::new(options);
    loop {
        let mut end = None;
        match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => {
                end = Some(format!(
                    "no data for {} s (the server's --timeout): stream closed",
                    idle.as_secs_f64()
                ))
            }
            Ok(None) => {
                lines.finish(&mut pending);
                end = Some(String::new());
            }
            Ok(Some(Err(e))) => end = Some(format!("reading the request body: {e}")),
            Ok(Some(Ok(chunk))) => {
                app.inner.metrics.body_bytes(chunk.len() as u64);
                lines.push(&chunk, &mut pending);
            }
        }
        while !pending.is_empty() {
            let mut take = 0;
            let mut bytes = 0;
            while take < pending.len() && take < STREAM_GROUP && bytes < STREAM_GROUP_BYTES {
                bytes += pending[take].1.as_ref().map_or(0, Vec::len);
                take += 1;
            }
            let group: Vec<Line> = pending.drain(..take).collect();
            let (model, opts) = (Arc::clone(&loaded), Arc::clone(&options));
            let outcomes = par_map_fifo(
                Arc::new(group),
                move |line| label_record(&model.model, line, &opts, max),
                Arc::new(AtomicBool::new(false)),
                None,
            )
            .await;
            let Ok(Some(outcomes)) = outcomes else {
                let error =
                    json!({"error": "labeling stopped unexpectedly (a bug: please report it)"});
                send(&tx, json_line(&error), idle).await;
                return;
            };
            let (mut labeled, mut failed, mut text) = (0, 0, 0);
            for (value, ok) in outcomes.into_iter().flatten() {
                match ok {
                    Some(n) => {
                        labeled += 1;
                        text += n as u64;
                    }
                    None => failed += 1,
                }
                if !send(&tx, json_line(&value), idle).await {
                    app.inner.metrics.documents(labeled, failed, text);
                    return; // the client is gone, or reads nothing
                }
            }
            app.inner.metrics.documents(labeled, failed, text);
        }
        match end {
            None => {}
            Some(message) if message.is_empty() => return,
            Some(message) => {
                send(&tx, json_line(&json!({ "error": message })), idle).await;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_options_are_parsed_and_checked() {
        let o = parse_options(Some("explain=5&min_confidence=0.6&evidence=2")).unwrap();
        assert_eq!(o.explain, 5);
        assert_eq!(o.evidence, 2);
        assert_eq!(o.min_confidence, Some(MinConfidence::At(0.6)));
        let o = parse_options(Some("min_confidence=auto")).unwrap();
        assert_eq!(o.min_confidence, Some(MinConfidence::Auto));
        assert_eq!(parse_options(None).unwrap(), LabelOptions::default());
        let cases = [
            (
                "explain=many",
                "query option explain=\"many\": need a whole number of terms (0 or more)",
            ),
            (
                "explain=-1",
                "query option explain=\"-1\": need a whole number of terms (0 or more)",
            ),
            (
                "min_confidence=x",
                "query option min_confidence=\"x\": need a probability from 0 to 1, or auto",
            ),
            (
                "min_confidence=1.5",
                "query option min_confidence=1.5: need a probability from 0 to 1",
            ),
            (
                "evidence=two",
                "query option evidence=\"two\": need a whole number of sentences (0 or more)",
            ),
            (
                "explian=3",
                "unknown query option \"explian\": the options are explain, evidence and min_confidence",
            ),
            (
                "ëxplain=3",
                "unknown query option \"ëxplain\": the options are explain, evidence and min_confidence",
            ),
        ];
        for (query, message) in cases {
            let err = parse_options(Some(query)).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(err.message, message, "{query}");
        }
    }

    #[test]
    fn content_types() {
        let kind = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
            content_kind(&h)
        };
        assert_eq!(kind("application/json").unwrap(), Kind::Json);
        assert_eq!(kind("Application/JSON; charset=utf-8").unwrap(), Kind::Json);
        assert_eq!(kind("application/x-ndjson").unwrap(), Kind::Ndjson);
        let err = kind("text/plain").unwrap_err();
        assert_eq!(err.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            err.message,
            "unsupported Content-Type \"text/plain\": send application/json (one document or a batch) \
             or application/x-ndjson (a stream of records)"
        );
        assert!(content_kind(&HeaderMap::new())
            .unwrap_err()
            .message
            .starts_with("missing Content-Type: "));
    }

    #[test]
    fn request_bodies_are_checked_with_one_message_each() {
        let one = parse_request(
            br#"{"id": 7, "text": "Caf\u00e9 vote", "format": "markdown", "url": "x"}"#,
        )
        .unwrap();
        assert_eq!(
            one,
            LabelRequest::One(Doc {
                id: Some("7".into()),
                text: "Café vote".into(),
                format: Format::Markdown
            })
        );
        let batch =
            parse_request(r#"{"documents": [{"text": "a"}, {"id": "é", "text": "b"}]}"#.as_bytes())
                .unwrap();
        let LabelRequest::Batch(docs) = batch else {
            panic!("a batch")
        };
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].id.as_deref(), Some("é"));
        let cases: &[(&str, &str)] = &[
            ("", "empty request body: send {\"text\": \"...\"} or {\"documents\": [...]}"),
            ("{\"text\": ", "invalid JSON: EOF while parsing a value at line 1 column 9"),
            ("[1]", "the request body must be a JSON object, {\"text\": ...} or {\"documents\": [...]}, not an array"),
            ("{}", "missing \"text\": the document's text is required"),
            ("{\"text\": 3}", "\"text\" must be a string, not a number"),
            ("{\"text\": null}", "\"text\" must be a string, not null"),
            ("{\"text\": \"a\", \"id\": [1]}", "\"id\" must be a string or a number, not an array"),
            ("{\"text\": \"a\", \"format\": \"pdf\"}", "\"format\" must be html, markdown, text or auto, not \"pdf\""),
            ("{\"text\": \"a\", \"format\": 1}", "\"format\" must be a string (html, markdown, text or auto), not a number"),
            ("{\"documents\": {}}", "\"documents\" must be an array of documents, not an object"),
            ("{\"documents\": [], \"text\": \"a\"}", "send either \"text\" (one document) or \"documents\" (a batch), not both"),
            ("{\"documents\": [{\"text\": \"a\"}, \"b\"]}", "documents[1]: a document must be a JSON object with a \"text\" field, not a string"),
            ("{\"documents\": [{\"txt\": \"a\"}]}", "documents[0]: missing \"text\": the document's text is required"),
        ];
        for (body, message) in cases {
            assert_eq!(
                parse_request(body.as_bytes()).unwrap_err(),
                *message,
                "{body}"
            );
        }
    }

    #[test]
    fn lines_are_split_across_chunks_and_long_ones_skipped() {
        let mut lines = Lines::new(6);
        let mut out = Vec::new();
        for chunk in ["ab", "c\r\n\nécol", "e\n0123456", "789\nxy"] {
            lines.push(chunk.as_bytes(), &mut out);
        }
        lines.finish(&mut out);
        assert_eq!(
            out,
            vec![
                (1, Ok(b"abc".to_vec())),
                (2, Ok(Vec::new())),
                (3, Ok("école".as_bytes().to_vec())),
                (4, Err(10)),
                (5, Ok(b"xy".to_vec())),
            ]
        );
    }

    #[test]
    fn documents_render_as_the_cli_does() {
        let model = Model::builtin().unwrap();
        let options = LabelOptions {
            explain: 2,
            evidence: 1,
            min_confidence: Some(MinConfidence::At(0.5)),
        };
        let doc = Doc {
            id: Some("a1".into()),
            text: "Pupils sat their exams at the village school.".into(),
            format: Format::Auto,
        };
        let labels = label_doc(&model, &doc, &options).unwrap();
        let expected = label_json(
            &Labeled {
                key: "id",
                name: "a1".into(),
                labels: labels.clone(),
            },
            Columns {
                uncertain: true,
                explain: true,
                evidence: true,
            },
        );
        assert_eq!(
            expected["topic"]["evidence"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(render(Some("a1"), labels.clone(), &options), expected);
        let anonymous = render(None, labels, &options);
        assert!(anonymous.get("id").is_none());
        assert_eq!(anonymous["topic"], expected["topic"]);
        let empty = Doc {
            text: String::new(),
            ..doc
        };
        assert_eq!(
            label_doc(&model, &empty, &options).unwrap_err(),
            "empty text: \"text\" is \"\""
        );
    }
}
