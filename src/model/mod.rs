//! The trained pipeline as one value: the cleaner's rules, the tokenizer
//! and vectorizer state, one classifier per label field ("head"), and
//! training metadata. A [`Model`] labels raw documents (cleaning included,
//! exactly as the CLI does), saves to one file ([`mod@file`] describes the
//! format) and loads from one; [`Model::builtin`] is the model shipped in
//! `models/default.model`.

pub mod file;
mod v1;

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::atomic::{AtomicFile, Overwrite, WriteError};
use crate::classifier::{argmax, Classifier};
use crate::clean::{CleanConfig, Cleaner, Format};
use crate::document::{self, DocumentError};
use crate::domain::{DomainCheck, Reading, Unreadable};
use crate::explain::{self, Evidence, Explained};
use crate::metrics::reaches;
use crate::params::ParamError;
use crate::vectorize::TfIdf;

pub use file::{FormatProblem, ModelError, FORMAT_VERSION};

/// The model in `models/default.model` when the crate was built.
static BUILTIN: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/models/default.model"));

/// How [`Model::builtin`] names itself in reports.
pub const BUILTIN_NAME: &str = "built-in (models/default.model)";

/// One label field's classifier and its class names (sorted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// The label field, e.g. `topic`.
    pub name: String,
    /// Class names, sorted; index = class.
    pub classes: Vec<String>,
    /// The fitted classifier.
    pub classifier: Classifier,
    /// Its calibration on a user's labeled sample, if `classify calibrate`
    /// made one.
    pub calibration: Option<Calibration>,
}

/// A head's probabilities refitted, and its recommended threshold chosen,
/// on a labeled sample (`classify calibrate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The sample as named.
    pub data: String,
    /// Documents of the sample with this head's label.
    pub documents: usize,
    /// The softmax inverse temperature before.
    pub previous_temperature: f32,
    /// The accuracy the threshold was chosen to reach.
    pub target_accuracy: f64,
    /// The lowest probability whose labeled share reached the target on
    /// the sample (`None`: no threshold did).
    pub threshold: Option<f32>,
    /// Accuracy of the labeled share at the threshold, on the sample.
    pub accuracy: Option<f64>,
    /// Share of the sample labeled at the threshold.
    pub coverage: Option<f64>,
}

/// Cross-validated scores of one head, stored in the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvScores {
    /// Number of folds.
    pub folds: usize,
    /// Accuracy of each fold.
    pub accuracy: Vec<f64>,
    /// Macro-F1 of each fold.
    pub macro_f1: Vec<f64>,
    /// Accuracy and macro-F1 of all folds' predictions together (absent in
    /// models trained before they were recorded). A class too small to be
    /// in every fold hides in the fold mean but not here.
    pub pooled: Option<PooledScores>,
}

/// Scores of all out-of-fold predictions taken together.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PooledScores {
    /// Accuracy over every document.
    pub accuracy: f64,
    /// Macro-F1 over every document.
    pub macro_f1: f64,
}

/// What a head was trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeadInfo {
    /// The label field.
    pub name: String,
    /// Training documents per class.
    pub class_counts: BTreeMap<String, usize>,
    /// Cross-validated scores, when training asked for them.
    pub cv: Option<CvScores>,
}

/// Training metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// UTC date of training (`YYYY-MM-DD`), or from `SOURCE_DATE_EPOCH`.
    pub created: String,
    /// The classify version that trained it.
    pub classify_version: String,
    /// The training command's options as given.
    pub command: Vec<String>,
    /// The training data as given on the command line.
    pub data: String,
    /// Training documents.
    pub documents: usize,
    /// `linear-svm` or `multinomial-nb`.
    pub algorithm: String,
    /// Per head: classes and their counts, cross-validated scores.
    pub heads: Vec<HeadInfo>,
}

/// A loaded or trained model, ready to label.
#[derive(Debug)]
pub struct Model {
    cleaner: Cleaner,
    vectorizer: TfIdf,
    heads: Vec<Head>,
    domain: DomainCheck,
    metadata: Metadata,
    /// Where it came from, for reports: a path or [`BUILTIN_NAME`].
    origin: String,
    /// The format version it was read from ([`FORMAT_VERSION`] if trained).
    file_version: u32,
}

/// When a decision counts as uncertain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MinConfidence {
    /// Below this probability, for every head.
    At(f32),
    /// Below each head's recommended threshold, stored by `classify
    /// calibrate` (heads without one are never uncertain).
    Auto,
}

impl std::str::FromStr for MinConfidence {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(MinConfidence::Auto);
        }
        s.parse::<f32>()
            .map(MinConfidence::At)
            .map_err(|_| format!("expected a probability or auto, found {s:?}"))
    }
}

/// How to label: what to add to each decision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelOptions {
    /// Terms that pushed each decision most, per head (0: none), shown as
    /// the words they had in the document.
    pub explain: usize,
    /// Sentences that pushed each decision most, per head (0: none).
    pub evidence: usize,
    /// When decisions are marked uncertain.
    pub min_confidence: Option<MinConfidence>,
}

impl LabelOptions {
    /// Checks `min_confidence`.
    pub fn check(&self) -> Result<(), ParamError> {
        match self.min_confidence {
            Some(MinConfidence::At(p)) if !(0.0..=1.0).contains(&p) => Err(ParamError::new(
                "--min-confidence",
                p,
                "need a probability from 0 to 1",
            )),
            _ => Ok(()),
        }
    }

    /// Checks the options against the model they will label with: `auto`
    /// needs a calibrated head.
    pub fn check_for(&self, model: &Model) -> Result<(), LabelError> {
        self.check()?;
        if self.min_confidence == Some(MinConfidence::Auto)
            && model.heads.iter().all(|h| h.threshold().is_none())
        {
            return Err(LabelError::NoThresholds(model.origin.clone()));
        }
        Ok(())
    }
}

/// Errors from checking label options.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    /// An option out of range.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// `--min-confidence auto` with a model that has no stored threshold.
    #[error("--min-confidence auto: {0} has no recommended thresholds; make them with classify calibrate")]
    NoThresholds(String),
}

/// One head's decision on one document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeadLabel {
    /// The head (label field).
    pub head: String,
    /// The predicted class, or `unknown` for a document the model cannot
    /// read.
    pub label: String,
    /// Its probability (`None` for `unknown`).
    pub probability: Option<f32>,
    /// Probabilities of all classes, in the head's class order (empty for
    /// `unknown`).
    #[serde(skip)]
    pub probabilities: Vec<f32>,
    /// Class index of `label` (`None` for `unknown`).
    #[serde(skip)]
    pub class: Option<usize>,
    /// Below the asked minimum confidence, or `unknown`.
    pub uncertain: bool,
    /// Features that pushed toward `label` most, with their words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explain: Vec<Explained>,
    /// Sentences that pushed toward `label` most.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// The label of every head for a document the model cannot read.
pub const UNKNOWN_LABEL: &str = "unknown";

/// Every head's decision on one document, in the model's head order.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentLabels {
    /// One decision per head.
    pub heads: Vec<HeadLabel>,
    /// Why the model cannot read the document (then every head says
    /// `unknown`).
    pub unreadable: Option<Unreadable>,
    /// What the domain check found.
    pub reading: Reading,
}

impl DocumentLabels {
    /// The decision of one head.
    pub fn get(&self, head: &str) -> Option<&HeadLabel> {
        self.heads.iter().find(|h| h.head == head)
    }

    /// Why the document got `unknown`, as one phrase (`language: zh`).
    pub fn reason(&self) -> Option<String> {
        self.unreadable.as_ref().map(|u| u.to_string())
    }
}

impl Head {
    /// The recommended threshold `classify calibrate` stored.
    pub fn threshold(&self) -> Option<f32> {
        self.calibration.as_ref().and_then(|c| c.threshold)
    }
}

impl Model {
    /// Assembles a fitted model, checking that its parts agree.
    pub(crate) fn from_parts(
        cleaner: Cleaner,
        vectorizer: TfIdf,
        heads: Vec<Head>,
        domain: DomainCheck,
        metadata: Metadata,
    ) -> Result<Model, FormatProblem> {
        if heads.is_empty() {
            return Err(FormatProblem::Invalid("no heads".into()));
        }
        for head in &heads {
            head.classifier.validate().map_err(FormatProblem::Invalid)?;
            if head.classifier.n_classes() != head.classes.len() || head.classes.len() < 2 {
                return Err(FormatProblem::Invalid(format!(
                    "head {:?} has {} class names for {} classes",
                    head.name,
                    head.classes.len(),
                    head.classifier.n_classes()
                )));
            }
            if head.classifier.n_features() != vectorizer.n_features() {
                return Err(FormatProblem::Invalid(format!(
                    "head {:?} scores {} features, the vocabulary has {}",
                    head.name,
                    head.classifier.n_features(),
                    vectorizer.n_features()
                )));
            }
        }
        Ok(Model {
            cleaner,
            vectorizer,
            heads,
            domain,
            metadata,
            origin: String::new(),
            file_version: FORMAT_VERSION,
        })
    }

    /// The model shipped in `models/default.model`, built into the crate.
    pub fn builtin() -> Result<Model, ModelError> {
        if BUILTIN.is_empty() {
            return Err(ModelError::NoBuiltin);
        }
        Model::from_bytes(BUILTIN)
            .map(|m| m.with_origin(BUILTIN_NAME))
            .map_err(|problem| ModelError::Format {
                path: BUILTIN_NAME.into(),
                problem,
            })
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let io = |source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(io(std::io::Error::other(format!(
                "not a regular file ({})",
                document::file_kind(meta.file_type())
            ))));
        }
        // Mapped, not read: the decoder copies each array once, straight
        // from the page cache.
        // SAFETY: the map is read-only and lives only while decoding; a file
        // changed meanwhile gives wrong bytes, which the checksum refuses.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        crate::le::releasing(|| Model::from_bytes(&map))
            .map(|m| m.with_origin(&path.display().to_string()))
            .map_err(|problem| ModelError::Format {
                path: path.to_path_buf(),
                problem,
            })
    }

    /// Writes the model file atomically (temporary file, sync, rename).
    pub fn save(&self, path: &Path, overwrite: Overwrite) -> Result<(), WriteError> {
        let mut file = AtomicFile::create(path, overwrite)?;
        self.write_into(&mut file)?;
        file.commit()
    }

    /// Writes the model into a file opened before training, so a bad
    /// `--out` fails before the work, not after it.
    pub fn write_into(&self, file: &mut AtomicFile) -> Result<(), WriteError> {
        use std::io::Write;
        let (header, payload) = self.encode();
        file.write_all(&header)
            .and_then(|()| file.write_all(&payload))
            .map_err(|source| WriteError::Io {
                path: file.target().to_path_buf(),
                source,
            })
    }

    /// Names where the model came from (reports print it).
    pub fn with_origin(mut self, origin: &str) -> Model {
        self.origin = origin.to_string();
        self
    }

    /// Where the model came from: its path, [`BUILTIN_NAME`], or what
    /// [`Self::with_origin`] set.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The format version the model was read from.
    pub fn file_version(&self) -> u32 {
        self.file_version
    }

    /// The cleaner the model was trained with.
    pub fn cleaner(&self) -> &Cleaner {
        &self.cleaner
    }

    /// The fitted vectorizer (and through it the tokenizer).
    pub fn vectorizer(&self) -> &TfIdf {
        &self.vectorizer
    }

    /// The heads, in training order.
    pub fn heads(&self) -> &[Head] {
        &self.heads
    }

    /// One head by name.
    pub fn head(&self, name: &str) -> Option<&Head> {
        self.heads.iter().find(|h| h.name == name)
    }

    /// The class names of a head, sorted.
    pub fn classes(&self, head: &str) -> Option<&[String]> {
        self.head(head).map(|h| h.classes.as_slice())
    }

    /// Training metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The rules for documents the model can read.
    pub fn domain(&self) -> &DomainCheck {
        &self.domain
    }

    /// Replaces a head's classifier and calibration (`classify calibrate`).
    pub(crate) fn head_mut(&mut self, name: &str) -> Option<&mut Head> {
        self.heads.iter_mut().find(|h| h.name == name)
    }

    /// Labels a raw document (markup sniffed: HTML or text) with every
    /// head: front matter out, the model's cleaning, then the classifiers.
    /// This is what `classify label` does to a file.
    pub fn label(&self, raw: &str) -> Result<DocumentLabels, DocumentError> {
        self.label_document(raw, Format::Auto, &LabelOptions::default())
    }

    /// Labels a raw document written in `format`.
    pub fn label_document(
        &self,
        raw: &str,
        format: Format,
        options: &LabelOptions,
    ) -> Result<DocumentLabels, DocumentError> {
        let prepared = document::prepare(raw, format, &self.cleaner)?;
        Ok(self.label_clean(&prepared.text, options))
    }

    /// Labels many raw documents in parallel; results in input order.
    pub fn label_batch<S: AsRef<str> + Sync>(
        &self,
        raws: &[S],
        format: Format,
        options: &LabelOptions,
    ) -> Vec<Result<DocumentLabels, DocumentError>> {
        raws.par_iter()
            .with_min_len(8)
            .map(|raw| self.label_document(raw.as_ref(), format, options))
            .collect()
    }

    /// Labels text that is already clean (a corpus record's text): the
    /// domain check, then every head.
    pub fn label_clean(&self, text: &str, options: &LabelOptions) -> DocumentLabels {
        let (idx, val, counts) = self.vectorizer.transform_one_counted(text);
        let (reading, unreadable) = self.domain.check(text, counts);
        if let Some(why) = unreadable {
            return self.unknown(why, reading);
        }
        let mut labels = self.label_vector(&idx, &val, options);
        labels.reading = reading;
        if options.explain > 0 || options.evidence > 0 {
            explain::annotate(self, text, &idx, &val, &mut labels, options.evidence);
        }
        labels
    }

    /// Every head `unknown`, for a document the model cannot read.
    fn unknown(&self, why: Unreadable, reading: Reading) -> DocumentLabels {
        let heads = self
            .heads
            .iter()
            .map(|head| HeadLabel {
                head: head.name.clone(),
                label: UNKNOWN_LABEL.to_string(),
                probability: None,
                probabilities: Vec::new(),
                class: None,
                uncertain: true,
                explain: Vec::new(),
                evidence: Vec::new(),
            })
            .collect();
        DocumentLabels {
            heads,
            unreadable: Some(why),
            reading,
        }
    }

    /// Labels an already vectorized document (no domain check: the vector
    /// no longer says how much of the text was known). Explained features
    /// are shown as stored, without their words.
    pub fn label_vector(&self, idx: &[u32], val: &[f32], options: &LabelOptions) -> DocumentLabels {
        let heads = self
            .heads
            .iter()
            .map(|head| {
                let probabilities = head.classifier.proba_one(idx, val);
                let class = argmax(&probabilities);
                let explain = if options.explain > 0 {
                    head.classifier
                        .contributions(idx, val, class, options.explain)
                        .into_iter()
                        .map(|(j, c)| {
                            let feature = self.vectorizer.feature(j as usize).to_string();
                            Explained {
                                term: feature.clone(),
                                feature,
                                weight: c,
                            }
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let probability = probabilities[class];
                let threshold = match options.min_confidence {
                    Some(MinConfidence::At(p)) => Some(p),
                    Some(MinConfidence::Auto) => head.threshold(),
                    None => None,
                };
                HeadLabel {
                    head: head.name.clone(),
                    label: head.classes[class].clone(),
                    probability: Some(probability),
                    probabilities,
                    class: Some(class),
                    // Compared at the 3 decimals reports print, as risk-coverage
                    // tables compare (`metrics::reaches`).
                    uncertain: threshold.is_some_and(|t| !reaches(probability, t as f64)),
                    explain,
                    evidence: Vec::new(),
                }
            })
            .collect();
        DocumentLabels {
            heads,
            unreadable: None,
            reading: Reading::default(),
        }
    }

    /// The cleaner's configuration, as stored.
    pub fn clean_config(&self) -> &CleanConfig {
        self.cleaner.config()
    }
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

/// Today's date for model metadata and reports: `SOURCE_DATE_EPOCH` when
/// set (so a rebuild gives the same bytes), else the clock.
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
    fn builtin_model_loads_and_labels_raw_html_like_clean_text() {
        let model = Model::builtin().unwrap();
        assert_eq!(model.origin(), BUILTIN_NAME);
        let html = "<html><body><nav>Home | News</nav><article><p>Border agents detained \
                    forty migrants near the river crossing.</p><p>Share this article</p>\
                    </article></body></html>";
        let raw = model.label(html).unwrap();
        let clean = model.label_clean(
            "Border agents detained forty migrants near the river crossing.",
            &LabelOptions::default(),
        );
        assert_eq!(raw, clean);
        assert_eq!(raw.get("topic").unwrap().label, "immigration");
        let err = model.label("  \n").unwrap_err();
        assert_eq!(err.to_string(), "no text: the document is whitespace only");
    }

    #[test]
    fn min_confidence_is_checked_and_marks_uncertain() {
        let options = LabelOptions {
            min_confidence: Some(MinConfidence::At(1.5)),
            ..Default::default()
        };
        assert_eq!(
            options.check().unwrap_err().to_string(),
            "--min-confidence 1.5 is out of range: need a probability from 0 to 1"
        );
        let model = Model::builtin().unwrap();
        let options = LabelOptions {
            min_confidence: Some(MinConfidence::At(1.0)),
            ..Default::default()
        };
        let labels = model
            .label_document("The senate voted.", Format::Text, &options)
            .unwrap();
        assert!(labels
            .heads
            .iter()
            .all(|h| h.uncertain == ((h.probability.unwrap() * 1000.0).round() < 1000.0)));
        let options = LabelOptions {
            min_confidence: Some(MinConfidence::Auto),
            ..Default::default()
        };
        assert_eq!(
            options.check_for(&model).unwrap_err().to_string(),
            "--min-confidence auto: built-in (models/default.model) has no recommended thresholds; make them with classify calibrate"
        );
    }
}
