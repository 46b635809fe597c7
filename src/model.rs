//! The trained pipeline as one file: vectorizer state, one classifier per
//! label field ("head"), and training metadata.
//!
//! File layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `CLASSIFY` |
//! | 4 | format version (u32), currently [`FORMAT_VERSION`] |
//! | 8 | payload length (u64) |
//! | 4 | CRC-32 of the payload |
//! | n | payload: [`ModelFile`] encoded with postcard |
//!
//! Every stage in the payload is tagged (serde enums), so a reader knows
//! what it holds. A file with another magic, a newer version, a short
//! payload or a wrong checksum is refused with a message that says which.
//! Saving writes a temporary file beside the target and renames it, so a
//! failed or interrupted save never leaves a partial model behind.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::linear::{argmax, LinearModel};
use crate::vectorize::{TfIdf, TfIdfState, VectorizeError};

pub const MAGIC: &[u8; 8] = b"CLASSIFY";
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

/// Errors from reading or writing a model file.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path}: {problem}")]
    Format {
        path: PathBuf,
        problem: FormatProblem,
    },
}

/// What is wrong with a model file's bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatProblem {
    #[error("empty file, not a model")]
    Empty,
    #[error("not a classify model file (unrecognized header)")]
    Foreign,
    #[error("truncated model file ({0} bytes, too short for the header)")]
    ShortHeader(usize),
    #[error("model format version {found} is newer than this classify reads (up to {FORMAT_VERSION}); upgrade classify")]
    Newer { found: u32 },
    #[error("model format version 0 is invalid")]
    ZeroVersion,
    #[error("truncated model file (expected {expected} bytes of model data, found {found})")]
    Truncated { expected: u64, found: u64 },
    #[error("corrupt model file (checksum mismatch)")]
    Checksum,
    #[error("corrupt model file (cannot decode: {0})")]
    Decode(String),
    #[error("invalid model: {0}")]
    Invalid(String),
}

/// A head's classifier. Both kinds score a document linearly; the tag
/// says which algorithm fitted the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Classifier {
    /// One-vs-rest SVMs with a calibrated softmax.
    Linear(LinearModel),
    /// Multinomial naive Bayes: log priors and centered feature
    /// log-probabilities.
    Bayes(LinearModel),
}

impl std::ops::Deref for Classifier {
    type Target = LinearModel;

    fn deref(&self) -> &LinearModel {
        match self {
            Classifier::Linear(m) | Classifier::Bayes(m) => m,
        }
    }
}

/// One label field's classifier and its class names (sorted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub name: String,
    pub classes: Vec<String>,
    pub classifier: Classifier,
}

/// Cross-validated scores of one head, stored in the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvScores {
    pub folds: usize,
    pub accuracy: Vec<f64>,
    pub macro_f1: Vec<f64>,
}

/// What a head was trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeadInfo {
    pub name: String,
    /// Training documents per class.
    pub class_counts: BTreeMap<String, usize>,
    pub cv: Option<CvScores>,
}

/// Training metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// UTC date of training (`YYYY-MM-DD`), or from `SOURCE_DATE_EPOCH`.
    pub created: String,
    pub classify_version: String,
    /// The training command's options as given.
    pub command: Vec<String>,
    /// The training data as given on the command line.
    pub data: String,
    pub documents: usize,
    pub algorithm: String,
    pub heads: Vec<HeadInfo>,
}

/// The serialized payload.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelFile {
    pub vectorizer: TfIdfState,
    pub heads: Vec<Head>,
    pub metadata: Metadata,
}

/// A loaded or trained model, ready to label.
#[derive(Debug)]
pub struct Model {
    vectorizer: TfIdf,
    heads: Vec<Head>,
    metadata: Metadata,
}

/// One head's decision on one document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeadLabel {
    pub head: String,
    pub label: String,
    pub probability: f32,
    /// Probabilities of all classes, in the head's class order.
    #[serde(skip)]
    pub probabilities: Vec<f32>,
    /// Class index of `label`.
    #[serde(skip)]
    pub class: usize,
    /// Terms that pushed toward `label` most, with their contribution.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explain: Vec<(String, f32)>,
}

impl Model {
    pub fn new(vectorizer: TfIdf, heads: Vec<Head>, metadata: Metadata) -> Model {
        Model {
            vectorizer,
            heads,
            metadata,
        }
    }

    pub fn vectorizer(&self) -> &TfIdf {
        &self.vectorizer
    }

    pub fn heads(&self) -> &[Head] {
        &self.heads
    }

    pub fn head(&self, name: &str) -> Option<&Head> {
        self.heads.iter().find(|h| h.name == name)
    }

    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Labels clean text with every head; `explain` terms per head.
    pub fn label(&self, text: &str, explain: usize) -> Vec<HeadLabel> {
        let (idx, val) = self.vectorizer.transform_one(text);
        self.label_vector(&idx, &val, explain)
    }

    /// Labels an already vectorized document.
    pub fn label_vector(&self, idx: &[u32], val: &[f32], explain: usize) -> Vec<HeadLabel> {
        self.heads
            .iter()
            .map(|head| {
                let probabilities = head.classifier.proba_one(idx, val);
                let class = argmax(&probabilities);
                let explain = if explain > 0 {
                    head.classifier
                        .contributions(idx, val, class, explain)
                        .into_iter()
                        .map(|(j, c)| (self.vectorizer.feature(j as usize).to_string(), c))
                        .collect()
                } else {
                    Vec::new()
                };
                HeadLabel {
                    head: head.name.clone(),
                    label: head.classes[class].clone(),
                    probability: probabilities[class],
                    probabilities,
                    class,
                    explain,
                }
            })
            .collect()
    }

    /// Encodes the model file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = self.payload();
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&header(&payload));
        out.extend_from_slice(&payload);
        out
    }

    /// The encoded [`ModelFile`], serialized from borrowed parts so that
    /// saving a large model does not copy its weights first.
    fn payload(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct ModelFileRef<'a> {
            vectorizer: crate::vectorize::TfIdfStateRef<'a>,
            heads: &'a [Head],
            metadata: &'a Metadata,
        }
        let file = ModelFileRef {
            vectorizer: self.vectorizer.state_ref(),
            heads: &self.heads,
            metadata: &self.metadata,
        };
        postcard::to_stdvec(&file).expect("in-memory encoding cannot fail")
    }

    /// Decodes model file bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, FormatProblem> {
        Model::from_file(Model::decode(bytes)?)
    }

    /// Checks the header and decodes the payload.
    fn decode(bytes: &[u8]) -> Result<ModelFile, FormatProblem> {
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
        if version == 0 {
            return Err(FormatProblem::ZeroVersion);
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
        postcard::from_bytes(payload).map_err(|e| FormatProblem::Decode(e.to_string()))
    }

    fn from_file(file: ModelFile) -> Result<Model, FormatProblem> {
        let invalid = |e: VectorizeError| FormatProblem::Invalid(e.to_string());
        let vectorizer = TfIdf::from_state(file.vectorizer).map_err(invalid)?;
        if file.heads.is_empty() {
            return Err(FormatProblem::Invalid("no heads".into()));
        }
        for head in &file.heads {
            head.classifier.validate().map_err(FormatProblem::Invalid)?;
            if head.classifier.n_classes() != head.classes.len() || head.classes.len() < 2 {
                return Err(FormatProblem::Invalid(format!(
                    "head {:?} has {} class names for {} classes",
                    head.name,
                    head.classes.len(),
                    head.classifier.n_classes()
                )));
            }
        }
        Ok(Model {
            vectorizer,
            heads: file.heads,
            metadata: file.metadata,
        })
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::Io {
            path: path.to_path_buf(),
            message: io_message(&e),
        })?;
        Model::from_bytes(&bytes).map_err(|problem| ModelError::Format {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// Writes the model atomically: a temporary file in the target's
    /// directory, flushed to disk, then renamed over the target.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let io = |e: std::io::Error| ModelError::Io {
            path: path.to_path_buf(),
            message: io_message(&e),
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if path.is_dir() {
            return Err(ModelError::Io {
                path: path.to_path_buf(),
                message: "is a directory".into(),
            });
        }
        std::fs::create_dir_all(&dir).map_err(io)?;
        let name = path
            .file_name()
            .map_or("model".into(), |n| n.to_string_lossy().to_string());
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            let payload = self.payload();
            file.write_all(&header(&payload))?;
            file.write_all(&payload)?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(e));
        }
        Ok(())
    }
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

fn io_message(e: &std::io::Error) -> String {
    let msg = e.to_string();
    msg.find(" (os error")
        .map_or(msg.clone(), |i| msg[..i].to_string())
        .to_lowercase()
}

/// The UTC date `YYYY-MM-DD` of a Unix time (days-from-civil inverse,
/// after Howard Hinnant's algorithm).
pub fn utc_date(unix_seconds: i64) -> String {
    let z = unix_seconds.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Today's date for model metadata: `SOURCE_DATE_EPOCH` when set (so a
/// rebuild gives the same bytes), else the clock.
pub fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    utc_date(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_796_000_000), "2026-11-30");
        assert_eq!(utc_date(-86_400), "1969-12-31");
    }

    #[test]
    fn header_problems_are_named() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "empty file, not a model"),
            (b"PK\x03\x04 zip".to_vec(), "not a classify model file (unrecognized header)"),
            (b"CLASSIFY\x01\x00".to_vec(), "truncated model file (10 bytes, too short for the header)"),
            (
                [&MAGIC[..], &9u32.to_le_bytes(), &[0; 12]].concat(),
                "model format version 9 is newer than this classify reads (up to 1); upgrade classify",
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
        let payload = [1u8, 2, 3];
        let bytes = [
            &MAGIC[..],
            &1u32.to_le_bytes(),
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
