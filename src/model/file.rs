//! The model file format.
//!
//! All integers little-endian:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `CLASSIFY` |
//! | 4 | format version (u32), currently [`FORMAT_VERSION`] |
//! | 8 | payload length (u64) |
//! | 4 | CRC-32 of the payload |
//! | n | payload, encoded with postcard |
//!
//! Version 3's payload is the cleaner's configuration, the tokenizer and
//! vectorizer state (parameters; the terms as one string with end offsets;
//! each feature as its term ids; IDF; the frozen word -> term table of the
//! training words, all as flat little-endian arrays that decode by copying),
//! the heads (name, sorted class names, classifier as a tagged enum with
//! its weights as little-endian arrays, calibration on a user's sample),
//! the domain check (the model's language and the thresholds of documents
//! it can read) and the training metadata. Feature strings are built only
//! when `--explain` or `info` asks. Version 2 was a development format
//! that never shipped (refused). Version 1 stored feature strings, had no
//! calibration and no domain check (it loads with the default thresholds
//! and no language check), no cleaner configuration (it loads with the
//! rules of its time) and kept the lede option beside the tokenizer. Every stage is tagged (serde enums), so a
//! reader knows what it holds. A file with another magic, a newer version,
//! a short payload or a wrong checksum is refused with a message that says
//! which.
//!
//! postcard is not self-describing: the payload is these Rust types' field
//! order. Changing a type stored here means a new format version, with the
//! old types frozen in their own module (as `v1.rs` does).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{v1, Head, Metadata, Model};
use crate::clean::CleanConfig;
use crate::document::io_message;
use crate::domain::DomainCheck;
use crate::vectorize::{Stored, TfIdf, TfIdfState};

/// The first bytes of every model file.
pub const MAGIC: &[u8; 8] = b"CLASSIFY";
/// The format version this classify writes; it reads 1 to this.
pub const FORMAT_VERSION: u32 = 3;
pub(crate) const HEADER_LEN: usize = 8 + 4 + 8 + 4;

/// Errors from reading a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file cannot be read.
    #[error("{}: {}", path.display(), io_message(source))]
    Io {
        /// The model path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a usable model.
    #[error("{}: {problem}", path.display())]
    Format {
        /// The model path.
        path: PathBuf,
        /// What is wrong.
        #[source]
        problem: FormatProblem,
    },
    /// The binary was built without a model in `models/default.model`.
    #[error("no default model is built into this binary (models/default.model was empty when it was built); pass --model PATH")]
    NoBuiltin,
}

/// What is wrong with a model file's bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatProblem {
    /// Zero bytes.
    #[error("empty file, not a model")]
    Empty,
    /// Another magic.
    #[error("not a classify model file (unrecognized header)")]
    Foreign,
    /// Shorter than the header.
    #[error("truncated model file ({0} bytes, too short for the header)")]
    ShortHeader(usize),
    /// Written by a newer classify.
    #[error("model format version {found} is newer than this classify reads (up to {FORMAT_VERSION}); upgrade classify")]
    Newer {
        /// The file's version.
        found: u32,
    },
    /// A version no released classify wrote (0, or 2: a development format
    /// of classify 0.1 that never shipped).
    #[error(
        "model format version {0} was never released; train the model again with this classify"
    )]
    Unreleased(u32),
    /// Fewer payload bytes than the header says.
    #[error("truncated model file (expected {expected} bytes of model data, found {found})")]
    Truncated {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The payload's CRC-32 does not match.
    #[error("corrupt model file (checksum mismatch)")]
    Checksum,
    /// The payload does not decode.
    #[error("corrupt model file (cannot decode: {0})")]
    Decode(String),
    /// The payload decodes but its parts do not agree.
    #[error("invalid model: {0}")]
    Invalid(String),
}

/// A vectorizer as some format version stored it.
pub(super) enum StoredVectorizer {
    /// Formats 1 and 2: feature strings and IDF; tables are rebuilt.
    Strings(TfIdfState),
    /// Format 3: the lookup tables as arrays.
    Tables(Stored),
}

/// A model's stored parts, whatever version they were read from.
pub(super) type Parts = (
    CleanConfig,
    StoredVectorizer,
    Vec<Head>,
    DomainCheck,
    Metadata,
);

/// Version 3's payload.
#[derive(Deserialize)]
struct ModelFileV3 {
    cleaner: CleanConfig,
    vectorizer: Stored,
    heads: Vec<Head>,
    domain: DomainCheck,
    metadata: Metadata,
}

/// Version 3's payload, borrowed for writing (no copy of the weights).
#[derive(Serialize)]
struct ModelFileV3Ref<'a> {
    cleaner: &'a CleanConfig,
    vectorizer: Stored,
    heads: &'a [Head],
    domain: &'a DomainCheck,
    metadata: &'a Metadata,
}

impl Model {
    /// Encodes the model file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (header, payload) = self.encode();
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(&payload);
        out
    }

    /// The header and the payload, apart (a writer needs no copy of both).
    pub(crate) fn encode(&self) -> ([u8; HEADER_LEN], Vec<u8>) {
        let file = ModelFileV3Ref {
            cleaner: self.cleaner.config(),
            vectorizer: self.vectorizer.stored(),
            heads: &self.heads,
            domain: &self.domain,
            metadata: &self.metadata,
        };
        let payload = postcard::to_stdvec(&file).expect("in-memory encoding cannot fail");
        (header(&payload), payload)
    }

    /// Decodes model file bytes (any version this classify reads).
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, FormatProblem> {
        let (version, payload) = check_header(bytes)?;
        let decode = |e: postcard::Error| FormatProblem::Decode(e.to_string());
        let invalid = |e: &dyn std::fmt::Display| FormatProblem::Invalid(e.to_string());
        let (cleaner, vectorizer, heads, domain, metadata) = match version {
            1 => {
                let file: v1::ModelFile = postcard::from_bytes(payload).map_err(decode)?;
                file.upgrade()
            }
            _ => {
                let file: ModelFileV3 = postcard::from_bytes(payload).map_err(decode)?;
                (
                    file.cleaner,
                    StoredVectorizer::Tables(file.vectorizer),
                    file.heads,
                    file.domain,
                    file.metadata,
                )
            }
        };
        let cleaner = cleaner.check().map_err(|e| invalid(&e))?;
        let vectorizer = match vectorizer {
            StoredVectorizer::Strings(state) => TfIdf::from_state(state),
            StoredVectorizer::Tables(stored) => TfIdf::from_stored(stored),
        }
        .map_err(|e| invalid(&e))?;
        let mut model = Model::from_parts(cleaner, vectorizer, heads, domain, metadata)?;
        model.file_version = version;
        Ok(model)
    }
}

/// Checks the header; returns the version and the payload.
fn check_header(bytes: &[u8]) -> Result<(u32, &[u8]), FormatProblem> {
    if bytes.is_empty() {
        return Err(FormatProblem::Empty);
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(FormatProblem::Foreign);
    }
    if bytes.len() < HEADER_LEN {
        return Err(FormatProblem::ShortHeader(bytes.len()));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version == 0 || version == 2 {
        return Err(FormatProblem::Unreleased(version));
    }
    if version > FORMAT_VERSION {
        return Err(FormatProblem::Newer { found: version });
    }
    let expected = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let crc = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != expected {
        return Err(FormatProblem::Truncated {
            expected,
            found: payload.len() as u64,
        });
    }
    if crc32fast::hash(payload) != crc {
        return Err(FormatProblem::Checksum);
    }
    Ok((version, payload))
}

/// Magic, version, payload length and checksum.
fn header(payload: &[u8]) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[..8].copy_from_slice(MAGIC);
    out[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    out[12..20].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    out[20..24].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_problems_are_named() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "empty file, not a model"),
            (b"PK\x03\x04 zip".to_vec(), "not a classify model file (unrecognized header)"),
            (b"CLASSIFY\x01\x00".to_vec(), "truncated model file (10 bytes, too short for the header)"),
            (
                [&MAGIC[..], &9u32.to_le_bytes(), &[0; 12]].concat(),
                "model format version 9 is newer than this classify reads (up to 3); upgrade classify",
            ),
            (
                [&MAGIC[..], &1u32.to_le_bytes(), &100u64.to_le_bytes(), &[0; 4], &[1, 2, 3]].concat(),
                "truncated model file (expected 100 bytes of model data, found 3)",
            ),
            (
                [&MAGIC[..], &1u32.to_le_bytes(), &3u64.to_le_bytes(), &[0; 4], &[1, 2, 3]].concat(),
                "corrupt model file (checksum mismatch)",
            ),
        ];
        for (bytes, message) in cases {
            assert_eq!(Model::from_bytes(&bytes).unwrap_err().to_string(), message);
        }
        for version in [0u32, 2] {
            let bytes = [&MAGIC[..], &version.to_le_bytes(), &[0; 12]].concat();
            assert_eq!(
                Model::from_bytes(&bytes).unwrap_err().to_string(),
                format!("model format version {version} was never released; train the model again with this classify")
            );
        }
        for version in [1u32, 3] {
            let payload = [1u8, 2, 3];
            let bytes = [
                &MAGIC[..],
                &version.to_le_bytes(),
                &3u64.to_le_bytes(),
                &crc32fast::hash(&payload).to_le_bytes(),
                &payload,
            ]
            .concat();
            let err = Model::from_bytes(&bytes).unwrap_err().to_string();
            assert!(
                err.starts_with("corrupt model file (cannot decode: "),
                "{err}"
            );
        }
    }

    #[test]
    fn a_model_round_trips_through_bytes() {
        let model = Model::builtin().unwrap();
        let again = Model::from_bytes(&model.to_bytes()).unwrap();
        assert_eq!(again.file_version(), FORMAT_VERSION);
        assert_eq!(again.to_bytes(), model.to_bytes());
        assert_eq!(again.heads(), model.heads());
        assert_eq!(again.clean_config(), model.clean_config());
    }
}
