//! Format compatibility: a model file written by an earlier classify keeps
//! opening and labels exactly as it did, and the shipped model labels the
//! sample documents exactly as the release before the refactoring did.
//! The expected outputs were written by those earlier binaries.

use super::*;

/// The inputs `tests/fixtures/model-v1.labels.jsonl` was made from: files
/// first, then `docs/eval-sample.jsonl` as JSON Lines.
fn label_fixture_inputs(model: Option<&Path>) -> String {
    let mut args = vec!["label", "--format", "jsonl", "--explain", "3"];
    let model_arg;
    if let Some(m) = model {
        model_arg = s(m).to_string();
        args.extend(["--model", &model_arg]);
    }
    let mut out = String::new();
    let files = ["tests/fixtures/unlabeled", "docs/sample-article.md"];
    let o = classify().args(&args).args(files).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    out.push_str(&stdout(&o));
    let o = classify()
        .args(&args)
        .args(["--jsonl", "docs/eval-sample.jsonl"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    out.push_str(&stdout(&o));
    out
}

/// The same labels, probabilities and explained features (with their
/// weights) as the earlier output, whose `term` was the stem that `feature`
/// holds now (`term` shows the document's words since).
fn assert_same_labels(got: &str, expected: &str) {
    let got: Vec<Value> = got
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected: Vec<Value> = expected
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        let doc = e.get("path").or(e.get("id")).unwrap();
        assert_eq!(g.get("path").or(g.get("id")), Some(doc));
        for head in ["topic", "stance"] {
            assert_eq!(g[head]["label"], e[head]["label"], "{doc} {head}");
            assert_eq!(
                g[head]["probability"], e[head]["probability"],
                "{doc} {head}"
            );
            let features = |v: &Value, key: &str| -> Vec<(String, f64)> {
                v[head]["explain"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|t| {
                                (
                                    t[key].as_str().unwrap().to_string(),
                                    t["weight"].as_f64().unwrap(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            assert_eq!(features(g, "feature"), features(e, "term"), "{doc} {head}");
        }
    }
}

#[test]
fn a_version_1_model_file_loads_and_labels_as_it_did() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model-v1.model");
    let expected = fs::read_to_string(fixture("model-v1.labels.jsonl")).unwrap();
    assert_same_labels(&label_fixture_inputs(Some(&model)), &expected);
    let o = run(&["info", s(&model), "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["domain"]["language"], Value::Null, "no language check");
    assert_eq!(json["cleaner"]["trailing_blocks"][0], "also read");
}

#[test]
fn the_shipped_model_labels_the_samples_as_before() {
    let expected = fs::read_to_string(fixture("shipped-eval-sample.labels.jsonl")).unwrap();
    let o = classify()
        .args([
            "label",
            "--jsonl",
            "--format",
            "jsonl",
            "--explain",
            "5",
            "docs/eval-sample.jsonl",
        ])
        .output()
        .unwrap();
    let mut got = stdout(&o);
    let o = classify()
        .args(["label", "--format", "jsonl", "--explain", "5"])
        .args([
            "tests/fixtures/unlabeled",
            "docs/sample-article.md",
            "tests/fixtures/corpus",
        ])
        .output()
        .unwrap();
    got.push_str(&stdout(&o));
    assert_same_labels(&got, &expected);
}
