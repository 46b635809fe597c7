//! Evaluation: a model (or a training configuration, by cross-validation)
//! scored on labeled documents, per head: accuracy, macro-F1, weighted F1,
//! per-class scores, the confusion matrix and every prediction. The result
//! is an [`EvalReport`], which [`crate::render`] writes as text, JSON,
//! Markdown or HTML.

use rayon::prelude::*;
use serde::Serialize;

use crate::classifier::argmax;
use crate::corpus::{check_label_field, LabelTypeError, Record};
use crate::cv::{CvResult, Folds};
use crate::metrics::{mean_std, scores, Scores};
use crate::model::{CvScores, Metadata, Model};
use crate::sparse::row;

/// Characters of a document kept as its excerpt in reports.
const EXCERPT_CHARS: usize = 400;
/// Terms kept per prediction for reports.
const TERMS: usize = 5;

/// One document's prediction, kept for reports that show examples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocPrediction {
    /// The document's id.
    pub id: String,
    /// Gold class index.
    pub gold: usize,
    /// Predicted class index.
    pub pred: usize,
    /// Probability of the predicted class.
    pub probability: f32,
    /// Terms that pushed toward the prediction (empty under cross-validation).
    pub terms: Vec<String>,
    /// The start of the document's clean text.
    pub excerpt: String,
}

/// The evaluation of one head.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeadEval {
    /// The head.
    pub head: String,
    /// Its scores.
    #[serde(flatten)]
    pub scores: Scores,
    /// Fold statistics, under cross-validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvSummary>,
    /// Every prediction.
    #[serde(skip)]
    pub predictions: Vec<DocPrediction>,
}

/// Per-fold scores with their mean and spread, and the pooled scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CvSummary {
    /// Number of folds.
    pub folds: usize,
    /// Mean accuracy over folds.
    pub accuracy_mean: f64,
    /// Its standard deviation.
    pub accuracy_std: f64,
    /// Mean macro-F1 over folds.
    pub macro_f1_mean: f64,
    /// Its standard deviation.
    pub macro_f1_std: f64,
    /// Accuracy of each fold.
    pub fold_accuracy: Vec<f64>,
    /// Macro-F1 of each fold.
    pub fold_macro_f1: Vec<f64>,
    /// Accuracy over all folds' predictions together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pooled_accuracy: Option<f64>,
    /// Macro-F1 over all folds' predictions together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pooled_macro_f1: Option<f64>,
}

impl CvSummary {
    /// Mean and spread of stored fold scores.
    pub fn from_scores(s: &CvScores) -> CvSummary {
        let (am, asd) = mean_std(&s.accuracy);
        let (fm, fsd) = mean_std(&s.macro_f1);
        CvSummary {
            folds: s.folds,
            accuracy_mean: am,
            accuracy_std: asd,
            macro_f1_mean: fm,
            macro_f1_std: fsd,
            fold_accuracy: s.accuracy.clone(),
            fold_macro_f1: s.macro_f1.clone(),
            pooled_accuracy: s.pooled.map(|p| p.accuracy),
            pooled_macro_f1: s.pooled.map(|p| p.macro_f1),
        }
    }
}

/// A whole evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    /// The model evaluated, or "cross-validation".
    pub model: String,
    /// The data as named.
    pub data: String,
    /// One evaluation per head.
    pub heads: Vec<HeadEval>,
    /// Heads skipped and why.
    pub notes: Vec<String>,
    /// The model's training metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// Errors from evaluating a model.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A head asked for that the model does not have.
    #[error("{model}: the model has no head {head:?} (heads: {heads})")]
    NoHead {
        /// The model's origin.
        model: String,
        /// The head asked for.
        head: String,
        /// The heads it has.
        heads: String,
    },
    /// No document carries a label of any evaluated head.
    #[error("{data}: no document carries a label the model predicts ({heads})")]
    NoLabels {
        /// The data as named.
        data: String,
        /// The model's heads.
        heads: String,
    },
    /// A gold label is a number or a boolean.
    #[error(transparent)]
    LabelType(#[from] LabelTypeError),
}

/// The start of a document's text, for reports.
fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// What to evaluate.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// The data's name for the report.
    pub data: String,
    /// Heads to evaluate (lowercase); empty means every head the data
    /// labels.
    pub heads: Vec<String>,
}

/// Scores `model` on `records` (texts cleaned by the model's cleaner). Heads
/// whose field the data lacks are skipped with a note; gold classes the
/// model never saw count as misses.
pub fn evaluate(
    model: &Model,
    records: &[Record],
    options: &EvalOptions,
) -> Result<EvalReport, EvalError> {
    let head_names = || {
        model
            .heads()
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for wanted in &options.heads {
        if model.head(wanted).is_none() {
            return Err(EvalError::NoHead {
                model: model.origin().to_string(),
                head: wanted.clone(),
                heads: head_names(),
            });
        }
    }
    let texts: Vec<&str> = records.iter().map(|r| r.text.as_str()).collect();
    let x = model.vectorizer().transform(&texts);
    let mut heads = Vec::new();
    let mut notes = Vec::new();
    for head in model.heads() {
        if !options.heads.is_empty() && !options.heads.contains(&head.name) {
            continue;
        }
        check_label_field(records, &head.name)?;
        let docs: Vec<usize> = (0..records.len())
            .filter(|&i| records[i].labels.contains_key(&head.name))
            .collect();
        if docs.is_empty() {
            notes.push(format!(
                "head {:?} skipped: the data has no {:?} labels",
                head.name, head.name
            ));
            continue;
        }
        // Gold classes the model never saw still count (as misses).
        let mut classes = head.classes.clone();
        for &i in &docs {
            let g = &records[i].labels[&head.name];
            if !classes.contains(g) {
                classes.push(g.clone());
            }
        }
        classes[head.classes.len()..].sort();
        let predictions: Vec<DocPrediction> = docs
            .par_iter()
            .map(|&i| {
                let (idx, val) = row(&x, i);
                let p = head.classifier.proba_one(idx, val);
                let pred = argmax(&p);
                let terms = head
                    .classifier
                    .contributions(idx, val, pred, TERMS)
                    .into_iter()
                    .map(|(j, _)| model.vectorizer().feature(j as usize).to_string())
                    .collect();
                let gold_label = &records[i].labels[&head.name];
                let gold = classes
                    .iter()
                    .position(|c| c == gold_label)
                    .expect("added above");
                DocPrediction {
                    id: records[i].id.clone(),
                    gold,
                    pred,
                    probability: p[pred],
                    terms,
                    excerpt: excerpt(&records[i].text),
                }
            })
            .collect();
        let gold: Vec<usize> = predictions.iter().map(|r| r.gold).collect();
        let pred: Vec<usize> = predictions.iter().map(|r| r.pred).collect();
        heads.push(HeadEval {
            head: head.name.clone(),
            scores: scores(&classes, &gold, &pred),
            cv: None,
            predictions,
        });
    }
    if heads.is_empty() {
        return Err(EvalError::NoLabels {
            data: options.data.clone(),
            heads: head_names(),
        });
    }
    Ok(EvalReport {
        model: model.origin().to_string(),
        data: options.data.clone(),
        heads,
        notes,
        metadata: Some(model.metadata().clone()),
    })
}

/// The report of a cross-validation: pooled out-of-fold scores per head,
/// with the fold statistics.
pub fn cv_report(
    cv: &CvResult,
    records: &[Record],
    folds: Folds,
    algorithm: &str,
    data: &str,
) -> EvalReport {
    let heads = cv
        .heads
        .iter()
        .map(|h| {
            let predictions = (0..h.docs.len())
                .map(|i| {
                    let r = &records[h.docs[i]];
                    DocPrediction {
                        id: r.id.clone(),
                        gold: h.gold[i],
                        pred: h.pred[i],
                        probability: h.probability[i],
                        terms: vec![],
                        excerpt: excerpt(&r.text),
                    }
                })
                .collect();
            HeadEval {
                head: h.name.clone(),
                scores: scores(&h.classes, &h.gold, &h.pred),
                cv: Some(CvSummary::from_scores(&h.scores)),
                predictions,
            }
        })
        .collect();
    EvalReport {
        model: format!("cross-validation ({} folds, {algorithm})", folds.get()),
        data: data.to_string(),
        heads,
        notes: vec![],
        metadata: None,
    }
}
