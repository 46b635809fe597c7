//! Classification scores as everyone reports them.
//!
//! Macro-F1 here is the mean of the per-class F1 scores (scikit-learn's
//! `f1_score(average="macro")`). linfa's `ConfusionMatrix::f1_score` for
//! multi-class data is the harmonic mean of macro-precision and
//! macro-recall, a different number, so we compute our own.

use serde::Serialize;

/// Precision, recall, F1 and support of one class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassScores {
    /// The class.
    pub class: String,
    /// Right among predicted as it.
    pub precision: f64,
    /// Found among truly it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Documents truly of it.
    pub support: usize,
}

/// Scores of one head on one set of documents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scores {
    /// Documents scored.
    pub documents: usize,
    /// Share right.
    pub accuracy: f64,
    /// Mean of per-class F1 (scikit-learn's macro average).
    pub macro_f1: f64,
    /// Per-class F1 weighted by support.
    pub weighted_f1: f64,
    /// Each class's scores.
    pub per_class: Vec<ClassScores>,
    /// `confusion[gold][predicted]`, classes in `per_class` order.
    pub confusion: Vec<Vec<usize>>,
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Scores from gold and predicted class indices into `classes`.
pub fn scores(classes: &[String], gold: &[usize], pred: &[usize]) -> Scores {
    scores_abstaining(classes, gold, pred, None)
}

/// [`scores`] where class `abstain` (if any) is not a class but the
/// model's "cannot say" (`unknown`): its predictions are misses of their
/// gold class, and it does not enter the macro average as a class of its
/// own (it has no gold documents, so its F1 would be 0 and dilute the mean
/// of the real classes).
pub fn scores_abstaining(
    classes: &[String],
    gold: &[usize],
    pred: &[usize],
    abstain: Option<usize>,
) -> Scores {
    assert_eq!(gold.len(), pred.len(), "one prediction per gold label");
    let k = classes.len();
    let mut confusion = vec![vec![0usize; k]; k];
    for (&g, &p) in gold.iter().zip(pred) {
        confusion[g][p] += 1;
    }
    let n = gold.len();
    let correct: usize = (0..k).map(|c| confusion[c][c]).sum();
    let per_class: Vec<ClassScores> = (0..k)
        .map(|c| {
            let tp = confusion[c][c];
            let support: usize = confusion[c].iter().sum();
            let predicted: usize = (0..k).map(|g| confusion[g][c]).sum();
            let precision = ratio(tp, predicted);
            let recall = ratio(tp, support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassScores {
                class: classes[c].clone(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    // Like scikit-learn, classes that are neither in the gold labels nor
    // predicted do not enter the macro average.
    let active: Vec<&ClassScores> = per_class
        .iter()
        .enumerate()
        .filter(|(c, s)| Some(*c) != abstain || s.support > 0)
        .filter(|(c, s)| s.support > 0 || (0..k).any(|g| confusion[g][*c] > 0))
        .map(|(_, s)| s)
        .collect();
    let macro_f1 = if active.is_empty() {
        0.0
    } else {
        active.iter().map(|s| s.f1).sum::<f64>() / active.len() as f64
    };
    let weighted_f1 = if n == 0 {
        0.0
    } else {
        per_class
            .iter()
            .map(|s| s.f1 * s.support as f64)
            .sum::<f64>()
            / n as f64
    };
    Scores {
        documents: n,
        accuracy: ratio(correct, n),
        macro_f1,
        weighted_f1,
        per_class,
        confusion,
    }
}

/// One row of a risk-coverage table: what labeling only the documents
/// whose probability reaches `threshold` gives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskRow {
    /// The minimum probability of a labeled document.
    pub threshold: f64,
    /// Documents labeled.
    pub labeled: usize,
    /// Share of all documents labeled.
    pub coverage: f64,
    /// Accuracy of the labeled documents (0 when none).
    pub accuracy: f64,
    /// Macro-F1 of the labeled documents (0 when none).
    pub macro_f1: f64,
}

/// One document for a risk-coverage table: gold class, predicted class
/// (`None`: the model could not read it) and its probability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// Gold class index.
    pub gold: usize,
    /// Predicted class index, `None` for `unknown`.
    pub pred: Option<usize>,
    /// Probability of the predicted class.
    pub probability: Option<f32>,
}

/// The thresholds of the risk-coverage tables reports print: 0.00 to 0.95
/// in steps of 0.05.
pub fn report_thresholds() -> Vec<f64> {
    (0..20).map(|i| i as f64 * 0.05).collect()
}

/// Labeled share, accuracy and macro-F1 at each threshold. A document is
/// labeled when it was readable and its probability reaches the threshold
/// (compared at the printed precision: 0.7 labels a probability that
/// prints as 0.700).
pub fn risk_coverage(classes: &[String], docs: &[Scored], thresholds: &[f64]) -> Vec<RiskRow> {
    thresholds
        .iter()
        .map(|&t| {
            let (gold, pred): (Vec<usize>, Vec<usize>) = docs
                .iter()
                .filter_map(|d| match (d.pred, d.probability) {
                    (Some(p), Some(prob)) if reaches(prob, t) => Some((d.gold, p)),
                    _ => None,
                })
                .unzip();
            let s = scores(classes, &gold, &pred);
            RiskRow {
                threshold: t,
                labeled: gold.len(),
                coverage: if docs.is_empty() {
                    0.0
                } else {
                    gold.len() as f64 / docs.len() as f64
                },
                accuracy: s.accuracy,
                macro_f1: if gold.is_empty() { 0.0 } else { s.macro_f1 },
            }
        })
        .collect()
}

/// Whether probability `p` reaches threshold `t`, both taken at the 3
/// decimals reports print (so a threshold read off a report behaves as it
/// reads).
pub fn reaches(p: f32, t: f64) -> bool {
    (p as f64 * 1000.0).round() >= (t * 1000.0).round()
}

/// The lowest threshold on a 0.01 grid at which the labeled documents are
/// at least `target` accurate, and what it gives; `None` if none is.
pub fn threshold_for(classes: &[String], docs: &[Scored], target: f64) -> Option<RiskRow> {
    let grid: Vec<f64> = (0..100).map(|i| i as f64 / 100.0).collect();
    risk_coverage(classes, docs, &grid)
        .into_iter()
        .find(|r| r.labeled > 0 && r.accuracy + 1e-12 >= target)
}

/// Mean and (population) standard deviation.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_scikit_learn() {
        // Reference computed with scikit-learn 1.9.1:
        //   y_true = [0, 0, 0, 1, 1, 2]; y_pred = [0, 0, 1, 1, 2, 2]
        //   accuracy_score -> 0.6666667
        //   f1_score(average="macro") -> 0.6555556 (per class 0.8, 0.5, 0.6666667)
        //   f1_score(average="weighted") -> 0.6777778
        let s = scores(
            &names(&["a", "b", "c"]),
            &[0, 0, 0, 1, 1, 2],
            &[0, 0, 1, 1, 2, 2],
        );
        assert!((s.accuracy - 0.666_666_7).abs() < 1e-6);
        assert!((s.macro_f1 - 0.655_555_6).abs() < 1e-6);
        assert!((s.weighted_f1 - 0.677_777_8).abs() < 1e-6);
        let f1: Vec<f64> = s.per_class.iter().map(|c| c.f1).collect();
        assert!((f1[0] - 0.8).abs() < 1e-9 && (f1[1] - 0.5).abs() < 1e-9);
        assert_eq!(
            s.confusion,
            vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]
        );
        // linfa's ConfusionMatrix would report the harmonic mean of
        // macro-precision (0.6667) and macro-recall (0.7778): 0.7179, not
        // the 0.6556 that scikit-learn and this module report.
        let macro_p = s.per_class.iter().map(|c| c.precision).sum::<f64>() / 3.0;
        assert!((macro_p - 0.666_666_7).abs() < 1e-6);
    }

    #[test]
    fn abstentions_are_misses_but_not_a_class() {
        let classes = names(&["a", "b", "unknown"]);
        let s = scores_abstaining(&classes, &[0, 1, 1], &[0, 1, 2], Some(2));
        assert!((s.accuracy - 2.0 / 3.0).abs() < 1e-12);
        // a: F1 1; b: precision 1, recall 1/2, F1 2/3; unknown left out.
        assert!((s.macro_f1 - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        let counted = scores(&classes, &[0, 1, 1], &[0, 1, 2]);
        assert!(counted.macro_f1 < s.macro_f1);
    }

    #[test]
    fn absent_classes_do_not_dilute_macro_f1() {
        let s = scores(&names(&["a", "b", "unused"]), &[0, 1], &[0, 1]);
        assert_eq!(s.macro_f1, 1.0);
        assert_eq!(s.per_class[2].support, 0);
    }

    #[test]
    fn risk_coverage_labels_what_reaches_the_threshold() {
        let classes = names(&["a", "b"]);
        let doc = |gold, pred, probability| Scored {
            gold,
            pred,
            probability,
        };
        let docs = [
            doc(0, Some(0), Some(0.9)),
            doc(1, Some(0), Some(0.6)),
            doc(1, Some(1), Some(0.7)),
            doc(0, None, None),
        ];
        let rows = risk_coverage(&classes, &docs, &[0.0, 0.65, 0.95]);
        assert_eq!(
            rows.iter().map(|r| r.labeled).collect::<Vec<_>>(),
            [3, 2, 0],
            "the unreadable document is never labeled"
        );
        assert_eq!(rows[0].coverage, 0.75);
        assert!((rows[0].accuracy - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(rows[1].accuracy, 1.0);
        assert_eq!((rows[2].accuracy, rows[2].macro_f1), (0.0, 0.0));
        let best = threshold_for(&classes, &docs, 0.9).unwrap();
        assert_eq!((best.threshold, best.labeled), (0.61, 2));
        assert!(threshold_for(&classes, &[doc(0, Some(1), Some(0.9))], 0.5).is_none());
        assert!(reaches(0.6999, 0.7) && !reaches(0.6994, 0.7));
    }

    #[test]
    fn mean_and_spread() {
        assert_eq!(mean_std(&[1.0, 3.0]), (2.0, 1.0));
        assert_eq!(mean_std(&[]), (0.0, 0.0));
    }
}
