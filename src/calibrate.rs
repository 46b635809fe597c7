//! Making probabilities honest for a user's own sources.
//!
//! A model's probabilities are calibrated on out-of-fold scores of its own
//! training corpus; on other news they can be far surer than they are
//! right (the shipped stance head is right about 60% of the time on real
//! articles while its probabilities look much surer). Given a few hundred
//! labeled articles of their own, a user can refit each head's softmax
//! temperature on them (minimum negative log-likelihood, as at training)
//! and store a recommended threshold: the lowest probability at which the
//! labeled share of that sample reaches a target accuracy. `classify label
//! --min-confidence auto` then marks everything below it uncertain.

use rayon::prelude::*;
use serde::Serialize;

use crate::classifier::calibration::fit_temperature;
use crate::corpus::{check_label_field, LabelTypeError, Record};
use crate::metrics::{threshold_for, RiskRow, Scored};
use crate::model::{Calibration, LabelOptions, Model};
use crate::params::ParamError;

/// Fewest labeled documents a head needs to be calibrated.
pub const MIN_DOCUMENTS: usize = 20;

/// What to calibrate on.
#[derive(Clone, Debug)]
pub struct CalibrateOptions {
    /// The sample's name, stored with the calibration.
    pub data: String,
    /// Heads to calibrate (lowercase); empty: every head the data labels.
    pub heads: Vec<String>,
    /// The accuracy the recommended threshold must reach on the sample.
    pub target_accuracy: f64,
}

impl Default for CalibrateOptions {
    fn default() -> Self {
        CalibrateOptions {
            data: String::new(),
            heads: Vec::new(),
            target_accuracy: 0.8,
        }
    }
}

impl CalibrateOptions {
    /// Checks `target_accuracy`.
    pub fn check(&self) -> Result<(), ParamError> {
        if !(self.target_accuracy > 0.0 && self.target_accuracy <= 1.0) {
            return Err(ParamError::new(
                "--target-accuracy",
                self.target_accuracy,
                "need an accuracy in (0, 1]",
            ));
        }
        Ok(())
    }
}

/// Errors from calibrating.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// A head asked for that the model does not have.
    #[error("the model has no head {0:?}")]
    NoHead(String),
    /// Too few labeled documents for a head.
    #[error("{head}: {documents} documents with the label are too few to calibrate (need {MIN_DOCUMENTS})")]
    TooFew {
        /// The head.
        head: String,
        /// Its labeled documents in the sample.
        documents: usize,
    },
    /// The sample labels none of the model's heads.
    #[error("{0}: no document carries a label the model predicts")]
    NoLabels(String),
    /// A gold label is a number or a boolean.
    #[error(transparent)]
    LabelType(#[from] LabelTypeError),
}

/// What calibrating one head did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeadCalibration {
    /// The head.
    pub head: String,
    /// Its labeled documents in the sample.
    pub documents: usize,
    /// Of those, the ones the model could read (the others stay
    /// `unknown`).
    pub readable: usize,
    /// Softmax inverse temperature before and after.
    pub temperature: (f32, f32),
    /// The recommended threshold and what it gives on the sample.
    pub threshold: Option<RiskRow>,
    /// The accuracy asked for.
    pub target_accuracy: f64,
}

/// Refits each head's temperature on `records` (cleaned with the model's
/// cleaner) and stores the recommended thresholds in `model`.
pub fn calibrate(
    model: &mut Model,
    records: &[Record],
    options: &CalibrateOptions,
) -> Result<Vec<HeadCalibration>, CalibrateError> {
    for wanted in &options.heads {
        if model.head(wanted).is_none() {
            return Err(CalibrateError::NoHead(wanted.clone()));
        }
    }
    let names: Vec<String> = model
        .heads()
        .iter()
        .map(|h| h.name.clone())
        .filter(|n| options.heads.is_empty() || options.heads.contains(n))
        .filter(|n| records.iter().any(|r| r.labels.contains_key(n)))
        .collect();
    if names.is_empty() {
        return Err(CalibrateError::NoLabels(options.data.clone()));
    }
    // The documents the model can read, vectorized once.
    let vectors: Vec<Option<(Vec<u32>, Vec<f32>)>> = records
        .par_iter()
        .map(|r| {
            let labels = model.label_clean(&r.text, &LabelOptions::default());
            labels
                .unreadable
                .is_none()
                .then(|| model.vectorizer().transform_one(&r.text))
        })
        .collect();
    let mut out = Vec::new();
    for name in names {
        check_label_field(records, &name)?;
        let head = model.head(&name).expect("checked above");
        let docs: Vec<usize> = (0..records.len())
            .filter(|&i| records[i].labels.contains_key(&name))
            .collect();
        if docs.len() < MIN_DOCUMENTS {
            return Err(CalibrateError::TooFew {
                head: name,
                documents: docs.len(),
            });
        }
        let k = head.classes.len();
        // Raw decision values of readable documents whose class the head
        // knows: what the temperature is fitted on.
        let mut scores = Vec::new();
        let mut targets = Vec::new();
        for &i in &docs {
            let gold = head
                .classes
                .iter()
                .position(|c| *c == records[i].labels[&name]);
            if let (Some(gold), Some((idx, val))) = (gold, &vectors[i]) {
                let mut s = vec![0f32; k];
                head.classifier.decision_into(idx, val, &mut s);
                scores.extend_from_slice(&s);
                targets.push(gold);
            }
        }
        let before = head.classifier.temperature();
        let after = if targets.is_empty() {
            before
        } else {
            fit_temperature(&scores, &targets, k)
        };
        let classifier = head.classifier.clone().with_temperature(after);
        // The sample's risk-coverage with the new probabilities; gold classes
        // the head does not know are misses, unreadable documents unlabeled.
        let mut classes = head.classes.clone();
        let scored: Vec<Scored> = docs
            .iter()
            .map(|&i| {
                let label = &records[i].labels[&name];
                let gold = classes.iter().position(|c| c == label).unwrap_or_else(|| {
                    classes.push(label.clone());
                    classes.len() - 1
                });
                match &vectors[i] {
                    Some((idx, val)) => {
                        let p = classifier.proba_one(idx, val);
                        let pred = crate::classifier::argmax(&p);
                        Scored {
                            gold,
                            pred: Some(pred),
                            probability: Some(p[pred]),
                        }
                    }
                    None => Scored {
                        gold,
                        pred: None,
                        probability: None,
                    },
                }
            })
            .collect();
        let threshold = threshold_for(&classes, &scored, options.target_accuracy);
        let readable = docs.iter().filter(|&&i| vectors[i].is_some()).count();
        let head = model.head_mut(&name).expect("checked above");
        head.classifier = classifier;
        head.calibration = Some(Calibration {
            data: options.data.clone(),
            documents: docs.len(),
            previous_temperature: before,
            target_accuracy: options.target_accuracy,
            threshold: threshold.as_ref().map(|r| r.threshold as f32),
            accuracy: threshold.as_ref().map(|r| r.accuracy),
            coverage: threshold.as_ref().map(|r| r.coverage),
        });
        out.push(HeadCalibration {
            head: name,
            documents: docs.len(),
            readable,
            temperature: (before, after),
            threshold,
            target_accuracy: options.target_accuracy,
        });
    }
    Ok(out)
}
