//! One input document: reading it safely, front matter, and cleaning.
//!
//! Every way a file can be unfit to label gets its own error variant with a
//! message that names the problem (the caller prefixes the path), so a batch
//! run reports `classify: notes/a.pdf: binary file (NUL byte at offset 10)`
//! and goes on with the next file.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::clean::{clean, Format};

/// The default cap on one document's size. A news article is a few
/// kilobytes; a file this large is a dump, not an article.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Why a document cannot be labeled.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("{0}")]
    Io(String),
    #[error("file is {size} bytes, over the limit of {limit} bytes for one document (raise it with --max-bytes)")]
    TooLarge { size: u64, limit: u64 },
    #[error("empty file")]
    Empty,
    #[error("no text: the document is whitespace only")]
    WhitespaceOnly,
    #[error("binary file (NUL byte at offset {offset})")]
    Binary { offset: usize },
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 { offset: usize },
    #[error("no text left after removing markup and boilerplate")]
    NoText,
}

impl DocumentError {
    fn io(e: std::io::Error) -> Self {
        // The OS message without the "(os error N)" tail reads better.
        let msg = e.to_string();
        let msg = match msg.find(" (os error") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        DocumentError::Io(msg.to_lowercase())
    }
}

/// Reads a file as UTF-8 text, refusing what is not a text document.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, DocumentError> {
    let file = std::fs::File::open(path).map_err(DocumentError::io)?;
    let meta = file.metadata().map_err(DocumentError::io)?;
    if meta.is_dir() {
        return Err(DocumentError::Io("is a directory".into()));
    }
    if meta.len() > max_bytes {
        return Err(DocumentError::TooLarge {
            size: meta.len(),
            limit: max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Read at most one byte past the limit: the size can change under us.
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(DocumentError::io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(DocumentError::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    text_from_bytes(bytes)
}

/// Checks raw bytes: not empty, not binary, valid UTF-8, not blank.
pub fn text_from_bytes(bytes: Vec<u8>) -> Result<String, DocumentError> {
    if bytes.is_empty() {
        return Err(DocumentError::Empty);
    }
    if let Some(offset) = bytes.iter().take(8192).position(|&b| b == 0) {
        return Err(DocumentError::Binary { offset });
    }
    let text = String::from_utf8(bytes).map_err(|e| DocumentError::InvalidUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })?;
    check_text(&text)?;
    Ok(text)
}

/// Refuses text that is blank (also used for JSONL and CSV fields).
pub fn check_text(text: &str) -> Result<(), DocumentError> {
    if text.is_empty() {
        return Err(DocumentError::Empty);
    }
    if text.trim().is_empty() {
        return Err(DocumentError::WhitespaceOnly);
    }
    Ok(())
}

/// A document's fields from its front matter and its body.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FrontMatter<'a> {
    pub fields: BTreeMap<String, String>,
    pub body: &'a str,
}

/// Splits a leading `---` block of `key: value` lines from the body. Keys
/// are lowercased; values lose surrounding quotes. Text without such a
/// block is all body.
pub fn front_matter(text: &str) -> FrontMatter<'_> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return FrontMatter {
            fields: BTreeMap::new(),
            body: text,
        };
    };
    let mut fields = BTreeMap::new();
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return FrontMatter {
                fields,
                body: &rest[offset..],
            };
        }
        if let Some((key, value)) = trimmed.split_once(':') {
            let key = key.trim().to_lowercase();
            if key.is_empty() || key.contains(' ') {
                continue;
            }
            let value = value.trim();
            let value = unquote(value);
            fields.insert(key, value);
        }
    }
    // No closing line: not front matter after all.
    FrontMatter {
        fields: BTreeMap::new(),
        body: text,
    }
}

fn unquote(value: &str) -> String {
    let bytes = value.as_bytes();
    if bytes.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
    {
        let inner = &value[1..value.len() - 1];
        if bytes[0] == b'"' {
            return inner.replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return inner.replace("''", "'");
    }
    value.to_string()
}

/// A document ready for the vectorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Front-matter fields (labels among them).
    pub fields: BTreeMap<String, String>,
    /// Clean text: the title (if any) and the body.
    pub text: String,
}

/// Front matter out, title in, markup and boilerplate cleaned.
pub fn prepare(raw: &str, format: Format) -> Result<Prepared, DocumentError> {
    let fm = front_matter(raw);
    let body = clean(fm.body, format);
    let text = match fm.fields.get("title") {
        Some(title) if !title.trim().is_empty() => {
            let title = clean(title, Format::Text);
            if body.is_empty() {
                title
            } else {
                format!("{title}\n\n{body}")
            }
        }
        _ => body,
    };
    if text.trim().is_empty() {
        return Err(DocumentError::NoText);
    }
    Ok(Prepared {
        fields: fm.fields,
        text,
    })
}

/// Reads, checks and prepares one file.
pub fn load(path: &Path, max_bytes: u64) -> Result<Prepared, DocumentError> {
    let raw = read_text(path, max_bytes)?;
    prepare(&raw, Format::from_path(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_fields_and_body() {
        let text = "---\ntitle: \"Mayor's \\\"plan\\\"\"\nTopic: immigration\nstance: 'critical'\nnotes: a: b\n---\nBody here.\n";
        let fm = front_matter(text);
        assert_eq!(fm.body, "Body here.\n");
        assert_eq!(fm.fields["title"], "Mayor's \"plan\"");
        assert_eq!(fm.fields["topic"], "immigration");
        assert_eq!(fm.fields["stance"], "critical");
        assert_eq!(fm.fields["notes"], "a: b");
    }

    #[test]
    fn text_without_closing_fence_is_all_body() {
        let text = "---\nnot: closed\nbody";
        assert_eq!(front_matter(text).body, text);
        assert!(front_matter("plain").fields.is_empty());
    }

    #[test]
    fn prepare_prepends_title_and_cleans() {
        let raw = "---\ntitle: Schools reopen\ntopic: education\n---\n# Schools\n\nShare this article\nPupils return — finally.";
        let p = prepare(raw, Format::Markdown).unwrap();
        assert_eq!(
            p.text,
            "Schools reopen\n\nSchools\n\nPupils return - finally."
        );
        assert_eq!(p.fields["topic"], "education");
    }

    #[test]
    fn bad_bytes_are_named() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "empty file"),
            (
                b" \n\t \r\n".to_vec(),
                "no text: the document is whitespace only",
            ),
            (
                b"PK\x03\x04\x00\x00abc".to_vec(),
                "binary file (NUL byte at offset 4)",
            ),
            (
                b"caf\xc3\xa9 ok \xff\xfe".to_vec(),
                "invalid UTF-8 at byte 9",
            ),
        ];
        for (bytes, message) in cases {
            assert_eq!(text_from_bytes(bytes).unwrap_err().to_string(), message);
        }
        assert_eq!(
            text_from_bytes("Ünïcode text".as_bytes().to_vec()).unwrap(),
            "Ünïcode text"
        );
    }

    #[test]
    fn markup_only_documents_have_no_text() {
        let err = prepare("<html><script>x()</script></html>", Format::Html).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no text left after removing markup and boilerplate"
        );
    }

    #[test]
    fn size_limit_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::write(&path, "word ".repeat(100)).unwrap();
        let err = read_text(&path, 100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "file is 500 bytes, over the limit of 100 bytes for one document (raise it with --max-bytes)"
        );
        let err = read_text(&dir.path().join("missing.txt"), 100).unwrap_err();
        assert_eq!(err.to_string(), "no such file or directory");
    }
}
