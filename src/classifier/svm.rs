//! One-vs-rest linear SVMs trained on sparse rows.
//!
//! linfa 0.8's classifiers take only dense `Array2` records; dense TF-IDF of
//! 4,000 documents x 20,000 features took linfa-logistic 34 s and 860 MB
//! here. This model trains directly on CSR rows: one-vs-rest L2-regularized
//! squared-hinge SVMs solved by dual coordinate descent with shrinking (Hsieh
//! et al., ICML 2008, the algorithm of liblinear and scikit-learn's
//! `LinearSVC`), one class per rayon task. Probabilities come from a softmax
//! over the decision values whose temperature is fitted on out-of-fold
//! decision values (internal stratified folds, [`super::calibration`]), so
//! "0.9" means about nine in ten right on unseen documents of the training
//! distribution.
//!
//! It is a linfa model: [`LinearParams`] -> [`LinearValidParams`] (checked)
//! -> [`LinearModel`] (fitted) through linfa's `Fit` and `PredictInplace`
//! on [`SparseRows`] records.

use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::calibration::fit_temperature;
use super::{LinearModel, SparseRows};
use crate::params::ParamError;
use crate::rng::{stratified_folds, SplitMix};
use crate::sparse::{row, Csr};

/// Errors from checking parameters or fitting.
#[derive(Debug, thiserror::Error)]
pub enum LinearError {
    /// `c` out of range.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// `tol` is not a finite value > 0.
    #[error("tolerance {0} is invalid: need a finite value > 0")]
    Tolerance(f32),
    /// `max_iter` is 0.
    #[error("max_iter 0 is invalid: need at least 1")]
    MaxIter,
    /// `calibration_folds` is 1 or above 20.
    #[error("calibration folds {0} is invalid: need 0 (off) or 2 to 20")]
    CalibrationFolds(usize),
    /// Rows and targets differ in number.
    #[error("{records} documents but {targets} labels")]
    Shape {
        /// Rows given.
        records: usize,
        /// Targets given.
        targets: usize,
    },
    /// Fewer than two classes occur in the targets.
    #[error("need at least 2 classes, found {0}")]
    TooFewClasses(usize),
    /// No rows.
    #[error("no documents to train on")]
    Empty,
    /// An error from linfa.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// How much each class's errors cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassWeight {
    /// Every document counts the same.
    Uniform,
    /// Weight n / (k * n_class), as scikit-learn's "balanced": rare classes
    /// are not drowned by common ones.
    Balanced,
}

/// Hyper-parameters of the linear classifier.
///
/// | field | default | range |
/// |---|---|---|
/// | `c` | 1.0 | > 0: inverse regularization strength |
/// | `class_weight` | `Uniform` | `Uniform`, `Balanced` |
/// | `tol` | 0.1 | > 0: stop when the projected-gradient gap is below it |
/// | `max_iter` | 1000 | >= 1 passes over the data |
/// | `calibration_folds` | 2 | 0 (temperature 1) or 2..=20 |
/// | `seed` | 42 | any: orders the coordinate passes and the folds |
/// | `n_classes` | none | none = largest target + 1 |
/// | `nb_scale` | false | scale features by naive-Bayes log-count ratios (NBSVM) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearParams {
    /// Inverse regularization strength.
    pub c: f32,
    /// How each class's errors count.
    pub class_weight: ClassWeight,
    /// Stopping tolerance of the solver.
    pub tol: f32,
    /// Most passes over the data.
    pub max_iter: usize,
    /// Internal folds whose out-of-fold scores fit the temperature.
    pub calibration_folds: usize,
    /// Seed of the coordinate order and the folds.
    pub seed: u64,
    /// Classes, when some never occur in the targets (linfa `Fit` only).
    pub n_classes: Option<usize>,
    /// Scale features by naive-Bayes log-count ratios (NBSVM).
    pub nb_scale: bool,
}

impl Default for LinearParams {
    fn default() -> Self {
        LinearParams {
            c: 1.0,
            // Uniform: measured as accurate or more than balanced on the
            // benchmark datasets; balanced stays an option for skewed data.
            class_weight: ClassWeight::Uniform,
            tol: 0.1,
            max_iter: 1000,
            // Two folds: each calibration fit sees half the data, so the
            // calibration costs about one extra full fit.
            calibration_folds: 2,
            seed: 42,
            n_classes: None,
            nb_scale: false,
        }
    }
}

impl LinearParams {
    /// Validates the parameters; only validated parameters can fit.
    pub fn check(&self) -> Result<LinearValidParams, LinearError> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(ParamError::new("--c", self.c, "need a number > 0").into());
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(LinearError::Tolerance(self.tol));
        }
        if self.max_iter == 0 {
            return Err(LinearError::MaxIter);
        }
        if self.calibration_folds == 1 || self.calibration_folds > 20 {
            return Err(LinearError::CalibrationFolds(self.calibration_folds));
        }
        Ok(LinearValidParams(self.clone()))
    }
}

/// Checked parameters: the only ones that can fit.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearValidParams(LinearParams);

impl LinearValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &LinearParams {
        &self.0
    }
}

/// Per-class feature sums, for naive-Bayes log-count ratios (NBSVM, Wang &
/// Manning 2012): each one-vs-rest problem sees feature j scaled by
/// r_j = ln((p_j / |p|) / (q_j / |q|)), p and q the smoothed sums of the
/// feature over the class's documents and the others'.
struct NbRatios {
    n_classes: usize,
    /// Feature-major sums: `sums[j * k + c]`.
    sums: Vec<f32>,
    total: Vec<f32>,
}

/// Smoothing of the NB ratios.
const NB_ALPHA: f32 = 1.0;

impl NbRatios {
    fn new(x: &Csr, samples: &[usize], targets: &[usize], k: usize) -> Self {
        let d = x.cols();
        let mut sums = vec![0f32; d * k];
        for &s in samples {
            let (idx, val) = row(x, s);
            let c = targets[s];
            for (&j, &v) in idx.iter().zip(val) {
                sums[j as usize * k + c] += v;
            }
        }
        let total = (0..d)
            .map(|j| sums[j * k..(j + 1) * k].iter().sum())
            .collect();
        NbRatios {
            n_classes: k,
            sums,
            total,
        }
    }

    fn for_class(&self, c: usize) -> Vec<f32> {
        let k = self.n_classes;
        let d = self.total.len();
        let p: Vec<f32> = (0..d).map(|j| self.sums[j * k + c] + NB_ALPHA).collect();
        let q: Vec<f32> = (0..d)
            .map(|j| self.total[j] - self.sums[j * k + c] + NB_ALPHA)
            .collect();
        let (ps, qs) = (p.iter().sum::<f32>(), q.iter().sum::<f32>());
        p.iter()
            .zip(&q)
            .map(|(p, q)| ((p / ps) / (q / qs)).ln())
            .collect()
    }
}

/// Dual coordinate descent for one binary L2-loss SVM with a bias feature
/// of value 1. `y[i]` is +1 or -1, `cost[i]` the sample's C.
#[allow(clippy::too_many_arguments)]
fn train_binary(
    x: &Csr,
    samples: &[usize],
    y: &[f32],
    cost: &[f32],
    scale: Option<&[f32]>,
    tol: f32,
    max_iter: usize,
    seed: u64,
) -> (Vec<f32>, f32) {
    match scale {
        None => solve_binary(x, samples, y, cost, |_| 1.0, tol, max_iter, seed),
        Some(r) => {
            // SAFETY: r.len() == x.cols() (built by nb_ratios), and every
            // column index is below x.cols().
            let (w, b) = solve_binary(
                x,
                samples,
                y,
                cost,
                |j| unsafe { *r.get_unchecked(j) },
                tol,
                max_iter,
                seed,
            );
            // The model scores x . (r * w): fold the scale into the weights.
            (w.iter().zip(r).map(|(w, r)| w * r).collect(), b)
        }
    }
}

/// Dual coordinate descent on features scaled by `scale(j)`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn solve_binary(
    x: &Csr,
    samples: &[usize],
    y: &[f32],
    cost: &[f32],
    scale: impl Fn(usize) -> f32,
    tol: f32,
    max_iter: usize,
    seed: u64,
) -> (Vec<f32>, f32) {
    let n = samples.len();
    let mut w = vec![0f32; x.cols()];
    let mut b = 0f32;
    let mut alpha = vec![0f32; n];
    let diag: Vec<f32> = cost.iter().map(|c| 0.5 / c).collect();
    let qd: Vec<f32> = samples
        .iter()
        .zip(&diag)
        .map(|(&s, d)| {
            let (idx, val) = row(x, s);
            idx.iter()
                .zip(val)
                .map(|(&j, v)| (v * scale(j as usize)).powi(2))
                .sum::<f32>()
                + 1.0
                + d
        })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut active = n;
    // The dual variables have no upper bound (squared hinge), so only the
    // lower bound shrinks.
    let mut pg_max_old = f32::INFINITY;
    let mut rng = SplitMix::new(seed);
    for _ in 0..max_iter {
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        rng.shuffle(&mut order[..active]);
        let mut s = 0;
        while s < active {
            let i = order[s];
            let (idx, val) = row(x, samples[i]);
            // SAFETY: every column index of a Csr is below x.cols() ==
            // w.len() (sprs checks the structure when the matrix is built).
            // Bounds checks in this gather were a tenth of training time.
            let dot: f32 = idx
                .iter()
                .zip(val)
                .map(|(&j, v)| unsafe { *w.get_unchecked(j as usize) } * v * scale(j as usize))
                .sum();
            let g = y[i] * (dot + b) - 1.0 + diag[i] * alpha[i];
            let mut pg = g;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    order.swap(s, active);
                    continue;
                }
                if g > 0.0 {
                    pg = 0.0;
                }
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * y[i];
                for (&j, v) in idx.iter().zip(val) {
                    // SAFETY: as for the gather above.
                    unsafe { *w.get_unchecked_mut(j as usize) += d * v * scale(j as usize) };
                }
                b += d;
            }
            s += 1;
        }
        if pg_max - pg_min <= tol {
            if active == n {
                break;
            }
            active = n;
            pg_max_old = f32::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f32::INFINITY } else { pg_max };
    }
    (w, b)
}

impl LinearValidParams {
    /// Fits one-vs-rest SVMs on the rows `samples` of `x`; temperature 1.
    fn fit_raw(
        &self,
        x: &Csr,
        samples: &[usize],
        targets: &[usize],
        n_classes: usize,
    ) -> LinearModel {
        let p = &self.0;
        let mut counts = vec![0usize; n_classes];
        samples.iter().for_each(|&s| counts[targets[s]] += 1);
        let present = counts.iter().filter(|&&c| c > 0).count().max(1);
        let class_c: Vec<f32> = counts
            .iter()
            .map(|&n_c| match p.class_weight {
                ClassWeight::Uniform => p.c,
                ClassWeight::Balanced if n_c > 0 => {
                    p.c * samples.len() as f32 / (present as f32 * n_c as f32)
                }
                ClassWeight::Balanced => p.c,
            })
            .collect();
        let cost: Vec<f32> = samples.iter().map(|&s| class_c[targets[s]]).collect();
        let ratios = p
            .nb_scale
            .then(|| NbRatios::new(x, samples, targets, n_classes));
        let per_class: Vec<(Vec<f32>, f32)> = (0..n_classes)
            .into_par_iter()
            .map(|c| {
                if counts[c] == 0 {
                    // Never seen: never predicted.
                    return (vec![0f32; x.cols()], -1.0);
                }
                let y: Vec<f32> = samples
                    .iter()
                    .map(|&s| if targets[s] == c { 1.0 } else { -1.0 })
                    .collect();
                let seed = p.seed.wrapping_add(c as u64);
                let scale = ratios.as_ref().map(|r| r.for_class(c));
                train_binary(
                    x,
                    samples,
                    &y,
                    &cost,
                    scale.as_deref(),
                    p.tol,
                    p.max_iter,
                    seed,
                )
            })
            .collect();
        let d = x.cols();
        let mut weights = vec![0f32; d * n_classes];
        for (c, (w, _)) in per_class.iter().enumerate() {
            for (j, &v) in w.iter().enumerate() {
                weights[j * n_classes + c] = v;
            }
        }
        LinearModel::from_parts(
            n_classes,
            d,
            weights,
            per_class.iter().map(|(_, b)| *b).collect(),
            1.0,
        )
    }

    /// Fits on all rows of `x` with calibration. `targets[i] < n_classes`.
    pub fn fit_rows(
        &self,
        x: &Csr,
        targets: &[usize],
        n_classes: usize,
    ) -> Result<LinearModel, LinearError> {
        if x.rows() != targets.len() {
            return Err(LinearError::Shape {
                records: x.rows(),
                targets: targets.len(),
            });
        }
        if x.rows() == 0 {
            return Err(LinearError::Empty);
        }
        let mut seen = vec![false; n_classes];
        targets.iter().for_each(|&t| seen[t] = true);
        let distinct = seen.iter().filter(|&&s| s).count();
        if distinct < 2 {
            return Err(LinearError::TooFewClasses(distinct));
        }
        let all: Vec<usize> = (0..x.rows()).collect();
        let mut model = self.fit_raw(x, &all, targets, n_classes);
        let folds = self.0.calibration_folds;
        if folds >= 2 && x.rows() >= 2 * folds {
            let assignment = stratified_folds(targets, folds, self.0.seed);
            let mut scores = vec![0f32; x.rows() * n_classes];
            for fold in 0..folds {
                let train: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| assignment[i] != fold)
                    .collect();
                let part = self.fit_raw(x, &train, targets, n_classes);
                for i in all.iter().copied().filter(|&i| assignment[i] == fold) {
                    let (idx, val) = row(x, i);
                    part.decision_into(idx, val, &mut scores[i * n_classes..(i + 1) * n_classes]);
                }
            }
            model = model.with_temperature(fit_temperature(&scores, targets, n_classes));
        }
        Ok(model)
    }
}

impl Fit<SparseRows, Array1<usize>, LinearError> for LinearValidParams {
    type Object = LinearModel;

    fn fit(
        &self,
        dataset: &DatasetBase<SparseRows, Array1<usize>>,
    ) -> Result<LinearModel, LinearError> {
        let targets = dataset
            .targets
            .as_slice()
            .map(<[usize]>::to_vec)
            .unwrap_or_else(|| dataset.targets.to_vec());
        let n_classes = self
            .0
            .n_classes
            .unwrap_or_else(|| targets.iter().max().map_or(0, |m| m + 1));
        if let Some(&bad) = targets.iter().find(|&&t| t >= n_classes) {
            return Err(LinearError::TooFewClasses(bad));
        }
        self.fit_rows(&dataset.records.0, &targets, n_classes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::argmax;
    use linfa::traits::Predict;

    /// Three separable clusters over 6 features, two documents each, plus
    /// noise columns.
    fn toy() -> (Csr, Vec<usize>) {
        let rows: Vec<Vec<(u32, f32)>> = vec![
            vec![(0, 0.9), (1, 0.4)],
            vec![(0, 0.8), (5, 0.6)],
            vec![(2, 0.9), (1, 0.4)],
            vec![(2, 0.7), (3, 0.7)],
            vec![(4, 1.0)],
            vec![(4, 0.8), (5, 0.6)],
        ];
        let mut indptr = vec![0];
        let (mut ind, mut dat) = (vec![], vec![]);
        for r in rows {
            let mut r = r;
            r.sort_by_key(|p| p.0);
            for (j, v) in r {
                ind.push(j);
                dat.push(v);
            }
            indptr.push(ind.len());
        }
        (Csr::new((6, 6), indptr, ind, dat), vec![0, 0, 1, 1, 2, 2])
    }

    #[test]
    fn fits_and_predicts_through_linfa_traits() {
        let (x, y) = toy();
        let ds = DatasetBase::new(SparseRows(x.clone()), Array1::from(y.clone()));
        let params = LinearParams {
            calibration_folds: 0,
            ..Default::default()
        };
        let model = params.check().unwrap().fit(&ds).unwrap();
        let pred: Array1<usize> = model.predict(&ds);
        assert_eq!(pred.to_vec(), y);
    }

    #[test]
    fn probabilities_sum_to_one_and_favor_the_prediction() {
        let (x, y) = toy();
        let model = LinearParams::default()
            .check()
            .unwrap()
            .fit_rows(&x, &y, 3)
            .unwrap();
        let p = model.predict_proba(&SparseRows(x));
        for (i, r) in p.rows().into_iter().enumerate() {
            assert!((r.sum() - 1.0).abs() < 1e-5);
            assert_eq!(argmax(r.as_slice().unwrap()), y[i]);
        }
    }

    #[test]
    fn same_seed_same_model() {
        let (x, y) = toy();
        let v = LinearParams::default().check().unwrap();
        assert_eq!(
            v.fit_rows(&x, &y, 3).unwrap(),
            v.fit_rows(&x, &y, 3).unwrap()
        );
    }

    #[test]
    fn contributions_name_the_deciding_features() {
        let (x, y) = toy();
        let model = LinearParams::default()
            .check()
            .unwrap()
            .fit_rows(&x, &y, 3)
            .unwrap();
        let c = model.contributions(&[0, 3], &[0.7, 0.7], 0, 5);
        assert_eq!(c[0].0, 0);
        assert_eq!(model.top_features(2, 1)[0].0, 4);
    }

    #[test]
    fn invalid_parameters_and_data_are_refused() {
        let msg = |p: LinearParams| p.check().unwrap_err().to_string();
        assert_eq!(
            msg(LinearParams {
                c: 0.0,
                ..Default::default()
            }),
            "--c 0 is out of range: need a number > 0"
        );
        assert_eq!(
            msg(LinearParams {
                max_iter: 0,
                ..Default::default()
            }),
            "max_iter 0 is invalid: need at least 1"
        );
        assert_eq!(
            msg(LinearParams {
                calibration_folds: 1,
                ..Default::default()
            }),
            "calibration folds 1 is invalid: need 0 (off) or 2 to 20"
        );
        let (x, _) = toy();
        let v = LinearParams::default().check().unwrap();
        let err = v.fit_rows(&x, &[1; 6], 2).unwrap_err();
        assert_eq!(err.to_string(), "need at least 2 classes, found 1");
        let err = v.fit_rows(&x, &[0, 1], 2).unwrap_err();
        assert_eq!(err.to_string(), "6 documents but 2 labels");
    }
}
