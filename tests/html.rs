//! End-to-end tests of `classify eval --format html`: the page is
//! self-contained, carries the numbers of `--format json`, is reproducible,
//! escapes what comes from the data, and renders in a real browser.
//!
//! The browser test uses headless Chromium when it is installed. Without
//! it the test skips with a message on stderr (run `cargo test -- --nocapture`
//! to see it), so `cargo test` on a laptop needs nothing beyond the Rust
//! toolchain; with `CI` set (as `.ci/run` sets it) a missing browser fails
//! the test instead. Everything is written into temporary
//! directories.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// 2026-01-01T00:00:00Z.
const EPOCH: &str = "1767225600";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const ALLOWED_TAGS: &[&str] = &[
    "!doctype",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "dl",
    "dt",
    "dd",
    "code",
    "p",
    "sub",
    "ul",
    "li",
    "nav",
    "a",
    "section",
    "div",
    "span",
    "b",
    "figure",
    "figcaption",
    "table",
    "tr",
    "th",
    "td",
    "blockquote",
    "footer",
    "svg",
    "defs",
    "pattern",
    "rect",
    "path",
    "line",
    "text",
    "circle",
    "polyline",
];

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn classify() -> Command {
    let mut cmd = Command::cargo_bin("classify").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", EPOCH);
    cmd
}

fn run_ok(args: &[&str]) -> Output {
    let o = classify().args(args).output().unwrap();
    assert!(
        o.status.success(),
        "classify {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Trains the fixture corpus into a fresh temp dir; returns (dir, model path).
fn trained() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    run_ok(&["train", s(&fixture("corpus")), "--out", s(&model), "-q"]);
    (dir, model)
}

/// `classify eval ARGS --format html --out DIR/NAME`, returning the page.
fn eval_html(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, String) {
    let out = dir.join(name);
    run_ok(&[&["eval"], args, &["--format", "html", "--out", s(&out)]].concat());
    let html = fs::read_to_string(&out).unwrap();
    (out, html)
}

fn eval_json(args: &[&str]) -> Value {
    let o = run_ok(&[&["eval"], args, &["--format", "json"]].concat());
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The text of the element with `id="..."`, up to its first child tag.
fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    let key = format!("id=\"{id}\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no element with {key}"))
        + key.len();
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    &rest[open..open + rest[open..].find('<').unwrap()]
}

fn f3(v: &Value) -> String {
    format!("{:.3}", v.as_f64().unwrap())
}

/// No scripts, nothing to fetch, one SVG per chart.
fn assert_self_contained(html: &str, charts: usize) {
    assert!(html.starts_with("<!DOCTYPE html>\n") && html.ends_with("</html>\n"));
    let lower = html.to_lowercase();
    for banned in [
        "<script", "http://", "https://", "@import", "url(h", "href=\"/",
    ] {
        assert!(!lower.contains(banned), "page contains {banned:?}");
    }
    // Every tag is one the renderer writes: anything else came from the data.
    for tag in html.split('<').skip(1) {
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '/')
            .collect();
        let name = name.trim_start_matches('/').to_lowercase();
        assert!(
            ALLOWED_TAGS.contains(&name.as_str()),
            "unexpected tag <{name}> in {:?}",
            &tag[..tag.len().min(60)]
        );
        if tag.starts_with("a ") {
            assert!(
                tag.starts_with("a href=\"#"),
                "link leaves the page: <{}",
                &tag[..tag.len().min(60)]
            );
        }
    }
    assert_eq!(html.matches("<svg").count(), charts, "one <svg> per chart");
    assert_eq!(html.matches("</svg>").count(), charts);
}

/// Every number of the JSON report appears, rounded to 3 decimals, in the
/// page element that shows it.
fn assert_numbers_match(html: &str, json: &Value) {
    for (h, head) in json["heads"].as_array().unwrap().iter().enumerate() {
        for key in ["accuracy", "macro_f1", "weighted_f1"] {
            assert_eq!(
                by_id(html, &format!("h{h}-{key}")),
                f3(&head[key]),
                "head {h} {key}"
            );
        }
        assert_eq!(
            by_id(html, &format!("h{h}-documents")),
            head["documents"].to_string()
        );
        for (c, class) in head["per_class"].as_array().unwrap().iter().enumerate() {
            for key in ["precision", "recall", "f1"] {
                assert_eq!(
                    by_id(html, &format!("h{h}-c{c}-{key}")),
                    f3(&class[key]),
                    "head {h} class {c} {key}"
                );
            }
            assert_eq!(
                by_id(html, &format!("h{h}-c{c}-support")),
                class["support"].to_string()
            );
        }
        for (i, row) in head["risk_coverage"].as_array().unwrap().iter().enumerate() {
            for key in ["coverage", "accuracy"] {
                assert_eq!(
                    by_id(html, &format!("h{h}-rc{i}-{key}")),
                    f3(&row[key]),
                    "head {h} risk-coverage row {i} {key}"
                );
            }
        }
        for (g, row) in head["confusion"].as_array().unwrap().iter().enumerate() {
            for (p, count) in row.as_array().unwrap().iter().enumerate() {
                assert_eq!(
                    by_id(html, &format!("h{h}-cm-{g}-{p}")),
                    count.to_string(),
                    "head {h} cell {g},{p}"
                );
            }
        }
        if let Some(cv) = head.get("cv") {
            for key in [
                "accuracy_mean",
                "accuracy_std",
                "macro_f1_mean",
                "macro_f1_std",
            ] {
                assert_eq!(
                    by_id(html, &format!("h{h}-cv-{key}")),
                    f3(&cv[key]),
                    "head {h} {key}"
                );
            }
            for (field, key) in [("fold_accuracy", "accuracy"), ("fold_macro_f1", "macro_f1")] {
                for (i, v) in cv[field].as_array().unwrap().iter().enumerate() {
                    assert_eq!(
                        by_id(html, &format!("h{h}-cv-f{i}-{key}")),
                        f3(v),
                        "head {h} fold {i} {key}"
                    );
                }
            }
        }
    }
    if let Some(meta) = json.get("metadata") {
        assert_eq!(by_id(html, "meta-documents"), meta["documents"].to_string());
        assert!(by_id(html, "meta-created").starts_with(meta["created"].as_str().unwrap()));
        assert_eq!(
            by_id(html, "meta-algorithm"),
            meta["algorithm"].as_str().unwrap()
        );
    }
}

#[test]
fn html_report_carries_the_json_numbers() {
    let (dir, model) = trained();
    let sample = fixture("sample.jsonl");
    let args = [s(&sample), "--model", s(&model)];
    let (_, html) = eval_html(dir.path(), "r.html", &args);
    assert_self_contained(&html, 10);
    assert_numbers_match(&html, &eval_json(&args));
    assert_eq!(by_id(&html, "report-date"), "2026-01-01");
    for heading in [
        "<h2>topic</h2>",
        "<h2>stance</h2>",
        "Most confident mistakes",
        "Reliability (calibration)",
        "ECE",
    ] {
        assert!(html.contains(heading), "missing {heading}");
    }
}

#[test]
fn html_report_of_cross_validation_shows_folds() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = fixture("corpus");
    let args = [s(&corpus), "--cv", "3", "-q"];
    let (_, html) = eval_html(dir.path(), "cv.html", &args);
    // Five charts per head plus the per-fold chart.
    assert_self_contained(&html, 12);
    let json = eval_json(&args);
    assert_eq!(json["heads"][0]["cv"]["folds"], 3);
    assert_numbers_match(&html, &json);
    assert!(html.contains("<h3>3-fold cross-validation</h3>"));
}

#[test]
fn html_without_out_goes_to_stdout() {
    let (dir, model) = trained();
    let sample = fixture("sample.jsonl");
    let args = [s(&sample), "--model", s(&model)];
    let o = run_ok(&[&["eval"], &args[..], &["--format", "html"]].concat());
    let (_, file) = eval_html(dir.path(), "r.html", &args);
    assert_eq!(String::from_utf8(o.stdout).unwrap(), file);
    assert!(o.stderr.is_empty());
}

#[test]
fn html_report_is_byte_identical_across_runs() {
    let (dir, model) = trained();
    let sample = fixture("sample.jsonl");
    let args = [s(&sample), "--model", s(&model)];
    let (_, first) = eval_html(dir.path(), "a.html", &args);
    let (_, second) = eval_html(dir.path(), "b.html", &args);
    assert_eq!(first, second);
}

#[test]
fn html_report_escapes_document_text_ids_and_class_names() {
    // The fixture's texts carry <script> and <iframe>, an id with <b>, and a
    // gold topic "<img src=x onerror=alert(2)>" that the model never saw, so
    // it becomes a class of the report (a row of the confusion matrix).
    let (dir, model) = trained();
    let (_, html) = eval_html(
        dir.path(),
        "h.html",
        &[s(&fixture("eval/hostile.jsonl")), "--model", s(&model)],
    );
    assert_self_contained(&html, 10);
    assert!(!html.contains("<b>bold-id"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(html.contains("&lt;b&gt;bold-id&lt;/b&gt;"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Teachers &amp; pupils said the &quot;final exams&quot;"));
}

/// Chromium on PATH or in /usr/bin, if installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .chain([PathBuf::from("/usr/bin/chromium")])
        .find(|p| p.is_file())
}

/// Screenshots `page` with headless Chromium into `png`, killing the
/// browser after 60 s.
fn screenshot(browser: &Path, page: &Path, png: &Path, scratch: &Path) {
    let profile = scratch.join(format!(
        "profile-{}",
        png.file_stem().unwrap().to_string_lossy()
    ));
    let log = scratch.join(format!(
        "{}.log",
        png.file_stem().unwrap().to_string_lossy()
    ));
    let mut child = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1200,2400")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match child.try_wait().unwrap() {
            Some(_) => break,
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "chromium did not finish within 60 s; log: {}",
                    fs::read_to_string(&log).unwrap_or_default()
                );
            }
        }
    }
    assert!(
        png.is_file(),
        "chromium wrote no screenshot; log: {}",
        fs::read_to_string(&log).unwrap_or_default()
    );
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.len() > 24 && bytes.starts_with(PNG_SIGNATURE),
        "not a PNG"
    );
    assert_eq!(&bytes[12..16], b"IHDR", "PNG without IHDR first");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        // In CI the browser must be there (.ci/run installs it): a missing
        // one fails instead of passing silently.
        assert!(
            std::env::var("CI").map_or(true, |v| v.is_empty() || v == "false"),
            "CI is set but chromium is not installed: the browser test cannot run"
        );
        eprintln!("skipping: chromium not installed (apt-get install chromium)");
        return;
    };
    let (dir, model) = trained();
    let (page, _) = eval_html(
        dir.path(),
        "r.html",
        &[s(&fixture("sample.jsonl")), "--model", s(&model)],
    );
    let blank = dir.path().join("blank.html");
    fs::write(&blank, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>blank</title></head><body></body></html>\n").unwrap();
    let (shot, blank_shot) = (dir.path().join("shot.png"), dir.path().join("blank.png"));
    screenshot(&browser, &page, &shot, dir.path());
    screenshot(&browser, &blank, &blank_shot, dir.path());
    let (report, empty) = (fs::read(&shot).unwrap(), fs::read(&blank_shot).unwrap());
    assert_eq!(png_size(&report), (1200, 2400));
    assert_eq!(png_size(&empty), (1200, 2400));
    // A blank page compresses to almost nothing; charts, tables and text do
    // not.
    assert!(
        report.len() > 20_000,
        "screenshot only {} bytes",
        report.len()
    );
    assert!(
        report.len() > 5 * empty.len(),
        "report {} bytes vs blank page {} bytes",
        report.len(),
        empty.len()
    );
}
