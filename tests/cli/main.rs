//! End-to-end tests of the `classify` binary on a small fixture corpus.
//!
//! Every test trains its own model into a temporary directory (training the
//! 24-article fixture corpus takes milliseconds), so tests are independent
//! and nothing is written into the checkout.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

mod compat;
mod defects;
mod honest;

const TABLE_HEADER: &str = "TOPIC        P      STANCE      P      DOCUMENT";
const CSV_HEADER: &str = "document,topic,topic_probability,stance,stance_probability,reason";

const IMMIGRATION_TEXT: &str =
    "Hundreds of migrants waited at the border crossing as the immigration \
    office processed asylum claims. Refugees asked for visas and residency permits, and lawyers \
    said deportation orders had been issued to several asylum seekers.";
const EDUCATION_TEXT: &str =
    "Teachers at the secondary school prepared pupils for their final exams. \
    Headteachers said students in every classroom had followed the new curriculum, and the \
    education ministry promised more teachers for schools next year.";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn classify() -> Command {
    let mut cmd = Command::cargo_bin("classify").unwrap();
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

fn run(args: &[&str]) -> Output {
    classify().args(args).output().unwrap()
}
fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}
fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}
fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Trains the fixture corpus into a fresh temp dir; returns (dir, model path).
fn trained(extra: &[&str]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    let corpus = fixture("corpus");
    let mut args = vec!["train", s(&corpus), "--out", s(&model), "-q"];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "train failed: {}", stderr(&o));
    (dir, model)
}

/// `classify label --model M ARGS...`, expecting success.
fn label_ok(model: &Path, args: &[&str]) -> String {
    let o = classify()
        .args(["label", "--model", s(model)])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "label failed: {}", stderr(&o));
    assert_eq!(stderr(&o), "");
    stdout(&o)
}

fn label_json(model: &Path, args: &[&str]) -> Vec<Value> {
    let out = label_ok(model, &[&["--format", "json"], args].concat());
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Asserts a command failed with status 1, printed exactly `lines` on
/// stderr and did not panic.
fn assert_fails(o: &Output, lines: &[&str]) {
    assert_fails_with(o, 1, lines);
}

/// Usage errors (a flag out of range) exit with status 2, like clap's.
fn assert_usage(o: &Output, lines: &[&str]) {
    assert_fails_with(o, 2, lines);
}

fn assert_fails_with(o: &Output, code: i32, lines: &[&str]) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    let expected: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(err, expected);
}

/// Labeling one bad file: header only on stdout, the file's problem and
/// the failure count on stderr, status 1.
fn assert_bad_document(model: &Path, path: &Path, problem: &str) {
    let o = run(&["label", "--model", s(model), s(path)]);
    assert_fails(
        &o,
        &[
            &format!("classify: {}: {problem}", path.display()),
            "classify: 1 document(s) could not be labeled",
        ],
    );
    assert_eq!(stdout(&o), format!("{TABLE_HEADER}\n"));
}

/// `classify eval ARGS...`, expecting success.
fn eval_ok(args: &[&str]) -> String {
    let o = classify().arg("eval").args(args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// Table rows as (topic, stance, document) with any "?" kept.
fn table_rows(out: &str) -> Vec<(String, String, String)> {
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("TOPIC"));
    lines
        .filter(|l| !l.starts_with("    "))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 5, "row {l:?}");
            (f[0].to_string(), f[2].to_string(), f[4].to_string())
        })
        .collect()
}

fn is_root() -> bool {
    let id = std::process::Command::new("id").arg("-u").output();
    id.map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

// ---------------------------------------------------------------- train

#[test]
fn train_prints_summary_and_writes_only_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    let o = run(&[
        "train",
        s(&fixture("corpus")),
        "--out",
        s(&model),
        "--cv",
        "3",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("trained {} in ", model.display()))
            && lines[0].ends_with(" s"),
        "{out}"
    );
    assert!(lines.contains(&"  documents   24"), "{out}");
    assert!(lines.contains(&"  algorithm   linear-svm"), "{out}");
    assert!(lines.iter().any(
        |l| l.starts_with("  vocabulary  ") && l.ends_with(" features (1..=2-grams, min_df 2)")
    ));
    assert!(
        lines.contains(&"  topic       education 6, immigration 6, other 6, politics 6"),
        "{out}"
    );
    assert!(
        lines.contains(&"  stance      critical 8, neutral 8, supportive 8"),
        "{out}"
    );
    let cv: Vec<&&str> = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("3-fold cv: accuracy "))
        .collect();
    assert_eq!(cv.len(), 2, "one cv line per head: {out}");
    for l in cv {
        let acc: f64 = l.split_whitespace().nth(3).unwrap().parse().unwrap();
        assert!((0.0..=1.0).contains(&acc), "{l}");
    }
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["m.model"], "no temporary file may be left behind");
    assert!(fs::metadata(&model).unwrap().len() > 24);
}

#[test]
fn training_is_deterministic_with_source_date_epoch() {
    let corpus = fixture("corpus");
    let mut models = Vec::new();
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for dir in &dirs {
        // Same relative --out so the recorded command line is the same.
        classify()
            .current_dir(dir.path())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .args(["train", s(&corpus), "--out", "m.model", "--cv", "3", "-q"])
            .assert()
            .success();
        models.push(fs::read(dir.path().join("m.model")).unwrap());
    }
    assert!(models[0] == models[1], "two trainings gave different bytes");
    let info = classify()
        .args(["info", s(&dirs[0].path().join("m.model"))])
        .assert()
        .success();
    info.stdout(predicate::str::contains(
        "created     2023-11-14 by classify ",
    ));
}

#[test]
fn naive_bayes_trains_quietly_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("nb.model");
    // Without -q: progress bars are not drawn off a terminal, and the
    // linfa-bayes dbg! dump must be silenced.
    let o = run(&[
        "train",
        s(&fixture("corpus")),
        "--out",
        s(&model),
        "--algorithm",
        "nb",
        "--cv",
        "3",
    ]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(
        !err.contains("ClassHistogram") && !err.contains("class_info") && err.is_empty(),
        "{err}"
    );
    assert!(stdout(&o).contains("  algorithm   multinomial-nb\n"));
    let rows = table_rows(&label_ok(&model, &[s(&fixture("unlabeled"))]));
    let topics: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(topics, ["immigration", "education", "politics"]);
}

// ---------------------------------------------------------------- label

#[test]
fn label_files_in_every_format() {
    let (_dir, model) = trained(&[]);
    let files = [
        "unlabeled/harbour-asylum.md",
        "unlabeled/school-exams.txt",
        "unlabeled/senate-vote.html",
    ]
    .map(fixture);
    let args: Vec<&str> = files.iter().map(|p| s(p)).collect();
    let expected = ["immigration", "education", "politics"];
    let table = label_ok(&model, &args);
    assert_eq!(table.lines().next().unwrap(), TABLE_HEADER);
    let rows = table_rows(&table);
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(rows.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(), args);
    let json = label_json(&model, &args);
    assert_eq!(json.len(), 3);
    for (doc, (path, topic)) in json.iter().zip(args.iter().zip(expected)) {
        assert_eq!(doc["path"], *path);
        assert_eq!(doc["topic"]["label"], topic);
        assert!(["supportive", "critical", "neutral"]
            .contains(&doc["stance"]["label"].as_str().unwrap()));
        assert!(["topic", "stance"]
            .iter()
            .all(|h| (0.0..=1.0).contains(&doc[h]["probability"].as_f64().unwrap())));
    }
    let jsonl = label_ok(&model, &[&["--format", "jsonl"], &args[..]].concat());
    let parsed: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed, json, "jsonl carries the same records as json");
    let csv = label_ok(&model, &[&["--format", "csv"], &args[..]].concat());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines.len(), 4);
    for (line, (path, topic)) in lines[1..].iter().zip(args.iter().zip(expected)) {
        assert!(line.starts_with(&format!("{path},{topic},")), "{line}");
    }
}

#[test]
fn label_directory_recursively_in_sorted_order() {
    let (_dir, model) = trained(&[]);
    let corpus = fixture("corpus");
    let rows = table_rows(&label_ok(&model, &[s(&corpus)]));
    assert_eq!(rows.len(), 24);
    assert!(rows.windows(2).all(|w| w[0].2 < w[1].2), "sorted by path");
    for (topic, _, path) in &rows {
        let folder = Path::new(path).parent().unwrap().file_name().unwrap();
        assert_eq!(
            folder.to_str().unwrap(),
            topic,
            "training article {path} mislabeled"
        );
    }
    // Hidden files, README files and other extensions are not articles.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for rel in [
        "b/x.md",
        "a/z.txt",
        "a/sub/y.html",
        "README.md",
        "a/notes.pdf",
        ".hidden.md",
    ] {
        fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
        fs::write(root.join(rel), IMMIGRATION_TEXT).unwrap();
    }
    let rows = table_rows(&label_ok(&model, &[s(root)]));
    let got: Vec<String> = rows.iter().map(|r| r.2.clone()).collect();
    let want: Vec<String> = ["a/sub/y.html", "a/z.txt", "b/x.md"]
        .iter()
        .map(|r| root.join(r).display().to_string())
        .collect();
    assert_eq!(got, want);
    assert!(rows.iter().all(|r| r.0 == "immigration"));
}

#[test]
fn clear_articles_get_the_right_topic() {
    let (dir, model) = trained(&[]);
    let out = classify()
        .args(["label", "--model", s(&model), "-"])
        .write_stdin(IMMIGRATION_TEXT)
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows = table_rows(&stdout(&out));
    assert_eq!(
        (rows.len(), rows[0].0.as_str(), rows[0].2.as_str()),
        (1, "immigration", "-")
    );
    // No path at all also reads stdin.
    let out = classify()
        .args(["label", "--model", s(&model)])
        .write_stdin(EDUCATION_TEXT)
        .output()
        .unwrap();
    assert_eq!(table_rows(&stdout(&out))[0].0, "education");
    let file = dir.path().join("article.md");
    fs::write(
        &file,
        format!("---\ntitle: \"Exam season\"\n---\n# Schools\n\n{EDUCATION_TEXT}\n"),
    )
    .unwrap();
    let json = label_json(&model, &[s(&file)]);
    assert_eq!(json[0]["topic"]["label"], "education");
}

#[test]
fn label_jsonl_stdin_keeps_input_order() {
    let (_dir, model) = trained(&[]);
    let input = [
        serde_json::json!({"id": "z9", "text": EDUCATION_TEXT}).to_string(),
        String::new(),
        serde_json::json!({"id": "a1", "text": IMMIGRATION_TEXT}).to_string(),
        serde_json::json!({"id": 7, "text": "The senate and parliament voted on the election ballot and campaign legislation."}).to_string(),
        serde_json::json!({"text": "Fans in the stadium cheered as the football club won the cup final."}).to_string(),
    ]
    .join("\n");
    let o = classify()
        .args([
            "label",
            "--model",
            s(&model),
            "--jsonl",
            "--format",
            "jsonl",
            "-",
        ])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let docs: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["z9", "a1", "7", "line 5"]);
    let topics: Vec<&str> = docs
        .iter()
        .map(|d| d["topic"]["label"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["education", "immigration", "politics", "other"]);
    // A bad record is reported with its line and the rest still labeled.
    let input = format!(
        "{{broken\n{}\n",
        serde_json::json!({"id": "ok", "text": IMMIGRATION_TEXT})
    );
    let o = classify()
        .args([
            "label",
            "--model",
            s(&model),
            "--jsonl",
            "--format",
            "jsonl",
        ])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_fails(
        &o,
        &[
            "classify: stdin:1: invalid JSON: key must be a string at line 1 column 2",
            "classify: 1 document(s) could not be labeled",
        ],
    );
    assert_eq!(stdout(&o).lines().count(), 1);
}

#[test]
fn explain_shows_terms() {
    let (_dir, model) = trained(&[]);
    let file = fixture("unlabeled/harbour-asylum.md");
    let out = label_ok(&model, &["--explain", "3", s(&file)]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[2].starts_with("    topic immigration: ") && lines[3].starts_with("    stance "),
        "{out}"
    );
    assert_eq!(lines[2].matches(" (").count(), 3, "{out}");
    assert!(lines[2].contains("asylum ("), "{out}");
    // Words as written, not stems.
    assert!(!lines[2].contains("immigr ("), "{out}");
    let json = label_json(&model, &["--explain", "3", s(&file)]);
    let terms: Vec<&str> = json[0]["topic"]["explain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert_eq!(terms.len(), 3);
    assert!(terms.contains(&"asylum"), "{terms:?}");
    assert!(json[0]["stance"]["explain"][0]["weight"].is_number());
    let csv = label_ok(&model, &["--format", "csv", "--explain", "3", s(&file)]);
    assert!(csv.starts_with(
        "document,topic,topic_probability,topic_terms,stance,stance_probability,stance_terms,reason\n"
    ));
}

#[test]
fn min_confidence_marks_uncertain_labels() {
    let (_dir, model) = trained(&[]);
    let dir = fixture("unlabeled");
    let out = label_ok(&model, &["--min-confidence", "0.99", s(&dir)]);
    let rows = table_rows(&out);
    let json = label_json(&model, &["--min-confidence", "0.99", s(&dir)]);
    let mut marked = 0;
    for (row, doc) in rows.iter().zip(&json) {
        for (cell, head) in [(&row.0, "topic"), (&row.1, "stance")] {
            let p = doc[head]["probability"].as_f64().unwrap();
            let uncertain = doc[head]["uncertain"].as_bool().unwrap();
            assert_eq!(uncertain, p < 0.99, "{doc}");
            assert_eq!(cell.ends_with('?'), uncertain, "{out}");
            marked += usize::from(uncertain);
        }
    }
    assert!(marked > 0, "some stance below 0.99 expected: {out}");
    assert_eq!(json[0]["topic"]["uncertain"], false);
    assert!(
        rows.iter().all(|r| !r.0.ends_with('?')),
        "clear topics are certain"
    );
}

#[test]
fn html_script_navigation_and_related_block_are_ignored() {
    let (dir, model) = trained(&[]);
    // The visible article text (with the page title) must label exactly like the page.
    let plain = dir.path().join("plain.txt");
    fs::write(
        &plain,
        "Senate vote\n\nSenate passes election law after long debate\n\nThe senate passed the election legislation late on Tuesday.\n\
         Lawmakers from the coalition and the opposition debated the ballot rules for\nhours before the vote, and the prime minister \
         said parliament had done its job.\n\nThe campaign finance provisions take effect before the next election.\n",
    )
    .unwrap();
    let json = label_json(
        &model,
        &[s(&fixture("unlabeled/senate-vote.html")), s(&plain)],
    );
    assert_eq!(json[0]["topic"]["label"], "politics");
    assert_eq!(json[0]["topic"], json[1]["topic"]);
    assert_eq!(json[0]["stance"], json[1]["stance"]);
}

#[test]
fn saved_model_gives_identical_predictions() {
    let (dir, model) = trained(&[]);
    let (unlabeled, corpus) = (fixture("unlabeled"), fixture("corpus"));
    let args = [s(&unlabeled), s(&corpus)];
    let first = label_ok(&model, &[&["--format", "json"], &args[..]].concat());
    let second = label_ok(&model, &[&["--format", "json"], &args[..]].concat());
    assert_eq!(first, second);
    let copy = dir.path().join("copy.model");
    fs::copy(&model, &copy).unwrap();
    assert_eq!(
        label_ok(&copy, &[&["--format", "json"], &args[..]].concat()),
        first
    );
    assert_eq!(label_ok(&model, &args), label_ok(&copy, &args));
    // A second training (same data, same seed) predicts the same.
    let (_dir2, again) = trained(&[]);
    assert_eq!(
        label_ok(&again, &[&["--format", "json"], &args[..]].concat()),
        first
    );
}

// ---------------------------------------------------------------- eval and info

#[test]
fn eval_reports_in_every_format() {
    let (_dir, model) = trained(&[]);
    let sample = fixture("sample.jsonl");
    let text = eval_ok(&[s(&sample), "--model", s(&model)]);
    assert!(
        text.starts_with(&format!(
            "model: {}\ndata:  {}\n",
            model.display(),
            sample.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("\ntopic (8 documents)\n  accuracy     1.000\n"),
        "{text}"
    );
    assert!(text.contains("\nstance (8 documents)\n"), "{text}");
    let json: Value = serde_json::from_str(&eval_ok(&[
        s(&sample),
        "--model",
        s(&model),
        "--format",
        "json",
    ]))
    .unwrap();
    let heads = json["heads"].as_array().unwrap();
    assert_eq!(
        heads
            .iter()
            .map(|h| h["head"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["topic", "stance"]
    );
    for h in heads {
        assert_eq!(h["documents"], 8);
        for key in ["accuracy", "macro_f1", "weighted_f1"] {
            let v = h[key].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{key} {v}");
        }
        let support: u64 = h["per_class"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["support"].as_u64().unwrap())
            .sum();
        let confusion: u64 = h["confusion"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap())
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!((support, confusion), (8, 8));
    }
    assert_eq!(
        heads[0]["accuracy"].as_f64(),
        Some(1.0),
        "clear cases: every topic right"
    );
    let md = eval_ok(&[s(&sample), "--model", s(&model), "--format", "markdown"]);
    assert!(md.starts_with("# Evaluation\n"), "{md}");
    for needle in [
        "\n## topic\n",
        "\n## stance\n",
        "| class | precision | recall | F1 | support |",
        "| true \\ predicted |",
    ] {
        assert!(md.contains(needle), "{needle} missing: {md}");
    }
    // --out writes the report to a file instead.
    let out = model.parent().unwrap().join("report.md");
    let o = run(&[
        "eval",
        s(&sample),
        "--model",
        s(&model),
        "--format",
        "markdown",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success() && o.stdout.is_empty());
    assert_eq!(fs::read_to_string(&out).unwrap(), md);
}

#[test]
fn eval_skips_a_head_the_data_lacks() {
    let (dir, model) = trained(&[]);
    let topics: String = fs::read_to_string(fixture("sample.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("stance");
            format!("{v}\n")
        })
        .collect();
    let data = dir.path().join("topics.jsonl");
    fs::write(&data, topics).unwrap();
    let note = "head \"stance\" skipped: the data has no \"stance\" labels";
    let text = eval_ok(&[s(&data), "--model", s(&model)]);
    assert!(text.contains(&format!("\nnote:  {note}\n")), "{text}");
    assert!(
        text.contains("topic (8 documents)") && !text.contains("stance ("),
        "{text}"
    );
    let json: Value = serde_json::from_str(&eval_ok(&[
        s(&data),
        "--model",
        s(&model),
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["notes"], serde_json::json!([note]));
    assert_eq!(json["heads"].as_array().unwrap().len(), 1);
}

#[test]
fn eval_cross_validates_a_corpus() {
    let corpus = fixture("corpus");
    let text = eval_ok(&[s(&corpus), "--cv", "3", "-q"]);
    assert!(
        text.starts_with("model: cross-validation (3 folds, linear-svm)\n"),
        "{text}"
    );
    assert!(
        text.contains("\ntopic (24 documents)\n") && text.contains("\nstance (24 documents)\n"),
        "{text}"
    );
    assert_eq!(
        text.matches("  3 folds      accuracy ").count(),
        2,
        "{text}"
    );
    let json: Value = serde_json::from_str(&eval_ok(&[
        s(&corpus),
        "--cv",
        "3",
        "-q",
        "--format",
        "json",
    ]))
    .unwrap();
    for h in json["heads"].as_array().unwrap() {
        assert_eq!(h["documents"], 24);
        assert_eq!(h["cv"]["folds"], 3);
        assert_eq!(h["cv"]["fold_accuracy"].as_array().unwrap().len(), 3);
        let acc = h["accuracy"].as_f64().unwrap();
        assert!((0.5..=1.0).contains(&acc), "{acc}");
    }
}

#[test]
fn info_shows_metadata_and_top_terms() {
    let (_dir, model) = trained(&["--cv", "3"]);
    let o = run(&["info", s(&model), "--top", "5"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("model       {}\n", model.display())),
        "{out}"
    );
    assert!(out.contains("\nalgorithm   linear-svm\n"), "{out}");
    assert!(
        out.contains("\ndata        ") && out.contains(" (24 documents)\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "\ntopic: education 6, immigration 6, other 6, politics 6\n  3-fold cv: accuracy "
        ),
        "{out}"
    );
    let expect = [
        ("education", "school"),
        ("immigration", "asylum"),
        ("politics", "campaign"),
        ("other", "club"),
    ];
    let top_line = |class: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{class} ")))
            .unwrap()
            .to_string()
    };
    for (class, term) in expect {
        let line = top_line(class);
        let terms: Vec<&str> = line.trim_start()[class.len()..]
            .trim()
            .split(", ")
            .collect();
        assert_eq!(terms.len(), 5, "{line}");
        assert!(terms.contains(&term), "{class}: {line}");
    }
    for stance in ["critical", "neutral", "supportive"] {
        assert_eq!(top_line(stance).matches(", ").count(), 4);
    }
    let o = run(&["info", s(&model), "--json"]);
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["format_version"], 3);
    assert_eq!(json["metadata"]["documents"], 24);
    assert_eq!(json["metadata"]["algorithm"], "linear-svm");
    assert_eq!(json["heads"][0]["name"], "topic");
    assert_eq!(
        json["heads"][0]["classes"],
        serde_json::json!(["education", "immigration", "other", "politics"])
    );
    assert_eq!(
        json["heads"][1]["classes"],
        serde_json::json!(["critical", "neutral", "supportive"])
    );
    let edu = json["heads"][0]["top_terms"]["education"]
        .as_array()
        .unwrap();
    assert_eq!(edu.len(), 10);
    assert!(edu.contains(&Value::from("teacher")), "{edu:?}");
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_documents_are_named_one_line_each() {
    let (dir, model) = trained(&[]);
    let d = dir.path();
    let write = |name: &str, bytes: &[u8]| {
        let p = d.join(name);
        fs::write(&p, bytes).unwrap();
        p
    };
    assert_bad_document(&model, &write("empty.txt", b""), "empty file");
    assert_bad_document(
        &model,
        &write("blank.md", b" \n\t  \r\n"),
        "no text: the document is whitespace only",
    );
    assert_bad_document(
        &model,
        &write("doc.txt", b"Header text\0rest"),
        "binary file (NUL byte at offset 11)",
    );
    assert_bad_document(
        &model,
        &write("latin1.txt", b"caf\xc3\xa9 ok \xff\xfe more"),
        "invalid UTF-8 at byte 9",
    );
    assert_bad_document(&model, &d.join("missing.txt"), "no such file or directory");
    let big = d.join("big.txt");
    fs::File::create(&big)
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap(); // sparse
    assert_bad_document(
        &model,
        &big,
        "file is 52428800 bytes, over the limit of 10485760 bytes for one document (raise it with --max-bytes)",
    );
    fs::remove_file(&big).unwrap();
    // Stdin gets the same checks, named "-".
    let o = classify()
        .args(["label", "--model", s(&model), "-"])
        .write_stdin("  \n ")
        .output()
        .unwrap();
    assert_fails(
        &o,
        &[
            "classify: stdin: no text: the document is whitespace only",
            "classify: 1 document(s) could not be labeled",
        ],
    );
    let o = classify()
        .args(["label", "--model", s(&model), "--max-bytes", "5", "-"])
        .write_stdin("Some text about schools")
        .output()
        .unwrap();
    assert_fails(&o, &["classify: stdin: input is over the limit of 5 bytes for one document (raise it with --max-bytes)", "classify: 1 document(s) could not be labeled"]);
}

#[test]
fn unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, model) = trained(&[]);
    let locked = dir.path().join("locked.txt");
    fs::write(&locked, IMMIGRATION_TEXT).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if is_root() {
        // root reads it anyway: only check nothing breaks.
        let o = run(&["label", "--model", s(&model), s(&locked)]);
        assert!(!stderr(&o).contains("panicked"));
    } else {
        assert_bad_document(&model, &locked, "permission denied");
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn one_bad_file_in_a_batch_does_not_stop_the_rest() {
    let (dir, model) = trained(&[]);
    let bad = dir.path().join("empty.md");
    fs::write(&bad, "").unwrap();
    let good1 = fixture("unlabeled/harbour-asylum.md");
    let good2 = fixture("unlabeled/school-exams.txt");
    let o = run(&["label", "--model", s(&model), s(&good1), s(&bad), s(&good2)]);
    assert_fails(
        &o,
        &[
            &format!("classify: {}: empty file", bad.display()),
            "classify: 1 document(s) could not be labeled",
        ],
    );
    let rows = table_rows(&stdout(&o));
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].2.as_str()),
        ("immigration", s(&good1))
    );
    assert_eq!(
        (rows[1].0.as_str(), rows[1].2.as_str()),
        ("education", s(&good2))
    );
}

#[test]
fn training_label_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.model");
    // Flat copies: no topic folders, so labels come from front matter only.
    let flat = tmp.path().join("flat");
    fs::create_dir(&flat).unwrap();
    for topic in ["immigration", "politics", "education", "other"] {
        for e in fs::read_dir(fixture("corpus").join(topic)).unwrap() {
            let p = e.unwrap().path();
            fs::copy(
                &p,
                flat.join(format!(
                    "{topic}-{}",
                    p.file_name().unwrap().to_str().unwrap()
                )),
            )
            .unwrap();
        }
    }
    let o = run(&["train", s(&flat), "--out", s(&out), "--label", "bias", "-q"]);
    assert_fails(
        &o,
        &["classify: no document has the label field \"bias\" (fields found: stance, topic)"],
    );
    // Folder names fill only the --folder-label field (topic), not any --label.
    let o = run(&[
        "train",
        s(&fixture("corpus")),
        "--out",
        s(&out),
        "--label",
        "bias",
        "-q",
    ]);
    assert_fails(
        &o,
        &["classify: no document has the label field \"bias\" (fields found: stance, topic)"],
    );
    let one = tmp.path().join("one");
    fs::create_dir(&one).unwrap();
    for (name, body) in [
        ("a.md", "Parliament voted on the budget."),
        ("b.md", "The senate passed the bill."),
    ] {
        fs::write(
            one.join(name),
            format!("---\ntitle: \"{name}\"\ntopic: politics\n---\n{body}\n"),
        )
        .unwrap();
    }
    let o = run(&["train", s(&one), "--out", s(&out), "--label", "topic", "-q"]);
    assert_fails(&o, &["classify: label field \"topic\" has a single class (\"politics\", 2 documents): need at least 2"]);
    assert!(!out.exists(), "no model is written on failure");
    let names: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "only the two corpus folders: {names:?}");
}

#[test]
fn corrupt_model_files_are_refused() {
    let (dir, model) = trained(&[]);
    let bytes = fs::read(&model).unwrap();
    let doc = fixture("unlabeled/school-exams.txt");
    let check = |name: &str, content: &[u8], problem: String| {
        let path = dir.path().join(name);
        fs::write(&path, content).unwrap();
        for args in [
            vec!["label", "--model", s(&path), s(&doc)],
            vec!["info", s(&path)],
        ] {
            let o = run(&args);
            assert_fails(&o, &[&format!("classify: {}: {problem}", path.display())]);
            assert!(o.stdout.is_empty(), "nothing labeled with a bad model");
        }
    };
    // xorshift noise with the top bit set: never ASCII, so never the magic.
    let mut x = 0x2545_f491_u32;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8 | 0x80
        })
        .collect();
    check(
        "random.model",
        &random,
        "not a classify model file (unrecognized header)".into(),
    );
    check(
        "truncated.model",
        &bytes[..500],
        format!(
            "truncated model file (expected {} bytes of model data, found 476)",
            bytes.len() - 24
        ),
    );
    check(
        "short.model",
        &bytes[..10],
        "truncated model file (10 bytes, too short for the header)".into(),
    );
    let mut newer = bytes.clone();
    newer[8] += 1;
    check(
        "newer.model",
        &newer,
        "model format version 4 is newer than this classify reads (up to 3); upgrade classify"
            .into(),
    );
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    check(
        "flipped.model",
        &flipped,
        "corrupt model file (checksum mismatch)".into(),
    );
    check("empty.model", b"", "empty file, not a model".into());
    let missing = dir.path().join("missing.model");
    assert_fails(
        &run(&["info", s(&missing)]),
        &[&format!(
            "classify: {}: no such file or directory",
            missing.display()
        )],
    );
}

#[test]
fn out_of_range_options_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.model");
    let corpus = fixture("corpus");
    let train = |extra: &[&str], message: &str| {
        let o = classify()
            .args(["train", s(&corpus), "--out", s(&out), "-q"])
            .args(extra)
            .output()
            .unwrap();
        assert_usage(&o, &[message]);
    };
    train(
        &["--cv", "1"],
        "classify: --cv 1 is out of range: need 2 to 20 folds",
    );
    train(
        &["--cv", "21"],
        "classify: --cv 21 is out of range: need 2 to 20 folds",
    );
    train(
        &["--c", "0"],
        "classify: --c 0 is out of range: need a number > 0",
    );
    train(
        &["--ngram-max", "9"],
        "classify: --ngram-max 9 is out of range: need 1 to 4",
    );
    train(
        &["--min-df", "0"],
        "classify: --min-df 0 is out of range: need at least 1",
    );
    assert!(
        fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "nothing written"
    );
    let o = run(&["eval", s(&corpus), "--cv", "1", "-q"]);
    assert_usage(
        &o,
        &["classify: --cv 1 is out of range: need 2 to 20 folds"],
    );
    let (_dir, model) = trained(&[]);
    let o = run(&[
        "label",
        "--model",
        s(&model),
        "--min-confidence",
        "1.5",
        s(&fixture("unlabeled")),
    ]);
    assert_usage(
        &o,
        &["classify: --min-confidence 1.5 is out of range: need a probability from 0 to 1"],
    );
    assert!(o.stdout.is_empty());
}
