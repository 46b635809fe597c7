//! Evaluation: a model (or a training configuration, by cross-validation)
//! scored on labeled documents, per head: accuracy, macro-F1, weighted F1,
//! per-class scores, the confusion matrix, a risk-coverage table (what
//! labeling only the confident predictions gives), and every prediction.
//! The model labels each document as `classify label` would, domain check
//! included: a document it cannot read is predicted `unknown` and counts as
//! a miss. The result is an [`EvalReport`], which [`crate::render`] writes
//! as text, JSON, Markdown or HTML.

use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::{check_label_field, LabelTypeError, Record};
use crate::cv::{CvResult, Folds};
use crate::metrics::{
    mean_std, report_thresholds, risk_coverage, scores_abstaining, threshold_for, RiskRow, Scored,
    Scores,
};
use crate::model::{CvScores, DocumentLabels, LabelOptions, Metadata, Model, UNKNOWN_LABEL};

/// Characters of a document kept as its excerpt in reports.
const EXCERPT_CHARS: usize = 400;
/// Terms kept per prediction for reports.
const TERMS: usize = 5;
/// Most confident mistakes that reports list per head (with evidence).
pub const SHOWN_MISTAKES: usize = 10;
/// Evidence sentences kept for each listed mistake.
const EVIDENCE: usize = 2;

/// One document's prediction, kept for reports that show examples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocPrediction {
    /// The document's id.
    pub id: String,
    /// Gold class index.
    pub gold: usize,
    /// Predicted class index (the class `unknown` when the model could
    /// not read the document).
    pub pred: usize,
    /// Probability of the predicted class (`None` for `unknown`).
    pub probability: Option<f32>,
    /// Words that pushed toward the prediction (empty under
    /// cross-validation).
    pub terms: Vec<String>,
    /// Sentences that pushed toward the prediction, for the most confident
    /// mistakes.
    pub evidence: Vec<String>,
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
    /// Documents the model could not read (predicted `unknown`).
    pub unknown: usize,
    /// Labeled share, accuracy and macro-F1 when only predictions at or
    /// above each threshold (0.00 to 0.95) are kept.
    pub risk_coverage: Vec<RiskRow>,
    /// The lowest threshold that reaches the asked accuracy, if one was
    /// asked (`--target-accuracy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Every prediction.
    #[serde(skip)]
    pub predictions: Vec<DocPrediction>,
}

/// The threshold that reaches an asked accuracy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    /// The accuracy asked for.
    pub accuracy: f64,
    /// What the lowest threshold reaching it gives (`None`: no threshold
    /// reaches it on this data).
    pub reached: Option<RiskRow>,
}

impl HeadEval {
    /// The head's evaluation from its predictions; the risk-coverage table
    /// and the target threshold come from them. `unknown_class` is the index
    /// of the class `unknown` in `classes`, if there is one.
    pub fn new(
        head: String,
        classes: &[String],
        predictions: Vec<DocPrediction>,
        unknown_class: Option<usize>,
        cv: Option<CvSummary>,
        target: Option<f64>,
    ) -> HeadEval {
        let gold: Vec<usize> = predictions.iter().map(|r| r.gold).collect();
        let pred: Vec<usize> = predictions.iter().map(|r| r.pred).collect();
        let scored: Vec<Scored> = predictions
            .iter()
            .map(|p| Scored {
                gold: p.gold,
                pred: (Some(p.pred) != unknown_class).then_some(p.pred),
                probability: p.probability,
            })
            .collect();
        HeadEval {
            head,
            scores: scores_abstaining(classes, &gold, &pred, unknown_class),
            cv,
            unknown: scored.iter().filter(|s| s.pred.is_none()).count(),
            risk_coverage: risk_coverage(classes, &scored, &report_thresholds()),
            target: target.map(|accuracy| Target {
                accuracy,
                reached: threshold_for(classes, &scored, accuracy),
            }),
            predictions,
        }
    }
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
    /// Find the lowest threshold whose labeled share reaches this accuracy.
    pub target_accuracy: Option<f64>,
}

impl EvalOptions {
    /// Checks `target_accuracy`.
    pub fn check(&self) -> Result<(), crate::params::ParamError> {
        match self.target_accuracy {
            Some(t) if !(t > 0.0 && t <= 1.0) => Err(crate::params::ParamError::new(
                "--target-accuracy",
                t,
                "need an accuracy in (0, 1]",
            )),
            _ => Ok(()),
        }
    }
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
    let with_terms = LabelOptions {
        explain: TERMS,
        ..Default::default()
    };
    // Every document as `classify label` sees it, domain check included.
    let labeled: Vec<DocumentLabels> = records
        .par_iter()
        .map(|r| model.label_clean(&r.text, &with_terms))
        .collect();
    let mut heads = Vec::new();
    let mut notes = Vec::new();
    for (h, head) in model.heads().iter().enumerate() {
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
        // Gold classes the model never saw still count (as misses), and so
        // do documents it could not read (predicted `unknown`).
        let mut classes = head.classes.clone();
        for &i in &docs {
            let g = &records[i].labels[&head.name];
            if !classes.contains(g) {
                classes.push(g.clone());
            }
        }
        classes[head.classes.len()..].sort();
        if docs.iter().any(|&i| labeled[i].heads[h].class.is_none())
            && !classes.iter().any(|c| c == UNKNOWN_LABEL)
        {
            classes.push(UNKNOWN_LABEL.to_string());
        }
        let unknown_class = classes.iter().position(|c| c == UNKNOWN_LABEL);
        let mut predictions: Vec<DocPrediction> = docs
            .iter()
            .map(|&i| {
                let l = &labeled[i].heads[h];
                let gold_label = &records[i].labels[&head.name];
                DocPrediction {
                    id: records[i].id.clone(),
                    gold: classes
                        .iter()
                        .position(|c| c == gold_label)
                        .expect("added above"),
                    pred: l.class.or(unknown_class).expect("unknown is a class"),
                    probability: l.probability,
                    terms: l.explain.iter().map(|e| e.term.clone()).collect(),
                    evidence: Vec::new(),
                    excerpt: excerpt(&records[i].text),
                }
            })
            .collect();
        // The sentences behind the mistakes that reports list.
        let with_evidence = LabelOptions {
            evidence: EVIDENCE,
            ..Default::default()
        };
        let listed = confident_mistakes(&predictions, SHOWN_MISTAKES);
        let found: Vec<(usize, Vec<String>)> = listed
            .par_iter()
            .map(|&k| {
                let l = model.label_clean(&records[docs[k]].text, &with_evidence);
                let sentences = l.heads[h]
                    .evidence
                    .iter()
                    .map(|e| e.sentence.clone())
                    .collect();
                (k, sentences)
            })
            .collect();
        for (k, sentences) in found {
            predictions[k].evidence = sentences;
        }
        heads.push(HeadEval::new(
            head.name.clone(),
            &classes,
            predictions,
            unknown_class,
            None,
            options.target_accuracy,
        ));
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

/// Wrong predictions, most confident first (ties by document id; the
/// unreadable last): positions in `predictions`.
pub fn confident_mistakes(predictions: &[DocPrediction], n: usize) -> Vec<usize> {
    let mut m: Vec<usize> = (0..predictions.len())
        .filter(|&i| predictions[i].gold != predictions[i].pred)
        .collect();
    m.sort_by(|&a, &b| {
        let (a, b) = (&predictions[a], &predictions[b]);
        let (pa, pb) = (a.probability.unwrap_or(-1.0), b.probability.unwrap_or(-1.0));
        pb.total_cmp(&pa).then_with(|| a.id.cmp(&b.id))
    });
    m.truncate(n);
    m
}

/// The report of a cross-validation: pooled out-of-fold scores per head,
/// with the fold statistics.
pub fn cv_report(
    cv: &CvResult,
    records: &[Record],
    folds: Folds,
    algorithm: &str,
    data: &str,
    target_accuracy: Option<f64>,
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
                        probability: Some(h.probability[i]),
                        terms: vec![],
                        evidence: vec![],
                        excerpt: excerpt(&r.text),
                    }
                })
                .collect();
            HeadEval::new(
                h.name.clone(),
                &h.classes,
                predictions,
                None,
                Some(CvSummary::from_scores(&h.scores)),
                target_accuracy,
            )
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
