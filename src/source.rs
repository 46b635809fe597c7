//! Where documents come from: paths given on the command line, directories
//! walked for article files, stdin, and JSON Lines streams read record by
//! record with their line numbers.
//!
//! Directories are walked with `walkdir` (as careful as ripgrep's walker
//! about the file system's sharp edges): symbolic links are not followed
//! unless asked, and then loops are detected; only regular files are read,
//! so a FIFO never blocks a run; an unreadable folder is reported and its
//! siblings are still read. Every such event is an [`InputProblem`] the
//! caller prints, and the walk goes on. JSON Lines are read with a bounded
//! buffer: a line over the size limit is skipped without being held in
//! memory.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use crate::document::{self, io_message, DocumentError, Opening};

/// File extensions read as articles when walking a directory.
pub const ARTICLE_EXTENSIONS: &[&str] = &["md", "markdown", "txt", "html", "htm"];

/// Where one document comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file (or a FIFO the user named).
    File(PathBuf),
}

impl Source {
    /// The name output shows: the path, or `-` for stdin.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "-".into(),
            Source::File(p) => p.display().to_string(),
        }
    }

    /// Where messages say a problem is: the path, or `stdin`.
    pub fn place(&self) -> String {
        match self {
            Source::Stdin => "stdin".into(),
            Source::File(p) => p.display().to_string(),
        }
    }

    /// Reads and decodes the document, at most `max_bytes`.
    pub fn read(&self, max_bytes: u64) -> Result<String, DocumentError> {
        let bytes = match self {
            Source::Stdin => document::read_limited(std::io::stdin().lock(), max_bytes, None)?,
            Source::File(p) => document::read_bytes(p, max_bytes, Opening::Named)?,
        };
        document::decode(bytes)
    }
}

/// How to walk directories.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Follow symbolic links (loops are detected and reported).
    pub follow_links: bool,
}

/// How much an input problem matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Something was skipped on purpose (a symbolic link, a FIFO); the run
    /// is still a success.
    Warning,
    /// Something could not be read (a folder without permission); the run
    /// goes on but fails at the end.
    Error,
}

/// Something found while expanding inputs that is not a document to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// The entry concerned.
    pub path: PathBuf,
    /// Whether it fails the run.
    pub severity: Severity,
    /// What is wrong, as one lower-case phrase.
    pub message: String,
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Article files below a directory, sorted, and what was skipped.
#[derive(Clone, Debug, Default)]
pub struct Walk {
    /// Article files, sorted by path.
    pub files: Vec<PathBuf>,
    /// Entries skipped or unreadable.
    pub problems: Vec<InputProblem>,
}

fn is_article(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    // README files are the data card, not articles.
    ext.is_some_and(|e| ARTICLE_EXTENSIONS.contains(&e.as_str())) && !name.starts_with("readme")
}

/// Article files (`.md`, `.markdown`, `.txt`, `.html`, `.htm`) below
/// `root`, in sorted order. Hidden entries (`.name`) are skipped; so are
/// README files. Symbolic links are followed only with
/// [`WalkOptions::follow_links`]; anything that is not a regular file or a
/// directory is reported and skipped.
pub fn walk_articles(root: &Path, options: &WalkOptions) -> Walk {
    let mut walk = Walk::default();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(options.follow_links)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let problem = if let Some(ancestor) = e.loop_ancestor() {
                    InputProblem {
                        path,
                        severity: Severity::Warning,
                        message: format!(
                            "symbolic link loop (back to {}), not followed",
                            ancestor.display()
                        ),
                    }
                } else {
                    let message = e
                        .io_error()
                        .map(io_message)
                        .unwrap_or_else(|| e.to_string().to_lowercase());
                    InputProblem {
                        path,
                        severity: Severity::Error,
                        message: format!("cannot read: {message}"),
                    }
                };
                walk.problems.push(problem);
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let path = entry.path();
        if ft.is_symlink() {
            // Only reached when links are not followed.
            walk.problems.push(InputProblem {
                path: path.to_path_buf(),
                severity: Severity::Warning,
                message: "symbolic link not followed (pass --follow to read links)".into(),
            });
            continue;
        }
        if !is_article(path) {
            continue;
        }
        if !ft.is_file() {
            walk.problems.push(InputProblem {
                path: path.to_path_buf(),
                severity: Severity::Warning,
                message: format!("not a regular file ({}), skipped", document::file_kind(ft)),
            });
            continue;
        }
        walk.files.push(path.to_path_buf());
    }
    walk.files.sort();
    walk
}

/// The documents named by `paths`: `-` is stdin, a directory stands for
/// its article files, anything else is a file read as given (so a FIFO
/// named on the command line is read). No paths means stdin.
pub fn expand(paths: &[PathBuf], options: &WalkOptions) -> (Vec<Source>, Vec<InputProblem>) {
    if paths.is_empty() {
        return (vec![Source::Stdin], Vec::new());
    }
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            sources.push(Source::Stdin);
        } else if p.is_dir() {
            let walk = walk_articles(p, options);
            if walk.files.is_empty() && walk.problems.is_empty() {
                problems.push(InputProblem {
                    path: p.clone(),
                    severity: Severity::Error,
                    message: format!(
                        "no article files found (looked for {})",
                        ARTICLE_EXTENSIONS
                            .iter()
                            .map(|e| format!(".{e}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            sources.extend(walk.files.into_iter().map(Source::File));
            problems.extend(walk.problems);
        } else {
            sources.push(Source::File(p.clone()));
        }
    }
    (sources, problems)
}

/// Why one JSON Lines record cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The line is longer than the size limit (it was skipped unread).
    #[error("record is {size} bytes, over the limit of {limit} bytes (raise it with --max-bytes)")]
    TooLarge {
        /// The line's length.
        size: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The line is not UTF-8.
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// Length of the valid prefix.
        offset: usize,
    },
    /// The line is not JSON.
    #[error("invalid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The line is JSON but not an object.
    #[error("expected a JSON object")]
    NotObject,
}

/// One JSON Lines record's parts.
#[derive(Debug)]
pub struct JsonRecord {
    /// The `id` field (a string, or a number written out), if any.
    pub id: Option<String>,
    /// The text field, checked to be non-blank.
    pub text: Result<String, DocumentError>,
    /// Every other string field: name lowercased, value trimmed and
    /// NFC-normalized (so "école" typed two ways is one class); empty
    /// values count as absent.
    pub labels: BTreeMap<String, String>,
    /// Fields holding a number or a boolean, as written: a label must be a
    /// string, so using one of these as a label is an error.
    pub non_strings: BTreeMap<String, String>,
}

/// A label value as classes are compared: trimmed, Unicode NFC.
pub fn normalize_label(value: &str) -> String {
    value.trim().nfc().collect()
}

/// Parses one JSON Lines record: `Ok(None)` for a blank line.
pub fn parse_record(line: &[u8], text_field: &str) -> Result<Option<JsonRecord>, RecordError> {
    let line = std::str::from_utf8(line).map_err(|e| RecordError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    if line.trim().is_empty() {
        return Ok(None);
    }
    let value: serde_json::Value = serde_json::from_str(line).map_err(RecordError::Json)?;
    let serde_json::Value::Object(map) = value else {
        return Err(RecordError::NotObject);
    };
    let mut record = JsonRecord {
        id: None,
        text: Err(DocumentError::Field(format!("no {text_field:?} field"))),
        labels: BTreeMap::new(),
        non_strings: BTreeMap::new(),
    };
    for (key, value) in map {
        if key == text_field {
            record.text = match value {
                serde_json::Value::String(s) => document::check_text(&s).map(|_| s),
                serde_json::Value::Null => Err(DocumentError::Field(format!(
                    "field {text_field:?} is null"
                ))),
                _ => Err(DocumentError::Field(format!(
                    "field {text_field:?} is not a string"
                ))),
            };
            continue;
        }
        let name = key.to_lowercase();
        match value {
            serde_json::Value::String(s) if key == "id" => record.id = Some(s),
            serde_json::Value::Number(n) if key == "id" => record.id = Some(n.to_string()),
            serde_json::Value::String(s) => {
                let s = normalize_label(&s);
                if !s.is_empty() {
                    record.labels.insert(name, s);
                }
            }
            serde_json::Value::Number(n) => {
                record.non_strings.insert(name, format!("a number ({n})"));
            }
            serde_json::Value::Bool(b) => {
                record.non_strings.insert(name, format!("a boolean ({b})"));
            }
            _ => {}
        }
    }
    Ok(Some(record))
}

/// Reads JSON Lines one line at a time with a bounded buffer. A line over
/// the size limit is skipped (its bytes are consumed, not kept) and
/// reported as [`RecordError::TooLarge`].
pub struct LineReader<R> {
    reader: R,
    max_bytes: u64,
    line: usize,
    done: bool,
}

/// One line: its number and its bytes (without the newline), or why it was
/// skipped.
pub type Line = (usize, Result<Vec<u8>, RecordError>);

impl<R: BufRead> LineReader<R> {
    /// Reads lines of `reader`, each at most `max_bytes` long.
    pub fn new(reader: R, max_bytes: u64) -> Self {
        LineReader {
            reader,
            max_bytes,
            line: 0,
            done: false,
        }
    }

    /// The next line, `Ok(None)` at the end, or the read error that ends
    /// the stream.
    pub fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        if self.done {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        let mut size = 0u64;
        let mut too_large = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            };
            if available.is_empty() {
                self.done = true;
                if size == 0 {
                    return Ok(None);
                }
                break;
            }
            let (part, used, end) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            size += part.len() as u64;
            if size > self.max_bytes {
                too_large = true;
                bytes = Vec::new();
            } else {
                bytes.extend_from_slice(part);
            }
            self.reader.consume(used);
            if end {
                break;
            }
        }
        self.line += 1;
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        if too_large {
            return Ok(Some((
                self.line,
                Err(RecordError::TooLarge {
                    size,
                    limit: self.max_bytes,
                }),
            )));
        }
        Ok(Some((self.line, Ok(bytes))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, content: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn names(walk: &Walk, root: &Path) -> Vec<String> {
        walk.files
            .iter()
            .map(|p| {
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn walk_finds_articles_sorted_and_skips_hidden_and_readme() {
        let dir = tempfile::tempdir().unwrap();
        for rel in [
            "b/x.md",
            "a.txt",
            "b.html",
            "README.md",
            ".hidden/y.txt",
            "c.pdf",
        ] {
            write(dir.path(), rel, "text");
        }
        let walk = walk_articles(dir.path(), &WalkOptions::default());
        assert_eq!(names(&walk, dir.path()), ["a.txt", "b/x.md", "b.html"]);
        assert!(walk.problems.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_reported_not_followed_and_loops_are_caught() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.txt", "The senate voted.");
        std::os::unix::fs::symlink(".", dir.path().join("s1")).unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("s2")).unwrap();
        let walk = walk_articles(dir.path(), &WalkOptions::default());
        assert_eq!(names(&walk, dir.path()), ["a.txt"]);
        let messages: Vec<String> = walk.problems.iter().map(|p| p.message.clone()).collect();
        assert_eq!(
            messages,
            [
                "symbolic link not followed (pass --follow to read links)",
                "symbolic link not followed (pass --follow to read links)"
            ]
        );
        let walk = walk_articles(dir.path(), &WalkOptions { follow_links: true });
        assert_eq!(names(&walk, dir.path()), ["a.txt"]);
        assert_eq!(walk.problems.len(), 2);
        assert!(walk.problems.iter().all(|p| p.severity == Severity::Warning
            && p.message.starts_with("symbolic link loop (back to ")));
    }

    #[test]
    fn records_are_parsed_with_label_rules() {
        let r = parse_record(
            "{\"id\":7,\"text\":\"Vote\",\"Topic\":\" e\\u0301cole \",\"n\":1,\"ok\":true,\"x\":\"\"}"
                .as_bytes(),
            "text",
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.id.as_deref(), Some("7"));
        assert_eq!(r.text.unwrap(), "Vote");
        assert_eq!(r.labels["topic"], "école", "NFC");
        assert_eq!(r.labels["topic"].chars().count(), 5);
        assert!(!r.labels.contains_key("x"), "empty is absent");
        assert_eq!(r.non_strings["n"], "a number (1)");
        assert_eq!(r.non_strings["ok"], "a boolean (true)");
        assert!(parse_record(b"  ", "text").unwrap().is_none());
        let err = parse_record(b"[1]", "text").unwrap_err();
        assert_eq!(err.to_string(), "expected a JSON object");
        let r = parse_record(b"{\"text\":null}", "text").unwrap().unwrap();
        assert_eq!(r.text.unwrap_err().to_string(), "field \"text\" is null");
    }

    #[test]
    fn long_lines_are_skipped_without_being_kept() {
        let data = format!(
            "{{\"text\":\"a\"}}\n{}\r\n{{\"text\":\"b\"}}",
            "x".repeat(1000)
        );
        let mut reader =
            LineReader::new(std::io::BufReader::with_capacity(64, data.as_bytes()), 100);
        let (n, first) = reader.next_line().unwrap().unwrap();
        assert_eq!((n, first.unwrap()), (1, b"{\"text\":\"a\"}".to_vec()));
        let (n, second) = reader.next_line().unwrap().unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            second.unwrap_err().to_string(),
            "record is 1001 bytes, over the limit of 100 bytes (raise it with --max-bytes)"
        );
        let (n, third) = reader.next_line().unwrap().unwrap();
        assert_eq!((n, third.unwrap()), (3, b"{\"text\":\"b\"}".to_vec()));
        assert!(reader.next_line().unwrap().is_none());
    }
}
