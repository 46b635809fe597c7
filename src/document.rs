//! One input document: reading it safely, decoding it, front matter, and
//! cleaning.
//!
//! Every way a file can be unfit to label gets its own error variant with a
//! message that names the problem (the caller prefixes the path), so a batch
//! run reports `classify: notes/a.pdf: binary file (NUL byte at offset 10)`
//! and goes on with the next file.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::clean::{Cleaner, Format};

/// The default cap on one document's size. A news article is a few
/// kilobytes; a file this large is a dump, not an article.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Why a document cannot be labeled.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Opening or reading failed.
    #[error("{}", io_message(.0))]
    Io(#[source] std::io::Error),
    /// The path is a directory, a FIFO, a socket or a device where a
    /// regular file was required.
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    /// Over the size limit.
    #[error("file is {size} bytes, over the limit of {limit} bytes for one document (raise it with --max-bytes)")]
    TooLarge {
        /// Bytes found (at least `limit + 1`).
        size: u64,
        /// The limit in force.
        limit: u64,
    },
    /// A stream (stdin, a pipe) longer than the size limit.
    #[error(
        "input is over the limit of {limit} bytes for one document (raise it with --max-bytes)"
    )]
    InputTooLarge {
        /// The limit in force.
        limit: u64,
    },
    /// Zero bytes.
    #[error("empty file")]
    Empty,
    /// Only whitespace.
    #[error("no text: the document is whitespace only")]
    WhitespaceOnly,
    /// A NUL byte: not a text document.
    #[error("binary file (NUL byte at offset {offset})")]
    Binary {
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// Bytes that are not UTF-8.
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// Length of the valid prefix.
        offset: usize,
    },
    /// A UTF-16 document (it had a byte-order mark) that does not decode.
    #[error("invalid UTF-16 at byte {offset}")]
    InvalidUtf16 {
        /// Byte offset of the first bad code unit.
        offset: usize,
    },
    /// Markup and boilerplate were all there was.
    #[error("no text left after removing markup and boilerplate")]
    NoText,
    /// A record's text field is missing, null or not a string.
    #[error("{0}")]
    Field(String),
}

/// An I/O error's message as one lower-case phrase, without the
/// "(os error N)" tail.
pub(crate) fn io_message(e: &std::io::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.find(" (os error") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    msg.to_lowercase()
}

/// The kind of a non-regular file, for messages.
pub(crate) fn file_kind(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "FIFO";
        }
        if ft.is_socket() {
            return "socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "device";
        }
    }
    if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symbolic link"
    } else if ft.is_file() {
        "regular file"
    } else {
        "special file"
    }
}

/// Whether opening `path` may read anything but a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// Only regular files: FIFOs and devices are refused without blocking
    /// (files found by walking a directory).
    RegularOnly,
    /// A path the user named: a FIFO (`<(command)`) is read too.
    Named,
}

/// Reads a file's bytes, at most `max_bytes`.
pub fn read_bytes(path: &Path, max_bytes: u64, opening: Opening) -> Result<Vec<u8>, DocumentError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    if opening == Opening::RegularOnly {
        // Opening a FIFO for reading blocks until a writer comes; with
        // O_NONBLOCK it returns at once and the type check below refuses it.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(DocumentError::Io)?;
    let meta = file.metadata().map_err(DocumentError::Io)?;
    let ft = meta.file_type();
    if ft.is_dir() || (opening == Opening::RegularOnly && !ft.is_file()) {
        return Err(DocumentError::NotRegular(file_kind(ft)));
    }
    if ft.is_file() && meta.len() > max_bytes {
        return Err(DocumentError::TooLarge {
            size: meta.len(),
            limit: max_bytes,
        });
    }
    read_limited(file, max_bytes, ft.is_file().then_some(meta.len()))
}

/// Reads at most one byte past `max_bytes`: the size can change under us,
/// and a pipe has no size at all.
pub(crate) fn read_limited(
    reader: impl Read,
    max_bytes: u64,
    size_hint: Option<u64>,
) -> Result<Vec<u8>, DocumentError> {
    let mut bytes = Vec::with_capacity(size_hint.unwrap_or(8192).min(max_bytes) as usize);
    reader
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(DocumentError::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(match size_hint {
            Some(_) => DocumentError::TooLarge {
                size: bytes.len() as u64,
                limit: max_bytes,
            },
            None => DocumentError::InputTooLarge { limit: max_bytes },
        });
    }
    Ok(bytes)
}

/// Decodes a document's bytes: UTF-8 (a byte-order mark is dropped), or
/// UTF-16 when it starts with a UTF-16 byte-order mark. Refuses empty,
/// binary (a NUL anywhere), undecodable and whitespace-only documents.
pub fn decode(bytes: Vec<u8>) -> Result<String, DocumentError> {
    if bytes.is_empty() {
        return Err(DocumentError::Empty);
    }
    let text = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => decode_utf16(&bytes[2..], u16::from_le_bytes)?,
        Some([0xFE, 0xFF]) => decode_utf16(&bytes[2..], u16::from_be_bytes)?,
        _ => {
            if let Some(offset) = memchr::memchr(0, &bytes) {
                return Err(DocumentError::Binary { offset });
            }
            let mut text = String::from_utf8(bytes).map_err(|e| DocumentError::InvalidUtf8 {
                offset: e.utf8_error().valid_up_to(),
            })?;
            if text.starts_with('\u{FEFF}') {
                text.drain(..3);
            }
            text
        }
    };
    check_text(&text)?;
    Ok(text)
}

/// UTF-16 code units after the byte-order mark; offsets count from the
/// start of the file.
fn decode_utf16(body: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, DocumentError> {
    let units: Vec<u16> = body
        .chunks(2)
        .map(|c| {
            if c.len() == 2 {
                unit([c[0], c[1]])
            } else {
                0xD800
            }
        })
        .collect();
    let mut text = String::with_capacity(units.len());
    let mut offset = 2;
    for c in char::decode_utf16(units.iter().copied()) {
        match c {
            Ok('\0') => return Err(DocumentError::Binary { offset }),
            Ok(c) => {
                offset += 2 * c.len_utf16();
                text.push(c);
            }
            Err(_) => return Err(DocumentError::InvalidUtf16 { offset }),
        }
    }
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
    /// `key: value` pairs, keys lowercased.
    pub fields: BTreeMap<String, String>,
    /// Everything after the front matter.
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

/// Front matter out, title in, markup and boilerplate cleaned by `cleaner`.
pub fn prepare(raw: &str, format: Format, cleaner: &Cleaner) -> Result<Prepared, DocumentError> {
    check_text(raw)?;
    let fm = front_matter(raw);
    let body = cleaner.clean(fm.body, format);
    let text = match fm.fields.get("title") {
        Some(title) if !title.trim().is_empty() => {
            let title = cleaner.clean(title, Format::Text);
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
        let p = prepare(raw, Format::Markdown, &Cleaner::default()).unwrap();
        assert_eq!(
            p.text,
            "Schools reopen\n\nSchools\n\nPupils return - finally."
        );
        assert_eq!(p.fields["topic"], "education");
    }

    #[test]
    fn bad_bytes_are_named() {
        let mut late_nul = "word ".repeat(4000).into_bytes();
        late_nul.push(0);
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
            // A NUL far past the first kilobytes still makes a file binary.
            (late_nul, "binary file (NUL byte at offset 20000)"),
            (
                b"caf\xc3\xa9 ok \xff\xfe".to_vec(),
                "invalid UTF-8 at byte 9",
            ),
            // UTF-16 LE with a lone high surrogate after "a".
            (
                b"\xFF\xFEa\x00\x00\xD8".to_vec(),
                "invalid UTF-16 at byte 4",
            ),
        ];
        for (bytes, message) in cases {
            assert_eq!(decode(bytes).unwrap_err().to_string(), message);
        }
        assert_eq!(
            decode("Ünïcode text".as_bytes().to_vec()).unwrap(),
            "Ünïcode text"
        );
    }

    #[test]
    fn utf16_with_byte_order_mark_and_utf8_bom_decode() {
        let text = "Café vote — école";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(le).unwrap(), text);
        assert_eq!(decode(be).unwrap(), text);
        let bom: Vec<u8> = [0xEF, 0xBB, 0xBF].into_iter().chain(text.bytes()).collect();
        assert_eq!(decode(bom).unwrap(), text);
    }

    #[test]
    fn markup_only_documents_have_no_text() {
        let err = prepare(
            "<html><script>x()</script></html>",
            Format::Html,
            &Cleaner::default(),
        )
        .unwrap_err();
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
        let err = read_bytes(&path, 100, Opening::Named).unwrap_err();
        assert_eq!(
            err.to_string(),
            "file is 500 bytes, over the limit of 100 bytes for one document (raise it with --max-bytes)"
        );
        let err = read_bytes(&dir.path().join("missing.txt"), 100, Opening::Named).unwrap_err();
        assert_eq!(err.to_string(), "no such file or directory");
        assert!(
            std::error::Error::source(&err).is_some(),
            "keeps the io::Error"
        );
        let err = read_bytes(dir.path(), 100, Opening::Named).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (directory)");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking_when_regular_files_are_required() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.txt");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a plain mkfifo(3) call on a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let err = read_bytes(&fifo, 100, Opening::RegularOnly).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (FIFO)");
    }
}
