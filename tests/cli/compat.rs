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

#[test]
fn a_version_1_model_file_loads_and_labels_as_it_did() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model-v1.model");
    let expected = fs::read_to_string(fixture("model-v1.labels.jsonl")).unwrap();
    assert_eq!(label_fixture_inputs(Some(&model)), expected);
    let o = run(&["info", s(&model), "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["format_version"], 1);
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
    assert_eq!(got, expected);
}
