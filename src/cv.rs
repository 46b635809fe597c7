//! Stratified k-fold cross-validation of a training configuration.
//!
//! Each fold refits the *whole* pipeline, vectorizer included, so IDF and
//! vocabulary never see the held-out documents. Scores are reported two
//! ways: the mean (and spread) over folds, and pooled over all out-of-fold
//! predictions. They differ most when a class is smaller than the number of
//! folds: the folds that train without it cannot predict it, the fold mean
//! hides that, the pooled macro-F1 does not, and a warning says so.

use crate::corpus::Record;
use crate::metrics::scores;
use crate::model::{CvScores, PooledScores};
use crate::params::ParamError;
use crate::progress::Progress;
use crate::rng::stratified_folds;
use crate::train::{head_data, resolve_labels, TrainError, TrainValidParams};

/// The fold counts cross-validation accepts.
pub const FOLDS: std::ops::RangeInclusive<usize> = 2..=20;

/// Checked fold count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Folds(usize);

impl Folds {
    /// Checks `k` against [`FOLDS`].
    pub fn new(k: usize) -> Result<Folds, ParamError> {
        if FOLDS.contains(&k) {
            Ok(Folds(k))
        } else {
            Err(ParamError::new("--cv", k, "need 2 to 20 folds"))
        }
    }

    /// The number of folds.
    pub fn get(self) -> usize {
        self.0
    }
}

/// Out-of-fold predictions of one head.
#[derive(Clone, Debug)]
pub struct HeadCv {
    /// The head.
    pub name: String,
    /// Its classes, sorted.
    pub classes: Vec<String>,
    /// Corpus positions of the head's documents.
    pub docs: Vec<usize>,
    /// Gold class of each of `docs`.
    pub gold: Vec<usize>,
    /// Out-of-fold prediction of each.
    pub pred: Vec<usize>,
    /// Probability of each predicted class.
    pub probability: Vec<f32>,
    /// The fold each document was held out in.
    pub fold: Vec<usize>,
    /// Per-fold and pooled scores.
    pub scores: CvScores,
}

/// Cross-validation of every head, and what the user should know about it.
#[derive(Clone, Debug)]
pub struct CvResult {
    /// One entry per head.
    pub heads: Vec<HeadCv>,
    /// Warnings, e.g. classes smaller than the number of folds.
    pub warnings: Vec<String>,
}

impl CvResult {
    /// Each head's scores, to store in a model
    /// ([`TrainValidParams::fit`]).
    pub fn scores(&self) -> std::collections::BTreeMap<String, CvScores> {
        self.heads
            .iter()
            .map(|h| (h.name.clone(), h.scores.clone()))
            .collect()
    }
}

/// Stratified k-fold cross-validation of `params` on `corpus`, per head;
/// folds are seeded with the params' seed.
pub fn cross_validate(
    params: &TrainValidParams,
    corpus: &[Record],
    folds: Folds,
    progress: &dyn Progress,
) -> Result<CvResult, TrainError> {
    let k = folds.get();
    let seed = params.params().seed;
    let fields = resolve_labels(&params.params().labels, corpus)?;
    let heads = head_data(&fields, corpus)?;
    let mut out = CvResult {
        heads: Vec::new(),
        warnings: Vec::new(),
    };
    progress.begin("cross-validating", (heads.len() * k) as u64);
    for head in heads {
        let n = head.docs.len();
        if n < k {
            return Err(TrainError::Folds {
                k,
                field: head.name,
                documents: n,
            });
        }
        for (c, class) in head.classes.iter().enumerate() {
            let count = head.targets.iter().filter(|&&t| t == c).count();
            if count < k {
                out.warnings.push(format!(
                    "{}: class {class:?} has {count} document{}, fewer than the {k} folds: folds that train without it cannot predict it, and the fold mean hides that (see the pooled scores)",
                    head.name,
                    if count == 1 { "" } else { "s" },
                ));
            }
        }
        let assignment = stratified_folds(&head.targets, k, seed);
        let mut pred = vec![0usize; n];
        let mut probability = vec![0f32; n];
        let mut fold_acc = Vec::new();
        let mut fold_f1 = Vec::new();
        for f in 0..k {
            let train: Vec<usize> = (0..n).filter(|&i| assignment[i] != f).collect();
            let test: Vec<usize> = (0..n).filter(|&i| assignment[i] == f).collect();
            let texts: Vec<&str> = train
                .iter()
                .map(|&i| corpus[head.docs[i]].text.as_str())
                .collect();
            let targets: Vec<usize> = train.iter().map(|&i| head.targets[i]).collect();
            let (vectorizer, x) = params.vectorizer().fit_transform(&texts)?;
            let classifier = params.fit_classifier(&x, &targets, head.classes.len())?;
            let test_texts: Vec<&str> = test
                .iter()
                .map(|&i| corpus[head.docs[i]].text.as_str())
                .collect();
            let tx = vectorizer.transform(&test_texts);
            for (row, &i) in test.iter().enumerate() {
                let p = classifier.proba_row(&tx, row);
                pred[i] = crate::classifier::argmax(&p);
                probability[i] = p[pred[i]];
            }
            let gold_f: Vec<usize> = test.iter().map(|&i| head.targets[i]).collect();
            let pred_f: Vec<usize> = test.iter().map(|&i| pred[i]).collect();
            let s = scores(&head.classes, &gold_f, &pred_f);
            fold_acc.push(s.accuracy);
            fold_f1.push(s.macro_f1);
            progress.advance(1);
        }
        let pooled = scores(&head.classes, &head.targets, &pred);
        out.heads.push(HeadCv {
            name: head.name,
            classes: head.classes,
            docs: head.docs,
            gold: head.targets,
            pred,
            probability,
            fold: assignment,
            scores: CvScores {
                folds: k,
                accuracy: fold_acc,
                macro_f1: fold_f1,
                pooled: Some(PooledScores {
                    accuracy: pooled.accuracy,
                    macro_f1: pooled.macro_f1,
                }),
            },
        });
    }
    progress.end();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;
    use crate::train::tests::{corpus, rec};
    use crate::train::TrainParams;

    #[test]
    fn cross_validation_scores_every_document_once() {
        let params = TrainParams {
            seed: 1,
            ..Default::default()
        };
        let cv = cross_validate(
            &params.check().unwrap(),
            &corpus(),
            Folds::new(3).unwrap(),
            &Silent,
        )
        .unwrap();
        assert_eq!(cv.heads[0].gold.len(), 18);
        assert_eq!(cv.heads[0].scores.accuracy.len(), 3);
        assert_eq!(cv.heads[0].pred, cv.heads[0].gold, "separable toy data");
        assert_eq!(cv.heads[0].scores.pooled.unwrap().macro_f1, 1.0);
        assert!(cv.warnings.is_empty());
    }

    #[test]
    fn a_class_smaller_than_the_folds_is_warned_about_and_pooled() {
        let mut data = corpus();
        data.push(rec(
            "a lone sports story about the cup final",
            "other",
            None,
        ));
        let cv = cross_validate(
            &TrainParams::default().check().unwrap(),
            &data,
            Folds::new(3).unwrap(),
            &Silent,
        )
        .unwrap();
        assert_eq!(
            cv.warnings,
            ["topic: class \"other\" has 1 document, fewer than the 3 folds: folds that train without it cannot predict it, and the fold mean hides that (see the pooled scores)"]
        );
        let topic = &cv.heads[0];
        let pooled = topic.scores.pooled.unwrap();
        let (mean, _) = crate::metrics::mean_std(&topic.scores.macro_f1);
        // The lone document is never predicted: pooled macro-F1 averages
        // in its zero F1, while the folds without it average it away.
        assert!(
            pooled.macro_f1 < mean,
            "pooled {} mean {mean}",
            pooled.macro_f1
        );
    }

    #[test]
    fn fold_counts_are_checked() {
        assert_eq!(
            Folds::new(1).unwrap_err().to_string(),
            "--cv 1 is out of range: need 2 to 20 folds"
        );
        assert_eq!(
            Folds::new(21).unwrap_err().to_string(),
            "--cv 21 is out of range: need 2 to 20 folds"
        );
    }
}
