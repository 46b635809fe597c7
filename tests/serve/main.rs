//! End-to-end tests of `classify serve`: the real binary on port 0 (its
//! address read from its `listening on` log line), driven over loopback by
//! a plain-socket client, so every status, header and message a client
//! sees is checked, and signals reach a real process.
//!
//! Nothing here depends on timing: a request that must be "in flight" is
//! one whose body is only half sent (the server holds its slot until the
//! rest arrives), and the tests wait for the server to say what state it is
//! in (a metric, a log line) before going on. Waits have generous limits
//! for a loaded machine and assert no durations.
#![cfg(all(unix, feature = "serve"))]

mod client;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use client::{get, post, post_json, request, Partial, Response};

const WAIT: Duration = Duration::from_secs(120);
const LABEL: &str = "/v1/label";
const JSON: &str = "application/json";
const NDJSON: &str = "application/x-ndjson";
const EDUCATION: &str =
    "The school board voted to extend the teachers contract, and pupils sat their exams.";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn classify() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_classify"));
    cmd.current_dir(root()).env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// A running `classify serve`; killed if a test fails before stopping it.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = classify()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn classify serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap().to_string();
                    let _ = tx.send(addr);
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = match rx.recv_timeout(WAIT) {
            Ok(addr) => addr.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().unwrap();
                std::thread::sleep(Duration::from_millis(200));
                panic!("server did not start ({status}):\n{}", log.lock().unwrap());
            }
        };
        Server { child, addr, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `text`.
    fn wait_for_log(&self, text: &str) {
        let start = Instant::now();
        while !self.log().contains(text) {
            assert!(
                start.elapsed() < WAIT,
                "no {text:?} in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as i32, signal) };
        assert_eq!(rc, 0);
    }

    /// Waits for the process to exit (after a signal).
    fn wait(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < WAIT,
                "server did not exit:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> ExitStatus {
        self.signal(libc::SIGTERM);
        self.wait()
    }

    /// The value of a metric line that starts with `series` (name and
    /// labels), 0 if absent.
    fn metric(&self, series: &str) -> f64 {
        let r = get(self.addr, "/metrics");
        assert_eq!(r.status, 200);
        r.text()
            .lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |v| v.trim().parse().unwrap())
    }

    /// Waits until `n` labeling requests hold a slot.
    fn wait_busy(&self, n: usize) {
        let start = Instant::now();
        while self.metric("classify_label_requests_in_progress") != n as f64 {
            assert!(start.elapsed() < WAIT, "never {n} requests in progress");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn out(args: &[&str]) -> String {
    let o = classify().args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Two different models trained on the fixture corpus.
fn two_models(dir: &Path) -> (PathBuf, PathBuf) {
    let corpus = root().join("tests/fixtures/corpus");
    let a = dir.join("a.model");
    let b = dir.join("b.model");
    out(&["train", s(&corpus), "--out", s(&a), "-q"]);
    out(&[
        "train",
        s(&corpus),
        "--out",
        s(&b),
        "-q",
        "--ngram-max",
        "1",
    ]);
    (a, b)
}

fn token_file(dir: &Path) -> PathBuf {
    let path = dir.join("token");
    std::fs::write(&path, "correct-horse-battery\n").unwrap();
    path
}

const BEARER: (&str, &str) = ("Authorization", "Bearer correct-horse-battery");

fn eval_sample() -> String {
    std::fs::read_to_string(root().join("docs/eval-sample.jsonl")).unwrap()
}

#[test]
fn every_endpoint_answers() {
    let server = Server::start(&[]);
    let a = server.addr;

    let r = get(a, "/healthz");
    assert_eq!((r.status, r.json()), (200, json!({"status": "ok"})));

    let r = get(a, "/readyz");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ready");
    assert_eq!(r.json()["model"], "built-in (models/default.model)");
    let checksum = r.json()["checksum"].as_str().unwrap().to_string();
    assert_eq!(checksum.len(), 8);

    // GET /v1/model is `classify info --format json`.
    let r = get(a, "/v1/model");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-classify-model"), Some(checksum.as_str()));
    let cli: Value = serde_json::from_str(&out(&["info", "--format", "json"])).unwrap();
    assert_eq!(r.json(), cli);

    // One document.
    let r = post_json(a, LABEL, &json!({"id": "a1", "text": EDUCATION}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-classify-model"), Some(checksum.as_str()));
    assert_eq!(r.json()["id"], "a1");
    assert_eq!(r.json()["topic"]["label"], "education");

    // The document is the checked-in file, and names every route.
    let r = get(a, "/openapi.json");
    assert_eq!(r.status, 200);
    let file = std::fs::read_to_string(root().join("docs/openapi.json")).unwrap();
    assert_eq!(r.text(), file);
    let doc = r.json();
    for (method, path) in classify::serve::ROUTES {
        assert!(
            doc["paths"][path][method.to_lowercase()].is_object(),
            "{method} {path} is not in docs/openapi.json"
        );
        // And every listed route exists (no 404/405 for its method).
        let r = request(a, method, path, &[], b"");
        assert!(
            r.status != 404 && r.status != 405,
            "{method} {path}: {}",
            r.status
        );
    }

    // Metrics, after the requests above.
    let r = get(a, "/metrics");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = r.text();
    for series in [
        "classify_http_requests_total{method=\"POST\",route=\"/v1/label\",status=\"200\"}",
        "classify_http_request_duration_seconds_bucket{le=\"+Inf\",route=\"/v1/label\"}",
        "classify_documents_total{outcome=\"labeled\"}",
        "classify_document_text_bytes_total",
        "classify_label_request_body_bytes_total",
        "classify_label_requests_in_progress 0",
        "classify_process_resident_memory_bytes",
    ] {
        assert!(text.contains(series), "no {series} in:\n{text}");
    }
    assert!(text.contains(&format!(
        "classify_model_info{{origin=\"built-in (models/default.model)\",checksum=\"{checksum}\""
    )));
    assert!(text.ends_with("# EOF\n"));
    // Every POST /v1/label so far was labeled (the route sweep's empty POST was a 415).
    assert!(server.metric("classify_documents_total{outcome=\"labeled\"}") >= 1.0);

    assert!(server.stop().success());
}

#[test]
fn labels_equal_the_cli_for_the_eval_sample() {
    let server = Server::start(&[]);
    let a = server.addr;
    let sample = eval_sample();
    let records: Vec<Value> = sample
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 24);

    for (query, flags) in [
        ("", vec![]),
        (
            "?explain=5&min_confidence=0.9",
            vec!["--explain", "5", "--min-confidence", "0.9"],
        ),
        (
            "?explain=2&evidence=2",
            vec!["--explain", "2", "--evidence", "2"],
        ),
    ] {
        let mut args = vec![
            "label",
            "--jsonl",
            "--format",
            "jsonl",
            "docs/eval-sample.jsonl",
        ];
        args.extend(&flags);
        let cli_lines = out(&args);

        // A stream in, a stream out: byte for byte what the CLI prints.
        let r = post(a, &format!("{LABEL}{query}"), NDJSON, sample.as_bytes());
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some(NDJSON));
        assert_eq!(r.text(), cli_lines);

        // A batch: the same objects, in an array.
        let cli: Vec<Value> = cli_lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let r = post_json(
            a,
            &format!("{LABEL}{query}"),
            &json!({"documents": records}),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), Value::Array(cli.clone()));

        // One document at a time.
        for (record, expected) in records.iter().zip(&cli).step_by(7) {
            let r = post_json(a, &format!("{LABEL}{query}"), record);
            assert_eq!(r.status, 200);
            assert_eq!(&r.json(), expected);
        }
    }
    // And `classify label --format json` on the same records agrees.
    let cli: Value = serde_json::from_str(&out(&[
        "label",
        "--jsonl",
        "--format",
        "json",
        "docs/eval-sample.jsonl",
    ]))
    .unwrap();
    let r = post_json(a, LABEL, &json!({"documents": records}));
    assert_eq!(r.json(), cli);
    assert!(server.stop().success());
}

#[test]
fn every_bad_request_gets_its_status_and_one_message() {
    let server = Server::start(&["--max-bytes", "4000"]);
    let a = server.addr;
    let cases: &[(&str, &str, &str, u16, &str)] = &[
        // (content type, query, body, status, message)
        (JSON, "", "{\"text\": ", 400, "invalid JSON: EOF while parsing a value at line 1 column 9"),
        (JSON, "", "", 400, "empty request body: send {\"text\": \"...\"} or {\"documents\": [...]}"),
        (JSON, "", "{\"id\": \"x\"}", 400, "missing \"text\": the document's text is required"),
        (JSON, "", "{\"text\": 42}", 400, "\"text\" must be a string, not a number"),
        (JSON, "", "{\"text\": [\"a\"]}", 400, "\"text\" must be a string, not an array"),
        (JSON, "", "{\"text\": \"a\", \"id\": {}}", 400, "\"id\" must be a string or a number, not an object"),
        (JSON, "", "{\"text\": \"a\", \"format\": \"pdf\"}", 400, "\"format\" must be html, markdown, text or auto, not \"pdf\""),
        (JSON, "", "\"just a string\"", 400, "the request body must be a JSON object, {\"text\": ...} or {\"documents\": [...]}, not a string"),
        (JSON, "", "{\"documents\": \"a\"}", 400, "\"documents\" must be an array of documents, not a string"),
        (JSON, "", "{\"documents\": [{\"text\": \"ok\"}, {\"text\": false}]}", 400, "documents[1]: \"text\" must be a string, not a boolean"),
        (JSON, "", "{\"text\": \"\"}", 400, "empty text: \"text\" is \"\""),
        (JSON, "", "{\"text\": \" \\n\\t \"}", 400, "no text: the document is whitespace only"),
        (JSON, "", "{\"text\": \"<script>x()</script>\", \"format\": \"html\"}", 400, "no text left after removing markup and boilerplate"),
        (JSON, "?explain=lots", "{\"text\": \"a\"}", 400, "query option explain=\"lots\": need a whole number of terms (0 or more)"),
        (JSON, "?min_confidence=2", "{\"text\": \"a\"}", 400, "query option min_confidence=2: need a probability from 0 to 1"),
        (JSON, "?evidence=all", "{\"text\": \"a\"}", 400, "query option evidence=\"all\": need a whole number of sentences (0 or more)"),
        (JSON, "?min_confidence=auto", "{\"text\": \"a\"}", 400, "query option --min-confidence auto: built-in (models/default.model) has no recommended thresholds; make them with classify calibrate"),
        (JSON, "?verbose=1", "{\"text\": \"a\"}", 400, "unknown query option \"verbose\": the options are explain, evidence and min_confidence"),
        ("text/plain", "", "hello", 415, "unsupported Content-Type \"text/plain\": send application/json (one document or a batch) or application/x-ndjson (a stream of records)"),
        ("application/x-www-form-urlencoded", "", "text=hello", 415, "unsupported Content-Type \"application/x-www-form-urlencoded\": send application/json (one document or a batch) or application/x-ndjson (a stream of records)"),
    ];
    for (ct, query, body, status, message) in cases {
        let r = post(a, &format!("{LABEL}{query}"), ct, body.as_bytes());
        assert_eq!(r.status, *status, "{body}: {}", r.text());
        assert_eq!(r.error(), *message, "{body}");
    }

    // No Content-Type at all.
    let r = request(a, "POST", LABEL, &[], b"{\"text\": \"a\"}");
    assert_eq!(r.status, 415);
    assert_eq!(
        r.error(),
        "missing Content-Type: send application/json (one document or a batch) or application/x-ndjson (a stream of records)"
    );

    // Unknown routes and wrong methods are JSON too.
    let r = get(a, "/v1/labels");
    assert_eq!(
        (r.status, r.error()),
        (
            404,
            "no such endpoint: GET /v1/labels (the endpoints are listed at GET /openapi.json)"
                .into()
        )
    );
    let r = get(a, LABEL);
    assert_eq!(
        (r.status, r.error()),
        (
            405,
            "method GET is not allowed on /v1/label: use POST".into()
        )
    );
    assert_eq!(r.header("allow"), Some("POST"));
    let r = request(a, "BREW", LABEL, &[], b"");
    assert_eq!(
        (r.status, r.error()),
        (
            405,
            "method BREW is not allowed on /v1/label: use POST".into()
        )
    );
    // Methods of its own making do not each get a metrics series.
    assert_eq!(
        server.metric(
            "classify_http_requests_total{method=\"other\",route=\"/v1/label\",status=\"405\"}"
        ),
        1.0
    );

    // In a batch, a document that cannot be labeled is an error in its
    // place; the others are labeled.
    let r = post_json(
        a,
        LABEL,
        &json!({"documents": [{"id": "ok", "text": EDUCATION}, {"id": "blank", "text": "   "}, {"text": ""}]}),
    );
    assert_eq!(r.status, 200);
    let items = r.json();
    assert_eq!(items[0]["topic"]["label"], "education");
    assert_eq!(
        items[1],
        json!({"id": "blank", "error": "no text: the document is whitespace only"})
    );
    assert_eq!(items[2], json!({"error": "empty text: \"text\" is \"\""}));

    // An over-size body: 413 by its Content-Length, and as it arrives
    // when it has none (chunked).
    let big = json!({"text": "word ".repeat(1000)}).to_string();
    let r = post(a, LABEL, JSON, big.as_bytes());
    assert_eq!(r.status, 413);
    assert_eq!(
        r.error(),
        "request body is over the limit of 4000 bytes (the server's --max-bytes)"
    );
    let r = chunked(a, LABEL, JSON, &[big.as_bytes()]);
    assert_eq!(r.status, 413);
    assert_eq!(
        r.error(),
        "request body is over the limit of 4000 bytes (the server's --max-bytes)"
    );

    // In a stream, the limit is per record: a long record is an error line
    // and the stream goes on, however long it is in total.
    let long = json!({"id": "long", "text": "word ".repeat(1000)}).to_string();
    let short = json!({"id": "short", "text": EDUCATION}).to_string();
    let mut stream = String::new();
    for _ in 0..3 {
        stream.push_str(&format!("{short}\n{long}\n\nnot json\n{{\"id\": 5}}\n"));
    }
    assert!(stream.len() > 4000);
    let r = post(a, LABEL, NDJSON, stream.as_bytes());
    assert_eq!(r.status, 200);
    let lines: Vec<Value> = r
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 12);
    assert_eq!(lines[0]["id"], "short");
    assert_eq!(lines[0]["topic"]["label"], "education");
    assert_eq!(
        lines[1],
        json!({"line": 2, "error": format!("record is {} bytes, over the limit of 4000 bytes (raise it with --max-bytes)", long.len())})
    );
    assert_eq!(
        lines[2],
        json!({"line": 4, "error": "invalid JSON: expected ident at line 1 column 2"})
    );
    assert_eq!(
        lines[3],
        json!({"line": 5, "error": "missing \"text\": the document's text is required"})
    );
    assert_eq!(lines[4]["id"], "short");
    assert_eq!(lines[9]["line"], 12);
    assert_eq!(lines[11]["line"], 15);

    assert_eq!(
        server.metric(
            "classify_http_requests_total{method=\"POST\",route=\"/v1/label\",status=\"413\"}"
        ),
        2.0
    );
    assert!(server.stop().success());
}

/// Sends a chunked request body, one chunk per part.
fn chunked(addr: SocketAddr, path: &str, content_type: &str, parts: &[&[u8]]) -> Response {
    let mut stream = client::connect(addr);
    let head = client::head(
        "POST",
        path,
        &[
            ("Content-Type", content_type),
            ("Transfer-Encoding", "chunked"),
        ],
        None,
    );
    stream.write_all(head.as_bytes()).unwrap();
    for part in parts {
        stream
            .write_all(format!("{:x}\r\n", part.len()).as_bytes())
            .unwrap();
        stream.write_all(part).unwrap();
        stream.write_all(b"\r\n").unwrap();
    }
    // The server may answer (413) and close before the last chunk.
    let _ = stream.write_all(b"0\r\n\r\n");
    client::read_response(&mut BufReader::new(stream))
}

#[test]
fn a_stream_is_answered_line_by_line_as_it_arrives() {
    let server = Server::start(&[]);
    let mut stream = client::connect(server.addr);
    let head = client::head(
        "POST",
        LABEL,
        &[("Content-Type", NDJSON), ("Transfer-Encoding", "chunked")],
        None,
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let send = |stream: &mut std::net::TcpStream, line: &str| {
        let line = format!("{line}\n");
        stream
            .write_all(format!("{:x}\r\n{line}\r\n", line.len()).as_bytes())
            .unwrap();
    };
    send(
        &mut stream,
        &json!({"id": "first", "text": EDUCATION}).to_string(),
    );
    // The first label comes back while the request is still open.
    let (status, _) = client::read_head(&mut reader);
    assert_eq!(status, 200);
    let first = client::read_chunk(&mut reader).unwrap();
    let first: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(first["id"], "first");
    send(
        &mut stream,
        &json!({"id": "second", "text": "Border agents detained migrants."}).to_string(),
    );
    stream.write_all(b"0\r\n\r\n").unwrap();
    let mut rest = Vec::new();
    while let Some(chunk) = client::read_chunk(&mut reader) {
        rest.extend(chunk);
    }
    let second: Value = serde_json::from_slice(&rest).unwrap();
    assert_eq!(second["id"], "second");
    assert_eq!(second["topic"]["label"], "immigration");
    assert!(server.stop().success());
}

#[test]
fn the_token_is_required_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let token = token_file(dir.path());
    let server = Server::start(&["--token-file", s(&token)]);
    let a = server.addr;
    let body = json!({"text": EDUCATION}).to_string();
    let label = |headers: &[(&str, &str)]| {
        let mut h = vec![("Content-Type", JSON)];
        h.extend_from_slice(headers);
        request(a, "POST", LABEL, &h, body.as_bytes())
    };
    let r = label(&[]);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.error(),
        "missing bearer token: send the header Authorization: Bearer <token>"
    );
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"classify\"")
    );
    let r = label(&[("Authorization", "Bearer correct-horse-batterz")]);
    assert_eq!((r.status, r.error()), (401, "wrong bearer token".into()));
    let r = label(&[("Authorization", "Bearer correct-horse-battery-staple")]);
    assert_eq!((r.status, r.error()), (401, "wrong bearer token".into()));
    let r = label(&[("Authorization", "Basic Y29ycmVjdA==")]);
    assert_eq!(
        (r.status, r.error()),
        (
            401,
            "the Authorization header is not a bearer token: send Authorization: Bearer <token>"
                .into()
        )
    );
    let r = label(&[BEARER]);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["topic"]["label"], "education");
    let r = label(&[("authorization", "bearer correct-horse-battery")]);
    assert_eq!(r.status, 200);

    // /v1/model needs it too; health, metrics and the document do not.
    assert_eq!(get(a, "/v1/model").status, 401);
    assert_eq!(request(a, "GET", "/v1/model", &[BEARER], b"").status, 200);
    for open in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        assert_eq!(get(a, open).status, 200, "{open}");
    }
    // Reloading needs the token, and a model file to reload.
    assert_eq!(request(a, "POST", "/v1/model/reload", &[], b"").status, 401);
    let r = request(a, "POST", "/v1/model/reload", &[BEARER], b"");
    assert_eq!(
        (r.status, r.error()),
        (409, "no model file to reload: the service runs the built-in model (start it with --model PATH)".into())
    );
    // The token never reaches the log.
    assert!(!server.log().contains("correct-horse"));
    assert!(server.stop().success());

    // Without a token, reloading over HTTP is off.
    let server = Server::start(&[]);
    let r = request(server.addr, "POST", "/v1/model/reload", &[], b"");
    assert_eq!(
        (r.status, r.error()),
        (
            403,
            "reloading over HTTP needs a token (start with --token-file); send SIGHUP instead"
                .into()
        )
    );
    assert!(server.stop().success());
}

#[test]
fn a_public_address_without_a_token_is_refused() {
    let o = classify()
        .args(["serve", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(o.stderr).unwrap(),
        "classify: refusing to listen on 0.0.0.0:0 without --token-file: anyone who can reach it \
         could use it (pass --insecure-no-auth to allow that)\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("token");
    std::fs::write(&empty, "\n").unwrap();
    let o = classify()
        .args(["serve", "--addr", "127.0.0.1:0", "--token-file", s(&empty)])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(o.stderr).unwrap(),
        format!(
            "classify: {}: no token: the file is empty or whitespace only\n",
            empty.display()
        )
    );
    let o = classify()
        .args(["serve", "--model", s(&dir.path().join("missing.model"))])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .ends_with("missing.model: no such file or directory\n"));
}

#[test]
fn a_saturated_server_answers_503_and_still_answers_health_checks() {
    let server = Server::start(&["--max-concurrent", "1"]);
    let a = server.addr;
    let body = json!({"id": "slow", "text": EDUCATION}).to_string();
    // Half a body: the request holds the only slot until the rest comes.
    let held = Partial::start(a, LABEL, &[("Content-Type", JSON)], body.as_bytes(), 10);
    server.wait_busy(1);
    let r = post_json(a, LABEL, &json!({"text": EDUCATION}));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(
        r.error(),
        "server busy: 1 labeling requests in progress (--max-concurrent); retry after 1 s"
    );
    assert_eq!(get(a, "/healthz").status, 200);
    assert_eq!(get(a, "/readyz").status, 200);
    assert_eq!(get(a, "/v1/model").status, 200);
    let r = held.finish();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], "slow");
    server.wait_busy(0);
    assert_eq!(post_json(a, LABEL, &json!({"text": EDUCATION})).status, 200);
    assert!(server.stop().success());
}

#[test]
fn a_request_that_takes_too_long_times_out() {
    let server = Server::start(&["--timeout", "0.5"]);
    let body = json!({"text": EDUCATION}).to_string();
    let held = Partial::start(
        server.addr,
        LABEL,
        &[("Content-Type", JSON)],
        body.as_bytes(),
        5,
    );
    let r = held.response();
    assert_eq!(r.status, 408);
    assert_eq!(
        r.error(),
        "request not done within 0.5 s (the server's --timeout)"
    );
    server.wait_busy(0);
    assert!(server.stop().success());
}

#[test]
fn sigterm_drains_requests_in_flight_and_exits_0() {
    let mut server = Server::start(&[]);
    let body = json!({"id": "in-flight", "text": EDUCATION}).to_string();
    let held = Partial::start(
        server.addr,
        LABEL,
        &[("Content-Type", JSON)],
        body.as_bytes(),
        10,
    );
    server.wait_busy(1);
    server.signal(libc::SIGTERM);
    server.wait_for_log("shutting down");
    // Still running: it waits for the request it admitted.
    assert!(server.child.try_wait().unwrap().is_none());
    let r = held.finish();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], "in-flight");
    assert_eq!(r.json()["topic"]["label"], "education");
    let status = server.wait();
    assert_eq!(status.code(), Some(0), "{}", server.log());
    let log = server.log();
    assert!(log.contains("in_flight=1"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn reload_under_load_loses_no_request_and_a_corrupt_file_keeps_the_old_model() {
    let dir = tempfile::tempdir().unwrap();
    let (a_model, b_model) = two_models(dir.path());
    let token = token_file(dir.path());
    let serving = dir.path().join("serving.model");
    let replace = |from: &Path| {
        // As a deploy would: a new file renamed over the old one.
        let tmp = dir.path().join("incoming.model");
        std::fs::copy(from, &tmp).unwrap();
        std::fs::rename(&tmp, &serving).unwrap();
    };
    replace(&a_model);
    let server = Server::start(&["--model", s(&serving), "--token-file", s(&token)]);
    let addr = server.addr;
    let checksum_a = get(addr, "/readyz").json()["checksum"]
        .as_str()
        .unwrap()
        .to_string();

    // A request in flight across the reload finishes on the old model.
    let body = json!({"id": "across", "text": EDUCATION}).to_string();
    let across = Partial::start(
        addr,
        LABEL,
        &[("Content-Type", JSON), BEARER],
        body.as_bytes(),
        10,
    );
    server.wait_busy(1);

    // Clients label without pause while the model changes under them.
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                let body = json!({"id": format!("c{i}"), "text": EDUCATION}).to_string();
                while !stop.load(Ordering::Relaxed) || outcomes.len() < 5 {
                    let r = request(
                        addr,
                        "POST",
                        LABEL,
                        &[("Content-Type", JSON), BEARER],
                        body.as_bytes(),
                    );
                    let model = r.header("x-classify-model").unwrap_or("").to_string();
                    outcomes.push((r.status, model, r.json()["topic"]["label"].clone()));
                }
                outcomes
            })
        })
        .collect();

    replace(&b_model);
    let r = request(addr, "POST", "/v1/model/reload", &[BEARER], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    let checksum_b = r.json()["checksum"].as_str().unwrap().to_string();
    assert_ne!(checksum_a, checksum_b);
    assert_eq!(r.json()["previous"], checksum_a.as_str());
    assert_eq!(r.json()["model"], s(&serving));
    assert_eq!(get(addr, "/readyz").json()["checksum"], checksum_b.as_str());

    let r = across.finish();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-classify-model"), Some(checksum_a.as_str()));

    // SIGHUP reloads too: back to model A.
    replace(&a_model);
    server.signal(libc::SIGHUP);
    server.wait_for_log("SIGHUP: reloading the model");
    let start = Instant::now();
    while get(addr, "/readyz").json()["checksum"] != checksum_a.as_str() {
        assert!(
            start.elapsed() < WAIT,
            "SIGHUP did not reload:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // A corrupt file is refused; model A keeps serving.
    let bytes = std::fs::read(&b_model).unwrap();
    std::fs::write(&serving, &bytes[..bytes.len() / 2]).unwrap();
    let r = request(addr, "POST", "/v1/model/reload", &[BEARER], b"");
    assert_eq!(r.status, 500);
    let message = r.error();
    assert!(
        message.starts_with(&format!("{}: truncated model file", serving.display()))
            && message.ends_with("; the previous model keeps serving"),
        "{message}"
    );
    std::fs::write(&serving, b"not a model at all").unwrap();
    server.signal(libc::SIGHUP);
    server.wait_for_log("not a classify model file");
    assert_eq!(get(addr, "/readyz").json()["checksum"], checksum_a.as_str());
    let r = request(
        addr,
        "POST",
        LABEL,
        &[("Content-Type", JSON), BEARER],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-classify-model"), Some(checksum_a.as_str()));

    stop.store(true, Ordering::Relaxed);
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for client in clients {
        for (status, model, topic) in client.join().unwrap() {
            assert_eq!(status, 200, "a request failed during reloads");
            assert!(topic.is_string());
            seen.insert(model);
            total += 1;
        }
    }
    assert!(total >= 20);
    let known: BTreeSet<String> = [checksum_a.clone(), checksum_b.clone()].into();
    assert!(seen.is_subset(&known), "{seen:?}");

    assert_eq!(
        server.metric("classify_model_reloads_total{outcome=\"ok\"}"),
        2.0
    );
    assert_eq!(
        server.metric("classify_model_reloads_total{outcome=\"refused\"}"),
        2.0
    );
    assert!(server.stop().success());
}

#[test]
fn logs_name_requests_but_never_their_text() {
    let server = Server::start(&[]);
    let secret = "Zanzibarquux";
    let text = format!("{secret} said the school board voted to extend the contract.");
    let r = post_json(
        server.addr,
        &format!("{LABEL}?explain=3"),
        &json!({"id": "doc-1", "text": text}),
    );
    assert_eq!(r.status, 200);
    let r = post(
        server.addr,
        LABEL,
        NDJSON,
        format!("{}\n", json!({"text": text})).as_bytes(),
    );
    assert_eq!(r.status, 200);
    let mut stream = client::connect(server.addr);
    stream.write_all(b"GARBAGE\r\n\r\n").unwrap();
    let mut ignored = Vec::new();
    let _ = stream.read_to_end(&mut ignored);
    let log = server.log();
    assert!(server.stop().success());
    assert!(
        log.contains("method=\"POST\" path=\"/v1/label\" status=200"),
        "{log}"
    );
    assert!(
        !log.to_lowercase().contains(&secret.to_lowercase()),
        "{log}"
    );
}

#[test]
fn the_library_serves_in_process() {
    use classify::serve::{self, App, Loaded, ServeParams};
    let config = ServeParams {
        addr: "127.0.0.1:0".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = App::new(&config, Loaded::load(None).unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve::serve(listener, app.clone(), async {
            let _ = stopped.await;
        }));
        let r = tokio::task::spawn_blocking(move || post_json(addr, LABEL, &json!({"text": EDUCATION})))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["topic"]["label"], "education");
        assert_eq!(r.header("x-classify-model"), Some(app.model().checksum.as_str()));
        // The built-in model has no file to reload; it keeps serving.
        let err = app.reload().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "no model file to reload: the service runs the built-in model (start it with --model PATH)"
        );
        app.drain();
        let r = tokio::task::spawn_blocking(move || get(addr, "/readyz")).await.unwrap();
        assert_eq!((r.status, r.error()), (503, "shutting down".to_string()));
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}
