//! Training a whole model: cleaner, vectorizer and one classifier per label
//! field.
//!
//! [`TrainParams`] (the options, flat, as `classify train` and the Python
//! package take them; their `Default` is the one place defaults live) ->
//! [`TrainValidParams`] (checked, stages built) -> [`Model`] (fitted).
//! Cross-validation ([`crate::cv`]) refits this whole pipeline per fold.

use std::collections::{BTreeMap, BTreeSet};

use crate::classifier::{
    nb, BayesError, BayesParams, BayesValidParams, ClassWeight, Classifier, LinearError,
    LinearParams, LinearValidParams,
};
use crate::clean::{CleanConfig, CleanError, Cleaner};
use crate::corpus::{check_label_field, LabelTypeError, Record};
use crate::domain::{self, DomainCheck};
use crate::model::{build_date, CvScores, FormatProblem, Head, HeadInfo, Metadata, Model};
use crate::params::ParamError;
use crate::progress::Progress;
use crate::sparse::{select_rows, Csr};
use crate::tokenize::{Stemming, StopWords, TokenizeError, TokenizerConfig};
use crate::vectorize::{TfIdf, TfIdfParams, TfIdfValidParams, VectorizeError};

/// The label fields trained when none are named, if the data has them.
pub const DEFAULT_LABELS: &[&str] = &["topic", "stance"];

/// Errors from training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A label field named by the user is on no document.
    #[error("no document has the label field {field:?} (fields found: {available})")]
    MissingLabel {
        /// The field asked for.
        field: String,
        /// Fields the data has.
        available: String,
    },
    /// No field named and none of the default ones present.
    #[error("no label field to train: the data has neither \"topic\", \"stance\" nor \"label\"; name one with --label (fields found: {available})")]
    NoLabels {
        /// Fields the data has.
        available: String,
    },
    /// A label field with one class only.
    #[error(
        "label field {field:?} has a single class ({class:?}, {count} documents): need at least 2"
    )]
    SingleClass {
        /// The field.
        field: String,
        /// Its one class.
        class: String,
        /// Documents carrying it.
        count: usize,
    },
    /// A label field holds a number or a boolean somewhere.
    #[error(transparent)]
    LabelType(#[from] LabelTypeError),
    /// More folds than documents.
    #[error("cross-validation with {k} folds needs at least {k} documents with the label {field:?} (found {documents})")]
    Folds {
        /// Folds asked for.
        k: usize,
        /// The head.
        field: String,
        /// Documents it has.
        documents: usize,
    },
    /// An option out of range.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The cleaner's rules are invalid.
    #[error(transparent)]
    Clean(#[from] CleanError),
    /// The vectorizer failed.
    #[error(transparent)]
    Vectorize(#[from] VectorizeError),
    /// The SVM failed.
    #[error(transparent)]
    Linear(#[from] LinearError),
    /// Naive Bayes failed.
    #[error(transparent)]
    Bayes(#[from] BayesError),
    /// The fitted parts do not agree (a bug, reported rather than hidden).
    #[error(transparent)]
    Model(#[from] FormatProblem),
}

impl TrainError {
    /// The option out of range, if that is what this error is (the CLI
    /// exits with status 2 for it, as for any usage error).
    pub fn param(&self) -> Option<&ParamError> {
        match self {
            TrainError::Param(p)
            | TrainError::Vectorize(VectorizeError::Param(p))
            | TrainError::Vectorize(VectorizeError::Tokenizer(TokenizeError::Param(p)))
            | TrainError::Linear(LinearError::Param(p))
            | TrainError::Bayes(BayesError::Param(p)) => Some(p),
            _ => None,
        }
    }
}

/// Which classifier each head uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// One-vs-rest linear SVM on sparse TF-IDF, calibrated probabilities.
    Svm,
    /// linfa-bayes multinomial naive Bayes (vocabulary capped).
    Nb,
}

impl Algorithm {
    /// The name stored in model metadata.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Svm => "linear-svm",
            Algorithm::Nb => "multinomial-nb",
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "svm" => Ok(Algorithm::Svm),
            "nb" => Ok(Algorithm::Nb),
            _ => Err(format!("unknown algorithm {s:?}: expected svm or nb")),
        }
    }
}

/// Every option of training, with its default: the options of
/// `classify train` (whose flags take their defaults from here) and of the
/// Python package's `train`.
///
/// | field | default | flag | range |
/// |---|---|---|---|
/// | `labels` | topic and stance where present, else `label` | `--label` | fields of the data |
/// | `algorithm` | `Svm` | `--algorithm` | `Svm`, `Nb` |
/// | `c` | 1.0 | `--c` | > 0 |
/// | `class_weight` | `Uniform` | `--class-weight` | `Uniform`, `Balanced` |
/// | `ngram_max` | 2 | `--ngram-max` | 1 to 4 |
/// | `min_df` | 2 | `--min-df` | >= 1 |
/// | `max_df` | 1.0 | `--max-df` | (0, 1] |
/// | `max_features` | all (20,000 for `Nb`) | `--max-features` | >= 1 |
/// | `lede_terms` | 0 | `--lede-terms` | >= 0 |
/// | `nb_scale` | false | `--nb-scale` | |
/// | `alpha` | 0.1 | `--alpha` | > 0 |
/// | `stop_words` | `None` | `--stop-words` | `None`, `English` |
/// | `stem` | true | `--no-stem` | |
/// | `seed` | 42 | `--seed` | any |
#[derive(Clone, Debug, PartialEq)]
pub struct TrainParams {
    /// Label fields (lowercase); empty means [`DEFAULT_LABELS`] (or `label`).
    pub labels: Vec<String>,
    /// The classifier of every head.
    pub algorithm: Algorithm,
    /// SVM inverse regularization.
    pub c: f32,
    /// How each class's errors count in the SVM.
    pub class_weight: ClassWeight,
    /// Longest word n-gram.
    pub ngram_max: usize,
    /// Keep features found in at least this many documents.
    pub min_df: usize,
    /// Drop features found in more than this share of documents.
    pub max_df: f64,
    /// Keep at most this many features.
    pub max_features: Option<usize>,
    /// Also count the first N terms (headline, lede) as `^term` features.
    pub lede_terms: usize,
    /// Scale SVM features by naive-Bayes log-count ratios (NBSVM).
    pub nb_scale: bool,
    /// Naive Bayes smoothing.
    pub alpha: f32,
    /// Stop words to drop.
    pub stop_words: StopWords,
    /// Stem words (Snowball English).
    pub stem: bool,
    /// Seed of every shuffle and fold split.
    pub seed: u64,
    /// The cleaner's rules, stored in the model.
    pub clean: CleanConfig,
    /// The training command, recorded in the model's metadata.
    pub command: Vec<String>,
    /// The training data as named, recorded in the model's metadata.
    pub data: String,
}

impl Default for TrainParams {
    fn default() -> Self {
        let tokenizer = TokenizerConfig::default();
        let vectorizer = TfIdfParams::default();
        let svm = LinearParams::default();
        TrainParams {
            labels: Vec::new(),
            algorithm: Algorithm::Svm,
            c: svm.c,
            class_weight: svm.class_weight,
            ngram_max: tokenizer.ngram_max,
            min_df: vectorizer.min_df,
            max_df: vectorizer.max_df,
            max_features: vectorizer.max_features,
            lede_terms: tokenizer.lede_terms,
            nb_scale: svm.nb_scale,
            alpha: BayesParams::default().alpha,
            stop_words: tokenizer.stop_words,
            stem: tokenizer.stemming != Stemming::None,
            seed: svm.seed,
            clean: CleanConfig::default(),
            command: Vec::new(),
            data: String::new(),
        }
    }
}

enum ValidAlgorithm {
    Linear(LinearValidParams),
    Bayes(BayesValidParams),
}

/// Checked training parameters, stages built.
pub struct TrainValidParams {
    params: TrainParams,
    cleaner: Cleaner,
    vectorizer: TfIdfValidParams,
    algorithm: ValidAlgorithm,
}

impl TrainParams {
    /// Checks every option and builds the stages. Out-of-range values are
    /// [`ParamError`]s naming the flag.
    pub fn check(&self) -> Result<TrainValidParams, TrainError> {
        let cleaner = self.clean.check()?;
        let defaults = TokenizerConfig::default();
        let tokenizer = TokenizerConfig {
            stop_words: self.stop_words,
            stemming: if self.stem {
                Stemming::English
            } else {
                Stemming::None
            },
            ngram_max: self.ngram_max,
            lede_terms: self.lede_terms,
            ..defaults
        };
        let max_features = match (self.max_features, self.algorithm) {
            (Some(n), _) => Some(n),
            (None, Algorithm::Nb) => Some(nb::DEFAULT_MAX_FEATURES),
            (None, Algorithm::Svm) => None,
        };
        let vectorizer = TfIdfParams {
            tokenizer,
            min_df: self.min_df,
            max_df: self.max_df,
            max_features,
            ..TfIdfParams::default()
        }
        .check()?;
        // Both classifiers' options are checked, whichever is used, so a bad
        // value is reported even when it would be ignored.
        let linear = LinearParams {
            c: self.c,
            class_weight: self.class_weight,
            seed: self.seed,
            nb_scale: self.nb_scale,
            ..LinearParams::default()
        }
        .check()?;
        let bayes = BayesParams {
            alpha: self.alpha,
            ..BayesParams::default()
        }
        .check()?;
        let algorithm = match self.algorithm {
            Algorithm::Svm => ValidAlgorithm::Linear(linear),
            Algorithm::Nb => ValidAlgorithm::Bayes(bayes),
        };
        Ok(TrainValidParams {
            params: self.clone(),
            cleaner,
            vectorizer,
            algorithm,
        })
    }
}

/// Returns memory freed by vectorizing to the operating system: glibc keeps
/// freed heap pages for reuse, so the peak of vectorizing (candidate n-gram
/// counts, term sequences) would otherwise stay resident through the
/// classifier fits and the save, adding to their own peaks.
pub(crate) fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it has no
    // preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// One head's documents: positions in the corpus and class indices.
pub(crate) struct HeadData {
    pub(crate) name: String,
    pub(crate) classes: Vec<String>,
    pub(crate) docs: Vec<usize>,
    pub(crate) targets: Vec<usize>,
}

fn fields_found(corpus: &[Record]) -> String {
    let all: BTreeSet<&str> = corpus
        .iter()
        .flat_map(|r| {
            r.labels
                .keys()
                .chain(r.non_strings.keys())
                .map(String::as_str)
        })
        .collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.into_iter().collect::<Vec<_>>().join(", ")
    }
}

/// The label fields to train: as named, or the defaults present.
pub fn resolve_labels(requested: &[String], corpus: &[Record]) -> Result<Vec<String>, TrainError> {
    let has = |f: &str| {
        corpus
            .iter()
            .any(|r| r.labels.contains_key(f) || r.non_strings.contains_key(f))
    };
    let fields = if !requested.is_empty() {
        for field in requested {
            if !has(field) {
                return Err(TrainError::MissingLabel {
                    field: field.clone(),
                    available: fields_found(corpus),
                });
            }
        }
        requested.to_vec()
    } else {
        let defaults: Vec<String> = DEFAULT_LABELS
            .iter()
            .filter(|f| has(f))
            .map(|f| f.to_string())
            .collect();
        if !defaults.is_empty() {
            defaults
        } else if has("label") {
            vec!["label".into()]
        } else {
            return Err(TrainError::NoLabels {
                available: fields_found(corpus),
            });
        }
    };
    for field in &fields {
        check_label_field(corpus, field)?;
    }
    Ok(fields)
}

/// Documents and sorted classes of each label field.
pub(crate) fn head_data(fields: &[String], corpus: &[Record]) -> Result<Vec<HeadData>, TrainError> {
    fields
        .iter()
        .map(|field| {
            let classes: Vec<String> = corpus
                .iter()
                .filter_map(|r| r.labels.get(field).cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let docs: Vec<usize> = (0..corpus.len())
                .filter(|&i| corpus[i].labels.contains_key(field))
                .collect();
            if classes.len() < 2 {
                return Err(TrainError::SingleClass {
                    field: field.clone(),
                    class: classes.first().cloned().unwrap_or_default(),
                    count: docs.len(),
                });
            }
            let targets = docs
                .iter()
                .map(|&i| {
                    classes
                        .binary_search(&corpus[i].labels[field])
                        .expect("class collected above")
                })
                .collect();
            Ok(HeadData {
                name: field.clone(),
                classes,
                docs,
                targets,
            })
        })
        .collect()
}

impl TrainValidParams {
    /// The options these were checked from.
    pub fn params(&self) -> &TrainParams {
        &self.params
    }

    /// The cleaner to prepare training texts with (what the model stores).
    pub fn cleaner(&self) -> &Cleaner {
        &self.cleaner
    }

    pub(crate) fn vectorizer(&self) -> &TfIdfValidParams {
        &self.vectorizer
    }

    pub(crate) fn fit_classifier(
        &self,
        x: &Csr,
        targets: &[usize],
        k: usize,
    ) -> Result<Classifier, TrainError> {
        Ok(match &self.algorithm {
            ValidAlgorithm::Linear(p) => Classifier::Linear(p.fit_rows(x, targets, k)?),
            ValidAlgorithm::Bayes(p) => Classifier::Bayes(p.fit_rows(x, targets, k)?),
        })
    }

    /// Trains on the whole corpus, whose texts [`Self::cleaner`] cleaned.
    /// `cv` carries cross-validated scores per head to store in the
    /// metadata (from [`crate::cv::CvResult::scores`]).
    pub fn fit(
        &self,
        corpus: &[Record],
        cv: Option<&BTreeMap<String, CvScores>>,
        progress: &dyn Progress,
    ) -> Result<Model, TrainError> {
        let fields = resolve_labels(&self.params.labels, corpus)?;
        let heads = head_data(&fields, corpus)?;
        let texts: Vec<&str> = corpus.iter().map(|r| r.text.as_str()).collect();
        let (vectorizer, x, language) = self.vectorize(&texts, progress)?;
        self.fit_heads(heads, vectorizer, x, language, cv, progress)
    }

    /// [`Self::fit`], taking the corpus: its texts are freed as soon as they
    /// are vectorized, before the classifiers (the peak of training) are
    /// fitted.
    pub fn fit_owned(
        &self,
        corpus: Vec<Record>,
        cv: Option<&BTreeMap<String, CvScores>>,
        progress: &dyn Progress,
    ) -> Result<Model, TrainError> {
        let fields = resolve_labels(&self.params.labels, &corpus)?;
        let heads = head_data(&fields, &corpus)?;
        let texts: Vec<String> = corpus.into_iter().map(|r| r.text).collect();
        let (vectorizer, x, language) = self.vectorize(&texts, progress)?;
        drop(texts);
        give_back_freed_memory();
        self.fit_heads(heads, vectorizer, x, language, cv, progress)
    }

    /// The vocabulary, the rows, and the language the texts are in.
    fn vectorize<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        progress: &dyn Progress,
    ) -> Result<(TfIdf, Csr, Option<String>), TrainError> {
        progress.begin("vectorizing", texts.len() as u64);
        let (vectorizer, x) = self.vectorizer.fit_transform(texts)?;
        progress.advance(texts.len() as u64);
        progress.end();
        // The language the model reads: what its training documents are in.
        Ok((vectorizer, x, domain::corpus_language(texts)))
    }

    fn fit_heads(
        &self,
        heads: Vec<HeadData>,
        vectorizer: TfIdf,
        x: Csr,
        language: Option<String>,
        cv: Option<&BTreeMap<String, CvScores>>,
        progress: &dyn Progress,
    ) -> Result<Model, TrainError> {
        progress.begin("fitting", heads.len() as u64);
        let mut fitted = Vec::new();
        let mut infos = Vec::new();
        for head in &heads {
            // A head labeled on every document trains on the matrix as is.
            let all = head.docs.len() == x.rows();
            let subset = (!all).then(|| select_rows(&x, &head.docs));
            let rows = subset.as_ref().unwrap_or(&x);
            let classifier = self.fit_classifier(rows, &head.targets, head.classes.len())?;
            let mut class_counts = BTreeMap::new();
            for &t in &head.targets {
                *class_counts.entry(head.classes[t].clone()).or_insert(0) += 1;
            }
            let cv = cv.and_then(|all| all.get(&head.name)).cloned();
            infos.push(HeadInfo {
                name: head.name.clone(),
                class_counts,
                cv,
            });
            fitted.push(Head {
                name: head.name.clone(),
                classes: head.classes.clone(),
                classifier,
                calibration: None,
            });
            progress.advance(1);
        }
        progress.end();
        let metadata = Metadata {
            created: build_date(),
            classify_version: env!("CARGO_PKG_VERSION").to_string(),
            command: self.params.command.clone(),
            data: self.params.data.clone(),
            documents: x.rows(),
            algorithm: self.params.algorithm.name().to_string(),
            heads: infos,
        };
        let domain = DomainCheck {
            language,
            ..DomainCheck::default()
        };
        Ok(Model::from_parts(
            self.cleaner.clone(),
            vectorizer,
            fitted,
            domain,
            metadata,
        )?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::LabelOptions;
    use crate::progress::Silent;

    pub(crate) fn rec(text: &str, topic: &str, stance: Option<&str>) -> Record {
        let mut labels = BTreeMap::new();
        labels.insert("topic".to_string(), topic.to_string());
        if let Some(s) = stance {
            labels.insert("stance".to_string(), s.to_string());
        }
        Record {
            id: text.into(),
            place: text.into(),
            text: text.into(),
            labels,
            non_strings: BTreeMap::new(),
        }
    }

    pub(crate) fn corpus() -> Vec<Record> {
        let mut out = Vec::new();
        for i in 0..6 {
            out.push(rec(
                &format!("border asylum migrants visa deportation case {i}"),
                "immigration",
                Some("critical"),
            ));
            out.push(rec(
                &format!("school teachers pupils classroom exam district {i}"),
                "education",
                Some("neutral"),
            ));
            out.push(rec(
                &format!("senate election campaign ballot votes governor {i}"),
                "politics",
                None,
            ));
        }
        out
    }

    #[test]
    fn trains_heads_on_documents_that_carry_the_field() {
        let model = TrainParams::default()
            .check()
            .unwrap()
            .fit(&corpus(), None, &Silent)
            .unwrap();
        let names: Vec<&str> = model.heads().iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["topic", "stance"]);
        assert_eq!(
            model.metadata().heads[1]
                .class_counts
                .values()
                .sum::<usize>(),
            12
        );
        let options = LabelOptions {
            explain: 2,
            ..Default::default()
        };
        let labels = model.label_clean("deportation of migrants at the border", &options);
        assert_eq!(labels.heads[0].label, "immigration");
        assert_eq!(labels.heads[1].label, "critical");
        assert!(!labels.heads[0].explain.is_empty());
    }

    #[test]
    fn defaults_are_the_stage_defaults() {
        let p = TrainParams::default();
        let valid = p.check().unwrap();
        assert_eq!(valid.vectorizer().params(), &TfIdfParams::default());
        assert_eq!(p.c, LinearParams::default().c);
        assert_eq!(p.alpha, BayesParams::default().alpha);
    }

    #[test]
    fn options_out_of_range_name_their_flag() {
        let cases: [(TrainParams, &str); 4] = [
            (
                TrainParams {
                    c: -1.0,
                    ..Default::default()
                },
                "--c -1 is out of range: need a number > 0",
            ),
            (
                TrainParams {
                    ngram_max: 9,
                    ..Default::default()
                },
                "--ngram-max 9 is out of range: need 1 to 4",
            ),
            (
                TrainParams {
                    alpha: 0.0,
                    ..Default::default()
                },
                "--alpha 0 is out of range: need a number > 0",
            ),
            (
                TrainParams {
                    min_df: 0,
                    ..Default::default()
                },
                "--min-df 0 is out of range: need at least 1",
            ),
        ];
        for (params, message) in cases {
            let err = params.check().err().expect("refused");
            assert_eq!(err.to_string(), message);
            assert!(err.param().is_some(), "{message} is a usage error");
        }
    }

    #[test]
    fn label_problems_are_named() {
        let params = TrainParams {
            labels: vec!["bias".into()],
            ..Default::default()
        };
        let err = params
            .check()
            .unwrap()
            .fit(&corpus(), None, &Silent)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no document has the label field \"bias\" (fields found: stance, topic)"
        );
        let mut one = corpus();
        one.iter_mut().for_each(|r| {
            r.labels.insert("topic".into(), "politics".into());
        });
        let params = TrainParams {
            labels: vec!["topic".into()],
            ..Default::default()
        };
        let err = params
            .check()
            .unwrap()
            .fit(&one, None, &Silent)
            .unwrap_err();
        assert_eq!(err.to_string(), "label field \"topic\" has a single class (\"politics\", 18 documents): need at least 2");
        let mut numbers = corpus();
        numbers[4].labels.remove("topic");
        numbers[4]
            .non_strings
            .insert("topic".into(), "a number (1)".into());
        numbers[4].place = "d.jsonl:5".into();
        let err = TrainParams::default()
            .check()
            .unwrap()
            .fit(&numbers, None, &Silent)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "d.jsonl:5: label field \"topic\" holds a number (1); labels must be strings (write it in quotes)"
        );
    }
}
