//! Labeled corpora for training and evaluation, in three shapes:
//!
//! - a directory of article files (`.md`, `.markdown`, `.txt`, `.html`,
//!   `.htm`), walked as [`crate::source::walk_articles`] walks, whose labels
//!   come from front matter (`topic: immigration`) or, for one field, from
//!   the name of the first-level folder a file sits in (`DATA/politics/a.txt`);
//! - JSON Lines: one object per line with a text field and label fields;
//! - CSV with a header row: a text column and label columns.
//!
//! Texts are cleaned here, by the cleaner of the model being trained or
//! evaluated, so everything downstream sees the clean text that labeling
//! will see. Labels are strings, trimmed and NFC-normalized; a number where
//! a label is expected is an error that names the line.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::clean::{Cleaner, Format};
use crate::document::{self, io_message, DocumentError, Opening};
use crate::source::{self, normalize_label, InputProblem, LineReader, RecordError, WalkOptions};

/// A labeled document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Path (relative to the corpus directory), the `id` field, or the line
    /// number.
    pub id: String,
    /// Where it came from, for messages: a path, or `path:line`.
    pub place: String,
    /// Clean text.
    pub text: String,
    /// Label fields present on this document (lowercased names).
    pub labels: BTreeMap<String, String>,
    /// Fields that held a number or a boolean (as written), which may not
    /// serve as labels.
    pub non_strings: BTreeMap<String, String>,
}

/// A loaded corpus and the documents that could not be used.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The usable documents, in corpus order.
    pub records: Vec<Record>,
    /// `(where, why)` for each skipped document.
    pub skipped: Vec<(String, String)>,
    /// What walking a directory skipped or could not read.
    pub problems: Vec<InputProblem>,
}

/// Errors that stop a corpus from loading at all.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The corpus path cannot be read.
    #[error("{}: {}", path.display(), io_message(source))]
    Io {
        /// The corpus path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON Lines record is not JSON (or not an object).
    #[error("{}:{line}: {source}", path.display())]
    Record {
        /// The corpus file.
        path: PathBuf,
        /// The line (from 1).
        line: usize,
        /// What is wrong with it.
        #[source]
        source: RecordError,
    },
    /// The CSV is malformed.
    #[error("{}: CSV: {source}", path.display())]
    Csv {
        /// The corpus file.
        path: PathBuf,
        /// The csv crate's error.
        #[source]
        source: csv::Error,
    },
    /// The CSV header lacks the text column.
    #[error("{}: CSV header has no {field:?} column (columns: {columns})", path.display())]
    CsvNoText {
        /// The corpus file.
        path: PathBuf,
        /// The text field looked for.
        field: String,
        /// The columns found.
        columns: String,
    },
    /// A directory without article files.
    #[error("{}: no documents found (looked for .md, .markdown, .txt, .html, .htm files)", path.display())]
    EmptyDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// Every document was skipped.
    #[error("{}: no usable documents ({skipped} skipped)", path.display())]
    NoRecords {
        /// The corpus path.
        path: PathBuf,
        /// How many were skipped.
        skipped: usize,
    },
    /// Not a directory, `.jsonl`, `.ndjson` or `.csv`.
    #[error("{}: unknown corpus format: expected a directory, .jsonl, .ndjson or .csv", path.display())]
    UnknownFormat {
        /// The corpus path.
        path: PathBuf,
    },
}

/// A label field used for training or evaluation that holds a number or a
/// boolean on some document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{place}: label field {field:?} holds {value}; labels must be strings (write it in quotes)"
)]
pub struct LabelTypeError {
    /// Where the document is.
    pub place: String,
    /// The field.
    pub field: String,
    /// What it holds, e.g. `a number (1)`.
    pub value: String,
}

/// Checks that `field` holds a string wherever it is present.
pub fn check_label_field(records: &[Record], field: &str) -> Result<(), LabelTypeError> {
    match records
        .iter()
        .find_map(|r| r.non_strings.get(field).map(|v| (r, v)))
    {
        Some((r, value)) => Err(LabelTypeError {
            place: r.place.clone(),
            field: field.to_string(),
            value: value.clone(),
        }),
        None => Ok(()),
    }
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
    /// How to walk a directory corpus.
    pub walk: WalkOptions,
}

impl Default for CorpusOptions {
    fn default() -> Self {
        CorpusOptions {
            text_field: "text".into(),
            folder_label: Some("topic".into()),
            max_bytes: document::DEFAULT_MAX_BYTES,
            walk: WalkOptions::default(),
        }
    }
}

/// Front-matter fields that describe an article but never label it.
const NOT_LABELS: &[&str] = &["title", "notes"];

/// Loads a corpus from a directory, a `.jsonl`/`.ndjson` file or a `.csv`,
/// cleaning texts with `cleaner`.
pub fn load(
    path: &Path,
    options: &CorpusOptions,
    cleaner: &Cleaner,
) -> Result<Corpus, CorpusError> {
    let meta = std::fs::metadata(path).map_err(|source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let corpus = if meta.is_dir() {
        load_dir(path, options, cleaner)?
    } else {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("jsonl" | "ndjson") => load_jsonl(path, options, cleaner)?,
            Some("csv") => load_csv(path, options, cleaner)?,
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

fn load_dir(
    root: &Path,
    options: &CorpusOptions,
    cleaner: &Cleaner,
) -> Result<Corpus, CorpusError> {
    let walk = source::walk_articles(root, &options.walk);
    if walk.files.is_empty() && walk.problems.is_empty() {
        return Err(CorpusError::EmptyDirectory {
            path: root.to_path_buf(),
        });
    }
    let results: Vec<(String, Result<Record, DocumentError>)> = walk
        .files
        .par_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap_or(path);
            let id = rel.to_string_lossy().replace('\\', "/");
            let place = root.join(&id).display().to_string();
            let result = document::read_bytes(path, options.max_bytes, Opening::RegularOnly)
                .and_then(document::decode)
                .and_then(|raw| document::prepare(&raw, Format::from_path(path), cleaner))
                .map(|p| {
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
                            labels
                                .insert(field.clone(), folder.as_os_str().to_string_lossy().into());
                        }
                    }
                    Record {
                        id: id.clone(),
                        place: place.clone(),
                        text: p.text,
                        labels: clean_labels(labels),
                        non_strings: BTreeMap::new(),
                    }
                });
            (place, result)
        })
        .collect();
    let mut corpus = Corpus {
        problems: walk.problems,
        ..Default::default()
    };
    for (place, result) in results {
        match result {
            Ok(r) => corpus.records.push(r),
            Err(e) => corpus.skipped.push((place, e.to_string())),
        }
    }
    Ok(corpus)
}

/// Label values are trimmed and NFC-normalized; empty ones count as absent.
fn clean_labels(fields: BTreeMap<String, String>) -> BTreeMap<String, String> {
    fields
        .into_iter()
        .map(|(k, v)| (k, normalize_label(&v)))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Lines parsed per parallel batch.
const BATCH_LINES: usize = 4096;

fn load_jsonl(
    path: &Path,
    options: &CorpusOptions,
    cleaner: &Cleaner,
) -> Result<Corpus, CorpusError> {
    let io = |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut lines = LineReader::new(BufReader::with_capacity(1 << 20, file), options.max_bytes);
    let mut corpus = Corpus::default();
    loop {
        let mut batch = Vec::with_capacity(BATCH_LINES);
        while batch.len() < BATCH_LINES {
            match lines.next_line().map_err(io)? {
                Some(line) => batch.push(line),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        type Parsed = Result<Option<Result<Record, (String, String)>>, CorpusError>;
        let parsed: Vec<Parsed> = batch
            .into_par_iter()
            .map(|(n, line)| {
                let place = format!("{}:{n}", path.display());
                let line = match line {
                    Ok(line) => line,
                    Err(e @ RecordError::TooLarge { .. }) => {
                        return Ok(Some(Err((place, e.to_string()))))
                    }
                    Err(source) => {
                        return Err(CorpusError::Record {
                            path: path.to_path_buf(),
                            line: n,
                            source,
                        })
                    }
                };
                let record =
                    source::parse_record(&line, &options.text_field).map_err(|source| {
                        CorpusError::Record {
                            path: path.to_path_buf(),
                            line: n,
                            source,
                        }
                    })?;
                Ok(record.map(|r| {
                    let id = r.id.unwrap_or_else(|| format!("line {n}"));
                    r.text
                        .and_then(|t| document::prepare(&t, Format::Auto, cleaner))
                        .map(|p| Record {
                            id,
                            place: place.clone(),
                            text: p.text,
                            labels: r.labels,
                            non_strings: r.non_strings,
                        })
                        .map_err(|e| (place, e.to_string()))
                }))
            })
            .collect();
        for item in parsed {
            match item? {
                Some(Ok(r)) => corpus.records.push(r),
                Some(Err(skip)) => corpus.skipped.push(skip),
                None => {}
            }
        }
    }
    Ok(corpus)
}

fn load_csv(
    path: &Path,
    options: &CorpusOptions,
    cleaner: &Cleaner,
) -> Result<Corpus, CorpusError> {
    let csv_err = |source: csv::Error| CorpusError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(|source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
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
    let mut row = csv::StringRecord::new();
    while reader.read_record(&mut row).map_err(csv_err)? {
        let n = row.position().map_or(0, |p| p.line());
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
        if text.len() as u64 > options.max_bytes {
            let e = DocumentError::TooLarge {
                size: text.len() as u64,
                limit: options.max_bytes,
            };
            corpus.skipped.push((place, e.to_string()));
            continue;
        }
        match document::prepare(text, Format::Auto, cleaner) {
            Ok(p) => corpus.records.push(Record {
                id,
                place,
                text: p.text,
                labels: clean_labels(labels),
                non_strings: BTreeMap::new(),
            }),
            Err(e) => corpus.skipped.push((place, e.to_string())),
        }
    }
    Ok(corpus)
}

/// A labeled document given in memory (the Python package's records).
#[derive(Debug, Clone, Default)]
pub struct RawRecord {
    /// An identifier for reports.
    pub id: Option<String>,
    /// The raw text (markup is cleaned like a file's); `None` is skipped.
    pub text: Option<String>,
    /// Label fields.
    pub labels: BTreeMap<String, String>,
    /// Fields that held a number or a boolean, as written.
    pub non_strings: BTreeMap<String, String>,
}

/// A corpus from in-memory records, cleaned with `cleaner` in parallel;
/// records without usable text are skipped (and listed) as from a file.
pub fn from_records(records: Vec<RawRecord>, cleaner: &Cleaner) -> Corpus {
    let results: Vec<Result<Record, (String, String)>> = records
        .into_par_iter()
        .enumerate()
        .map(|(i, r)| {
            let place = format!("record {}", i + 1);
            let id = r.id.unwrap_or_else(|| place.clone());
            let text = r.text.ok_or_else(|| DocumentError::Field("no text".into()));
            text.and_then(|t| document::prepare(&t, Format::Auto, cleaner))
                .map(|p| Record {
                    id,
                    place: place.clone(),
                    text: p.text,
                    labels: clean_labels(r.labels),
                    non_strings: r.non_strings,
                })
                .map_err(|e| (place, e.to_string()))
        })
        .collect();
    let mut corpus = Corpus::default();
    for r in results {
        match r {
            Ok(r) => corpus.records.push(r),
            Err(skip) => corpus.skipped.push(skip),
        }
    }
    corpus
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, content: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn load(path: &Path, options: &CorpusOptions) -> Result<Corpus, CorpusError> {
        super::load(path, options, &Cleaner::default())
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
        let corpus = load(dir.path(), &CorpusOptions::default()).unwrap();
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
        assert_eq!(corpus.records[0].non_strings["n"], "a number (3)");
        assert!(corpus.records[0].place.ends_with("d.jsonl:1"));
        assert_eq!(
            check_label_field(&corpus.records, "n")
                .unwrap_err()
                .to_string(),
            format!(
                "{}:1: label field \"n\" holds a number (3); labels must be strings (write it in quotes)",
                path.display()
            )
        );
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
            "id,Text,topic\n7,\"Rates rise,\nmarkets fall\",other\n8,Schools open,education\n",
        )
        .unwrap();
        let corpus = load(&path, &CorpusOptions::default()).unwrap();
        assert_eq!(corpus.records[0].id, "7");
        assert_eq!(corpus.records[0].text, "Rates rise,\nmarkets fall");
        assert_eq!(corpus.records[0].labels["topic"], "other");
        // Line numbers count the quoted newline of the row before.
        assert!(
            corpus.records[1].place.ends_with("d.csv:4"),
            "{}",
            corpus.records[1].place
        );
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

    #[test]
    fn in_memory_records_are_cleaned_and_checked() {
        let mut labels = BTreeMap::new();
        labels.insert("topic".to_string(), " politics ".to_string());
        let corpus = from_records(
            vec![
                RawRecord {
                    text: Some("<p>The senate</p><p>voted.</p>".into()),
                    labels,
                    ..Default::default()
                },
                RawRecord::default(),
            ],
            &Cleaner::default(),
        );
        assert_eq!(corpus.records[0].text, "The senate\n\nvoted.");
        assert_eq!(corpus.records[0].labels["topic"], "politics");
        assert_eq!(
            corpus.skipped,
            [("record 2".to_string(), "no text".to_string())]
        );
    }
}
