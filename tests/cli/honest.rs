//! Honest labels: documents the model cannot read come out `unknown` with a
//! reason; evaluation shows how accuracy and coverage trade; calibration on
//! a user's sample stores thresholds `--min-confidence auto` uses;
//! explanations show words and sentences. The foreign-language texts under
//! `tests/fixtures/offdomain/` were written for these tests.

use super::*;

fn offdomain(name: &str) -> PathBuf {
    fixture("offdomain").join(name)
}

/// `classify label --format json` with the shipped model: one object per
/// document.
fn shipped_json(args: &[&str], stdin: Option<&str>) -> Vec<Value> {
    let mut cmd = classify();
    cmd.args(["label", "--format", "json"]).args(args);
    if let Some(text) = stdin {
        cmd.write_stdin(text.to_string());
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "unknown is not an error");
    serde_json::from_str::<Value>(&stdout(&o))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn reason(doc: &Value) -> Option<&str> {
    doc["reason"].as_str()
}

#[test]
fn other_languages_gibberish_and_emoji_are_unknown_with_a_reason() {
    let cases = [
        ("fr.txt", "language: fr"),
        ("de.txt", "language: de"),
        ("es.txt", "language: es"),
        ("ru.txt", "language: ru"),
        ("zh.txt", "language: zh"),
        ("ar.txt", "language: ar"),
        ("ja.txt", "language: ja"),
        ("emoji.txt", "0 known terms"),
        ("gibberish.txt", "0 known terms"),
    ];
    let paths: Vec<PathBuf> = cases.iter().map(|(f, _)| offdomain(f)).collect();
    let args: Vec<&str> = paths.iter().map(|p| s(p)).collect();
    let docs = shipped_json(&args, None);
    for (doc, (file, expected)) in docs.iter().zip(cases) {
        assert_eq!(reason(doc), Some(expected), "{file}: {doc}");
        for head in ["topic", "stance"] {
            assert_eq!(doc[head]["label"], "unknown", "{file}");
            assert_eq!(doc[head]["probability"], Value::Null, "{file}");
        }
    }
    // The example of the issue: two made-up words, asked for confidence.
    let o = classify()
        .args(["label", "--min-confidence", "0.6", "-"])
        .write_stdin("xyzzy qwfp")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "TOPIC         P      STANCE       P      DOCUMENT\n\
         unknown?      -      unknown?     -      -\n    unknown: 0 known terms\n"
    );
    // A megabyte of one letter is one word nobody knows.
    let run = "a".repeat(1 << 20);
    let docs = shipped_json(&["-"], Some(&run));
    assert_eq!(reason(&docs[0]), Some("0 known terms"));
}

#[test]
fn short_briefs_english_pages_and_mostly_english_pages_are_labeled() {
    let docs = shipped_json(&["-"], Some("Breaking: vote today."));
    assert_eq!(reason(&docs[0]), None);
    assert_eq!(docs[0]["topic"]["label"], "politics");
    let paths = [
        PathBuf::from("docs/sample-article.md"),
        fixture("unlabeled/senate-vote.html"),
        fixture("unlabeled/harbour-asylum.md"),
        offdomain("mixed.md"),
    ];
    let args: Vec<&str> = paths.iter().map(|p| s(p)).collect();
    for doc in shipped_json(&args, None) {
        assert_eq!(reason(&doc), None, "{doc}");
        assert!(doc["topic"]["probability"].is_number(), "{doc}");
    }
}

#[test]
fn unknown_in_csv_and_jsonl_and_with_a_batch() {
    let o = run(&[
        "label",
        "--format",
        "csv",
        s(&offdomain("zh.txt")),
        "docs/sample-article.md",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "document,topic,topic_probability,stance,stance_probability,reason"
    );
    assert_eq!(
        lines[1],
        format!(
            "{},unknown,,unknown,,language: zh",
            offdomain("zh.txt").display()
        )
    );
    assert!(lines[2].starts_with("docs/sample-article.md,immigration,1.000,critical,"));
    assert!(lines[2].ends_with(','), "empty reason: {}", lines[2]);
    let feed = "{\"id\":\"a\",\"text\":\"Le gouvernement a présenté mardi un projet de loi sur l'école publique et les enseignants.\"}\n\
                {\"id\":\"b\",\"text\":\"Teachers at the school prepared pupils for their final exams.\"}\n";
    let o = classify()
        .args(["label", "--jsonl", "--format", "jsonl", "-"])
        .write_stdin(feed)
        .output()
        .unwrap();
    assert!(o.status.success());
    let rows: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["reason"], "language: fr");
    assert_eq!(rows[1]["topic"]["label"], "education");
    assert!(rows[1].get("reason").is_none());
}

#[test]
fn an_old_model_is_noted_once_and_gets_no_language_check() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model-v1.model");
    let o = run(&[
        "label",
        "--model",
        s(&model),
        s(&offdomain("de.txt")),
        s(&offdomain("gibberish.txt")),
        "docs/sample-article.md",
    ]);
    assert!(o.status.success());
    assert_eq!(
        stderr(&o),
        format!(
            "classify: note: {} has no language of its own (format version 1): documents are not checked for language, only for known terms\n",
            model.display()
        )
    );
    let out = stdout(&o);
    assert_eq!(out.matches("unknown: ").count(), 2, "{out}");
    assert!(!out.contains("language: "), "{out}");
}

#[test]
fn explain_shows_words_and_evidence_shows_sentences_in_every_format() {
    let args = [
        "--explain",
        "4",
        "--evidence",
        "2",
        "docs/sample-article.md",
    ];
    let o = classify().arg("label").args(args).output().unwrap();
    let table = stdout(&o);
    assert!(
        table.contains("    topic immigration: immigrants ("),
        "{table}"
    );
    assert!(table.contains("headline: immigrants ("), "{table}");
    assert!(
        table.contains("    stance critical evidence:\n      ("),
        "{table}"
    );
    assert!(!table.contains("immigr ("), "no stems: {table}");
    let o = classify()
        .arg("label")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let topic = &json[0]["topic"];
    assert_eq!(topic["explain"][0]["term"], "immigrants");
    assert_eq!(topic["explain"][0]["feature"], "immigr");
    let evidence = topic["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 2);
    assert!(evidence[0]["sentence"].as_str().unwrap().starts_with(
        "Immigrants held at the Harlan County jail under a contract with U.S. Immigration"
    ));
    assert!(evidence[0]["weight"].as_f64().unwrap() >= evidence[1]["weight"].as_f64().unwrap());
    let o = classify()
        .arg("label")
        .args(["--format", "csv"])
        .args(args)
        .output()
        .unwrap();
    let csv = stdout(&o);
    assert!(csv.starts_with("document,topic,topic_probability,topic_terms,topic_evidence,stance,stance_probability,stance_terms,stance_evidence,reason\n"));
    assert!(csv.contains("immigrants;headline: immigrants;"), "{csv}");
    assert!(csv.contains(" | "), "sentences joined: {csv}");
}

#[test]
fn eval_prints_the_risk_coverage_table_and_the_target_threshold() {
    let text = eval_ok(&["docs/eval-sample.jsonl", "--target-accuracy", "0.99"]);
    assert!(text.contains("  risk-coverage (only predictions with probability >= threshold are labeled)\n  threshold  labeled  coverage  accuracy  macro-F1\n  0.00            24     1.000     1.000     1.000\n"), "{text}");
    assert!(
        text.contains("  accuracy 0.990 is reached from threshold "),
        "{text}"
    );
    let json: Value =
        serde_json::from_str(&eval_ok(&["docs/eval-sample.jsonl", "--format", "json"])).unwrap();
    let stance = &json["heads"][1];
    let rows = stance["risk_coverage"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    assert_eq!(rows[0]["labeled"], 24);
    let coverage: Vec<f64> = rows
        .iter()
        .map(|r| r["coverage"].as_f64().unwrap())
        .collect();
    assert!(
        coverage.windows(2).all(|w| w[0] >= w[1]),
        "coverage falls: {coverage:?}"
    );
    assert_eq!(stance["unknown"], 0);
    let md = eval_ok(&["docs/eval-sample.jsonl", "--format", "markdown"]);
    assert!(md.contains("| threshold | labeled | coverage | accuracy | macro-F1 |\n|---:|---:|---:|---:|---:|\n| 0.00 | 24 | 1.000 |"), "{md}");
    let o = run(&["eval", "docs/eval-sample.jsonl", "--target-accuracy", "1.5"]);
    assert_usage(
        &o,
        &["classify: --target-accuracy 1.5 is out of range: need an accuracy in (0, 1]"],
    );
}

#[test]
fn unreadable_documents_count_as_misses_in_eval() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    let zh = fs::read_to_string(offdomain("zh.txt")).unwrap();
    let mut lines = fs::read_to_string("docs/eval-sample.jsonl").unwrap();
    lines.push_str(&serde_json::json!({"id": "zh", "text": zh, "topic": "education"}).to_string());
    lines.push('\n');
    fs::write(&data, lines).unwrap();
    let json: Value = serde_json::from_str(&eval_ok(&[
        s(&data),
        "--format",
        "json",
        "--label",
        "topic",
    ]))
    .unwrap();
    let topic = &json["heads"][0];
    assert_eq!(topic["unknown"], 1);
    assert_eq!(topic["documents"], 25);
    assert_eq!(topic["risk_coverage"][0]["labeled"], 24, "never labeled");
    let classes: Vec<&str> = topic["per_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["class"].as_str().unwrap())
        .collect();
    assert_eq!(
        classes,
        ["education", "immigration", "other", "politics", "unknown"]
    );
}

#[test]
fn calibrate_stores_thresholds_that_auto_uses() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cal.model");
    let o = run(&[
        "calibrate",
        "docs/eval-sample.jsonl",
        "--out",
        s(&out),
        "--target-accuracy",
        "0.99",
        "--label",
        "stance",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = stdout(&o);
    assert!(
        summary.starts_with(&format!(
            "calibrated built-in (models/default.model) on docs/eval-sample.jsonl -> {}\n  stance     24 documents (24 readable), temperature ",
            out.display()
        )),
        "{summary}"
    );
    let threshold: f64 = summary
        .split("threshold ")
        .nth(1)
        .and_then(|r| r[..4].parse().ok())
        .unwrap_or_else(|| panic!("{summary}"));
    let info: Value =
        serde_json::from_str(&stdout(&run(&["info", s(&out), "--format", "json"]))).unwrap();
    let cal = &info["heads"][1]["calibration"];
    assert_eq!(cal["documents"], 24);
    assert!((cal["threshold"].as_f64().unwrap() - threshold).abs() < 1e-6);
    assert_eq!(
        info["heads"][0]["calibration"],
        Value::Null,
        "topic untouched"
    );
    // auto marks the stance below the stored threshold, and no topic.
    let o = run(&[
        "label",
        "--model",
        s(&out),
        "--jsonl",
        "--format",
        "jsonl",
        "--min-confidence",
        "auto",
        "docs/eval-sample.jsonl",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 24);
    for row in &rows {
        let p = row["stance"]["probability"].as_f64().unwrap();
        assert_eq!(
            row["stance"]["uncertain"],
            Value::Bool(p < threshold - 1e-9),
            "{row}"
        );
        assert_eq!(row["topic"]["uncertain"], false);
    }
    // The shipped model has no thresholds; a tiny sample is refused.
    let o = run(&[
        "label",
        "--min-confidence",
        "auto",
        "docs/sample-article.md",
    ]);
    assert_fails(&o, &["classify: --min-confidence auto: built-in (models/default.model) has no recommended thresholds; make them with classify calibrate"]);
    let o = run(&[
        "calibrate",
        s(&fixture("sample.jsonl")),
        "--out",
        s(&dir.path().join("x.model")),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("documents with the label are too few to calibrate (need 20)"),
        "{err}"
    );
    assert!(!dir.path().join("x.model").exists());
}
