//! Training and cross-validation of a whole model: vectorizer plus one
//! classifier per label field.
//!
//! [`TrainParams`] (raw) -> [`TrainValidParams`] (checked) -> [`Model`]
//! (fitted). Cross-validation refits the *whole* pipeline per fold,
//! vectorizer included, so IDF and vocabulary never see the held-out fold.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::bayes::{BayesError, BayesParams, BayesValidParams};
use crate::corpus::Record;
use crate::cv::stratified_folds;
use crate::linear::{argmax, LinearError, LinearParams, LinearValidParams};
use crate::metrics::scores;
use crate::model::{build_date, Classifier, CvScores, Head, HeadInfo, Metadata, Model};
use crate::vectorize::{Csr, TfIdfParams, TfIdfValidParams, VectorizeError};

/// The label fields trained when none are named, if the data has them.
pub const DEFAULT_LABELS: &[&str] = &["topic", "stance"];

/// Errors from training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("no document has the label field {field:?} (fields found: {available})")]
    MissingLabel { field: String, available: String },
    #[error("no label field to train: the data has neither \"topic\", \"stance\" nor \"label\"; name one with --label (fields found: {available})")]
    NoLabels { available: String },
    #[error(
        "label field {field:?} has a single class ({class:?}, {count} documents): need at least 2"
    )]
    SingleClass {
        field: String,
        class: String,
        count: usize,
    },
    #[error("cross-validation with {k} folds is invalid: need 2 to 20 folds, and at least as many documents ({documents})")]
    Folds { k: usize, documents: usize },
    #[error(transparent)]
    Vectorize(#[from] VectorizeError),
    #[error(transparent)]
    Linear(#[from] LinearError),
    #[error(transparent)]
    Bayes(#[from] BayesError),
}

/// Which classifier each head uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Algorithm {
    Linear(LinearParams),
    Bayes(BayesParams),
}

impl Algorithm {
    pub fn name(&self) -> &'static str {
        match self {
            Algorithm::Linear(_) => "linear-svm",
            Algorithm::Bayes(_) => "multinomial-nb",
        }
    }
}

/// Reports progress of long steps; the binary draws bars, tests stay quiet.
pub trait Progress: Sync {
    fn begin(&self, _step: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn end(&self) {}
}

/// No progress output.
pub struct Silent;
impl Progress for Silent {}

/// Everything that configures training.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainParams {
    pub vectorizer: TfIdfParams,
    pub algorithm: Algorithm,
    /// Label fields; empty means [`DEFAULT_LABELS`] (or `label`).
    pub labels: Vec<String>,
    /// Recorded in the model's metadata.
    pub command: Vec<String>,
    pub data: String,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            vectorizer: TfIdfParams::default(),
            algorithm: Algorithm::Linear(LinearParams::default()),
            labels: Vec::new(),
            command: Vec::new(),
            data: String::new(),
        }
    }
}

enum ValidAlgorithm {
    Linear(LinearValidParams),
    Bayes(BayesValidParams),
}

/// Checked training parameters.
pub struct TrainValidParams {
    params: TrainParams,
    vectorizer: TfIdfValidParams,
    algorithm: ValidAlgorithm,
}

impl TrainParams {
    pub fn check(&self) -> Result<TrainValidParams, TrainError> {
        let vectorizer = self.vectorizer.check()?;
        let algorithm = match &self.algorithm {
            Algorithm::Linear(p) => ValidAlgorithm::Linear(p.check()?),
            Algorithm::Bayes(p) => ValidAlgorithm::Bayes(p.check()?),
        };
        Ok(TrainValidParams {
            params: self.clone(),
            vectorizer,
            algorithm,
        })
    }
}

/// One head's documents: positions in the corpus and class indices.
pub struct HeadData {
    pub name: String,
    pub classes: Vec<String>,
    pub docs: Vec<usize>,
    pub targets: Vec<usize>,
}

/// Out-of-fold predictions of one head.
#[derive(Clone, Debug)]
pub struct HeadCv {
    pub name: String,
    pub classes: Vec<String>,
    /// Corpus positions of the head's documents.
    pub docs: Vec<usize>,
    pub gold: Vec<usize>,
    pub pred: Vec<usize>,
    /// Probability of each predicted class.
    pub probability: Vec<f32>,
    pub fold: Vec<usize>,
    pub scores: CvScores,
}

fn fields_found(corpus: &[Record]) -> String {
    let all: BTreeSet<&str> = corpus
        .iter()
        .flat_map(|r| r.labels.keys().map(String::as_str))
        .collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.into_iter().collect::<Vec<_>>().join(", ")
    }
}

/// The label fields to train: as named, or the defaults present.
pub fn resolve_labels(requested: &[String], corpus: &[Record]) -> Result<Vec<String>, TrainError> {
    let has = |f: &str| corpus.iter().any(|r| r.labels.contains_key(f));
    if !requested.is_empty() {
        for field in requested {
            if !has(field) {
                return Err(TrainError::MissingLabel {
                    field: field.clone(),
                    available: fields_found(corpus),
                });
            }
        }
        return Ok(requested.to_vec());
    }
    let defaults: Vec<String> = DEFAULT_LABELS
        .iter()
        .filter(|f| has(f))
        .map(|f| f.to_string())
        .collect();
    if !defaults.is_empty() {
        return Ok(defaults);
    }
    if has("label") {
        return Ok(vec!["label".into()]);
    }
    Err(TrainError::NoLabels {
        available: fields_found(corpus),
    })
}

/// Documents and sorted classes of each label field.
pub fn head_data(fields: &[String], corpus: &[Record]) -> Result<Vec<HeadData>, TrainError> {
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

/// Rows `rows` of `x`, in that order.
pub fn select_rows(x: &Csr, rows: &[usize]) -> Csr {
    let ptr = x.indptr();
    let ptr = ptr.raw_storage();
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    indptr.push(0);
    let mut indices = Vec::new();
    let mut data = Vec::new();
    for &r in rows {
        indices.extend_from_slice(&x.indices()[ptr[r]..ptr[r + 1]]);
        data.extend_from_slice(&x.data()[ptr[r]..ptr[r + 1]]);
        indptr.push(indices.len());
    }
    Csr::new((rows.len(), x.cols()), indptr, indices, data)
}

impl TrainValidParams {
    pub fn params(&self) -> &TrainParams {
        &self.params
    }

    fn fit_classifier(
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

    /// Trains on the whole corpus. `cv` carries cross-validated scores to
    /// store in the metadata (from [`Self::cross_validate`]).
    pub fn fit(
        &self,
        corpus: &[Record],
        cv: Option<&[HeadCv]>,
        progress: &dyn Progress,
    ) -> Result<Model, TrainError> {
        let fields = resolve_labels(&self.params.labels, corpus)?;
        let heads = head_data(&fields, corpus)?;
        progress.begin("vectorizing", corpus.len() as u64);
        let texts: Vec<&str> = corpus.iter().map(|r| r.text.as_str()).collect();
        let (vectorizer, x) = self.vectorizer.fit_transform(&texts)?;
        progress.advance(corpus.len() as u64);
        progress.end();
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
            let cv = cv
                .and_then(|all| all.iter().find(|c| c.name == head.name))
                .map(|c| c.scores.clone());
            infos.push(HeadInfo {
                name: head.name.clone(),
                class_counts,
                cv,
            });
            fitted.push(Head {
                name: head.name.clone(),
                classes: head.classes.clone(),
                classifier,
            });
            progress.advance(1);
        }
        progress.end();
        let metadata = Metadata {
            created: build_date(),
            classify_version: env!("CARGO_PKG_VERSION").to_string(),
            command: self.params.command.clone(),
            data: self.params.data.clone(),
            documents: corpus.len(),
            algorithm: self.params.algorithm.name().to_string(),
            heads: infos,
        };
        Ok(Model::new(vectorizer, fitted, metadata))
    }

    /// Stratified k-fold cross-validation of this configuration, per head.
    pub fn cross_validate(
        &self,
        corpus: &[Record],
        k: usize,
        seed: u64,
        progress: &dyn Progress,
    ) -> Result<Vec<HeadCv>, TrainError> {
        let fields = resolve_labels(&self.params.labels, corpus)?;
        let heads = head_data(&fields, corpus)?;
        let mut out = Vec::new();
        progress.begin("cross-validating", (heads.len() * k) as u64);
        for head in heads {
            let n = head.docs.len();
            if !(2..=20).contains(&k) || n < k {
                return Err(TrainError::Folds { k, documents: n });
            }
            let folds = stratified_folds(&head.targets, k, seed);
            let mut pred = vec![0usize; n];
            let mut probability = vec![0f32; n];
            let mut fold_acc = Vec::new();
            let mut fold_f1 = Vec::new();
            for f in 0..k {
                let train: Vec<usize> = (0..n).filter(|&i| folds[i] != f).collect();
                let test: Vec<usize> = (0..n).filter(|&i| folds[i] == f).collect();
                let texts: Vec<&str> = train
                    .iter()
                    .map(|&i| corpus[head.docs[i]].text.as_str())
                    .collect();
                let targets: Vec<usize> = train.iter().map(|&i| head.targets[i]).collect();
                let (vectorizer, x) = self.vectorizer.fit_transform(&texts)?;
                let classifier = self.fit_classifier(&x, &targets, head.classes.len())?;
                let test_texts: Vec<&str> = test
                    .iter()
                    .map(|&i| corpus[head.docs[i]].text.as_str())
                    .collect();
                let tx = vectorizer.transform(&test_texts);
                let ptr = tx.indptr();
                let ptr = ptr.raw_storage();
                for (row, &i) in test.iter().enumerate() {
                    let (a, b) = (ptr[row], ptr[row + 1]);
                    let p = classifier.proba_one(&tx.indices()[a..b], &tx.data()[a..b]);
                    pred[i] = argmax(&p);
                    probability[i] = p[pred[i]];
                }
                let gold_f: Vec<usize> = test.iter().map(|&i| head.targets[i]).collect();
                let pred_f: Vec<usize> = test.iter().map(|&i| pred[i]).collect();
                let s = scores(&head.classes, &gold_f, &pred_f);
                fold_acc.push(s.accuracy);
                fold_f1.push(s.macro_f1);
                progress.advance(1);
            }
            out.push(HeadCv {
                name: head.name,
                classes: head.classes,
                docs: head.docs,
                gold: head.targets,
                pred,
                probability,
                fold: folds,
                scores: CvScores {
                    folds: k,
                    accuracy: fold_acc,
                    macro_f1: fold_f1,
                },
            });
        }
        progress.end();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(text: &str, topic: &str, stance: Option<&str>) -> Record {
        let mut labels = BTreeMap::new();
        labels.insert("topic".to_string(), topic.to_string());
        if let Some(s) = stance {
            labels.insert("stance".to_string(), s.to_string());
        }
        Record {
            id: text.into(),
            text: text.into(),
            labels,
        }
    }

    fn corpus() -> Vec<Record> {
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
        let labels = model.label("deportation of migrants at the border", 2);
        assert_eq!(labels[0].label, "immigration");
        assert_eq!(labels[1].label, "critical");
        assert!(!labels[0].explain.is_empty());
    }

    #[test]
    fn cross_validation_scores_every_document_once() {
        let cv = TrainParams::default()
            .check()
            .unwrap()
            .cross_validate(&corpus(), 3, 1, &Silent)
            .unwrap();
        assert_eq!(cv[0].gold.len(), 18);
        assert_eq!(cv[0].scores.accuracy.len(), 3);
        assert_eq!(cv[0].pred, cv[0].gold, "separable toy data");
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
        let err = TrainParams::default()
            .check()
            .unwrap()
            .cross_validate(&corpus(), 1, 1, &Silent)
            .unwrap_err();
        assert!(err
            .to_string()
            .starts_with("cross-validation with 1 folds is invalid"));
    }
}
