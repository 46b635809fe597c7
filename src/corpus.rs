//! Labeled corpora for training and evaluation, in three shapes:
//!
//! - a directory of article files (`.md`, `.markdown`, `.txt`, `.html`,
//!   `.htm`), read recursively in sorted order, whose labels come from front
//!   matter (`topic: immigration`) or, for one field, from the name of the
//!   first-level folder a file sits in (`DATA/politics/a.txt`);
//! - JSON Lines: one object per line with a text field and label fields;
//! - CSV with a header row: a text column and label columns.
//!
//! Texts are cleaned here (markup, boilerplate), so everything downstream
//! sees the same clean text that labeling will see.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::clean::Format;
use crate::document::{self, DocumentError};

/// A labeled document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Path (relative to the corpus directory), the `id` field, or the line
    /// number.
    pub id: String,
    /// Clean text.
    pub text: String,
    /// Label fields present on this document (lowercased names).
    pub labels: BTreeMap<String, String>,
}

/// A loaded corpus and the documents that could not be used.
#[derive(Debug, Default)]
pub struct Corpus {
    pub records: Vec<Record>,
    /// `(where, why)` for each skipped document.
    pub skipped: Vec<(String, String)>,
}

/// Errors that stop a corpus from loading at all.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path}:{line}: invalid JSON: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}:{line}: expected a JSON object")]
    NotObject { path: PathBuf, line: usize },
    #[error("{path}: CSV: {message}")]
    Csv { path: PathBuf, message: String },
    #[error("{path}: CSV header has no {field:?} column (columns: {columns})")]
    CsvNoText {
        path: PathBuf,
        field: String,
        columns: String,
    },
    #[error("{path}: no documents found (looked for .md, .markdown, .txt, .html, .htm files)")]
    EmptyDirectory { path: PathBuf },
    #[error("{path}: no usable documents ({skipped} skipped)")]
    NoRecords { path: PathBuf, skipped: usize },
    #[error("{path}: unknown corpus format: expected a directory, .jsonl, .ndjson or .csv")]
    UnknownFormat { path: PathBuf },
}

/// How to read a corpus.
#[derive(Debug, Clone)]
pub struct CorpusOptions {
    /// Name of the text field in JSONL and CSV.
    pub text_field: String,
    /// Label field that a directory corpus fills from folder names when a
    /// file's front matter does not set it.
    pub folder_label: Option<String>,
    /// Per-document size limit.
    pub max_bytes: u64,
}

impl Default for CorpusOptions {
    fn default() -> Self {
        CorpusOptions {
            text_field: "text".into(),
            folder_label: None,
            max_bytes: document::DEFAULT_MAX_BYTES,
        }
    }
}

/// Front-matter fields that describe an article but never label it.
const NOT_LABELS: &[&str] = &["title", "notes"];

const ARTICLE_EXTENSIONS: &[&str] = &["md", "markdown", "txt", "html", "htm"];

fn io_error(path: &Path, e: impl std::fmt::Display) -> CorpusError {
    CorpusError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Loads a corpus from a directory, a `.jsonl`/`.ndjson` file or a `.csv`.
pub fn load(path: &Path, options: &CorpusOptions) -> Result<Corpus, CorpusError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, lower_io(e)))?;
    let corpus = if meta.is_dir() {
        load_dir(path, options)?
    } else {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("jsonl" | "ndjson") => load_jsonl(path, options)?,
            Some("csv") => load_csv(path, options)?,
            _ => {
                return Err(CorpusError::UnknownFormat {
                    path: path.to_path_buf(),
                })
            }
        }
    };
    if corpus.records.is_empty() {
        return Err(CorpusError::NoRecords {
            path: path.to_path_buf(),
            skipped: corpus.skipped.len(),
        });
    }
    Ok(corpus)
}

fn lower_io(e: std::io::Error) -> String {
    let msg = e.to_string();
    let msg = msg
        .find(" (os error")
        .map_or(msg.clone(), |i| msg[..i].to_string());
    msg.to_lowercase()
}

/// Article files below `root`, sorted by path; README files are the data
/// card, not articles.
pub fn article_files(root: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| io_error(&dir, lower_io(e)))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&dir, lower_io(e)))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            let is_article = ext
                .as_deref()
                .is_some_and(|e| ARTICLE_EXTENSIONS.contains(&e));
            if is_article && !name.to_ascii_lowercase().starts_with("readme") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn load_dir(root: &Path, options: &CorpusOptions) -> Result<Corpus, CorpusError> {
    let files = article_files(root)?;
    if files.is_empty() {
        return Err(CorpusError::EmptyDirectory {
            path: root.to_path_buf(),
        });
    }
    let results: Vec<(String, Result<Record, DocumentError>)> = files
        .par_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap_or(path);
            let id = rel.to_string_lossy().replace('\\', "/");
            let result = document::load(path, options.max_bytes).map(|p| {
                let mut labels = p.fields;
                // Front matter also carries prose, not labels.
                for prose in NOT_LABELS {
                    labels.remove(*prose);
                }
                if let Some(field) = &options.folder_label {
                    let folder = rel
                        .components()
                        .next()
                        .filter(|_| rel.components().count() > 1);
                    if let (false, Some(folder)) = (labels.contains_key(field), folder) {
                        labels.insert(field.clone(), folder.as_os_str().to_string_lossy().into());
                    }
                }
                Record {
                    id: id.clone(),
                    text: p.text,
                    labels: clean_labels(labels),
                }
            });
            (root.join(&id).display().to_string(), result)
        })
        .collect();
    let mut corpus = Corpus::default();
    for (place, result) in results {
        match result {
            Ok(r) => corpus.records.push(r),
            Err(e) => corpus.skipped.push((place, e.to_string())),
        }
    }
    Ok(corpus)
}

/// Label values are trimmed; empty ones count as absent.
fn clean_labels(fields: BTreeMap<String, String>) -> BTreeMap<String, String> {
    fields
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn json_value_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// One JSON Lines record's parts.
#[derive(Debug)]
pub struct JsonRecord {
    /// The `id` field, if any.
    pub id: Option<String>,
    /// The text field, checked to be non-blank.
    pub text: Result<String, DocumentError>,
    /// Every other string, number or boolean field.
    pub labels: BTreeMap<String, String>,
}

/// One JSON Lines record: `Ok(None)` for a blank line.
pub fn parse_json_record(line: &str, text_field: &str) -> Result<Option<JsonRecord>, String> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(map) = value else {
        return Err("expected a JSON object".into());
    };
    let id = map.get("id").and_then(json_value_string);
    let text = match map.get(text_field) {
        Some(serde_json::Value::String(s)) => document::check_text(s).map(|_| s.clone()),
        Some(_) => Err(DocumentError::Io(format!(
            "field {text_field:?} is not a string"
        ))),
        None => Err(DocumentError::Io(format!("no {text_field:?} field"))),
    };
    let labels = map
        .iter()
        .filter(|(k, _)| k.as_str() != text_field && k.as_str() != "id")
        .filter_map(|(k, v)| json_value_string(v).map(|s| (k.to_lowercase(), s)))
        .collect();
    Ok(Some(JsonRecord {
        id,
        text,
        labels: clean_labels(labels),
    }))
}

fn load_jsonl(path: &Path, options: &CorpusOptions) -> Result<Corpus, CorpusError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, lower_io(e)))?;
    let mut lines = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| CorpusError::Io {
            path: path.to_path_buf(),
            message: format!("line {}: {}", i + 1, lower_io(e)),
        })?;
        lines.push(line);
    }
    // Per line: nothing (blank), or where it is and the record or why not.
    type Parsed = Option<(String, Result<Record, String>)>;
    let parsed: Vec<Result<Parsed, CorpusError>> = lines
        .into_par_iter()
        .enumerate()
        .map(|(i, line)| {
            let n = i + 1;
            let rec = parse_json_record(&line, &options.text_field).map_err(|message| {
                if message == "expected a JSON object" {
                    CorpusError::NotObject {
                        path: path.to_path_buf(),
                        line: n,
                    }
                } else {
                    CorpusError::Json {
                        path: path.to_path_buf(),
                        line: n,
                        message,
                    }
                }
            })?;
            Ok(rec.map(|JsonRecord { id, text, labels }| {
                let place = format!("{}:{n}", path.display());
                let id = id.unwrap_or_else(|| format!("line {n}"));
                let record = text
                    .and_then(|t| document::prepare(&t, Format::Auto))
                    .map(|p| Record {
                        id,
                        text: p.text,
                        labels,
                    })
                    .map_err(|e| e.to_string());
                (place, record)
            }))
        })
        .collect();
    let mut corpus = Corpus::default();
    for item in parsed {
        if let Some((place, record)) = item? {
            match record {
                Ok(r) => corpus.records.push(r),
                Err(e) => corpus.skipped.push((place, e)),
            }
        }
    }
    Ok(corpus)
}

fn load_csv(path: &Path, options: &CorpusOptions) -> Result<Corpus, CorpusError> {
    let csv_err = |e: csv::Error| CorpusError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(csv_err)?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let text_col = headers
        .iter()
        .position(|h| *h == options.text_field.to_lowercase())
        .ok_or_else(|| CorpusError::CsvNoText {
            path: path.to_path_buf(),
            field: options.text_field.clone(),
            columns: headers.join(", "),
        })?;
    let id_col = headers.iter().position(|h| h == "id");
    let mut corpus = Corpus::default();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(csv_err)?;
        let n = i + 2; // the header is line 1
        let id = id_col
            .and_then(|c| row.get(c))
            .map_or_else(|| format!("row {n}"), str::to_string);
        let labels: BTreeMap<String, String> = headers
            .iter()
            .enumerate()
            .filter(|(c, _)| *c != text_col && Some(*c) != id_col)
            .filter_map(|(c, h)| row.get(c).map(|v| (h.clone(), v.to_string())))
            .collect();
        let text = row.get(text_col).unwrap_or("");
        let place = format!("{}:{n}", path.display());
        match document::check_text(text).and_then(|_| document::prepare(text, Format::Auto)) {
            Ok(p) => corpus.records.push(Record {
                id,
                text: p.text,
                labels: clean_labels(labels),
            }),
            Err(e) => corpus.skipped.push((place, e.to_string())),
        }
    }
    Ok(corpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, content: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    #[test]
    fn directory_with_front_matter_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "politics/b.md",
            "---\ntitle: Vote\nstance: neutral\n---\nThe Senate voted.",
        );
        write(dir.path(), "education/a.txt", "Schools open in Zürich.");
        write(dir.path(), "README.md", "# Data card");
        write(dir.path(), "other/empty.txt", "");
        write(dir.path(), "other/img.png", "\u{0}");
        let options = CorpusOptions {
            folder_label: Some("topic".into()),
            ..Default::default()
        };
        let corpus = load(dir.path(), &options).unwrap();
        let ids: Vec<&str> = corpus.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["education/a.txt", "politics/b.md"]);
        assert_eq!(corpus.records[0].labels["topic"], "education");
        assert_eq!(corpus.records[1].labels["topic"], "politics");
        assert_eq!(corpus.records[1].labels["stance"], "neutral");
        assert_eq!(corpus.records[1].text, "Vote\n\nThe Senate voted.");
        assert_eq!(corpus.skipped.len(), 1);
        assert!(corpus.skipped[0].0.ends_with("other/empty.txt"));
        assert_eq!(corpus.skipped[0].1, "empty file");
    }

    #[test]
    fn jsonl_records_labels_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"text\":\"Voters went to the polls\",\"label\":\"politics\",\"n\":3}\n\n\
             {\"text\":\"  \",\"label\":\"x\"}\n{\"body\":\"Écoles\",\"label\":\"education\"}\n",
        )
        .unwrap();
        let corpus = load(&path, &CorpusOptions::default()).unwrap();
        assert_eq!(corpus.records.len(), 1);
        assert_eq!(corpus.records[0].labels["label"], "politics");
        assert_eq!(corpus.records[0].labels["n"], "3");
        assert_eq!(
            corpus.skipped[0].1,
            "no text: the document is whitespace only"
        );
        assert_eq!(corpus.skipped[1].1, "no \"text\" field");
        let options = CorpusOptions {
            text_field: "body".into(),
            ..Default::default()
        };
        let corpus = load(&path, &options).unwrap();
        assert_eq!(corpus.records[0].id, "line 4");

        std::fs::write(&path, "{\"text\":\"ok\"}\n{broken\n").unwrap();
        let err = load(&path, &CorpusOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("d.jsonl:2: invalid JSON: key must be a string at line 1 column 2"),
            "{err}"
        );
    }

    #[test]
    fn csv_with_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(
            &path,
            "id,Text,topic\n7,\"Rates rise, markets fall\",other\n",
        )
        .unwrap();
        let corpus = load(&path, &CorpusOptions::default()).unwrap();
        assert_eq!(corpus.records[0].id, "7");
        assert_eq!(corpus.records[0].text, "Rates rise, markets fall");
        assert_eq!(corpus.records[0].labels["topic"], "other");
        let options = CorpusOptions {
            text_field: "body".into(),
            ..Default::default()
        };
        let err = load(&path, &options).unwrap_err().to_string();
        assert!(
            err.ends_with("d.csv: CSV header has no \"body\" column (columns: id, text, topic)"),
            "{err}"
        );
    }

    #[test]
    fn unknown_and_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.parquet");
        std::fs::write(&path, "x").unwrap();
        let err = load(&path, &CorpusOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("unknown corpus format: expected a directory, .jsonl, .ndjson or .csv")
        );
        let err = load(&dir.path().join("nope"), &CorpusOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("nope: no such file or directory"), "{err}");
    }
}
